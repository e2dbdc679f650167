#include "node/live/viewer_limits.h"

namespace vmi::node::live {

void ViewerLimits::Ticket::Release() {
  if (!released_.exchange(true)) limits_->Release(instance_, user_);
}

Result<std::shared_ptr<ViewerLimits::Ticket>> ViewerLimits::Acquire(const std::string& instance,
                                                                     int64_t user) {
  std::lock_guard lock(mu_);
  auto i = by_instance_.find(instance);
  if (i != by_instance_.end() && i->second >= per_instance_) {
    refused_instance_.fetch_add(1);
    return Error(ErrorCode::kResourceExhausted,
                 "too many viewers of this instance (at most " + std::to_string(per_instance_) +
                     ")");
  }
  auto u = by_user_.find(user);
  if (u != by_user_.end() && u->second >= per_user_) {
    refused_user_.fetch_add(1);
    return Error(ErrorCode::kResourceExhausted,
                 "too many live viewers for this user (at most " + std::to_string(per_user_) + ")");
  }
  ++by_instance_[instance];
  ++by_user_[user];
  return std::make_shared<Ticket>(this, instance, user);
}

void ViewerLimits::Release(const std::string& instance, int64_t user) {
  std::lock_guard lock(mu_);
  if (auto i = by_instance_.find(instance); i != by_instance_.end() && --i->second <= 0)
    by_instance_.erase(i);
  if (auto u = by_user_.find(user); u != by_user_.end() && --u->second <= 0) by_user_.erase(u);
}

}  // namespace vmi::node::live
