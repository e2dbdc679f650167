// AMediaFormat: a typed key/value map (int32, int64, float, double, size_t,
// string, buffer, rect), as Android's NdkMediaFormat keeps one. Getters fail
// (return false) when the key is absent or holds another type, as Android's
// do. A string or buffer handed out stays valid until the key is set again or
// the format is deleted; ToString's result until the next ToString.
// Not thread-safe (neither is Android's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace vmi::bridge::media {

struct Rect {
  int32_t left, top, right, bottom;
};

class MediaFormat {
 public:
  using Value = std::variant<int32_t, int64_t, float, double, size_t, std::string, std::vector<uint8_t>, Rect>;

  template <typename T>
  void Set(const char* key, T v) {
    values_[key] = Value(std::move(v));
  }
  // Returns the value of type T under key, or nullptr.
  template <typename T>
  const T* Get(const char* key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return nullptr;
    return std::get_if<T>(&it->second);
  }
  void Clear() { values_.clear(); }
  void CopyFrom(const MediaFormat& other) { values_ = other.values_; }
  // "AMediaFormat{mime: string(video/raw), width: int32(64), ...}".
  const char* ToString();

 private:
  std::map<std::string, Value, std::less<>> values_;
  std::string text_;
};

}  // namespace vmi::bridge::media
