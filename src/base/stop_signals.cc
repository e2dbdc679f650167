#include "base/stop_signals.h"

#include <pthread.h>

namespace vmi {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

sigset_t BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

Result<int> WaitForStopSignal() {
  sigset_t set = StopSignals();
  int sig = 0;
  if (int err = sigwait(&set, &sig); err != 0) return Error::FromErrno("sigwait", err);
  return sig;
}

}  // namespace vmi
