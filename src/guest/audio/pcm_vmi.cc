// ALSA external PCM plugin "vmi" (libasound_module_pcm_vmi.so).
//
// Each snd_pcm_open() connects to `<devdir>/audio.sock` (devdir: the
// plugin's `devdir` config key, else $VMI_DEVDIR, else /run/vmi) and sends
// HELLO; hw_params sends FORMAT and maps the ring the host created; start,
// stop, pause, drain, prepare and close are one request each. The ring is a
// sealed memfd the host passes with the FORMAT reply (SCM_RIGHTS); PCM bytes
// go through it only.
//
// The host consumes (playback) or produces (capture) at real-time pace, so
// the ALSA program sees a sound card whose clock is the host's. The plugin
// wakes the program with a periodic timerfd and watches the control socket:
// if the host closes it, or stops moving the ring for kStallLimit while the
// stream runs, the PCM becomes DISCONNECTED and the program gets -ENODEV
// instead of blocking forever.
//
// Threads: ALSA calls every callback on the thread that uses the PCM; no
// state is shared between PCMs. No exception leaves this file.
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "guest/audio/control_client.h"
#include "guest/audio/ring.h"

namespace vmi::audio {
namespace {

constexpr auto kStallLimit = std::chrono::milliseconds(2000);

struct VmiPcm {
  snd_pcm_ioplug_t io{};
  std::optional<ControlClient> ctl;
  UniqueFd timer;
  std::string devdir;
  uint8_t* map = nullptr;
  size_t map_bytes = 0;
  RingView ring;
  snd_pcm_uframes_t boundary = 0;
  snd_pcm_uframes_t avail_min = 1;
  bool running = false;
  // Watchdog: the host's counter and when it last moved.
  uint64_t last_host_pos = 0;
  std::chrono::steady_clock::time_point last_move;

  ~VmiPcm() { Unmap(); }
  void Unmap() {
    if (map) munmap(map, map_bytes);
    map = nullptr;
    ring = RingView();
  }
  bool playback() const { return io.stream == SND_PCM_STREAM_PLAYBACK; }
  // Position the host advances: read (playback) or write (capture).
  uint64_t HostPos() const { return playback() ? ring.read_frames() : ring.write_frames(); }
};

VmiPcm* Self(snd_pcm_ioplug_t* io) { return static_cast<VmiPcm*>(io->private_data); }

int Errno(const Error& e) { return e.err_no() ? -e.err_no() : -EIO; }

void Disconnect(VmiPcm* p) {
  p->running = false;
  snd_pcm_ioplug_set_state(&p->io, SND_PCM_STATE_DISCONNECTED);
}

int Simple(VmiPcm* p, MsgType type) {
  auto r = p->ctl->Request(EncodeSimple(p->ctl->NextSeq(), type));
  if (!r.ok()) {
    if (r.error().err_no() == ENODEV || r.error().err_no() == ETIMEDOUT) Disconnect(p);
    return Errno(r.error());
  }
  return r->status;
}

void ResetWatchdog(VmiPcm* p) {
  p->last_host_pos = p->ring.valid() ? p->HostPos() : 0;
  p->last_move = std::chrono::steady_clock::now();
}

// Returns false (and disconnects the PCM) if the host is gone or stalled.
bool CheckHost(VmiPcm* p) {
  if (p->ctl->HostGone()) {
    Disconnect(p);
    return false;
  }
  if (!p->running || !p->ring.valid()) return true;
  uint64_t pos = p->HostPos();
  auto now = std::chrono::steady_clock::now();
  bool waiting = p->playback() ? p->ring.write_frames() > pos : true;
  if (pos != p->last_host_pos || !waiting) {
    p->last_host_pos = pos;
    p->last_move = now;
    return true;
  }
  if (now - p->last_move > kStallLimit) {
    Disconnect(p);
    return false;
  }
  return true;
}

snd_pcm_uframes_t Avail(VmiPcm* p) {
  uint64_t w = p->ring.write_frames(), r = p->ring.read_frames();
  uint64_t fill = w >= r ? w - r : 0;
  uint64_t cap = p->ring.layout().capacity_frames;
  if (fill > cap) fill = cap;
  return p->playback() ? cap - fill : fill;
}

int ArmTimer(VmiPcm* p) {
  // Wake at half a period, between 5 and 20 ms: the host moves the ring in
  // 5 ms steps (its block), so waking more often only burns guest CPU.
  long ns = static_cast<long>(p->io.period_size) * 1000000000L / p->io.rate / 2;
  ns = std::clamp(ns, 5000000L, 20000000L);
  itimerspec its{};
  its.it_interval.tv_nsec = ns;
  its.it_value.tv_nsec = ns;
  if (timerfd_settime(p->timer.get(), 0, &its, nullptr) < 0) return -errno;
  return 0;
}

std::optional<SampleFormat> WireFormat(snd_pcm_format_t f) {
  switch (f) {
    case SND_PCM_FORMAT_U8:
      return SampleFormat::kU8;
    case SND_PCM_FORMAT_S16_LE:
      return SampleFormat::kS16LE;
    case SND_PCM_FORMAT_S24_LE:
      return SampleFormat::kS24LE;
    case SND_PCM_FORMAT_S32_LE:
      return SampleFormat::kS32LE;
    case SND_PCM_FORMAT_FLOAT_LE:
      return SampleFormat::kFloatLE;
    default:
      return std::nullopt;
  }
}

int HwParams(snd_pcm_ioplug_t* io, snd_pcm_hw_params_t*) {
  VmiPcm* p = Self(io);
  auto wf = WireFormat(io->format);
  if (!wf) return -EINVAL;
  Format f{*wf, static_cast<uint8_t>(io->channels), io->rate,
           static_cast<uint32_t>(io->buffer_size), static_cast<uint32_t>(io->period_size)};
  auto r = p->ctl->Request(EncodeFormat(p->ctl->NextSeq(), f));
  if (!r.ok()) return Errno(r.error());
  if (r->status != 0) return r->status;
  p->Unmap();
  UniqueFd fd = p->ctl->TakeFd();
  if (!fd) return -EPROTO;
  struct stat st;
  if (fstat(fd.get(), &st) < 0) return -errno;
  if (static_cast<uint64_t>(st.st_size) != r->ring_bytes || r->ring_bytes < kRingHeaderBytes)
    return -EPROTO;
  void* m = mmap(nullptr, r->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (m == MAP_FAILED) return -errno;
  p->map = static_cast<uint8_t*>(m);
  p->map_bytes = r->ring_bytes;
  auto layout = ReadRingHeader(std::span<const uint8_t>(p->map, p->map_bytes));
  if (!layout.ok() || layout->format != f.format || layout->channels != f.channels ||
      layout->rate != f.rate || layout->capacity_frames != f.buffer_frames) {
    p->Unmap();
    return -EPROTO;
  }
  p->ring = RingView(p->map, *layout);
  // The boundary ALSA computes for this buffer size: the largest
  // buffer_size * 2^k that leaves room for one more buffer below LONG_MAX.
  snd_pcm_uframes_t b = io->buffer_size;
  while (b * 2 <= static_cast<snd_pcm_uframes_t>(LONG_MAX) - io->buffer_size) b *= 2;
  p->boundary = b;
  p->avail_min = io->period_size;
  return ArmTimer(p);
}

int SwParams(snd_pcm_ioplug_t* io, snd_pcm_sw_params_t* params) {
  snd_pcm_uframes_t am = 1;
  if (snd_pcm_sw_params_get_avail_min(params, &am) == 0) Self(io)->avail_min = am ? am : 1;
  return 0;
}

int Prepare(snd_pcm_ioplug_t* io) {
  VmiPcm* p = Self(io);
  if (!p->ring.valid()) return -EBADFD;
  p->running = false;
  int err = Simple(p, MsgType::kPrepare);
  ResetWatchdog(p);
  return err;
}

int Start(snd_pcm_ioplug_t* io) {
  VmiPcm* p = Self(io);
  int err = Simple(p, MsgType::kStart);
  if (err == 0) p->running = true;
  ResetWatchdog(p);
  return err;
}

int Stop(snd_pcm_ioplug_t* io) {
  VmiPcm* p = Self(io);
  p->running = false;
  if (p->ctl->HostGone()) return 0;  // nothing to stop; the state says why
  return Simple(p, MsgType::kStop);
}

int Pause(snd_pcm_ioplug_t* io, int enable) {
  VmiPcm* p = Self(io);
  auto r = p->ctl->Request(EncodePause(p->ctl->NextSeq(), enable != 0));
  if (!r.ok()) return Errno(r.error());
  if (r->status == 0) p->running = !enable;
  ResetWatchdog(p);
  return r->status;
}

// ioplug leaves draining to the plugin when it has a drain callback: tell
// the host, then wait until it consumed everything, watching for its death.
int Drain(snd_pcm_ioplug_t* io) {
  VmiPcm* p = Self(io);
  if (!p->playback()) return 0;
  // A stream drained before it reached its start threshold (a sound
  // shorter than the buffer) starts now, as on a hardware card.
  if (!p->running) {
    int err = Simple(p, MsgType::kStart);
    if (err) return err;
    p->running = true;
  }
  int err = Simple(p, MsgType::kDrain);
  if (err) return err;
  ResetWatchdog(p);
  while (p->ring.read_frames() < p->ring.write_frames()) {
    if (!CheckHost(p)) return -ENODEV;
    pollfd pfd[2] = {{p->timer.get(), POLLIN, 0}, {p->ctl->fd(), POLLIN, 0}};
    if (poll(pfd, 2, 100) < 0 && errno != EINTR) return -errno;
    uint64_t ticks;
    if (pfd[0].revents & POLLIN) (void)!read(p->timer.get(), &ticks, sizeof(ticks));
  }
  return 0;
}

snd_pcm_sframes_t Pointer(snd_pcm_ioplug_t* io) {
  VmiPcm* p = Self(io);
  if (!p->ring.valid()) return 0;
  if (!CheckHost(p)) return -ENODEV;
  uint64_t pos = p->HostPos();
  if (!p->playback()) {
    // The host never writes past free space; clamp in case it misbehaves.
    uint64_t r = p->ring.read_frames();
    if (pos > r + p->ring.layout().capacity_frames) pos = r + p->ring.layout().capacity_frames;
  } else if (pos > p->ring.write_frames()) {
    pos = p->ring.write_frames();
  }
  return static_cast<snd_pcm_sframes_t>(pos % p->boundary);
}

snd_pcm_sframes_t Transfer(snd_pcm_ioplug_t* io, const snd_pcm_channel_area_t* areas,
                           snd_pcm_uframes_t offset, snd_pcm_uframes_t size) {
  VmiPcm* p = Self(io);
  if (!p->ring.valid()) return -EBADFD;
  const RingLayout& l = p->ring.layout();
  size = std::min<snd_pcm_uframes_t>(size, Avail(p));
  if (size == 0) return 0;
  unsigned frame_bits = static_cast<unsigned>(l.frame_bytes() * 8);
  unsigned sample_bits = frame_bits / l.channels;
  snd_pcm_channel_area_t ring_areas[kMaxChannels];
  for (unsigned c = 0; c < l.channels; ++c)
    ring_areas[c] = {p->map + kRingHeaderBytes, c * sample_bits, frame_bits};
  uint64_t pos = p->playback() ? p->ring.write_frames() : p->ring.read_frames();
  snd_pcm_uframes_t done = 0;
  while (done < size) {
    snd_pcm_uframes_t at = pos % l.capacity_frames;
    snd_pcm_uframes_t n = std::min<snd_pcm_uframes_t>(size - done, l.capacity_frames - at);
    if (p->playback())
      snd_pcm_areas_copy(ring_areas, at, areas, offset + done, l.channels, n, io->format);
    else
      snd_pcm_areas_copy(areas, offset + done, ring_areas, at, l.channels, n, io->format);
    pos += n;
    done += n;
  }
  if (p->playback())
    p->ring.set_write_frames(pos);
  else
    p->ring.set_read_frames(pos);
  return static_cast<snd_pcm_sframes_t>(size);
}

int PollCount(snd_pcm_ioplug_t*) { return 2; }

int PollDescriptors(snd_pcm_ioplug_t* io, struct pollfd* pfd, unsigned int space) {
  if (space < 2) return -EINVAL;
  VmiPcm* p = Self(io);
  pfd[0] = {p->timer.get(), POLLIN, 0};
  pfd[1] = {p->ctl->fd(), POLLIN, 0};
  return 2;
}

int PollRevents(snd_pcm_ioplug_t* io, struct pollfd* pfd, unsigned int nfds,
                unsigned short* revents) {
  VmiPcm* p = Self(io);
  *revents = 0;
  if (nfds >= 1 && (pfd[0].revents & POLLIN)) {
    uint64_t ticks;
    (void)!read(p->timer.get(), &ticks, sizeof(ticks));
  }
  if (!p->ring.valid()) return 0;
  if (!CheckHost(p)) {
    *revents = POLLERR;
    return 0;
  }
  if (Avail(p) >= p->avail_min || io->state == SND_PCM_STATE_DRAINING)
    *revents = p->playback() ? POLLOUT : POLLIN;
  return 0;
}

int Close(snd_pcm_ioplug_t* io) {
  std::unique_ptr<VmiPcm> p(Self(io));
  if (!p->ctl->HostGone()) (void)p->ctl->Request(EncodeSimple(p->ctl->NextSeq(), MsgType::kClose));
  return 0;
}

const snd_pcm_ioplug_callback_t kCallbacks = [] {
  snd_pcm_ioplug_callback_t c{};
  c.start = Start;
  c.stop = Stop;
  c.pointer = Pointer;
  c.transfer = Transfer;
  c.close = Close;
  c.hw_params = HwParams;
  c.sw_params = SwParams;
  c.prepare = Prepare;
  c.drain = Drain;
  c.pause = Pause;
  c.poll_descriptors_count = PollCount;
  c.poll_descriptors = PollDescriptors;
  c.poll_revents = PollRevents;
  return c;
}();

int SetConstraints(snd_pcm_ioplug_t* io) {
  static const unsigned accesses[] = {SND_PCM_ACCESS_RW_INTERLEAVED,
                                      SND_PCM_ACCESS_MMAP_INTERLEAVED};
  static const unsigned formats[] = {SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_FLOAT_LE,
                                     SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_S24_LE,
                                     SND_PCM_FORMAT_U8};
  int err;
  if ((err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 2, accesses)) < 0 ||
      (err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 5, formats)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, 1, kMaxChannels)) <
          0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, kMinRate, kMaxRate)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_BUFFER_BYTES, 256,
                                             kMaxRingDataBytes)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64,
                                             kMaxRingDataBytes / 2)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2, 1024)) < 0)
    return err;
  return 0;
}

std::string ClientName() {
  char buf[64] = {};
  int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    std::string s(buf, n > 0 ? n : 0);
    while (!s.empty() && (s.back() == '\n' || s.size() > kNameBytes)) s.pop_back();
    for (char& c : s)
      if (c < 0x20 || c > 0x7e) c = '?';
    return s;
  }
  return "";
}

int Open(snd_pcm_t** pcmp, const char* name, snd_config_t* conf, snd_pcm_stream_t stream,
         int mode) {
  auto p = std::make_unique<VmiPcm>();
  const char* env = getenv("VMI_DEVDIR");
  p->devdir = env && *env ? env : "/run/vmi";
  snd_config_iterator_t i, next;
  snd_config_for_each(i, next, conf) {
    snd_config_t* n = snd_config_iterator_entry(i);
    const char* id;
    if (snd_config_get_id(n, &id) < 0) continue;
    if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint")) continue;
    if (!strcmp(id, "devdir")) {
      const char* v;
      if (snd_config_get_string(n, &v) < 0) return -EINVAL;
      p->devdir = v;
      continue;
    }
    SNDERR("vmi: unknown field %s", id);
    return -EINVAL;
  }
  auto ctl = ControlClient::Connect(p->devdir + "/audio.sock");
  if (!ctl.ok()) {
    SNDERR("vmi: %s", ctl.error().ToString().c_str());
    return Errno(ctl.error());
  }
  p->ctl.emplace(std::move(*ctl));
  Hello h{stream == SND_PCM_STREAM_PLAYBACK ? Direction::kPlayback : Direction::kCapture,
          static_cast<uint32_t>(getpid()), ClientName()};
  auto r = p->ctl->Request(EncodeHello(p->ctl->NextSeq(), h));
  if (!r.ok()) return Errno(r.error());
  if (r->status != 0) return r->status;
  p->timer = UniqueFd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!p->timer) return -errno;

  p->io.version = SND_PCM_IOPLUG_VERSION;
  p->io.name = "vmi virtual sound card";
  p->io.callback = &kCallbacks;
  p->io.private_data = p.get();
  p->io.poll_fd = p->timer.get();
  p->io.poll_events = POLLIN;
  p->io.mmap_rw = 0;
  p->io.flags = SND_PCM_IOPLUG_FLAG_BOUNDARY_WA | SND_PCM_IOPLUG_FLAG_MONOTONIC;
  int err = snd_pcm_ioplug_create(&p->io, name, stream, mode);
  if (err < 0) return err;
  VmiPcm* raw = p.release();  // owned by the ioplug now; freed in Close
  if ((err = SetConstraints(&raw->io)) < 0) {
    snd_pcm_ioplug_delete(&raw->io);
    return err;
  }
  *pcmp = raw->io.pcm;
  return 0;
}

}  // namespace
}  // namespace vmi::audio

extern "C" {
#pragma GCC visibility push(default)
SND_PCM_PLUGIN_DEFINE_FUNC(vmi) {
  (void)root;
  try {
    return vmi::audio::Open(pcmp, name, conf, stream, mode);
  } catch (...) {
    return -ENOMEM;
  }
}
SND_PCM_PLUGIN_SYMBOL(vmi);
#pragma GCC visibility pop
}
