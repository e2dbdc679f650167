#include "base/temp_dir.h"

#include <stdlib.h>

#include <utility>

#include "base/file.h"
#include "base/log.h"

namespace vmi {

Result<TempDir> TempDir::Create(const std::string& prefix, const std::string& parent) {
  std::string tmpl = parent + "/" + prefix + ".XXXXXX";
  if (!mkdtemp(tmpl.data())) return Error::FromErrno("mkdtemp " + tmpl);
  return TempDir(std::move(tmpl));
}

TempDir TempDir::MustCreate(const std::string& prefix) {
  auto dir = Create(prefix);
  if (!dir.ok()) {
    VMI_LOG(ERROR) << dir.error().ToString();
    abort();
  }
  return std::move(*dir);
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TempDir::~TempDir() { Remove(); }

std::string TempDir::Release() { return std::exchange(path_, {}); }

void TempDir::Remove() {
  if (path_.empty()) return;
  if (auto r = RemoveTree(path_); !r.ok()) VMI_LOG(WARN) << r.error().ToString();
  path_.clear();
}

}  // namespace vmi
