// Response: what a route handler returns, and the mapping of Error to HTTP.
//
// A handler returns Result<Response>; an Error becomes
//   {"error":{"code":"not_found","message":"instance a1: no such instance"}}
// with the status its ErrorCode implies (HttpStatusFor). Codes are the stable
// names of base/result.h (ErrorCodeName); the server itself adds three codes
// for protocol-level failures that no handler produces: "method_not_allowed"
// (405), "payload_too_large" (413) and "bad_request" (400, unparsable HTTP).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/http/request.h"
#include "base/result.h"

namespace vmi::api {

using Json = nlohmann::json;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // application/json body.
  static Response JsonBody(const Json& body, int status = 200);
  static Response Text(std::string body, int status = 200,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response NoContent();
  // Error body with an explicit status and code (for the protocol-level codes).
  static Response ErrorBody(int status, std::string_view code, std::string_view message);
  static Response FromError(const Error& error);
};

// 400, 404, 409, ... as documented in base/result.h.
int HttpStatusFor(ErrorCode code);

// Parses a JSON request body. Malformed JSON, or a top-level value that is
// not an object, is kInvalidArgument with the parser's position in the message.
Result<Json> ParseJsonObject(std::string_view body);

}  // namespace vmi::api
