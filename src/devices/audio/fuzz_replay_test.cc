// Replays malformed inputs through the fuzz target bodies, so the regular
// suite covers the parsers the fuzzers explore.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "devices/audio/fuzz_bodies.h"
#include "guest/audio/wire.h"

namespace vmi::audio {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(AudioFuzzReplay, WireParser) {
  std::vector<Bytes> cases = {
      {},
      {0x01},
      {0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff},                 // HELLO, no body
      {0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},                 // REPLY, no body
      {0x06, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0, 0, 0},  // PAUSE 2
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
  };
  Bytes long_hello = EncodeHello(1, {Direction::kPlayback, 1, std::string(40, 'x')});
  cases.push_back(long_hello);
  Bytes fmt = EncodeFormat(1, {SampleFormat::kFloatLE, 255, 0xffffffff, 0xffffffff, 0});
  cases.push_back(fmt);
  for (MsgType t : {MsgType::kStart, MsgType::kClose, MsgType::kDrain})
    cases.push_back(EncodeSimple(0xdeadbeef, t));
  cases.push_back(EncodeReply(5, {MsgType::kFormat, -1, 1u << 31, "audio-9.ring"}));
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    Bytes b = cases[rng() % cases.size()];
    if (!b.empty()) b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    cases.push_back(b);
  }
  for (auto& c : cases) FuzzWireParser(c.data(), c.size());
}

TEST(AudioFuzzReplay, OpusIngress) {
  std::vector<Bytes> cases = {
      {0xfc},                    // code 0 TOC, CELT FB 20 ms, no payload
      {0x03},                    // code 3 without a frame count byte
      {0x03, 0xff},              // code 3, 63 frames, VBR, truncated
      {0x03, 0x30, 0x01, 0x02},  // code 3, 48 frames (too long)
      {0x02, 0xff, 0xff, 0xff},  // code 2, first frame length beyond the packet
      Bytes(1500, 0xff),
      Bytes(4000, 0x00),
  };
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {
    Bytes b(1 + rng() % 400);
    for (auto& x : b) x = rng();
    cases.push_back(b);
  }
  for (auto& c : cases) FuzzOpusIngress(c.data(), c.size());
}

}  // namespace
}  // namespace vmi::audio
