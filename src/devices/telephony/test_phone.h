// Test helpers: a network in memory (or on a journal file) and modems whose
// output is collected, for the telephony unit tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "devices/telephony/at_modem.h"
#include "devices/telephony/message_journal.h"
#include "devices/telephony/modem_line.h"
#include "devices/telephony/network.h"

namespace vmi::telephony::testing {

struct TestNetwork {
  explicit TestNetwork(const std::string& journal_path = "", NetworkOptions options = {}) {
    journal = std::move(*MessageJournal::Open(journal_path));
    net = std::move(*Network::Create(options, journal.get(),
                                     [this](const std::string& i, const nlohmann::json& e) {
                                       events.push_back(i + " " + e["type"].get<std::string>());
                                     }));
  }
  std::unique_ptr<MessageJournal> journal;
  std::unique_ptr<Network> net;
  std::vector<std::string> events;
};

// A modem whose output accumulates in `out`; Say() sends a line and
// returns what the modem answered to it.
struct TestModem {
  TestModem(const std::string& instance, Network* net)
      : line(net, instance), modem(&line, [this](std::string_view s) { out.append(s); }) {}
  std::string Say(const std::string& line) {
    out.clear();
    modem.Feed(line + "\r");
    return std::exchange(out, {});
  }
  std::string Take() { return std::exchange(out, {}); }
  std::string out;
  LocalLine line;
  AtModem modem;
};

}  // namespace vmi::telephony::testing
