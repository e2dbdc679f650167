#include "devices/telephony/routing_table.h"

namespace vmi::telephony {
namespace {

using R = RequestRoute;
using E = EventRoute;

// The table. Identity and per-instance radio state are the service's own
// (every instance has its own IMEI, signal and operator view even on a
// shared modem); what changes the shared radio is refused; calls and SMS
// go to the uplink when a number is not on the node.
constexpr RequestPolicy kRequests[] = {
    {1, "GET_SIM_STATUS", "+CPIN?", R::kService},
    {9, "GET_CURRENT_CALLS", "+CLCC", R::kService},
    {10, "DIAL", "D<number>;", R::kUplink},
    {11, "GET_IMSI", "+CIMI", R::kService},
    {12, "HANGUP", "+CHLD=1<x>", R::kUplink},
    {13, "HANGUP_WAITING_OR_BACKGROUND", "+CHLD=0", R::kUplink},
    {14, "HANGUP_FOREGROUND_RESUME_BACKGROUND", "H, +CHUP", R::kUplink},
    {18, "LAST_CALL_FAIL_CAUSE", "+CEER", R::kService},
    {19, "SIGNAL_STRENGTH", "+CSQ", R::kService},
    {20, "VOICE_REGISTRATION_STATE", "+CREG?", R::kService},
    {21, "DATA_REGISTRATION_STATE", "+CGREG?", R::kService},
    {22, "OPERATOR", "+COPS?", R::kService},
    {23, "RADIO_POWER", "+CFUN", R::kService},
    {24, "DTMF", "+VTS", R::kUplink},
    {25, "SEND_SMS", "+CMGS", R::kUplink},
    {26, "SEND_SMS_EXPECT_MORE", "+CMMS, +CMGS", R::kUplink},
    {27, "SETUP_DATA_CALL", "+CGDCONT, +CGACT", R::kRefused},
    {28, "SIM_IO", "+CRSM", R::kService},
    {29, "SEND_USSD", "+CUSD", R::kRefused},
    {37, "SMS_ACKNOWLEDGE", "+CNMA", R::kService},
    {38, "GET_IMEI", "+CGSN", R::kService},
    {39, "GET_IMEISV", "+CGSN", R::kService},
    {40, "ANSWER", "A", R::kUplink},
    {45, "QUERY_NETWORK_SELECTION_MODE", "+COPS?", R::kService},
    {46, "SET_NETWORK_SELECTION_AUTOMATIC", "+COPS=0", R::kService},
    {47, "SET_NETWORK_SELECTION_MANUAL", "+COPS=1", R::kRefused},
    {48, "QUERY_AVAILABLE_NETWORKS", "+COPS=?", R::kService},
    {51, "BASEBAND_VERSION", "+CGMR", R::kService},
    {53, "SET_MUTE", "+CMUT", R::kService},
    {61, "SCREEN_STATE", "", R::kService},
    {63, "WRITE_SMS_TO_SIM", "+CMGW", R::kService},
    {64, "DELETE_SMS_ON_SIM", "+CMGD", R::kService},
    {73, "SET_PREFERRED_NETWORK_TYPE", "+WS46=", R::kRefused},
    {74, "GET_PREFERRED_NETWORK_TYPE", "+WS46?", R::kService},
    {98, "DEVICE_IDENTITY", "+CGSN", R::kService},
    {100, "GET_SMSC_ADDRESS", "+CSCA?", R::kService},
    {101, "SET_SMSC_ADDRESS", "+CSCA=", R::kRefused},
};

constexpr EventPolicy kEvents[] = {
    {1000, "RESPONSE_RADIO_STATE_CHANGED", "+CFUN", E::kAll},
    {1001, "RESPONSE_CALL_STATE_CHANGED", "NO CARRIER, BUSY", E::kAddressed},
    {1002, "RESPONSE_VOICE_NETWORK_STATE_CHANGED", "+CREG: <stat>", E::kAll},
    {1003, "RESPONSE_NEW_SMS", "+CMTI", E::kAddressed},
    {1004, "RESPONSE_NEW_SMS_STATUS_REPORT", "+CDS", E::kAddressed},
    {1005, "RESPONSE_NEW_SMS_ON_SIM", "+CMTI", E::kAddressed},
    {1006, "ON_USSD", "+CUSD", E::kForeground},
    {1008, "NITZ_TIME_RECEIVED", "+CTZV", E::kAll},
    {1009, "SIGNAL_STRENGTH", "+CSQ", E::kAll},
    {1011, "SUPP_SVC_NOTIFICATION", "+CSSU", E::kAddressed},
    {1018, "CALL_RING", "RING, +CLIP", E::kAddressed},
    {1019, "RESPONSE_SIM_STATUS_CHANGED", "+CPIN", E::kAll},
    {1023, "RESTRICTED_STATE_CHANGED", "", E::kAll},
    // A network broadcast (cell broadcast) has no addressee; the person
    // looking at a phone is the one who should see it.
    {1016, "RESPONSE_NEW_BROADCAST_SMS", "+CBM", E::kForeground},
};

}  // namespace

std::span<const RequestPolicy> RequestPolicies() { return kRequests; }
std::span<const EventPolicy> EventPolicies() { return kEvents; }

const RequestPolicy* FindRequest(int request) {
  for (const RequestPolicy& p : kRequests)
    if (p.request == request) return &p;
  return nullptr;
}

const EventPolicy* FindEvent(int event) {
  for (const EventPolicy& p : kEvents)
    if (p.event == event) return &p;
  return nullptr;
}

RequestRoute RouteOfRequest(int request) {
  const RequestPolicy* p = FindRequest(request);
  return p ? p->route : RequestRoute::kRefused;
}

const char* RouteName(RequestRoute r) {
  switch (r) {
    case RequestRoute::kService:
      return "service";
    case RequestRoute::kUplink:
      return "uplink";
    case RequestRoute::kRefused:
      return "refused";
  }
  return "refused";
}

const char* RouteName(EventRoute r) {
  switch (r) {
    case EventRoute::kAddressed:
      return "addressed";
    case EventRoute::kAll:
      return "all";
    case EventRoute::kForeground:
      return "foreground";
  }
  return "addressed";
}

}  // namespace vmi::telephony
