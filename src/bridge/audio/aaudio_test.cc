// libaaudio.so: a bionic library built like NDK code (DT_NEEDED
// libaaudio.so) plays through AAudio, blocking writes and a data callback,
// into ALSA's "file" PCM, so the test reads back exactly what reached the
// device; it records from ALSA's "null" PCM (the frame counts are
// checked: what the null device puts in the buffer is not specified). Wrong calls and an
// unusable device give AAudio's result codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "bridge/testing/ndk_app.h"

namespace vmi::bridge {
namespace {

constexpr const char* kApp = R"(
typedef struct AAudioStreamBuilder AAudioStreamBuilder;
typedef struct AAudioStream AAudioStream;
typedef int (*DataCallback)(AAudioStream*, void*, void*, int);
int AAudio_createStreamBuilder(AAudioStreamBuilder**);
int AAudioStreamBuilder_delete(AAudioStreamBuilder*);
void AAudioStreamBuilder_setSampleRate(AAudioStreamBuilder*, int);
void AAudioStreamBuilder_setChannelCount(AAudioStreamBuilder*, int);
void AAudioStreamBuilder_setFormat(AAudioStreamBuilder*, int);
void AAudioStreamBuilder_setDirection(AAudioStreamBuilder*, int);
void AAudioStreamBuilder_setPerformanceMode(AAudioStreamBuilder*, int);
void AAudioStreamBuilder_setSharingMode(AAudioStreamBuilder*, int);
void AAudioStreamBuilder_setDataCallback(AAudioStreamBuilder*, DataCallback, void*);
int AAudioStreamBuilder_openStream(AAudioStreamBuilder*, AAudioStream**);
int AAudioStream_close(AAudioStream*);
int AAudioStream_requestStart(AAudioStream*);
int AAudioStream_requestPause(AAudioStream*);
int AAudioStream_requestFlush(AAudioStream*);
int AAudioStream_requestStop(AAudioStream*);
int AAudioStream_getState(AAudioStream*);
int AAudioStream_waitForStateChange(AAudioStream*, int, int*, long long);
int AAudioStream_write(AAudioStream*, const void*, int, long long);
int AAudioStream_read(AAudioStream*, void*, int, long long);
int AAudioStream_getSampleRate(AAudioStream*);
int AAudioStream_getChannelCount(AAudioStream*);
int AAudioStream_getFormat(AAudioStream*);
int AAudioStream_getSharingMode(AAudioStream*);
int AAudioStream_getFramesPerBurst(AAudioStream*);
long long AAudioStream_getFramesWritten(AAudioStream*);
long long AAudioStream_getFramesRead(AAudioStream*);
const char* AAudio_convertResultToText(int);

static AAudioStream* open_stream(int direction, int rate, int channels, int format, DataCallback cb, void* user,
                                 int* rc) {
  AAudioStreamBuilder* b = 0;
  AAudio_createStreamBuilder(&b);
  AAudioStreamBuilder_setDirection(b, direction);
  AAudioStreamBuilder_setSampleRate(b, rate);
  AAudioStreamBuilder_setChannelCount(b, channels);
  AAudioStreamBuilder_setFormat(b, format);
  AAudioStreamBuilder_setPerformanceMode(b, 12 /* LOW_LATENCY */);
  AAudioStreamBuilder_setSharingMode(b, 0 /* EXCLUSIVE */);
  if (cb) AAudioStreamBuilder_setDataCallback(b, cb, user);
  AAudioStream* s = 0;
  *rc = AAudioStreamBuilder_openStream(b, &s);
  AAudioStreamBuilder_delete(b);
  return s;
}

/* Plays `frames` stereo 16-bit frames from pcm[] with blocking writes of
   `chunk` frames; out[] gets what the stream reports. */
int play_blocking(const short* pcm, int frames, int chunk, long long* out) {
  int rc;
  AAudioStream* s = open_stream(0, 44100, 2, 1 /* I16 */, 0, 0, &rc);
  if (rc != 0) return rc;
  out[0] = AAudioStream_getSampleRate(s);
  out[1] = AAudioStream_getChannelCount(s);
  out[2] = AAudioStream_getFormat(s);
  out[3] = AAudioStream_getSharingMode(s);
  out[4] = AAudioStream_getFramesPerBurst(s);
  out[5] = AAudioStream_getState(s);
  if ((rc = AAudioStream_requestStart(s)) != 0) return rc;
  out[6] = AAudioStream_getState(s);
  for (int at = 0; at < frames; at += chunk) {
    int n = frames - at < chunk ? frames - at : chunk;
    int w = AAudioStream_write(s, pcm + 2 * at, n, 1000000000LL);
    if (w != n) return w < 0 ? w : -1;
  }
  out[7] = AAudioStream_requestFlush(s);  /* while started: refused */
  out[8] = AAudioStream_read(s, (void*)pcm, 1, 0);  /* an output stream */
  if ((rc = AAudioStream_requestStop(s)) != 0) return rc;
  out[9] = AAudioStream_getState(s);
  out[10] = AAudioStream_getFramesWritten(s);
  return AAudioStream_close(s);
}

typedef struct { int calls, stop_after; float next; } Ramp;
static int ramp_callback(AAudioStream* s, void* user, void* data, int frames) {
  Ramp* r = (Ramp*)user;
  float* f = (float*)data;
  for (int i = 0; i < frames; ++i) f[i] = r->next, r->next += 1.0f / 65536;
  return ++r->calls >= r->stop_after ? 1 /* STOP */ : 0;
}

/* Mono float through a data callback that stops itself after `calls`. */
int play_callback(int calls, long long* out) {
  int rc;
  Ramp ramp = {0, calls, 0.0f};
  AAudioStream* s = open_stream(0, 48000, 1, 2 /* FLOAT */, ramp_callback, &ramp, &rc);
  if (rc != 0) return rc;
  out[0] = AAudioStream_write(s, &ramp, 1, 0);  /* not with a callback */
  if ((rc = AAudioStream_requestStart(s)) != 0) return rc;
  int state = AAudioStream_getState(s), next = state;
  while (state == 4 /* STARTED */ && AAudioStream_waitForStateChange(s, state, &next, 2000000000LL) == 0) state = next;
  out[1] = state;
  out[2] = ramp.calls;
  out[3] = AAudioStream_getFramesWritten(s);
  out[4] = AAudioStream_getFramesPerBurst(s);
  return AAudioStream_close(s);
}

/* Records from the input device; returns the frames read. */
int record(int frames, long long* out) {
  int rc;
  AAudioStream* s = open_stream(1, 16000, 1, 1, 0, 0, &rc);
  if (rc != 0) return rc;
  out[1] = AAudioStream_read(s, out, 1, 0);  /* before start */
  out[2] = AAudioStream_requestPause(s);     /* input streams do not pause */
  AAudioStream_requestStart(s);
  short buf[4096];
  int n = AAudioStream_read(s, buf, frames, 1000000000LL);
  out[3] = AAudioStream_getFramesRead(s);
  AAudioStream_requestStop(s);
  AAudioStream_close(s);
  return n;
}

int open_result(int rate, int channels, int format) {
  int rc;
  AAudioStream* s = open_stream(0, rate, channels, format, 0, 0, &rc);
  if (s) AAudioStream_close(s);
  return rc;
}

const char* text(int result) { return AAudio_convertResultToText(result); }
)";

class AAudioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(app_.Load(t_, "libaudio.so", kApp, "libaaudio.so"));
    capture_ = t_.dir() + "/played.raw";
    // ALSA's file PCM: what is played lands in the file, paced by nothing.
    setenv("VMI_BRIDGE_AUDIO_DEVICE", ("file:'" + capture_ + "',raw").c_str(), 1);
    setenv("VMI_BRIDGE_AUDIO_INPUT_DEVICE", "null", 1);
  }
  void TearDown() override {
    unsetenv("VMI_BRIDGE_AUDIO_DEVICE");
    unsetenv("VMI_BRIDGE_AUDIO_INPUT_DEVICE");
  }
  testing::TestObjects t_;
  testing::NdkApp app_;
  std::string capture_;
};

TEST_F(AAudioTest, BlockingWritesReachTheDeviceUnchanged) {
  constexpr int kFrames = 44100 / 5;
  std::vector<int16_t> pcm(2 * kFrames);
  for (int i = 0; i < kFrames; ++i) {
    pcm[2 * i] = int16_t(i * 7);
    pcm[2 * i + 1] = int16_t(-i * 3);
  }
  long long out[11] = {};
  ASSERT_EQ(app_.Fn<int (*)(const int16_t*, int, int, long long*)>("play_blocking")(
                pcm.data(), kFrames, 1000, out),
            0);
  EXPECT_EQ(out[0], 44100);
  EXPECT_EQ(out[1], 2);
  EXPECT_EQ(out[2], 1);     // AAUDIO_FORMAT_PCM_I16
  EXPECT_EQ(out[3], 1);     // EXCLUSIVE granted as SHARED
  EXPECT_EQ(out[4], 441);   // a 10 ms burst
  EXPECT_EQ(out[5], 2);     // OPEN
  EXPECT_EQ(out[6], 4);     // STARTED
  EXPECT_EQ(out[7], -895);  // AAUDIO_ERROR_INVALID_STATE
  EXPECT_EQ(out[8], -898);  // AAUDIO_ERROR_ILLEGAL_ARGUMENT
  EXPECT_EQ(out[9], 10);    // STOPPED
  EXPECT_EQ(out[10], kFrames);
  auto played = ReadFile(capture_);
  ASSERT_TRUE(played.ok());
  ASSERT_EQ(played->size(), pcm.size() * 2);
  EXPECT_EQ(memcmp(played->data(), pcm.data(), played->size()), 0);
}

TEST_F(AAudioTest, DataCallbackFeedsTheDeviceUntilItStops) {
  long long out[5] = {};
  ASSERT_EQ(app_.Fn<int (*)(int, long long*)>("play_callback")(12, out), 0);
  EXPECT_EQ(out[0], -895);  // write with a data callback
  EXPECT_EQ(out[1], 10);    // STOPPED by the callback's STOP
  EXPECT_EQ(out[2], 12);
  const long long burst = out[4];
  ASSERT_EQ(burst, 480);
  // The buffer of the call that returned STOP is not played.
  EXPECT_EQ(out[3], 11 * burst);
  auto played = ReadFile(capture_);
  ASSERT_TRUE(played.ok());
  ASSERT_EQ(played->size(), size_t(11 * burst * 4));
  const auto* f = reinterpret_cast<const float*>(played->data());
  for (long long i = 0; i < 11 * burst; ++i) ASSERT_EQ(f[i], float(i) / 65536) << i;
}

TEST_F(AAudioTest, RecordsFromTheInputDevice) {
  long long out[4] = {};
  EXPECT_EQ(app_.Fn<int (*)(int, long long*)>("record")(1600, out), 1600);
  EXPECT_EQ(out[1], -895);  // read before start
  EXPECT_EQ(out[2], -890);  // AAUDIO_ERROR_UNIMPLEMENTED
  EXPECT_EQ(out[3], 1600);
}

TEST_F(AAudioTest, BadParametersAndDevicesGiveAAudioErrors) {
  auto open_result = app_.Fn<int (*)(int, int, int)>("open_result");
  EXPECT_EQ(open_result(48000, 2, 99), -883);   // AAUDIO_ERROR_INVALID_FORMAT
  EXPECT_EQ(open_result(1000, 2, 1), -880);     // AAUDIO_ERROR_INVALID_RATE
  EXPECT_EQ(open_result(48000, 100, 1), -882);  // AAUDIO_ERROR_OUT_OF_RANGE
  setenv("VMI_BRIDGE_AUDIO_DEVICE", "vmi_no_such_device", 1);
  EXPECT_EQ(open_result(48000, 2, 1), -889);  // AAUDIO_ERROR_UNAVAILABLE
  EXPECT_STREQ(app_.Fn<const char* (*)(int)>("text")(-889), "AAUDIO_ERROR_UNAVAILABLE");
}

}  // namespace
}  // namespace vmi::bridge
