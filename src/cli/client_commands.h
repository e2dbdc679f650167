// The client side of the `vmi` command: each subcommand is one or two calls
// of the daemon's REST API; printing is the only logic here.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace vmi::cli {

struct GlobalOptions {
  std::string server;  // unix:///run/vmi/api.sock by default
  std::string token;
  bool json = false;  // print raw JSON
};

// Adds the client subcommands to `app`; each sets `run` when chosen.
void AddClientCommands(CLI::App& app, GlobalOptions& g, std::function<int()>& run);

}  // namespace vmi::cli
