// The OpenSL ES audio player for buffer-queue sources (SLDataLocator_
// BufferQueue / _AndroidSimpleBufferQueue into an output mix), with the
// SLPlayItf, SLBufferQueueItf / SLAndroidSimpleBufferQueueItf and
// SLVolumeItf interfaces, on the host's ALSA device (alsa_pcm.h).
//
// Threads: each realized player has one thread ("sl-player") that alone
// touches the device: while PLAYING it writes the buffer at the head of the
// queue, then removes it and calls the buffer-queue callback (unlocked, so
// the callback may Enqueue, as apps do). Interface calls come from any
// thread and take the player's mutex; the callback must not Destroy the
// player (as on Android).
#include <pthread.h>

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bridge/audio/alsa_pcm.h"
#include "bridge/audio/opensles.h"

namespace vmi::bridge::audio::sl {
namespace {

constexpr SLmillibel kMinLevel = -9600;  // SL_MILLIBEL_MIN is far lower; quieter is silence anyway

struct Player {
  SlObject base;
  const PlayItf* play_itf;
  const BufferQueueItf* queue_itf;
  const VolumeItf* volume_itf;

  PcmConfig config;
  bool is_float = false;
  uint32_t frame_bytes = 0;
  SLuint32 num_buffers = 0;
  std::unique_ptr<AlsaPcm> pcm;
  std::thread thread;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<const void*, SLuint32>> queue;
  uint64_t generation = 0;  // bumped by Clear: an in-flight buffer is then not popped
  uint64_t index = 0;       // buffers played
  uint64_t frames_played = 0;
  SLuint32 play_state = kPlayStateStopped;
  bool drop_pending = false;
  bool quit = false;
  BufferQueueCallback callback = nullptr;
  void* context = nullptr;
  SLmillibel level = 0;
  bool mute = false;
};

Player* FromPlay(SLPlayItf self) {
  return reinterpret_cast<Player*>(reinterpret_cast<char*>(const_cast<const PlayItf**>(self)) -
                                   offsetof(Player, play_itf));
}
Player* FromQueue(SLBufferQueueItf self) {
  return reinterpret_cast<Player*>(
      reinterpret_cast<char*>(const_cast<const BufferQueueItf**>(self)) -
      offsetof(Player, queue_itf));
}
Player* FromVolume(SLVolumeItf self) {
  return reinterpret_cast<Player*>(reinterpret_cast<char*>(const_cast<const VolumeItf**>(self)) -
                                   offsetof(Player, volume_itf));
}

// Applies the volume to a copy of the buffer (the app keeps its own).
const void* Scaled(Player* p, const void* data, SLuint32 size, SLmillibel level, bool mute,
                   std::vector<uint8_t>* tmp) {
  if (level == 0 && !mute) return data;
  tmp->assign(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + size);
  const double gain = mute ? 0.0 : std::pow(10.0, level / 2000.0);
  if (p->is_float) {
    auto* f = reinterpret_cast<float*>(tmp->data());
    for (size_t i = 0; i < size / 4; ++i) f[i] = static_cast<float>(f[i] * gain);
  } else {
    auto* s = reinterpret_cast<int16_t*>(tmp->data());
    for (size_t i = 0; i < size / 2; ++i) s[i] = static_cast<int16_t>(std::lround(s[i] * gain));
  }
  return tmp->data();
}

void PlayerLoop(Player* p) {
  pthread_setname_np(pthread_self(), "sl-player");
  std::vector<uint8_t> tmp;
  std::unique_lock<std::mutex> lock(p->mu);
  for (;;) {
    p->cv.wait(lock, [&] {
      return p->quit || p->drop_pending ||
             (p->play_state == kPlayStatePlaying && !p->queue.empty());
    });
    if (p->quit) return;
    if (p->drop_pending) {
      p->drop_pending = false;
      lock.unlock();
      p->pcm->Drop();
      lock.lock();
      continue;
    }
    const auto [data, size] = p->queue.front();
    const uint64_t generation = p->generation;
    const SLmillibel level = p->level;
    const bool mute = p->mute;
    lock.unlock();
    const long frames = size / p->frame_bytes;
    const long written =
        p->pcm->Write(Scaled(p, data, size, level, mute, &tmp), frames, -1, nullptr);
    lock.lock();
    if (written < 0) {
      // The device failed: stop rather than spin on it.
      p->play_state = kPlayStatePaused;
      continue;
    }
    if (generation != p->generation || p->queue.empty()) continue;  // cleared meanwhile
    p->queue.pop_front();
    ++p->index;
    p->frames_played += static_cast<uint64_t>(frames);
    BufferQueueCallback cb = p->callback;
    void* context = p->context;
    if (cb != nullptr) {
      lock.unlock();
      cb(&p->queue_itf, context);
      lock.lock();
    }
  }
}

SLresult PlayerRealize(SlObject* o) {
  auto* p = reinterpret_cast<Player*>(o);
  auto pcm = AlsaPcm::Open(AlsaPcm::DeviceName(false), &p->config);
  if (!pcm.ok()) return kResourceError;
  p->pcm = std::move(*pcm);
  p->thread = std::thread(PlayerLoop, p);
  return kSuccess;
}

void* PlayerInterface(SlObject* o, Iid kind) {
  auto* p = reinterpret_cast<Player*>(o);
  switch (kind) {
    case Iid::kPlay:
      return &p->play_itf;
    case Iid::kBufferQueue:
    case Iid::kAndroidSimpleBufferQueue:
      return &p->queue_itf;
    case Iid::kVolume:
      return &p->volume_itf;
    default:
      return nullptr;
  }
}

void PlayerDestroy(SlObject* o) {
  auto* p = reinterpret_cast<Player*>(o);
  {
    std::lock_guard<std::mutex> lock(p->mu);
    p->quit = true;
  }
  p->cv.notify_all();
  if (p->thread.joinable()) p->thread.join();
  if (p->pcm != nullptr) p->pcm->Drop();
  delete p;
}

// --- SLPlayItf ---------------------------------------------------------------

SLresult SetPlayState(SLPlayItf self, SLuint32 state) {
  if (self == nullptr || state < kPlayStateStopped || state > kPlayStatePlaying)
    return kParameterInvalid;
  Player* p = FromPlay(self);
  std::lock_guard<std::mutex> lock(p->mu);
  // Stopping drops what the device still holds and rewinds the position;
  // the queue keeps its buffers (pausing keeps everything).
  if (state == kPlayStateStopped && p->play_state != kPlayStateStopped) {
    p->drop_pending = true;
    p->frames_played = 0;
  }
  p->play_state = state;
  p->cv.notify_all();
  return kSuccess;
}
SLresult GetPlayState(SLPlayItf self, SLuint32* state) {
  if (self == nullptr || state == nullptr) return kParameterInvalid;
  Player* p = FromPlay(self);
  std::lock_guard<std::mutex> lock(p->mu);
  *state = p->play_state;
  return kSuccess;
}
SLresult GetDuration(SLPlayItf self, SLmillisecond* ms) {
  if (self == nullptr || ms == nullptr) return kParameterInvalid;
  *ms = 0xFFFFFFFF;  // SL_TIME_UNKNOWN: a buffer queue has no duration
  return kSuccess;
}
SLresult GetPosition(SLPlayItf self, SLmillisecond* ms) {
  if (self == nullptr || ms == nullptr) return kParameterInvalid;
  Player* p = FromPlay(self);
  std::lock_guard<std::mutex> lock(p->mu);
  *ms = static_cast<SLmillisecond>(p->frames_played * 1000 / p->config.rate);
  return kSuccess;
}
// Play events (head at end, markers, position updates) are not generated:
// registering for them is refused rather than accepted and never called.
SLresult PlayRegisterCallback(SLPlayItf self, void* callback, void*) {
  if (self == nullptr) return kParameterInvalid;
  return callback == nullptr ? kSuccess : kFeatureUnsupported;
}
SLresult SetEventsMask(SLPlayItf self, SLuint32 mask) {
  if (self == nullptr) return kParameterInvalid;
  return mask == 0 ? kSuccess : kFeatureUnsupported;
}
SLresult GetEventsMask(SLPlayItf self, SLuint32* mask) {
  if (self == nullptr || mask == nullptr) return kParameterInvalid;
  *mask = 0;
  return kSuccess;
}
SLresult SetMs(SLPlayItf self, SLmillisecond) {
  return self == nullptr ? kParameterInvalid : kFeatureUnsupported;
}
SLresult ClearMarker(SLPlayItf self) { return self == nullptr ? kParameterInvalid : kSuccess; }
SLresult GetMs(SLPlayItf self, SLmillisecond*) {
  return self == nullptr ? kParameterInvalid : kPreconditionsViolated;
}

const PlayItf kPlayTable = {SetPlayState,         GetPlayState,  GetDuration,   GetPosition,
                            PlayRegisterCallback, SetEventsMask, GetEventsMask, SetMs,
                            ClearMarker,          GetMs,         SetMs,         GetMs};

// --- SLBufferQueueItf / SLAndroidSimpleBufferQueueItf -------------------------

SLresult Enqueue(SLBufferQueueItf self, const void* buffer, SLuint32 size) {
  if (self == nullptr || buffer == nullptr || size == 0) return kParameterInvalid;
  Player* p = FromQueue(self);
  if (size % p->frame_bytes != 0) return kParameterInvalid;
  std::lock_guard<std::mutex> lock(p->mu);
  if (p->queue.size() >= p->num_buffers) return kBufferInsufficient;
  p->queue.emplace_back(buffer, size);
  p->cv.notify_all();
  return kSuccess;
}
SLresult Clear(SLBufferQueueItf self) {
  if (self == nullptr) return kParameterInvalid;
  Player* p = FromQueue(self);
  std::lock_guard<std::mutex> lock(p->mu);
  p->queue.clear();
  ++p->generation;
  p->drop_pending = true;
  p->cv.notify_all();
  return kSuccess;
}
SLresult QueueState(SLBufferQueueItf self, SLBufferQueueState* state) {
  if (self == nullptr || state == nullptr) return kParameterInvalid;
  Player* p = FromQueue(self);
  std::lock_guard<std::mutex> lock(p->mu);
  state->count = static_cast<SLuint32>(p->queue.size());
  state->index = static_cast<SLuint32>(p->index);
  return kSuccess;
}
SLresult QueueRegisterCallback(SLBufferQueueItf self, BufferQueueCallback callback, void* context) {
  if (self == nullptr) return kParameterInvalid;
  Player* p = FromQueue(self);
  std::lock_guard<std::mutex> lock(p->mu);
  // Android allows this only while stopped.
  if (p->play_state != kPlayStateStopped) return kPreconditionsViolated;
  p->callback = callback;
  p->context = context;
  return kSuccess;
}

const BufferQueueItf kQueueTable = {Enqueue, Clear, QueueState, QueueRegisterCallback};

// --- SLVolumeItf --------------------------------------------------------------

SLresult SetLevel(SLVolumeItf self, SLmillibel level) {
  if (self == nullptr || level > 0) return kParameterInvalid;
  Player* p = FromVolume(self);
  std::lock_guard<std::mutex> lock(p->mu);
  p->level = level < kMinLevel ? kMinLevel : level;
  return kSuccess;
}
SLresult GetLevel(SLVolumeItf self, SLmillibel* level) {
  if (self == nullptr || level == nullptr) return kParameterInvalid;
  Player* p = FromVolume(self);
  std::lock_guard<std::mutex> lock(p->mu);
  *level = p->level;
  return kSuccess;
}
SLresult GetMaxLevel(SLVolumeItf self, SLmillibel* level) {
  if (self == nullptr || level == nullptr) return kParameterInvalid;
  *level = 0;
  return kSuccess;
}
SLresult SetMute(SLVolumeItf self, SLboolean mute) {
  if (self == nullptr) return kParameterInvalid;
  Player* p = FromVolume(self);
  std::lock_guard<std::mutex> lock(p->mu);
  p->mute = mute != 0;
  return kSuccess;
}
SLresult GetMute(SLVolumeItf self, SLboolean* mute) {
  if (self == nullptr || mute == nullptr) return kParameterInvalid;
  Player* p = FromVolume(self);
  std::lock_guard<std::mutex> lock(p->mu);
  *mute = p->mute ? 1 : 0;
  return kSuccess;
}
// Stereo positioning is not implemented: enabling it is refused.
SLresult EnableStereo(SLVolumeItf self, SLboolean enable) {
  if (self == nullptr) return kParameterInvalid;
  return enable ? kFeatureUnsupported : kSuccess;
}
SLresult IsStereoEnabled(SLVolumeItf self, SLboolean* enabled) {
  if (self == nullptr || enabled == nullptr) return kParameterInvalid;
  *enabled = 0;
  return kSuccess;
}
SLresult SetStereo(SLVolumeItf self, SLint16) {
  return self == nullptr ? kParameterInvalid : kFeatureUnsupported;
}
SLresult GetStereo(SLVolumeItf self, SLint16* position) {
  if (self == nullptr || position == nullptr) return kParameterInvalid;
  *position = 0;
  return kSuccess;
}

const VolumeItf kVolumeTable = {SetLevel,     GetLevel,        GetMaxLevel, SetMute,  GetMute,
                                EnableStereo, IsStereoEnabled, SetStereo,   GetStereo};

// The PCM format of a source: 16-bit signed or 32-bit float, little-endian.
SLresult ParseFormat(const SLDataFormatPcm* f, PcmConfig* c, bool* is_float) {
  if (f == nullptr) return kParameterInvalid;
  if (f->format_type != kFormatPcm && f->format_type != kAndroidFormatPcmEx)
    return kContentUnsupported;
  if (f->num_channels < 1 || f->num_channels > 8 || f->samples_per_sec < 8000000 ||
      f->samples_per_sec > 192000000) {
    return kParameterInvalid;
  }
  if (f->endianness != kByteOrderLittleEndian) return kContentUnsupported;
  *is_float = f->format_type == kAndroidFormatPcmEx && f->representation == kPcmRepresentationFloat;
  if (*is_float ? (f->bits_per_sample != 32 || f->container_size != 32)
                : (f->bits_per_sample != 16 || f->container_size != 16)) {
    return kContentUnsupported;  // 8-, 24- and 32-bit integer PCM are not converted
  }
  c->format = *is_float ? SND_PCM_FORMAT_FLOAT_LE : SND_PCM_FORMAT_S16_LE;
  c->channels = f->num_channels;
  c->rate = f->samples_per_sec / 1000;  // milliHertz
  c->period_frames = c->rate / 100;
  c->buffer_frames = c->period_frames * 4;
  return kSuccess;
}

}  // namespace

SLresult CreateBufferQueuePlayer(SLObjectItf* player, SLDataSource* source, SLDataSink* sink,
                                 SLuint32 n, const SLInterfaceID* ids, const SLboolean* required) {
  if (player == nullptr || source == nullptr || sink == nullptr || source->locator == nullptr ||
      sink->locator == nullptr) {
    return kParameterInvalid;
  }
  const auto* locator = static_cast<const SLDataLocatorBufferQueue*>(source->locator);
  if (locator->locator_type != kLocatorBufferQueue &&
      locator->locator_type != kLocatorAndroidSimpleBufferQueue) {
    return kContentUnsupported;  // URI and fd sources (decoding players) are not provided
  }
  if (locator->num_buffers == 0) return kParameterInvalid;
  if (*static_cast<const SLuint32*>(sink->locator) != kLocatorOutputMix) return kContentUnsupported;
  if (!RequiredOffered(n, ids, required,
                       {Iid::kObject, Iid::kPlay, Iid::kBufferQueue, Iid::kAndroidSimpleBufferQueue,
                        Iid::kVolume})) {
    return kFeatureUnsupported;
  }
  auto p = std::make_unique<Player>();
  const SLresult r =
      ParseFormat(static_cast<const SLDataFormatPcm*>(source->format), &p->config, &p->is_float);
  if (r != kSuccess) return r;
  p->base = SlObject{ObjectTable(), kObjectStateUnrealized, PlayerInterface, PlayerDestroy,
                     PlayerRealize};
  p->play_itf = &kPlayTable;
  p->queue_itf = &kQueueTable;
  p->volume_itf = &kVolumeTable;
  p->num_buffers = locator->num_buffers;
  p->frame_bytes = p->config.channels * (p->is_float ? 4 : 2);
  *player = &p.release()->base.itf;
  return kSuccess;
}

}  // namespace vmi::bridge::audio::sl
