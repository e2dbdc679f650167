// AMediaExtractor: reads the tracks and samples of a media file (MP4/MOV,
// Matroska/WebM, MPEG-TS, ADTS AAC, MP3, Ogg, ... whatever the host's
// libavformat demuxes) with the NDK's semantics, so that what it hands out
// feeds AMediaCodec as Android's own extractor's output does: H.264 samples
// in Annex-B form (start codes) with SPS and PPS as csd-0/csd-1, AAC as raw
// access units with the AudioSpecificConfig as csd-0 (ADTS headers
// stripped). Samples of the selected tracks come in the container's
// interleaving order. Only tracks with a MIME type the bridge knows are
// listed (Android also lists only the tracks its extractors support).
//
// Data sources: a local path or file:// URL, or a file descriptor with an
// offset and length (what AAsset_openFileDescriptor gives); network URLs
// are refused (AMEDIA_ERROR_UNSUPPORTED). Not thread-safe (neither is
// Android's); one thread uses one extractor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "bridge/media/media_format.h"

struct AVFormatContext;
struct AVIOContext;
struct AVPacket;
struct AVBSFContext;

namespace vmi::bridge::media {

// AMEDIAEXTRACTOR_SAMPLE_FLAG_*, SeekMode.
constexpr uint32_t kSampleFlagSync = 1;
constexpr int kSeekPreviousSync = 0;
constexpr int kSeekNextSync = 1;
constexpr int kSeekClosestSync = 2;

class MediaExtractor {
 public:
  MediaExtractor() = default;
  ~MediaExtractor();
  MediaExtractor(const MediaExtractor&) = delete;
  MediaExtractor& operator=(const MediaExtractor&) = delete;

  // media_status_t: AMEDIA_OK, _ERROR_UNSUPPORTED (network, no known track),
  // _ERROR_MALFORMED (not a media file), _ERROR_IO, _ERROR_INVALID_OPERATION
  // (a source was set already).
  int32_t SetDataSource(const char* location);
  int32_t SetDataSourceFd(int fd, int64_t offset, int64_t length);

  size_t TrackCount() const { return tracks_.size(); }
  // A new format the caller deletes; nullptr for a bad index.
  MediaFormat* TrackFormat(size_t index) const;
  MediaFormat* FileFormat() const;
  int32_t SelectTrack(size_t index);
  int32_t UnselectTrack(size_t index);

  // The current sample: its bytes (the size, or -1 at the end or when
  // `capacity` is too small), flags (0xffffffff at the end), track index,
  // time in microseconds and size (-1 at the end).
  ssize_t ReadSampleData(uint8_t* buffer, size_t capacity);
  uint32_t SampleFlags();
  int SampleTrackIndex();
  int64_t SampleTime();
  int64_t SampleSize();
  // Moves to the next sample; false at the end.
  bool Advance();
  int32_t SeekTo(int64_t time_us, int mode);

 private:
  struct Track {
    int stream = -1;
    MediaFormat format;
    AVBSFContext* bsf = nullptr;  // to Annex-B / raw AAC, or nullptr
  };
  int32_t Open(const std::string& url);
  void AddTracks();
  // Makes sure a current sample of a selected track is queued, reading and
  // filtering packets as needed; false at the end of the stream.
  bool Fill();
  void Reset();
  // libavformat's I/O callbacks over [fd_offset_, fd_offset_ + fd_length_).
  static int ReadFd(void* opaque, uint8_t* buf, int size);
  static int64_t SeekFd(void* opaque, int64_t offset, int whence);

  UniqueFd fd_;
  int64_t fd_offset_ = 0, fd_length_ = 0, fd_pos_ = 0;
  AVFormatContext* fmt_ = nullptr;
  AVIOContext* io_ = nullptr;
  std::vector<Track> tracks_;
  std::vector<int> track_of_stream_;  // -1 for streams not listed
  std::vector<bool> selected_;
  // Filtered packets ready to hand out, with their track index.
  std::deque<std::pair<int, AVPacket*>> ready_;
  bool eof_ = false;
};

}  // namespace vmi::bridge::media
