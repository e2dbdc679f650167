// The Network's side of the shared real modem (see Uplink in uplink.h and
// SetUplink in network.h): what goes out through it and how what comes in
// is routed to exactly one instance.
#include <ctime>

#include "base/clock.h"
#include "devices/telephony/network.h"

namespace vmi::telephony {
namespace {

// How long a conversation keeps routing a far number's calls and SMS to the
// instance that last talked to it.
constexpr int64_t kConversationSeconds = 24 * 3600;


}  // namespace

Result<void> Network::SetUplinkOwner(const std::string& instance) {
  if (!instance.empty() && !lines_.count(instance))
    return Error(ErrorCode::kNotFound, "no phone line for instance " + instance);
  uplink_owner_ = instance;
  return Ok();
}

nlohmann::json Network::UplinkJson() const {
  nlohmann::json convs = nlohmann::json::object();
  for (const auto& [number, who] : conversations_) convs[number] = who.first;
  return {{"configured", uplink_ != nullptr},
          {"ready", uplink_ != nullptr && uplink_->Ready()},
          {"owner", uplink_owner_},
          {"requests", uplink_requests_},
          {"incoming_calls", uplink_in_calls_},
          {"incoming_sms", uplink_in_sms_},
          {"unrouted", uplink_unrouted_},
          {"conversations", convs}};
}

void Network::Converse(const std::string& number, const std::string& instance) {
  conversations_[number] = {instance, WallSeconds()};
}

std::string Network::RouteIncoming(const std::string& from) const {
  auto it = conversations_.find(Normalize(from));
  if (it != conversations_.end() && WallSeconds() - it->second.second < kConversationSeconds &&
      lines_.count(it->second.first))
    return it->second.first;
  return uplink_owner_;
}

void Network::SubmitUplink(const std::string& instance, int request, uint64_t subject,
                           UplinkRequest r) {
  Line& line = lines_.at(instance);
  uint64_t token = line.next_token++;
  line.uplink_pending[token] = subject;
  r.instance = instance;
  r.token = token;
  r.request = request;
  ++uplink_requests_;
  uplink_->Submit(r);
}

Result<uint32_t> Network::DialUplink(const std::string& instance, const std::string& number) {
  if (!uplink_->Ready()) {
    events_(instance, {{"type", "phone.call.failed"},
                       {"call", {{"peer", number}, {"cause", static_cast<int>(Cause::kTemporaryFailure)},
                                 {"reason", "uplink modem not ready"}}}});
    return Error(ErrorCode::kFailedPrecondition,
                 "cause 41: " + std::string(CauseText(Cause::kTemporaryFailure)) + " (uplink modem not ready)");
  }
  // The shared modem carries one call at a time.
  for (const auto& [id, other] : calls_)
    if (other.via_uplink)
      return Error(ErrorCode::kFailedPrecondition,
                   "cause 47: " + std::string(CauseText(Cause::kResourcesUnavailable)) +
                       " (the uplink modem is in a call)");
  const Line& from = lines_.at(instance);
  Call c{next_call_++, instance, "", from.number, number, FreeIndex(instance), 0, false};
  c.via_uplink = true;
  calls_[c.id] = c;
  Converse(number, instance);
  Notify(instance, c, "dialing");
  UplinkRequest r;
  r.number = number;
  SubmitUplink(instance, kRilDial, c.id, std::move(r));
  return c.id;
}

Result<uint8_t> Network::SendSmsUplink(const std::string& instance, const std::string& number,
                                       const SmsSubmit& submit) {
  if (!uplink_->Ready()) return Error(ErrorCode::kUnavailable, "uplink modem not ready");
  // The node acts as the SMS centre: the message is accepted (journalled)
  // here and forwarded; a failure on the uplink is reported as an event.
  StoredMessage out;
  out.instance = instance;
  out.incoming = false;
  out.peer = number;
  out.ud = submit.ud;
  out.read = true;
  out.deleted = true;
  VMI_CHECK_OK(Store(std::move(out)), "record sent SMS");
  Converse(number, instance);
  std::string text = submit.ud.text;
  if (submit.ud.concat) {
    // The modem splits long text itself; it gets the whole text once.
    auto key = std::make_tuple(instance, number, submit.ud.concat->ref);
    auto& parts = uplink_parts_[key];
    parts[submit.ud.concat->seq] = submit.ud.text;
    if (parts.size() < submit.ud.concat->total) return next_ref_++;
    text.clear();
    for (auto& [seq, t] : parts) text += t;
    uplink_parts_.erase(key);
  }
  UplinkRequest r;
  r.number = number;
  r.text = std::move(text);
  SubmitUplink(instance, kRilSendSms, next_message_ - 1, std::move(r));
  return next_ref_++;
}

void Network::UplinkCallEndedHere(const Call& c) {
  if (c.uplink_call.empty()) return;  // the DIAL completion hangs it up
  std::string side = c.caller.empty() ? c.callee : c.caller;
  UplinkRequest r;
  r.call = c.uplink_call;
  SubmitUplink(side, kRilHangup, c.id, std::move(r));
}

void Network::OnUplinkComplete(const std::string& instance, uint64_t token, int request,
                               const UplinkResult& result) {
  auto line = lines_.find(instance);
  if (line == lines_.end()) return;  // the instance is gone
  auto pending = line->second.uplink_pending.find(token);
  if (pending == line->second.uplink_pending.end()) return;
  uint64_t subject = pending->second;
  line->second.uplink_pending.erase(pending);
  Cause cause = result.cause ? static_cast<Cause>(result.cause) : Cause::kTemporaryFailure;
  if (request == kRilDial) {
    auto call = calls_.find(static_cast<uint32_t>(subject));
    if (call == calls_.end()) {
      // Hung up here before the modem had the call: end it there too.
      if (result.ok && !result.call.empty()) {
        UplinkRequest r;
        r.call = result.call;
        SubmitUplink(instance, kRilHangup, subject, std::move(r));
      }
      return;
    }
    if (!result.ok) {
      EndCall(call->first, cause, "");
      return;
    }
    call->second.uplink_call = result.call;
  } else if (request == kRilAnswer && !result.ok) {
    EndCall(static_cast<uint32_t>(subject), cause, "");
  } else if (request == kRilSendSms && !result.ok) {
    auto m = messages_.find(subject);
    events_(instance, {{"type", "phone.sms.failed"},
                       {"sms", {{"id", subject},
                                {"peer", m == messages_.end() ? "" : m->second.peer},
                                {"cause", static_cast<int>(cause)},
                                {"reason", result.error}}}});
  }
}

bool Network::OnUplinkIncomingCall(const std::string& call, const std::string& from) {
  ++uplink_in_calls_;
  std::string to = RouteIncoming(from);
  if (to.empty() || !DialIn(from, to).ok()) {
    ++uplink_unrouted_;
    return false;
  }
  // DialIn made the newest call.
  Call& c = calls_.rbegin()->second;
  c.via_uplink = true;
  c.uplink_call = call;
  Converse(c.caller_number, to);
  return true;
}

void Network::OnUplinkCallActive(const std::string& call) {
  for (auto& [id, c] : calls_) {
    if (c.uplink_call != call || c.active) continue;
    c.active = true;
    for (const std::string& side : {c.caller, c.callee}) {
      if (side.empty()) continue;
      Notify(side, c, "active");
      if (LineObserver* o = lines_[side].observer) o->OnCallChanged(ViewOf(c, side));
    }
    return;
  }
}

void Network::OnUplinkCallEnded(const std::string& call, int cause) {
  for (auto& [id, c] : calls_) {
    if (c.uplink_call != call) continue;
    EndCall(id, static_cast<Cause>(cause), "");
    return;
  }
}

bool Network::OnUplinkSms(const std::string& from, const std::string& text) {
  ++uplink_in_sms_;
  std::string to = RouteIncoming(from);
  if (to.empty() || !DeliverSms(from, to, text).ok()) {
    ++uplink_unrouted_;
    return false;
  }
  Converse(Normalize(from), to);
  return true;
}

}  // namespace vmi::telephony
