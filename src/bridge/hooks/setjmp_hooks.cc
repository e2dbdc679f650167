// setjmp family. bionic's jmp_buf is 11 longs on x86_64 (88 bytes) and 32 on
// arm64 (256 bytes); glibc's setjmp stores a 128-byte signal mask after its
// registers (200 / 312 bytes) and would write past a bionic jmp_buf. The
// bridge therefore has its own setjmp/longjmp that keep the callee-saved
// registers, the stack pointer, the return address, bionic's 8-byte signal
// mask and the "mask saved" flag inside bionic's size. Only bridged code
// uses these buffers, so the layout is the bridge's own:
//
//   x86_64 (8-byte words): rbx rbp r12 r13 r14 r15 rsp rip | mask | saved
//   arm64  (8-byte words): x19..x30 sp d8..d15 | mask | saved
//
// setjmp/sigsetjmp(env, 1) save the mask, _setjmp/sigsetjmp(env, 0) do not;
// every longjmp restores it when it was saved. Thread-safe (per-thread mask).
#include <signal.h>

#include <cstdint>
#include <cstring>

#include "bridge/hooks/hooks.h"

#if defined(__x86_64__)
constexpr int kMaskSlot = 8;
#else
constexpr int kMaskSlot = 21;
#endif
static_assert((kMaskSlot + 2) * 8 <= (sizeof(void*) == 8 && kMaskSlot == 8 ? 88 : 256));

extern "C" {
int vmi_bridge_setjmp(long* env);
int vmi_bridge__setjmp(long* env);
int vmi_bridge_sigsetjmp(long* env, int save_mask);
[[noreturn]] void vmi_bridge_restore_registers(long* env, int value);

// Called from the assembly below after the registers are stored.
__attribute__((used, visibility("hidden"))) void vmi_bridge_save_mask(long* env) {
  sigset_t cur;
  pthread_sigmask(SIG_BLOCK, nullptr, &cur);
  memcpy(&env[kMaskSlot], &cur, sizeof(long));
}
}

#if defined(__x86_64__)
asm(R"(
  .text
  .globl vmi_bridge_setjmp
  .hidden vmi_bridge_setjmp
  .type vmi_bridge_setjmp,@function
vmi_bridge_setjmp:
  movl $1, %esi
  jmp vmi_bridge_sigsetjmp
  .globl vmi_bridge__setjmp
  .hidden vmi_bridge__setjmp
  .type vmi_bridge__setjmp,@function
vmi_bridge__setjmp:
  xorl %esi, %esi
  jmp vmi_bridge_sigsetjmp
  .globl vmi_bridge_sigsetjmp
  .hidden vmi_bridge_sigsetjmp
  .type vmi_bridge_sigsetjmp,@function
vmi_bridge_sigsetjmp:
  movq %rbx, 0(%rdi)
  movq %rbp, 8(%rdi)
  movq %r12, 16(%rdi)
  movq %r13, 24(%rdi)
  movq %r14, 32(%rdi)
  movq %r15, 40(%rdi)
  leaq 8(%rsp), %rdx
  movq %rdx, 48(%rdi)
  movq (%rsp), %rdx
  movq %rdx, 56(%rdi)
  movslq %esi, %rsi
  movq %rsi, 72(%rdi)
  testq %rsi, %rsi
  jz 1f
  subq $8, %rsp
  call vmi_bridge_save_mask
  addq $8, %rsp
1:
  xorl %eax, %eax
  ret
  .globl vmi_bridge_restore_registers
  .hidden vmi_bridge_restore_registers
  .type vmi_bridge_restore_registers,@function
vmi_bridge_restore_registers:
  movl %esi, %eax
  movq 0(%rdi), %rbx
  movq 8(%rdi), %rbp
  movq 16(%rdi), %r12
  movq 24(%rdi), %r13
  movq 32(%rdi), %r14
  movq 40(%rdi), %r15
  movq 48(%rdi), %rsp
  jmpq *56(%rdi)
)");
#elif defined(__aarch64__)
asm(R"(
  .text
  .globl vmi_bridge_setjmp
  .hidden vmi_bridge_setjmp
  .type vmi_bridge_setjmp,%function
vmi_bridge_setjmp:
  mov w1, #1
  b vmi_bridge_sigsetjmp
  .globl vmi_bridge__setjmp
  .hidden vmi_bridge__setjmp
  .type vmi_bridge__setjmp,%function
vmi_bridge__setjmp:
  mov w1, #0
  b vmi_bridge_sigsetjmp
  .globl vmi_bridge_sigsetjmp
  .hidden vmi_bridge_sigsetjmp
  .type vmi_bridge_sigsetjmp,%function
vmi_bridge_sigsetjmp:
  stp x19, x20, [x0, #0]
  stp x21, x22, [x0, #16]
  stp x23, x24, [x0, #32]
  stp x25, x26, [x0, #48]
  stp x27, x28, [x0, #64]
  stp x29, x30, [x0, #80]
  mov x2, sp
  str x2, [x0, #96]
  stp d8, d9, [x0, #104]
  stp d10, d11, [x0, #120]
  stp d12, d13, [x0, #136]
  stp d14, d15, [x0, #152]
  sxtw x1, w1
  str x1, [x0, #176]
  cbz x1, 1f
  stp x29, x30, [sp, #-16]!
  bl vmi_bridge_save_mask
  ldp x29, x30, [sp], #16
1:
  mov w0, #0
  ret
  .globl vmi_bridge_restore_registers
  .hidden vmi_bridge_restore_registers
  .type vmi_bridge_restore_registers,%function
vmi_bridge_restore_registers:
  ldp x19, x20, [x0, #0]
  ldp x21, x22, [x0, #16]
  ldp x23, x24, [x0, #32]
  ldp x25, x26, [x0, #48]
  ldp x27, x28, [x0, #64]
  ldp x29, x30, [x0, #80]
  ldr x2, [x0, #96]
  mov sp, x2
  ldp d8, d9, [x0, #104]
  ldp d10, d11, [x0, #120]
  ldp d12, d13, [x0, #136]
  ldp d14, d15, [x0, #152]
  mov w0, w1
  ret
)");
#endif

namespace vmi::bridge::hooks {
namespace {

[[noreturn]] void Siglongjmp(long* env, int value) {
  if (env[kMaskSlot + 1] != 0) {
    sigset_t set;
    sigemptyset(&set);
    memcpy(&set, &env[kMaskSlot], sizeof(long));
    pthread_sigmask(SIG_SETMASK, &set, nullptr);
  }
  vmi_bridge_restore_registers(env, value == 0 ? 1 : value);
}

const HookEntry kHooks[] = {
    VMI_HOOK("setjmp", vmi_bridge_setjmp),
    VMI_HOOK("_setjmp", vmi_bridge__setjmp),
    VMI_HOOK("sigsetjmp", vmi_bridge_sigsetjmp),
    VMI_HOOK("longjmp", Siglongjmp),
    VMI_HOOK("_longjmp", Siglongjmp),
    VMI_HOOK("siglongjmp", Siglongjmp),
};

}  // namespace

void AddSetjmpHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
