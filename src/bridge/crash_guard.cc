#include "bridge/crash_guard.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include <cstdio>
#include <mutex>

namespace vmi::bridge {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
constexpr int kSignalCount = sizeof(kSignals) / sizeof(kSignals[0]);

struct Guard {
  sigjmp_buf jump;
  int signal = 0;
  void* address = nullptr;
};

thread_local Guard* t_guard = nullptr;
std::mutex g_mu;
int g_active = 0;
struct sigaction g_previous[kSignalCount];

int IndexOf(int sig) {
  for (int i = 0; i < kSignalCount; ++i) {
    if (kSignals[i] == sig) return i;
  }
  return -1;
}

void Handler(int sig, siginfo_t* info, void*) {
  Guard* g = t_guard;
  if (g != nullptr) {
    g->signal = sig;
    g->address = info != nullptr ? info->si_addr : nullptr;
    siglongjmp(g->jump, 1);
  }
  // Not ours: put the previous disposition back and return, so the faulting
  // instruction runs again under it.
  int i = IndexOf(sig);
  if (i >= 0) sigaction(sig, &g_previous[i], nullptr);
}

void Install() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_active++ > 0) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = Handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < kSignalCount; ++i) sigaction(kSignals[i], &sa, &g_previous[i]);
}

void Uninstall() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (--g_active > 0) return;
  // A constructor may have installed its own handler meanwhile (JIT engines
  // do); only a disposition that is still the guard's is put back.
  for (int i = 0; i < kSignalCount; ++i) {
    struct sigaction cur;
    if (sigaction(kSignals[i], nullptr, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) != 0 &&
        cur.sa_sigaction == Handler) {
      sigaction(kSignals[i], &g_previous[i], nullptr);
    }
  }
}

}  // namespace

Result<void> CallGuarded(InitFunction fn, int argc, char** argv, char** envp, const std::string& what) {
  Guard guard;
  Guard* outer = t_guard;  // constructors may dlopen more libraries
  Install();
  if (sigsetjmp(guard.jump, 1) == 0) {
    t_guard = &guard;
    fn(argc, argv, envp);
    t_guard = outer;
    Uninstall();
    return Ok();
  }
  t_guard = outer;
  Uninstall();
  char addr[32];
  snprintf(addr, sizeof(addr), "%p", guard.address);
  return Error(ErrorCode::kAborted, what + " crashed with SIG" + std::string(sigabbrev_np(guard.signal)) +
                                        " at address " + addr + "; the library was not loaded");
}

}  // namespace vmi::bridge
