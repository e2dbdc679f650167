#include "node/phone_routes.h"

#include <charconv>

namespace vmi::node {

using api::Json;
using api::Request;
using api::Response;

namespace {

Result<uint32_t> CallId(const Request& req) {
  std::string_view s = req.Param("call");
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    return Error(ErrorCode::kInvalidArgument, "call id must be a number");
  return v;
}

Result<std::string> StringField(const Json& body, const char* key, size_t max) {
  if (!body.contains(key) || !body[key].is_string())
    return Error(ErrorCode::kInvalidArgument, std::string("\"") + key + "\" must be a string");
  std::string v = body[key].get<std::string>();
  if (v.empty() || v.size() > max)
    return Error(ErrorCode::kInvalidArgument,
                 std::string("\"") + key + "\" must be 1.." + std::to_string(max) + " bytes");
  return v;
}

}  // namespace

void RegisterPhoneRoutes(api::Router& router, InstanceManager& m, PhoneService& phone,
                         InstanceAccessCheck check) {
  PhoneRouteHooks hooks;
  hooks.lookup = [&m, check](const Request& req, const char* action) -> Result<InstanceRecord> {
    return LookupInstance(m, check, req, action);
  };
  hooks.modem = [&phone](const std::string& id, Json req) { return phone.Call(id, std::move(req)); };
  hooks.set_number = [&phone](const std::string& id, const std::string& number) {
    return phone.SetNumber(id, number);
  };
  hooks.admin_sets_number = static_cast<bool>(check);
  RegisterPhoneRoutes(router, std::move(hooks));
}

void RegisterPhoneRoutes(api::Router& router, PhoneRouteHooks hooks) {
  auto lookup = hooks.lookup;
  auto modem = [call = hooks.modem](const InstanceRecord& r, Json req) {
    return call(r.spec.id, std::move(req));
  };
  auto set_number = hooks.set_number;
  const bool admin_only = hooks.admin_sets_number;
  api::RouteOptions blocking{.blocking = true};

  router.Handle(
      "GET", "/api/v1/instances/{id}/phone",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(modem(r, {{"op", "get"}})));
      },
      blocking);

  router.Handle(
      "PATCH", "/api/v1/instances/{id}/phone",
      [lookup, modem, set_number, admin_only](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        Json set = {{"op", "set"}};
        bool any = false;
        for (auto& [k, v] : body.items()) {
          if (k == "registration" || k == "operator") {
            if (!v.is_string()) return Error(ErrorCode::kInvalidArgument, "\"" + k + "\" must be a string");
          } else if (k == "signal") {
            if (!v.is_number_integer()) return Error(ErrorCode::kInvalidArgument, "\"signal\" must be an integer 0..31 or 99");
          } else if (k != "number") {
            return Error(ErrorCode::kInvalidArgument, "unknown field \"" + k + "\"");
          }
          if (k != "number") {
            set[k] = v;
            any = true;
          }
        }
        if (body.contains("number")) {
          if (admin_only && !req.auth.is_admin())
            return Error(ErrorCode::kPermissionDenied, "only an admin may change a phone number");
          std::string number = VMI_TRY(StringField(body, "number", 20));
          VMI_TRY(set_number(r.spec.id, number));
        }
        if (any) VMI_TRY(modem(r, set));
        return Response::JsonBody(VMI_TRY(modem(r, {{"op", "get"}})));
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/phone/calls",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(modem(r, {{"op", "calls"}})));
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/phone/calls",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        Json op;
        if (body.contains("to") == body.contains("from"))
          return Error(ErrorCode::kInvalidArgument, "give either \"to\" (the instance dials) or \"from\" (it rings)");
        if (body.contains("to"))
          op = {{"op", "dial"}, {"number", VMI_TRY(StringField(body, "to", 32))}};
        else
          op = {{"op", "dial_in"}, {"from", VMI_TRY(StringField(body, "from", 32))}};
        Json out = VMI_TRY(modem(r, op));
        return Response::JsonBody(out, 201);
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/phone/calls/{call}/answer",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        uint32_t call = VMI_TRY(CallId(req));
        return Response::JsonBody(VMI_TRY(modem(r, {{"op", "answer"}, {"call", call}})));
      },
      blocking);

  router.Handle(
      "DELETE", "/api/v1/instances/{id}/phone/calls/{call}",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        uint32_t call = VMI_TRY(CallId(req));
        VMI_TRY(modem(r, {{"op", "hangup"}, {"call", call}}));
        return Response::NoContent();
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/phone/sms",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(modem(r, {{"op", "messages"}})));
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/phone/sms",
      [lookup, modem](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        Json op = {{"op", "sms_in"},
                   {"from", VMI_TRY(StringField(body, "from", 32))},
                   {"text", VMI_TRY(StringField(body, "text", 4000))}};
        VMI_TRY(modem(r, op));
        return Response::JsonBody(Json::object(), 201);
      },
      blocking);
}

}  // namespace vmi::node
