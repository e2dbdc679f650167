// LoadedImage: the PT_LOAD segments of one ElfFile mapped into this process.
//
// Owns one contiguous reservation (PROT_NONE between segments) and unmaps it
// on destruction, so an object that fails to load leaves no mapping behind.
// Every read the later loader stages make of the image goes through Get(),
// which only returns memory that a segment actually maps; writes done by
// relocations go through Writable(). Move-only; not thread-safe while loading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "bridge/elf_file.h"

namespace vmi::bridge {

class LoadedImage {
 public:
  LoadedImage() = default;
  LoadedImage(LoadedImage&& o) noexcept;
  LoadedImage& operator=(LoadedImage&& o) noexcept;
  LoadedImage(const LoadedImage&) = delete;
  LoadedImage& operator=(const LoadedImage&) = delete;
  ~LoadedImage();

  // Reserves the span, maps every PT_LOAD from `fd` with its protections
  // (writable segments stay writable until ProtectRelro()), zero-fills bss.
  static Result<LoadedImage> Map(const ElfFile& elf, int fd);

  // Load bias: runtime address = bias() + p_vaddr.
  uintptr_t bias() const { return bias_; }
  uintptr_t start() const { return reinterpret_cast<uintptr_t>(base_); }
  size_t size() const { return size_; }
  bool Contains(uintptr_t addr) const { return addr >= start() && addr < start() + size_; }

  // Pointer to `count` objects of type T at virtual address `vaddr`, or
  // nullptr when any byte of them is not mapped by a segment.
  template <typename T>
  const T* Get(uint64_t vaddr, uint64_t count = 1) const {
    uint64_t bytes;
    if (__builtin_mul_overflow(count, sizeof(T), &bytes)) return nullptr;
    return static_cast<const T*>(GetBytes(vaddr, bytes));
  }
  const void* GetBytes(uint64_t vaddr, uint64_t bytes) const;
  // NUL-terminated string at `off` inside a string table [tab, tab+size).
  const char* GetString(uint64_t tab, uint64_t size, uint64_t off) const;
  // Address to store `bytes` at vaddr, or nullptr if not in a writable segment.
  void* Writable(uint64_t vaddr, uint64_t bytes) const;

  // Makes [vaddr, vaddr+memsz) read-only (page bounds rounded inward at the end).
  Result<void> ProtectRelro(uint64_t vaddr, uint64_t memsz);
  // Gives up ownership (the image stays mapped forever).
  void Release() { base_ = nullptr; size_ = 0; }

 private:
  struct Segment {
    uint64_t lo, hi;  // virtual addresses, [lo, hi)
    bool writable;
  };
  void* base_ = nullptr;
  size_t size_ = 0;
  uintptr_t bias_ = 0;
  std::vector<Segment> segments_;
};

}  // namespace vmi::bridge
