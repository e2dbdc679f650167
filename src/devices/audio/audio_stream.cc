#include "devices/audio/audio_stream.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "devices/audio/pcm_convert.h"

namespace vmi::audio {

AudioStream::AudioStream(UniqueFd conn, std::string tag, uint32_t id)
    : conn_(std::move(conn)), tag_(std::move(tag)), id_(id) {}

AudioStream::~AudioStream() {
  if (map_) munmap(map_, map_bytes_);
}

Result<void> AudioStream::OnReadable() {
  uint8_t buf[kMaxMessageBytes + 1];
  // recv() without a control buffer: the kernel discards any fds a guest
  // tries to pass, so they cannot accumulate in the host.
  ssize_t n = recv(conn_.get(), buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return Ok();
    return Error::FromErrno("recv audio request");
  }
  if (n == 0) return Error(ErrorCode::kAborted, "guest closed the stream");
  if (static_cast<size_t>(n) > kMaxMessageBytes)
    return Error(ErrorCode::kInvalidArgument, "oversized audio request");
  auto m = ParseMessage(std::span<const uint8_t>(buf, n));
  if (!m.ok()) return std::move(m).error().Context("audio request");
  return Handle(*m);
}

Result<void> AudioStream::SendReply(uint32_t seq, MsgType req, int status, const UniqueFd* ring,
                                    uint32_t ring_bytes) {
  audio::Reply r{req, status, ring_bytes, ring ? "audio-" + std::to_string(id_) + ".ring" : ""};
  auto bytes = EncodeReply(seq, r);
  iovec iov{bytes.data(), bytes.size()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  if (ring) {
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int fd = ring->get();
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  // Never block the loop on a guest: a guest that does not read its
  // replies fills its socket buffer and loses the stream.
  if (sendmsg(conn_.get(), &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    return Error::FromErrno("send audio reply");
  return Ok();
}

Result<void> AudioStream::Handle(const Message& m) {
  auto reply = [&](int status) { return SendReply(m.seq, m.type, status); };
  switch (m.type) {
    case MsgType::kHello:
      if (state_ != State::kNew) return reply(-EBADFD);
      hello_ = m.hello;
      state_ = State::kOpen;
      VMI_ILOG(INFO, tag_) << "audio stream " << id_ << " opened by pid " << hello_.pid << " ("
                           << hello_.name << "), " << (playback() ? "playback" : "capture");
      return reply(0);
    case MsgType::kFormat: {
      if (state_ != State::kOpen && state_ != State::kSetup && state_ != State::kPrepared)
        return reply(-EBADFD);
      if (!ValidateFormat(m.format).ok()) return reply(-EINVAL);
      UniqueFd memfd;
      int err = CreateRing(m.format, &memfd);
      if (err) return reply(err);
      state_ = State::kSetup;
      return SendReply(m.seq, m.type, 0, &memfd, static_cast<uint32_t>(map_bytes_));
    }
    case MsgType::kPrepare:
      if (state_ == State::kNew || state_ == State::kOpen) return reply(-EBADFD);
      ring_.set_write_frames(0);
      ring_.set_read_frames(0);
      host_pos_ = 0;
      ResetConversion();
      state_ = State::kPrepared;
      return reply(0);
    case MsgType::kStart:
      if (state_ != State::kPrepared) return reply(-EBADFD);
      state_ = State::kRunning;
      return reply(0);
    case MsgType::kStop:
      if (state_ == State::kNew || state_ == State::kOpen) return reply(-EBADFD);
      state_ = State::kSetup;
      return reply(0);
    case MsgType::kPause:
      if (m.pause && state_ == State::kRunning) {
        state_ = State::kPaused;
        return reply(0);
      }
      if (!m.pause && state_ == State::kPaused) {
        state_ = State::kRunning;
        return reply(0);
      }
      return reply(-EBADFD);
    case MsgType::kDrain:
      // The host keeps consuming at real-time pace; the guest waits for the
      // ring to empty. Nothing to do but acknowledge.
      return reply(state_ == State::kRunning || state_ == State::kPrepared ? 0 : -EBADFD);
    case MsgType::kClose:
      closed_ = true;
      return reply(0);
    case MsgType::kReply:
      break;
  }
  return Error(ErrorCode::kInvalidArgument, "guest sent a host-only message");
}

int AudioStream::CreateRing(const Format& f, UniqueFd* out) {
  RingLayout l{hello_.direction, f.format, f.channels, f.rate, f.buffer_frames};
  std::string name = "audio-" + std::to_string(id_) + ".ring";
  UniqueFd fd(memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return -errno;
  if (ftruncate(fd.get(), static_cast<off_t>(l.file_bytes())) < 0) return -errno;
  void* m = mmap(nullptr, l.file_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (m == MAP_FAILED) return -errno;
  // Sealed before the guest sees it: it can neither shrink the file under
  // our mapping (SIGBUS) nor add seals of its own.
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
    int e = errno;
    munmap(m, l.file_bytes());
    return -e;
  }
  if (map_) munmap(map_, map_bytes_);
  map_ = static_cast<uint8_t*>(m);
  map_bytes_ = l.file_bytes();
  WriteRingHeader(map_, l);
  ring_ = RingView(map_, l);
  host_pos_ = 0;
  format_ = f;
  auto rs =
      playback() ? Resampler::Create(f.rate, kHostRate) : Resampler::Create(kHostRate, f.rate);
  if (!rs.ok()) return -EINVAL;
  resampler_.emplace(std::move(*rs));
  ResetConversion();
  *out = std::move(fd);
  return 0;
}

void AudioStream::ResetConversion() {
  fifo_.clear();
  skip_acc_ = 0;
  if (resampler_) resampler_->Reset();
}

uint64_t AudioStream::Fill() const {
  const uint64_t cap = ring_.layout().capacity_frames;
  // Our own counter comes from host_pos_, never from shared memory.
  uint64_t w = playback() ? ring_.write_frames() : host_pos_;
  uint64_t r = playback() ? host_pos_ : ring_.read_frames();
  if (w <= r) return 0;
  return std::min(w - r, cap);
}

bool AudioStream::MixInto(float* mix, float volume) {
  const auto& f = *format_;
  const size_t fb = ring_.layout().frame_bytes();
  for (int i = 0; i < 4 && fifo_.size() < 2 * kBlockFrames; ++i) {
    size_t need = kBlockFrames - fifo_.size() / 2;
    size_t want = (need * f.rate + kHostRate - 1) / kHostRate;
    size_t k = std::min<uint64_t>(want, Fill());
    if (k == 0) break;
    raw_.resize(k * fb);
    ring_.CopyOut(host_pos_, raw_.data(), k);
    host_pos_ += k;
    ring_.set_read_frames(host_pos_);
    frames_moved_ += k;
    scratch_.resize(2 * k);
    DecodeToStereo(f.format, f.channels, raw_.data(), k, scratch_.data());
    resampler_->Process(scratch_.data(), k, fifo_);
  }
  size_t n = std::min(fifo_.size() / 2, kBlockFrames);
  for (size_t i = 0; i < 2 * n; ++i) mix[i] += volume * fifo_[i];
  fifo_.erase(fifo_.begin(), fifo_.begin() + 2 * n);
  if (n < kBlockFrames) {
    ++underruns_;
    return false;
  }
  return true;
}

void AudioStream::Skip() {
  fifo_.clear();
  skip_acc_ += uint64_t{kBlockFrames} * format_->rate;
  uint64_t n = skip_acc_ / kHostRate;
  skip_acc_ %= kHostRate;
  uint64_t k = std::min(n, Fill());
  if (k < n) ++underruns_;
  host_pos_ += k;
  ring_.set_read_frames(host_pos_);
  frames_moved_ += k;
}

void AudioStream::Push(const float* block) {
  const auto& f = *format_;
  fifo_.clear();
  resampler_->Process(block, kBlockFrames, fifo_);
  size_t n = fifo_.size() / 2;
  size_t room = ring_.layout().capacity_frames - Fill();
  size_t k = std::min(n, room);  // the rest is dropped: the guest overran
  if (k < n) ++underruns_;
  if (k == 0) return;
  raw_.resize(k * ring_.layout().frame_bytes());
  EncodeFromStereo(fifo_.data(), k, f.format, f.channels, raw_.data());
  ring_.CopyIn(host_pos_, raw_.data(), k);
  host_pos_ += k;
  ring_.set_write_frames(host_pos_);
  frames_moved_ += k;
}

}  // namespace vmi::audio
