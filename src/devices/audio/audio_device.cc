#include "devices/audio/audio_device.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"

namespace vmi::audio {

Result<std::unique_ptr<AudioDevice>> AudioDevice::Create(const std::string& instance,
                                                         const std::string& devdir,
                                                         EventLoop* loop) {
  std::unique_ptr<AudioDevice> d(new AudioDevice());
  d->instance_ = instance;
  d->devdir_ = devdir;
  d->loop_ = loop;
  d->mic_ = VMI_TRY(MicIngress::Create());

  std::string path = d->socket_path();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + path);
  std::memcpy(addr.sun_path, path.data(), path.size());
  d->listen_ = UniqueFd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!d->listen_) return Error::FromErrno("socket");
  unlink(path.c_str());  // a stale socket from a previous daemon
  if (bind(d->listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
    return Error::FromErrno("bind " + path);
  // The guest's root is the device dir's owner (a user-namespace uid): give
  // the socket to it so the guest may connect, and to nobody else.
  struct stat st;
  if (stat(devdir.c_str(), &st) == 0) {
    if (chown(path.c_str(), st.st_uid, st.st_gid) < 0) return Error::FromErrno("chown " + path);
  }
  if (chmod(path.c_str(), 0660) < 0) return Error::FromErrno("chmod " + path);
  if (listen(d->listen_.get(), 16) < 0) return Error::FromErrno("listen " + path);
  AudioDevice* raw = d.get();
  VMI_CHECK_OK(loop->AddFd(d->listen_.get(), EPOLLIN, [raw](uint32_t) { raw->OnAccept(); }),
               "watch " + path);
  return d;
}

AudioDevice::~AudioDevice() {
  for (auto& [id, s] : streams_) loop_->RemoveFd(s->fd());
  streams_.clear();
  if (listen_) {
    loop_->RemoveFd(listen_.get());
    unlink(socket_path().c_str());
  }
}

void AudioDevice::OnAccept() {
  for (;;) {
    UniqueFd c(accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!c) return;  // EAGAIN or a transient error; epoll tells us again
    if (streams_.size() >= kMaxStreams) {
      VMI_ILOG(WARN, instance_) << "audio: too many streams, refusing a connection";
      continue;  // closing it tells the guest
    }
    uint32_t id = next_stream_++;
    int fd = c.get();
    auto s = std::make_unique<AudioStream>(std::move(c), instance_, id);
    auto added = loop_->AddFd(fd, EPOLLIN, [this, id](uint32_t) { OnStream(id); });
    if (!added.ok()) {
      VMI_ILOG(WARN, instance_) << "audio: " << added.error().ToString();
      continue;
    }
    streams_[id] = std::move(s);
  }
}

void AudioDevice::OnStream(uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  auto r = it->second->OnReadable();
  if (!r.ok())
    DropStream(id, r.error().ToString());
  else if (it->second->closed())
    DropStream(id, "closed");
}

void AudioDevice::DropStream(uint32_t id, const std::string& why) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  VMI_ILOG(INFO, instance_) << "audio stream " << id << " ends: " << why;
  loop_->RemoveFd(it->second->fd());
  streams_.erase(it);
}

uint64_t AudioDevice::Subscribe(PacketCallback cb) {
  std::lock_guard lock(subs_mu_);
  uint64_t id = next_sub_++;
  subs_[id] = std::make_shared<PacketCallback>(std::move(cb));
  return id;
}

void AudioDevice::Unsubscribe(uint64_t id) {
  std::lock_guard lock(subs_mu_);
  subs_.erase(id);
}

bool AudioDevice::has_subscribers() const {
  std::lock_guard lock(subs_mu_);
  return !subs_.empty();
}

size_t AudioDevice::running_playback() const {
  size_t n = 0;
  for (auto& [id, s] : streams_) n += s->running() && s->playback();
  return n;
}

const float* AudioDevice::PullMicrophone() {
  if (!mic_pulled_) {
    mic_->Pull(mic_block_.data(), kBlockFrames);
    mic_pulled_ = true;
  }
  return mic_block_.data();
}

const float* AudioDevice::Tick(int64_t ts, bool listened, const float* call_in) {
  std::vector<std::shared_ptr<PacketCallback>> subs;
  {
    std::lock_guard lock(subs_mu_);
    for (auto& [id, cb] : subs_) subs.push_back(cb);
  }
  const bool encode = !subs.empty();
  std::fill(mix_.begin(), mix_.end(), 0.0f);
  for (auto& [id, s] : streams_) {
    if (!s->running() || !s->playback()) continue;
    if (listened || encode)
      s->MixInto(mix_.data(), 1.0f);
    else
      s->Skip();  // fake playback: real-time pace, nobody hears it
  }
  if (call_in)
    for (size_t i = 0; i < mix_.size(); ++i) mix_[i] += call_in[i];
  frames_played_ += kBlockFrames;
  float gain = muted_.load() ? 0.0f : volume_.load();
  if (gain > 1.0f) {
    for (float& x : mix_) x = std::clamp(x * gain, -1.0f, 1.0f);
  } else if (gain != 1.0f) {
    for (float& x : mix_) x *= gain;
  }

  if (encode) {
    // The encoder exists only while someone subscribes: an idle device
    // costs no encoder memory.
    if (!encoder_) {
      auto e = OpusPacketizer::Create();
      if (e.ok()) encoder_ = std::move(*e);
    }
  }
  const bool silent =
      std::all_of(mix_.begin(), mix_.end(), [](float x) { return x == 0.0f; });
  silent_blocks_ = silent ? std::min(silent_blocks_ + 1, kSilenceHangoverBlocks + 1) : 0;
  const bool gate = silent_blocks_ > kSilenceHangoverBlocks;
  if (encode && encoder_ && !gate) {
    if (!had_subscribers_ || gated_) encoder_->Reset();  // a fresh start after a gap
    encoder_->Feed(mix_.data(), ts, [&](const OpusPacket& p) {
      for (auto& cb : subs) (*cb)(p);
    });
  }
  gated_ = gate;
  had_subscribers_ = encode;
  if (!encode) encoder_.reset();

  // The microphone is drained every block, whether or not something
  // records, so a recording always starts with fresh audio.
  PullMicrophone();
  mic_pulled_ = false;
  for (auto& [id, s] : streams_)
    if (s->running() && !s->playback()) s->Push(mic_block_.data());
  return mix_.data();
}

}  // namespace vmi::audio
