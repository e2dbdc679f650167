#include "bridge/media/media_format.h"

#include <cstdio>

namespace vmi::bridge::media {

namespace {

std::string Describe(const MediaFormat::Value& v) {
  char buf[96];
  switch (v.index()) {
    case 0: snprintf(buf, sizeof(buf), "int32(%d)", std::get<int32_t>(v)); return buf;
    case 1: snprintf(buf, sizeof(buf), "int64(%lld)", static_cast<long long>(std::get<int64_t>(v))); return buf;
    case 2: snprintf(buf, sizeof(buf), "float(%f)", static_cast<double>(std::get<float>(v))); return buf;
    case 3: snprintf(buf, sizeof(buf), "double(%f)", std::get<double>(v)); return buf;
    case 4: snprintf(buf, sizeof(buf), "size_t(%zu)", std::get<size_t>(v)); return buf;
    case 5: return "string(" + std::get<std::string>(v) + ")";
    case 6: snprintf(buf, sizeof(buf), "data(%zu bytes)", std::get<std::vector<uint8_t>>(v).size()); return buf;
    default: {
      const Rect& r = std::get<Rect>(v);
      snprintf(buf, sizeof(buf), "rect(%d, %d, %d, %d)", r.left, r.top, r.right, r.bottom);
      return buf;
    }
  }
}

}  // namespace

const char* MediaFormat::ToString() {
  text_ = "AMediaFormat{";
  bool first = true;
  for (const auto& [k, v] : values_) {
    if (!first) text_ += ", ";
    first = false;
    text_ += k + ": " + Describe(v);
  }
  text_ += "}";
  return text_.c_str();
}

}  // namespace vmi::bridge::media
