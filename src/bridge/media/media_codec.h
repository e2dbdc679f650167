// AMediaCodec: an H.264 ("video/avc") or AAC ("audio/mp4a-latm") decoder
// with the NDK's buffer-queue contract, on the host's libavcodec.
//
// Buffers: kSlots input and kSlots output buffers, owned by the codec and
// addressed by index as in Android. dequeueInput hands out a free input
// slot; queueInput decodes synchronously (parse, send, receive) and keeps
// the decoded frames until dequeueOutput copies one into a free output slot,
// which stays the caller's until releaseOutput. Because decoding is
// synchronous, timeouts never wait: "no buffer" is reported at once as
// AMEDIACODEC_INFO_TRY_AGAIN_LATER. Input need not be split into access
// units (libavcodec's parser re-frames H.264 and ADTS), a superset of
// Android's contract.
//
// States (as Android's MediaCodec): Uninitialized -> configure ->
// Configured -> start -> Executing -> stop -> Uninitialized; a call in the
// wrong state returns AMEDIA_ERROR_INVALID_OPERATION. A decoded frame in a
// pixel format the NDK cannot express (not 8-bit 4:2:0) puts the codec in
// the Error state (AMEDIA_ERROR_UNSUPPORTED until stop). A packet libavcodec
// rejects is dropped and decoding goes on, as Android's software decoders
// conceal corrupt input.
// Not thread-safe: one thread drives a codec (the NDK allows more; callers
// that share one must lock).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "bridge/media/media_format.h"
#include "bridge/media/ndk_media.h"

struct AVCodecContext;
struct AVCodecParserContext;
struct AVFrame;
struct AVPacket;

namespace vmi::bridge::media {

class MediaCodec {
 public:
  static constexpr size_t kSlots = 4;
  // nullptr when `mime` is not a decoder the bridge has.
  static std::unique_ptr<MediaCodec> CreateDecoder(const char* mime);
  ~MediaCodec();

  const std::string& name() const { return name_; }
  int32_t Configure(const MediaFormat* format, void* surface, void* crypto, uint32_t flags);
  int32_t Start();
  int32_t Stop();
  int32_t Flush();
  ssize_t DequeueInput();
  uint8_t* InputBuffer(size_t index, size_t* size);
  int32_t QueueInput(size_t index, off_t offset, size_t size, uint64_t pts_us, uint32_t flags);
  ssize_t DequeueOutput(BufferInfo* info);
  uint8_t* OutputBuffer(size_t index, size_t* size);
  int32_t ReleaseOutput(size_t index);
  // A copy the caller deletes, as AMediaCodec_getOutputFormat returns.
  MediaFormat* OutputFormat() const { return Copy(output_format_); }
  MediaFormat* InputFormat() const { return Copy(input_format_); }

 private:
  enum class State { kUninitialized, kConfigured, kExecuting, kError };
  enum class Kind { kVideo, kAudio };
  struct Slot {
    std::vector<uint8_t> data;
    bool owned_by_client = false;
  };

  MediaCodec(Kind kind, std::string name, std::string mime);
  static MediaFormat* Copy(const MediaFormat& f);
  int32_t OpenDecoder(const std::vector<uint8_t>& extradata);
  void CloseDecoder();
  void Decode(const uint8_t* data, size_t size, int64_t pts, bool eos);
  void SendPacket(AVPacket* pkt);
  void ReceiveFrames();
  // Copies `frame` into `out`; false if its format is not supported.
  bool CopyVideo(const AVFrame* frame, std::vector<uint8_t>* out);
  bool CopyAudio(const AVFrame* frame, std::vector<uint8_t>* out);
  // Updates output_format_ for `frame`; true when it changed.
  bool UpdateOutputFormat(const AVFrame* frame);

  Kind kind_;
  std::string name_;
  std::string mime_;
  State state_ = State::kUninitialized;
  int32_t error_ = kAmediaOk;
  int32_t color_format_ = kColorFormatYuv420Planar;
  size_t input_capacity_ = 0;
  MediaFormat input_format_;
  MediaFormat output_format_;
  bool format_announced_ = false;
  bool input_eos_ = false;
  bool output_eos_sent_ = false;
  std::vector<uint8_t> extradata_;
  std::array<Slot, kSlots> inputs_;
  std::array<Slot, kSlots> outputs_;
  std::deque<AVFrame*> decoded_;
  AVCodecContext* ctx_ = nullptr;
  AVCodecParserContext* parser_ = nullptr;
};

}  // namespace vmi::bridge::media
