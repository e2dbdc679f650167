#include "api/http/response.h"

#include <set>
#include <vector>

namespace vmi::api {

Response Response::JsonBody(const Json& body, int status) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  // Replace invalid UTF-8 rather than throwing: names come from users.
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response Response::Text(std::string body, int status, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::ErrorBody(int status, std::string_view code, std::string_view message) {
  Json j = {{"error", {{"code", code}, {"message", message}}}};
  return JsonBody(j, status);
}

Response Response::FromError(const Error& error) {
  return ErrorBody(HttpStatusFor(error.code()), ErrorCodeName(error.code()), error.ToString());
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kUnimplemented: return 501;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kAborted: return 409;
    case ErrorCode::kInternal:
    case ErrorCode::kUnknown: return 500;
  }
  return 500;
}

namespace {
// Only records where parsing failed; used after a failed parse, so the
// message can point at the byte without exceptions.
struct ErrorPosition : nlohmann::json_sax<Json> {
  size_t position = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception&) override {
    position = pos;
    return false;
  }
};
}  // namespace

Result<Json> ParseJsonObject(std::string_view body) {
  // Duplicate keys are refused: parsers disagree on which one wins (nlohmann
  // keeps the last, others the first), so a body could mean one thing to a
  // proxy or an audit reader and another to us. One set of seen keys per
  // open object.
  std::vector<std::set<std::string>> seen;
  std::string duplicate;
  auto callback = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        seen.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!seen.empty()) seen.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!seen.empty() && !seen.back().insert(parsed.get<std::string>()).second &&
            duplicate.empty())
          duplicate = parsed.get<std::string>().substr(0, 64);
        break;
      default:
        break;
    }
    return true;
  };
  Json j = Json::parse(body, callback, /*allow_exceptions=*/false);
  if (!duplicate.empty() && !j.is_discarded())
    return Error(ErrorCode::kInvalidArgument, "duplicate key '" + duplicate + "' in JSON body");
  if (j.is_discarded()) {
    ErrorPosition sax;
    (void)Json::sax_parse(body, &sax);
    return Error(ErrorCode::kInvalidArgument,
                 "malformed JSON body at byte " + std::to_string(sax.position));
  }
  if (!j.is_object()) return Error(ErrorCode::kInvalidArgument, "JSON body must be an object");
  return j;
}

}  // namespace vmi::api
