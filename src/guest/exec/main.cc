// vmi-exec-agent --socket PATH: see exec_agent.h. Statically linked (it
// runs in any image, from the guest kit at /opt/vmi/bin).
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "guest/exec/exec_agent.h"

int main(int argc, char** argv) {
  using namespace vmi;
  if (argc != 3 || std::string(argv[1]) != "--socket") {
    std::cerr << "usage: vmi-exec-agent --socket PATH\n";
    return 2;
  }
  std::string path = argv[2];
  signal(SIGPIPE, SIG_IGN);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    std::cerr << "vmi-exec-agent: socket path too long: " << path << "\n";
    return 2;
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  unlink(path.c_str());
  if (!fd || bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      chmod(path.c_str(), 0660) != 0 || listen(fd.get(), 16) != 0) {
    std::cerr << "vmi-exec-agent: listen on " << path << ": " << strerror(errno) << "\n";
    return 1;
  }
  auto r = guest::ServeExecAgent(fd.get());
  std::cerr << "vmi-exec-agent: " << r.error().ToString() << "\n";
  return 1;
}
