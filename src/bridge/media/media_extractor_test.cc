// AMediaExtractor: a bionic library built like NDK code (DT_NEEDED
// libmediandk.so) plays files made here with Debian's ffmpeg the way Android
// apps do: AMediaExtractor finds the track, its format configures
// AMediaCodec as it is, samples go from readSampleData straight into the
// codec's input buffers. The H.264 frames out of an MP4 and an MPEG-TS must
// equal what the ffmpeg command decodes from the same file, byte for byte;
// AAC from the MP4 and from an ADTS file must decode to the 440 Hz tone it
// was made from. Seeking, the end of the stream, and bad sources give the
// NDK's answers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/unique_fd.h"
#include "bridge/testing/ndk_app.h"

namespace vmi::bridge {
namespace {

constexpr int kWidth = 176, kHeight = 144, kFrames = 30;

constexpr const char* kApp = R"(
typedef struct { int offset; int size; long long pts; unsigned flags; } Info;
typedef struct AMediaCodec AMediaCodec;
typedef struct AMediaFormat AMediaFormat;
typedef struct AMediaExtractor AMediaExtractor;
AMediaExtractor* AMediaExtractor_new(void);
int AMediaExtractor_delete(AMediaExtractor*);
int AMediaExtractor_setDataSourceFd(AMediaExtractor*, int, long, long);
int AMediaExtractor_setDataSource(AMediaExtractor*, const char*);
unsigned long AMediaExtractor_getTrackCount(AMediaExtractor*);
AMediaFormat* AMediaExtractor_getTrackFormat(AMediaExtractor*, unsigned long);
int AMediaExtractor_selectTrack(AMediaExtractor*, unsigned long);
long AMediaExtractor_readSampleData(AMediaExtractor*, unsigned char*, unsigned long);
unsigned AMediaExtractor_getSampleFlags(AMediaExtractor*);
int AMediaExtractor_getSampleTrackIndex(AMediaExtractor*);
long long AMediaExtractor_getSampleTime(AMediaExtractor*);
_Bool AMediaExtractor_advance(AMediaExtractor*);
int AMediaExtractor_seekTo(AMediaExtractor*, long long, int);
extern const char* AMEDIAFORMAT_KEY_MIME;
extern const char* AMEDIAFORMAT_KEY_WIDTH;
extern const char* AMEDIAFORMAT_KEY_HEIGHT;
extern const char* AMEDIAFORMAT_KEY_SAMPLE_RATE;
extern const char* AMEDIAFORMAT_KEY_CHANNEL_COUNT;
int AMediaFormat_delete(AMediaFormat*);
_Bool AMediaFormat_getInt32(AMediaFormat*, const char*, int*);
_Bool AMediaFormat_getString(AMediaFormat*, const char*, const char**);
_Bool AMediaFormat_getBuffer(AMediaFormat*, const char*, void**, unsigned long*);
AMediaCodec* AMediaCodec_createDecoderByType(const char*);
int AMediaCodec_delete(AMediaCodec*);
int AMediaCodec_configure(AMediaCodec*, const AMediaFormat*, void*, void*, unsigned);
int AMediaCodec_start(AMediaCodec*);
int AMediaCodec_stop(AMediaCodec*);
unsigned char* AMediaCodec_getInputBuffer(AMediaCodec*, unsigned long, unsigned long*);
unsigned char* AMediaCodec_getOutputBuffer(AMediaCodec*, unsigned long, unsigned long*);
long AMediaCodec_dequeueInputBuffer(AMediaCodec*, long long);
int AMediaCodec_queueInputBuffer(AMediaCodec*, unsigned long, long, unsigned long, unsigned long long, unsigned);
long AMediaCodec_dequeueOutputBuffer(AMediaCodec*, Info*, long long);
int AMediaCodec_releaseOutputBuffer(AMediaCodec*, unsigned long, _Bool);

typedef struct {
  int tracks, width, height, sample_rate, channels, csd0, csd1, samples, sync, frames;
  long long first_time, last_time;
  long bytes;
} Result;

static int starts_with(const char* s, const char* p) { while (*p) if (*s++ != *p++) return 0; return 1; }

/* Plays the first track whose MIME type starts with `kind` from `fd`. */
int play(int fd, long length, const char* kind, unsigned char* out, long cap, Result* r) {
  AMediaExtractor* x = AMediaExtractor_new();
  int rc = AMediaExtractor_setDataSourceFd(x, fd, 0, length);
  if (rc != 0) { AMediaExtractor_delete(x); return rc; }
  r->tracks = (int)AMediaExtractor_getTrackCount(x);
  AMediaFormat* f = 0;
  const char* mime = 0;
  int track = -1;
  for (int i = 0; i < r->tracks && track < 0; ++i) {
    f = AMediaExtractor_getTrackFormat(x, i);
    if (AMediaFormat_getString(f, AMEDIAFORMAT_KEY_MIME, &mime) && starts_with(mime, kind)) track = i;
    else AMediaFormat_delete(f);
  }
  if (track < 0) { AMediaExtractor_delete(x); return -1; }
  void* csd; unsigned long csd_size = 0;
  r->csd0 = AMediaFormat_getBuffer(f, "csd-0", &csd, &csd_size) ? (int)csd_size : 0;
  r->csd1 = AMediaFormat_getBuffer(f, "csd-1", &csd, &csd_size) ? (int)csd_size : 0;
  AMediaFormat_getInt32(f, AMEDIAFORMAT_KEY_WIDTH, &r->width);
  AMediaFormat_getInt32(f, AMEDIAFORMAT_KEY_HEIGHT, &r->height);
  AMediaFormat_getInt32(f, AMEDIAFORMAT_KEY_SAMPLE_RATE, &r->sample_rate);
  AMediaFormat_getInt32(f, AMEDIAFORMAT_KEY_CHANNEL_COUNT, &r->channels);
  AMediaExtractor_selectTrack(x, track);
  AMediaCodec* c = AMediaCodec_createDecoderByType(mime);
  rc = AMediaCodec_configure(c, f, 0, 0, 0);   /* the track's format as it is */
  AMediaFormat_delete(f);
  if (rc == 0) rc = AMediaCodec_start(c);
  int in_eos = 0, out_eos = 0;
  r->first_time = -1;
  long guard = 0;
  while (rc == 0 && !out_eos && guard++ < 1000000) {
    if (!in_eos) {
      long idx = AMediaCodec_dequeueInputBuffer(c, 10000);
      if (idx >= 0) {
        unsigned long room = 0;
        unsigned char* buf = AMediaCodec_getInputBuffer(c, idx, &room);
        long n = AMediaExtractor_readSampleData(x, buf, room);
        if (n < 0) {
          rc = AMediaCodec_queueInputBuffer(c, idx, 0, 0, 0, 4);
          in_eos = 1;
        } else {
          long long t = AMediaExtractor_getSampleTime(x);
          if (r->first_time < 0) r->first_time = t;
          r->last_time = t;
          r->samples++;
          if (AMediaExtractor_getSampleFlags(x) & 1) r->sync++;
          if (AMediaExtractor_getSampleTrackIndex(x) != track) rc = -3;
          if (rc == 0) rc = AMediaCodec_queueInputBuffer(c, idx, 0, n, t, 0);
          AMediaExtractor_advance(x);
        }
      }
    }
    Info info;
    long o = AMediaCodec_dequeueOutputBuffer(c, &info, 10000);
    if (o >= 0) {
      unsigned long size = 0;
      unsigned char* p = AMediaCodec_getOutputBuffer(c, o, &size);
      if (info.size > 0) {
        r->frames++;
        for (long i = 0; i < info.size && r->bytes < cap; i++) out[r->bytes++] = p[info.offset + i];
      }
      out_eos = (info.flags & 4) != 0;
      rc = AMediaCodec_releaseOutputBuffer(c, o, 0);
    } else if (o != -1 && o != -2) {
      rc = (int)o;
    }
  }
  AMediaCodec_stop(c);
  AMediaCodec_delete(c);
  AMediaExtractor_delete(x);
  return rc != 0 ? rc : (out_eos ? 0 : -2);
}

/* Seeks on the video track, then runs to the end; every answer in out[]. */
int seek_and_end(int fd, long length, long long* out) {
  AMediaExtractor* x = AMediaExtractor_new();
  if (AMediaExtractor_setDataSourceFd(x, fd, 0, length) != 0) return -1;
  int n = 0;
  out[n++] = AMediaExtractor_selectTrack(x, 99);
  out[n++] = AMediaExtractor_getTrackFormat(x, 99) == 0;
  out[n++] = AMediaExtractor_setDataSourceFd(x, fd, 0, length);  /* twice */
  AMediaExtractor_selectTrack(x, 0);
  out[n++] = AMediaExtractor_seekTo(x, 700000, 0 /* PREVIOUS_SYNC */);
  out[n++] = AMediaExtractor_getSampleTime(x);
  out[n++] = AMediaExtractor_getSampleFlags(x);
  out[n++] = AMediaExtractor_seekTo(x, 700000, 1 /* NEXT_SYNC */);
  out[n++] = AMediaExtractor_getSampleTime(x);
  out[n++] = AMediaExtractor_getSampleFlags(x);
  out[n++] = AMediaExtractor_seekTo(x, 0, 2 /* CLOSEST_SYNC */);
  out[n++] = AMediaExtractor_getSampleTime(x);
  out[n++] = AMediaExtractor_seekTo(x, 0, 7);
  long count = 0;
  while (AMediaExtractor_advance(x)) count++;
  out[n++] = count;
  unsigned char b[16];
  out[n++] = AMediaExtractor_readSampleData(x, b, sizeof b);
  out[n++] = AMediaExtractor_getSampleTrackIndex(x);
  out[n++] = AMediaExtractor_getSampleTime(x);
  out[n++] = AMediaExtractor_advance(x);
  AMediaExtractor_delete(x);
  return n;
}

int open_location(const char* location) {
  AMediaExtractor* x = AMediaExtractor_new();
  int rc = AMediaExtractor_setDataSource(x, location);
  AMediaExtractor_delete(x);
  return rc;
}
)";

struct Result {
  int tracks, width, height, sample_rate, channels, csd0, csd1, samples, sync, frames;
  long long first_time, last_time;
  long bytes;
};

class MediaExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(app_.Load(t_, "libplayer.so", kApp, "libmediandk.so"));
  }
  template <typename F>
  F Fn(const char* name) {
    return app_.Fn<F>(name);
  }
  std::string Ffmpeg(const std::vector<std::string>& args, const std::string& output) {
    return testing::RunFfmpeg(t_.dir(), args, output);
  }
  std::string Path(const std::string& name) { return t_.dir() + "/" + name; }
  // The clip: 30 frames of testsrc in High profile with B-frames and a
  // keyframe every 10 frames, and 1.2 s of a 440 Hz tone in AAC.
  void MakeClip(const std::string& name) {
    Ffmpeg({"-f",
            "lavfi",
            "-i",
            "testsrc=size=176x144:rate=25:duration=1.2",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=1.2",
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-bf",
            "2",
            "-g",
            "10",
            "-keyint_min",
            "10",
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k"},
           name);
  }
  int Play(const std::string& file, const char* kind, std::vector<uint8_t>* out, Result* r) {
    *r = {};
    out->assign(4 << 20, 0);
    UniqueFd fd(open(Path(file).c_str(), O_RDONLY | O_CLOEXEC));
    const long length = lseek(fd.get(), 0, SEEK_END);
    int rc = Fn<int (*)(int, long, const char*, uint8_t*, long, Result*)>("play")(
        fd.get(), length, kind, out->data(), long(out->size()), r);
    out->resize(size_t(r->bytes));
    return rc;
  }
  // Zero crossings per second of 16-bit mono PCM, over its middle half.
  static double CrossingsPerSecond(const std::vector<uint8_t>& pcm, int rate) {
    const auto* s = reinterpret_cast<const int16_t*>(pcm.data());
    const size_t n = pcm.size() / 2, from = n / 4, to = 3 * n / 4;
    int crossings = 0;
    for (size_t i = from + 1; i < to; ++i) crossings += (s[i - 1] < 0) != (s[i] < 0);
    return crossings * double(rate) / double(to - from);
  }

  testing::TestObjects t_;
  testing::NdkApp app_;
};

TEST_F(MediaExtractorTest, Mp4H264FramesEqualFfmpegsDecode) {
  MakeClip("clip.mp4");
  const std::string reference = Ffmpeg({"-i", Path("clip.mp4"), "-map", "0:v", "-fps_mode",
                                        "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p"},
                                       "reference.yuv");
  ASSERT_EQ(reference.size(), size_t(kWidth * kHeight * 3 / 2 * kFrames));
  std::vector<uint8_t> out;
  Result r;
  ASSERT_EQ(Play("clip.mp4", "video/", &out, &r), 0);
  EXPECT_EQ(r.tracks, 2);
  EXPECT_EQ(r.width, kWidth);
  EXPECT_EQ(r.height, kHeight);
  EXPECT_GT(r.csd0, 4);  // SPS and PPS, each behind a start code
  EXPECT_GT(r.csd1, 4);
  EXPECT_EQ(r.samples, kFrames);
  EXPECT_EQ(r.sync, 3);  // a keyframe every 10 frames
  EXPECT_EQ(r.frames, kFrames);
  ASSERT_EQ(out.size(), reference.size());
  EXPECT_TRUE(memcmp(out.data(), reference.data(), out.size()) == 0);
}

TEST_F(MediaExtractorTest, TransportStreamTimesStartAtZero) {
  MakeClip("clip.mp4");
  Ffmpeg({"-i", Path("clip.mp4"), "-c", "copy", "-f", "mpegts"}, "clip.ts");
  const std::string reference = Ffmpeg({"-i", Path("clip.ts"), "-map", "0:v", "-fps_mode",
                                        "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p"},
                                       "reference-ts.yuv");
  std::vector<uint8_t> out;
  Result r;
  ASSERT_EQ(Play("clip.ts", "video/", &out, &r), 0);
  EXPECT_EQ(r.first_time, 0);
  EXPECT_EQ(r.frames, kFrames);
  ASSERT_EQ(out.size(), reference.size());
  EXPECT_TRUE(memcmp(out.data(), reference.data(), out.size()) == 0);
}

TEST_F(MediaExtractorTest, AacFromMp4AndAdtsDecodesToTheTone) {
  MakeClip("clip.mp4");
  Ffmpeg({"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1.2", "-c:a", "aac",
          "-f", "adts"},
         "tone.aac");
  for (const char* file : {"clip.mp4", "tone.aac"}) {
    SCOPED_TRACE(file);
    std::vector<uint8_t> out;
    Result r;
    ASSERT_EQ(Play(file, "audio/", &out, &r), 0);
    EXPECT_EQ(r.sample_rate, 44100);
    EXPECT_EQ(r.channels, 1);
    // The AudioSpecificConfig: the encoder's in the MP4, made from the ADTS
    // header (2 bytes) for tone.aac.
    EXPECT_GE(r.csd0, 2);
    EXPECT_GE(r.samples, 50);  // 1.2 s in 1024-sample access units
    EXPECT_GE(out.size(), size_t(44100 * 2));
    EXPECT_NEAR(CrossingsPerSecond(out, 44100), 880.0, 10.0);
  }
}

TEST_F(MediaExtractorTest, SeekEndOfStreamAndBadSources) {
  MakeClip("clip.mp4");
  UniqueFd fd(open(Path("clip.mp4").c_str(), O_RDONLY | O_CLOEXEC));
  const long length = lseek(fd.get(), 0, SEEK_END);
  long long out[20] = {};
  const int n = Fn<int (*)(int, long, long long*)>("seek_and_end")(fd.get(), length, out);
  ASSERT_EQ(n, 17);
  EXPECT_EQ(out[0], -10004);  // AMEDIA_ERROR_INVALID_PARAMETER
  EXPECT_EQ(out[1], 1);
  EXPECT_EQ(out[2], -10005);  // INVALID_OPERATION: a source is set already
  EXPECT_EQ(out[3], 0);
  EXPECT_EQ(out[4], 400000);  // keyframes at 0, 0.4 and 0.8 s: the one before 0.7 s
  EXPECT_EQ(out[5], 1);       // SAMPLE_FLAG_SYNC
  EXPECT_EQ(out[6], 0);
  EXPECT_EQ(out[7], 800000);  // the one after
  EXPECT_EQ(out[8], 1);
  EXPECT_EQ(out[9], 0);
  EXPECT_EQ(out[10], 0);
  EXPECT_EQ(out[11], -10004);  // an unknown seek mode
  EXPECT_EQ(out[12], kFrames - 1);
  EXPECT_EQ(out[13], -1);  // no sample left
  EXPECT_EQ(out[14], -1);
  EXPECT_EQ(out[15], -1);
  EXPECT_EQ(out[16], 0);

  auto open_location = Fn<int (*)(const char*)>("open_location");
  EXPECT_EQ(open_location("http://example.invalid/clip.mp4"), -10002);  // UNSUPPORTED
  EXPECT_EQ(open_location(Path("missing.mp4").c_str()), -10007);        // IO
  ASSERT_TRUE(WriteFile(Path("notes.txt"), std::string(4096, 'x')).ok());
  EXPECT_EQ(open_location(Path("notes.txt").c_str()), -10001);  // MALFORMED
  EXPECT_EQ(open_location(("file://" + Path("clip.mp4")).c_str()), 0);
}

}  // namespace
}  // namespace vmi::bridge
