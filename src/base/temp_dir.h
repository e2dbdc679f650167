// TempDir: a fresh private directory (mkdtemp, mode 0700; /tmp by default) that is
// removed with everything in it when the object dies. For tests, benches and
// scratch work; move-only.
//
//   auto dir = VMI_TRY(TempDir::Create("vmi-import"));
//   WriteFile(dir.path() + "/x", "...");
#pragma once

#include <string>

#include "base/result.h"

namespace vmi {

class TempDir {
 public:
  // `prefix` names the directory: <parent>/<prefix>.XXXXXX.
  static Result<TempDir> Create(const std::string& prefix, const std::string& parent = "/tmp");
  // For tests and benches, which can do nothing without one: logs the error
  // and aborts if the directory cannot be made.
  static TempDir MustCreate(const std::string& prefix);

  TempDir() = default;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // Gives up ownership: the directory stays. Returns its path.
  std::string Release();

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void Remove();
  std::string path_;
};

}  // namespace vmi
