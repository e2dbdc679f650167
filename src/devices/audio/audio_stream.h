// AudioStream: the host end of one guest PCM stream (one connection to
// audio.sock): its control state machine, its ring, and its conversion to or
// from 48 kHz stereo float.
//
// Ownership: owned by its AudioDevice; owns the connection fd, the ring's
// memfd mapping and the resampler. The ring is unmapped on destruction.
//
// Bounds: the ring is at most kMaxRingDataBytes; the conversion FIFO holds
// at most a few blocks. The guest's counter is read once per block and
// clamped, so a guest that scribbles over the ring or floods it only hurts
// its own sound.
//
// Threads: every method runs on the audio hub's loop thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "devices/audio/host_format.h"
#include "devices/audio/resampler.h"
#include "guest/audio/ring.h"
#include "guest/audio/wire.h"

namespace vmi::audio {

class AudioStream {
 public:
  enum class State { kNew, kOpen, kSetup, kPrepared, kRunning, kPaused };

  AudioStream(UniqueFd conn, std::string tag, uint32_t id);
  ~AudioStream();
  AudioStream(const AudioStream&) = delete;
  AudioStream& operator=(const AudioStream&) = delete;

  int fd() const { return conn_.get(); }
  uint32_t id() const { return id_; }
  State state() const { return state_; }
  bool running() const { return state_ == State::kRunning; }
  bool playback() const { return hello_.direction == Direction::kPlayback; }
  const Hello& hello() const { return hello_; }
  const std::optional<Format>& format() const { return format_; }

  // Reads and handles one datagram. An error means the guest broke the
  // protocol (or hung up) and the connection must be closed; requests that
  // are merely refused get a REPLY with a negative errno instead.
  Result<void> OnReadable();

  // Playback: adds (volume-scaled) one block of 48 kHz stereo into mix
  // (2 * kBlockFrames floats). Returns false if the ring ran dry.
  bool MixInto(float* mix, float volume);
  // Playback with nobody listening: consumes one block's worth of frames
  // at the stream's own rate without reading them (fake playback).
  void Skip();
  // Capture: writes one block of 48 kHz stereo into the ring, converted to
  // the guest's format; drops what does not fit (the guest overran) and
  // counts it in underruns().
  void Push(const float* block);

  // Set once the guest sent CLOSE; the device then drops the stream.
  bool closed() const { return closed_; }
  uint64_t frames_moved() const { return frames_moved_; }
  uint64_t underruns() const { return underruns_; }

 private:
  Result<void> SendReply(uint32_t seq, MsgType req, int status, const UniqueFd* ring = nullptr,
                         uint32_t ring_bytes = 0);
  Result<void> Handle(const Message& m);
  int CreateRing(const Format& f, UniqueFd* memfd);
  void ResetConversion();
  uint64_t Fill() const;  // frames between the counters, clamped to capacity

  UniqueFd conn_;
  std::string tag_;
  uint32_t id_;
  State state_ = State::kNew;
  Hello hello_;
  std::optional<Format> format_;
  uint8_t* map_ = nullptr;
  size_t map_bytes_ = 0;
  RingView ring_;
  std::optional<Resampler> resampler_;
  std::vector<float> fifo_;  // converted 48 kHz frames not yet mixed
  std::vector<float> scratch_;
  std::vector<uint8_t> raw_;
  uint64_t host_pos_ = 0;  // our counter: read (playback) / write (capture)
  uint64_t skip_acc_ = 0;  // fractional frames for Skip()
  bool closed_ = false;
  uint64_t frames_moved_ = 0;
  uint64_t underruns_ = 0;
};

}  // namespace vmi::audio
