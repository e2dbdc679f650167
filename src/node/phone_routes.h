// The phone routes: an instance's line, calls and SMS (docs/telephony.md).
//
//   GET    /api/v1/instances/{id}/phone                    line: number, registration, signal, operator, calls
//   PATCH  /api/v1/instances/{id}/phone                    {registration, signal, operator, number (admin)}
//   GET    /api/v1/instances/{id}/phone/calls              calls with state
//   POST   /api/v1/instances/{id}/phone/calls              {"to": N} the instance dials, {"from": N} it rings
//   POST   /api/v1/instances/{id}/phone/calls/{call}/answer
//   DELETE /api/v1/instances/{id}/phone/calls/{call}       hang up (0: every call)
//   GET    /api/v1/instances/{id}/phone/sms                sent and received messages
//   POST   /api/v1/instances/{id}/phone/sms                {"from": N, "text": T} delivered to it
//
// Reading is the instance action "inspect", acting is "control"; changing
// the number is for admins. Each route acts on the named instance's line
// only (the modem service refuses anything else).
#pragma once

#include <functional>

#include "api/http/router.h"
#include "node/api_routes.h"
#include "node/phone_service.h"

namespace vmi::node {

void RegisterPhoneRoutes(api::Router& router, InstanceManager& m, PhoneService& phone,
                         InstanceAccessCheck check);

// The same routes over any instance store and modem service: the node's
// (above) and a cluster's (phones, vmi-modem in its own Pod: kube_telephony.h).
struct PhoneRouteHooks {
  // The instance named in the request, access-checked for `action`.
  std::function<Result<InstanceRecord>(const api::Request&, const char* action)> lookup;
  // A request to the modem service for the instance's line.
  std::function<Result<api::Json>(const std::string& instance, api::Json request)> modem;
  // An admin's change of number.
  std::function<Result<api::Json>(const std::string& instance, const std::string& number)> set_number;
  bool admin_sets_number = true;  // false: anyone may (no authentication at all)
};
void RegisterPhoneRoutes(api::Router& router, PhoneRouteHooks hooks);

}  // namespace vmi::node
