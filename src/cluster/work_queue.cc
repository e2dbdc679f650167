#include "cluster/work_queue.h"

#include <algorithm>

namespace vmi::cluster {

std::chrono::milliseconds WorkQueue::RetryDelay(int failures) {
  int64_t ms = 50;
  for (int i = 0; i < failures && ms < 30000; ++i) ms *= 2;
  return std::chrono::milliseconds(std::min<int64_t>(ms, 30000));
}

void WorkQueue::AddLocked(const std::string& name) {
  if (shut_down_ || dirty_.count(name)) return;
  dirty_.insert(name);
  if (processing_.count(name)) return;  // queued again by Done
  queue_.push_back(name);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& name) {
  std::lock_guard lock(mu_);
  AddLocked(name);
}

void WorkQueue::AddAfter(const std::string& name, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  if (shut_down_) return;
  delayed_.emplace(Clock::now() + delay, name);
  cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& name) {
  std::chrono::milliseconds d;
  {
    std::lock_guard lock(mu_);
    d = RetryDelay(failures_[name]++);
  }
  AddAfter(name, d);
}

void WorkQueue::Forget(const std::string& name) {
  std::lock_guard lock(mu_);
  failures_.erase(name);
}

int WorkQueue::Failures(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(name);
  return it == failures_.end() ? 0 : it->second;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shut_down_) return std::nullopt;
    auto now = Clock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      std::string n = delayed_.begin()->second;
      delayed_.erase(delayed_.begin());
      AddLocked(n);
    }
    if (!queue_.empty()) {
      std::string n = queue_.front();
      queue_.pop_front();
      dirty_.erase(n);
      processing_.insert(n);
      return n;
    }
    if (delayed_.empty()) cv_.wait(lock);
    else cv_.wait_until(lock, delayed_.begin()->first);
  }
}

void WorkQueue::Done(const std::string& name) {
  std::lock_guard lock(mu_);
  processing_.erase(name);
  if (dirty_.count(name)) {
    queue_.push_back(name);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  cv_.notify_all();
}

size_t WorkQueue::Length() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace vmi::cluster
