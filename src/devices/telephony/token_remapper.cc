#include "devices/telephony/token_remapper.h"

namespace vmi::telephony {

uint64_t TokenRemapper::Issue(const std::string& client, uint64_t client_token, int request) {
  uint64_t token = client_token;
  bool dummy = by_modem_token_.count(token) > 0;
  if (dummy) {
    while (by_modem_token_.count(next_dummy_)) --next_dummy_;
    token = next_dummy_--;
  }
  by_modem_token_[token] = Pending{client, client_token, request, dummy};
  return token;
}

std::optional<TokenRemapper::Pending> TokenRemapper::Complete(uint64_t modem_token) {
  auto it = by_modem_token_.find(modem_token);
  if (it == by_modem_token_.end()) return std::nullopt;
  Pending p = std::move(it->second);
  by_modem_token_.erase(it);
  if (p.client.empty()) return std::nullopt;  // its client was dropped
  return p;
}

std::vector<uint64_t> TokenRemapper::InFlight() const {
  std::vector<uint64_t> out;
  for (const auto& [token, p] : by_modem_token_) out.push_back(token);
  return out;
}

size_t TokenRemapper::DropClient(const std::string& client) {
  // The entries stay (the modem will still answer them, and their tokens
  // must not be reused before it does) but lose their owner.
  size_t n = 0;
  for (auto& [token, p] : by_modem_token_) {
    if (p.client != client) continue;
    p.client.clear();
    ++n;
  }
  return n;
}

}  // namespace vmi::telephony
