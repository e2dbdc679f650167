// vmi serve: runs the node daemon in the foreground by exec'ing vmi-node from
// this binary's directory with the arguments that follow `serve` (the daemon
// keeps this process's pid). The daemon's options and --help are its own
// (src/node/main.cc).
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/context.h"

namespace vmi::cli {
namespace {

std::string NodeBinary() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "vmi-node";
  std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/') + 1) + "vmi-node";
}

}  // namespace

int ExecServe(const std::vector<std::string>& args) {
  std::string bin = NodeBinary();
  std::vector<char*> argv;
  std::string argv0 = "vmi-node";
  argv.push_back(argv0.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(bin.c_str(), argv.data());
  std::cerr << "vmi: cannot run the daemon " << bin << ": " << strerror(errno) << "\n";
  return kExitError;
}

void AddServeCommand(CLI::App& app, Context& ctx) {
  auto* serve = app.add_subcommand(
      "serve",
      "Run the node daemon (root); first run: user admin, password $VMI_ADMIN_PASSWORD or printed."
      " Its options: vmi serve --help");
  serve->prefix_command();  // everything after `serve` is the daemon's
  serve->set_help_flag();   // --help goes to the daemon too
  ctx.On(serve, [serve] { return ExecServe(serve->remaining()); });
}

}  // namespace vmi::cli
