// ElfFile: a validated view of an ELF object's file header and program
// headers, read with pread(2) from a descriptor it borrows (the caller keeps
// the fd open while mapping). Everything later stages rely on is checked here:
// class, machine, PIE type, program headers inside the file, PT_LOAD segments
// ordered, non-overlapping, congruent modulo the page size and inside the file.
// Immutable after Read(); safe to share between threads.
#pragma once

#include <elf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::bridge {

#if defined(__x86_64__)
inline constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
inline constexpr uint16_t kHostMachine = EM_AARCH64;
#else
#error "LibBridge supports x86_64 and aarch64 hosts"
#endif

// Largest address span accepted for one object (libjsc.so spans 21 MiB).
inline constexpr uint64_t kMaxImageSpan = 1ull << 32;

class ElfFile {
 public:
  // Reads and validates the headers of the object open on `fd`. `path` is
  // only used in error messages. An object stored inside another file (an
  // APK entry) starts at the page-aligned `offset` and is `size` bytes long.
  static Result<ElfFile> Read(int fd, const std::string& path, uint64_t offset = 0, uint64_t size = 0);

  const Elf64_Ehdr& header() const { return ehdr_; }
  const std::vector<Elf64_Phdr>& phdrs() const { return phdrs_; }
  uint64_t file_size() const { return file_size_; }
  // Where the object starts in its file (0 unless it is an archive entry).
  uint64_t file_offset() const { return file_offset_; }
  // Page-aligned bounds of all PT_LOAD segments (virtual addresses).
  uint64_t min_vaddr() const { return min_vaddr_; }
  uint64_t max_vaddr() const { return max_vaddr_; }
  // True when the object has a PT_INTERP (an executable, not a library).
  bool has_interp() const { return has_interp_; }
  const std::string& path() const { return path_; }

 private:
  Elf64_Ehdr ehdr_{};
  std::vector<Elf64_Phdr> phdrs_;
  uint64_t file_size_ = 0;
  uint64_t file_offset_ = 0;
  uint64_t min_vaddr_ = 0;
  uint64_t max_vaddr_ = 0;
  bool has_interp_ = false;
  std::string path_;
};

uint64_t PageSize();
inline uint64_t PageDown(uint64_t v) { return v & ~(PageSize() - 1); }
inline uint64_t PageUp(uint64_t v) { return PageDown(v + PageSize() - 1); }

}  // namespace vmi::bridge
