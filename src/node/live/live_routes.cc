#include "node/live/live_routes.h"

#include "api/http/response.h"

namespace vmi::node::live {

Result<display::Orientation> ParseRotateBody(const std::string& body) {
  auto j = VMI_TRY(api::ParseJsonObject(body));
  auto it = j.find("orientation");
  if (it == j.end() || !it->is_string())
    return Error(ErrorCode::kInvalidArgument,
                 "body must be {\"orientation\": \"portrait\" | \"landscape\"}");
  for (const auto& [k, v] : j.items()) {
    if (k != "orientation") return Error(ErrorCode::kInvalidArgument, "unknown field '" + k + "'");
  }
  return display::ParseOrientation(it->get<std::string>());
}

}  // namespace vmi::node::live
