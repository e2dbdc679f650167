#include "devices/telephony/line_wire.h"

namespace vmi::telephony {
namespace {

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

}  // namespace

nlohmann::json CallViewToJson(const CallView& c) {
  return {{"id", c.id}, {"index", c.index}, {"outgoing", c.outgoing},
          {"state", static_cast<int>(c.state)}, {"peer", c.peer}};
}

Result<CallView> CallViewFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("call is not an object");
  CallView c;
  try {
    c.id = j.at("id").get<uint32_t>();
    c.index = j.at("index").get<int>();
    c.outgoing = j.at("outgoing").get<bool>();
    int state = j.at("state").get<int>();
    switch (state) {
      case 0: case 2: case 3: case 4: case 9:
        c.state = static_cast<CallState>(state);
        break;
      default:
        return Bad("unknown call state " + std::to_string(state));
    }
    c.peer = j.at("peer").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("bad call: ") + e.what());
  }
  return c;
}

nlohmann::json SettingsToJson(const LineSettings& s) {
  return {{"registration", RegistrationName(s.registration)}, {"signal", s.signal},
          {"operator", s.operator_name}, {"plmn", s.plmn}};
}

Result<LineSettings> SettingsFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("settings are not an object");
  LineSettings s;
  try {
    auto reg = RegistrationFromName(j.at("registration").get<std::string>());
    if (!reg) return Bad("unknown registration");
    s.registration = *reg;
    s.signal = j.at("signal").get<int>();
    s.operator_name = j.at("operator").get<std::string>();
    s.plmn = j.at("plmn").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("bad settings: ") + e.what());
  }
  return s;
}

}  // namespace vmi::telephony
