#include "devices/display/sigbus_guard.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace vmi::display {
namespace {

struct Guarded {
  uintptr_t base = 0;
  size_t length = 0;
  volatile sig_atomic_t faulted = 0;
};

thread_local Guarded* t_guarded = nullptr;
struct sigaction g_previous;

void Handler(int sig, siginfo_t* info, void* context) {
  Guarded* g = t_guarded;
  uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (g && addr >= g->base && addr < g->base + g->length) {
    // mmap is a plain system call and safe here in practice (Wayland
    // compositors do the same for client shm pools).
    void* p = mmap(reinterpret_cast<void*>(g->base), g->length, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p != MAP_FAILED) {
      g->faulted = 1;
      return;
    }
  }
  // Not ours: behave as if we had never been installed.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

Result<void> SigbusGuard::Install() {
  static std::once_flag once;
  static int err = 0;
  std::call_once(once, [] {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = Handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &g_previous) != 0) err = errno;
  });
  if (err != 0) return Error::FromErrno("sigaction SIGBUS", err);
  return Ok();
}

// The Guarded record lives in thread-local storage so the scope object can
// stay empty and the handler never touches freed memory.
thread_local Guarded t_record;

SigbusGuard::Scope::Scope(const void* base, size_t length) {
  t_record.base = reinterpret_cast<uintptr_t>(base);
  t_record.length = length;
  t_record.faulted = 0;
  t_guarded = &t_record;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

SigbusGuard::Scope::~Scope() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_guarded = nullptr;
}

bool SigbusGuard::Scope::faulted() const { return t_record.faulted != 0; }

}  // namespace vmi::display
