// AAudioStream of libaaudio.so on an ALSA device (alsa_pcm.h), with the
// NDK's semantics: a builder's parameters (0 = "unspecified": 48000 Hz,
// stereo, 16-bit), blocking or non-blocking read/write, or a data callback
// that a dedicated thread ("aaudio-cb") drives one burst at a time, the
// state machine (OPEN, STARTED, PAUSED, FLUSHED, STOPPED, CLOSED,
// DISCONNECTED) with waitForStateChange, frame counters and timestamps.
// Transitions complete before request* returns (the transient STARTING,
// PAUSING, ... states are never observed). EXCLUSIVE sharing is granted as
// SHARED, as Android does when it cannot give exclusive access; MMAP is
// never used.
//
// Threads: the callback thread is the only one touching the device while
// it runs; request* calls and getters may come from any thread (one mutex);
// the data callback must not call request* itself except requestStop,
// which it may (as on Android) only by returning STOP.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "bridge/audio/alsa_pcm.h"

namespace vmi::bridge::audio {

// <aaudio/AAudio.h> values.
constexpr int32_t kAAudioOk = 0;
constexpr int32_t kAAudioErrorDisconnected = -899;
constexpr int32_t kAAudioErrorIllegalArgument = -898;
constexpr int32_t kAAudioErrorInternal = -896;
constexpr int32_t kAAudioErrorInvalidState = -895;
constexpr int32_t kAAudioErrorUnimplemented = -890;
constexpr int32_t kAAudioErrorUnavailable = -889;
constexpr int32_t kAAudioErrorNull = -886;
constexpr int32_t kAAudioErrorTimeout = -885;
constexpr int32_t kAAudioErrorInvalidFormat = -883;
constexpr int32_t kAAudioErrorOutOfRange = -882;
constexpr int32_t kAAudioErrorInvalidRate = -880;

enum AAudioState : int32_t {
  kStateUninitialized = 0,
  kStateOpen = 2,
  kStateStarted = 4,
  kStatePaused = 6,
  kStateFlushed = 8,
  kStateStopped = 10,
  kStateClosed = 12,
  kStateDisconnected = 13,
};

constexpr int32_t kDirectionOutput = 0;
constexpr int32_t kDirectionInput = 1;
constexpr int32_t kFormatI16 = 1;
constexpr int32_t kFormatFloat = 2;
constexpr int32_t kFormatI24Packed = 3;
constexpr int32_t kFormatI32 = 4;
constexpr int32_t kCallbackContinue = 0;
constexpr int32_t kCallbackStop = 1;

class AAudioStream;
using DataCallback = int32_t (*)(AAudioStream* stream, void* user, void* data, int32_t frames);
using ErrorCallback = void (*)(AAudioStream* stream, void* user, int32_t error);

// AAudioStreamBuilder: plain parameters.
struct StreamParams {
  int32_t device_id = 0, sample_rate = 0, channel_count = 0, format = 0,
          direction = kDirectionOutput;
  int32_t sharing_mode = 1 /* SHARED */, performance_mode = 10 /* NONE */;
  int32_t buffer_capacity = 0, frames_per_callback = 0;
  int32_t usage = 1, content_type = 2, input_preset = 6, session_id = -1, capture_policy = 1;
  DataCallback data_callback = nullptr;
  void* data_user = nullptr;
  ErrorCallback error_callback = nullptr;
  void* error_user = nullptr;
};

class AAudioStream {
 public:
  // AAudioStreamBuilder_openStream: AAUDIO_OK and a stream, or an error
  // (INVALID_FORMAT, INVALID_RATE, ILLEGAL_ARGUMENT, UNAVAILABLE).
  static int32_t Open(const StreamParams& params, AAudioStream** out);
  ~AAudioStream();

  int32_t RequestStart();
  int32_t RequestPause();
  int32_t RequestFlush();
  int32_t RequestStop();
  int32_t State();
  int32_t WaitForStateChange(int32_t input, int32_t* next, int64_t timeout_ns);
  // Frames moved, or an AAudio error.
  int32_t Write(const void* data, int32_t frames, int64_t timeout_ns);
  int32_t Read(void* data, int32_t frames, int64_t timeout_ns);
  int32_t GetTimestamp(int32_t clock_id, int64_t* frame_position, int64_t* time_ns);

  const StreamParams& params() const { return params_; }
  int32_t frames_per_burst() const { return static_cast<int32_t>(config_.period_frames); }
  int32_t buffer_capacity() const { return static_cast<int32_t>(config_.buffer_frames); }
  int32_t buffer_size() const { return buffer_size_; }
  int32_t SetBufferSize(int32_t frames);
  int32_t xruns() const { return xruns_.load(); }
  int64_t frames_written() const { return frames_written_.load(); }
  int64_t frames_read() const { return frames_read_.load(); }

 private:
  AAudioStream(const StreamParams& p, const PcmConfig& c, std::unique_ptr<AlsaPcm> pcm);
  void SetState(int32_t s);  // with mu_ held
  void CallbackLoop();
  void JoinCallbackThread();

  StreamParams params_;
  PcmConfig config_;
  std::unique_ptr<AlsaPcm> pcm_;
  uint32_t frame_bytes_;
  int32_t buffer_size_;
  std::mutex mu_;
  std::condition_variable changed_;
  int32_t state_ = kStateOpen;
  std::thread callback_thread_;
  std::atomic<bool> run_callbacks_{false};
  std::atomic<int32_t> xruns_{0};
  std::atomic<int64_t> frames_written_{0}, frames_read_{0};
};

const char* ResultText(int32_t result);
const char* StateText(int32_t state);

}  // namespace vmi::bridge::audio
