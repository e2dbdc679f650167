// libaaudio.so: AAudioStreamBuilder and AAudioStream (audio/aaudio_stream.h)
// on the host's ALSA device. The builder is a plain parameter record; a
// stream handed to bionic code is the bridge's AAudioStream.
// Not provided (a library importing them fails to load, naming them):
// the MMAP policy calls (AAudio_setMMapPolicy & co.) and the presentation
// end/offload calls of API 32+.
#include <cstdint>

#include "bridge/audio/aaudio_stream.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

using audio::AAudioStream;
using audio::StreamParams;

int32_t CreateBuilder(StreamParams** out) {
  if (out == nullptr) return audio::kAAudioErrorNull;
  *out = new StreamParams();
  return audio::kAAudioOk;
}
int32_t DeleteBuilder(StreamParams* b) {
  delete b;
  return audio::kAAudioOk;
}
int32_t OpenStream(StreamParams* b, AAudioStream** out) {
  return b != nullptr ? AAudioStream::Open(*b, out) : audio::kAAudioErrorNull;
}
void SetDataCallback(StreamParams* b, audio::DataCallback cb, void* user) {
  if (b != nullptr) b->data_callback = cb, b->data_user = user;
}
void SetErrorCallback(StreamParams* b, audio::ErrorCallback cb, void* user) {
  if (b != nullptr) b->error_callback = cb, b->error_user = user;
}
void SetPrivacySensitive(StreamParams*, bool) {}
void SetPackageName(StreamParams*, const char*) {}
void SetChannelMask(StreamParams* b, uint32_t mask) {
  if (b != nullptr) b->channel_count = __builtin_popcount(mask);
}

// Builder setters of one int32 field each.
#define VMI_BUILDER_FIELDS(X)                \
  X(DeviceId, device_id)                     \
  X(SampleRate, sample_rate)                 \
  X(ChannelCount, channel_count)             \
  X(SamplesPerFrame, channel_count)          \
  X(Format, format)                          \
  X(SharingMode, sharing_mode)               \
  X(Direction, direction)                    \
  X(BufferCapacityInFrames, buffer_capacity) \
  X(PerformanceMode, performance_mode)       \
  X(Usage, usage)                            \
  X(ContentType, content_type)               \
  X(InputPreset, input_preset)               \
  X(SessionId, session_id)                   \
  X(AllowedCapturePolicy, capture_policy)    \
  X(FramesPerDataCallback, frames_per_callback)
#define VMI_BUILDER_SETTER(name, field)        \
  void Set##name(StreamParams* b, int32_t v) { \
    if (b != nullptr) b->field = v;            \
  }
VMI_BUILDER_FIELDS(VMI_BUILDER_SETTER)
#undef VMI_BUILDER_SETTER

int32_t Close(AAudioStream* s) {
  delete s;
  return audio::kAAudioOk;
}
int32_t Release(AAudioStream* s) {
  return s != nullptr ? s->RequestStop() : audio::kAAudioErrorNull;
}
int32_t Start(AAudioStream* s) {
  return s != nullptr ? s->RequestStart() : audio::kAAudioErrorNull;
}
int32_t Pause(AAudioStream* s) {
  return s != nullptr ? s->RequestPause() : audio::kAAudioErrorNull;
}
int32_t Flush(AAudioStream* s) {
  return s != nullptr ? s->RequestFlush() : audio::kAAudioErrorNull;
}
int32_t Stop(AAudioStream* s) { return s != nullptr ? s->RequestStop() : audio::kAAudioErrorNull; }
int32_t GetState(AAudioStream* s) { return s != nullptr ? s->State() : audio::kStateUninitialized; }
int32_t WaitForStateChange(AAudioStream* s, int32_t input, int32_t* next, int64_t timeout) {
  return s != nullptr ? s->WaitForStateChange(input, next, timeout) : audio::kAAudioErrorNull;
}
int32_t Read(AAudioStream* s, void* data, int32_t frames, int64_t timeout) {
  return s != nullptr ? s->Read(data, frames, timeout) : audio::kAAudioErrorNull;
}
int32_t Write(AAudioStream* s, const void* data, int32_t frames, int64_t timeout) {
  return s != nullptr ? s->Write(data, frames, timeout) : audio::kAAudioErrorNull;
}
int32_t SetBufferSize(AAudioStream* s, int32_t frames) {
  return s != nullptr ? s->SetBufferSize(frames) : audio::kAAudioErrorNull;
}
int32_t GetTimestamp(AAudioStream* s, int32_t clock, int64_t* position, int64_t* time) {
  return s != nullptr ? s->GetTimestamp(clock, position, time) : audio::kAAudioErrorNull;
}
int32_t BufferSize(AAudioStream* s) {
  return s != nullptr ? s->buffer_size() : audio::kAAudioErrorNull;
}
int32_t FramesPerBurst(AAudioStream* s) {
  return s != nullptr ? s->frames_per_burst() : audio::kAAudioErrorNull;
}
int32_t BufferCapacity(AAudioStream* s) {
  return s != nullptr ? s->buffer_capacity() : audio::kAAudioErrorNull;
}
int32_t XRunCount(AAudioStream* s) { return s != nullptr ? s->xruns() : audio::kAAudioErrorNull; }
int64_t FramesWritten(AAudioStream* s) {
  return s != nullptr ? s->frames_written() : audio::kAAudioErrorNull;
}
int64_t FramesRead(AAudioStream* s) {
  return s != nullptr ? s->frames_read() : audio::kAAudioErrorNull;
}
bool IsMMapUsed(AAudioStream*) { return false; }
bool IsPrivacySensitive(AAudioStream*) { return false; }

#define VMI_STREAM_GETTER(name, field)                                 \
  int32_t Get##name(AAudioStream* s) {                                 \
    return s != nullptr ? s->params().field : audio::kAAudioErrorNull; \
  }
VMI_BUILDER_FIELDS(VMI_STREAM_GETTER)
#undef VMI_STREAM_GETTER

const HookEntry kHooks[] = {
    VMI_HOOK("AAudio_createStreamBuilder", CreateBuilder),
    VMI_HOOK("AAudio_convertResultToText", audio::ResultText),
    VMI_HOOK("AAudio_convertStreamStateToText", audio::StateText),
    VMI_HOOK("AAudioStreamBuilder_delete", DeleteBuilder),
    VMI_HOOK("AAudioStreamBuilder_openStream", OpenStream),
    VMI_HOOK("AAudioStreamBuilder_setDataCallback", SetDataCallback),
    VMI_HOOK("AAudioStreamBuilder_setErrorCallback", SetErrorCallback),
    VMI_HOOK("AAudioStreamBuilder_setPrivacySensitive", SetPrivacySensitive),
    VMI_HOOK("AAudioStreamBuilder_setPackageName", SetPackageName),
    VMI_HOOK("AAudioStreamBuilder_setAttributionTag", SetPackageName),
    VMI_HOOK("AAudioStreamBuilder_setChannelMask", SetChannelMask),
#define VMI_BUILDER_ENTRY(name, field) VMI_HOOK("AAudioStreamBuilder_set" #name, Set##name),
    VMI_BUILDER_FIELDS(VMI_BUILDER_ENTRY)
#undef VMI_BUILDER_ENTRY
#define VMI_STREAM_ENTRY(name, field) VMI_HOOK("AAudioStream_get" #name, Get##name),
        VMI_BUILDER_FIELDS(VMI_STREAM_ENTRY)
#undef VMI_STREAM_ENTRY
            VMI_HOOK("AAudioStream_close", Close),
    VMI_HOOK("AAudioStream_release", Release),
    VMI_HOOK("AAudioStream_requestStart", Start),
    VMI_HOOK("AAudioStream_requestPause", Pause),
    VMI_HOOK("AAudioStream_requestFlush", Flush),
    VMI_HOOK("AAudioStream_requestStop", Stop),
    VMI_HOOK("AAudioStream_getState", GetState),
    VMI_HOOK("AAudioStream_waitForStateChange", WaitForStateChange),
    VMI_HOOK("AAudioStream_read", Read),
    VMI_HOOK("AAudioStream_write", Write),
    VMI_HOOK("AAudioStream_setBufferSizeInFrames", SetBufferSize),
    VMI_HOOK("AAudioStream_getBufferSizeInFrames", BufferSize),
    VMI_HOOK("AAudioStream_getFramesPerBurst", FramesPerBurst),
    VMI_HOOK("AAudioStream_getBufferCapacityInFrames", BufferCapacity),
    VMI_HOOK("AAudioStream_getXRunCount", XRunCount),
    VMI_HOOK("AAudioStream_getFramesWritten", FramesWritten),
    VMI_HOOK("AAudioStream_getFramesRead", FramesRead),
    VMI_HOOK("AAudioStream_getTimestamp", GetTimestamp),
    VMI_HOOK("AAudioStream_isMMapUsed", IsMMapUsed),
    VMI_HOOK("AAudioStream_isPrivacySensitive", IsPrivacySensitive),
};

}  // namespace

void RegisterLibaaudio(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
}

}  // namespace vmi::bridge::hooks
