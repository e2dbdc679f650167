#include "bridge/elf_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace vmi::bridge {
namespace {

Error Bad(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, path + ": " + what);
}

Result<void> PreadAll(int fd, void* buf, size_t len, uint64_t off) {
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t n = pread(fd, p, len, static_cast<off_t>(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("pread");
    }
    if (n == 0) return Error(ErrorCode::kInvalidArgument, "unexpected end of file");
    p += n;
    len -= static_cast<size_t>(n);
    off += static_cast<uint64_t>(n);
  }
  return Ok();
}

bool AddOverflows(uint64_t a, uint64_t b, uint64_t* out) { return __builtin_add_overflow(a, b, out); }

}  // namespace

uint64_t PageSize() {
  static const uint64_t size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return size;
}

const char* MachineName(uint16_t m) {
  switch (m) {
    case EM_X86_64: return "x86_64";
    case EM_AARCH64: return "arm64 (aarch64)";
    case EM_386: return "x86 (32-bit)";
    case EM_ARM: return "arm (32-bit)";
    case EM_RISCV: return "riscv";
    default: return nullptr;
  }
}

Result<ElfFile> ElfFile::Read(int fd, const std::string& path, uint64_t offset, uint64_t size) {
  ElfFile f;
  f.path_ = path;
  f.file_offset_ = offset;
  struct stat st;
  if (fstat(fd, &st) != 0) return Error::FromErrno("fstat " + path);
  if (!S_ISREG(st.st_mode)) return Bad(path, "not a regular file");
  f.file_size_ = static_cast<uint64_t>(st.st_size);
  if (size != 0 || offset != 0) {
    uint64_t end;
    if (offset % PageSize() != 0 || AddOverflows(offset, size, &end) || end > f.file_size_) {
      return Bad(path, "object lies outside its file or is not page-aligned in it");
    }
    f.file_size_ = size;
  }
  if (f.file_size_ < sizeof(Elf64_Ehdr)) return Bad(path, "file too small for an ELF header");
  VMI_CHECK_OK(PreadAll(fd, &f.ehdr_, sizeof(f.ehdr_), offset), "read ELF header of " + path);
  const Elf64_Ehdr& e = f.ehdr_;
  if (memcmp(e.e_ident, ELFMAG, SELFMAG) != 0) return Bad(path, "not an ELF file (bad magic)");
  if (e.e_ident[EI_CLASS] != ELFCLASS64) return Bad(path, "not a 64-bit ELF object");
  if (e.e_ident[EI_DATA] != ELFDATA2LSB) return Bad(path, "not a little-endian ELF object");
  if (e.e_ident[EI_VERSION] != EV_CURRENT) return Bad(path, "unknown ELF version");
  if (e.e_machine != kHostMachine) {
    const char* name = MachineName(e.e_machine);
    return Bad(path, std::string("built for ") +
                         (name != nullptr ? name : "ELF machine " + std::to_string(e.e_machine)).c_str() +
                         ", but this host runs " + MachineName(kHostMachine) +
                         " (run an arm64 bridge under qemu-aarch64 for arm64 objects)");
  }
  if (e.e_type != ET_DYN) {
    return Bad(path, e.e_type == ET_EXEC ? "not position independent (ET_EXEC); only PIE objects load"
                                         : "not a shared object or PIE executable");
  }
  if (e.e_phentsize != sizeof(Elf64_Phdr)) return Bad(path, "unexpected program header size");
  if (e.e_phnum == 0 || e.e_phnum > 256) return Bad(path, "bad program header count " + std::to_string(e.e_phnum));
  uint64_t ph_end;
  if (AddOverflows(e.e_phoff, uint64_t{e.e_phnum} * sizeof(Elf64_Phdr), &ph_end) || ph_end > f.file_size_) {
    return Bad(path, "program headers lie outside the file");
  }
  f.phdrs_.resize(e.e_phnum);
  VMI_CHECK_OK(PreadAll(fd, f.phdrs_.data(), e.e_phnum * sizeof(Elf64_Phdr), offset + e.e_phoff),
               "read program headers of " + path);

  const uint64_t page = PageSize();
  bool any_load = false;
  bool has_dynamic = false;
  uint64_t prev_end = 0;
  for (const Elf64_Phdr& ph : f.phdrs_) {
    if (ph.p_type == PT_INTERP) f.has_interp_ = true;
    if (ph.p_type == PT_DYNAMIC) has_dynamic = true;
    if (ph.p_type == PT_TLS && ph.p_memsz > 0) {
      return Bad(path, "has a PT_TLS segment (ELF TLS in bridged objects is not supported)");
    }
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_filesz > ph.p_memsz) return Bad(path, "PT_LOAD with p_filesz > p_memsz");
    uint64_t file_end, mem_end;
    if (AddOverflows(ph.p_offset, ph.p_filesz, &file_end) || file_end > f.file_size_) {
      return Bad(path, "PT_LOAD extends past the end of the file");
    }
    if (AddOverflows(ph.p_vaddr, ph.p_memsz, &mem_end) || mem_end > (1ull << 46)) {
      return Bad(path, "PT_LOAD virtual address out of range");
    }
    if ((ph.p_offset % page) != (ph.p_vaddr % page)) {
      return Bad(path, "PT_LOAD offset and address are not congruent modulo the page size");
    }
    if (ph.p_align != 0 && (ph.p_align & (ph.p_align - 1)) != 0) return Bad(path, "PT_LOAD alignment not a power of two");
    if (any_load && ph.p_vaddr < prev_end) return Bad(path, "PT_LOAD segments overlap or are out of order");
    if (!any_load) f.min_vaddr_ = PageDown(ph.p_vaddr);
    any_load = true;
    prev_end = mem_end;
    f.max_vaddr_ = PageUp(mem_end);
  }
  if (!any_load) return Bad(path, "no PT_LOAD segment");
  if (!has_dynamic) return Bad(path, "no PT_DYNAMIC segment (static objects are not supported)");
  if (f.max_vaddr_ - f.min_vaddr_ > kMaxImageSpan || f.max_vaddr_ == f.min_vaddr_) {
    return Bad(path, "unreasonable address span");
  }
  return f;
}

}  // namespace vmi::bridge
