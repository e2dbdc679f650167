// Looper: libandroid.so's ALooper, an epoll event loop per thread with the
// semantics of Android's Looper (system/core/libutils, as documented in the
// NDK's <android/looper.h>): file descriptors registered with an identifier
// are reported by PollOnce (non-callback mode), those registered with a
// callback have it invoked inside PollOnce; Wake interrupts a poll from any
// thread through an eventfd.
//
// Lifetime: reference-counted (ALooper_acquire/release); the thread's own
// reference is dropped when the thread exits. Threads: PollOnce/PollAll run
// on the looper's thread; AddFd, RemoveFd and Wake may be called from any
// thread. Callbacks run on the polling thread without the lock held, so they
// may call AddFd/RemoveFd themselves.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "base/unique_fd.h"

namespace vmi::bridge::android {

// <android/looper.h> values.
constexpr int kPollWake = -1;
constexpr int kPollCallback = -2;
constexpr int kPollTimeout = -3;
constexpr int kPollError = -4;
constexpr int kEventInput = 1;
constexpr int kEventOutput = 2;
constexpr int kEventError = 4;
constexpr int kEventHangup = 8;
constexpr int kPrepareAllowNonCallbacks = 1;

using LooperCallback = int (*)(int fd, int events, void* data);

class Looper {
 public:
  // The calling thread's looper, or nullptr (ALooper_forThread).
  static Looper* ForThread();
  // The calling thread's looper, created when it has none (ALooper_prepare);
  // nullptr when the kernel refuses an epoll or eventfd.
  static Looper* Prepare(int opts);

  void Acquire() { refs_.fetch_add(1); }
  void Release();

  // ALooper_pollOnce: an identifier >= 0 of a ready non-callback fd (with
  // its fd, events and data), or kPollWake/kPollCallback/kPollTimeout/kPollError.
  int PollOnce(int timeout_ms, int* out_fd, int* out_events, void** out_data);
  // ALooper_pollAll: like PollOnce but goes on polling after callbacks until
  // something else happens or the timeout has passed.
  int PollAll(int timeout_ms, int* out_fd, int* out_events, void** out_data);
  void Wake();
  // 1 when added or replaced, -1 on error (a null callback without
  // kPrepareAllowNonCallbacks, a negative ident, a bad fd).
  int AddFd(int fd, int ident, int events, LooperCallback callback, void* data);
  // 1 when removed, 0 when `fd` was not registered.
  int RemoveFd(int fd);

 private:
  struct Request {
    int fd, ident, events;
    LooperCallback callback;
    void* data;
    uint64_t seq;
  };
  struct Response {
    int events;
    Request request;
  };

  Looper(UniqueFd epoll, UniqueFd wake, bool allow_non_callbacks);
  int PollInner(int timeout_ms);
  // Removes `fd` only if it is still the registration `seq` (a callback may
  // have re-added it meanwhile).
  void RemoveIfSame(int fd, uint64_t seq);

  UniqueFd epoll_;
  UniqueFd wake_;
  const bool allow_non_callbacks_;
  std::atomic<int> refs_{1};
  std::mutex mu_;
  std::map<int, Request> requests_;  // by fd
  uint64_t next_seq_ = 1;
  // Filled by PollInner, consumed by PollOnce (polling thread only).
  std::vector<Response> responses_;
  size_t response_index_ = 0;
};

}  // namespace vmi::bridge::android
