// The C ABI of Android's libmediandk.so that the bridge implements: the
// types and constants of <media/NdkMediaError.h>, <media/NdkMediaFormat.h>
// and <media/NdkMediaCodec.h>, spelled as the NDK spells them (bionic code
// compiled against the NDK headers passes these values and structs in).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace vmi::bridge::media {

// media_status_t.
constexpr int32_t kAmediaOk = 0;
constexpr int32_t kAmediaErrorUnknown = -10000;
constexpr int32_t kAmediaErrorMalformed = -10001;
constexpr int32_t kAmediaErrorUnsupported = -10002;
constexpr int32_t kAmediaErrorInvalidObject = -10003;
constexpr int32_t kAmediaErrorInvalidParameter = -10004;
constexpr int32_t kAmediaErrorInvalidOperation = -10005;
constexpr int32_t kAmediaErrorEndOfStream = -10006;
constexpr int32_t kAmediaErrorIo = -10007;
constexpr int32_t kAmediaErrorWouldBlock = -10008;

// AMediaCodec_dequeueOutputBuffer's informational results.
constexpr ssize_t kInfoTryAgainLater = -1;
constexpr ssize_t kInfoOutputFormatChanged = -2;
constexpr ssize_t kInfoOutputBuffersChanged = -3;

// AMediaCodecBufferInfo.flags / queueInputBuffer flags.
constexpr uint32_t kBufferFlagCodecConfig = 2;
constexpr uint32_t kBufferFlagEndOfStream = 4;
constexpr uint32_t kBufferFlagPartialFrame = 8;
// AMediaCodec_configure flags.
constexpr uint32_t kConfigureFlagEncode = 1;

// MediaCodecInfo.CodecCapabilities colour formats a decoder can output.
constexpr int32_t kColorFormatYuv420Planar = 19;      // I420
constexpr int32_t kColorFormatYuv420SemiPlanar = 21;  // NV12
constexpr int32_t kColorFormatYuv420Flexible = 0x7F420888;
// AudioFormat.ENCODING_PCM_16BIT, the "pcm-encoding" of decoded audio.
constexpr int32_t kPcmEncoding16Bit = 2;

struct BufferInfo {  // AMediaCodecBufferInfo
  int32_t offset;
  int32_t size;
  int64_t presentation_time_us;
  uint32_t flags;
};

}  // namespace vmi::bridge::media
