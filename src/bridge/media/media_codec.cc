#include "bridge/media/media_codec.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace vmi::bridge::media {

namespace {

// Room for one access unit when the format gives no "max-input-size": a
// 4:2:0 frame is an upper bound for an H.264 access unit in practice.
constexpr size_t kMinInputCapacity = 1 << 20;
// Decoded frames kept before dequeueInput pushes back (the caller must drain
// output): bounds memory like Android's fixed output buffer count does.
constexpr size_t kMaxPending = 8;

}  // namespace

std::unique_ptr<MediaCodec> MediaCodec::CreateDecoder(const char* mime) {
  if (mime == nullptr) return nullptr;
  if (strcasecmp(mime, "video/avc") == 0) {
    return std::unique_ptr<MediaCodec>(new MediaCodec(Kind::kVideo, "vmi.ffmpeg.avc.decoder", "video/avc"));
  }
  if (strcasecmp(mime, "audio/mp4a-latm") == 0) {
    return std::unique_ptr<MediaCodec>(new MediaCodec(Kind::kAudio, "vmi.ffmpeg.aac.decoder", "audio/mp4a-latm"));
  }
  return nullptr;
}

MediaCodec::MediaCodec(Kind kind, std::string name, std::string mime)
    : kind_(kind), name_(std::move(name)), mime_(std::move(mime)) {}

MediaCodec::~MediaCodec() { CloseDecoder(); }

MediaFormat* MediaCodec::Copy(const MediaFormat& f) {
  auto* out = new MediaFormat();
  out->CopyFrom(f);
  return out;
}

int32_t MediaCodec::Configure(const MediaFormat* format, void* surface, void* crypto, uint32_t flags) {
  if (state_ != State::kUninitialized) return kAmediaErrorInvalidOperation;
  if (format == nullptr) return kAmediaErrorInvalidParameter;
  // Encoding, rendering to an ANativeWindow and encrypted input are not
  // provided: refuse rather than decode into buffers nobody reads.
  if ((flags & kConfigureFlagEncode) != 0 || surface != nullptr || crypto != nullptr) {
    return kAmediaErrorUnsupported;
  }
  const int32_t* w = format->Get<int32_t>("width");
  const int32_t* h = format->Get<int32_t>("height");
  const int32_t* rate = format->Get<int32_t>("sample-rate");
  const int32_t* channels = format->Get<int32_t>("channel-count");
  if (kind_ == Kind::kVideo && (w == nullptr || h == nullptr || *w <= 0 || *h <= 0)) {
    return kAmediaErrorInvalidParameter;
  }
  if (kind_ == Kind::kAudio && (rate == nullptr || channels == nullptr || *rate <= 0 || *channels <= 0)) {
    return kAmediaErrorInvalidParameter;
  }
  color_format_ = kColorFormatYuv420Planar;
  if (const int32_t* cf = format->Get<int32_t>("color-format")) {
    if (*cf == kColorFormatYuv420SemiPlanar) {
      color_format_ = *cf;
    } else if (*cf != kColorFormatYuv420Planar && *cf != kColorFormatYuv420Flexible) {
      return kAmediaErrorUnsupported;
    }
  }
  // csd-0/csd-1: SPS and PPS (Annex B) for H.264, the AudioSpecificConfig
  // for AAC; libavcodec takes both as extradata.
  extradata_.clear();
  for (const char* key : {"csd-0", "csd-1"}) {
    if (const auto* csd = format->Get<std::vector<uint8_t>>(key)) {
      extradata_.insert(extradata_.end(), csd->begin(), csd->end());
    }
  }
  input_capacity_ = kMinInputCapacity;
  if (kind_ == Kind::kVideo) input_capacity_ = std::max(input_capacity_, size_t(*w) * size_t(*h) * 3 / 2);
  if (const int32_t* max = format->Get<int32_t>("max-input-size"); max != nullptr && *max > 0) {
    input_capacity_ = std::max(input_capacity_, size_t(*max));
  }
  input_format_.CopyFrom(*format);
  output_format_.Clear();
  if (kind_ == Kind::kVideo) {
    output_format_.Set("mime", std::string("video/raw"));
    output_format_.Set("width", *w);
    output_format_.Set("height", *h);
    output_format_.Set("color-format", color_format_);
  } else {
    output_format_.Set("mime", std::string("audio/raw"));
    output_format_.Set("sample-rate", *rate);
    output_format_.Set("channel-count", *channels);
    output_format_.Set("pcm-encoding", kPcmEncoding16Bit);
  }
  state_ = State::kConfigured;
  return kAmediaOk;
}

int32_t MediaCodec::OpenDecoder(const std::vector<uint8_t>& extradata) {
  CloseDecoder();
  const AVCodecID id = kind_ == Kind::kVideo ? AV_CODEC_ID_H264 : AV_CODEC_ID_AAC;
  const AVCodec* codec = avcodec_find_decoder(id);
  if (codec == nullptr) return kAmediaErrorUnsupported;
  ctx_ = avcodec_alloc_context3(codec);
  if (ctx_ == nullptr) return kAmediaErrorUnknown;
  if (!extradata.empty()) {
    ctx_->extradata = static_cast<uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (ctx_->extradata == nullptr) return kAmediaErrorUnknown;
    memcpy(ctx_->extradata, extradata.data(), extradata.size());
    ctx_->extradata_size = static_cast<int>(extradata.size());
  }
  // Timestamps travel in microseconds, as presentationTimeUs does.
  ctx_->pkt_timebase = AVRational{1, 1000000};
  ctx_->thread_count = 1;
  if (avcodec_open2(ctx_, codec, nullptr) < 0) return kAmediaErrorUnknown;
  // Raw AAC access units (an extractor's samples) need no parser; an ADTS
  // stream ("is-adts") and H.264 of any framing do.
  const int32_t* adts = input_format_.Get<int32_t>("is-adts");
  if (kind_ == Kind::kVideo || (adts != nullptr && *adts != 0) || extradata.empty()) {
    parser_ = av_parser_init(id);
    if (parser_ == nullptr) return kAmediaErrorUnknown;
  }
  return kAmediaOk;
}

void MediaCodec::CloseDecoder() {
  for (AVFrame* f : decoded_) av_frame_free(&f);
  decoded_.clear();
  if (parser_ != nullptr) av_parser_close(parser_);
  parser_ = nullptr;
  avcodec_free_context(&ctx_);
}

int32_t MediaCodec::Start() {
  if (state_ != State::kConfigured) return kAmediaErrorInvalidOperation;
  if (int32_t rc = OpenDecoder(extradata_); rc != kAmediaOk) {
    CloseDecoder();
    return rc;
  }
  for (Slot& s : inputs_) s = Slot{std::vector<uint8_t>(input_capacity_), false};
  for (Slot& s : outputs_) s = Slot{};
  format_announced_ = false;
  input_eos_ = false;
  output_eos_sent_ = false;
  error_ = kAmediaOk;
  state_ = State::kExecuting;
  return kAmediaOk;
}

int32_t MediaCodec::Stop() {
  // Android allows stop from any state but Uninitialized-after-release.
  CloseDecoder();
  for (Slot& s : inputs_) s = Slot{};
  for (Slot& s : outputs_) s = Slot{};
  state_ = State::kUninitialized;
  return kAmediaOk;
}

int32_t MediaCodec::Flush() {
  if (state_ != State::kExecuting) return kAmediaErrorInvalidOperation;
  // Buffers handed out are returned to the codec; decoding restarts at the
  // next input, which must begin at a sync frame (as on Android).
  if (int32_t rc = OpenDecoder(extradata_); rc != kAmediaOk) {
    state_ = State::kError;
    error_ = rc;
    return rc;
  }
  for (Slot& s : inputs_) s.owned_by_client = false;
  for (Slot& s : outputs_) s.owned_by_client = false;
  input_eos_ = false;
  output_eos_sent_ = false;
  return kAmediaOk;
}

ssize_t MediaCodec::DequeueInput() {
  if (state_ == State::kError) return error_;
  if (state_ != State::kExecuting) return kAmediaErrorInvalidOperation;
  if (input_eos_ || decoded_.size() >= kMaxPending) return kInfoTryAgainLater;
  for (size_t i = 0; i < kSlots; ++i) {
    if (!inputs_[i].owned_by_client) {
      inputs_[i].owned_by_client = true;
      return static_cast<ssize_t>(i);
    }
  }
  return kInfoTryAgainLater;
}

uint8_t* MediaCodec::InputBuffer(size_t index, size_t* size) {
  if (state_ != State::kExecuting || index >= kSlots || !inputs_[index].owned_by_client) return nullptr;
  if (size != nullptr) *size = inputs_[index].data.size();
  return inputs_[index].data.data();
}

int32_t MediaCodec::QueueInput(size_t index, off_t offset, size_t size, uint64_t pts_us, uint32_t flags) {
  if (state_ == State::kError) return error_;
  if (state_ != State::kExecuting || input_eos_) return kAmediaErrorInvalidOperation;
  if (index >= kSlots || !inputs_[index].owned_by_client) return kAmediaErrorInvalidParameter;
  Slot& slot = inputs_[index];
  if (offset < 0 || size_t(offset) > slot.data.size() || size > slot.data.size() - size_t(offset)) {
    return kAmediaErrorInvalidParameter;
  }
  slot.owned_by_client = false;
  const uint8_t* data = slot.data.data() + offset;
  if ((flags & kBufferFlagCodecConfig) != 0 && kind_ == Kind::kAudio && parser_ == nullptr) {
    // A raw AAC AudioSpecificConfig sent in-band: reopen with it.
    extradata_.assign(data, data + size);
    if (int32_t rc = OpenDecoder(extradata_); rc != kAmediaOk) {
      state_ = State::kError;
      error_ = rc;
      return rc;
    }
    return kAmediaOk;
  }
  const bool eos = (flags & kBufferFlagEndOfStream) != 0;
  Decode(data, size, static_cast<int64_t>(pts_us), eos);
  if (eos) input_eos_ = true;
  return state_ == State::kError ? error_ : kAmediaOk;
}

void MediaCodec::Decode(const uint8_t* data, size_t size, int64_t pts, bool eos) {
  AVPacket* pkt = av_packet_alloc();
  if (pkt == nullptr) return;
  if (parser_ == nullptr) {
    if (size > 0 && av_new_packet(pkt, static_cast<int>(size)) == 0) {
      memcpy(pkt->data, data, size);
      pkt->pts = pts;
      SendPacket(pkt);
    }
  } else {
    // The parser copies what it keeps; zero-size calls at the end flush the
    // access unit it still holds.
    bool flushing = false;
    for (;;) {
      uint8_t* out = nullptr;
      int out_size = 0;
      int used = av_parser_parse2(parser_, ctx_, &out, &out_size, data, static_cast<int>(size), pts, pts, 0);
      if (used < 0) break;
      data += used;
      size -= size_t(used);
      if (out_size > 0) {
        pkt->data = out;
        pkt->size = out_size;
        pkt->pts = parser_->pts;
        SendPacket(pkt);
      }
      if (size > 0) continue;
      if (!eos || (flushing && out_size == 0)) break;
      flushing = true;
      data = nullptr;
    }
  }
  av_packet_free(&pkt);
  if (eos) {
    avcodec_send_packet(ctx_, nullptr);
    ReceiveFrames();
  }
}

void MediaCodec::SendPacket(AVPacket* pkt) {
  // A rejected packet (AVERROR_INVALIDDATA on corrupt input) is dropped.
  int rc = avcodec_send_packet(ctx_, pkt);
  if (rc == AVERROR(EAGAIN)) {
    ReceiveFrames();
    avcodec_send_packet(ctx_, pkt);
  }
  ReceiveFrames();
}

void MediaCodec::ReceiveFrames() {
  for (;;) {
    AVFrame* frame = av_frame_alloc();
    if (frame == nullptr) return;
    if (avcodec_receive_frame(ctx_, frame) < 0) {
      av_frame_free(&frame);
      return;
    }
    decoded_.push_back(frame);
  }
}

bool MediaCodec::UpdateOutputFormat(const AVFrame* frame) {
  MediaFormat next;
  next.CopyFrom(output_format_);
  if (kind_ == Kind::kVideo) {
    next.Set("width", int32_t(frame->width));
    next.Set("height", int32_t(frame->height));
    next.Set("stride", int32_t(frame->width));
    next.Set("slice-height", int32_t(frame->height));
    next.Set("crop-left", int32_t(0));
    next.Set("crop-top", int32_t(0));
    next.Set("crop-right", int32_t(frame->width - 1));
    next.Set("crop-bottom", int32_t(frame->height - 1));
    next.Set("crop", Rect{0, 0, frame->width - 1, frame->height - 1});
    next.Set("color-format", color_format_);
  } else {
    next.Set("sample-rate", int32_t(frame->sample_rate));
    next.Set("channel-count", int32_t(frame->ch_layout.nb_channels));
  }
  bool changed = !format_announced_ || std::string(next.ToString()) != output_format_.ToString();
  output_format_.CopyFrom(next);
  return changed;
}

bool MediaCodec::CopyVideo(const AVFrame* f, std::vector<uint8_t>* out) {
  if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) return false;
  const size_t w = size_t(f->width), h = size_t(f->height);
  const size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
  out->resize(w * h + 2 * cw * ch);
  uint8_t* p = out->data();
  for (size_t y = 0; y < h; ++y, p += w) memcpy(p, f->data[0] + y * size_t(f->linesize[0]), w);
  if (color_format_ == kColorFormatYuv420SemiPlanar) {
    for (size_t y = 0; y < ch; ++y) {
      const uint8_t* u = f->data[1] + y * size_t(f->linesize[1]);
      const uint8_t* v = f->data[2] + y * size_t(f->linesize[2]);
      for (size_t x = 0; x < cw; ++x) {
        *p++ = u[x];
        *p++ = v[x];
      }
    }
    return true;
  }
  for (int plane = 1; plane <= 2; ++plane) {
    for (size_t y = 0; y < ch; ++y, p += cw) memcpy(p, f->data[plane] + y * size_t(f->linesize[plane]), cw);
  }
  return true;
}

bool MediaCodec::CopyAudio(const AVFrame* f, std::vector<uint8_t>* out) {
  // Android's decoders give interleaved 16-bit PCM; libavcodec's AAC
  // decoder gives planar float.
  if (f->format != AV_SAMPLE_FMT_FLTP) return false;
  const int channels = f->ch_layout.nb_channels;
  out->resize(size_t(f->nb_samples) * size_t(channels) * 2);
  auto* pcm = reinterpret_cast<int16_t*>(out->data());
  for (int i = 0; i < f->nb_samples; ++i) {
    for (int c = 0; c < channels; ++c) {
      float s = reinterpret_cast<const float*>(f->extended_data[c])[i];
      s = std::clamp(s, -1.0f, 1.0f);
      *pcm++ = static_cast<int16_t>(s < 0 ? s * 32768.0f : s * 32767.0f);
    }
  }
  return true;
}

ssize_t MediaCodec::DequeueOutput(BufferInfo* info) {
  if (state_ == State::kError) return error_;
  if (state_ != State::kExecuting) return kAmediaErrorInvalidOperation;
  if (info == nullptr) return kAmediaErrorInvalidParameter;
  size_t free_slot = kSlots;
  for (size_t i = 0; i < kSlots; ++i) {
    if (!outputs_[i].owned_by_client) {
      free_slot = i;
      break;
    }
  }
  if (!decoded_.empty()) {
    AVFrame* frame = decoded_.front();
    if (UpdateOutputFormat(frame)) {
      format_announced_ = true;
      return kInfoOutputFormatChanged;
    }
    if (free_slot == kSlots) return kInfoTryAgainLater;
    Slot& slot = outputs_[free_slot];
    bool ok = kind_ == Kind::kVideo ? CopyVideo(frame, &slot.data) : CopyAudio(frame, &slot.data);
    if (!ok) {
      state_ = State::kError;
      error_ = kAmediaErrorUnsupported;
      return error_;
    }
    decoded_.pop_front();
    slot.owned_by_client = true;
    info->offset = 0;
    info->size = static_cast<int32_t>(slot.data.size());
    info->presentation_time_us = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : 0;
    info->flags = 0;
    av_frame_free(&frame);
    return static_cast<ssize_t>(free_slot);
  }
  if (input_eos_ && !output_eos_sent_ && free_slot != kSlots) {
    // Everything is drained: an empty buffer carries the end-of-stream flag.
    Slot& slot = outputs_[free_slot];
    slot.data.clear();
    slot.owned_by_client = true;
    output_eos_sent_ = true;
    *info = BufferInfo{0, 0, 0, kBufferFlagEndOfStream};
    return static_cast<ssize_t>(free_slot);
  }
  return kInfoTryAgainLater;
}

uint8_t* MediaCodec::OutputBuffer(size_t index, size_t* size) {
  if (state_ != State::kExecuting || index >= kSlots || !outputs_[index].owned_by_client) return nullptr;
  if (size != nullptr) *size = outputs_[index].data.size();
  return outputs_[index].data.data();
}

int32_t MediaCodec::ReleaseOutput(size_t index) {
  if (state_ == State::kError) return error_;
  if (state_ != State::kExecuting) return kAmediaErrorInvalidOperation;
  if (index >= kSlots || !outputs_[index].owned_by_client) return kAmediaErrorInvalidParameter;
  outputs_[index].owned_by_client = false;
  return kAmediaOk;
}

}  // namespace vmi::bridge::media
