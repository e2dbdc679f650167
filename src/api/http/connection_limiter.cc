#include "api/http/connection_limiter.h"

namespace vmi::api {

std::shared_ptr<ConnectionLimiter::Slot> ConnectionLimiter::TryAcquire(const std::string& client,
                                                                      Refusal* why) {
  {
    std::lock_guard lock(mu_);
    if (max_total_ > 0 && open_ >= max_total_) {
      refused_total_.fetch_add(1);
      *why = Refusal::kTotal;
      return nullptr;
    }
    int& mine = per_client_[client];
    if (max_per_client_ > 0 && mine >= max_per_client_) {
      refused_per_client_.fetch_add(1);
      *why = Refusal::kPerClient;
      return nullptr;
    }
    ++mine;
    ++open_;
  }
  *why = Refusal::kNone;
  return std::make_shared<Slot>(shared_from_this(), client);
}

void ConnectionLimiter::Release(const std::string& client) {
  std::lock_guard lock(mu_);
  --open_;
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

ConnectionStats ConnectionLimiter::stats() const {
  ConnectionStats s;
  {
    std::lock_guard lock(mu_);
    s.open = static_cast<uint64_t>(open_);
  }
  s.refused_total = refused_total_.load();
  s.refused_per_client = refused_per_client_.load();
  s.header_timeouts = header_timeouts_.load();
  return s;
}

}  // namespace vmi::api
