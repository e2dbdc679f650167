// Helpers for the audio tests: a hub on its own loop thread, temp device
// directories, WAV files, tone analysis, and running the real ALSA tools
// (aplay/arecord) against the built plugin through the image's asound.conf.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/child_process.h"
#include "base/event_loop.h"
#include "base/temp_dir.h"
#include "devices/audio/audio_hub.h"

namespace vmi::audio::testing {

// An EventLoop running on its own thread with an AudioHub on it.
class HubThread {
 public:
  HubThread();
  ~HubThread();
  // Runs fn on the loop thread and waits for it.
  void Call(const std::function<void()>& fn);
  AudioHub& hub() { return *hub_; }
  EventLoop& loop() { return *loop_; }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<AudioHub> hub_;
  std::thread thread_;
};

// A fresh directory under /tmp, made on construction, removed on destruction.
class TempDir : public vmi::TempDir {
 public:
  TempDir() : vmi::TempDir(MustCreate("vmi-audio-test")) {}
};

// 16-bit PCM WAV of a sine: amplitude in [0, 1].
std::string MakeToneWav(const std::string& path, int rate, int channels, double seconds,
                        double freq, double amplitude);
// Reads a 16-bit PCM WAV into mono floats (channel 0).
std::vector<float> ReadWavChannel0(const std::string& path, int* rate);

// Amplitude of the component at freq (Goertzel), for a sine of amplitude A
// this returns about A.
double ToneAmplitude(const std::vector<float>& x, int rate, double freq);
// The strongest frequency between lo and hi Hz, in steps of step Hz.
double PeakFrequency(const std::vector<float>& x, int rate, double lo, double hi,
                     double step = 1.0);
double Rms(const std::vector<float>& x);
// The 100 ms window (stepped by 20 ms) of `x` where the tone at `freq` is
// strongest: a real-time test on a loaded machine loses a block now and
// then (a late feeder, a late clock), and one gap in a window lowers the
// tone's measured level; the clean stretch between gaps still shows the
// path's true level and frequency. Empty if `x` is shorter than a window.
std::vector<float> StrongestWindow(const std::vector<float>& x, int rate, double freq);

// What a mix listener heard: the left channel, appended from the hub's
// thread, taken by the test's.
struct Heard {
  std::mutex mu;
  std::vector<float> left;
  void Add(const float* b, size_t frames);
  std::vector<float> Take();
};

// Speaks a tone into `dev`'s microphone in 20 ms Opus packets, as a viewer's
// browser sends them, paced in real time, for `ms`.
void Speak(AudioDevice* dev, double hz, double amplitude, int ms);

// What was heard from 200 ms after the first sound on (past the Opus
// encoder's start); empty if that leaves less than 100 ms.
std::vector<float> Steady(const std::vector<float>& x);

// The checks of a call in which A spoke 660 Hz at 0.5 and B 1000 Hz at 0.3:
// each hears the other's tone at its level, B does not hear itself.
void ExpectEachHearsTheOther(const std::vector<float>& heard_a, const std::vector<float>& heard_b);

// The asound.conf of the image with /opt/vmi/lib pointing at the build's
// guest kit, written into dir; returns the environment for ALSA programs.
std::vector<std::string> AlsaEnv(const std::string& dir, const std::string& devdir);

}  // namespace vmi::audio::testing
