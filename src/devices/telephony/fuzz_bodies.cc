#include "devices/telephony/fuzz_bodies.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "devices/telephony/at_modem.h"
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

}  // namespace vmi::telephony
