// liblog: __android_log_* write through the project's logging (VMI_ILOG),
// tagged "android/<tag>". VERBOSE/DEBUG map to DEBUG, INFO to INFO, WARN to
// WARN, ERROR/FATAL to ERROR. Thread-safe (one write per line).
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/log.h"
#include "bridge/hooks/bionic_abi.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

log::Level ToLevel(int prio) {
  if (prio <= bionic::kLogDebug) return log::Level::DEBUG;
  if (prio == bionic::kLogInfo) return log::Level::INFO;
  if (prio == bionic::kLogWarn) return log::Level::WARN;
  return log::Level::ERROR;
}

int Write(int prio, const char* tag, const char* text) {
  if (prio == bionic::kLogSilent) return 0;
  log::Level level = ToLevel(prio);
  if (level < log::GetLevel()) return 1;
  std::string t = std::string("android/") + (tag != nullptr ? tag : "");
  log::Line(level, t, __FILE__, __LINE__) << (text != nullptr ? text : "");
  return 1;
}

int Vprint(int prio, const char* tag, const char* fmt, va_list ap) {
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  return Write(prio, tag, buf);
}

int Print(int prio, const char* tag, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = Vprint(prio, tag, fmt, ap);
  va_end(ap);
  return r;
}

int BufWrite(int, int prio, const char* tag, const char* text) { return Write(prio, tag, text); }

int BufPrint(int, int prio, const char* tag, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = Vprint(prio, tag, fmt, ap);
  va_end(ap);
  return r;
}

[[noreturn]] void Assert(const char* cond, const char* tag, const char* fmt, ...) {
  char buf[1024] = "assertion failed";
  if (fmt != nullptr) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
  }
  Write(bionic::kLogFatal, tag, (std::string(cond != nullptr ? cond : "") + " " + buf).c_str());
  abort();
}

int IsLoggable(int prio, const char*, int) { return ToLevel(prio) >= log::GetLevel() ? 1 : 0; }

const HookEntry kHooks[] = {
    VMI_HOOK("__android_log_write", Write),
    VMI_HOOK("__android_log_print", Print),
    VMI_HOOK("__android_log_vprint", Vprint),
    VMI_HOOK("__android_log_buf_write", BufWrite),
    VMI_HOOK("__android_log_buf_print", BufPrint),
    VMI_HOOK("__android_log_assert", Assert),
    VMI_HOOK("__android_log_is_loggable", IsLoggable),
};

}  // namespace

void AddLogHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
