// libmediandk.so: a bionic library built like NDK code (DT_NEEDED
// libmediandk.so, AMEDIAFORMAT_KEY_* imported as data) decodes an H.264 clip
// and an AAC stream made here with Debian's ffmpeg through the NDK's
// AMediaCodec buffer-queue API. Frames must equal what the ffmpeg command
// decodes from the same file and be close to the test pattern they were
// encoded from; bad input and calls in the wrong order must give the NDK's
// media_status_t codes without harming the process.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/file.h"
#include "bridge/linker.h"
#include "bridge/testing/ndk_app.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

constexpr int kWidth = 176, kHeight = 144, kFrames = 30;
constexpr size_t kFrameBytes = kWidth * kHeight * 3 / 2;

constexpr const char* kDecls = R"(
typedef struct { int offset; int size; long long pts; unsigned flags; } Info;
typedef struct AMediaCodec AMediaCodec;
typedef struct AMediaFormat AMediaFormat;
extern const char* AMEDIAFORMAT_KEY_MIME;
extern const char* AMEDIAFORMAT_KEY_WIDTH;
extern const char* AMEDIAFORMAT_KEY_HEIGHT;
extern const char* AMEDIAFORMAT_KEY_COLOR_FORMAT;
extern const char* AMEDIAFORMAT_KEY_STRIDE;
extern const char* AMEDIAFORMAT_KEY_SAMPLE_RATE;
extern const char* AMEDIAFORMAT_KEY_CHANNEL_COUNT;
extern const char* AMEDIAFORMAT_KEY_IS_ADTS;
AMediaFormat* AMediaFormat_new(void);
int AMediaFormat_delete(AMediaFormat*);
void AMediaFormat_setString(AMediaFormat*, const char*, const char*);
void AMediaFormat_setInt32(AMediaFormat*, const char*, int);
_Bool AMediaFormat_getInt32(AMediaFormat*, const char*, int*);
_Bool AMediaFormat_getString(AMediaFormat*, const char*, const char**);
AMediaCodec* AMediaCodec_createDecoderByType(const char*);
AMediaCodec* AMediaCodec_createCodecByName(const char*);
int AMediaCodec_delete(AMediaCodec*);
int AMediaCodec_configure(AMediaCodec*, const AMediaFormat*, void*, void*, unsigned);
int AMediaCodec_start(AMediaCodec*);
int AMediaCodec_stop(AMediaCodec*);
int AMediaCodec_flush(AMediaCodec*);
unsigned char* AMediaCodec_getInputBuffer(AMediaCodec*, unsigned long, unsigned long*);
unsigned char* AMediaCodec_getOutputBuffer(AMediaCodec*, unsigned long, unsigned long*);
long AMediaCodec_dequeueInputBuffer(AMediaCodec*, long long);
int AMediaCodec_queueInputBuffer(AMediaCodec*, unsigned long, long, unsigned long, unsigned long long, unsigned);
long AMediaCodec_dequeueOutputBuffer(AMediaCodec*, Info*, long long);
AMediaFormat* AMediaCodec_getOutputFormat(AMediaCodec*);
int AMediaCodec_releaseOutputBuffer(AMediaCodec*, unsigned long, _Bool);
int AMediaCodec_getName(AMediaCodec*, char**);
void AMediaCodec_releaseName(AMediaCodec*, char*);
)";

// Stubs satisfying the static link only; the bridge binds libmediandk.so to
// its virtual library.
constexpr const char* kStubs = R"(
const char* AMEDIAFORMAT_KEY_MIME; const char* AMEDIAFORMAT_KEY_WIDTH; const char* AMEDIAFORMAT_KEY_HEIGHT;
const char* AMEDIAFORMAT_KEY_COLOR_FORMAT; const char* AMEDIAFORMAT_KEY_STRIDE;
const char* AMEDIAFORMAT_KEY_SAMPLE_RATE; const char* AMEDIAFORMAT_KEY_CHANNEL_COUNT; const char* AMEDIAFORMAT_KEY_IS_ADTS;
void* AMediaFormat_new(void) { return 0; }
int AMediaFormat_delete(void* f) { return 0; }
void AMediaFormat_setString(void* f, const char* k, const char* v) {}
void AMediaFormat_setInt32(void* f, const char* k, int v) {}
_Bool AMediaFormat_getInt32(void* f, const char* k, int* v) { return 0; }
_Bool AMediaFormat_getString(void* f, const char* k, const char** v) { return 0; }
void* AMediaCodec_createDecoderByType(const char* m) { return 0; }
void* AMediaCodec_createCodecByName(const char* m) { return 0; }
int AMediaCodec_delete(void* c) { return 0; }
int AMediaCodec_configure(void* c, const void* f, void* s, void* k, unsigned fl) { return 0; }
int AMediaCodec_start(void* c) { return 0; }
int AMediaCodec_stop(void* c) { return 0; }
int AMediaCodec_flush(void* c) { return 0; }
unsigned char* AMediaCodec_getInputBuffer(void* c, unsigned long i, unsigned long* s) { return 0; }
unsigned char* AMediaCodec_getOutputBuffer(void* c, unsigned long i, unsigned long* s) { return 0; }
long AMediaCodec_dequeueInputBuffer(void* c, long long t) { return 0; }
int AMediaCodec_queueInputBuffer(void* c, unsigned long i, long o, unsigned long s, unsigned long long p, unsigned f) { return 0; }
long AMediaCodec_dequeueOutputBuffer(void* c, void* i, long long t) { return 0; }
void* AMediaCodec_getOutputFormat(void* c) { return 0; }
int AMediaCodec_releaseOutputBuffer(void* c, unsigned long i, _Bool r) { return 0; }
int AMediaCodec_getName(void* c, char** n) { return 0; }
void AMediaCodec_releaseName(void* c, char* n) {}
)";

// The app side: feeds `in` in `chunk`-byte input buffers, drains output
// into `out`, records each output format change. Returns 0 at the output
// end-of-stream buffer, else the failing media_status_t.
constexpr const char* kApp = R"(
typedef struct {
  int frames, format_changes, width, height, color_format, stride, sample_rate, channels;
  long bytes;
} Result;

static AMediaFormat* make_format(const char* mime, int a, int b, int color_format, int adts) {
  AMediaFormat* f = AMediaFormat_new();
  AMediaFormat_setString(f, AMEDIAFORMAT_KEY_MIME, mime);
  if (mime[0] == 'v') {
    AMediaFormat_setInt32(f, AMEDIAFORMAT_KEY_WIDTH, a);
    AMediaFormat_setInt32(f, AMEDIAFORMAT_KEY_HEIGHT, b);
    if (color_format) AMediaFormat_setInt32(f, AMEDIAFORMAT_KEY_COLOR_FORMAT, color_format);
  } else {
    AMediaFormat_setInt32(f, AMEDIAFORMAT_KEY_SAMPLE_RATE, a);
    AMediaFormat_setInt32(f, AMEDIAFORMAT_KEY_CHANNEL_COUNT, b);
    AMediaFormat_setInt32(f, AMEDIAFORMAT_KEY_IS_ADTS, adts);
  }
  return f;
}

int decode(const char* mime, int a, int b, int color_format, const unsigned char* in, long len, long chunk,
           unsigned char* out, long cap, Result* r) {
  AMediaCodec* c = AMediaCodec_createDecoderByType(mime);
  if (!c) return -1;
  AMediaFormat* f = make_format(mime, a, b, color_format, 1);
  int rc = AMediaCodec_configure(c, f, 0, 0, 0);
  AMediaFormat_delete(f);
  if (rc == 0) rc = AMediaCodec_start(c);
  long pos = 0, guard = 0;
  int in_eos = 0, out_eos = 0;
  unsigned long long pts = 0;
  while (rc == 0 && !out_eos && guard++ < 10000000) {
    if (!in_eos) {
      long idx = AMediaCodec_dequeueInputBuffer(c, 10000);
      if (idx >= 0) {
        unsigned long room = 0;
        unsigned char* buf = AMediaCodec_getInputBuffer(c, idx, &room);
        long n = len - pos;
        if (n > chunk) n = chunk;
        if (n > (long)room) n = (long)room;
        for (long i = 0; i < n; i++) buf[i] = in[pos + i];
        pos += n;
        unsigned flags = pos >= len ? 4 : 0;
        rc = AMediaCodec_queueInputBuffer(c, idx, 0, n, pts, flags);
        pts += 40000;
        in_eos = flags != 0;
      } else if (idx != -1) {
        rc = (int)idx;
      }
    }
    Info info;
    long o = AMediaCodec_dequeueOutputBuffer(c, &info, 10000);
    if (o == -2) {
      AMediaFormat* of = AMediaCodec_getOutputFormat(c);
      r->format_changes++;
      AMediaFormat_getInt32(of, AMEDIAFORMAT_KEY_WIDTH, &r->width);
      AMediaFormat_getInt32(of, AMEDIAFORMAT_KEY_HEIGHT, &r->height);
      AMediaFormat_getInt32(of, AMEDIAFORMAT_KEY_COLOR_FORMAT, &r->color_format);
      AMediaFormat_getInt32(of, AMEDIAFORMAT_KEY_STRIDE, &r->stride);
      AMediaFormat_getInt32(of, AMEDIAFORMAT_KEY_SAMPLE_RATE, &r->sample_rate);
      AMediaFormat_getInt32(of, AMEDIAFORMAT_KEY_CHANNEL_COUNT, &r->channels);
      AMediaFormat_delete(of);
    } else if (o >= 0) {
      unsigned long size = 0;
      unsigned char* p = AMediaCodec_getOutputBuffer(c, o, &size);
      if (info.size > 0) {
        r->frames++;
        for (long i = 0; i < info.size && r->bytes < cap; i++) out[r->bytes++] = p[info.offset + i];
      }
      out_eos = (info.flags & 4) != 0;
      rc = AMediaCodec_releaseOutputBuffer(c, o, 0);
    } else if (o != -1) {
      rc = (int)o;
    }
  }
  AMediaCodec_stop(c);
  AMediaCodec_delete(c);
  return rc != 0 ? rc : (out_eos ? 0 : -2);
}

// Calls in the wrong order and bad arguments: each result in codes[].
int misuse(int* codes) {
  int n = 0;
  codes[n++] = AMediaCodec_createDecoderByType("video/x-unknown") == 0;
  AMediaCodec* c = AMediaCodec_createDecoderByType("video/avc");
  codes[n++] = AMediaCodec_start(c);                         /* before configure */
  codes[n++] = (int)AMediaCodec_dequeueInputBuffer(c, 0);    /* before start */
  AMediaFormat* bad = AMediaFormat_new();
  AMediaFormat_setString(bad, AMEDIAFORMAT_KEY_MIME, "video/avc");
  codes[n++] = AMediaCodec_configure(c, bad, 0, 0, 0);       /* no width/height */
  AMediaFormat* f = make_format("video/avc", 64, 64, 0, 0);
  codes[n++] = AMediaCodec_configure(c, f, (void*)0x1234, 0, 0); /* to a surface */
  codes[n++] = AMediaCodec_configure(c, f, 0, 0, 0);
  codes[n++] = AMediaCodec_configure(c, f, 0, 0, 0);         /* twice */
  codes[n++] = AMediaCodec_start(c);
  codes[n++] = AMediaCodec_queueInputBuffer(c, 3, 0, 1, 0, 0); /* never dequeued */
  long idx = AMediaCodec_dequeueInputBuffer(c, 0);
  unsigned long room = 0;
  AMediaCodec_getInputBuffer(c, idx, &room);
  codes[n++] = AMediaCodec_queueInputBuffer(c, idx, 0, room + 1, 0, 0); /* past the end */
  codes[n++] = AMediaCodec_releaseOutputBuffer(c, 2, 0);     /* not handed out */
  Info info;
  codes[n++] = (int)AMediaCodec_dequeueOutputBuffer(c, &info, 0); /* nothing yet */
  codes[n++] = AMediaCodec_queueInputBuffer(c, idx, 0, 0, 0, 4);
  codes[n++] = (int)AMediaCodec_dequeueInputBuffer(c, 0);    /* after end of stream */
  codes[n++] = AMediaCodec_stop(c);
  codes[n++] = (int)AMediaCodec_dequeueOutputBuffer(c, &info, 0); /* after stop */
  codes[n++] = AMediaCodec_getInputBuffer(c, 0, &room) == 0;
  AMediaCodec_delete(c);
  AMediaFormat_delete(f);
  AMediaFormat_delete(bad);
  AMediaCodec* named = AMediaCodec_createCodecByName("c2.android.avc.decoder");
  char* name = 0;
  codes[n++] = named != 0 && AMediaCodec_getName(named, &name) == 0 && name[0] == 'v';
  AMediaCodec_releaseName(named, name);
  AMediaCodec_delete(named);
  return n;
}
)";

struct DecodeResult {
  int frames, format_changes, width, height, color_format, stride, sample_rate, channels;
  long bytes;
};
using DecodeFn = int (*)(const char*, int, int, int, const uint8_t*, long, long, uint8_t*, long,
                         DecodeResult*);

class MediaCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(t_.Build("libmediandk.so", kStubs).ok());
    auto lib = t_.Build("libplayer.so", std::string(kDecls) + kApp, {"-O1"}, {"libmediandk.so"});
    ASSERT_TRUE(lib.ok()) << lib.error().ToString();
    auto so = Linker::Instance().Open(*lib);
    ASSERT_TRUE(so.ok()) << so.error().ToString();
    decode_ = reinterpret_cast<DecodeFn>(Linker::Instance().Symbol(*so, "decode"));
    misuse_ = reinterpret_cast<int (*)(int*)>(Linker::Instance().Symbol(*so, "misuse"));
    ASSERT_NE(decode_, nullptr);
    ASSERT_NE(misuse_, nullptr);
  }

  std::string Ffmpeg(const std::vector<std::string>& args, const std::string& output) {
    return testing::RunFfmpeg(t_.dir(), args, output);
  }

  std::string MakeClip() {
    const std::string pattern =
        "testsrc=size=" + std::to_string(kWidth) + "x" + std::to_string(kHeight) + ":rate=25";
    source_ = Ffmpeg({"-f", "lavfi", "-i", pattern, "-frames:v", std::to_string(kFrames), "-f",
                      "rawvideo", "-pix_fmt", "yuv420p"},
                     "source.yuv");
    // High profile with B-frames: output order differs from decode order.
    std::string clip = Ffmpeg(
        {"-f", "lavfi", "-i", pattern, "-frames:v", std::to_string(kFrames), "-c:v", "libx264",
         "-profile:v", "high", "-pix_fmt", "yuv420p", "-bf", "2", "-g", "12", "-f", "h264"},
        "clip.h264");
    reference_ = Ffmpeg({"-i", t_.dir() + "/clip.h264", "-f", "rawvideo", "-pix_fmt", "yuv420p"},
                        "reference.yuv");
    return clip;
  }

  int Decode(const char* mime, int a, int b, int color_format, const std::string& in, long chunk,
             std::vector<uint8_t>* out, DecodeResult* r) {
    *r = {};
    out->assign(8 << 20, 0);
    int rc = decode_(mime, a, b, color_format, reinterpret_cast<const uint8_t*>(in.data()),
                     long(in.size()), chunk, out->data(), long(out->size()), r);
    out->resize(size_t(r->bytes));
    return rc;
  }

  testing::TestObjects t_;
  DecodeFn decode_ = nullptr;
  int (*misuse_)(int*) = nullptr;
  std::string source_, reference_;
};

double Psnr(const uint8_t* a, const uint8_t* b, size_t n) {
  double se = 0;
  for (size_t i = 0; i < n; ++i) se += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return se == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 * double(n) / se);
}

TEST_F(MediaCodecTest, DecodesH264LikeFfmpegAndCloseToThePattern) {
  std::string clip = MakeClip();
  ASSERT_EQ(reference_.size(), kFrameBytes * kFrames);
  ASSERT_EQ(source_.size(), kFrameBytes * kFrames);
  // Input framing must not matter: odd-sized chunks split NAL units.
  for (long chunk : {4096L, 997L}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    std::vector<uint8_t> out;
    DecodeResult r;
    ASSERT_EQ(Decode("video/avc", kWidth, kHeight, 0, clip, chunk, &out, &r), 0);
    EXPECT_EQ(r.frames, kFrames);
    EXPECT_EQ(r.format_changes, 1);
    EXPECT_EQ(r.width, kWidth);
    EXPECT_EQ(r.height, kHeight);
    EXPECT_EQ(r.stride, kWidth);
    EXPECT_EQ(r.color_format, 19);  // COLOR_FormatYUV420Planar
    ASSERT_EQ(out.size(), reference_.size());
    EXPECT_EQ(memcmp(out.data(), reference_.data(), out.size()), 0)
        << "differs from ffmpeg's own decode";
    for (int i = 0; i < kFrames; ++i) {
      const auto* src = reinterpret_cast<const uint8_t*>(source_.data()) + size_t(i) * kFrameBytes;
      EXPECT_GT(Psnr(out.data() + size_t(i) * kFrameBytes, src, kFrameBytes), 30.0)
          << "frame " << i;
    }
  }
}

TEST_F(MediaCodecTest, SemiPlanarOutputInterleavesChroma) {
  std::string clip = MakeClip();
  std::vector<uint8_t> out;
  DecodeResult r;
  ASSERT_EQ(Decode("video/avc", kWidth, kHeight, 21, clip, 4096, &out, &r), 0);
  EXPECT_EQ(r.color_format, 21);
  ASSERT_EQ(out.size(), reference_.size());
  const size_t luma = kWidth * kHeight, chroma = luma / 4;
  for (int i = 0; i < kFrames; ++i) {
    const uint8_t* nv12 = out.data() + size_t(i) * kFrameBytes;
    const auto* i420 =
        reinterpret_cast<const uint8_t*>(reference_.data()) + size_t(i) * kFrameBytes;
    ASSERT_EQ(memcmp(nv12, i420, luma), 0);
    for (size_t k = 0; k < chroma; ++k) {
      ASSERT_EQ(nv12[luma + 2 * k], i420[luma + k]);
      ASSERT_EQ(nv12[luma + 2 * k + 1], i420[luma + chroma + k]);
    }
  }
}

TEST_F(MediaCodecTest, DecodesAdtsAacLikeFfmpeg) {
  std::string aac = Ffmpeg({"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100:duration=1",
                            "-c:a", "aac", "-f", "adts"},
                           "clip.aac");
  std::string ref = Ffmpeg({"-i", t_.dir() + "/clip.aac", "-f", "s16le"}, "reference.pcm");
  ASSERT_FALSE(aac.empty());
  std::vector<uint8_t> out;
  DecodeResult r;
  ASSERT_EQ(Decode("audio/mp4a-latm", 44100, 1, 0, aac, 1000, &out, &r), 0);
  EXPECT_EQ(r.sample_rate, 44100);
  EXPECT_EQ(r.channels, 1);
  ASSERT_EQ(out.size(), ref.size());
  // ffmpeg converts float to 16 bits with its own rounding: allow 1 LSB.
  const auto* got = reinterpret_cast<const int16_t*>(out.data());
  const auto* want = reinterpret_cast<const int16_t*>(ref.data());
  size_t far = 0;
  for (size_t i = 0; i < out.size() / 2; ++i) far += std::abs(got[i] - want[i]) > 1;
  EXPECT_EQ(far, 0u);
}

TEST_F(MediaCodecTest, GarbageAndTruncatedInputDoNotHarmTheProcess) {
  std::string garbage(64 << 10, '\0');
  std::mt19937 rng(17);
  for (char& c : garbage) c = static_cast<char>(rng());
  std::vector<uint8_t> out;
  DecodeResult r;
  EXPECT_EQ(Decode("video/avc", kWidth, kHeight, 0, garbage, 4096, &out, &r), 0);
  EXPECT_EQ(r.frames, 0);
  // Garbage with start codes in it: NAL units of random types.
  std::string nals;
  for (int i = 0; i < 512; ++i)
    nals += std::string("\0\0\0\1", 4) + garbage.substr(size_t(i) * 100, 100);
  EXPECT_EQ(Decode("video/avc", kWidth, kHeight, 0, nals, 4096, &out, &r), 0);
  EXPECT_EQ(r.frames, 0);
  // A clip cut in the middle: the frames before the cut still decode.
  std::string clip = MakeClip();
  EXPECT_EQ(
      Decode("video/avc", kWidth, kHeight, 0, clip.substr(0, clip.size() / 2), 4096, &out, &r), 0);
  EXPECT_GT(r.frames, 0);
  EXPECT_LT(r.frames, kFrames);
  EXPECT_EQ(memcmp(out.data(), reference_.data(), kFrameBytes), 0);
}

TEST_F(MediaCodecTest, WrongCallsGetTheNdkErrorCodes) {
  int codes[32] = {};
  ASSERT_EQ(misuse_(codes), 18);
  const int want[18] = {
      1,       // unknown MIME: no codec
      -10005,  // start before configure: AMEDIA_ERROR_INVALID_OPERATION
      -10005,  // dequeueInputBuffer before start
      -10004,  // configure without width/height: AMEDIA_ERROR_INVALID_PARAMETER
      -10002,  // configure to an ANativeWindow: AMEDIA_ERROR_UNSUPPORTED
      0,       // configure
      -10005,  // configure twice
      0,       // start
      -10004,  // queue an index never dequeued
      -10004,  // queue past the buffer's end
      -10004,  // release an output buffer not handed out
      -1,      // dequeueOutputBuffer with nothing decoded: AMEDIACODEC_INFO_TRY_AGAIN_LATER
      0,       // queue end of stream
      -1,      // dequeueInputBuffer after end of stream
      0,       // stop
      -10005,  // dequeueOutputBuffer after stop
      1,       // getInputBuffer after stop: NULL
      1,       // createCodecByName of Android's software decoder, getName
  };
  for (int i = 0; i < 18; ++i) EXPECT_EQ(codes[i], want[i]) << "call " << i;
}

}  // namespace
}  // namespace vmi::bridge
