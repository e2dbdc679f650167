#include "devices/surface/frame_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace vmi::surface {
namespace {

using display::Rect;

BufferRef MakeBuffer(uint32_t id, int w, int h, uint64_t gen = 1) {
  static uint64_t keys = 0;
  UniqueFd fd(memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  EXPECT_EQ(ftruncate(fd.get(), w * h * 4), 0);
  EXPECT_EQ(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), 0);
  auto m = ShmBuffer::Map(std::move(fd), w, h, w * 4);
  EXPECT_TRUE(m.ok());
  return BufferRef{std::shared_ptr<const ShmBuffer>(std::move(*m)), gen, ++keys, id};
}

std::vector<uint32_t> Releases(const std::vector<Notice>& n) {
  std::vector<uint32_t> out;
  for (const auto& x : n)
    if (auto* r = std::get_if<Release>(&x.message)) out.push_back(r->buffer_id);
  return out;
}
std::vector<std::pair<uint32_t, uint32_t>> Dones(const std::vector<Notice>& n) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const auto& x : n)
    if (auto* d = std::get_if<FrameDone>(&x.message)) out.push_back({d->serial, d->flags});
  return out;
}

TEST(FrameState, BlackScreenBeforeAnyPresent) {
  FrameState s(4, 2);
  std::vector<Notice> n;
  auto v = s.Capture(1, &n);
  EXPECT_EQ(v.width, 4);
  EXPECT_EQ(v.height, 2);
  EXPECT_EQ(v.stride, 16);
  EXPECT_EQ(v.pixels[0], 0);
  EXPECT_EQ(v.damage, (std::vector<Rect>{{0, 0, 4, 2}}));
  EXPECT_EQ(v.sequence, 1u);
  auto again = s.Capture(2, &n);
  EXPECT_TRUE(again.damage.empty());
  EXPECT_EQ(again.sequence, 1u);
  s.SetDisplaySize(2, 4);  // rotation
  auto rotated = s.Capture(3, &n);
  EXPECT_EQ(rotated.width, 2);
  EXPECT_EQ(rotated.damage, (std::vector<Rect>{{0, 0, 2, 4}}));
  EXPECT_TRUE(n.empty());
}

TEST(FrameState, DoubleBufferingReleasesAfterTheNextCapture) {
  FrameState s(8, 8);
  BufferRef a = MakeBuffer(1, 8, 8), b = MakeBuffer(2, 8, 8);
  std::vector<Notice> n;
  s.Capture(0, &n);  // the consumer saw the black screen
  s.Present(a, 10, {{1, 1, 2, 2}}, 1, &n);
  EXPECT_TRUE(n.empty());
  auto v = s.Capture(2, &n);
  EXPECT_EQ(v.pixels, a.mem->pixels());
  EXPECT_EQ(v.damage, (std::vector<Rect>{{0, 0, 8, 8}})) << "a guest's first frame";
  EXPECT_EQ(Dones(n), (std::vector<std::pair<uint32_t, uint32_t>>{{10, kFrameDisplayed}}));
  EXPECT_TRUE(Releases(n).empty());
  n.clear();
  s.Present(b, 11, {{3, 3, 1, 1}}, 3, &n);
  EXPECT_TRUE(Releases(n).empty()) << "a is still lent to the consumer";
  v = s.Capture(4, &n);
  EXPECT_EQ(v.pixels, b.mem->pixels());
  EXPECT_EQ(v.damage, (std::vector<Rect>{{3, 3, 1, 1}}));
  EXPECT_EQ(Releases(n), (std::vector<uint32_t>{1}));
  EXPECT_EQ(Dones(n), (std::vector<std::pair<uint32_t, uint32_t>>{{11, kFrameDisplayed}}));
  n.clear();
  v = s.Capture(5, &n);
  EXPECT_TRUE(v.damage.empty());
  EXPECT_TRUE(n.empty()) << "b stays front and lent";
}

TEST(FrameState, ReplacedBeforeCaptureIsDroppedAndReleasedAtOnce) {
  FrameState s(8, 8);
  BufferRef a = MakeBuffer(1, 8, 8), b = MakeBuffer(2, 8, 8);
  std::vector<Notice> n;
  s.Present(a, 1, {}, 1, &n);
  s.Capture(2, &n);
  n.clear();
  s.Present(b, 2, {{0, 0, 1, 1}}, 3, &n);
  s.Present(a, 3, {{5, 5, 1, 1}}, 4, &n);  // a is lent: not released; b is dropped
  EXPECT_EQ(Dones(n), (std::vector<std::pair<uint32_t, uint32_t>>{{2, kFrameDropped}}));
  EXPECT_EQ(Releases(n), (std::vector<uint32_t>{2}));
  n.clear();
  auto v = s.Capture(5, &n);
  EXPECT_EQ(v.damage, (std::vector<Rect>{{0, 0, 1, 1}, {5, 5, 1, 1}})) << "damage accumulates";
  EXPECT_EQ(Dones(n), (std::vector<std::pair<uint32_t, uint32_t>>{{3, kFrameDisplayed}}));
}

TEST(FrameState, IdleCompletionAndForgottenGuests) {
  FrameState s(8, 8);
  std::vector<Notice> n;
  s.Present(MakeBuffer(1, 8, 8), 7, {}, 1, &n);
  s.CompleteIdle(1, 6, 2, &n);
  EXPECT_TRUE(n.empty()) << "wrong serial";
  s.CompleteIdle(1, 7, 2, &n);
  EXPECT_EQ(Dones(n), (std::vector<std::pair<uint32_t, uint32_t>>{{7, 0}}));
  n.clear();
  s.Present(MakeBuffer(2, 8, 8), 8, {}, 3, &n);
  s.ForgetGeneration(1);
  auto v = s.Capture(4, &n);
  EXPECT_EQ(v.width, 8) << "the picture survives its guest";
  EXPECT_TRUE(Dones(n).empty());
}

TEST(FrameState, ManyRectsCollapseToABoundingBox) {
  FrameState s(64, 64);
  std::vector<Notice> n;
  BufferRef a = MakeBuffer(1, 64, 64);
  s.Present(a, 1, {}, 1, &n);
  s.Capture(1, &n);
  std::vector<Rect> many;
  for (int i = 0; i < 40; ++i) many.push_back({i, i, 1, 1});
  s.Present(a, 2, many, 2, &n);
  auto v = s.Capture(3, &n);
  EXPECT_EQ(v.damage, (std::vector<Rect>{{0, 0, 40, 40}}));
}

}  // namespace
}  // namespace vmi::surface
