// Decoders for the two compressed relocation formats newer NDKs emit:
//
// Android packed relocations (DT_ANDROID_RELA, "APS2"): after the 4-byte
// magic, a stream of SLEB128 numbers:
//
//   count  initial_r_offset
//   { group_size group_flags
//     [r_offset_delta  if GROUPED_BY_OFFSET_DELTA (2)]
//     [r_info          if GROUPED_BY_INFO (1)]
//     [r_addend_delta  if GROUPED_BY_ADDEND (4) and GROUP_HAS_ADDEND (8)]
//     group_size x { [r_offset_delta] [r_info] [r_addend_delta] }   (the ones not grouped)
//   } ...
//
// r_offset and r_addend accumulate; a group without GROUP_HAS_ADDEND resets
// the addend to 0.
//
// RELR (DT_RELR): a list of 64-bit words; an even word is the address of a
// relative relocation and starts a run, an odd word is a bitmap whose bit i
// (1..63) relocates address run_base + (i-1)*8, after which the base moves by
// 63 words.
//
// Both decoders stop with an error instead of reading past their input, and
// refuse more relocations than `max_relocs`.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <functional>

#include "base/result.h"

namespace vmi::bridge {

// Calls `fn` for each decoded relocation; stops at the first error `fn` returns.
Result<void> DecodeAndroidPackedRela(const uint8_t* data, size_t size, size_t max_relocs,
                                     const std::function<Result<void>(const Elf64_Rela&)>& fn);

// Calls `fn(r_offset)` for each relative relocation encoded in `words`.
Result<void> DecodeRelr(const uint64_t* words, size_t count, size_t max_relocs,
                        const std::function<Result<void>(uint64_t)>& fn);

}  // namespace vmi::bridge
