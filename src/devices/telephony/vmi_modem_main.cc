// vmi-modem: the node's telephony service (see modem_service.h).
//
//   vmi-modem --state DIR [--uplink BUS]
//
// --uplink: share the host modem that ModemManager serves on BUS ("system",
// or a D-Bus address) among the instances (docs/telephony.md, "Uplink").
// Runs until SIGTERM/SIGINT. The daemon starts it in its own session so it
// outlives a daemon restart; accepted SMS are journalled in DIR.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "base/log.h"
#include "devices/telephony/modem_service.h"

int main(int argc, char** argv) {
  std::string state, uplink;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
      state = argv[++i];
    } else if (std::strcmp(argv[i], "--uplink") == 0 && i + 1 < argc) {
      uplink = argv[++i];
    } else {
      std::cerr << "usage: vmi-modem --state DIR [--uplink BUS]\n";
      return 2;
    }
  }
  if (state.empty()) {
    std::cerr << "usage: vmi-modem --state DIR [--uplink BUS]\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  vmi::UniqueFd sfd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));

  auto service = vmi::telephony::ModemService::Create({.state_dir = state, .uplink_bus = uplink});
  if (!service.ok()) {
    VMI_LOG(ERROR) << "vmi-modem: " << service.error().ToString();
    return 1;
  }
  auto& loop = (*service)->loop();
  (void)loop.AddFd(sfd.get(), EPOLLIN, [&loop](uint32_t) { loop.Stop(); });
  VMI_LOG(INFO) << "vmi-modem: serving in " << state;
  auto ran = loop.Run();
  loop.RemoveFd(sfd.get());
  if (!ran.ok()) {
    VMI_LOG(ERROR) << "vmi-modem: " << ran.error().ToString();
    return 1;
  }
  return 0;
}
