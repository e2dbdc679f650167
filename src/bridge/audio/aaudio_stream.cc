#include "bridge/audio/aaudio_stream.h"

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <vector>

namespace vmi::bridge::audio {
namespace {

constexpr int32_t kDefaultRate = 48000;
constexpr int32_t kDefaultChannels = 2;
constexpr int32_t kMaxChannels = 8;

bool AlsaFormat(int32_t format, snd_pcm_format_t* out) {
  switch (format) {
    case 0:
    case kFormatI16:
      *out = SND_PCM_FORMAT_S16_LE;
      return true;
    case kFormatFloat:
      *out = SND_PCM_FORMAT_FLOAT_LE;
      return true;
    case kFormatI24Packed:
      *out = SND_PCM_FORMAT_S24_3LE;
      return true;
    case kFormatI32:
      *out = SND_PCM_FORMAT_S32_LE;
      return true;
    default:
      return false;
  }
}

// AAudio timeouts are nanoseconds; 0 means "do not wait".
int TimeoutMs(int64_t timeout_ns) {
  if (timeout_ns <= 0) return 0;
  const int64_t ms = (timeout_ns + 999999) / 1000000;
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

}  // namespace

int32_t AAudioStream::Open(const StreamParams& p, AAudioStream** out) {
  if (out == nullptr) return kAAudioErrorNull;
  *out = nullptr;
  PcmConfig c;
  if (!AlsaFormat(p.format, &c.format)) return kAAudioErrorInvalidFormat;
  if (p.sample_rate < 0 ||
      (p.sample_rate != 0 && (p.sample_rate < 8000 || p.sample_rate > 192000))) {
    return kAAudioErrorInvalidRate;
  }
  if (p.channel_count < 0 || p.channel_count > kMaxChannels) return kAAudioErrorOutOfRange;
  if (p.direction != kDirectionOutput && p.direction != kDirectionInput)
    return kAAudioErrorIllegalArgument;
  c.capture = p.direction == kDirectionInput;
  c.rate = static_cast<uint32_t>(p.sample_rate != 0 ? p.sample_rate : kDefaultRate);
  c.channels = static_cast<uint32_t>(p.channel_count != 0 ? p.channel_count : kDefaultChannels);
  // A burst of 10 ms (or the callback size asked for), four of them buffered.
  c.period_frames =
      p.frames_per_callback > 0 ? static_cast<uint32_t>(p.frames_per_callback) : c.rate / 100;
  c.buffer_frames =
      p.buffer_capacity > 0 ? static_cast<uint32_t>(p.buffer_capacity) : c.period_frames * 4;
  auto pcm = AlsaPcm::Open(AlsaPcm::DeviceName(c.capture), &c);
  if (!pcm.ok()) return kAAudioErrorUnavailable;
  StreamParams actual = p;
  actual.sample_rate = static_cast<int32_t>(c.rate);
  actual.channel_count = static_cast<int32_t>(c.channels);
  actual.format = p.format != 0 ? p.format : kFormatI16;
  actual.sharing_mode = 1;  // SHARED
  *out = new AAudioStream(actual, c, std::move(*pcm));
  return kAAudioOk;
}

AAudioStream::AAudioStream(const StreamParams& p, const PcmConfig& c, std::unique_ptr<AlsaPcm> pcm)
    : params_(p),
      config_(c),
      pcm_(std::move(pcm)),
      frame_bytes_(static_cast<uint32_t>(snd_pcm_format_physical_width(c.format) / 8 * c.channels)),
      buffer_size_(static_cast<int32_t>(c.buffer_frames)) {}

AAudioStream::~AAudioStream() {
  run_callbacks_ = false;
  JoinCallbackThread();
  pcm_->Drop();
}

void AAudioStream::SetState(int32_t s) {
  state_ = s;
  changed_.notify_all();
}

void AAudioStream::JoinCallbackThread() {
  if (callback_thread_.joinable() && callback_thread_.get_id() != std::this_thread::get_id())
    callback_thread_.join();
}

int32_t AAudioStream::State() {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

int32_t AAudioStream::RequestStart() {
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ == kStateDisconnected) return kAAudioErrorDisconnected;
  if (state_ == kStateStarted) return kAAudioOk;
  lock.unlock();
  JoinCallbackThread();  // a callback that returned STOP has ended its thread
  lock.lock();
  SetState(kStateStarted);
  if (params_.data_callback != nullptr) {
    run_callbacks_ = true;
    callback_thread_ = std::thread([this] { CallbackLoop(); });
  }
  return kAAudioOk;
}

int32_t AAudioStream::RequestPause() {
  if (params_.direction == kDirectionInput) return kAAudioErrorUnimplemented;
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ != kStateStarted) return kAAudioErrorInvalidState;
  run_callbacks_ = false;
  lock.unlock();
  JoinCallbackThread();
  lock.lock();
  SetState(kStatePaused);
  return kAAudioOk;
}

int32_t AAudioStream::RequestFlush() {
  if (params_.direction == kDirectionInput) return kAAudioErrorUnimplemented;
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != kStatePaused && state_ != kStateStopped && state_ != kStateOpen &&
      state_ != kStateFlushed) {
    return kAAudioErrorInvalidState;
  }
  pcm_->Drop();
  SetState(kStateFlushed);
  return kAAudioOk;
}

int32_t AAudioStream::RequestStop() {
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ == kStateDisconnected) return kAAudioErrorDisconnected;
  run_callbacks_ = false;
  lock.unlock();
  JoinCallbackThread();
  lock.lock();
  if (state_ == kStateStarted || state_ == kStatePaused) {
    // Output plays out what was written, as AAudio's stop does.
    if (params_.direction == kDirectionOutput)
      pcm_->Drain();
    else
      pcm_->Drop();
  }
  SetState(kStateStopped);
  return kAAudioOk;
}

int32_t AAudioStream::WaitForStateChange(int32_t input, int32_t* next, int64_t timeout_ns) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool changed =
      changed_.wait_for(lock, std::chrono::nanoseconds(timeout_ns > 0 ? timeout_ns : 0),
                        [&] { return state_ != input; });
  if (next != nullptr) *next = state_;
  return changed ? kAAudioOk : kAAudioErrorTimeout;
}

int32_t AAudioStream::Write(const void* data, int32_t frames, int64_t timeout_ns) {
  if (params_.direction != kDirectionOutput || frames < 0 || (data == nullptr && frames > 0)) {
    return kAAudioErrorIllegalArgument;
  }
  if (params_.data_callback != nullptr) return kAAudioErrorInvalidState;
  if (State() == kStateDisconnected) return kAAudioErrorDisconnected;
  int32_t xruns = 0;
  const long n = pcm_->Write(data, frames, TimeoutMs(timeout_ns), &xruns);
  xruns_ += xruns;
  if (n < 0) return kAAudioErrorDisconnected;
  frames_written_ += n;
  return static_cast<int32_t>(n);
}

int32_t AAudioStream::Read(void* data, int32_t frames, int64_t timeout_ns) {
  if (params_.direction != kDirectionInput || frames < 0 || (data == nullptr && frames > 0)) {
    return kAAudioErrorIllegalArgument;
  }
  if (params_.data_callback != nullptr) return kAAudioErrorInvalidState;
  if (State() != kStateStarted) return kAAudioErrorInvalidState;
  int32_t xruns = 0;
  const long n = pcm_->Read(data, frames, TimeoutMs(timeout_ns), &xruns);
  xruns_ += xruns;
  if (n < 0) return kAAudioErrorDisconnected;
  frames_read_ += n;
  return static_cast<int32_t>(n);
}

int32_t AAudioStream::SetBufferSize(int32_t frames) {
  // ALSA's buffer is fixed once configured; the size in use is reported
  // within [one burst, capacity] as AAudio clamps it.
  const int32_t burst = frames_per_burst();
  buffer_size_ = frames < burst ? burst : frames > buffer_capacity() ? buffer_capacity() : frames;
  return buffer_size_;
}

int32_t AAudioStream::GetTimestamp(int32_t clock_id, int64_t* frame_position, int64_t* time_ns) {
  if (frame_position == nullptr || time_ns == nullptr) return kAAudioErrorNull;
  if (State() != kStateStarted) return kAAudioErrorInvalidState;
  const long delay = pcm_->Delay();
  *frame_position = params_.direction == kDirectionOutput ? frames_written_.load() - delay
                                                          : frames_read_.load() + delay;
  timespec ts;
  if (clock_gettime(clock_id, &ts) != 0) return kAAudioErrorIllegalArgument;
  *time_ns = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  return kAAudioOk;
}

void AAudioStream::CallbackLoop() {
  pthread_setname_np(pthread_self(), "aaudio-cb");
  const int32_t frames =
      params_.frames_per_callback > 0 ? params_.frames_per_callback : frames_per_burst();
  std::vector<uint8_t> buffer(size_t(frames) * frame_bytes_);
  const bool output = params_.direction == kDirectionOutput;
  while (run_callbacks_) {
    int32_t xruns = 0;
    if (!output) {
      const long n = pcm_->Read(buffer.data(), frames, -1, &xruns);
      if (n < 0) break;
      frames_read_ += n;
    }
    const int32_t result = params_.data_callback(this, params_.data_user, buffer.data(), frames);
    if (output && result == kCallbackContinue) {
      const long n = pcm_->Write(buffer.data(), frames, -1, &xruns);
      if (n < 0) break;
      frames_written_ += n;
    }
    xruns_ += xruns;
    if (result != kCallbackContinue) {
      // STOP: the stream stops by itself, playing out what it has.
      run_callbacks_ = false;
      if (output) pcm_->Drain();
      std::lock_guard<std::mutex> lock(mu_);
      SetState(kStateStopped);
      return;
    }
  }
  if (!run_callbacks_) return;  // stopped or paused from outside
  // The device failed under us.
  run_callbacks_ = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SetState(kStateDisconnected);
  }
  if (params_.error_callback != nullptr)
    params_.error_callback(this, params_.error_user, kAAudioErrorDisconnected);
}

const char* ResultText(int32_t r) {
  switch (r) {
    case kAAudioOk:
      return "AAUDIO_OK";
    case kAAudioErrorDisconnected:
      return "AAUDIO_ERROR_DISCONNECTED";
    case kAAudioErrorIllegalArgument:
      return "AAUDIO_ERROR_ILLEGAL_ARGUMENT";
    case kAAudioErrorInternal:
      return "AAUDIO_ERROR_INTERNAL";
    case kAAudioErrorInvalidState:
      return "AAUDIO_ERROR_INVALID_STATE";
    case kAAudioErrorUnimplemented:
      return "AAUDIO_ERROR_UNIMPLEMENTED";
    case kAAudioErrorUnavailable:
      return "AAUDIO_ERROR_UNAVAILABLE";
    case kAAudioErrorNull:
      return "AAUDIO_ERROR_NULL";
    case kAAudioErrorTimeout:
      return "AAUDIO_ERROR_TIMEOUT";
    case kAAudioErrorInvalidFormat:
      return "AAUDIO_ERROR_INVALID_FORMAT";
    case kAAudioErrorOutOfRange:
      return "AAUDIO_ERROR_OUT_OF_RANGE";
    case kAAudioErrorInvalidRate:
      return "AAUDIO_ERROR_INVALID_RATE";
    default:
      return "Unrecognized AAudio error.";
  }
}

const char* StateText(int32_t s) {
  switch (s) {
    case kStateUninitialized:
      return "AAUDIO_STREAM_STATE_UNINITIALIZED";
    case kStateOpen:
      return "AAUDIO_STREAM_STATE_OPEN";
    case kStateStarted:
      return "AAUDIO_STREAM_STATE_STARTED";
    case kStatePaused:
      return "AAUDIO_STREAM_STATE_PAUSED";
    case kStateFlushed:
      return "AAUDIO_STREAM_STATE_FLUSHED";
    case kStateStopped:
      return "AAUDIO_STREAM_STATE_STOPPED";
    case kStateClosed:
      return "AAUDIO_STREAM_STATE_CLOSED";
    case kStateDisconnected:
      return "AAUDIO_STREAM_STATE_DISCONNECTED";
    default:
      return "Unrecognized AAudio state.";
  }
}

}  // namespace vmi::bridge::audio
