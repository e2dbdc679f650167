// Hostile and broken guests, viewers and hosts: the host keeps working with
// bounded memory, and ALSA programs get errors instead of hangs.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "base/file.h"
#include "devices/audio/audio_device.h"
#include "devices/audio/test_util.h"
#include "guest/audio/control_client.h"
#include "guest/audio/ring.h"

namespace vmi::audio {
namespace {

using namespace std::chrono_literals;
using testing::HubThread;
using testing::TempDir;

// A guest speaking the protocol by hand, to misbehave on purpose.
class RawGuest {
 public:
  static std::unique_ptr<RawGuest> Open(const std::string& devdir, Direction dir) {
    auto c = ControlClient::Connect(devdir + "/audio.sock");
    if (!c.ok()) return nullptr;
    std::unique_ptr<RawGuest> g(new RawGuest(std::move(*c)));
    auto r = g->c_.Request(EncodeHello(g->c_.NextSeq(), {dir, 1, "raw"}));
    if (!r.ok() || r->status != 0) return nullptr;
    return g;
  }
  ~RawGuest() {
    if (map_) munmap(map_, bytes_);
  }
  int Format(const audio::Format& f) {
    auto r = c_.Request(EncodeFormat(c_.NextSeq(), f));
    if (!r.ok()) return -1000;
    if (r->status) return r->status;
    UniqueFd fd = c_.TakeFd();
    if (!fd) return -1001;
    bytes_ = r->ring_bytes;
    map_ = static_cast<uint8_t*>(
        mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0));
    auto l = ReadRingHeader({map_, bytes_});
    if (!l.ok()) return -1002;
    ring_ = RingView(map_, *l);
    ring_fd_ = std::move(fd);
    return 0;
  }
  int Simple(MsgType t) {
    auto r = c_.Request(EncodeSimple(c_.NextSeq(), t));
    return r.ok() ? r->status : -1000;
  }
  RingView& ring() { return ring_; }
  ControlClient& client() { return c_; }
  int ring_fd() const { return ring_fd_.get(); }

 private:
  explicit RawGuest(ControlClient c) : c_(std::move(c)) {}
  ControlClient c_;
  UniqueFd ring_fd_;
  uint8_t* map_ = nullptr;
  size_t bytes_ = 0;
  RingView ring_;
};

size_t StreamCount(HubThread& h) {
  size_t n = 0;
  h.Call([&] { n = h.hub().device("a")->stream_count(); });
  return n;
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

bool AplayWorks(const std::string& devdir) {
  auto wav = testing::MakeToneWav(devdir + "/ok.wav", 48000, 2, 0.3, 440, 0.3);
  SpawnOptions o;
  o.env = testing::AlsaEnv(devdir, devdir);
  auto r = vmi::Run({"aplay", "-q", wav}, o, 20s);
  return r.ok() && r->ok();
}

long RssKb() {
  auto s = ReadFile("/proc/self/status");
  if (!s.ok()) return 0;
  auto p = s->find("VmRSS:");
  return p == std::string::npos ? 0 : std::atol(s->c_str() + p + 6);
}

class AudioBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.Call([&] { ASSERT_TRUE(h_.hub().AddDevice("a", dir_.path()).ok()); });
  }
  TempDir dir_;
  HubThread h_;
};

TEST_F(AudioBadInput, GarbageDatagramsCloseOnlyThatConnection) {
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    UniqueFd s(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::string p = dir_.path() + "/audio.sock";
    std::memcpy(a.sun_path, p.data(), p.size());
    ASSERT_EQ(connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    std::vector<uint8_t> junk(1 + rng() % 300);
    for (auto& b : junk) b = rng();
    junk[1] = i % 2 ? junk[1] : 1;  // half of them get past the version check
    ASSERT_GT(send(s.get(), junk.data(), junk.size(), MSG_NOSIGNAL), 0);
    pollfd pfd{s.get(), POLLIN, 0};
    ASSERT_EQ(poll(&pfd, 1, 5000), 1);
    char b;
    EXPECT_EQ(recv(s.get(), &b, 1, 0), 0) << "host should hang up on garbage";
  }
  EXPECT_TRUE(WaitFor([&] { return StreamCount(h_) == 0; }));
  EXPECT_TRUE(AplayWorks(dir_.path()));
}

TEST_F(AudioBadInput, GarbageFormatsAndOrderAreRefused) {
  auto g = RawGuest::Open(dir_.path(), Direction::kPlayback);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->Simple(MsgType::kStart), -EBADFD);  // before FORMAT
  EXPECT_EQ(g->Format({SampleFormat::kS16LE, 0, 48000, 4800, 480}), -EINVAL);
  EXPECT_EQ(g->Format({SampleFormat::kS16LE, 2, 0, 4800, 480}), -EINVAL);
  EXPECT_EQ(g->Format({SampleFormat::kS16LE, 2, 48000, 0x7fffffff, 480}), -EINVAL);
  EXPECT_EQ(g->Format({SampleFormat::kFloatLE, 8, 192000, 32768, 0}), -EINVAL);
  auto again = g->client().Request(EncodeHello(g->client().NextSeq(), {}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, -EBADFD);  // HELLO twice
  EXPECT_EQ(g->Format({SampleFormat::kS16LE, 2, 48000, 4800, 480}), 0);
  EXPECT_EQ(g->Simple(MsgType::kStart), -EBADFD);  // not prepared
  // The ring is sealed: the guest cannot shrink it under the host's mapping.
  EXPECT_LT(ftruncate(g->ring_fd(), 64), 0);
  EXPECT_EQ(g->Simple(MsgType::kPrepare), 0);
  EXPECT_EQ(g->Simple(MsgType::kStart), 0);
  EXPECT_EQ(StreamCount(h_), 1u);
}

TEST_F(AudioBadInput, FloodingGuestCannotHurtTheHost) {
  // Shared with the callbacks, which the fixture's hub outlives this body.
  auto packets = std::make_shared<std::atomic<size_t>>(0);
  auto finite = std::make_shared<std::atomic<bool>>(true);
  h_.Call([&] {
    uint64_t l = h_.hub().AddMixListener([finite](const float* b, size_t n, int64_t) {
      for (size_t i = 0; i < 2 * n; ++i)
        if (!std::isfinite(b[i]) || std::fabs(b[i]) > 1.0f) *finite = false;
    });
    h_.hub().SetMixInput(l, "a", 1.0f, false);
    h_.hub().device("a")->Subscribe([packets](const OpusPacket&) { ++*packets; });
  });
  long rss0 = RssKb();
  auto g = RawGuest::Open(dir_.path(), Direction::kPlayback);
  ASSERT_TRUE(g);
  ASSERT_EQ(g->Format({SampleFormat::kFloatLE, 2, 48000, 48000, 480}), 0);
  ASSERT_EQ(g->Simple(MsgType::kPrepare), 0);
  ASSERT_EQ(g->Simple(MsgType::kStart), 0);
  // Garbage samples (NaN, inf, huge) and counters far ahead and backwards.
  std::mt19937 rng(3);
  auto t_end = std::chrono::steady_clock::now() + 500ms;
  uint64_t w = 0;
  while (std::chrono::steady_clock::now() < t_end) {
    std::vector<uint32_t> junk(2 * 4800);
    for (auto& x : junk) x = rng();
    g->ring().CopyIn(w, reinterpret_cast<uint8_t*>(junk.data()), 4800);
    w += (rng() % 3 == 0) ? 1000000000000ull : 4800;
    g->ring().set_write_frames(rng() % 5 == 0 ? 3 : w);
    g->ring().set_read_frames(rng());  // the host's counter: it must ignore this
  }
  uint64_t t0 = 0, t1 = 0;
  h_.Call([&] { t0 = h_.hub().ticks(); });
  std::this_thread::sleep_for(200ms);
  h_.Call([&] { t1 = h_.hub().ticks(); });
  EXPECT_GT(t1, t0 + 5);  // the clock keeps ticking
  EXPECT_TRUE(finite->load());
  EXPECT_GT(packets->load(), 20u);
  EXPECT_LT(RssKb() - rss0, 20 * 1024);
  EXPECT_TRUE(AplayWorks(dir_.path()));
}

TEST_F(AudioBadInput, NeverDrainingCaptureGuestStaysBounded) {
  auto g = RawGuest::Open(dir_.path(), Direction::kCapture);
  ASSERT_TRUE(g);
  ASSERT_EQ(g->Format({SampleFormat::kS16LE, 1, 16000, 1600, 160}), 0);
  ASSERT_EQ(g->Simple(MsgType::kPrepare), 0);
  ASSERT_EQ(g->Simple(MsgType::kStart), 0);
  // 100 ms of ring fills in 100 ms; after that the host drops, never blocks.
  EXPECT_TRUE(WaitFor([&] { return g->ring().write_frames() == 1600; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(g->ring().write_frames(), 1600u);
  // Reading makes room again, at real-time pace.
  g->ring().set_read_frames(1600);
  EXPECT_TRUE(WaitFor([&] { return g->ring().write_frames() > 1600; }));
  EXPECT_TRUE(AplayWorks(dir_.path()));
}

TEST_F(AudioBadInput, TooManyStreamsAreRefused) {
  std::vector<std::unique_ptr<RawGuest>> gs;
  for (int i = 0; i < 40; ++i) gs.push_back(RawGuest::Open(dir_.path(), Direction::kPlayback));
  size_t ok = 0;
  for (auto& g : gs) ok += g != nullptr;
  EXPECT_EQ(ok, AudioDevice::kMaxStreams);
  EXPECT_EQ(StreamCount(h_), AudioDevice::kMaxStreams);
  gs.clear();
  EXPECT_TRUE(WaitFor([&] { return StreamCount(h_) == 0; }));
}

TEST_F(AudioBadInput, GuestThatNeverReadsRepliesIsDropped) {
  auto c = ControlClient::Connect(dir_.path() + "/audio.sock");
  ASSERT_TRUE(c.ok());
  auto hello = EncodeHello(1, {Direction::kPlayback, 1, "deaf"});
  ASSERT_GT(send(c->fd(), hello.data(), hello.size(), 0), 0);
  auto prep = EncodeSimple(2, MsgType::kPrepare);
  // Send without ever reading: the host's replies fill our receive queue.
  for (int i = 0; i < 100000; ++i)
    if (send(c->fd(), prep.data(), prep.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
      if (errno != EAGAIN) break;
      std::this_thread::sleep_for(1ms);
    }
  EXPECT_TRUE(WaitFor([&] { return StreamCount(h_) == 0; }));
  EXPECT_TRUE(AplayWorks(dir_.path()));
}

TEST_F(AudioBadInput, ViewerThatNeverReadsDropsPackets) {
  auto q = std::make_shared<PacketQueue>(25);
  h_.Call([&] { h_.hub().device("a")->Subscribe([q](const OpusPacket& p) { q->Push(p); }); });
  ASSERT_TRUE(AplayWorks(dir_.path()));
  EXPECT_TRUE(WaitFor([&] { return q->dropped() > 0; }));
  EXPECT_EQ(q->size(), 25u);
}

TEST_F(AudioBadInput, KilledGuestMidStreamIsCleanedUp) {
  auto wav = testing::MakeToneWav(dir_.path() + "/long.wav", 48000, 2, 10, 440, 0.3);
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir_.path(), dir_.path());
  auto p = ChildProcess::Spawn({"aplay", "-q", wav}, o);
  ASSERT_TRUE(p.ok());
  size_t running = 0;
  EXPECT_TRUE(WaitFor([&] {
    h_.Call([&] { running = h_.hub().device("a")->running_playback(); });
    return running == 1;
  }));
  ASSERT_TRUE(p->Signal(SIGKILL).ok());
  (void)p->Wait();
  EXPECT_TRUE(WaitFor([&] { return StreamCount(h_) == 0; }));
  EXPECT_TRUE(AplayWorks(dir_.path()));
}

TEST_F(AudioBadInput, HostGoneMidStreamGivesAplayAnError) {
  auto wav = testing::MakeToneWav(dir_.path() + "/long.wav", 48000, 2, 10, 440, 0.3);
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir_.path(), dir_.path());
  o.capture_stderr = true;
  auto p = ChildProcess::Spawn({"aplay", "-q", wav}, o);
  ASSERT_TRUE(p.ok());
  size_t running = 0;
  ASSERT_TRUE(WaitFor([&] {
    h_.Call([&] { running = h_.hub().device("a")->running_playback(); });
    return running == 1;
  }));
  h_.Call([&] { h_.hub().RemoveDevice("a"); });
  auto status = p->WaitOrKill(15s);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status)) << DescribeWaitStatus(*status) << " (a hang was killed)";
  EXPECT_NE(WEXITSTATUS(*status), 0);
}

TEST_F(AudioBadInput, NoHostMeansOpenFails) {
  TempDir empty;
  auto wav = testing::MakeToneWav(empty.path() + "/t.wav", 48000, 2, 0.2, 440, 0.3);
  SpawnOptions o;
  o.env = testing::AlsaEnv(empty.path(), empty.path());
  auto r = vmi::Run({"aplay", "-q", wav}, o, 15s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(WIFEXITED(r->status));
  EXPECT_NE(WEXITSTATUS(r->status), 0);
}

// A host that accepts and answers but never moves the ring (hung): the
// plugin's watchdog turns the wait into an error.
TEST(AudioStalledHost, AplayFailsInsteadOfHanging) {
  TempDir dir;
  std::string path = dir.path() + "/audio.sock";
  UniqueFd ls(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  ASSERT_EQ(bind(ls.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(ls.get(), 4), 0);
  std::atomic<bool> stop{false};
  std::thread host([&] {
    pollfd pl{ls.get(), POLLIN, 0};
    if (poll(&pl, 1, 10000) != 1) return;
    UniqueFd c(accept4(ls.get(), nullptr, nullptr, SOCK_CLOEXEC));
    std::vector<UniqueFd> memfds;
    while (!stop) {
      pollfd pfd{c.get(), POLLIN, 0};
      if (poll(&pfd, 1, 100) != 1) continue;
      uint8_t buf[kMaxMessageBytes];
      ssize_t n = recv(c.get(), buf, sizeof(buf), 0);
      if (n <= 0) return;
      auto m = ParseMessage({buf, size_t(n)});
      if (!m.ok()) return;
      Reply r{m->type, 0, 0, ""};
      msghdr mh{};
      alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
      if (m->type == MsgType::kFormat) {
        RingLayout l{Direction::kPlayback, m->format.format, m->format.channels, m->format.rate,
                     m->format.buffer_frames};
        UniqueFd fd(memfd_create("stalled", MFD_CLOEXEC));
        (void)!ftruncate(fd.get(), l.file_bytes());
        auto* p = static_cast<uint8_t*>(
            mmap(nullptr, l.file_bytes(), PROT_WRITE, MAP_SHARED, fd.get(), 0));
        WriteRingHeader(p, l);
        munmap(p, l.file_bytes());
        r.ring_bytes = l.file_bytes();
        r.ring_name = "stalled";
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        cmsghdr* cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        int f = fd.get();
        std::memcpy(CMSG_DATA(cm), &f, sizeof(int));
        memfds.push_back(std::move(fd));
      }
      auto bytes = EncodeReply(m->seq, r);
      iovec iov{bytes.data(), bytes.size()};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      sendmsg(c.get(), &mh, MSG_NOSIGNAL);
    }
  });
  auto wav = testing::MakeToneWav(dir.path() + "/t.wav", 48000, 2, 5, 440, 0.3);
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir.path(), dir.path());
  auto p = ChildProcess::Spawn({"aplay", "-q", wav}, o);
  ASSERT_TRUE(p.ok());
  auto status = p->WaitOrKill(20s);
  stop = true;
  host.join();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status)) << DescribeWaitStatus(*status) << " (a hang was killed)";
  EXPECT_NE(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace vmi::audio
