// libvmi-ril.so: the RIL client that rild loads in an Android instance in
// place of a vendor RIL (seed 002's "proxy client"). It turns RIL requests
// into AT commands on the instance's modem channel (/run/vmi/modem.sock,
// served by vmi-modem) and AT unsolicited results into RIL unsolicited
// responses, so Android telephony and the Linux modem stacks meet one
// modem service, one routing table and one network.
//
// rild calls RIL_Init(env, argc, argv) once; argv may carry
// "-s <socket path>" (default /run/vmi/modem.sock). onRequest runs on
// rild's thread and answers synchronously (OnRequestComplete before it
// returns), as reference RILs do. Unsolicited results arrive on the
// channel's reader thread; work they need (reading a new SMS) runs on the
// library's worker thread. No exception leaves the library.
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "guest/ril/at_channel.h"
#include "guest/ril/ril_abi.h"

namespace {

using vmi::guest::AtChannel;
using vmi::guest::AtResponse;

// Process-lifetime state: rild never unloads its RIL, and nothing here is
// destroyed at exit (the worker may still wait on the queue then, and a
// condition variable with a waiter must not be destroyed).
const RIL_Env* g_env = nullptr;
AtChannel* g_at = nullptr;
RIL_RadioState g_radio = RADIO_STATE_OFF;
int g_last_fail_cause = 16;

// The worker: reads SMS announced by +CMTI, off the reader thread.
struct WorkQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<int> sms_indexes;
};
WorkQueue* g_work = new WorkQueue();

void Complete(RIL_Token t, RIL_Errno e, void* data = nullptr, size_t len = 0) {
  g_env->OnRequestComplete(t, e, data, len);
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == ',' && !quoted) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(c);
  }
  for (auto& v : out) {
    size_t a = v.find_first_not_of(' ');
    v = a == std::string::npos ? "" : v.substr(a);
  }
  return out;
}

// The value part of "+XXX: a,b,c".
std::string ValueOf(const std::string& line) {
  size_t colon = line.find(':');
  return colon == std::string::npos ? line : line.substr(colon + 1);
}

std::string FirstWithPrefix(const AtResponse& r, const char* prefix) {
  for (const auto& l : r.lines)
    if (l.rfind(prefix, 0) == 0) return l;
  return {};
}

void SmsWorker() {
  for (;;) {
    int index;
    {
      std::unique_lock lock(g_work->mu);
      g_work->cv.wait(lock, [] { return !g_work->sms_indexes.empty(); });
      index = g_work->sms_indexes.front();
      g_work->sms_indexes.pop_front();
    }
    if (index < 0) return;
    auto r = g_at->Command("AT+CMGR=" + std::to_string(index));
    if (!r.ok() || !r->ok() || r->lines.size() < 2) continue;
    // +CMGR: <stat>,,<len> then the PDU (with its SMSC prefix, as Android
    // expects in RIL_UNSOL_RESPONSE_NEW_SMS).
    std::string pdu = r->lines[1];
    g_env->OnUnsolicitedResponse(RIL_UNSOL_RESPONSE_NEW_SMS, pdu.c_str(), pdu.size() + 1);
    (void)g_at->Command("AT+CMGD=" + std::to_string(index));
  }
}

void OnUnsolicited(const std::string& line, const std::string&) {
  if (line == "RING" || line.rfind("+CRING", 0) == 0) {
    g_env->OnUnsolicitedResponse(RIL_UNSOL_CALL_RING, nullptr, 0);
    g_env->OnUnsolicitedResponse(RIL_UNSOL_RESPONSE_CALL_STATE_CHANGED, nullptr, 0);
  } else if (line == "NO CARRIER" || line == "BUSY") {
    g_env->OnUnsolicitedResponse(RIL_UNSOL_RESPONSE_CALL_STATE_CHANGED, nullptr, 0);
  } else if (line.rfind("+CREG:", 0) == 0) {
    g_env->OnUnsolicitedResponse(RIL_UNSOL_RESPONSE_VOICE_NETWORK_STATE_CHANGED, nullptr, 0);
  } else if (line.rfind("+CMTI:", 0) == 0) {
    auto v = SplitComma(ValueOf(line));
    int index = v.size() > 1 ? atoi(v[1].c_str()) : 0;
    if (index > 0) {
      std::lock_guard lock(g_work->mu);
      g_work->sms_indexes.push_back(index);
      g_work->cv.notify_one();
    }
  }
}

void SimpleCommand(const std::string& cmd, RIL_Token t) {
  auto r = g_at->Command(cmd);
  Complete(t, r.ok() && r->ok() ? RIL_E_SUCCESS : RIL_E_GENERIC_FAILURE);
}

void GetSimStatus(RIL_Token t) {
  auto r = g_at->Command("AT+CPIN?");
  RIL_CardStatus_v6 status{};
  status.card_state = RIL_CARDSTATE_ABSENT;
  status.gsm_umts_subscription_app_index = -1;
  status.cdma_subscription_app_index = -1;
  status.ims_subscription_app_index = -1;
  if (r.ok() && r->ok() && FirstWithPrefix(*r, "+CPIN:").find("READY") != std::string::npos) {
    status.card_state = RIL_CARDSTATE_PRESENT;
    status.num_applications = 1;
    status.gsm_umts_subscription_app_index = 0;
    status.applications[0].app_type = RIL_APPTYPE_USIM;
    status.applications[0].app_state = RIL_APPSTATE_READY;
    status.applications[0].perso_substate = RIL_PERSOSUBSTATE_READY;
  }
  Complete(t, RIL_E_SUCCESS, &status, sizeof status);
}

void VoiceRegistration(RIL_Token t) {
  auto r = g_at->Command("AT+CREG=2;+CREG?");
  if (!r.ok() || !r->ok()) return Complete(t, RIL_E_GENERIC_FAILURE);
  auto v = SplitComma(ValueOf(FirstWithPrefix(*r, "+CREG:")));
  // +CREG: <n>,<stat>[,<lac>,<ci>[,<act>]]
  std::string stat = v.size() > 1 ? v[1] : "0";
  std::string lac = v.size() > 2 ? v[2] : "", ci = v.size() > 3 ? v[3] : "";
  std::string act = stat == "1" || stat == "5" ? "3" : "0";  // UMTS
  std::vector<std::string> fields = {stat, lac, ci, act};
  fields.resize(15);
  std::vector<char*> out;
  for (auto& f : fields) out.push_back(f.empty() ? nullptr : f.data());
  Complete(t, RIL_E_SUCCESS, out.data(), out.size() * sizeof(char*));
}

void Dial(void* data, size_t len, RIL_Token t) {
  if (!data || len < sizeof(RIL_Dial)) return Complete(t, RIL_E_INVALID_ARGUMENTS);
  const RIL_Dial* d = static_cast<const RIL_Dial*>(data);
  if (!d->address || strlen(d->address) > 32) return Complete(t, RIL_E_INVALID_ARGUMENTS);
  auto r = g_at->Command(std::string("ATD") + d->address + ";");
  if (r.ok() && r->ok()) {
    g_env->OnUnsolicitedResponse(RIL_UNSOL_RESPONSE_CALL_STATE_CHANGED, nullptr, 0);
    return Complete(t, RIL_E_SUCCESS);
  }
  // The network's cause is in +CEER; the framework asks LAST_CALL_FAIL_CAUSE.
  auto ceer = g_at->Command("AT+CEER");
  std::string text = ceer.ok() ? FirstWithPrefix(*ceer, "+CEER:") : "";
  size_t at = text.find("cause ");
  g_last_fail_cause = at != std::string::npos ? atoi(text.c_str() + at + 6) : 16;
  if (r.ok() && r->final == "BUSY") g_last_fail_cause = 17;
  Complete(t, RIL_E_GENERIC_FAILURE);
}

void CurrentCalls(RIL_Token t) {
  auto r = g_at->Command("AT+CLCC");
  if (!r.ok() || !r->ok()) return Complete(t, RIL_E_GENERIC_FAILURE);
  std::vector<RIL_Call> calls;
  std::vector<std::string> numbers;
  numbers.reserve(r->lines.size());
  for (const auto& l : r->lines) {
    if (l.rfind("+CLCC:", 0) != 0) continue;
    auto v = SplitComma(ValueOf(l));  // idx,dir,stat,mode,mpty,number,type
    if (v.size() < 7) continue;
    RIL_Call c{};
    c.index = atoi(v[0].c_str());
    c.isMT = v[1] == "1";
    c.state = static_cast<RIL_CallState>(atoi(v[2].c_str()));
    c.isVoice = v[3] == "0";
    c.isMpty = v[4] == "1";
    numbers.push_back(v[5]);
    c.toa = atoi(v[6].c_str());
    calls.push_back(c);
  }
  std::vector<RIL_Call*> out;
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].number = numbers[i].data();
    out.push_back(&calls[i]);
  }
  Complete(t, RIL_E_SUCCESS, out.empty() ? nullptr : out.data(), out.size() * sizeof(RIL_Call*));
}

void SendSms(void* data, size_t len, RIL_Token t) {
  // data: char*[2] = {SMSC address PDU in hex or NULL, TPDU in hex}.
  if (!data || len < 2 * sizeof(char*)) return Complete(t, RIL_E_INVALID_ARGUMENTS);
  char** parts = static_cast<char**>(data);
  if (!parts[1]) return Complete(t, RIL_E_INVALID_ARGUMENTS);
  std::string tpdu = parts[1];
  std::string smsc = parts[0] ? parts[0] : "00";
  if (tpdu.size() % 2 || tpdu.size() > 2 * 176 || smsc.size() % 2 || smsc.size() > 24 ||
      tpdu.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos ||
      smsc.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos)
    return Complete(t, RIL_E_INVALID_ARGUMENTS);
  auto r = g_at->Command("AT+CMEE=1;+CMGS=" + std::to_string(tpdu.size() / 2), smsc + tpdu);
  RIL_SMS_Response resp{0, nullptr, -1};
  if (!r.ok() || !r->ok()) {
    std::string f = r.ok() ? r->final : "";
    resp.errorCode = f.rfind("+CMS ERROR:", 0) == 0 ? atoi(f.c_str() + 11) : -1;
    return Complete(t, RIL_E_GENERIC_FAILURE, &resp, sizeof resp);
  }
  resp.messageRef = atoi(ValueOf(FirstWithPrefix(*r, "+CMGS:")).c_str());
  Complete(t, RIL_E_SUCCESS, &resp, sizeof resp);
}

void OnRequest(int request, void* data, size_t len, RIL_Token t) {
  if (!g_at) return Complete(t, RIL_E_RADIO_NOT_AVAILABLE);
  switch (request) {
    case RIL_REQUEST_RADIO_POWER: {
      if (!data || len < sizeof(int)) return Complete(t, RIL_E_INVALID_ARGUMENTS);
      bool on = *static_cast<int*>(data) != 0;
      auto r = g_at->Command(on ? "AT+CFUN=1" : "AT+CFUN=0");
      if (!r.ok() || !r->ok()) return Complete(t, RIL_E_GENERIC_FAILURE);
      g_radio = on ? RADIO_STATE_ON : RADIO_STATE_OFF;
      Complete(t, RIL_E_SUCCESS);
      g_env->OnUnsolicitedResponse(RIL_UNSOL_RESPONSE_RADIO_STATE_CHANGED, nullptr, 0);
      return;
    }
    case RIL_REQUEST_GET_SIM_STATUS:
      return GetSimStatus(t);
    case RIL_REQUEST_VOICE_REGISTRATION_STATE:
      return VoiceRegistration(t);
    case RIL_REQUEST_DIAL:
      return Dial(data, len, t);
    case RIL_REQUEST_ANSWER:
      return SimpleCommand("ATA", t);
    case RIL_REQUEST_HANGUP:
    case RIL_REQUEST_HANGUP_WAITING_OR_BACKGROUND:
    case RIL_REQUEST_HANGUP_FOREGROUND_RESUME_BACKGROUND:
      return SimpleCommand("ATH", t);
    case RIL_REQUEST_GET_CURRENT_CALLS:
      return CurrentCalls(t);
    case RIL_REQUEST_LAST_CALL_FAIL_CAUSE:
      return Complete(t, RIL_E_SUCCESS, &g_last_fail_cause, sizeof g_last_fail_cause);
    case RIL_REQUEST_SEND_SMS:
      return SendSms(data, len, t);
    case RIL_REQUEST_SMS_ACKNOWLEDGE:
      return Complete(t, RIL_E_SUCCESS);
    case RIL_REQUEST_GET_IMEI:
    case RIL_REQUEST_GET_IMSI:
    case RIL_REQUEST_BASEBAND_VERSION: {
      const char* cmd = request == RIL_REQUEST_GET_IMEI   ? "AT+CGSN"
                        : request == RIL_REQUEST_GET_IMSI ? "AT+CIMI"
                                                          : "AT+CGMR";
      auto r = g_at->Command(cmd);
      if (!r.ok() || !r->ok() || r->lines.empty()) return Complete(t, RIL_E_GENERIC_FAILURE);
      std::string v = r->lines[0];
      return Complete(t, RIL_E_SUCCESS, v.data(), v.size() + 1);
    }
    case RIL_REQUEST_SIGNAL_STRENGTH: {
      auto r = g_at->Command("AT+CSQ");
      if (!r.ok() || !r->ok()) return Complete(t, RIL_E_GENERIC_FAILURE);
      auto v = SplitComma(ValueOf(FirstWithPrefix(*r, "+CSQ:")));
      // GW_SignalStrength {signalStrength, bitErrorRate} leads the struct.
      int gw[2] = {atoi(v[0].c_str()), v.size() > 1 ? atoi(v[1].c_str()) : 99};
      return Complete(t, RIL_E_SUCCESS, gw, sizeof gw);
    }
    default:
      return Complete(t, RIL_E_REQUEST_NOT_SUPPORTED);
  }
}

void SafeOnRequest(int request, void* data, size_t len, RIL_Token t) {
  try {
    OnRequest(request, data, len, t);
  } catch (...) {
    Complete(t, RIL_E_GENERIC_FAILURE);
  }
}

RIL_RadioState CurrentState() { return g_radio; }

int Supports(int request) {
  switch (request) {
    case RIL_REQUEST_RADIO_POWER:
    case RIL_REQUEST_GET_SIM_STATUS:
    case RIL_REQUEST_VOICE_REGISTRATION_STATE:
    case RIL_REQUEST_DIAL:
    case RIL_REQUEST_ANSWER:
    case RIL_REQUEST_HANGUP:
    case RIL_REQUEST_GET_CURRENT_CALLS:
    case RIL_REQUEST_SEND_SMS:
      return 1;
    default:
      return 0;
  }
}

void OnCancel(RIL_Token) {}
const char* GetVersion() { return "vmi-ril 1"; }

const RIL_RadioFunctions kFunctions = {RIL_VERSION, SafeOnRequest, CurrentState,
                                       Supports,    OnCancel,      GetVersion};

}  // namespace

extern "C" __attribute__((visibility("default"))) const RIL_RadioFunctions* RIL_Init(
    const struct RIL_Env* env, int argc, char** argv) {
  try {
    if (!env || g_at) return nullptr;
    std::string path = "/run/vmi/modem.sock";
    for (int i = 1; i + 1 < argc; ++i)
      if (strcmp(argv[i], "-s") == 0) path = argv[i + 1];
    g_env = env;
    auto at = AtChannel::Open(path, OnUnsolicited);
    if (!at.ok()) return nullptr;
    g_at = at->release();
    (void)g_at->Command("AT+CMEE=1;+CNMI=2,1,0,0,0;+CLIP=1");
    std::thread(SmsWorker).detach();  // lives as long as rild
    return &kFunctions;
  } catch (...) {
    return nullptr;
  }
}
