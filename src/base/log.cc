#include "base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace vmi::log {
namespace {

Level LevelFromEnv() {
  const char* v = std::getenv("VMI_LOG_LEVEL");
  if (v == nullptr) return Level::INFO;
  if (!strcasecmp(v, "debug")) return Level::DEBUG;
  if (!strcasecmp(v, "warn")) return Level::WARN;
  if (!strcasecmp(v, "error")) return Level::ERROR;
  return Level::INFO;
}

std::atomic<int> g_level{static_cast<int>(LevelFromEnv())};
std::atomic<int> g_fd{2};

const char* LevelName(Level l) {
  switch (l) {
    case Level::DEBUG: return "D";
    case Level::INFO: return "I";
    case Level::WARN: return "W";
    case Level::ERROR: return "E";
  }
  return "?";
}

}  // namespace

void SetLevel(Level level) { g_level = static_cast<int>(level); }
Level GetLevel() { return static_cast<Level>(g_level.load()); }
void SetFd(int fd) { g_fd = fd; }

Line::Line(Level level, std::string_view tag, const char* file, int line) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  char ts[40];
  snprintf(ts, sizeof ts, "%02d:%02d:%02d.%03ld", t.tm_hour, t.tm_min, t.tm_sec,
           static_cast<long>(tv.tv_usec / 1000));
  const char* base = strrchr(file, '/');
  os_ << ts << ' ' << LevelName(level) << ' ' << (base ? base + 1 : file) << ':' << line << ' ';
  if (!tag.empty()) os_ << '[' << tag << "] ";
}

Line::~Line() {
  os_ << '\n';
  std::string s = os_.str();
  // A single write keeps lines from different threads whole.
  ssize_t r = ::write(g_fd.load(), s.data(), s.size());
  (void)r;
}

}  // namespace vmi::log
