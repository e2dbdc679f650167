// Table: the CLI's human output - columns padded to their widest cell,
// two spaces apart, a header row in capitals, no trailing spaces.
//
//   Table t({"ID", "NAME"});
//   t.Add({"1", "admin"});
//   std::cout << t.Render();
//
// Threads: a plain value.
#pragma once

#include <string>
#include <vector>

namespace vmi::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  // Missing cells are blank; extra cells are dropped.
  void Add(std::vector<std::string> row);
  std::string Render() const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text (code points; no wide-character tables).
size_t DisplayWidth(const std::string& s);

}  // namespace vmi::cli
