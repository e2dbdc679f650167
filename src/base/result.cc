#include "base/result.h"

#include <cstring>

namespace vmi {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknown: return "unknown";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kUnimplemented: return "unimplemented";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kAborted: return "aborted";
  }
  return "unknown";
}

namespace {
ErrorCode CodeFromErrno(int e) {
  switch (e) {
    case ENOENT: return ErrorCode::kNotFound;
    case EEXIST: return ErrorCode::kAlreadyExists;
    case EACCES:
    case EPERM: return ErrorCode::kPermissionDenied;
    case EINVAL:
    case ENAMETOOLONG: return ErrorCode::kInvalidArgument;
    case ENOSPC:
    case EDQUOT:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
    case EAGAIN: return ErrorCode::kResourceExhausted;
    case ETIMEDOUT: return ErrorCode::kDeadlineExceeded;
    case ENOSYS:
    case ENODEV:
    case EOPNOTSUPP: return ErrorCode::kUnavailable;
    default: return ErrorCode::kInternal;
  }
}
}  // namespace

Error Error::FromErrno(std::string what, int err_no) {
  char buf[128];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* text = strerror_r(err_no, buf, sizeof buf);
  return Error(CodeFromErrno(err_no), std::move(what) + ": " + text, err_no);
}

std::string Error::ToString() const {
  std::string out;
  for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
    out += *it;
    out += ": ";
  }
  out += message_;
  return out;
}

}  // namespace vmi
