// Replays the fuzz target's seeds and regressions (fuzz_corpus/) and a few
// crafted hostile streams, so the regular suite covers the fuzzed path.
#include <dirent.h>
#include <gtest/gtest.h>

#include "base/file.h"
#include "devices/surface/protocol.h"
#include "devices/surface/protocol_fuzz_driver.h"

namespace vmi::surface {
namespace {

std::vector<uint8_t> Stream(const std::vector<std::vector<uint8_t>>& datagrams) {
  std::vector<uint8_t> out;
  for (const auto& d : datagrams) {
    out.push_back(static_cast<uint8_t>(d.size()));
    out.push_back(static_cast<uint8_t>(d.size() >> 8));
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

size_t Feed(const std::vector<uint8_t>& s) { return FuzzGuestStream(s.data(), s.size()); }

TEST(SurfaceProtocolFuzz, AValidStreamIsAcceptedWhole) {
  auto s = Stream({EncodeHello({1}), EncodeAddBuffer({1, 64, 64, 256, 1}),
                   EncodeAddBuffer({2, 32, 32, 128, 1}), EncodePresent({1, 1, {{0, 0, 64, 64}}}),
                   EncodePresent({2, 2, {}}), EncodePresent({1, 3, {{63, 63, 1, 1}}}),
                   EncodeRemoveBuffer({1}), EncodePresent({2, 4, {}})});
  EXPECT_EQ(Feed(s), 8u);
}

TEST(SurfaceProtocolFuzz, HostileStreamsStopAtTheBadMessage) {
  // A buffer larger than the 64 KiB memfd behind it.
  EXPECT_EQ(Feed(Stream({EncodeHello({1}), EncodeAddBuffer({1, 256, 256, 1024, 1})})), 1u);
  // Damage one pixel past the buffer's edge.
  EXPECT_EQ(Feed(Stream({EncodeHello({1}), EncodeAddBuffer({1, 8, 8, 32, 1}),
                         EncodePresent({1, 1, {{7, 0, 2, 1}}})})),
            2u);
  // Present of a removed buffer.
  EXPECT_EQ(Feed(Stream({EncodeHello({1}), EncodeAddBuffer({1, 8, 8, 32, 1}),
                         EncodeRemoveBuffer({1}), EncodePresent({1, 1, {}})})),
            3u);
  // Truncated datagram, garbage.
  EXPECT_EQ(Feed(Stream({EncodeHello({1}), {0x04, 0x00, 0x00, 0x00, 0xff}})), 1u);
  EXPECT_EQ(Feed({0xff, 0xff, 0x01}), 0u);
}

TEST(SurfaceProtocolFuzz, CorpusReplays) {
  DIR* d = opendir(VMI_SURFACE_CORPUS);
  ASSERT_NE(d, nullptr) << VMI_SURFACE_CORPUS;
  int files = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    auto data = ReadFile(std::string(VMI_SURFACE_CORPUS) + "/" + e->d_name);
    ASSERT_TRUE(data.ok()) << data.error().ToString();
    FuzzGuestStream(reinterpret_cast<const uint8_t*>(data->data()), data->size());
    ++files;
  }
  closedir(d);
  EXPECT_GE(files, 3);
}

}  // namespace
}  // namespace vmi::surface
