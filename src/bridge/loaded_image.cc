#include "bridge/loaded_image.h"

#include <sys/mman.h>

#include <cstring>
#include <utility>

namespace vmi::bridge {
namespace {

int ProtOf(uint32_t flags) {
  int prot = 0;
  if (flags & PF_R) prot |= PROT_READ;
  if (flags & PF_W) prot |= PROT_WRITE;
  if (flags & PF_X) prot |= PROT_EXEC;
  return prot;
}

}  // namespace

LoadedImage::LoadedImage(LoadedImage&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      bias_(o.bias_),
      segments_(std::move(o.segments_)) {}

LoadedImage& LoadedImage::operator=(LoadedImage&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) munmap(base_, size_);
    base_ = std::exchange(o.base_, nullptr);
    size_ = std::exchange(o.size_, 0);
    bias_ = o.bias_;
    segments_ = std::move(o.segments_);
  }
  return *this;
}

LoadedImage::~LoadedImage() {
  if (base_ != nullptr) munmap(base_, size_);
}

Result<LoadedImage> LoadedImage::Map(const ElfFile& elf, int fd) {
  LoadedImage img;
  img.size_ = elf.max_vaddr() - elf.min_vaddr();
  void* base = mmap(nullptr, img.size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return Error::FromErrno("reserve " + std::to_string(img.size_) + " bytes");
  img.base_ = base;
  img.bias_ = reinterpret_cast<uintptr_t>(base) - elf.min_vaddr();

  for (const Elf64_Phdr& ph : elf.phdrs()) {
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const int prot = ProtOf(ph.p_flags);
    const uint64_t seg_start = img.bias_ + ph.p_vaddr;
    const uint64_t seg_file_end = seg_start + ph.p_filesz;
    const uint64_t seg_mem_end = seg_start + ph.p_memsz;
    const uint64_t page_start = PageDown(seg_start);
    if (ph.p_filesz > 0) {
      void* m = mmap(reinterpret_cast<void*>(page_start), seg_file_end - page_start, prot,
                     MAP_PRIVATE | MAP_FIXED, fd, static_cast<off_t>(elf.file_offset() + PageDown(ph.p_offset)));
      if (m == MAP_FAILED) return Error::FromErrno("map segment of " + elf.path());
    }
    // Zero the tail of the last file page, then map anonymous pages for the rest of bss.
    const uint64_t file_page_end = PageUp(seg_file_end);
    if (ph.p_memsz > ph.p_filesz) {
      if (ph.p_filesz > 0 && seg_file_end < file_page_end) {
        const bool need_write = (prot & PROT_WRITE) == 0;
        if (need_write && mprotect(reinterpret_cast<void*>(PageDown(seg_file_end)), PageSize(), prot | PROT_WRITE) != 0) {
          return Error::FromErrno("mprotect bss page of " + elf.path());
        }
        memset(reinterpret_cast<void*>(seg_file_end), 0, std::min(file_page_end, seg_mem_end) - seg_file_end);
        if (need_write && mprotect(reinterpret_cast<void*>(PageDown(seg_file_end)), PageSize(), prot) != 0) {
          return Error::FromErrno("mprotect bss page of " + elf.path());
        }
      }
      const uint64_t anon_start = ph.p_filesz > 0 ? file_page_end : page_start;
      const uint64_t anon_end = PageUp(seg_mem_end);
      if (anon_end > anon_start) {
        void* m = mmap(reinterpret_cast<void*>(anon_start), anon_end - anon_start, prot,
                       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) return Error::FromErrno("map bss of " + elf.path());
      }
    }
    if (prot & PROT_READ) img.segments_.push_back({ph.p_vaddr, ph.p_vaddr + ph.p_memsz, (prot & PROT_WRITE) != 0});
  }
  return img;
}

const void* LoadedImage::GetBytes(uint64_t vaddr, uint64_t bytes) const {
  uint64_t end;
  if (__builtin_add_overflow(vaddr, bytes, &end)) return nullptr;
  for (const Segment& s : segments_) {
    if (vaddr >= s.lo && end <= s.hi) return reinterpret_cast<const void*>(bias_ + vaddr);
  }
  return nullptr;
}

const char* LoadedImage::GetString(uint64_t tab, uint64_t size, uint64_t off) const {
  if (off >= size) return nullptr;
  const char* s = static_cast<const char*>(GetBytes(tab + off, size - off));
  if (s == nullptr) return nullptr;
  if (memchr(s, 0, size - off) == nullptr) return nullptr;
  return s;
}

void* LoadedImage::Writable(uint64_t vaddr, uint64_t bytes) const {
  uint64_t end;
  if (__builtin_add_overflow(vaddr, bytes, &end)) return nullptr;
  for (const Segment& s : segments_) {
    if (s.writable && vaddr >= s.lo && end <= s.hi) return reinterpret_cast<void*>(bias_ + vaddr);
  }
  return nullptr;
}

Result<void> LoadedImage::ProtectRelro(uint64_t vaddr, uint64_t memsz) {
  uint64_t start = PageDown(bias_ + vaddr);
  uint64_t end = PageDown(bias_ + vaddr + memsz);
  if (start < this->start() || end > this->start() + size_ || end < start) {
    return Error(ErrorCode::kInvalidArgument, "PT_GNU_RELRO outside the image");
  }
  if (end > start && mprotect(reinterpret_cast<void*>(start), end - start, PROT_READ) != 0) {
    return Error::FromErrno("mprotect RELRO");
  }
  for (Segment& s : segments_) {
    if (s.lo >= PageDown(vaddr) && s.hi <= vaddr + memsz) s.writable = false;
  }
  return Ok();
}

}  // namespace vmi::bridge
