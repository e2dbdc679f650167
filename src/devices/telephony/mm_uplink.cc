#include "devices/telephony/mm_uplink.h"

#include <poll.h>

#include <cstring>
#include <map>
#include <vector>

#include "base/log.h"
#include "devices/telephony/network.h"

namespace vmi::telephony {
namespace {

constexpr const char* kService = "org.freedesktop.ModemManager1";
constexpr const char* kRoot = "/org/freedesktop/ModemManager1";
constexpr const char* kModemPrefix = "/org/freedesktop/ModemManager1/Modem/";
constexpr const char* kModem = "org.freedesktop.ModemManager1.Modem";
constexpr const char* kVoice = "org.freedesktop.ModemManager1.Modem.Voice";
constexpr const char* kMessaging = "org.freedesktop.ModemManager1.Modem.Messaging";
constexpr const char* kCall = "org.freedesktop.ModemManager1.Call";
constexpr const char* kSms = "org.freedesktop.ModemManager1.Sms";
constexpr const char* kProps = "org.freedesktop.DBus.Properties";

// ModemManager's enums (ModemManager-enums.h).
constexpr int64_t kCallDirectionIncoming = 1;
constexpr int kCallStateRingingIn = 3, kCallStateActive = 4, kCallStateWaiting = 6,
              kCallStateTerminated = 7;
constexpr uint32_t kCallReasonRefusedOrBusy = 5, kCallReasonError = 6;
constexpr int32_t kModemStateRegistered = 8;
constexpr int64_t kSmsStateReceiving = 2, kSmsStateReceived = 3;

// A property set of strings and integers (what the uplink reads of calls
// and messages); other types are skipped.
struct Props {
  std::map<std::string, std::string> str;
  std::map<std::string, int64_t> num;
};

Props ReadProps(sd_bus_message* m) {
  Props p;
  if (sd_bus_message_enter_container(m, 'a', "{sv}") <= 0) return p;
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    const char* key = nullptr;
    char type = 0;
    const char* contents = nullptr;
    if (sd_bus_message_read(m, "s", &key) < 0 ||
        sd_bus_message_peek_type(m, &type, &contents) < 0 || !contents) {
      break;
    }
    if (std::strcmp(contents, "s") == 0 || std::strcmp(contents, "o") == 0) {
      const char* v = nullptr;
      if (sd_bus_message_read(m, "v", contents, &v) >= 0 && v) p.str[key] = v;
    } else if (std::strcmp(contents, "u") == 0) {
      uint32_t v = 0;
      if (sd_bus_message_read(m, "v", "u", &v) >= 0) p.num[key] = v;
    } else if (std::strcmp(contents, "i") == 0) {
      int32_t v = 0;
      if (sd_bus_message_read(m, "v", "i", &v) >= 0) p.num[key] = v;
    } else {
      sd_bus_message_skip(m, "v");
    }
    sd_bus_message_exit_container(m);
  }
  sd_bus_message_exit_container(m);
  return p;
}

int OnReply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* done = static_cast<MmUplink::Reply*>(userdata);
  (*done)(m, sd_bus_message_get_error(m));
  return 0;
}

int CauseOf(const sd_bus_error* e) {
  std::string name = e && e->name ? e->name : "";
  if (name.find("Busy") != std::string::npos) return 17;
  if (name.find("NoCarrier") != std::string::npos) return 16;
  if (name.find("NoAnswer") != std::string::npos) return 19;
  return 41;  // temporary failure
}

}  // namespace

Result<std::unique_ptr<MmUplink>> MmUplink::Create(EventLoop* loop, std::string bus,
                                                   UplinkListener* listener) {
  std::unique_ptr<MmUplink> u(new MmUplink());
  u->loop_ = loop;
  u->address_ = std::move(bus);
  u->listener_ = listener;
  // A bus that is not there yet is not an error: the uplink is simply not
  // ready until it can connect (the host's ModemManager may start later).
  auto connected = u->Connect();
  if (!connected.ok()) VMI_LOG(WARN) << "vmi-modem uplink: " << connected.error().ToString();
  MmUplink* raw = u.get();
  u->timer_ = VMI_TRY(loop->AddTimer(std::chrono::milliseconds(1000), [raw] { raw->Tick(); },
                                     /*repeat=*/true));
  return u;
}

MmUplink::~MmUplink() {
  if (timer_) loop_->CancelTimer(timer_);
  Disconnect();
}

Result<void> MmUplink::Connect() {
  sd_bus* bus = nullptr;
  int r;
  if (address_ == "system") {
    r = sd_bus_open_system(&bus);
  } else {
    r = sd_bus_new(&bus);
    if (r >= 0) r = sd_bus_set_address(bus, address_.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus, 1);
    if (r >= 0) r = sd_bus_start(bus);
  }
  if (r < 0) {
    sd_bus_unref(bus);
    return Error(ErrorCode::kUnavailable,
                 "connect to D-Bus " + address_ + ": " + std::strerror(-r));
  }
  bus_ = bus;
  bus_fd_ = sd_bus_get_fd(bus_);
  VMI_CHECK_OK(loop_->AddFd(bus_fd_, EPOLLIN, [this](uint32_t) { Pump(); }), "watch D-Bus");
  auto on_signal = [](sd_bus_message* m, void* ud, sd_bus_error*) -> int {
    auto* self = static_cast<MmUplink*>(ud);
    const char* path = nullptr;
    if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded")) {
      if (sd_bus_message_read(m, "o", &path) >= 0 && self->modem_.empty() &&
          std::strncmp(path, kModemPrefix, std::strlen(kModemPrefix)) == 0)
        self->UseModem(path);
    } else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager",
                                        "InterfacesRemoved")) {
      if (sd_bus_message_read(m, "o", &path) >= 0 && self->modem_ == path) {
        VMI_LOG(WARN) << "vmi-modem uplink: modem " << path << " went away";
        self->modem_.clear();
        self->ready_ = self->enabled_ = false;
      }
    } else if (sd_bus_message_is_signal(m, kVoice, "CallAdded")) {
      if (sd_bus_message_read(m, "o", &path) >= 0) self->OnCallAdded(path);
    } else if (sd_bus_message_is_signal(m, kCall, "StateChanged")) {
      int32_t old_state = 0, state = 0;
      uint32_t reason = 0;
      if (sd_bus_message_read(m, "iiu", &old_state, &state, &reason) >= 0)
        self->OnCallState(sd_bus_message_get_path(m), state, reason);
    } else if (sd_bus_message_is_signal(m, kMessaging, "Added")) {
      int received = 0;
      if (sd_bus_message_read(m, "ob", &path, &received) >= 0 && received) self->OfferSms(path);
    }
    return 0;
  };
  const std::pair<const char*, const char*> kSignals[] = {
      {"org.freedesktop.DBus.ObjectManager", "InterfacesAdded"},
      {"org.freedesktop.DBus.ObjectManager", "InterfacesRemoved"},
      {kVoice, "CallAdded"},
      {kCall, "StateChanged"},
      {kMessaging, "Added"},
  };
  for (auto [iface, member] : kSignals) {
    r = sd_bus_match_signal_async(bus_, nullptr, kService, nullptr, iface, member, on_signal,
                                  nullptr, this);
    if (r < 0) {
      Disconnect();
      return Error(ErrorCode::kInternal, std::string("match ") + member + ": " + std::strerror(-r));
    }
  }
  FindModem();
  Watch();
  VMI_LOG(INFO) << "vmi-modem uplink: connected to " << address_;
  return Ok();
}

void MmUplink::Disconnect() {
  if (!bus_) return;
  loop_->RemoveFd(bus_fd_);
  // Pending calls' reply slots go with the bus without their callbacks:
  // what they would have completed fails here, and calls on the modem end.
  sd_bus_flush_close_unref(bus_);
  bus_ = nullptr;
  bus_fd_ = -1;
  modem_.clear();
  ready_ = enabled_ = enabling_ = false;
  for (uint64_t token : tokens_.InFlight())
    Complete(token, {.ok = false, .cause = 41, .error = "uplink D-Bus connection lost"});
  std::set<std::string> calls = std::move(calls_seen_);
  calls_seen_.clear();
  for (const std::string& call : calls) listener_->OnUplinkCallEnded(call, 41);
}

void MmUplink::Pump() {
  if (!bus_) return;
  for (;;) {
    int r = sd_bus_process(bus_, nullptr);
    if (r < 0) {
      VMI_LOG(WARN) << "vmi-modem uplink: D-Bus connection lost: " << std::strerror(-r);
      Disconnect();
      return;
    }
    if (r == 0) break;
  }
  Watch();
}

void MmUplink::Watch() {
  if (!bus_) return;
  int ev = sd_bus_get_events(bus_);
  uint32_t want = EPOLLIN;
  if (ev > 0 && (ev & POLLOUT)) want |= EPOLLOUT;
  (void)loop_->ModifyFd(bus_fd_, want);
}

void MmUplink::Tick() {
  ++ticks_;
  if (!bus_) {
    if (ticks_ % 2 == 0) (void)Connect();
    return;
  }
  Pump();
  if (!bus_) return;
  if (modem_.empty() && ticks_ % 2 == 0) FindModem();
  if (!modem_.empty() && !enabled_ && !enabling_) Enable();
  if (enabled_) CheckRegistration();
  if (ready_ && ticks_ % 5 == 0) {
    std::set<std::string> waiting = sms_waiting_;
    for (const std::string& path : waiting) OfferSms(path);
  }
  Watch();
}

sd_bus_message* MmUplink::NewCall(const std::string& path, const char* iface,
                                  const char* member) {
  sd_bus_message* m = nullptr;
  if (!bus_ || sd_bus_message_new_method_call(bus_, &m, kService, path.c_str(), iface, member) < 0)
    return nullptr;
  return m;
}

void MmUplink::Send(sd_bus_message* m, Reply done) {
  sd_bus_slot* slot = nullptr;
  auto* held = new Reply(std::move(done));
  int r = m ? sd_bus_call_async(bus_, &slot, m, OnReply, held, 0) : -ENOTCONN;
  sd_bus_message_unref(m);
  if (r < 0) {
    // Answered on the next loop turn, so a caller never sees its own
    // request complete inside the call that made it.
    std::string why = std::string("D-Bus call failed: ") + std::strerror(-r);
    loop_->Post([held, why] {
      sd_bus_error e = SD_BUS_ERROR_MAKE_CONST("org.freedesktop.DBus.Error.Failed", why.c_str());
      (*held)(nullptr, &e);
      delete held;
    });
    return;
  }
  sd_bus_slot_set_destroy_callback(slot, [](void* ud) { delete static_cast<Reply*>(ud); });
  sd_bus_slot_set_floating(slot, 1);
  sd_bus_slot_unref(slot);
  Watch();
}

void MmUplink::FindModem() {
  Send(NewCall(kRoot, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"),
       [this](sd_bus_message* m, const sd_bus_error* e) {
         if (e || !modem_.empty()) return;
         if (sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}") <= 0) return;
         while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
           const char* path = nullptr;
           sd_bus_message_read(m, "o", &path);
           sd_bus_message_skip(m, "a{sa{sv}}");
           sd_bus_message_exit_container(m);
           if (path && modem_.empty() && std::strncmp(path, kModemPrefix, std::strlen(kModemPrefix)) == 0)
             UseModem(path);
         }
       });
}

void MmUplink::UseModem(const std::string& path) {
  VMI_LOG(INFO) << "vmi-modem uplink: using modem " << path;
  modem_ = path;
  ready_ = enabled_ = false;
  Enable();
}

void MmUplink::Enable() {
  sd_bus_message* m = NewCall(modem_, kModem, "Enable");
  if (m) sd_bus_message_append(m, "b", 1);
  enabling_ = true;
  std::string modem = modem_;
  Send(m, [this, modem](sd_bus_message*, const sd_bus_error* e) {
    enabling_ = false;
    if (modem != modem_) return;
    if (e) {
      // A modem still initialising refuses; the next tick tries again.
      VMI_LOG(DEBUG) << "vmi-modem uplink: enable: " << (e->message ? e->message : e->name);
      return;
    }
    enabled_ = true;
    VMI_LOG(INFO) << "vmi-modem uplink: modem " << modem_ << " enabled";
    CheckRegistration();
    // Messages that arrived while nobody listened.
    Send(NewCall(modem_, kMessaging, "List"), [this](sd_bus_message* r, const sd_bus_error* err) {
      if (err) return;
      const char* path = nullptr;
      if (sd_bus_message_enter_container(r, 'a', "o") <= 0) return;
      std::vector<std::string> paths;
      while (sd_bus_message_read(r, "o", &path) > 0) paths.emplace_back(path);
      for (const std::string& p : paths) OfferSms(p);
    });
  });
}

void MmUplink::CheckRegistration() {
  // ModemManager places only emergency calls until the modem is registered:
  // the uplink is ready from then on, and not while registration is lost.
  sd_bus_message* m = NewCall(modem_, kProps, "Get");
  if (m) sd_bus_message_append(m, "ss", kModem, "State");
  std::string modem = modem_;
  Send(m, [this, modem](sd_bus_message* r, const sd_bus_error* e) {
    int32_t state = 0;
    if (e || modem != modem_ || sd_bus_message_read(r, "v", "i", &state) < 0) return;
    bool was = ready_;
    ready_ = state >= kModemStateRegistered;
    if (ready_ != was)
      VMI_LOG(INFO) << "vmi-modem uplink: modem " << modem_ << (ready_ ? " registered" : " not registered");
  });
}

void MmUplink::Submit(const UplinkRequest& req) {
  uint64_t token = tokens_.Issue(req.instance, req.token, req.request);
  if (token != req.token) ++dummies_;
  if (!ready_) {
    loop_->Post([this, token] {
      Complete(token, {.ok = false, .cause = 41, .error = "uplink modem not ready"});
    });
    return;
  }
  auto done = [this, token](sd_bus_message*, const sd_bus_error* e) {
    if (e) return Fail(token, e, CauseOf(e));
    Complete(token, {.ok = true});
  };
  switch (req.request) {
    case kRilDial: {
      sd_bus_message* m = NewCall(modem_, kVoice, "CreateCall");
      if (m) sd_bus_message_append(m, "a{sv}", 1, "number", "s", req.number.c_str());
      Send(m, [this, token](sd_bus_message* r, const sd_bus_error* e) {
        const char* path = nullptr;
        if (e || sd_bus_message_read(r, "o", &path) < 0 || !path) return Fail(token, e, CauseOf(e));
        std::string call = path;
        calls_seen_.insert(call);
        Send(NewCall(call, kCall, "Start"), [this, token, call](sd_bus_message*, const sd_bus_error* e2) {
          if (e2) return Fail(token, e2, CauseOf(e2));
          Complete(token, {.ok = true, .call = call});
        });
      });
      return;
    }
    case kRilAnswer:
      return Send(NewCall(req.call, kCall, "Accept"), done);
    case kRilHangup:
      return Send(NewCall(req.call, kCall, "Hangup"), done);
    case kRilSendSms: {
      sd_bus_message* m = NewCall(modem_, kMessaging, "Create");
      if (m)
        sd_bus_message_append(m, "a{sv}", 2, "number", "s", req.number.c_str(), "text", "s",
                              req.text.c_str());
      Send(m, [this, token](sd_bus_message* r, const sd_bus_error* e) {
        const char* path = nullptr;
        if (e || sd_bus_message_read(r, "o", &path) < 0 || !path) return Fail(token, e, 41);
        std::string sms = path;
        Send(NewCall(sms, kSms, "Send"), [this, token, sms](sd_bus_message*, const sd_bus_error* e2) {
          if (e2) Fail(token, e2, 41);
          else Complete(token, {.ok = true});
          // Sent or not, the copy on the shared modem is nobody's to read.
          sd_bus_message* del = NewCall(modem_, kMessaging, "Delete");
          if (del) sd_bus_message_append(del, "o", sms.c_str());
          Send(del, [](sd_bus_message*, const sd_bus_error*) {});
        });
      });
      return;
    }
    default:
      loop_->Post([this, token] {
        Complete(token, {.ok = false, .cause = 41, .error = "not a request for the uplink"});
      });
  }
}

void MmUplink::Complete(uint64_t modem_token, UplinkResult result) {
  auto p = tokens_.Complete(modem_token);
  if (!p) return;
  ++completed_;
  listener_->OnUplinkComplete(p->client, p->client_token, p->request, result);
}

void MmUplink::Fail(uint64_t modem_token, const sd_bus_error* error, int cause) {
  std::string why = error ? (error->message ? error->message : error->name) : "no reply";
  VMI_LOG(INFO) << "vmi-modem uplink: request failed: " << why;
  Complete(modem_token, {.ok = false, .cause = cause, .error = why});
}

sd_bus_message* MmUplink::GetAll(const std::string& path, const char* iface) {
  sd_bus_message* m = NewCall(path, kProps, "GetAll");
  if (m) sd_bus_message_append(m, "s", iface);
  return m;
}

void MmUplink::OfferSms(const std::string& path) {
  if (sms_seen_.count(path)) return;
  sms_seen_.insert(path);  // one offer at a time
  Send(GetAll(path, kSms), [this, path](sd_bus_message* m, const sd_bus_error* e) {
    sms_seen_.erase(path);
    if (e) return;  // gone
    Props p = ReadProps(m);
    int64_t state = p.num.count("State") ? p.num["State"] : 0;
    if (state == kSmsStateReceiving) {
      sms_waiting_.insert(path);  // more parts to come; offered again later
      return;
    }
    if (state != kSmsStateReceived) return;  // one of ours, on its way out
    sms_waiting_.erase(path);
    if (!listener_->OnUplinkSms(p.str["Number"], p.str["Text"])) {
      sms_waiting_.insert(path);
      return;
    }
    sms_seen_.insert(path);  // handed over: never offered again
    sd_bus_message* del = NewCall(modem_, kMessaging, "Delete");
    if (del) sd_bus_message_append(del, "o", path.c_str());
    Send(del, [](sd_bus_message*, const sd_bus_error*) {});
  });
}

void MmUplink::OnCallAdded(const std::string& path) {
  if (calls_seen_.count(path)) return;
  calls_seen_.insert(path);
  Send(GetAll(path, kCall), [this, path](sd_bus_message* m, const sd_bus_error* e) {
    if (e) return;
    Props p = ReadProps(m);
    if (p.num["Direction"] != kCallDirectionIncoming) return;
    int64_t state = p.num["State"];
    if (state != kCallStateRingingIn && state != kCallStateWaiting) return;
    if (!listener_->OnUplinkIncomingCall(path, p.str["Number"]))
      Send(NewCall(path, kCall, "Hangup"), [](sd_bus_message*, const sd_bus_error*) {});
  });
}

void MmUplink::OnCallState(const std::string& path, int state, uint32_t reason) {
  if (state == kCallStateActive) {
    listener_->OnUplinkCallActive(path);
  } else if (state == kCallStateTerminated) {
    int cause = reason == kCallReasonRefusedOrBusy ? 17 : reason == kCallReasonError ? 41 : 16;
    listener_->OnUplinkCallEnded(path, cause);
    calls_seen_.erase(path);
    sd_bus_message* del = NewCall(modem_, kVoice, "DeleteCall");
    if (del) sd_bus_message_append(del, "o", path.c_str());
    Send(del, [](sd_bus_message*, const sd_bus_error*) {});
  }
}

nlohmann::json MmUplink::Status() const {
  return {{"bus", address_},
          {"connected", bus_ != nullptr},
          {"modem", modem_},
          {"enabled", enabled_},
          {"ready", ready_},
          {"in_flight", tokens_.in_flight()},
          {"dummy_tokens", dummies_},
          {"completed", completed_}};
}

}  // namespace vmi::telephony
