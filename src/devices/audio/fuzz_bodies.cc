#include "devices/audio/fuzz_bodies.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "devices/audio/mic_ingress.h"
#include "guest/audio/wire.h"

namespace vmi::audio {

void FuzzWireParser(const uint8_t* data, size_t size) {
  auto m = ParseMessage({data, size});
  if (!m.ok()) return;
  std::vector<uint8_t> again;
  switch (m->type) {
    case MsgType::kHello:
      again = EncodeHello(m->seq, m->hello);
      break;
    case MsgType::kFormat:
      again = EncodeFormat(m->seq, m->format);
      (void)ValidateFormat(m->format);
      break;
    case MsgType::kPause:
      again = EncodePause(m->seq, m->pause);
      break;
    case MsgType::kReply:
      again = EncodeReply(m->seq, m->reply);
      break;
    default:
      again = EncodeSimple(m->seq, m->type);
      break;
  }
  if (again != std::vector<uint8_t>(data, data + size)) abort();
}

void FuzzOpusIngress(const uint8_t* data, size_t size) {
  static std::unique_ptr<MicIngress> mic = [] {
    auto m = MicIngress::Create();
    if (!m.ok()) abort();
    return std::move(*m);
  }();
  // Split the input into several packets, as a browser would send them.
  size_t off = 0;
  while (off < size) {
    size_t len = std::min<size_t>(size - off, 1 + data[off] * 8);
    (void)mic->Feed({data + off, len});
    off += len;
  }
  if (mic->buffered_frames() > 48u * MicIngress::kMaxBufferedMs) abort();
  std::vector<float> block(2 * 480);
  mic->Pull(block.data(), 480);
  for (float x : block)
    if (!std::isfinite(x)) abort();
}

}  // namespace vmi::audio
