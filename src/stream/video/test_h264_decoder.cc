#include "stream/video/test_h264_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}
#include <libyuv/convert_argb.h>

#include <algorithm>
#include <cstdlib>

namespace vmi::video {

struct TestH264Decoder::Impl {
  AVCodecContext* ctx = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* pkt = nullptr;
  ~Impl() {
    av_packet_free(&pkt);
    av_frame_free(&frame);
    avcodec_free_context(&ctx);
  }
};

TestH264Decoder::~TestH264Decoder() = default;

Result<std::unique_ptr<TestH264Decoder>> TestH264Decoder::Create() {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (!codec) return Error(ErrorCode::kUnavailable, "libavcodec has no H.264 decoder");
  auto d = std::unique_ptr<TestH264Decoder>(new TestH264Decoder());
  d->impl_ = std::make_unique<Impl>();
  d->impl_->ctx = avcodec_alloc_context3(codec);
  d->impl_->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
  d->impl_->ctx->thread_count = 1;
  if (avcodec_open2(d->impl_->ctx, codec, nullptr) < 0)
    return Error(ErrorCode::kInternal, "avcodec_open2 failed");
  d->impl_->frame = av_frame_alloc();
  d->impl_->pkt = av_packet_alloc();
  return d;
}

Result<DecodedPicture> TestH264Decoder::Decode(const std::vector<uint8_t>& au) {
  AVPacket* pkt = impl_->pkt;
  if (av_new_packet(pkt, static_cast<int>(au.size())) < 0)
    return Error(ErrorCode::kResourceExhausted, "av_new_packet");
  std::copy(au.begin(), au.end(), pkt->data);
  int r = avcodec_send_packet(impl_->ctx, pkt);
  av_packet_unref(pkt);
  if (r < 0) return Error(ErrorCode::kInvalidArgument, "avcodec_send_packet rejected the unit");
  r = avcodec_receive_frame(impl_->ctx, impl_->frame);
  if (r < 0) return Error(ErrorCode::kInvalidArgument, "decoder produced no picture");
  AVFrame* f = impl_->frame;
  DecodedPicture p;
  p.width = f->width;
  p.height = f->height;
  p.bgrx.resize(static_cast<size_t>(p.width) * p.height);
  libyuv::I420ToARGB(f->data[0], f->linesize[0], f->data[1], f->linesize[1], f->data[2],
                     f->linesize[2], reinterpret_cast<uint8_t*>(p.bgrx.data()), p.width * 4,
                     p.width, p.height);
  av_frame_unref(f);
  return p;
}

int ColourDistance(uint32_t a, uint32_t b) {
  int d = 0;
  for (int shift = 0; shift < 24; shift += 8)
    d = std::max(d, std::abs(static_cast<int>((a >> shift) & 0xff) -
                             static_cast<int>((b >> shift) & 0xff)));
  return d;
}

}  // namespace vmi::video
