#include "bridge/media/media_extractor.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "bridge/media/ndk_media.h"

namespace vmi::bridge::media {

int MediaExtractor::ReadFd(void* opaque, uint8_t* buf, int size) {
  auto* x = static_cast<MediaExtractor*>(opaque);
  const int64_t left = x->fd_length_ - x->fd_pos_;
  if (left <= 0) return AVERROR_EOF;
  const size_t want = static_cast<size_t>(std::min<int64_t>(size, left));
  const ssize_t n = pread(x->fd_.get(), buf, want, x->fd_offset_ + x->fd_pos_);
  if (n < 0) return AVERROR(errno);
  if (n == 0) return AVERROR_EOF;
  x->fd_pos_ += n;
  return static_cast<int>(n);
}

int64_t MediaExtractor::SeekFd(void* opaque, int64_t offset, int whence) {
  auto* x = static_cast<MediaExtractor*>(opaque);
  int64_t to;
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
      return x->fd_length_;
    case SEEK_SET:
      to = offset;
      break;
    case SEEK_CUR:
      to = x->fd_pos_ + offset;
      break;
    case SEEK_END:
      to = x->fd_length_ + offset;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (to < 0 || to > x->fd_length_) return AVERROR(EINVAL);
  x->fd_pos_ = to;
  return to;
}

namespace {

constexpr int kIoBufferSize = 64 * 1024;
constexpr uint8_t kStartCode[4] = {0, 0, 0, 1};

const char* MimeOf(AVCodecID id) {
  switch (id) {
    case AV_CODEC_ID_H264:
      return "video/avc";
    case AV_CODEC_ID_HEVC:
      return "video/hevc";
    case AV_CODEC_ID_VP8:
      return "video/x-vnd.on2.vp8";
    case AV_CODEC_ID_VP9:
      return "video/x-vnd.on2.vp9";
    case AV_CODEC_ID_AV1:
      return "video/av01";
    case AV_CODEC_ID_MPEG4:
      return "video/mp4v-es";
    case AV_CODEC_ID_H263:
      return "video/3gpp";
    case AV_CODEC_ID_AAC:
      return "audio/mp4a-latm";
    case AV_CODEC_ID_MP3:
      return "audio/mpeg";
    case AV_CODEC_ID_OPUS:
      return "audio/opus";
    case AV_CODEC_ID_VORBIS:
      return "audio/vorbis";
    case AV_CODEC_ID_FLAC:
      return "audio/flac";
    case AV_CODEC_ID_AMR_NB:
      return "audio/3gpp";
    case AV_CODEC_ID_AMR_WB:
      return "audio/amr-wb";
    case AV_CODEC_ID_PCM_S16LE:
      return "audio/raw";
    default:
      return nullptr;
  }
}

// Splits Annex-B parameter sets: SPS (type 7) into csd-0, PPS (8) into csd-1.
void SplitAvcParameterSets(const uint8_t* p, size_t n, std::vector<uint8_t>* sps,
                           std::vector<uint8_t>* pps) {
  std::vector<size_t> starts;  // first byte of each NAL unit, after its start code
  for (size_t i = 0; i + 3 <= n; ++i) {
    if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1) starts.push_back(i + 3);
  }
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t begin = starts[k];
    size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : n;
    while (end > begin && p[end - 1] == 0) --end;  // a 4-byte start code's leading zero
    if (begin >= end) continue;
    std::vector<uint8_t>* out = (p[begin] & 0x1f) == 7   ? sps
                                : (p[begin] & 0x1f) == 8 ? pps
                                                         : nullptr;
    if (out == nullptr) continue;
    out->insert(out->end(), kStartCode, kStartCode + 4);
    out->insert(out->end(), p + begin, p + end);
  }
}

// The 2-byte AudioSpecificConfig of an AAC stream (MPEG-4 audio object type,
// sampling-frequency index, channel configuration) for streams without one
// (ADTS), as Android's AAC extractor makes csd-0.
std::vector<uint8_t> MakeAudioSpecificConfig(int profile, int sample_rate, int channels) {
  static const int kRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                               22050, 16000, 12000, 11025, 8000,  7350};
  int index = 4;
  for (int i = 0; i < 13; ++i) {
    if (kRates[i] == sample_rate) index = i;
  }
  const int object = (profile >= 0 ? profile : 1) + 1;  // FF_PROFILE_AAC_LOW (1) is object type 2
  return {static_cast<uint8_t>((object << 3) | (index >> 1)),
          static_cast<uint8_t>(((index & 1) << 7) | ((channels & 0xf) << 3))};
}

AVBSFContext* MakeFilter(const char* name, const AVStream* st) {
  const AVBitStreamFilter* f = av_bsf_get_by_name(name);
  AVBSFContext* bsf = nullptr;
  if (f == nullptr || av_bsf_alloc(f, &bsf) < 0) return nullptr;
  bsf->time_base_in = st->time_base;
  if (avcodec_parameters_copy(bsf->par_in, st->codecpar) < 0 || av_bsf_init(bsf) < 0) {
    av_bsf_free(&bsf);
    return nullptr;
  }
  return bsf;
}

}  // namespace

MediaExtractor::~MediaExtractor() { Reset(); }

void MediaExtractor::Reset() {
  for (auto& [t, pkt] : ready_) av_packet_free(&pkt);
  ready_.clear();
  for (Track& t : tracks_) av_bsf_free(&t.bsf);
  tracks_.clear();
  if (fmt_ != nullptr) avformat_close_input(&fmt_);
  if (io_ != nullptr) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

int32_t MediaExtractor::SetDataSource(const char* location) {
  if (location == nullptr) return kAmediaErrorInvalidParameter;
  std::string path = location;
  if (path.rfind("file://", 0) == 0) {
    path = path.substr(7);
  } else if (path.find("://") != std::string::npos) {
    return kAmediaErrorUnsupported;  // no network sources in the bridge
  }
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return kAmediaErrorIo;
  return SetDataSourceFd(fd.get(), 0, st.st_size);
}

int32_t MediaExtractor::SetDataSourceFd(int fd, int64_t offset, int64_t length) {
  if (fmt_ != nullptr) return kAmediaErrorInvalidOperation;
  if (offset < 0 || length <= 0) return kAmediaErrorInvalidParameter;
  // Our own duplicate: the caller may close its fd after this call.
  fd_ = UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!fd_) return kAmediaErrorIo;
  fd_offset_ = offset;
  fd_length_ = length;
  fd_pos_ = 0;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  io_ = avio_alloc_context(buffer, kIoBufferSize, 0, this, ReadFd, nullptr, SeekFd);
  fmt_ = avformat_alloc_context();
  if (io_ == nullptr || fmt_ == nullptr) {
    if (io_ == nullptr) av_free(buffer);
    Reset();
    return kAmediaErrorUnknown;
  }
  fmt_->pb = io_;
  fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
  // Only demuxers: libavformat never opens anything itself here.
  if (avformat_open_input(&fmt_, "", nullptr, nullptr) < 0) {
    fmt_ = nullptr;  // freed by avformat_open_input
    Reset();
    return kAmediaErrorMalformed;
  }
  if (avformat_find_stream_info(fmt_, nullptr) < 0) {
    Reset();
    return kAmediaErrorMalformed;
  }
  AddTracks();
  if (tracks_.empty()) {
    Reset();
    return kAmediaErrorUnsupported;
  }
  return kAmediaOk;
}

void MediaExtractor::AddTracks() {
  track_of_stream_.assign(fmt_->nb_streams, -1);
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    const AVStream* st = fmt_->streams[i];
    const AVCodecParameters* par = st->codecpar;
    const char* mime = MimeOf(par->codec_id);
    if (mime == nullptr) continue;
    Track t;
    t.stream = static_cast<int>(i);
    MediaFormat& f = t.format;
    f.Set("mime", std::string(mime));
    f.Set("track-id", static_cast<int32_t>(st->id != 0 ? st->id : static_cast<int>(i) + 1));
    int64_t duration = AV_NOPTS_VALUE;
    if (st->duration != AV_NOPTS_VALUE)
      duration = av_rescale_q(st->duration, st->time_base, AVRational{1, 1000000});
    else if (fmt_->duration != AV_NOPTS_VALUE)
      duration = fmt_->duration;
    if (duration != AV_NOPTS_VALUE) f.Set("durationUs", static_cast<int64_t>(duration));
    if (par->bit_rate > 0) f.Set("bitrate", static_cast<int32_t>(par->bit_rate));
    if (const AVDictionaryEntry* lang = av_dict_get(st->metadata, "language", nullptr, 0)) {
      f.Set("language", std::string(lang->value));
    }
    const uint8_t* extra = par->extradata;
    const size_t extra_size = static_cast<size_t>(par->extradata_size);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      f.Set("width", static_cast<int32_t>(par->width));
      f.Set("height", static_cast<int32_t>(par->height));
      if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) {
        f.Set("frame-rate", static_cast<int32_t>(av_q2d(st->avg_frame_rate) + 0.5));
      }
      f.Set("max-input-size", static_cast<int32_t>(par->width * par->height * 3 / 2 + 1024));
      const bool length_prefixed = extra_size > 0 && extra[0] == 1;
      if (par->codec_id == AV_CODEC_ID_H264 && length_prefixed) {
        t.bsf = MakeFilter("h264_mp4toannexb", st);
        if (t.bsf != nullptr) {
          std::vector<uint8_t> sps, pps;
          SplitAvcParameterSets(t.bsf->par_out->extradata, t.bsf->par_out->extradata_size, &sps,
                                &pps);
          if (!sps.empty()) f.Set("csd-0", std::move(sps));
          if (!pps.empty()) f.Set("csd-1", std::move(pps));
        }
      } else if (par->codec_id == AV_CODEC_ID_HEVC && length_prefixed) {
        t.bsf = MakeFilter("hevc_mp4toannexb", st);
        if (t.bsf != nullptr) {
          const AVCodecParameters* out = t.bsf->par_out;
          f.Set("csd-0",
                std::vector<uint8_t>(out->extradata, out->extradata + out->extradata_size));
        }
      } else if (extra_size > 0) {
        f.Set("csd-0", std::vector<uint8_t>(extra, extra + extra_size));
      }
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      f.Set("sample-rate", static_cast<int32_t>(par->sample_rate));
      f.Set("channel-count", static_cast<int32_t>(par->ch_layout.nb_channels));
      f.Set("max-input-size", static_cast<int32_t>(8192));
      if (par->codec_id == AV_CODEC_ID_AAC && extra_size == 0) {
        // ADTS: Android's extractor strips the headers and gives the config.
        t.bsf = MakeFilter("aac_adtstoasc", st);
        f.Set("csd-0",
              MakeAudioSpecificConfig(par->profile, par->sample_rate, par->ch_layout.nb_channels));
      } else if (extra_size > 0) {
        f.Set("csd-0", std::vector<uint8_t>(extra, extra + extra_size));
      }
    }
    track_of_stream_[i] = static_cast<int>(tracks_.size());
    tracks_.push_back(std::move(t));
  }
  selected_.assign(tracks_.size(), false);
}

MediaFormat* MediaExtractor::TrackFormat(size_t index) const {
  if (index >= tracks_.size()) return nullptr;
  auto* f = new MediaFormat();
  f->CopyFrom(tracks_[index].format);
  return f;
}

MediaFormat* MediaExtractor::FileFormat() const {
  if (fmt_ == nullptr) return nullptr;
  auto* f = new MediaFormat();
  const char* name = fmt_->iformat->name;
  std::string mime = "application/octet-stream";
  if (strstr(name, "mp4") != nullptr)
    mime = "video/mp4";
  else if (strstr(name, "matroska") != nullptr)
    mime = "video/x-matroska";
  else if (strcmp(name, "mpegts") == 0)
    mime = "video/mp2ts";
  else if (strcmp(name, "aac") == 0)
    mime = "audio/aac-adts";
  else if (strcmp(name, "mp3") == 0)
    mime = "audio/mpeg";
  else if (strcmp(name, "ogg") == 0)
    mime = "audio/ogg";
  f->Set("mime", mime);
  if (fmt_->duration != AV_NOPTS_VALUE) f->Set("durationUs", static_cast<int64_t>(fmt_->duration));
  return f;
}

int32_t MediaExtractor::SelectTrack(size_t index) {
  if (index >= tracks_.size()) return kAmediaErrorInvalidParameter;
  selected_[index] = true;
  return kAmediaOk;
}

int32_t MediaExtractor::UnselectTrack(size_t index) {
  if (index >= tracks_.size()) return kAmediaErrorInvalidParameter;
  selected_[index] = false;
  // Queued samples of the track go too.
  for (auto it = ready_.begin(); it != ready_.end();) {
    if (it->first == static_cast<int>(index)) {
      av_packet_free(&it->second);
      it = ready_.erase(it);
    } else {
      ++it;
    }
  }
  return kAmediaOk;
}

bool MediaExtractor::Fill() {
  if (fmt_ == nullptr) return false;
  AVPacket* pkt = av_packet_alloc();
  while (ready_.empty() && !eof_) {
    if (av_read_frame(fmt_, pkt) < 0) {
      eof_ = true;
      break;
    }
    const int t = pkt->stream_index < static_cast<int>(track_of_stream_.size())
                      ? track_of_stream_[pkt->stream_index]
                      : -1;
    if (t < 0 || !selected_[t]) {
      av_packet_unref(pkt);
      continue;
    }
    AVBSFContext* bsf = tracks_[t].bsf;
    if (bsf == nullptr) {
      ready_.emplace_back(t, av_packet_clone(pkt));
      av_packet_unref(pkt);
      continue;
    }
    if (av_bsf_send_packet(bsf, pkt) < 0) {
      av_packet_unref(pkt);
      continue;  // a malformed packet is dropped, as a corrupt sample would be
    }
    AVPacket* out = av_packet_alloc();
    while (av_bsf_receive_packet(bsf, out) == 0) {
      ready_.emplace_back(t, out);
      out = av_packet_alloc();
    }
    av_packet_free(&out);
  }
  av_packet_free(&pkt);
  return !ready_.empty();
}

ssize_t MediaExtractor::ReadSampleData(uint8_t* buffer, size_t capacity) {
  if (!Fill()) return -1;
  const AVPacket* p = ready_.front().second;
  if (buffer == nullptr || static_cast<size_t>(p->size) > capacity) return -1;
  memcpy(buffer, p->data, static_cast<size_t>(p->size));
  return p->size;
}

uint32_t MediaExtractor::SampleFlags() {
  if (!Fill()) return 0xffffffffu;
  return (ready_.front().second->flags & AV_PKT_FLAG_KEY) ? kSampleFlagSync : 0;
}

int MediaExtractor::SampleTrackIndex() { return Fill() ? ready_.front().first : -1; }

int64_t MediaExtractor::SampleTime() {
  if (!Fill()) return -1;
  const auto& [t, p] = ready_.front();
  const AVStream* st = fmt_->streams[tracks_[t].stream];
  int64_t ts = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
  if (ts == AV_NOPTS_VALUE) return 0;
  // Times count from the stream's start (MPEG-TS clocks do not start at 0).
  if (st->start_time != AV_NOPTS_VALUE && st->start_time > 0) ts -= st->start_time;
  return av_rescale_q(ts, st->time_base, AVRational{1, 1000000});
}

int64_t MediaExtractor::SampleSize() { return Fill() ? ready_.front().second->size : -1; }

bool MediaExtractor::Advance() {
  if (!Fill()) return false;
  av_packet_free(&ready_.front().second);
  ready_.pop_front();
  return Fill();
}

int32_t MediaExtractor::SeekTo(int64_t time_us, int mode) {
  if (fmt_ == nullptr) return kAmediaErrorInvalidOperation;
  if (mode < kSeekPreviousSync || mode > kSeekClosestSync || time_us < 0)
    return kAmediaErrorInvalidParameter;
  int64_t ts = time_us;
  if (fmt_->start_time != AV_NOPTS_VALUE && fmt_->start_time > 0) ts += fmt_->start_time;
  const int64_t lo = mode == kSeekNextSync ? ts : INT64_MIN;
  const int64_t hi = mode == kSeekPreviousSync ? ts : INT64_MAX;
  if (avformat_seek_file(fmt_, -1, lo, ts, hi, 0) < 0) return kAmediaErrorIo;
  for (auto& [t, pkt] : ready_) av_packet_free(&pkt);
  ready_.clear();
  for (Track& t : tracks_) {
    if (t.bsf != nullptr) av_bsf_flush(t.bsf);
  }
  eof_ = false;
  return kAmediaOk;
}

}  // namespace vmi::bridge::media
