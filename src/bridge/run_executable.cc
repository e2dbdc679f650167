#include "bridge/run_executable.h"

#include <elf.h>
#include <sys/auxv.h>

#include <cstring>

#include "bridge/linker.h"

extern char** environ;

namespace vmi::bridge {
namespace {

[[noreturn]] __attribute__((noinline)) void JumpToEntry(uintptr_t entry, const std::vector<uintptr_t>& words) {
  // The block lives in this frame; the program's stack grows down from it.
  const size_t n = (words.size() + 1) & ~size_t{1};  // keep 16-byte alignment
  auto* block = static_cast<uintptr_t*>(__builtin_alloca_with_align(n * sizeof(uintptr_t) + 64, 128));
  memcpy(block, words.data(), words.size() * sizeof(uintptr_t));
#if defined(__x86_64__)
  asm volatile("mov %0, %%rsp\n\txor %%ebp, %%ebp\n\txor %%edx, %%edx\n\tjmp *%1\n" : : "r"(block), "r"(entry) : "memory");
#elif defined(__aarch64__)
  asm volatile("mov sp, %0\n\tmov x29, xzr\n\tmov x30, xzr\n\tbr %1\n" : : "r"(block), "r"(entry) : "memory");
#endif
  __builtin_unreachable();
}

}  // namespace

Result<void> RunExecutable(const std::string& path, const std::vector<std::string>& args) {
  LoadOptions options;
  options.executable = true;
  SharedObject* so = VMI_TRY(Linker::Instance().Open(path, options));
  if (!so->is_executable) {
    return Error(ErrorCode::kInvalidArgument, path + " is a library, not an executable (no PT_INTERP)");
  }
  static std::vector<std::string> kept;  // argv strings must outlive this frame
  kept = args;
  std::vector<uintptr_t> words;
  words.push_back(kept.size());
  for (std::string& a : kept) words.push_back(reinterpret_cast<uintptr_t>(a.data()));
  words.push_back(0);
  for (char** e = environ; *e != nullptr; ++e) words.push_back(reinterpret_cast<uintptr_t>(*e));
  words.push_back(0);
  const uintptr_t aux[][2] = {
      {AT_PHDR, reinterpret_cast<uintptr_t>(so->phdr)},
      {AT_PHENT, sizeof(Elf64_Phdr)},
      {AT_PHNUM, so->phnum},
      {AT_PAGESZ, getauxval(AT_PAGESZ)},
      {AT_ENTRY, so->entry},
      {AT_RANDOM, getauxval(AT_RANDOM)},
      {AT_HWCAP, getauxval(AT_HWCAP)},
      {AT_NULL, 0},
  };
  for (const auto& kv : aux) {
    words.push_back(kv[0]);
    words.push_back(kv[1]);
  }
  JumpToEntry(so->entry, words);
}

}  // namespace vmi::bridge
