#include "runtime/core/link_conditions.h"

#include <cmath>
#include <utility>

namespace vmi::runtime {

namespace {

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

// Typical figures of each kind of mobile network; loss is left to the user.
const std::pair<const char*, LinkConditions> kProfiles[] = {
    {"none", {}},
    {"gprs", {.bandwidth_kbit = 80, .delay_ms = 300, .jitter_ms = 50}},
    {"edge", {.bandwidth_kbit = 240, .delay_ms = 150, .jitter_ms = 30}},
    {"3g", {.bandwidth_kbit = 2000, .delay_ms = 80, .jitter_ms = 20}},
    {"4g", {.bandwidth_kbit = 20000, .delay_ms = 40, .jitter_ms = 10}},
    {"offline", {.offline = true}},
};

Result<int64_t> Integer(const nlohmann::json& v, const std::string& key, int64_t max,
                        const char* unit) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > max)
    return Invalid("\"" + key + "\" must be an integer 0.." + std::to_string(max) + " (" + unit +
                   ")");
  return v.get<int64_t>();
}

}  // namespace

Result<LinkConditions> ApplyLinkPatch(const LinkConditions& current, const nlohmann::json& patch) {
  if (!patch.is_object()) return Invalid("the network conditions must be a JSON object");
  if (patch.empty())
    return Invalid(
        "give at least one of \"profile\", \"bandwidth_kbit\", \"delay_ms\", \"jitter_ms\", "
        "\"loss_percent\", \"offline\"");
  LinkConditions next = current;
  if (patch.contains("profile")) {
    const auto& p = patch["profile"];
    if (!p.is_string()) return Invalid("\"profile\" must be a string");
    bool found = false;
    for (const auto& [name, c] : kProfiles) {
      if (p.get<std::string>() == name) {
        next = c;
        found = true;
      }
    }
    if (!found) return Invalid("\"profile\" must be none, gprs, edge, 3g, 4g or offline");
  }
  for (const auto& [key, v] : patch.items()) {
    if (key == "profile") continue;
    if (key == "bandwidth_kbit") {
      next.bandwidth_kbit = VMI_TRY(Integer(v, key, 10'000'000, "kbit/s, 0: not limited"));
    } else if (key == "delay_ms") {
      next.delay_ms = VMI_TRY(Integer(v, key, 10'000, "ms"));
    } else if (key == "jitter_ms") {
      next.jitter_ms = VMI_TRY(Integer(v, key, 10'000, "ms"));
    } else if (key == "loss_percent") {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 ||
          v.get<double>() > 100)
        return Invalid("\"loss_percent\" must be a number 0..100");
      next.loss_percent = v.get<double>();
    } else if (key == "offline") {
      if (!v.is_boolean()) return Invalid("\"offline\" must be true or false");
      next.offline = v.get<bool>();
    } else {
      return Invalid("unknown network field \"" + key +
                     "\" (profile, bandwidth_kbit, delay_ms, jitter_ms, loss_percent, offline)");
    }
  }
  // Netem draws each packet's delay from delay +- jitter; a jitter beyond
  // the delay would ask for negative delays.
  if (next.jitter_ms > next.delay_ms)
    return Invalid("\"jitter_ms\" (" + std::to_string(next.jitter_ms) +
                   ") must not exceed \"delay_ms\" (" + std::to_string(next.delay_ms) + ")");
  return next;
}

nlohmann::json ToJson(const LinkConditions& c) {
  std::string profile = "custom";
  for (const auto& [name, p] : kProfiles)
    if (p == c) profile = name;
  return {{"profile", profile},
          {"bandwidth_kbit", c.bandwidth_kbit},
          {"delay_ms", c.delay_ms},
          {"jitter_ms", c.jitter_ms},
          {"loss_percent", c.loss_percent},
          {"offline", c.offline}};
}

Result<LinkConditions> LinkConditionsFromJson(const nlohmann::json& j) {
  nlohmann::json patch = j;
  if (patch.is_object()) patch.erase("profile");
  if (patch.is_object() && patch.empty()) return LinkConditions{};
  return ApplyLinkPatch(LinkConditions{}, patch);
}

}  // namespace vmi::runtime
