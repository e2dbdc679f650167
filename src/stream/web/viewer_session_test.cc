#include "stream/web/viewer_session.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <thread>

#include "stream/video/test_pattern_source.h"
#include "stream/web/live_view.h"
#include "stream/web/testing_sinks.h"

namespace vmi::web {
namespace {

using namespace std::chrono_literals;

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}
const std::string kHelloH264 = Bytes({0x10, 0x01, 0x01, 0x00});
const std::string kHelloJpeg = Bytes({0x10, 0x01, 0x02, 0x00});

std::string PointerMsg(int buttons, int x, int y) {
  return Bytes({0x11, buttons, x & 0xff, x >> 8, y & 0xff, y >> 8});
}

template <typename F>
bool Eventually(F cond) {
  for (int i = 0; i < 1000 && !cond(); ++i) std::this_thread::sleep_for(10ms);
  return cond();
}

class ViewerSessionTest : public ::testing::Test {
 protected:
  video::TestPatternSource source_{320, 480};
  RecordingSink sink_;
  LiveView view_{&source_, &sink_, {}};
};

TEST_F(ViewerSessionTest, HelloThenConfigThenKeyframe) {
  RecordingTransport t;
  auto s = view_.Connect(&t);
  s->OnMessage(Span(kHelloH264));
  std::string config = t.WaitFor(kConfig);
  ASSERT_FALSE(config.empty());
  EXPECT_EQ(config.substr(0, 6), Bytes({0x01, 0x00, 0x40, 0x01, 0xe0, 0x01}));
  EXPECT_EQ(config.substr(8, 7), "avc1.42");
  std::string video = t.WaitFor(kVideo);
  ASSERT_GT(video.size(), 16u);
  EXPECT_EQ(video[1], 1);  // keyframe
  // Annex-B after the 12-byte header.
  EXPECT_EQ(video.substr(12, 4), Bytes({0, 0, 0, 1}));
  // CONFIG came before the first VIDEO; a CONTROL state was sent too.
  auto msgs = t.messages();
  size_t ci = 0, vi = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i][0] == kConfig && !ci) ci = i + 1;
    if (msgs[i][0] == kVideo && !vi) vi = i + 1;
  }
  EXPECT_LT(ci, vi);
  EXPECT_FALSE(t.WaitFor(kControlState).empty());
  s->OnClose();
}

// Wall tiles: the preview is the same screen at a third of the size, and a
// viewer switches between it and the full stream on the same connection.
TEST_F(ViewerSessionTest, PreviewStreamAndSwitchingToFull) {
  RecordingTransport t;
  auto s = view_.Connect(&t);
  s->OnMessage(Span(Bytes({0x10, 0x01, 0x05, 0x00})));  // H.264 + preview
  std::string config = t.WaitFor(kConfig);
  ASSERT_FALSE(config.empty());
  // 320x480 / 3 -> 106x160.
  EXPECT_EQ(config.substr(0, 6), Bytes({0x01, 0x00, 106, 0x00, 160, 0x00}));
  std::string key = t.WaitFor(kVideo);
  ASSERT_FALSE(key.empty());
  EXPECT_EQ(key[1], 1);
  // Pointing at a preview is not input, and not an error either.
  s->OnMessage(Span(PointerMsg(1, 300, 400)));
  EXPECT_FALSE(t.closed());
  s->OnMessage(Span(Bytes({0x19, 0x00})));  // the full stream
  std::string full = t.WaitFor(kConfig, 1);
  ASSERT_FALSE(full.empty());
  EXPECT_EQ(full.substr(0, 6), Bytes({0x01, 0x00, 0x40, 0x01, 0xe0, 0x01}));
  EXPECT_GT(view_.pipeline().stats().preview_frames, 0u);
  s->OnMessage(Span(Bytes({0x19, 0x01})));  // and back
  std::string again = t.WaitFor(kConfig, 2);
  EXPECT_EQ(again.substr(0, 6), Bytes({0x01, 0x00, 106, 0x00, 160, 0x00}));
  s->OnClose();
}

TEST_F(ViewerSessionTest, JpegViewer) {
  RecordingTransport t;
  auto s = view_.Connect(&t);
  s->OnMessage(Span(kHelloJpeg));
  std::string config = t.WaitFor(kConfig);
  EXPECT_EQ(config.substr(8), "jpeg");
  std::string jpeg = t.WaitFor(kJpeg);
  ASSERT_GT(jpeg.size(), 22u);
  EXPECT_EQ(jpeg[1], 1);  // full frame
  EXPECT_EQ(jpeg.substr(20, 2), Bytes({0xff, 0xd8}));  // JPEG SOI
  s->OnClose();
}

TEST_F(ViewerSessionTest, InputIsDeliveredWithExactCoordinatesAndChecked) {
  RecordingTransport t;
  auto s = view_.Connect(&t);
  s->OnMessage(Span(kHelloH264));
  ASSERT_FALSE(t.WaitFor(kConfig).empty());
  s->OnMessage(Span(PointerMsg(1, 319, 479)));
  s->OnMessage(Span(Bytes({0x13, 0x00, 0x05, 0x00, 'h', 'i', 0xc3, 0xa9, '!'})));
  s->OnMessage(Span(Bytes({0x14, 0x00, 0x02, 0x00, 10, 0, 20, 0})));
  s->OnMessage(Span(Bytes({0x12, 0x01, 0, 0, 0x0d, 0xff, 0, 0})));
  s->OnMessage(Span(Bytes({0x15, 0x03})));  // back
  auto ev = sink_.events();
  std::vector<std::string> want = {"pointer 319 479 1", "text hi\xc3\xa9!", "touch 2 0 10 20",
                                   "key 65293 1", "key 269025062 1", "key 269025062 0"};
  EXPECT_EQ(ev, want);
  EXPECT_FALSE(t.closed());
  // Outside the 320x480 screen the viewer was told about: closed.
  s->OnMessage(Span(PointerMsg(0, 320, 10)));
  EXPECT_TRUE(t.closed());
  EXPECT_EQ(t.close_code(), 1008);
  EXPECT_EQ(t.close_reason(), "coordinates 320,10 outside the 320x480 screen");
  EXPECT_EQ(t.WaitFor(kError).substr(4), t.close_reason());
  // Nothing of the refused message arrived; the viewer's leaving released
  // what it still held (the InputRouter's rule), so nothing stays stuck.
  ev = sink_.events();
  ASSERT_GE(ev.size(), want.size());
  std::vector<std::string> after(ev.begin() + static_cast<long>(want.size()), ev.end());
  for (const auto& e : after) EXPECT_EQ(e.find("320"), std::string::npos) << e;
  EXPECT_NE(std::find(after.begin(), after.end(), "key 65293 0"), after.end());
  EXPECT_NE(std::find_if(after.begin(), after.end(),
                         [](const std::string& e) {
                           return e.rfind("pointer ", 0) == 0 && e.ends_with(" 0");
                         }),
            after.end());  // button 1 up
}

TEST_F(ViewerSessionTest, MalformedMessagesAndInputBeforeHelloClose) {
  RecordingTransport t1;
  auto s1 = view_.Connect(&t1);
  s1->OnMessage(Span(PointerMsg(0, 1, 1)));
  EXPECT_TRUE(t1.closed());
  EXPECT_EQ(t1.close_reason(), "expected hello first");

  RecordingTransport t2;
  auto s2 = view_.Connect(&t2);
  s2->OnMessage(Span(Bytes({0x7f, 0x00})));
  EXPECT_TRUE(t2.closed());
  EXPECT_EQ(t2.close_reason(), "unknown message type 127");
  EXPECT_TRUE(s2->closed());
  EXPECT_TRUE(sink_.events().empty());
  EXPECT_EQ(view_.arbiter().view().viewers, 0);
}

TEST_F(ViewerSessionTest, OnlyTheControllerDrivesInput) {
  RecordingTransport ta, tb;
  auto a = view_.Connect(&ta);
  auto b = view_.Connect(&tb);
  a->OnMessage(Span(kHelloH264));
  b->OnMessage(Span(kHelloH264));
  ASSERT_FALSE(ta.WaitFor(kConfig).empty());
  ASSERT_FALSE(tb.WaitFor(kConfig).empty());
  a->OnMessage(Span(PointerMsg(0, 1, 1)));  // nobody controls: a takes it
  b->OnMessage(Span(PointerMsg(0, 2, 2)));  // dropped
  EXPECT_EQ(sink_.events(), std::vector<std::string>{"pointer 1 1 0"});
  EXPECT_EQ(view_.arbiter().view().controller, a->viewer_id());
  b->OnMessage(Span(Bytes({0x16, 0x01})));  // hand-over
  EXPECT_EQ(view_.arbiter().view().controller, b->viewer_id());
  // a was told another viewer controls now.
  auto msgs = ta.messages();
  std::string last;
  for (auto& m : msgs)
    if (m[0] == kControlState) last = m;
  EXPECT_EQ(last, EncodeControlState(ControlStateKind::kOther, 2, a->viewer_id(), b->viewer_id()));
  a->OnMessage(Span(PointerMsg(0, 3, 3)));  // dropped, connection stays
  b->OnMessage(Span(PointerMsg(0, 4, 4)));
  EXPECT_EQ(sink_.events(), (std::vector<std::string>{"pointer 1 1 0", "pointer 4 4 0"}));
  EXPECT_FALSE(ta.closed());
  b->OnClose();  // the controller leaves: nobody controls
  EXPECT_EQ(view_.arbiter().view().controller, 0u);
  a->OnClose();
}

TEST_F(ViewerSessionTest, ViewerThatNeverReadsIsDroppedOthersContinue) {
  ViewerSessionOptions o;
  o.stall_timeout_us = 200'000;
  // A named options object: GCC 12 at -O2 reports a false
  // -Wmaybe-uninitialized for the designated-initializer temporary.
  LiveViewOptions lo;
  lo.session = o;
  LiveView view(&source_, &sink_, lo);
  source_.SetAnimating(true);
  RecordingTransport stuck, good;
  stuck.set_queued_bytes(64 << 20);  // its socket never drains
  auto s = view.Connect(&stuck);
  auto g = view.Connect(&good);
  s->OnMessage(Span(kHelloH264));
  g->OnMessage(Span(kHelloH264));
  ASSERT_TRUE(Eventually([&] { return stuck.closed(); }));
  EXPECT_EQ(stuck.close_reason(), "viewer not reading");
  EXPECT_EQ(s->frames_sent(), 0u);
  uint64_t before = g->frames_sent();
  // Meanwhile the stuck viewer's memory stays within its channel's limits.
  video::ChannelLimits limits;
  ASSERT_TRUE(Eventually([&] {
    auto st = s->video_stats();
    EXPECT_LE(st.queued_frames, limits.max_frames);
    EXPECT_LE(st.queued_bytes, limits.max_bytes);
    return g->frames_sent() > before + 10;
  }));
  EXPECT_FALSE(good.closed());
  s->OnClose();
  g->OnClose();
}

// FRAME ACK for a VIDEO message: the same timestamp bytes.
std::string AckFor(const std::string& video) { return Bytes({0x18, 0, 0, 0}) + video.substr(4, 8); }

// A browser presenting frames: acks each VIDEO message in order, waiting
// `every` between two acks, until stopped.
class Presenter {
 public:
  Presenter(RecordingTransport* t, std::shared_ptr<ViewerSession> s, std::chrono::milliseconds every)
      : thread_([this, t, s, every] {
          size_t seen = 0;
          while (!stop_) {
            auto msgs = t->messages();
            bool acked = false;
            for (; seen < msgs.size() && !acked; ++seen) {
              if (msgs[seen].empty() || msgs[seen][0] != 0x02) continue;
              s->OnMessage(Span(AckFor(msgs[seen])));
              acks_++;
              acked = true;
            }
            std::this_thread::sleep_for(acked ? every : 2ms);
          }
        }) {}
  ~Presenter() {
    stop_ = true;
    thread_.join();
  }
  int acks() const { return acks_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> acks_{0};
  std::thread thread_;
};

TEST_F(ViewerSessionTest, SlowViewerDoesNotDelayAFastOne) {
  source_.SetAnimating(true);
  RecordingTransport fast_t, slow_t;
  auto fast = view_.Connect(&fast_t);
  auto slow = view_.Connect(&slow_t);
  fast->OnMessage(Span(kHelloH264));
  slow->OnMessage(Span(kHelloH264));
  {
    Presenter fast_p(&fast_t, fast, 0ms);
    Presenter slow_p(&slow_t, slow, 300ms);
    // The fast viewer keeps getting the animation while the slow one has
    // presented only a few frames.
    ASSERT_TRUE(Eventually([&] { return fast->frames_sent() > 40; }));
    EXPECT_LT(slow_p.acks(), 20);
    // The slow one is paced by its acks: never more than two frames ahead of
    // what it presented (plus what it got before its first ack).
    auto st = slow->video_stats();
    EXPECT_LE(st.in_flight, 2u);
    EXPECT_LE(slow->frames_sent(), static_cast<uint64_t>(slow_p.acks()) + 4);
    // And the fast viewer was not flooded with keyframes on its account.
    int keyframes = 0;
    for (const auto& m : fast_t.messages()) keyframes += m.size() > 1 && m[0] == 0x02 && (m[1] & 1);
    EXPECT_LE(keyframes, 1 + static_cast<int>(fast->frames_sent()) / 10);
  }
  fast->OnClose();
  slow->OnClose();
}

// A viewer that acks nothing after its first frame gets nothing more (no
// queue of stale frames builds up for it), and resumes when acks come.
TEST_F(ViewerSessionTest, UnacknowledgedFramesHoldTheStreamBack) {
  LiveViewOptions lo;
  lo.pipeline.channel.ack_timeout_us = 60'000'000;  // acks are never late here
  LiveView view(&source_, &sink_, lo);
  source_.SetAnimating(true);
  RecordingTransport t;
  auto s = view.Connect(&t);
  s->OnMessage(Span(kHelloH264));
  std::string first = t.WaitFor(0x02);
  ASSERT_FALSE(first.empty());
  s->OnMessage(Span(AckFor(first)));
  // Two in flight: once they are out, no further frame while neither is
  // acknowledged, however long the animation runs (the pipeline skips
  // instead of queueing).
  auto skipped_more = [&](uint64_t n) {
    uint64_t at = view.pipeline().stats().skipped;
    return Eventually([&] { return view.pipeline().stats().skipped > at + n; });
  };
  ASSERT_TRUE(skipped_more(10));
  uint64_t sent = s->frames_sent();
  ASSERT_TRUE(skipped_more(10));
  EXPECT_EQ(s->frames_sent(), sent);
  EXPECT_EQ(s->video_stats().in_flight, 2u);
  EXPECT_EQ(s->video_stats().queued_frames, 0u);
  // One ack: the newest picture goes out.
  std::string last = t.WaitFor(0x02, sent - 1);
  s->OnMessage(Span(AckFor(last)));
  EXPECT_FALSE(t.WaitFor(0x02, sent).empty());
  s->OnClose();
}

}  // namespace
}  // namespace vmi::web
