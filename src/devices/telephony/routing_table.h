// The routing policies of the modem service, as data (seed 002: "a routing
// policy is defined for each type of request OnRequest receives, and for
// each type of unsolicited notification").
//
// routing_table.cc holds the one table; docs/telephony.md prints it. Request
// and notification numbers are those of the public RIL ABI (RIL_REQUEST_*,
// RIL_UNSOL_*); the AT interpreter maps each AT command onto the same
// request names (the `at` column), so both guest kinds obey one policy.
#pragma once

#include <span>
#include <string_view>

namespace vmi::telephony {

// Who answers a request.
enum class RequestRoute {
  kService,  // the service answers from its own per-instance state
  kUplink,   // forwarded to the shared real modem when one is configured
             // (answered by the simulated network otherwise)
  kRefused,  // an instance may not do this on a shared line
};

// Where an unsolicited notification goes.
enum class EventRoute {
  kAddressed,   // the instance the event is about (incoming call or SMS)
  kAll,         // every instance on the line (radio/network state)
  kForeground,  // only the instance the user is looking at
};

struct RequestPolicy {
  int request;            // RIL_REQUEST_* number
  std::string_view name;  // without the RIL_REQUEST_ prefix
  std::string_view at;    // the AT command(s) that mean the same
  RequestRoute route;
};

struct EventPolicy {
  int event;              // RIL_UNSOL_* number
  std::string_view name;  // without the RIL_UNSOL_ prefix
  std::string_view at;    // the unsolicited result code
  EventRoute route;
};

std::span<const RequestPolicy> RequestPolicies();
std::span<const EventPolicy> EventPolicies();

// Lookups; a request or event not in the table is refused / dropped.
RequestRoute RouteOfRequest(int request);
const RequestPolicy* FindRequest(int request);
const EventPolicy* FindEvent(int event);
const char* RouteName(RequestRoute r);
const char* RouteName(EventRoute r);

}  // namespace vmi::telephony
