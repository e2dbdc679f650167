#include "bridge/relocator.h"

#include <elf.h>

#include <cstring>

#include "bridge/packed_relocs.h"
#include "bridge/symbol_lookup.h"

namespace vmi::bridge {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kRelNone = R_X86_64_NONE;
constexpr uint32_t kRelRelative = R_X86_64_RELATIVE;
constexpr uint32_t kRelAbs64 = R_X86_64_64;
constexpr uint32_t kRelGlobDat = R_X86_64_GLOB_DAT;
constexpr uint32_t kRelJumpSlot = R_X86_64_JUMP_SLOT;
constexpr uint32_t kRelIrelative = R_X86_64_IRELATIVE;
constexpr uint32_t kRelCopy = R_X86_64_COPY;
#elif defined(__aarch64__)
constexpr uint32_t kRelNone = R_AARCH64_NONE;
constexpr uint32_t kRelRelative = R_AARCH64_RELATIVE;
constexpr uint32_t kRelAbs64 = R_AARCH64_ABS64;
constexpr uint32_t kRelGlobDat = R_AARCH64_GLOB_DAT;
constexpr uint32_t kRelJumpSlot = R_AARCH64_JUMP_SLOT;
constexpr uint32_t kRelIrelative = R_AARCH64_IRELATIVE;
constexpr uint32_t kRelCopy = R_AARCH64_COPY;
#endif

class Applier {
 public:
  Applier(const LoadedImage& image, const DynamicInfo& dyn, SymbolResolver& resolver, const RelocateOptions& options,
          std::vector<std::string>* missing)
      : image_(image), dyn_(dyn), resolver_(resolver), options_(options), missing_(missing),
        cache_(dyn.nsyms, 0), state_(dyn.nsyms, 0) {}

  Result<void> Apply(const Elf64_Rela& r) {
    const uint32_t type = static_cast<uint32_t>(ELF64_R_TYPE(r.r_info));
    const uint32_t sym = static_cast<uint32_t>(ELF64_R_SYM(r.r_info));
    if (type == kRelNone) return Ok();
    auto* where = static_cast<uint64_t*>(image_.Writable(r.r_offset, 8));
    if (where == nullptr) {
      return Error(ErrorCode::kInvalidArgument, "relocation at 0x" + Hex(r.r_offset) + " outside writable segments");
    }
    if (type == kRelRelative) {
      *where = image_.bias() + static_cast<uint64_t>(r.r_addend);
      return Ok();
    }
    if (type == kRelIrelative) {
      if (!options_.allow_irelative) return Error(ErrorCode::kInvalidArgument, "IRELATIVE relocations are disabled");
      const uint64_t fn = image_.bias() + static_cast<uint64_t>(r.r_addend);
      if (!image_.Contains(fn)) return Error(ErrorCode::kInvalidArgument, "IRELATIVE resolver outside the image");
      *where = reinterpret_cast<uint64_t (*)()>(fn)();
      return Ok();
    }
    if (type == kRelCopy) {
      if (sym == 0 || sym >= dyn_.nsyms) return Error(ErrorCode::kInvalidArgument, "COPY relocation without symbol");
      const Elf64_Sym& es = dyn_.symtab[sym];
      void* dst = image_.Writable(r.r_offset, es.st_size);
      if (dst == nullptr) return Error(ErrorCode::kInvalidArgument, "COPY relocation outside writable segments");
      uintptr_t src = resolver_.ResolveCopy(sym, dst, es.st_size);
      if (src == 0) {
        const char* name = dyn_.SymbolName(es);
        missing_->push_back(name != nullptr ? name : "<bad name>");
        return Ok();
      }
      memcpy(dst, reinterpret_cast<const void*>(src), es.st_size);
      return Ok();
    }
    if (type != kRelAbs64 && type != kRelGlobDat && type != kRelJumpSlot) {
      return Error(ErrorCode::kUnimplemented, "unsupported relocation type " + std::to_string(type));
    }
    uint64_t s = 0;
    if (sym != 0) {
      if (sym >= dyn_.nsyms) return Error(ErrorCode::kInvalidArgument, "relocation symbol index out of range");
      if (state_[sym] == 0) {
        const Elf64_Sym& es = dyn_.symtab[sym];
        uintptr_t addr = 0;
        if (ELF64_ST_BIND(es.st_info) == STB_LOCAL && es.st_shndx != SHN_UNDEF) {
          addr = image_.bias() + es.st_value;
        } else {
          addr = resolver_.Resolve(sym);
        }
        if (addr == 0 && ELF64_ST_BIND(es.st_info) != STB_WEAK) {
          const char* name = dyn_.SymbolName(es);
          missing_->push_back(name != nullptr ? name : "<bad name>");
          state_[sym] = 2;
        } else {
          state_[sym] = 1;
        }
        cache_[sym] = addr;
      }
      s = cache_[sym];
    }
    *where = s + static_cast<uint64_t>(r.r_addend);
    return Ok();
  }

  static std::string Hex(uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
    return buf;
  }

 private:
  const LoadedImage& image_;
  const DynamicInfo& dyn_;
  SymbolResolver& resolver_;
  const RelocateOptions& options_;
  std::vector<std::string>* missing_;
  std::vector<uintptr_t> cache_;
  std::vector<uint8_t> state_;  // 0 unresolved, 1 resolved, 2 missing
};

}  // namespace

Result<void> Relocate(const LoadedImage& image, const DynamicInfo& dyn, SymbolResolver& resolver,
                      const RelocateOptions& options, std::vector<std::string>* missing) {
  Applier a(image, dyn, resolver, options, missing);
  // A valid object cannot have more relocations than 8-byte slots.
  const size_t max_relocs = image.size() / 8 + 16;
  if (dyn.relr != nullptr) {
    VMI_CHECK_OK(DecodeRelr(dyn.relr, dyn.relr_count, max_relocs,
                            [&](uint64_t off) -> Result<void> {
                              auto* where = static_cast<uint64_t*>(image.Writable(off, 8));
                              if (where == nullptr) {
                                return Error(ErrorCode::kInvalidArgument, "RELR target outside writable segments");
                              }
                              *where += image.bias();
                              return Ok();
                            }),
                 "apply DT_RELR");
  }
  if (dyn.android_rela != nullptr) {
    VMI_CHECK_OK(DecodeAndroidPackedRela(dyn.android_rela, dyn.android_rela_size, max_relocs,
                                         [&](const Elf64_Rela& r) { return a.Apply(r); }),
                 "apply DT_ANDROID_RELA");
  }
  for (size_t i = 0; i < dyn.rela_count; ++i) VMI_CHECK_OK(a.Apply(dyn.rela[i]), "apply DT_RELA");
  for (size_t i = 0; i < dyn.jmprel_count; ++i) VMI_CHECK_OK(a.Apply(dyn.jmprel[i]), "apply DT_JMPREL");
  return Ok();
}

}  // namespace vmi::bridge
