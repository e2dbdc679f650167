#include "devices/telephony/fuzz_bodies.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/event_loop.h"
#include "base/temp_dir.h"
#include "devices/telephony/at_modem.h"
#include "devices/telephony/line_server.h"
#include "devices/telephony/line_wire.h"
#include "devices/telephony/message_journal.h"
#include "devices/telephony/modem_line.h"
#include "devices/telephony/network.h"
#include "devices/telephony/sms_pdu.h"

namespace vmi::telephony {

void FuzzAtModem(const uint8_t* data, size_t size) {
  auto journal = MessageJournal::Open("");
  auto net = Network::Create({}, journal->get(), [](const std::string&, const nlohmann::json&) {});
  (void)(*net)->AddLine("a", "+15550100001");
  (void)(*net)->AddLine("b", "+15550100002");
  size_t out_a = 0, out_b = 0;
  LocalLine line_a(net->get(), "a"), line_b(net->get(), "b");
  AtModem b(&line_b, [&](std::string_view s) { out_b += s.size(); });
  {
    AtModem a(&line_a, [&](std::string_view s) { out_a += s.size(); });
    // Split the input in two writes so state carried across reads is hit.
    size_t half = size / 2;
    a.Feed(std::string_view(reinterpret_cast<const char*>(data), half));
    a.Tick();
    a.Feed(std::string_view(reinterpret_cast<const char*>(data) + half, size - half));
  }
  b.Feed("AT+CMGL=4\r");
}

void FuzzSmsPdu(const uint8_t* data, size_t size) {
  Bytes pdu(data, data + size);
  auto submit = DecodeSubmit(pdu);
  if (submit.ok()) {
    auto again = DecodeSubmit(EncodeSubmit(*submit));
    // Text that decoded once must survive our own encoding (8-bit data is
    // carried as bytes, GSM text may gain nothing and lose nothing).
    if (!again.ok() || (submit->ud.coding != Coding::k8Bit && again->ud.text != submit->ud.text)) {
      fprintf(stderr, "round trip lost text of %s\n", ToHex(pdu).c_str());
      std::abort();
    }
  }
  auto deliver = DecodeDeliver(pdu);
  if (deliver.ok()) (void)EncodeDeliver(*deliver);
  std::string text(reinterpret_cast<const char*>(data), size);
  for (const UserData& part : SplitText(text, 7)) {
    SmsSubmit s{1, "+15550100002", false, part};
    if (!DecodeSubmit(EncodeSubmit(s)).ok()) {
      fprintf(stderr, "own part does not decode: %s\n", ToHex(EncodeSubmit(s)).c_str());
      std::abort();
    }
  }
}

namespace {

// One conversation with a fresh LineServer: writes `input`, then half-closes;
// returns what the server answered once it closed the connection.
std::string TalkToLineServer(const std::string& socket_path, const std::string& input) {
  auto loop = EventLoop::Create();
  auto journal = MessageJournal::Open("");
  auto net = Network::Create({}, journal->get(), [](const std::string&, const nlohmann::json&) {});
  (void)(*net)->AddLine("a", "+15550100001");
  (void)(*net)->AddLine("b", "+15550100002");
  // b rings a, so that call ops and events have a call to act on (a's
  // hello takes a's line over from this stand-in modem).
  struct Quiet : LineObserver {
    void OnIncomingCall(const CallView&) override {}
    void OnCallChanged(const CallView&) override {}
    void OnCallEnded(const CallView&, Cause) override {}
    void OnSmsStored(int) override {}
  } quiet;
  LocalLine line_a(net->get(), "a"), line_b(net->get(), "b");
  line_a.SetObserver(&quiet);
  line_b.SetObserver(&quiet);
  if (!(*net)->Dial("b", "+15550100001").ok()) std::abort();
  auto server = LineServer::Create(loop->get(), net->get(), socket_path);
  if (!server.ok()) {
    fprintf(stderr, "line server: %s\n", server.error().ToString().c_str());
    std::abort();
  }
  UniqueFd c(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  if (connect(c.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
  std::string out;
  size_t sent = 0;
  bool half_closed = false;
  for (int round = 0; round < 100000; ++round) {
    if (sent < input.size()) {
      ssize_t n = send(c.get(), input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
    } else if (!half_closed) {
      shutdown(c.get(), SHUT_WR);
      half_closed = true;
    }
    (void)(*loop)->RunOnce(0);
    char buf[8192];
    ssize_t n = read(c.get(), buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    if (n == 0) return out;  // the server closed: all said
  }
  fprintf(stderr, "the line server never closed the connection\n");
  std::abort();
}

}  // namespace

void FuzzLineSocket(const uint8_t* data, size_t size) {
  static TempDir dir = TempDir::MustCreate("vmi-line-fuzz");
  const std::string path = dir.path() + "/line.sock";
  std::string input(reinterpret_cast<const char*>(data), size);
  for (const std::string& conversation :
       {input, std::string(R"({"id":0,"op":"hello","instance":"a"})") + "\n" + input}) {
    std::string replies = TalkToLineServer(path, conversation);
    size_t at = 0, nl;
    while ((nl = replies.find('\n', at)) != std::string::npos) {
      auto j = nlohmann::json::parse(replies.substr(at, nl - at), nullptr, /*allow_exceptions=*/false);
      if (!j.is_object() || (!j.contains("ok") && !j.contains("event"))) {
        fprintf(stderr, "not a reply or event: %s\n", replies.substr(at, nl - at).c_str());
        std::abort();
      }
      at = nl + 1;
    }
    if (at != replies.size()) {
      fprintf(stderr, "unterminated reply: %s\n", replies.substr(at).c_str());
      std::abort();
    }
  }
  // The device host's side: each line as an event from the network.
  size_t at = 0, nl;
  while ((nl = input.find('\n', at)) != std::string::npos || at < input.size()) {
    if (nl == std::string::npos) nl = input.size();
    auto j = nlohmann::json::parse(input.substr(at, nl - at), nullptr, /*allow_exceptions=*/false);
    at = nl + 1;
    if (!j.is_object()) continue;
    for (const char* k : {"call", "result"}) {
      if (!j.contains(k)) continue;
      if (auto call = CallViewFromJson(j[k]); call.ok()) (void)CallViewToJson(*call);
      if (auto s = SettingsFromJson(j[k]); s.ok()) (void)SettingsToJson(*s);
      if (auto m = MessageFromJson(j[k]); m.ok()) (void)MessageToJson(*m);
    }
  }
}

}  // namespace vmi::telephony
