#include "bridge/dl_error.h"

namespace vmi::bridge {
namespace {
thread_local std::string t_pending;
thread_local std::string t_returned;
thread_local bool t_has_error = false;
}  // namespace

void SetDlError(const std::string& message) {
  t_pending = message;
  t_has_error = true;
}

const char* TakeDlError() {
  if (!t_has_error) return nullptr;
  t_has_error = false;
  t_returned.swap(t_pending);
  return t_returned.c_str();
}

}  // namespace vmi::bridge
