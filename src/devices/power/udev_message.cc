#include "devices/power/udev_message.h"

#include <arpa/inet.h>

#include <cstring>

namespace vmi::devices::power {

namespace {

void PutU32(std::string& out, size_t at, uint32_t v) { std::memcpy(out.data() + at, &v, 4); }

}  // namespace

uint32_t UdevStringHash(std::string_view s) {
  // MurmurHash2 by Austin Appleby (public domain); libudev reads each
  // 4-byte block in host order, as here.
  constexpr uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  size_t len = s.size();
  uint32_t h = static_cast<uint32_t>(len);
  const auto* data = reinterpret_cast<const unsigned char*>(s.data());
  while (len >= 4) {
    uint32_t k;
    std::memcpy(&k, data, 4);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
    data += 4;
    len -= 4;
  }
  switch (len) {
    case 3: h ^= static_cast<uint32_t>(data[2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(data[1]) << 8; [[fallthrough]];
    case 1:
      h ^= data[0];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

std::string UdevMonitorMessage(const UdevEvent& e) {
  std::string props;
  auto add = [&props](std::string_view k, std::string_view v) {
    props.append(k);
    props += '=';
    props.append(v);
    props += '\0';
  };
  add("ACTION", e.action);
  add("DEVPATH", e.devpath);
  add("SUBSYSTEM", e.subsystem);
  if (!e.devtype.empty()) add("DEVTYPE", e.devtype);
  add("SEQNUM", std::to_string(e.seqnum));
  for (const auto& [k, v] : e.properties) add(k, v);

  std::string out(kUdevHeaderSize, '\0');
  std::memcpy(out.data(), "libudev", 8);
  PutU32(out, 8, htonl(kUdevMonitorMagic));
  PutU32(out, 12, static_cast<uint32_t>(kUdevHeaderSize));
  PutU32(out, 16, static_cast<uint32_t>(kUdevHeaderSize));
  PutU32(out, 20, static_cast<uint32_t>(props.size()));
  PutU32(out, 24, htonl(UdevStringHash(e.subsystem)));
  PutU32(out, 28, e.devtype.empty() ? 0 : htonl(UdevStringHash(e.devtype)));
  return out + props;
}

}  // namespace vmi::devices::power
