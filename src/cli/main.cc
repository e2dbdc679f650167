// vmi: the node daemon (`vmi serve`) and its command-line client. Every
// other subcommand is a client of the daemon's REST API (see context.h for
// how it finds the server and the token, docs/cli.md for the commands).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/context.h"

namespace vmi::cli {
void AddServeCommand(CLI::App& app, Context& ctx);    // serve_command.cc
int ExecServe(const std::vector<std::string>& args);  // serve_command.cc
}  // namespace vmi::cli

namespace {

constexpr const char* kFooter =
    R"(Server: --server, else $VMI_SERVER, else the server of the last `vmi login`,
else the local node (unix:///run/vmi/api.sock; root there needs no token).
Token: --token, else $VMI_TOKEN, else the one `vmi login` stored for that server
in $XDG_CONFIG_HOME/vmi/credentials (~/.config/vmi/credentials).

Exit codes:
  0  success
  1  error: the server refused (its message is printed) or the system failed
  2  usage: the command line is wrong
  `vmi exec` exits with the command's own exit code once it ran, or 3 when the
  command succeeded but wrote more than --max-output (the rest was discarded).)";

}  // namespace

int main(int argc, char** argv) {
  using namespace vmi::cli;
  // `vmi serve ARGS` is the daemon's own command line, untouched.
  if (argc > 1 && std::string_view(argv[1]) == "serve") {
    return ExecServe(std::vector<std::string>(argv + 2, argv + argc));
  }
  CLI::App app{"vmi - Virtual Mobile Infrastructure: cloud phones as containers", "vmi"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.footer(kFooter);
  Context ctx;
  app.add_option("--server", ctx.g.server,
                 "Daemon: unix:///path, http://host:port or https://host:port");
  app.add_option("--token", ctx.g.token, "API token (or $VMI_TOKEN)");
  app.add_flag("--json", ctx.g.json, "Print the server's JSON");
  app.add_option("--ca-file", ctx.g.ca_file, "PEM certificates to verify an https server");
  app.add_flag("--insecure", ctx.g.insecure, "Do not verify an https server's certificate");

  AddServeCommand(app, ctx);
  AddAuthCommands(app, ctx);
  AddInstanceCommands(app, ctx);
  AddImageCommands(app, ctx);
  AddLiveCommands(app, ctx);
  AddPhoneCommands(app, ctx);
  AddAppCommands(app, ctx);
  AddDeviceCommands(app, ctx);
  AddFileCommands(app, ctx);
  AddInputCommands(app, ctx);
  AddTokenCommands(app, ctx);
  AddUserCommands(app, ctx);
  AddAdminCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a "parse error" that exits 0; every real one is a usage error.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return ctx.run ? ctx.run() : kExitOk;
}
