#include "bridge/packed_relocs.h"

#include <cstring>

namespace vmi::bridge {
namespace {

constexpr uint64_t kGroupedByInfo = 1;
constexpr uint64_t kGroupedByOffsetDelta = 2;
constexpr uint64_t kGroupedByAddend = 4;
constexpr uint64_t kGroupHasAddend = 8;

class Sleb128Reader {
 public:
  Sleb128Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool Next(uint64_t* out) {
    uint64_t value = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
      if (p_ >= end_ || shift >= 64) return false;
      byte = *p_++;
      value |= static_cast<uint64_t>(byte & 127) << shift;
      shift += 7;
    } while (byte & 128);
    if (shift < 64 && (byte & 64)) value |= ~uint64_t{0} << shift;
    *out = value;
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

Error Truncated() { return Error(ErrorCode::kInvalidArgument, "packed relocations: truncated or malformed stream"); }

}  // namespace

Result<void> DecodeAndroidPackedRela(const uint8_t* data, size_t size, size_t max_relocs,
                                     const std::function<Result<void>(const Elf64_Rela&)>& fn) {
  if (size < 4 || memcmp(data, "APS2", 4) != 0) {
    return Error(ErrorCode::kInvalidArgument, "packed relocations: missing APS2 magic");
  }
  Sleb128Reader r(data + 4, size - 4);
  uint64_t count;
  Elf64_Rela rel{};
  if (!r.Next(&count) || !r.Next(&rel.r_offset)) return Truncated();
  if (count > max_relocs) return Error(ErrorCode::kInvalidArgument, "packed relocations: implausible count");
  uint64_t done = 0;
  while (done < count) {
    uint64_t group_size, flags, offset_delta = 0;
    if (!r.Next(&group_size) || !r.Next(&flags)) return Truncated();
    if (group_size == 0 || group_size > count - done) {
      return Error(ErrorCode::kInvalidArgument, "packed relocations: bad group size");
    }
    if ((flags & kGroupedByOffsetDelta) && !r.Next(&offset_delta)) return Truncated();
    if ((flags & kGroupedByInfo) && !r.Next(&rel.r_info)) return Truncated();
    const uint64_t addend_flags = flags & (kGroupHasAddend | kGroupedByAddend);
    if (addend_flags == (kGroupHasAddend | kGroupedByAddend)) {
      uint64_t delta;
      if (!r.Next(&delta)) return Truncated();
      rel.r_addend += static_cast<int64_t>(delta);
    } else if (addend_flags != kGroupHasAddend) {
      rel.r_addend = 0;
    }
    for (uint64_t i = 0; i < group_size; ++i) {
      uint64_t v;
      if (flags & kGroupedByOffsetDelta) {
        rel.r_offset += offset_delta;
      } else {
        if (!r.Next(&v)) return Truncated();
        rel.r_offset += v;
      }
      if (!(flags & kGroupedByInfo) && !r.Next(&rel.r_info)) return Truncated();
      if (addend_flags == kGroupHasAddend) {
        if (!r.Next(&v)) return Truncated();
        rel.r_addend += static_cast<int64_t>(v);
      }
      VMI_CHECK_OK(fn(rel), "packed relocation " + std::to_string(done + i));
    }
    done += group_size;
  }
  return Ok();
}

Result<void> DecodeRelr(const uint64_t* words, size_t count, size_t max_relocs,
                        const std::function<Result<void>(uint64_t)>& fn) {
  uint64_t base = 0;
  bool have_base = false;
  size_t emitted = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t w = words[i];
    if ((w & 1) == 0) {
      if (++emitted > max_relocs) return Error(ErrorCode::kInvalidArgument, "RELR: too many relocations");
      VMI_CHECK_OK(fn(w), "RELR entry " + std::to_string(i));
      base = w + 8;
      have_base = true;
      continue;
    }
    if (!have_base) return Error(ErrorCode::kInvalidArgument, "RELR: bitmap before the first address");
    uint64_t bits = w >> 1;
    for (uint64_t off = base; bits != 0; bits >>= 1, off += 8) {
      if (bits & 1) {
        if (++emitted > max_relocs) return Error(ErrorCode::kInvalidArgument, "RELR: too many relocations");
        VMI_CHECK_OK(fn(off), "RELR bitmap entry " + std::to_string(i));
      }
    }
    base += 63 * 8;
  }
  return Ok();
}

}  // namespace vmi::bridge
