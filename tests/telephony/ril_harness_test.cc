// libvmi-ril.so driven as rild drives a vendor RIL: dlopen, RIL_Init with an
// RIL_Env, then requests through RIL_RadioFunctions.onRequest; completions
// and unsolicited responses are recorded. The other end is the real
// vmi-modem process; a second line is a raw AT port (another instance).
#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "devices/telephony/sms_pdu.h"
#include "guest/ril/ril_abi.h"

namespace vmi::guest {
namespace {

using namespace std::chrono_literals;

struct Completion {
  RIL_Errno error;
  std::vector<uint8_t> raw;                 // the response bytes as given
  std::vector<std::string> strings;         // char** responses, copied
  std::optional<RIL_CardStatus_v6> card;
  std::vector<RIL_Call> calls;              // numbers in call_numbers
  std::vector<std::string> call_numbers;
  std::optional<RIL_SMS_Response> sms;
};

std::mutex g_mu;
std::condition_variable g_cv;
int g_current_request = 0;
std::map<intptr_t, Completion> g_done;
std::vector<std::pair<int, std::string>> g_unsol;

void OnRequestComplete(RIL_Token t, RIL_Errno e, void* response, size_t len) {
  std::lock_guard lock(g_mu);
  Completion c{e};
  auto* bytes = static_cast<uint8_t*>(response);
  if (bytes) c.raw.assign(bytes, bytes + len);
  // Deep-copy the pointers' targets now, as rild's marshaller does.
  switch (g_current_request) {
    case RIL_REQUEST_VOICE_REGISTRATION_STATE:
      for (size_t i = 0; response && i < len / sizeof(char*); ++i) {
        char* s = static_cast<char**>(response)[i];
        c.strings.push_back(s ? s : "");
      }
      break;
    case RIL_REQUEST_GET_SIM_STATUS:
      if (len == sizeof(RIL_CardStatus_v6)) c.card = *static_cast<RIL_CardStatus_v6*>(response);
      break;
    case RIL_REQUEST_GET_CURRENT_CALLS:
      for (size_t i = 0; response && i < len / sizeof(RIL_Call*); ++i) {
        RIL_Call* call = static_cast<RIL_Call**>(response)[i];
        c.calls.push_back(*call);
        c.call_numbers.push_back(call->number ? call->number : "");
      }
      break;
    case RIL_REQUEST_SEND_SMS:
      if (len == sizeof(RIL_SMS_Response)) c.sms = *static_cast<RIL_SMS_Response*>(response);
      break;
  }
  g_done[reinterpret_cast<intptr_t>(t)] = std::move(c);
  g_cv.notify_all();
}

void OnUnsolicitedResponse(int what, const void* data, size_t len) {
  std::lock_guard lock(g_mu);
  g_unsol.emplace_back(what, data && len ? std::string(static_cast<const char*>(data)) : "");
  g_cv.notify_all();
}

void* RequestTimedCallback(RIL_TimedCallback, void*, const struct timeval*) { return nullptr; }
void OnRequestAck(RIL_Token) {}

const RIL_Env kEnv = {OnRequestComplete, OnUnsolicitedResponse, RequestTimedCallback, OnRequestAck};

UniqueFd Connect(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  for (int i = 0; i < 200; ++i) {
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    usleep(10000);
  }
  return {};
}

std::string ReadUntil(int fd, const std::string& want) {
  std::string acc;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (acc.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    acc.append(buf, n);
  }
  return acc;
}

void Say(int fd, const std::string& s) { ASSERT_EQ(write(fd, s.data(), s.size()), (ssize_t)s.size()); }

class RilHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::move(*TempDir::Create("vmi-ril"));
    auto modem = ChildProcess::Spawn({VMI_MODEM_BINARY, "--state", dir_.path() + "/state"});
    ASSERT_TRUE(modem.ok());
    modem_.emplace(std::move(*modem));
    ctl_ = Connect(dir_.path() + "/state/control.sock");
    ASSERT_TRUE(ctl_);
    for (const char* i : {"a", "b"}) {
      ASSERT_TRUE(MakeDirs(dir_.path() + "/" + i).ok());
      Control({{"op", "line"}, {"instance", i}, {"number", std::string("+1555010000") + (i[0] == 'a' ? "1" : "2")}});
      Control({{"op", "attach"}, {"instance", i}, {"devdir", dir_.path() + "/" + i}});
    }
    lib_ = dlopen(VMI_RIL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib_, nullptr) << dlerror();
    auto init = reinterpret_cast<decltype(&RIL_Init)>(dlsym(lib_, "RIL_Init"));
    ASSERT_NE(init, nullptr);
    std::string sock = dir_.path() + "/a/modem.sock";
    std::vector<char*> argv = {const_cast<char*>("rild"), const_cast<char*>("-s"), sock.data()};
    funcs_ = init(&kEnv, static_cast<int>(argv.size()), argv.data());
    ASSERT_NE(funcs_, nullptr);
    b_ = Connect(dir_.path() + "/b/modem.sock");
    Say(b_.get(), "ATE0;+CLIP=1;+CNMI=2,1,0,0,0\r");
    ReadUntil(b_.get(), "OK");
  }
  void Control(nlohmann::json req) {
    std::string line = req.dump() + "\n";
    Say(ctl_.get(), line);
    std::string reply = ReadUntil(ctl_.get(), "\n");
    ASSERT_NE(reply.find("\"ok\":true"), std::string::npos) << reply;
  }
  // Calls onRequest as rild does and returns the completion.
  Completion Request(int request, void* data = nullptr, size_t len = 0) {
    intptr_t token = ++next_token_;
    {
      std::lock_guard lock(g_mu);
      g_current_request = request;
    }
    funcs_->onRequest(request, data, len, reinterpret_cast<RIL_Token>(token));
    std::unique_lock lock(g_mu);
    g_cv.wait_for(lock, 10s, [&] { return g_done.count(token) > 0; });
    EXPECT_TRUE(g_done.count(token)) << "request " << request << " never completed";
    return g_done[token];
  }
  bool WaitUnsol(int what, std::string* data = nullptr) {
    std::unique_lock lock(g_mu);
    bool got = g_cv.wait_for(lock, 10s, [&] {
      for (auto& [w, d] : g_unsol)
        if (w == what) return true;
      return false;
    });
    for (auto it = g_unsol.begin(); it != g_unsol.end(); ++it)
      if (it->first == what) {
        if (data) *data = it->second;
        g_unsol.erase(it);
        break;
      }
    return got;
  }

  TempDir dir_;
  std::optional<ChildProcess> modem_;
  UniqueFd ctl_, b_;
  void* lib_ = nullptr;
  const RIL_RadioFunctions* funcs_ = nullptr;
  intptr_t next_token_ = 0;
};

TEST_F(RilHarness, TheUsualRildSequence) {
  EXPECT_EQ(funcs_->version, RIL_VERSION);
  int on = 1;
  EXPECT_EQ(Request(RIL_REQUEST_RADIO_POWER, &on, sizeof on).error, RIL_E_SUCCESS);
  EXPECT_EQ(funcs_->onStateRequest(), RADIO_STATE_ON);
  EXPECT_TRUE(WaitUnsol(RIL_UNSOL_RESPONSE_RADIO_STATE_CHANGED));

  Completion sim = Request(RIL_REQUEST_GET_SIM_STATUS);
  ASSERT_EQ(sim.error, RIL_E_SUCCESS);
  ASSERT_TRUE(sim.card);
  EXPECT_EQ(sim.card->card_state, RIL_CARDSTATE_PRESENT);
  EXPECT_EQ(sim.card->applications[0].app_state, RIL_APPSTATE_READY);

  Completion reg = Request(RIL_REQUEST_VOICE_REGISTRATION_STATE);
  ASSERT_EQ(reg.error, RIL_E_SUCCESS);
  ASSERT_EQ(reg.strings.size(), 15u);
  EXPECT_EQ(reg.strings[0], "1");  // registered, home network

  // DIAL: B rings; B answers; the call is active on both sides.
  char number[] = "+15550100002";
  RIL_Dial dial{number, 0, nullptr};
  EXPECT_EQ(Request(RIL_REQUEST_DIAL, &dial, sizeof dial).error, RIL_E_SUCCESS);
  EXPECT_NE(ReadUntil(b_.get(), "RING").find("+15550100001"), std::string::npos);
  Say(b_.get(), "ATA\r");
  ReadUntil(b_.get(), "OK");
  Completion calls = Request(RIL_REQUEST_GET_CURRENT_CALLS);
  ASSERT_EQ(calls.calls.size(), 1u);
  EXPECT_EQ(calls.calls[0].state, RIL_CALL_ACTIVE);
  EXPECT_EQ(calls.call_numbers[0], "+15550100002");
  int index = calls.calls[0].index;
  EXPECT_EQ(Request(RIL_REQUEST_HANGUP, &index, sizeof index).error, RIL_E_SUCCESS);
  EXPECT_NE(ReadUntil(b_.get(), "NO CARRIER").find("NO CARRIER"), std::string::npos);

  // An incoming call: CALL_RING and CALL_STATE_CHANGED, ANSWER, then the
  // far end hangs up: CALL_STATE_CHANGED again.
  {
    std::lock_guard lock(g_mu);
    g_unsol.clear();
  }
  Say(b_.get(), "ATD+15550100001;\r");
  EXPECT_TRUE(WaitUnsol(RIL_UNSOL_CALL_RING));
  EXPECT_TRUE(WaitUnsol(RIL_UNSOL_RESPONSE_CALL_STATE_CHANGED));
  calls = Request(RIL_REQUEST_GET_CURRENT_CALLS);
  ASSERT_EQ(calls.calls.size(), 1u);
  EXPECT_EQ(calls.calls[0].state, RIL_CALL_INCOMING);
  EXPECT_TRUE(calls.calls[0].isMT);
  EXPECT_EQ(Request(RIL_REQUEST_ANSWER).error, RIL_E_SUCCESS);
  EXPECT_EQ(Request(RIL_REQUEST_GET_CURRENT_CALLS).calls[0].state, RIL_CALL_ACTIVE);
  Say(b_.get(), "ATH\r");
  EXPECT_TRUE(WaitUnsol(RIL_UNSOL_RESPONSE_CALL_STATE_CHANGED));
  EXPECT_TRUE(Request(RIL_REQUEST_GET_CURRENT_CALLS).calls.empty());

  // SEND_SMS to B; B's port announces it.
  telephony::SmsSubmit s{0, "+15550100002", false,
                         {telephony::Coding::kUcs2, "来自安卓的短信", {}, std::nullopt}};
  telephony::Bytes pdu = telephony::EncodeSubmit(s);
  std::string tpdu = telephony::ToHex(telephony::Bytes(pdu.begin() + 1, pdu.end()));
  char* sms_args[2] = {nullptr, tpdu.data()};
  Completion sent = Request(RIL_REQUEST_SEND_SMS, sms_args, sizeof sms_args);
  EXPECT_EQ(sent.error, RIL_E_SUCCESS);
  ASSERT_TRUE(sent.sms);
  EXPECT_GT(sent.sms->messageRef, 0);
  EXPECT_NE(ReadUntil(b_.get(), "+CMTI").find("+CMTI: \"SM\",1"), std::string::npos);

  // NEW_SMS: B texts A; the RIL reads it and hands the PDU up.
  telephony::SmsSubmit back{0, "+15550100001", false,
                            {telephony::Coding::kGsm7, "hello android", {}, std::nullopt}};
  telephony::Bytes bp = telephony::EncodeSubmit(back);
  Say(b_.get(), "AT+CMGS=" + std::to_string(bp.size() - 1) + "\r");
  ReadUntil(b_.get(), "> ");
  Say(b_.get(), telephony::ToHex(bp) + "\x1a");
  std::string new_sms;
  ASSERT_TRUE(WaitUnsol(RIL_UNSOL_RESPONSE_NEW_SMS, &new_sms));
  auto deliver = telephony::DecodeDeliver(*telephony::FromHex(new_sms));
  ASSERT_TRUE(deliver.ok()) << new_sms;
  EXPECT_EQ(deliver->originator, "+15550100002");
  EXPECT_EQ(deliver->ud.text, "hello android");

  // Bad requests get RIL errors, never a crash or a hang (rild loads a RIL
  // once per process, so this continues on the same library).
  EXPECT_EQ(Request(RIL_REQUEST_DIAL, nullptr, 0).error, RIL_E_INVALID_ARGUMENTS);
  RIL_Dial no_number{nullptr, 0, nullptr};
  EXPECT_EQ(Request(RIL_REQUEST_DIAL, &no_number, sizeof no_number).error, RIL_E_INVALID_ARGUMENTS);
  char unknown[] = "+4930123456";
  RIL_Dial dial_unknown{unknown, 0, nullptr};
  EXPECT_EQ(Request(RIL_REQUEST_DIAL, &dial_unknown, sizeof dial_unknown).error, RIL_E_GENERIC_FAILURE);
  Completion cause = Request(RIL_REQUEST_LAST_CALL_FAIL_CAUSE);
  ASSERT_EQ(cause.raw.size(), sizeof(int));
  int c = 0;
  std::memcpy(&c, cause.raw.data(), sizeof c);
  EXPECT_EQ(c, 1);  // unassigned number
  char garbage[] = "ZZ11";
  char* args[2] = {nullptr, garbage};
  EXPECT_EQ(Request(RIL_REQUEST_SEND_SMS, args, sizeof args).error, RIL_E_INVALID_ARGUMENTS);
  char bad_pdu[] = "0011";
  char* args2[2] = {nullptr, bad_pdu};
  EXPECT_EQ(Request(RIL_REQUEST_SEND_SMS, args2, sizeof args2).error, RIL_E_GENERIC_FAILURE);
  EXPECT_EQ(Request(9999).error, RIL_E_REQUEST_NOT_SUPPORTED);
  EXPECT_EQ(Request(RIL_REQUEST_RADIO_POWER, &on, sizeof on).error, RIL_E_SUCCESS);
}

}  // namespace
}  // namespace vmi::guest
