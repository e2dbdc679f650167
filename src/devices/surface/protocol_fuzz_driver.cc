#include "devices/surface/protocol_fuzz_driver.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <span>
#include <variant>

#include "devices/surface/frame_state.h"
#include "devices/surface/guest_session.h"
#include "devices/surface/protocol.h"

namespace vmi::surface {
namespace {

constexpr size_t kFuzzMemfdSize = 64 * 1024;

std::vector<uint8_t> Reencode(const GuestMessage& m) {
  if (auto* h = std::get_if<Hello>(&m)) return EncodeHello(*h);
  if (auto* a = std::get_if<AddBuffer>(&m)) return EncodeAddBuffer(*a);
  if (auto* r = std::get_if<RemoveBuffer>(&m)) return EncodeRemoveBuffer(*r);
  return EncodePresent(std::get<Present>(m));
}

UniqueFd SealedMemfd() {
  UniqueFd fd(memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd || ftruncate(fd.get(), kFuzzMemfdSize) != 0) abort();
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0) abort();
  return fd;
}

}  // namespace

size_t FuzzGuestStream(const uint8_t* data, size_t size) {
  uint64_t keys = 0;
  GuestSession session(1, SurfaceLimits{4, 1 << 20}, &keys);
  FrameState frames(64, 64);
  std::vector<Notice> notices;
  size_t accepted = 0;
  int64_t now = 0;
  while (size >= 2) {
    size_t len = data[0] | size_t{data[1]} << 8;
    data += 2;
    size -= 2;
    len = std::min(len, size);
    std::span<const uint8_t> d(data, len);
    data += len;
    size -= len;
    size_t fd_count = (len >= 2 && d[0] == 0x02 && d[1] == 0x00) ? 1 : 0;
    auto parsed = ParseGuestMessage(d, fd_count);
    if (!parsed.ok()) break;
    if (Reencode(*parsed) != std::vector<uint8_t>(d.begin(), d.end())) abort();
    std::vector<UniqueFd> fds;
    if (fd_count == 1) fds.push_back(SealedMemfd());
    auto action = session.Handle(std::move(*parsed), &fds);
    if (!action.ok()) break;
    ++accepted;
    if (action->present) {
      const auto& p = *action->present;
      for (const auto& r : p.damage) {
        if (r.x < 0 || r.y < 0 || r.x + r.w > p.buffer.mem->width() ||
            r.y + r.h > p.buffer.mem->height())
          abort();
      }
      frames.Present(p.buffer, p.serial, p.damage, ++now, &notices);
      // Capture every other present, and read every damaged pixel as a
      // consumer would: out-of-bounds reads show up under ASan.
      if (accepted % 2 == 0) {
        display::FrameView v = frames.Capture(++now, &notices);
        unsigned sum = 0;
        for (const auto& r : v.damage) {
          if (r.x < 0 || r.y < 0 || r.x + r.w > v.width || r.y + r.h > v.height) abort();
          for (int y = r.y; y < r.y + r.h; ++y)
            sum += v.pixels[static_cast<size_t>(y) * v.stride +
                            static_cast<size_t>(r.x + r.w - 1) * 4];
        }
        (void)sum;
      }
    }
  }
  return accepted;
}

}  // namespace vmi::surface
