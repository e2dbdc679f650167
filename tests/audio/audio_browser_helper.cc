// audio_browser_helper: the host side of the browser audio test
// (audio_browser.test.mjs), with the real plugin, aplay and arecord.
//
//   play <seconds> <freq>  aplay a tone into an instance's audio device and
//                          print every viewer message it produces (0x20) as
//                          "PKT <hex>", then "DONE".
//   record <seconds>       read "MIC <hex>" lines (0x21 messages from the
//                          browser) from stdin, feed them through a
//                          ViewerAudioLink at 20 ms pace while arecord
//                          records, then print "RESULT <rms> <peak_hz>".
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "base/log.h"
#include "devices/audio/test_util.h"
#include "devices/audio/viewer_audio.h"

using namespace vmi;
using namespace vmi::audio;

namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h.push_back(d[c >> 4]);
    h.push_back(d[c & 15]);
  }
  return h;
}

std::vector<uint8_t> Unhex(const std::string& h) {
  std::vector<uint8_t> b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(std::stoi(h.substr(i, 2), nullptr, 16));
  return b;
}

int Play(double seconds, double freq) {
  testing::TempDir dir;
  testing::HubThread h;
  std::mutex mu;
  AudioDevice* dev = nullptr;
  h.Call([&] { dev = *h.hub().AddDevice("a", dir.path()); });
  ViewerAudioLink link(dev, [&](std::string m) {
    std::lock_guard lock(mu);
    std::printf("PKT %s\n", Hex(m).c_str());
    return true;
  });
  auto wav = testing::MakeToneWav(dir.path() + "/t.wav", 44100, 2, seconds, freq, 0.5);
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir.path(), dir.path());
  auto r = Run({"aplay", "-q", wav}, o, std::chrono::seconds(60));
  std::lock_guard lock(mu);
  std::printf("DONE %d\n", r.ok() && r->ok() ? 0 : 1);
  std::fflush(stdout);
  return 0;
}

int Record(double seconds) {
  std::vector<std::vector<uint8_t>> msgs;
  std::string line;
  while (std::getline(std::cin, line))
    if (line.rfind("MIC ", 0) == 0) msgs.push_back(Unhex(line.substr(4)));
  testing::TempDir dir;
  testing::HubThread h;
  AudioDevice* dev = nullptr;
  h.Call([&] { dev = *h.hub().AddDevice("a", dir.path()); });
  ViewerAudioLink link(dev, [](std::string) { return true; });
  link.SetMicrophoneAllowed(true);
  std::thread feeder([&] {
    auto next = std::chrono::steady_clock::now();
    for (auto& m : msgs) {
      if (!link.OnClientMessage(m).ok()) std::fprintf(stderr, "malformed MIC message\n");
      next += std::chrono::milliseconds(20);
      std::this_thread::sleep_until(next);
    }
  });
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir.path(), dir.path());
  std::string wav = dir.path() + "/rec.wav";
  auto r = Run({"arecord", "-q", "-f", "S16_LE", "-r", "48000", "-c", "1", "-d",
                std::to_string(static_cast<int>(seconds)), wav},
               o, std::chrono::seconds(60));
  feeder.join();
  int rate = 0;
  auto x = testing::ReadWavChannel0(wav, &rate);
  double peak = x.empty() ? 0 : testing::PeakFrequency(x, rate, 100, 4000, 5);
  std::printf("RESULT %d %f %f %llu\n", r.ok() && r->ok() ? 0 : 1, testing::Rms(x), peak,
              static_cast<unsigned long long>(dev->microphone().malformed()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  vmi::log::SetLevel(vmi::log::Level::WARN);
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "play" && argc == 4) return Play(std::stod(argv[2]), std::stod(argv[3]));
  if (mode == "record" && argc == 3) return Record(std::stod(argv[2]));
  std::fprintf(stderr, "usage: %s play <seconds> <freq> | record <seconds>\n", argv[0]);
  return 2;
}
