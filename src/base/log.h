// Logging: one macro family with levels, lines optionally tagged with an
// instance id. Thread-safe; each line is written with a single write(2).
//
//   VMI_LOG(INFO) << "listening on " << path;
//   VMI_ILOG(WARN, instance_id) << "session exited with " << status;
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace vmi::log {

enum class Level { DEBUG = 0, INFO = 1, WARN = 2, ERROR = 3 };

// Lines below this level are dropped. Default INFO, or $VMI_LOG_LEVEL.
void SetLevel(Level level);
Level GetLevel();
// Where lines go; default stderr. The fd is borrowed, not owned.
void SetFd(int fd);

class Line {
 public:
  Line(Level level, std::string_view tag, const char* file, int line);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  template <typename T>
  Line& operator<<(const T& v) {
    os_ << v;
    return *this;
  }

 private:
  std::ostringstream os_;
};

}  // namespace vmi::log

// A one-shot loop rather than if/else, so `if (x) VMI_LOG(INFO) << y;` has
// no dangling else.
#define VMI_ILOG(level, tag)                                                     \
  for (bool vmi_log_on_ = ::vmi::log::Level::level >= ::vmi::log::GetLevel();    \
       vmi_log_on_; vmi_log_on_ = false)                                         \
  ::vmi::log::Line(::vmi::log::Level::level, (tag), __FILE__, __LINE__)

#define VMI_LOG(level) VMI_ILOG(level, std::string_view())
