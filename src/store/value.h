// Values, rows and results of the store's SQL interface (both backends).
//
// A Value is NULL, a 64-bit integer, a double or text. Booleans are stored as
// integers 0/1 and binary data as text (base64 or hex, by the caller): those
// are the common subset of SQLite and PostgreSQL that the schema uses.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vmi::store {

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Params = std::vector<Value>;

// One result row. Getters convert leniently (SQLite columns are dynamically
// typed): a NULL reads as 0 / "" (use IsNull to tell), text that holds a
// number reads as that number. Out-of-range indexes and unknown column names
// read as NULL.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  const Value& at(size_t i) const;
  bool IsNull(size_t i) const;
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  std::string Text(size_t i) const;
  bool Bool(size_t i) const { return Int(i) != 0; }

  // By column name (the name as the query spelled it, e.g. after AS).
  std::optional<size_t> Index(std::string_view column) const;
  bool IsNull(std::string_view c) const { return IsNull(Index(c).value_or(SIZE_MAX)); }
  int64_t Int(std::string_view c) const { return Int(Index(c).value_or(SIZE_MAX)); }
  double Real(std::string_view c) const { return Real(Index(c).value_or(SIZE_MAX)); }
  std::string Text(std::string_view c) const { return Text(Index(c).value_or(SIZE_MAX)); }
  bool Bool(std::string_view c) const { return Int(c) != 0; }

 private:
  // Shared by every row of one result, which may outlive the result.
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

struct QueryResult {
  std::shared_ptr<const std::vector<std::string>> columns;
  std::vector<Row> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// For logs and error messages: NULL, 12, 'text'.
std::string ValueToString(const Value& v);

}  // namespace vmi::store
