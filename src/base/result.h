// Result<T>: the value of an operation that can fail in an expected way.
//
// An Error carries a canonical code (mapped to HTTP only in api/), the errno
// that caused it when there was one, and a chain of context strings that grows
// as the error travels up ("create instance a1: write config.json: No space
// left on device"). Exceptions are not used for expected failures.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace vmi {

// Canonical codes, after abseil's: each maps cleanly onto an HTTP status.
enum class ErrorCode {
  kUnknown,
  kInvalidArgument,     // 400: the caller sent something malformed.
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 409: state does not allow it (e.g. rm of a running instance).
  kPermissionDenied,    // 403
  kUnauthenticated,     // 401
  kResourceExhausted,   // 429 / 507: quota, disk, limits.
  kUnavailable,         // 503: a host feature or service is missing.
  kInternal,            // 500
  kUnimplemented,       // 501
  kDeadlineExceeded,    // 504
  kAborted,             // 409: lost a race; retry.
};

const char* ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message, int err_no = 0)
      : code_(code), err_no_(err_no), message_(std::move(message)) {}

  // An error from a failed system call: message is what was being done,
  // strerror(err_no) is appended. The code is derived from errno.
  static Error FromErrno(std::string what, int err_no = errno);

  ErrorCode code() const { return code_; }
  int err_no() const { return err_no_; }
  // The innermost message, without context.
  const std::string& message() const { return message_; }
  // Outermost context first, then the message: "a: b: c".
  std::string ToString() const;

  // Adds a context line (outer operation) and returns the error for chaining.
  Error&& Context(std::string what) && {
    context_.push_back(std::move(what));
    return std::move(*this);
  }
  Error& Context(std::string what) & {
    context_.push_back(std::move(what));
    return *this;
  }

 private:
  ErrorCode code_;
  int err_no_;
  std::string message_;
  std::vector<std::string> context_;  // innermost first
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  Result&& Context(std::string what) && {
    if (!ok()) std::get<1>(v_).Context(std::move(what));
    return std::move(*this);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }
  Result&& Context(std::string what) && {
    if (!ok_) error_.Context(std::move(what));
    return std::move(*this);
  }

 private:
  Error error_{ErrorCode::kUnknown, ""};
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace vmi

// Evaluates a Result expression; on error returns it from the enclosing
// function (which must return a Result), otherwise yields the value.
#define VMI_TRY(expr)                                             \
  ({                                                              \
    auto vmi_try_result_ = (expr);                                \
    if (!vmi_try_result_.ok()) return std::move(vmi_try_result_).error(); \
    std::move(vmi_try_result_).value();                           \
  })

// Like VMI_TRY for Result<void>, adding a context line on error.
#define VMI_CHECK_OK(expr, context)                                          \
  do {                                                                       \
    auto vmi_check_result_ = (expr);                                         \
    if (!vmi_check_result_.ok())                                             \
      return std::move(vmi_check_result_).error().Context(context);          \
  } while (0)

// Like VMI_TRY, adding a context line on error.
#define VMI_TRY_CTX(expr, context)                                           \
  ({                                                                         \
    auto vmi_try_result_ = (expr);                                           \
    if (!vmi_try_result_.ok())                                               \
      return std::move(vmi_try_result_).error().Context(context);            \
    std::move(vmi_try_result_).value();                                      \
  })
