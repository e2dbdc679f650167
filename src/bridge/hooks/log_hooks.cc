// liblog: __android_log_* write through the project's logging (VMI_ILOG),
// tagged "android/<tag>". VERBOSE/DEBUG map to DEBUG, INFO to INFO, WARN to
// WARN, ERROR/FATAL to ERROR. Thread-safe (one write per line).
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// liblog's API 30 message and the process-wide settings bionic keeps.
struct LogMessage {
  size_t struct_size;
  int32_t buffer_id;
  int32_t priority;
  const char* tag;
  const char* file;
  uint32_t line;
  const char* message;
};
using Logger = void (*)(const LogMessage*);
using Aborter = void (*)(const char*);
std::atomic<Logger> g_logger{nullptr};
std::atomic<Aborter> g_aborter{nullptr};
std::atomic<int> g_min_priority{bionic::kLogDefault};
std::atomic<const char*> g_default_tag{nullptr};

int Write(int prio, const char* tag, const char* text) {
  if (prio == bionic::kLogSilent) return 0;
  if (prio < g_min_priority.load()) return 0;
  if (tag == nullptr) tag = g_default_tag.load();
  if (Logger l = g_logger.load(); l != nullptr) {
    LogMessage m{sizeof(LogMessage), 0 /* LOG_ID_MAIN */, prio, tag, nullptr, 0, text};
    l(&m);
    return 1;
  }
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

int IsLoggableLen(int prio, const char* tag, size_t, int def) { return IsLoggable(prio, tag, def); }

void LogdLogger(const LogMessage* m) {
  Logger saved = g_logger.exchange(nullptr);
  Write(m->priority, m->tag, m->message);
  g_logger.store(saved);
}
void StderrLogger(const LogMessage* m) {
  fprintf(stderr, "%s: %s\n", m->tag != nullptr ? m->tag : "", m->message != nullptr ? m->message : "");
}
void WriteLogMessage(const LogMessage* m) {
  if (Logger l = g_logger.load(); l != nullptr) {
    l(m);
  } else {
    Write(m->priority, m->tag, m->message);
  }
}
void SetLogger(Logger l) { g_logger.store(l); }
[[noreturn]] void DefaultAborter(const char* msg) {
  Write(bionic::kLogFatal, "libc", msg);
  abort();
}
void SetAborter(Aborter a) { g_aborter.store(a); }
void CallAborter(const char* msg) {
  Aborter a = g_aborter.load();
  if (a != nullptr) a(msg);
  else DefaultAborter(msg);
}
int SetMinimumPriority(int prio) { return g_min_priority.exchange(prio); }
int GetMinimumPriority() { return g_min_priority.load(); }
void SetDefaultTag(const char* tag) { g_default_tag.store(tag != nullptr ? strdup(tag) : nullptr); }

const HookEntry kExtraHooks[] = {
    VMI_HOOK("__android_log_is_loggable_len", IsLoggableLen),
    VMI_HOOK("__android_log_logd_logger", LogdLogger),
    VMI_HOOK("__android_log_stderr_logger", StderrLogger),
    VMI_HOOK("__android_log_write_log_message", WriteLogMessage),
    VMI_HOOK("__android_log_set_logger", SetLogger),
    VMI_HOOK("__android_log_default_aborter", DefaultAborter),
    VMI_HOOK("__android_log_set_aborter", SetAborter),
    VMI_HOOK("__android_log_call_aborter", CallAborter),
    VMI_HOOK("__android_log_set_minimum_priority", SetMinimumPriority),
    VMI_HOOK("__android_log_get_minimum_priority", GetMinimumPriority),
    VMI_HOOK("__android_log_set_default_tag", SetDefaultTag),
};

}  // namespace

void AddLogExtraHooks(VirtualLibrary& lib) { lib.AddHooks(kExtraHooks, sizeof(kExtraHooks) / sizeof(kExtraHooks[0])); }

void AddLogHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
