// An audio codec as Android apps ship it: libopus 1.5.2 from expo-opus
// (npm), the prebuilt android/src/main/cpp/lib/<abi>/libopus.so, against
// Debian's libopus 1.3.1 built for the host. Opus fixes the decoder's
// reading of a bitstream exactly: after each packet the range decoder's
// final state (OPUS_GET_FINAL_RANGE) must equal the encoder's, whatever
// build or version made the packet (this is how Opus' own conformance tests
// tie an encoder to a decoder). So, per packet, for SILK, hybrid and CELT
// streams:
//  * the host encodes, the Android build decodes: same final range, same
//    sample count, and PCM equal to the host decoder's within the float
//    decoder's rounding;
//  * the Android build encodes, the host decodes: same final range, the
//    Android packets' TOC fields read alike by both packet parsers and as
//    asked for (mode, bandwidth, channels, frame size), and the audio is the
//    signal that went in (its SNR after the codec's delay close to the host
//    encoder's own).
// Bad packets and bad arguments give the same libopus error codes.
#include <opus.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bridge/bridge.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

// The slice of libopus' C API used here, as function pointers, so that one
// piece of code drives either build: the host's (linked) or the Android one
// (found through bridge_dlsym).
struct OpusApi {
  const char* (*version)();
  const char* (*strerror)(int);
  OpusEncoder* (*encoder_create)(opus_int32, int, int, int*);
  opus_int32 (*encode)(OpusEncoder*, const opus_int16*, int, unsigned char*, opus_int32);
  int (*encoder_ctl)(OpusEncoder*, int, ...);
  void (*encoder_destroy)(OpusEncoder*);
  OpusDecoder* (*decoder_create)(opus_int32, int, int*);
  int (*decode)(OpusDecoder*, const unsigned char*, opus_int32, opus_int16*, int, int);
  int (*decoder_ctl)(OpusDecoder*, int, ...);
  void (*decoder_destroy)(OpusDecoder*);
  int (*packet_get_bandwidth)(const unsigned char*);
  int (*packet_get_nb_channels)(const unsigned char*);
  int (*packet_get_nb_frames)(const unsigned char*, opus_int32);
  int (*packet_get_samples_per_frame)(const unsigned char*, opus_int32);
};

OpusApi HostOpus() {
  return {opus_get_version_string, opus_strerror,     opus_encoder_create,
          opus_encode,             opus_encoder_ctl,  opus_encoder_destroy,
          opus_decoder_create,     opus_decode,       opus_decoder_ctl,
          opus_decoder_destroy,    opus_packet_get_bandwidth, opus_packet_get_nb_channels,
          opus_packet_get_nb_frames, opus_packet_get_samples_per_frame};
}

template <typename F>
bool Bind(void* handle, const char* name, F* out) {
  *out = reinterpret_cast<F>(bridge_dlsym(handle, name));
  return *out != nullptr;
}

bool AndroidOpus(void* handle, OpusApi* api) {
  return Bind(handle, "opus_get_version_string", &api->version) && Bind(handle, "opus_strerror", &api->strerror) &&
         Bind(handle, "opus_encoder_create", &api->encoder_create) && Bind(handle, "opus_encode", &api->encode) &&
         Bind(handle, "opus_encoder_ctl", &api->encoder_ctl) &&
         Bind(handle, "opus_encoder_destroy", &api->encoder_destroy) &&
         Bind(handle, "opus_decoder_create", &api->decoder_create) && Bind(handle, "opus_decode", &api->decode) &&
         Bind(handle, "opus_decoder_ctl", &api->decoder_ctl) &&
         Bind(handle, "opus_decoder_destroy", &api->decoder_destroy) &&
         Bind(handle, "opus_packet_get_bandwidth", &api->packet_get_bandwidth) &&
         Bind(handle, "opus_packet_get_nb_channels", &api->packet_get_nb_channels) &&
         Bind(handle, "opus_packet_get_nb_frames", &api->packet_get_nb_frames) &&
         Bind(handle, "opus_packet_get_samples_per_frame", &api->packet_get_samples_per_frame);
}

// One way of using the codec: the sample rate and channels of the PCM, the
// application, the bitrate, and what the packets must say about themselves.
struct Setting {
  const char* name;
  int rate;
  int channels;
  int application;
  int signal;  // OPUS_SIGNAL_*: fixes the encoder's choice of mode
  int bitrate;
  int frame_ms;
  int bandwidth;         // OPUS_BANDWIDTH_* the encoder picks for this signal
  const char* mode;      // from the TOC's configuration number
  double min_snr_db;     // of the decoded audio against the input (measured: 8, 5.5, 22.9)
};

const Setting kSettings[] = {
    {"silk", 16000, 1, OPUS_APPLICATION_VOIP, OPUS_SIGNAL_VOICE, 16000, 20, OPUS_BANDWIDTH_WIDEBAND, "SILK", 6},
    {"hybrid", 48000, 1, OPUS_APPLICATION_VOIP, OPUS_SIGNAL_VOICE, 28000, 20, OPUS_BANDWIDTH_FULLBAND, "hybrid", 4},
    {"celt", 48000, 2, OPUS_APPLICATION_AUDIO, OPUS_SIGNAL_MUSIC, 128000, 10, OPUS_BANDWIDTH_FULLBAND, "CELT", 18},
};

const char* ModeOf(const unsigned char* packet) {
  const int config = packet[0] >> 3;
  return config < 12 ? "SILK" : config < 16 ? "hybrid" : "CELT";
}

// One second of a voiced-like tone (a 180 Hz fundamental with decaying
// harmonics, its loudness varying), a 1.3 kHz tone and a little noise from
// a fixed generator, the channels differing.
std::vector<opus_int16> Signal(int rate, int channels) {
  std::vector<opus_int16> pcm(static_cast<size_t>(rate) * channels);
  uint32_t noise = 12345;
  for (int i = 0; i < rate; ++i) {
    const double t = static_cast<double>(i) / rate;
    double voice = 0;
    for (int h = 1; h <= 12; ++h) voice += std::sin(2 * M_PI * 180 * h * t) / h;
    const double envelope = 0.6 + 0.4 * std::sin(2 * M_PI * 3 * t);
    for (int c = 0; c < channels; ++c) {
      noise = noise * 1664525u + 1013904223u;
      const double n = (static_cast<double>(noise >> 8) / (1 << 24) - 0.5) * 0.02;
      const double v = 0.3 * envelope * voice + 0.15 * std::sin(2 * M_PI * (1300 + 200 * c) * t) + n;
      pcm[static_cast<size_t>(i) * channels + c] = static_cast<opus_int16>(std::lround(v * 12000));
    }
  }
  return pcm;
}

struct Packet {
  std::vector<unsigned char> bytes;
  opus_uint32 final_range = 0;
};

// Encodes the whole signal with `api`; a failure is reported through gtest.
std::vector<Packet> Encode(const OpusApi& api, const Setting& s, const std::vector<opus_int16>& pcm,
                           int* lookahead) {
  int error = 0;
  OpusEncoder* enc = api.encoder_create(s.rate, s.channels, s.application, &error);
  EXPECT_EQ(error, OPUS_OK) << api.strerror(error);
  if (enc == nullptr) return {};
  EXPECT_EQ(api.encoder_ctl(enc, OPUS_SET_BITRATE(s.bitrate)), OPUS_OK);
  EXPECT_EQ(api.encoder_ctl(enc, OPUS_SET_COMPLEXITY(10)), OPUS_OK);
  EXPECT_EQ(api.encoder_ctl(enc, OPUS_SET_SIGNAL(s.signal)), OPUS_OK);
  EXPECT_EQ(api.encoder_ctl(enc, OPUS_GET_LOOKAHEAD(lookahead)), OPUS_OK);
  const int frame = s.rate * s.frame_ms / 1000;
  std::vector<Packet> packets;
  for (size_t at = 0; at + static_cast<size_t>(frame) * s.channels <= pcm.size();
       at += static_cast<size_t>(frame) * s.channels) {
    Packet p;
    p.bytes.resize(1500);
    const opus_int32 n = api.encode(enc, pcm.data() + at, frame, p.bytes.data(), 1500);
    EXPECT_GT(n, 0) << s.name << ": " << api.strerror(n);
    if (n <= 0) break;
    p.bytes.resize(static_cast<size_t>(n));
    EXPECT_EQ(api.encoder_ctl(enc, OPUS_GET_FINAL_RANGE(&p.final_range)), OPUS_OK);
    packets.push_back(std::move(p));
  }
  api.encoder_destroy(enc);
  return packets;
}

// Decodes the packets with `api`, checking each one's final range against
// the encoder's and its sample count against the frame size.
std::vector<opus_int16> Decode(const OpusApi& api, const Setting& s, const std::vector<Packet>& packets,
                               const char* who) {
  int error = 0;
  OpusDecoder* dec = api.decoder_create(s.rate, s.channels, &error);
  EXPECT_EQ(error, OPUS_OK) << api.strerror(error);
  if (dec == nullptr) return {};
  const int frame = s.rate * s.frame_ms / 1000;
  std::vector<opus_int16> out;
  std::vector<opus_int16> buf(static_cast<size_t>(frame) * s.channels);
  int mismatched_ranges = 0;
  for (const Packet& p : packets) {
    const int n = api.decode(dec, p.bytes.data(), static_cast<opus_int32>(p.bytes.size()), buf.data(), frame, 0);
    EXPECT_EQ(n, frame) << who << " " << s.name << ": " << api.strerror(n);
    if (n != frame) break;
    opus_uint32 range = 0;
    EXPECT_EQ(api.decoder_ctl(dec, OPUS_GET_FINAL_RANGE(&range)), OPUS_OK);
    if (range != p.final_range) ++mismatched_ranges;
    out.insert(out.end(), buf.begin(), buf.end());
  }
  EXPECT_EQ(mismatched_ranges, 0) << who << " " << s.name << ": packets whose decoder final range is not the encoder's";
  api.decoder_destroy(dec);
  return out;
}

// Signal-to-noise ratio of `got` against `want`, in dB, over the samples
// both have, `got` starting `delay` samples (per channel) late.
double SnrDb(const std::vector<opus_int16>& want, const std::vector<opus_int16>& got, int channels, int delay) {
  double signal = 0, noise = 0;
  const size_t skip = static_cast<size_t>(delay) * channels;
  for (size_t i = 0; i + skip < got.size() && i < want.size(); ++i) {
    const double w = want[i], d = got[i + skip] - w;
    signal += w * w;
    noise += d * d;
  }
  return noise == 0 ? INFINITY : 10 * std::log10(signal / noise);
}

class OpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string lib = testing::AndroidTarget("opus", "libopus.so");
    handle_ = bridge_dlopen(lib.c_str(), BRIDGE_RTLD_NOW);
    if (handle_ == nullptr) error_ = bridge_dlerror();
  }
  void SetUp() override {
    ASSERT_NE(handle_, nullptr) << error_;
    ASSERT_TRUE(AndroidOpus(handle_, &android_)) << "a libopus function is missing from the Android build";
  }
  static inline void* handle_ = nullptr;
  static inline std::string error_;
  OpusApi android_{};
  const OpusApi host_ = HostOpus();
};

TEST_F(OpusTest, IsTheAndroidBuild) {
  EXPECT_STREQ(android_.version(), "libopus 1.5.2-73-gc79a9bd1");
  EXPECT_STREQ(host_.version(), "libopus 1.3.1");
  EXPECT_STREQ(android_.strerror(OPUS_INVALID_PACKET), "corrupted stream");
}

TEST_F(OpusTest, HostPacketsDecodeOnTheAndroidBuildAsOnTheHost) {
  for (const Setting& s : kSettings) {
    const std::vector<opus_int16> pcm = Signal(s.rate, s.channels);
    int lookahead = 0;
    const std::vector<Packet> packets = Encode(host_, s, pcm, &lookahead);
    ASSERT_EQ(packets.size(), 1000u / s.frame_ms) << s.name;
    const std::vector<opus_int16> on_android = Decode(android_, s, packets, "android decoder");
    const std::vector<opus_int16> on_host = Decode(host_, s, packets, "host decoder");
    ASSERT_EQ(on_android.size(), on_host.size()) << s.name;
    ASSERT_EQ(on_android.size(), pcm.size()) << s.name;
    // Both are float decoders rounding to 16 bits; they may differ by the
    // rounding of a few samples, never by more than one step.
    int max_diff = 0;
    size_t differing = 0;
    for (size_t i = 0; i < on_host.size(); ++i) {
      const int d = std::abs(on_android[i] - on_host[i]);
      max_diff = std::max(max_diff, d);
      differing += d != 0;
    }
    EXPECT_LE(max_diff, 1) << s.name << ": " << differing << " samples differ";
    EXPECT_GT(SnrDb(pcm, on_android, s.channels, lookahead), s.min_snr_db) << s.name;
  }
}

TEST_F(OpusTest, AndroidPacketsAreWhatWasAskedAndDecodeOnTheHost) {
  for (const Setting& s : kSettings) {
    const std::vector<opus_int16> pcm = Signal(s.rate, s.channels);
    int lookahead = 0, host_lookahead = 0;
    const std::vector<Packet> packets = Encode(android_, s, pcm, &lookahead);
    ASSERT_EQ(packets.size(), 1000u / s.frame_ms) << s.name;
    const std::vector<Packet> host_packets = Encode(host_, s, pcm, &host_lookahead);
    EXPECT_EQ(lookahead, host_lookahead) << s.name;
    size_t bytes = 0;
    for (size_t i = 0; i < packets.size(); ++i) {
      const unsigned char* p = packets[i].bytes.data();
      const auto len = static_cast<opus_int32>(packets[i].bytes.size());
      bytes += packets[i].bytes.size();
      // The first packets may still be narrower while the encoder settles.
      if (i >= 5) {
        EXPECT_STREQ(ModeOf(p), s.mode) << s.name << " packet " << i;
        EXPECT_EQ(host_.packet_get_bandwidth(p), s.bandwidth) << s.name << " packet " << i;
      }
      EXPECT_EQ(android_.packet_get_bandwidth(p), host_.packet_get_bandwidth(p));
      EXPECT_EQ(host_.packet_get_nb_channels(p), s.channels) << s.name;
      EXPECT_EQ(android_.packet_get_nb_channels(p), s.channels) << s.name;
      EXPECT_EQ(host_.packet_get_nb_frames(p, len), 1) << s.name;
      EXPECT_EQ(android_.packet_get_nb_frames(p, len), 1) << s.name;
      EXPECT_EQ(host_.packet_get_samples_per_frame(p, s.rate), s.rate * s.frame_ms / 1000) << s.name;
      EXPECT_EQ(android_.packet_get_samples_per_frame(p, s.rate), s.rate * s.frame_ms / 1000) << s.name;
    }
    // Constrained VBR keeps the average near the bitrate asked for.
    const double kbps = bytes * 8.0 / 1000;
    EXPECT_NEAR(kbps, s.bitrate / 1000.0, s.bitrate / 1000.0 * 0.25) << s.name;
    const std::vector<opus_int16> on_host = Decode(host_, s, packets, "host decoder");
    const std::vector<opus_int16> on_android = Decode(android_, s, packets, "android decoder");
    ASSERT_EQ(on_host.size(), pcm.size()) << s.name;
    EXPECT_EQ(on_host.size(), on_android.size()) << s.name;
    // The Android encoder is two releases newer; its audio must be as
    // faithful as the host encoder's, give or take 1 dB (measured: the same
    // within 0.05 dB; its CELT packets are even the host's byte for byte).
    const double snr = SnrDb(pcm, on_host, s.channels, lookahead);
    const double host_snr = SnrDb(pcm, Decode(host_, s, host_packets, "host decoder"), s.channels, host_lookahead);
    EXPECT_GT(snr, s.min_snr_db) << s.name;
    EXPECT_GT(snr, host_snr - 1) << s.name;
  }
}

TEST_F(OpusTest, BadInputGivesTheSameErrors) {
  for (const OpusApi* api : {static_cast<const OpusApi*>(&android_), &host_}) {
    const char* who = api == &android_ ? "android" : "host";
    int error = 0;
    EXPECT_EQ(api->decoder_create(44100, 2, &error), nullptr) << who;
    EXPECT_EQ(error, OPUS_BAD_ARG) << who;
    EXPECT_EQ(api->encoder_create(48000, 3, OPUS_APPLICATION_AUDIO, &error), nullptr) << who;
    EXPECT_EQ(error, OPUS_BAD_ARG) << who;
    OpusDecoder* dec = api->decoder_create(48000, 2, &error);
    ASSERT_NE(dec, nullptr) << who;
    std::vector<opus_int16> out(5760 * 2);
    // A code-3 packet declaring zero frames, and one declaring more than
    // 120 ms of 20 ms frames.
    const unsigned char zero_frames[] = {0xFB, 0x00};
    const unsigned char too_long[] = {0xFB, 0x07, 1, 2, 3};
    EXPECT_EQ(api->decode(dec, zero_frames, 2, out.data(), 5760, 0), OPUS_INVALID_PACKET) << who;
    EXPECT_EQ(api->decode(dec, too_long, 5, out.data(), 5760, 0), OPUS_INVALID_PACKET) << who;
    // A 20 ms packet into a 10 ms buffer.
    const unsigned char celt_20ms[] = {0xF8, 0xFF, 0xFE};
    EXPECT_EQ(api->decode(dec, celt_20ms, 3, out.data(), 480, 0), OPUS_BUFFER_TOO_SMALL) << who;
    EXPECT_EQ(api->decode(dec, celt_20ms, 3, out.data(), 960, 0), 960) << who;
    EXPECT_EQ(api->packet_get_nb_frames(zero_frames, 1), OPUS_INVALID_PACKET) << who;
    EXPECT_EQ(api->decoder_ctl(dec, 999999), OPUS_UNIMPLEMENTED) << who;
    api->decoder_destroy(dec);
  }
}

}  // namespace
}  // namespace vmi::bridge
