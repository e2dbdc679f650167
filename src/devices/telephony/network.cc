#include "devices/telephony/network.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

#include "base/clock.h"

namespace vmi::telephony {
namespace {

Error NotFound(const std::string& what) { return Error(ErrorCode::kNotFound, what); }

// A failed network operation carries its cause in the message's first word
// ("cause 1: unassigned number") so the modem and the API can both show it.
Error CauseError(Cause c) {
  return Error(c == Cause::kInvalidNumber || c == Cause::kUnassignedNumber
                   ? ErrorCode::kNotFound
                   : ErrorCode::kFailedPrecondition,
               "cause " + std::to_string(static_cast<int>(c)) + ": " + CauseText(c));
}

}  // namespace

const char* CauseText(Cause c) {
  switch (c) {
    case Cause::kUnassignedNumber:
      return "unassigned number";
    case Cause::kNormalClearing:
      return "normal call clearing";
    case Cause::kUserBusy:
      return "user busy";
    case Cause::kNoAnswer:
      return "no answer";
    case Cause::kSubscriberAbsent:
      return "subscriber absent";
    case Cause::kCallRejected:
      return "call rejected";
    case Cause::kInvalidNumber:
      return "invalid number format";
    case Cause::kTemporaryFailure:
      return "temporary failure";
    case Cause::kResourcesUnavailable:
      return "resources unavailable";
  }
  return "unknown";
}

const char* CallStateName(CallState s) {
  switch (s) {
    case CallState::kActive:
      return "active";
    case CallState::kDialing:
      return "dialing";
    case CallState::kAlerting:
      return "alerting";
    case CallState::kIncoming:
      return "incoming";
    case CallState::kReleased:
      return "released";
  }
  return "unknown";
}

const char* RegistrationName(Registration r) {
  switch (r) {
    case Registration::kHome:
      return "home";
    case Registration::kRoaming:
      return "roaming";
    case Registration::kSearching:
      return "searching";
    case Registration::kDenied:
      return "denied";
    case Registration::kNone:
      return "none";
  }
  return "none";
}

std::optional<Registration> RegistrationFromName(std::string_view s) {
  for (Registration r : {Registration::kHome, Registration::kRoaming, Registration::kSearching,
                         Registration::kDenied, Registration::kNone})
    if (s == RegistrationName(r)) return r;
  return std::nullopt;
}

std::string Network::Normalize(std::string_view number) {
  std::string out;
  for (size_t i = 0; i < number.size(); ++i) {
    char c = number[i];
    if (c == '+' && out.empty()) {
      out.push_back('+');
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') {
      continue;
    } else {
      return {};
    }
  }
  if (out.rfind("00", 0) == 0) out = "+" + out.substr(2);
  if (out.empty() || out == "+" || out.size() > 16) return {};
  return out;
}

Network::Network(NetworkOptions options, MessageJournal* journal, EventSink events)
    : options_(options),
      journal_(journal),
      events_(std::move(events)),
      call_limit_(options.call_burst, options.calls_per_minute),
      sms_limit_(options.sms_burst, options.sms_per_minute) {}

Result<std::unique_ptr<Network>> Network::Create(NetworkOptions options, MessageJournal* journal,
                                                 EventSink events) {
  std::unique_ptr<Network> n(new Network(options, journal, std::move(events)));
  VMI_CHECK_OK(n->Replay(), "replay SMS journal");
  return n;
}

Result<void> Network::Replay() {
  for (const nlohmann::json& rec : journal_->loaded()) {
    std::string op = rec.value("op", "");
    if (op == "msg") {
      auto m = MessageFromJson(rec);
      if (!m.ok()) continue;
      next_message_ = std::max(next_message_, m->id + 1);
      if (m->ud.concat) next_concat_ref_ = static_cast<uint16_t>(m->ud.concat->ref + 1);
      messages_[m->id] = std::move(*m);
    } else if (op == "read" || op == "del") {
      auto it = messages_.find(rec.value("id", uint64_t{0}));
      if (it == messages_.end()) continue;
      if (op == "read") it->second.read = true;
      if (op == "del") it->second.deleted = true;
    } else if (op == "drop") {
      std::string inst = rec.value("instance", "");
      std::erase_if(messages_, [&](const auto& kv) { return kv.second.instance == inst; });
    }
  }
  return Ok();
}

Result<void> Network::AddLine(const std::string& instance, const std::string& number) {
  std::string n = Normalize(number);
  if (n.empty() || n[0] != '+') return Error(ErrorCode::kInvalidArgument, "not an E.164 number: " + number);
  std::string owner = InstanceOf(n);
  if (!owner.empty() && owner != instance)
    return Error(ErrorCode::kAlreadyExists, "number " + n + " belongs to " + owner);
  Line& line = lines_[instance];
  bool changed = line.number != n;
  line.number = n;
  if (changed && line.observer) events_(instance, {{"type", "phone.line"}, {"line", LineJson(instance)}});
  return Ok();
}

void Network::RemoveLine(const std::string& instance) {
  (void)Hangup(instance, 0, Cause::kSubscriberAbsent);
  lines_.erase(instance);
  std::erase_if(conversations_, [&](const auto& kv) { return kv.second.first == instance; });
  if (uplink_owner_ == instance) uplink_owner_.clear();
  call_limit_.Forget(instance);
  sms_limit_.Forget(instance);
}

std::string Network::NumberOf(const std::string& instance) const {
  auto it = lines_.find(instance);
  return it == lines_.end() ? std::string() : it->second.number;
}

std::string Network::InstanceOf(const std::string& number) const {
  for (const auto& [id, line] : lines_)
    if (line.number == number) return id;
  return {};
}

void Network::Attach(const std::string& instance, LineObserver* observer) {
  auto it = lines_.find(instance);
  if (it == lines_.end()) return;
  it->second.observer = observer;
  events_(instance, {{"type", "phone.line"}, {"line", LineJson(instance)}});
}

void Network::Detach(const std::string& instance, LineObserver* observer) {
  auto it = lines_.find(instance);
  if (it == lines_.end() || it->second.observer != observer) return;
  // A modem that goes away takes its calls with it, as a phone switched off.
  (void)Hangup(instance, 0, Cause::kSubscriberAbsent);
  it->second.observer = nullptr;
  events_(instance, {{"type", "phone.line"}, {"line", LineJson(instance)}});
}

Result<void> Network::SetSettings(const std::string& instance, const LineSettings& settings) {
  auto it = lines_.find(instance);
  if (it == lines_.end()) return NotFound("no phone line for instance " + instance);
  if (settings.signal != 99 && (settings.signal < 0 || settings.signal > 31))
    return Error(ErrorCode::kInvalidArgument, "signal must be 0..31 or 99");
  if (settings.operator_name.empty() || settings.operator_name.size() > 16)
    return Error(ErrorCode::kInvalidArgument, "operator name must be 1..16 characters");
  it->second.settings = settings;
  if (settings.registration != Registration::kHome &&
      settings.registration != Registration::kRoaming)
    (void)Hangup(instance, 0, Cause::kTemporaryFailure);
  events_(instance, {{"type", "phone.line"}, {"line", LineJson(instance)}});
  return Ok();
}

Result<LineSettings> Network::Settings(const std::string& instance) const {
  auto it = lines_.find(instance);
  if (it == lines_.end()) return NotFound("no phone line for instance " + instance);
  return it->second.settings;
}

nlohmann::json Network::LineJson(const std::string& instance) const {
  auto it = lines_.find(instance);
  if (it == lines_.end()) return nullptr;
  const Line& l = it->second;
  return {{"number", l.number},
          {"attached", l.observer != nullptr},
          {"registration", RegistrationName(l.settings.registration)},
          {"signal", l.settings.signal},
          {"operator", l.settings.operator_name}};
}

bool Network::Busy(const std::string& instance) const {
  for (const auto& [id, c] : calls_)
    if (c.caller == instance || c.callee == instance) return true;
  return false;
}

int Network::FreeIndex(const std::string& instance) const {
  std::set<int> used;
  for (const auto& [id, c] : calls_) {
    if (c.caller == instance) used.insert(c.caller_index);
    if (c.callee == instance) used.insert(c.callee_index);
  }
  int i = 1;
  while (used.count(i)) ++i;
  return i;
}

CallView Network::ViewOf(const Call& c, const std::string& instance) const {
  CallView v;
  v.id = c.id;
  v.outgoing = c.caller == instance;
  v.index = v.outgoing ? c.caller_index : c.callee_index;
  v.peer = v.outgoing ? c.callee_number : c.caller_number;
  if (c.active)
    v.state = CallState::kActive;
  else
    v.state = v.outgoing ? CallState::kAlerting : CallState::kIncoming;
  return v;
}

void Network::Notify(const std::string& instance, const Call& c, const char* what) {
  if (instance.empty()) return;
  CallView v = ViewOf(c, instance);
  events_(instance, {{"type", std::string("phone.call.") + what},
                     {"call", {{"id", v.id}, {"direction", v.outgoing ? "outgoing" : "incoming"},
                               {"state", CallStateName(v.state)}, {"peer", v.peer}}}});
}

Result<uint32_t> Network::Dial(const std::string& instance, const std::string& number) {
  auto from = lines_.find(instance);
  if (from == lines_.end()) return NotFound("no phone line for instance " + instance);
  Registration reg = from->second.settings.registration;
  if (reg != Registration::kHome && reg != Registration::kRoaming)
    return Error(ErrorCode::kUnavailable, "no service");
  if (!call_limit_.Take(instance))
    return Error(ErrorCode::kResourceExhausted, "call rate limit reached");
  std::string n = Normalize(number);
  if (n.empty()) return CauseError(Cause::kInvalidNumber);
  std::string callee = InstanceOf(n);
  if (callee.empty() && uplink_) return DialUplink(instance, n);
  if (callee.empty()) {
    events_(instance, {{"type", "phone.call.failed"},
                       {"call", {{"peer", n}, {"cause", static_cast<int>(Cause::kUnassignedNumber)},
                                 {"reason", CauseText(Cause::kUnassignedNumber)}}}});
    return CauseError(Cause::kUnassignedNumber);
  }
  const Line& to = lines_.at(callee);
  Cause fail = Cause::kNormalClearing;
  if (callee == instance || Busy(callee))
    fail = Cause::kUserBusy;
  else if (!to.observer || (to.settings.registration != Registration::kHome &&
                            to.settings.registration != Registration::kRoaming))
    fail = Cause::kSubscriberAbsent;
  if (fail != Cause::kNormalClearing) {
    events_(instance, {{"type", "phone.call.failed"},
                       {"call", {{"peer", n}, {"cause", static_cast<int>(fail)},
                                 {"reason", CauseText(fail)}}}});
    return CauseError(fail);
  }
  Call c{next_call_++, instance, callee, from->second.number, n, FreeIndex(instance),
         FreeIndex(callee), false};
  calls_[c.id] = c;
  Notify(instance, c, "dialing");
  Notify(callee, c, "ringing");
  to.observer->OnIncomingCall(ViewOf(c, callee));
  return c.id;
}

Result<uint32_t> Network::DialIn(const std::string& from_number, const std::string& instance) {
  std::string n = Normalize(from_number);
  if (n.empty()) return Error(ErrorCode::kInvalidArgument, "not a phone number: " + from_number);
  auto to = lines_.find(instance);
  if (to == lines_.end()) return NotFound("no phone line for instance " + instance);
  if (Busy(instance)) return CauseError(Cause::kUserBusy);
  if (!to->second.observer) return CauseError(Cause::kSubscriberAbsent);
  Call c{next_call_++, "", instance, n, to->second.number, 0, FreeIndex(instance), false};
  calls_[c.id] = c;
  Notify(instance, c, "ringing");
  to->second.observer->OnIncomingCall(ViewOf(c, instance));
  return c.id;
}

Result<void> Network::Answer(const std::string& instance, uint32_t call_id) {
  for (auto& [id, c] : calls_) {
    if (c.callee != instance || c.active || (call_id && id != call_id)) continue;
    c.active = true;
    if (c.via_uplink) {
      // Taken here at once; if the modem cannot take the call, it ends.
      UplinkRequest r;
      r.call = c.uplink_call;
      SubmitUplink(instance, kRilAnswer, id, std::move(r));
    }
    for (const std::string& side : {c.caller, c.callee}) {
      if (side.empty()) continue;
      Notify(side, c, "active");
      if (LineObserver* o = lines_[side].observer) o->OnCallChanged(ViewOf(c, side));
    }
    return Ok();
  }
  return NotFound("no incoming call to answer");
}

void Network::EndCall(uint32_t id, Cause cause, const std::string& by) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  Call c = it->second;
  calls_.erase(it);
  for (const std::string& side : {c.caller, c.callee}) {
    if (side.empty()) continue;
    CallView v = ViewOf(c, side);
    v.state = CallState::kReleased;
    events_(side, {{"type", "phone.call.ended"},
                   {"call", {{"id", c.id}, {"direction", v.outgoing ? "outgoing" : "incoming"},
                             {"peer", v.peer}, {"cause", static_cast<int>(cause)},
                             {"reason", CauseText(cause)}, {"by", side == by ? "self" : "peer"}}}});
    auto line = lines_.find(side);
    if (line != lines_.end() && line->second.observer) line->second.observer->OnCallEnded(v, cause);
  }
}

Result<void> Network::Hangup(const std::string& instance, uint32_t call_id, Cause cause) {
  std::vector<std::pair<uint32_t, Cause>> ending;
  for (const auto& [id, c] : calls_) {
    if (call_id && id != call_id) continue;
    if (c.caller != instance && c.callee != instance) continue;
    // Refusing a call that rings is "call rejected" for the caller.
    Cause why = (!c.active && c.callee == instance && cause == Cause::kNormalClearing)
                    ? Cause::kCallRejected
                    : cause;
    ending.emplace_back(id, why);
  }
  if (ending.empty()) return call_id ? NotFound("no such call") : Ok();
  for (auto [id, why] : ending) {
    if (calls_.at(id).via_uplink) UplinkCallEndedHere(calls_.at(id));
    EndCall(id, why, instance);
  }
  return Ok();
}

std::vector<CallView> Network::Calls(const std::string& instance) const {
  std::vector<CallView> out;
  for (const auto& [id, c] : calls_)
    if (c.caller == instance || c.callee == instance) out.push_back(ViewOf(c, instance));
  return out;
}

std::string Network::PeerInstance(uint32_t call_id, const std::string& instance) const {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return {};
  return it->second.caller == instance ? it->second.callee : it->second.caller;
}

Result<void> Network::Store(StoredMessage m) {
  m.id = next_message_++;
  m.time = WallSeconds();
  if (m.incoming) {
    std::set<int> used;
    for (const auto& [id, x] : messages_)
      if (x.instance == m.instance && x.incoming && !x.deleted) used.insert(x.index);
    int i = 1;
    while (used.count(i)) ++i;
    if (i > 255) return Error(ErrorCode::kResourceExhausted, "SMS storage full");
    m.index = i;
  }
  VMI_CHECK_OK(journal_->Append(MessageToJson(m)), "journal SMS");
  uint64_t id = m.id;
  messages_[id] = std::move(m);
  const StoredMessage& s = messages_[id];
  events_(s.instance, {{"type", s.incoming ? "phone.sms.received" : "phone.sms.sent"},
                       {"sms", {{"id", s.id}, {"peer", s.peer}, {"text", s.ud.text},
                                {"part", s.ud.concat ? s.ud.concat->seq : 1},
                                {"parts", s.ud.concat ? s.ud.concat->total : 1}}}});
  if (s.incoming) {
    auto line = lines_.find(s.instance);
    if (line != lines_.end() && line->second.observer) line->second.observer->OnSmsStored(s.index);
  }
  return Ok();
}

Result<uint8_t> Network::SendSms(const std::string& instance, const SmsSubmit& submit) {
  auto from = lines_.find(instance);
  if (from == lines_.end()) return NotFound("no phone line for instance " + instance);
  Registration reg = from->second.settings.registration;
  if (reg != Registration::kHome && reg != Registration::kRoaming)
    return Error(ErrorCode::kUnavailable, "no service");
  if (!sms_limit_.Take(instance)) return Error(ErrorCode::kResourceExhausted, "SMS rate limit reached");
  std::string n = Normalize(submit.destination);
  std::string to = n.empty() ? std::string() : InstanceOf(n);
  if (to.empty() && !n.empty() && uplink_) return SendSmsUplink(instance, n, submit);
  if (to.empty()) {
    events_(instance, {{"type", "phone.sms.failed"},
                       {"sms", {{"peer", submit.destination}, {"cause", 1},
                                {"reason", CauseText(Cause::kUnassignedNumber)}}}});
    return CauseError(Cause::kUnassignedNumber);
  }
  StoredMessage in;
  in.instance = to;
  in.incoming = true;
  in.peer = from->second.number;
  in.ud = submit.ud;
  VMI_CHECK_OK(Store(std::move(in)), "deliver SMS");
  StoredMessage out;
  out.instance = instance;
  out.incoming = false;
  out.peer = n;
  out.ud = submit.ud;
  out.read = true;
  out.deleted = true;  // sent messages are not in the SMS storage
  VMI_CHECK_OK(Store(std::move(out)), "record sent SMS");
  return next_ref_++;
}

Result<void> Network::DeliverSms(const std::string& from_number, const std::string& instance,
                                 const std::string& text) {
  std::string n = Normalize(from_number);
  if (n.empty()) return Error(ErrorCode::kInvalidArgument, "not a phone number: " + from_number);
  if (!lines_.count(instance)) return NotFound("no phone line for instance " + instance);
  if (text.empty()) return Error(ErrorCode::kInvalidArgument, "empty SMS text");
  if (text.size() > 4000) return Error(ErrorCode::kInvalidArgument, "SMS text above 4000 bytes");
  uint16_t ref = next_concat_ref_++;
  for (UserData& part : SplitText(text, ref)) {
    StoredMessage m;
    m.instance = instance;
    m.incoming = true;
    m.peer = n;
    m.ud = std::move(part);
    VMI_CHECK_OK(Store(std::move(m)), "deliver SMS");
  }
  return Ok();
}

std::vector<const StoredMessage*> Network::Stored(const std::string& instance) const {
  std::vector<const StoredMessage*> out;
  for (const auto& [id, m] : messages_)
    if (m.instance == instance && m.incoming && !m.deleted) out.push_back(&m);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->index < b->index; });
  return out;
}

const StoredMessage* Network::StoredAt(const std::string& instance, int index) const {
  for (const auto& [id, m] : messages_)
    if (m.instance == instance && m.incoming && !m.deleted && m.index == index) return &m;
  return nullptr;
}

Result<void> Network::MarkRead(const std::string& instance, int index) {
  for (auto& [id, m] : messages_) {
    if (m.instance != instance || !m.incoming || m.deleted || m.index != index) continue;
    if (m.read) return Ok();
    VMI_CHECK_OK(journal_->Append({{"op", "read"}, {"id", id}}), "journal SMS read");
    m.read = true;
    return Ok();
  }
  return NotFound("no SMS at index " + std::to_string(index));
}

Result<void> Network::DeleteStored(const std::string& instance, int index) {
  for (auto& [id, m] : messages_) {
    if (m.instance != instance || !m.incoming || m.deleted || m.index != index) continue;
    VMI_CHECK_OK(journal_->Append({{"op", "del"}, {"id", id}}), "journal SMS delete");
    m.deleted = true;
    return Ok();
  }
  return NotFound("no SMS at index " + std::to_string(index));
}

nlohmann::json Network::MessagesJson(const std::string& instance) const {
  // Parts of one concatenated message (same peer, direction and reference)
  // are joined in sequence order; a message missing parts shows what came.
  nlohmann::json out = nlohmann::json::array();
  std::map<std::tuple<std::string, bool, uint16_t>, size_t> open;
  std::map<size_t, std::map<int, std::string>> parts;
  for (const auto& [id, m] : messages_) {
    if (m.instance != instance) continue;
    size_t slot;
    if (m.ud.concat) {
      auto key = std::make_tuple(m.peer, m.incoming, m.ud.concat->ref);
      auto it = open.find(key);
      if (it != open.end() && !parts[it->second].count(m.ud.concat->seq)) {
        slot = it->second;
      } else {
        slot = out.size();
        open[key] = slot;
        out.push_back({{"id", m.id}, {"direction", m.incoming ? "in" : "out"},
                       {"peer", m.peer}, {"time", m.time}, {"parts", m.ud.concat->total}});
      }
      parts[slot][m.ud.concat->seq] = m.ud.text;
    } else {
      slot = out.size();
      out.push_back({{"id", m.id}, {"direction", m.incoming ? "in" : "out"}, {"peer", m.peer},
                     {"time", m.time}, {"parts", 1}});
      parts[slot][1] = m.ud.text;
    }
  }
  for (auto& [slot, texts] : parts) {
    std::string text;
    for (auto& [seq, t] : texts) text += t;
    out[slot]["text"] = text;
    out[slot]["complete"] = texts.size() == out[slot]["parts"].get<size_t>();
  }
  return out;
}

}  // namespace vmi::telephony
