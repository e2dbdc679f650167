#include "cli/password_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/line_reader.h"
#include "base/unique_fd.h"

namespace vmi::cli {

namespace {

// One line; end of input is an empty line (the caller says what is missing).
Result<std::string> ReadPasswordLine(int fd) {
  auto line = ReadLine(fd, {.what = "password"});
  if (!line.ok() && line.error().code() == ErrorCode::kUnavailable) return std::string();
  std::string pw = VMI_TRY(std::move(line));
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  return pw;
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
  auto line = ReadPasswordLine(tty);
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
  std::string pw = VMI_TRY(ReadPasswordLine(STDIN_FILENO));
  if (pw.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("no password: set $") + (source.env ? source.env : "VMI_PASSWORD") +
                     ", type it at a terminal, or give it as one line of standard input");
  }
  return pw;
}

}  // namespace vmi::cli
