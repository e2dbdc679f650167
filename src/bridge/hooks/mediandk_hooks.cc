// libmediandk.so: AMediaFormat and AMediaCodec (H.264 and AAC decoding on
// the host's libavcodec, see media/media_codec.h) with the NDK's C ABI.
// AMediaCodec* and AMediaFormat* handed to bionic code are the bridge's
// MediaCodec and MediaFormat objects. The AMEDIAFORMAT_KEY_* constants are
// data symbols (const char* variables) in Android's library, so they are
// exported here as variables too.
//
// AMediaExtractor is media/media_extractor.h on the host's libavformat.
// Not provided (a library importing them fails to load, naming the symbol):
// AMediaMuxer, AMediaDrm/AMediaCrypto, AImageReader, AMediaDataSource,
// encoders. Provided but refused with AMEDIA_ERROR_UNSUPPORTED: output to an
// ANativeWindow, input surfaces, secure input, the asynchronous callback
// mode.
#include <cstdlib>
#include <cstring>

#include "bridge/hooks/hooks.h"
#include "bridge/media/media_codec.h"
#include "bridge/media/media_extractor.h"
#include "bridge/media/media_format.h"

namespace vmi::bridge::hooks {
namespace {

using media::BufferInfo;
using media::MediaCodec;
using media::MediaExtractor;
using media::MediaFormat;
using media::Rect;

// --- AMediaFormat ------------------------------------------------------------

MediaFormat* FormatNew() { return new MediaFormat(); }
int32_t FormatDelete(MediaFormat* f) {
  delete f;
  return media::kAmediaOk;
}
const char* FormatToString(MediaFormat* f) { return f != nullptr ? f->ToString() : nullptr; }

template <typename T>
bool FormatGet(MediaFormat* f, const char* key, T* out) {
  if (f == nullptr || key == nullptr || out == nullptr) return false;
  const T* v = f->Get<T>(key);
  if (v == nullptr) return false;
  *out = *v;
  return true;
}
bool FormatGetBuffer(MediaFormat* f, const char* key, void** data, size_t* size) {
  if (f == nullptr || key == nullptr || data == nullptr || size == nullptr) return false;
  const auto* v = f->Get<std::vector<uint8_t>>(key);
  if (v == nullptr) return false;
  *data = const_cast<uint8_t*>(v->data());
  *size = v->size();
  return true;
}
bool FormatGetString(MediaFormat* f, const char* key, const char** out) {
  if (f == nullptr || key == nullptr || out == nullptr) return false;
  const auto* v = f->Get<std::string>(key);
  if (v == nullptr) return false;
  *out = v->c_str();
  return true;
}
bool FormatGetRect(MediaFormat* f, const char* key, int32_t* l, int32_t* t, int32_t* r,
                   int32_t* b) {
  if (f == nullptr || key == nullptr) return false;
  const Rect* v = f->Get<Rect>(key);
  if (v == nullptr) return false;
  if (l != nullptr) *l = v->left;
  if (t != nullptr) *t = v->top;
  if (r != nullptr) *r = v->right;
  if (b != nullptr) *b = v->bottom;
  return true;
}

template <typename T>
void FormatSet(MediaFormat* f, const char* key, T v) {
  if (f != nullptr && key != nullptr) f->Set(key, v);
}
void FormatSetString(MediaFormat* f, const char* key, const char* v) {
  if (f != nullptr && key != nullptr && v != nullptr) f->Set(key, std::string(v));
}
void FormatSetBuffer(MediaFormat* f, const char* key, const void* data, size_t size) {
  if (f == nullptr || key == nullptr || (data == nullptr && size != 0)) return;
  const auto* p = static_cast<const uint8_t*>(data);
  f->Set(key, std::vector<uint8_t>(p, p + size));
}
void FormatSetRect(MediaFormat* f, const char* key, int32_t l, int32_t t, int32_t r, int32_t b) {
  if (f != nullptr && key != nullptr) f->Set(key, Rect{l, t, r, b});
}
void FormatClear(MediaFormat* f) {
  if (f != nullptr) f->Clear();
}
int32_t FormatCopy(MediaFormat* to, MediaFormat* from) {
  if (to == nullptr || from == nullptr) return media::kAmediaErrorInvalidParameter;
  to->CopyFrom(*from);
  return media::kAmediaOk;
}

// --- AMediaCodec -------------------------------------------------------------

MediaCodec* CreateDecoderByType(const char* mime) {
  return MediaCodec::CreateDecoder(mime).release();
}
MediaCodec* CreateEncoderByType(const char*) { return nullptr; }
MediaCodec* CreateCodecByName(const char* name) {
  if (name == nullptr) return nullptr;
  // Android's own software decoders, which apps name directly, and ours.
  for (const char* avc :
       {"vmi.ffmpeg.avc.decoder", "c2.android.avc.decoder", "OMX.google.h264.decoder"}) {
    if (strcmp(name, avc) == 0) return CreateDecoderByType("video/avc");
  }
  for (const char* aac :
       {"vmi.ffmpeg.aac.decoder", "c2.android.aac.decoder", "OMX.google.aac.decoder"}) {
    if (strcmp(name, aac) == 0) return CreateDecoderByType("audio/mp4a-latm");
  }
  return nullptr;
}
int32_t Delete(MediaCodec* c) {
  delete c;
  return media::kAmediaOk;
}
int32_t Configure(MediaCodec* c, const MediaFormat* f, void* surface, void* crypto,
                  uint32_t flags) {
  return c != nullptr ? c->Configure(f, surface, crypto, flags) : media::kAmediaErrorInvalidObject;
}
int32_t Start(MediaCodec* c) {
  return c != nullptr ? c->Start() : media::kAmediaErrorInvalidObject;
}
int32_t Stop(MediaCodec* c) { return c != nullptr ? c->Stop() : media::kAmediaErrorInvalidObject; }
int32_t Flush(MediaCodec* c) {
  return c != nullptr ? c->Flush() : media::kAmediaErrorInvalidObject;
}
uint8_t* GetInputBuffer(MediaCodec* c, size_t idx, size_t* size) {
  return c != nullptr ? c->InputBuffer(idx, size) : nullptr;
}
uint8_t* GetOutputBuffer(MediaCodec* c, size_t idx, size_t* size) {
  return c != nullptr ? c->OutputBuffer(idx, size) : nullptr;
}
ssize_t DequeueInputBuffer(MediaCodec* c, int64_t) {
  return c != nullptr ? c->DequeueInput() : media::kAmediaErrorInvalidObject;
}
int32_t QueueInputBuffer(MediaCodec* c, size_t idx, off_t offset, size_t size, uint64_t pts,
                         uint32_t flags) {
  return c != nullptr ? c->QueueInput(idx, offset, size, pts, flags)
                      : media::kAmediaErrorInvalidObject;
}
ssize_t DequeueOutputBuffer(MediaCodec* c, BufferInfo* info, int64_t) {
  return c != nullptr ? c->DequeueOutput(info) : media::kAmediaErrorInvalidObject;
}
MediaFormat* GetOutputFormat(MediaCodec* c) { return c != nullptr ? c->OutputFormat() : nullptr; }
MediaFormat* GetInputFormat(MediaCodec* c) { return c != nullptr ? c->InputFormat() : nullptr; }
MediaFormat* GetBufferFormat(MediaCodec* c, size_t) { return GetOutputFormat(c); }
int32_t ReleaseOutputBuffer(MediaCodec* c, size_t idx, bool) {
  // `render` has no surface to go to (configure refuses one).
  return c != nullptr ? c->ReleaseOutput(idx) : media::kAmediaErrorInvalidObject;
}
int32_t ReleaseOutputBufferAtTime(MediaCodec* c, size_t idx, int64_t) {
  return ReleaseOutputBuffer(c, idx, false);
}
int32_t GetName(MediaCodec* c, char** out) {
  if (c == nullptr) return media::kAmediaErrorInvalidObject;
  if (out == nullptr) return media::kAmediaErrorInvalidParameter;
  *out = strdup(c->name().c_str());
  return *out != nullptr ? media::kAmediaOk : media::kAmediaErrorUnknown;
}
void ReleaseName(MediaCodec*, char* name) { free(name); }
int32_t Unsupported() { return media::kAmediaErrorUnsupported; }

// --- AMediaExtractor ---------------------------------------------------------

MediaExtractor* ExtractorNew() { return new MediaExtractor(); }
int32_t ExtractorDelete(MediaExtractor* x) {
  delete x;
  return media::kAmediaOk;
}
int32_t ExtractorSetDataSource(MediaExtractor* x, const char* location) {
  return x != nullptr ? x->SetDataSource(location) : media::kAmediaErrorInvalidObject;
}
int32_t ExtractorSetDataSourceFd(MediaExtractor* x, int fd, off64_t offset, off64_t length) {
  return x != nullptr ? x->SetDataSourceFd(fd, offset, length) : media::kAmediaErrorInvalidObject;
}
size_t ExtractorTrackCount(MediaExtractor* x) { return x != nullptr ? x->TrackCount() : 0; }
MediaFormat* ExtractorTrackFormat(MediaExtractor* x, size_t i) {
  return x != nullptr ? x->TrackFormat(i) : nullptr;
}
MediaFormat* ExtractorFileFormat(MediaExtractor* x) {
  return x != nullptr ? x->FileFormat() : nullptr;
}
int32_t ExtractorSelect(MediaExtractor* x, size_t i) {
  return x != nullptr ? x->SelectTrack(i) : media::kAmediaErrorInvalidObject;
}
int32_t ExtractorUnselect(MediaExtractor* x, size_t i) {
  return x != nullptr ? x->UnselectTrack(i) : media::kAmediaErrorInvalidObject;
}
ssize_t ExtractorRead(MediaExtractor* x, uint8_t* buffer, size_t capacity) {
  return x != nullptr ? x->ReadSampleData(buffer, capacity) : -1;
}
uint32_t ExtractorFlags(MediaExtractor* x) { return x != nullptr ? x->SampleFlags() : 0xffffffffu; }
int ExtractorTrackIndex(MediaExtractor* x) { return x != nullptr ? x->SampleTrackIndex() : -1; }
int64_t ExtractorTime(MediaExtractor* x) { return x != nullptr ? x->SampleTime() : -1; }
int64_t ExtractorSize(MediaExtractor* x) { return x != nullptr ? x->SampleSize() : -1; }
bool ExtractorAdvance(MediaExtractor* x) { return x != nullptr && x->Advance(); }
int32_t ExtractorSeek(MediaExtractor* x, int64_t time_us, int mode) {
  return x != nullptr ? x->SeekTo(time_us, mode) : media::kAmediaErrorInvalidObject;
}
// Nothing is cached ahead (local sources only) and nothing is encrypted.
int64_t ExtractorCachedDuration(MediaExtractor*) { return -1; }
void* ExtractorNoCrypto(MediaExtractor*) { return nullptr; }

// The AMEDIAFORMAT_KEY_* variables: Android exports each as a const char*.
#define VMI_MEDIA_KEYS(X)                 \
  X(AAC_PROFILE, "aac-profile")           \
  X(BIT_RATE, "bitrate")                  \
  X(CHANNEL_COUNT, "channel-count")       \
  X(CHANNEL_MASK, "channel-mask")         \
  X(COLOR_FORMAT, "color-format")         \
  X(COLOR_RANGE, "color-range")           \
  X(COLOR_STANDARD, "color-standard")     \
  X(COLOR_TRANSFER, "color-transfer")     \
  X(CSD, "csd")                           \
  X(CSD_0, "csd-0")                       \
  X(CSD_1, "csd-1")                       \
  X(CSD_2, "csd-2")                       \
  X(DISPLAY_CROP, "crop")                 \
  X(DISPLAY_HEIGHT, "display-height")     \
  X(DISPLAY_WIDTH, "display-width")       \
  X(DURATION, "durationUs")               \
  X(FRAME_RATE, "frame-rate")             \
  X(HEIGHT, "height")                     \
  X(I_FRAME_INTERVAL, "i-frame-interval") \
  X(IS_ADTS, "is-adts")                   \
  X(LANGUAGE, "language")                 \
  X(LEVEL, "level")                       \
  X(MAX_HEIGHT, "max-height")             \
  X(MAX_INPUT_SIZE, "max-input-size")     \
  X(MAX_WIDTH, "max-width")               \
  X(MIME, "mime")                         \
  X(PCM_ENCODING, "pcm-encoding")         \
  X(PROFILE, "profile")                   \
  X(ROTATION, "rotation-degrees")         \
  X(SAMPLE_RATE, "sample-rate")           \
  X(SLICE_HEIGHT, "slice-height")         \
  X(STRIDE, "stride")                     \
  X(TIME_US, "timeUs")                    \
  X(TRACK_ID, "track-id")                 \
  X(WIDTH, "width")
#define VMI_MEDIA_KEY(sym, text) const char* kKey_##sym = text;
VMI_MEDIA_KEYS(VMI_MEDIA_KEY)
#undef VMI_MEDIA_KEY

const HookEntry kHooks[] = {
    VMI_HOOK("AMediaFormat_new", FormatNew),
    VMI_HOOK("AMediaFormat_delete", FormatDelete),
    VMI_HOOK("AMediaFormat_toString", FormatToString),
#define VMI_FORMAT_TYPED(name, type)                   \
  VMI_HOOK("AMediaFormat_get" #name, FormatGet<type>), \
      VMI_HOOK("AMediaFormat_set" #name, FormatSet<type>),
    VMI_FORMAT_TYPED(Int32, int32_t) VMI_FORMAT_TYPED(Int64, int64_t) VMI_FORMAT_TYPED(Float, float)
        VMI_FORMAT_TYPED(Double, double) VMI_FORMAT_TYPED(Size, size_t)
#undef VMI_FORMAT_TYPED
            VMI_HOOK("AMediaFormat_getBuffer", FormatGetBuffer),
    VMI_HOOK("AMediaFormat_getString", FormatGetString),
    VMI_HOOK("AMediaFormat_getRect", FormatGetRect),
    VMI_HOOK("AMediaFormat_setString", FormatSetString),
    VMI_HOOK("AMediaFormat_setBuffer", FormatSetBuffer),
    VMI_HOOK("AMediaFormat_setRect", FormatSetRect),
    VMI_HOOK("AMediaFormat_clear", FormatClear),
    VMI_HOOK("AMediaFormat_copy", FormatCopy),
    VMI_HOOK("AMediaCodec_createDecoderByType", CreateDecoderByType),
    VMI_HOOK("AMediaCodec_createEncoderByType", CreateEncoderByType),
    VMI_HOOK("AMediaCodec_createCodecByName", CreateCodecByName),
    VMI_HOOK("AMediaCodec_delete", Delete),
    VMI_HOOK("AMediaCodec_configure", Configure),
    VMI_HOOK("AMediaCodec_start", Start),
    VMI_HOOK("AMediaCodec_stop", Stop),
    VMI_HOOK("AMediaCodec_flush", Flush),
    VMI_HOOK("AMediaCodec_getInputBuffer", GetInputBuffer),
    VMI_HOOK("AMediaCodec_getOutputBuffer", GetOutputBuffer),
    VMI_HOOK("AMediaCodec_dequeueInputBuffer", DequeueInputBuffer),
    VMI_HOOK("AMediaCodec_queueInputBuffer", QueueInputBuffer),
    VMI_HOOK("AMediaCodec_dequeueOutputBuffer", DequeueOutputBuffer),
    VMI_HOOK("AMediaCodec_getOutputFormat", GetOutputFormat),
    VMI_HOOK("AMediaCodec_getInputFormat", GetInputFormat),
    VMI_HOOK("AMediaCodec_getBufferFormat", GetBufferFormat),
    VMI_HOOK("AMediaCodec_releaseOutputBuffer", ReleaseOutputBuffer),
    VMI_HOOK("AMediaCodec_releaseOutputBufferAtTime", ReleaseOutputBufferAtTime),
    VMI_HOOK("AMediaCodec_getName", GetName),
    VMI_HOOK("AMediaCodec_releaseName", ReleaseName),
    VMI_HOOK("AMediaCodec_setOutputSurface", Unsupported),
    VMI_HOOK("AMediaCodec_createInputSurface", Unsupported),
    VMI_HOOK("AMediaCodec_createPersistentInputSurface", Unsupported),
    VMI_HOOK("AMediaCodec_setInputSurface", Unsupported),
    VMI_HOOK("AMediaCodec_signalEndOfInputStream", Unsupported),
    VMI_HOOK("AMediaCodec_queueSecureInputBuffer", Unsupported),
    VMI_HOOK("AMediaCodec_setAsyncNotifyCallback", Unsupported),
    VMI_HOOK("AMediaCodec_setParameters", Unsupported),
    VMI_HOOK("AMediaExtractor_new", ExtractorNew),
    VMI_HOOK("AMediaExtractor_delete", ExtractorDelete),
    VMI_HOOK("AMediaExtractor_setDataSource", ExtractorSetDataSource),
    VMI_HOOK("AMediaExtractor_setDataSourceFd", ExtractorSetDataSourceFd),
    VMI_HOOK("AMediaExtractor_getTrackCount", ExtractorTrackCount),
    VMI_HOOK("AMediaExtractor_getTrackFormat", ExtractorTrackFormat),
    VMI_HOOK("AMediaExtractor_getFileFormat", ExtractorFileFormat),
    VMI_HOOK("AMediaExtractor_selectTrack", ExtractorSelect),
    VMI_HOOK("AMediaExtractor_unselectTrack", ExtractorUnselect),
    VMI_HOOK("AMediaExtractor_readSampleData", ExtractorRead),
    VMI_HOOK("AMediaExtractor_getSampleFlags", ExtractorFlags),
    VMI_HOOK("AMediaExtractor_getSampleTrackIndex", ExtractorTrackIndex),
    VMI_HOOK("AMediaExtractor_getSampleTime", ExtractorTime),
    VMI_HOOK("AMediaExtractor_getSampleSize", ExtractorSize),
    VMI_HOOK("AMediaExtractor_advance", ExtractorAdvance),
    VMI_HOOK("AMediaExtractor_seekTo", ExtractorSeek),
    VMI_HOOK("AMediaExtractor_getCachedDuration", ExtractorCachedDuration),
    VMI_HOOK("AMediaExtractor_getPsshInfo", ExtractorNoCrypto),
    VMI_HOOK("AMediaExtractor_getSampleCryptoInfo", ExtractorNoCrypto),
#define VMI_MEDIA_KEY_ENTRY(sym, text) {"AMEDIAFORMAT_KEY_" #sym, &kKey_##sym},
    VMI_MEDIA_KEYS(VMI_MEDIA_KEY_ENTRY)
#undef VMI_MEDIA_KEY_ENTRY
};

}  // namespace

void RegisterLibmediandk(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
}

}  // namespace vmi::bridge::hooks
