#include "cli/password_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/unique_fd.h"

namespace vmi::cli {

namespace {

// Reads up to a newline from fd (byte by byte: nothing beyond the line is
// consumed, so a script can pipe more input after it).
Result<std::string> ReadLine(int fd) {
  std::string line;
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("read password");
    if (n == 0 || c == '\n') break;
    if (line.size() >= 4096) return Error(ErrorCode::kInvalidArgument, "password is too long");
    line += c;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Prompts on the terminal with echo off; restores the mode on every path.
Result<std::string> PromptNoEcho(int tty, const std::string& prompt) {
  if (write(tty, prompt.data(), prompt.size()) < 0) return Error::FromErrno("write prompt");
  termios old{};
  bool restore = tcgetattr(tty, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    if (tcsetattr(tty, TCSAFLUSH, &quiet) != 0) restore = false;
  }
  auto line = ReadLine(tty);
  if (restore) tcsetattr(tty, TCSAFLUSH, &old);
  return line;
}

}  // namespace

Result<std::string> ReadPassword(const PasswordSource& source) {
  if (source.env) {
    if (const char* v = std::getenv(source.env); v && *v) return std::string(v);
  }
  UniqueFd tty(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty && isatty(STDIN_FILENO)) {
    std::string pw = VMI_TRY(PromptNoEcho(tty.get(), source.prompt));
    if (source.confirm) {
      std::string again = VMI_TRY(PromptNoEcho(tty.get(), "Again: "));
      if (again != pw) return Error(ErrorCode::kInvalidArgument, "the passwords differ");
    }
    if (pw.empty()) return Error(ErrorCode::kInvalidArgument, "empty password");
    return pw;
  }
  std::string pw = VMI_TRY(ReadLine(STDIN_FILENO));
  if (pw.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("no password: set $") + (source.env ? source.env : "VMI_PASSWORD") +
                     ", type it at a terminal, or give it as one line of standard input");
  }
  return pw;
}

}  // namespace vmi::cli
