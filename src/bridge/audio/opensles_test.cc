// libOpenSLES.so: a bionic library built like NDK code (DT_NEEDED
// libOpenSLES.so, the interface IDs imported as data) plays PCM the way
// Android's native-audio sample does: engine, output mix, an audio player
// fed by an Android simple buffer queue whose callback enqueues the next
// buffer. The device is ALSA's file PCM, so the test reads back exactly
// what was played; the volume interface scales the samples; unsupported
// requests give OpenSL ES result codes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/file.h"
#include "bridge/testing/ndk_app.h"

namespace vmi::bridge {
namespace {

constexpr int kFrames = 480, kBuffers = 6;

constexpr const char* kApp = R"(
typedef unsigned SLuint32; typedef unsigned SLresult; typedef unsigned SLboolean; typedef short SLmillibel;
typedef const struct SLInterfaceID_* SLInterfaceID;
typedef const struct SLObjectItf_* const* SLObjectItf;
struct SLObjectItf_ {
  SLresult (*Realize)(SLObjectItf, SLboolean);
  SLresult (*Resume)(SLObjectItf, SLboolean);
  SLresult (*GetState)(SLObjectItf, SLuint32*);
  SLresult (*GetInterface)(SLObjectItf, SLInterfaceID, void*);
  void* RegisterCallback; void* AbortAsyncOperation;
  void (*Destroy)(SLObjectItf);
  void* SetPriority; void* GetPriority; void* SetLossOfControlInterfaces;
};
typedef const struct SLEngineItf_* const* SLEngineItf;
struct SLEngineItf_ {
  void* CreateLEDDevice; void* CreateVibraDevice;
  SLresult (*CreateAudioPlayer)(SLEngineItf, SLObjectItf*, void*, void*, SLuint32, const SLInterfaceID*, const SLboolean*);
  void* CreateAudioRecorder; void* CreateMidiPlayer; void* CreateListener; void* Create3DGroup;
  SLresult (*CreateOutputMix)(SLEngineItf, SLObjectItf*, SLuint32, const SLInterfaceID*, const SLboolean*);
  void* rest[7];
};
typedef const struct SLPlayItf_* const* SLPlayItf;
struct SLPlayItf_ {
  SLresult (*SetPlayState)(SLPlayItf, SLuint32);
  SLresult (*GetPlayState)(SLPlayItf, SLuint32*);
  void* GetDuration;
  SLresult (*GetPosition)(SLPlayItf, SLuint32*);
  void* rest[8];
};
typedef const struct SLBufferQueueItf_* const* SLBufferQueueItf;
typedef void (*BufferCallback)(SLBufferQueueItf, void*);
struct SLBufferQueueItf_ {
  SLresult (*Enqueue)(SLBufferQueueItf, const void*, SLuint32);
  SLresult (*Clear)(SLBufferQueueItf);
  SLresult (*GetState)(SLBufferQueueItf, SLuint32*);
  SLresult (*RegisterCallback)(SLBufferQueueItf, BufferCallback, void*);
};
typedef const struct SLVolumeItf_* const* SLVolumeItf;
struct SLVolumeItf_ {
  SLresult (*SetVolumeLevel)(SLVolumeItf, SLmillibel);
  SLresult (*GetVolumeLevel)(SLVolumeItf, SLmillibel*);
  void* GetMaxVolumeLevel;
  SLresult (*SetMute)(SLVolumeItf, SLboolean);
  void* rest[5];
};
extern const SLInterfaceID SL_IID_ENGINE, SL_IID_PLAY, SL_IID_ANDROIDSIMPLEBUFFERQUEUE, SL_IID_VOLUME, SL_IID_EQUALIZER;
SLresult slCreateEngine(SLObjectItf*, SLuint32, const void*, SLuint32, const SLInterfaceID*, const SLboolean*);
int usleep(unsigned);

typedef struct { SLuint32 type, count; } LocatorQueue;
typedef struct { SLuint32 type; SLObjectItf mix; } LocatorMix;
typedef struct { SLuint32 type, channels, rate, bits, container, mask, endian; } FormatPcm;
typedef struct { void* locator; void* format; } Data;

static short g_buffers[8][480];
static volatile int g_done;
static int g_next;
static void on_buffer_done(SLBufferQueueItf bq, void* context) {
  ++g_done;
  if (g_next < *(int*)context) (*bq)->Enqueue(bq, g_buffers[g_next++], sizeof g_buffers[0]);
}

static SLresult make_player(SLEngineItf engine, SLObjectItf mix, int bits, SLInterfaceID extra, SLObjectItf* player) {
  LocatorQueue queue = {0x800007BD, 2};
  FormatPcm pcm = {2, 1, 48000000, bits, bits, 4, 2};
  Data source = {&queue, &pcm};
  LocatorMix out = {4, mix};
  Data sink = {&out, 0};
  SLInterfaceID ids[3] = {SL_IID_ANDROIDSIMPLEBUFFERQUEUE, SL_IID_VOLUME, extra};
  SLboolean required[3] = {1, 1, 1};
  return (*engine)->CreateAudioPlayer(engine, player, &source, &sink, extra ? 3 : 2, ids, required);
}

/* Plays `total` ramp buffers through the callback, then one constant buffer
   at -6 dB; every result in out[]. */
int play(int total, int* out) {
  int n = 0;
  SLObjectItf engine_obj, mix, player;
  SLEngineItf engine;
  if (slCreateEngine(&engine_obj, 0, 0, 0, 0, 0) != 0) return -1;
  out[n++] = (*engine_obj)->GetInterface(engine_obj, SL_IID_ENGINE, &engine);  /* not realized */
  (*engine_obj)->Realize(engine_obj, 0);
  out[n++] = (*engine_obj)->Realize(engine_obj, 0);  /* twice */
  (*engine_obj)->GetInterface(engine_obj, SL_IID_ENGINE, &engine);
  if ((*engine)->CreateOutputMix(engine, &mix, 0, 0, 0) != 0 || (*mix)->Realize(mix, 0) != 0) return -2;
  out[n++] = make_player(engine, mix, 8, 0, &player);               /* 8-bit PCM */
  out[n++] = make_player(engine, mix, 16, SL_IID_EQUALIZER, &player); /* a required equalizer */
  if (make_player(engine, mix, 16, 0, &player) != 0 || (*player)->Realize(player, 0) != 0) return -3;
  SLPlayItf play;
  SLBufferQueueItf bq;
  SLVolumeItf volume;
  (*player)->GetInterface(player, SL_IID_PLAY, &play);
  (*player)->GetInterface(player, SL_IID_ANDROIDSIMPLEBUFFERQUEUE, &bq);
  (*player)->GetInterface(player, SL_IID_VOLUME, &volume);
  void* eq;
  out[n++] = (*player)->GetInterface(player, SL_IID_EQUALIZER, &eq);
  for (int b = 0; b < total; ++b)
    for (int i = 0; i < 480; ++i) g_buffers[b][i] = (short)(b * 480 + i);
  (*bq)->RegisterCallback(bq, on_buffer_done, &total);
  (*bq)->Enqueue(bq, g_buffers[0], sizeof g_buffers[0]);
  (*bq)->Enqueue(bq, g_buffers[1], sizeof g_buffers[1]);
  g_next = 2;
  out[n++] = (*bq)->Enqueue(bq, g_buffers[2], sizeof g_buffers[2]);  /* a third: the queue holds two */
  out[n++] = (*play)->SetPlayState(play, 3 /* PLAYING */);
  out[n++] = (*bq)->RegisterCallback(bq, on_buffer_done, &total);     /* while playing */
  for (int i = 0; i < 500 && g_done < total; ++i) usleep(10000);
  out[n++] = g_done;
  SLuint32 state[2] = {9, 9};
  (*bq)->GetState(bq, state);
  out[n++] = state[0];
  out[n++] = state[1];
  SLuint32 ms = 0;
  (*play)->GetPosition(play, &ms);
  out[n++] = ms;
  out[n++] = (*volume)->SetVolumeLevel(volume, 100);  /* above the maximum */
  (*volume)->SetVolumeLevel(volume, -602);
  for (int i = 0; i < 480; ++i) g_buffers[7][i] = 10000;
  (*bq)->Enqueue(bq, g_buffers[7], sizeof g_buffers[7]);
  for (int i = 0; i < 500 && g_done < total + 1; ++i) usleep(10000);
  out[n++] = g_done;
  (*play)->SetPlayState(play, 1 /* STOPPED */);
  (*player)->Destroy(player);
  (*mix)->Destroy(mix);
  (*engine_obj)->Destroy(engine_obj);
  return n;
}
)";

class OpenSlesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(app_.Load(t_, "libnativeaudio.so", kApp, "libOpenSLES.so"));
    capture_ = t_.dir() + "/played.raw";
    setenv("VMI_BRIDGE_AUDIO_DEVICE", ("file:'" + capture_ + "',raw").c_str(), 1);
  }
  void TearDown() override { unsetenv("VMI_BRIDGE_AUDIO_DEVICE"); }
  testing::TestObjects t_;
  testing::NdkApp app_;
  std::string capture_;
};

TEST_F(OpenSlesTest, BufferQueuePlayerPlaysEveryBufferInOrder) {
  int out[16] = {};
  ASSERT_EQ(app_.Fn<int (*)(int, int*)>("play")(kBuffers, out), 14);
  EXPECT_EQ(out[0], 1);    // SL_RESULT_PRECONDITIONS_VIOLATED: not realized
  EXPECT_EQ(out[1], 1);    // realized twice
  EXPECT_EQ(out[2], 9);    // SL_RESULT_CONTENT_UNSUPPORTED: 8-bit PCM
  EXPECT_EQ(out[3], 0xC);  // SL_RESULT_FEATURE_UNSUPPORTED: a required equalizer
  EXPECT_EQ(out[4], 0xC);  // GetInterface(SL_IID_EQUALIZER)
  EXPECT_EQ(out[5], 7);    // SL_RESULT_BUFFER_INSUFFICIENT
  EXPECT_EQ(out[6], 0);
  EXPECT_EQ(out[7], 1);  // callbacks are registered while stopped
  EXPECT_EQ(out[8], kBuffers);
  EXPECT_EQ(out[9], 0);  // nothing left queued
  EXPECT_EQ(out[10], kBuffers);
  EXPECT_EQ(out[11], kBuffers * kFrames * 1000 / 48000);
  EXPECT_EQ(out[12], 2);  // SL_RESULT_PARAMETER_INVALID: above 0 mB
  EXPECT_EQ(out[13], kBuffers + 1);
  auto played = ReadFile(capture_);
  ASSERT_TRUE(played.ok());
  ASSERT_EQ(played->size(), size_t((kBuffers + 1) * kFrames * 2));
  const auto* s = reinterpret_cast<const int16_t*>(played->data());
  for (int i = 0; i < kBuffers * kFrames; ++i) ASSERT_EQ(s[i], i) << i;
  // -6.02 dB halves the amplitude.
  const int16_t scaled = int16_t(std::lround(10000 * std::pow(10.0, -602 / 2000.0)));
  EXPECT_EQ(scaled, 5000);
  for (int i = 0; i < kFrames; ++i) ASSERT_EQ(s[kBuffers * kFrames + i], scaled) << i;
}

}  // namespace
}  // namespace vmi::bridge
