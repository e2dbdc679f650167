// vmi: the node daemon (`vmi serve`) and its command-line client.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "base/log.h"
#include "cli/client_commands.h"
#include "node/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"vmi - Virtual Mobile Infrastructure: cloud phones as containers", "vmi"};
  app.require_subcommand(1);
  vmi::cli::GlobalOptions g;
  const char* env_server = std::getenv("VMI_SERVER");
  const char* env_token = std::getenv("VMI_TOKEN");
  g.server = env_server ? env_server : "unix:///run/vmi/api.sock";
  g.token = env_token ? env_token : "";
  app.add_option("--server", g.server, "Daemon address: unix:///path, http://host:port or https://")
      ->capture_default_str();
  app.add_option("--token", g.token, "API token (or $VMI_TOKEN)");
  app.add_flag("--json", g.json, "Print JSON");

  std::function<int()> run;
  vmi::node::DaemonOptions d;
  auto* serve = app.add_subcommand("serve", "Run the node daemon in the foreground");
  serve->add_option("--data-dir", d.data_dir, "Where images, instances and the database live")
      ->capture_default_str();
  serve->add_option("--database", d.database, "Database URL (default: SQLite in the data dir)");
  serve->add_option("--socket", d.unix_path, "Unix socket of the API")->capture_default_str();
  serve->add_option("--listen-host", d.tcp_host, "TCP address of the API and console")
      ->capture_default_str();
  serve->add_option("--port", d.tcp_port, "TCP port (-1: none)")->capture_default_str();
  serve->add_option("--tls-cert", d.tls_cert, "PEM certificate: serve HTTPS");
  serve->add_option("--tls-key", d.tls_key, "PEM private key");
  serve->add_option("--runtime", d.runtime, "OCI runtime: crun or runc (default: crun, else runc)");
  serve->add_option("--guest-kit", d.guest_kit, "Directory seen by instances at /opt/vmi");
  serve->add_option("--web-root", d.web_root, "Built web client to serve");
  serve->callback([&] {
    run = [&] {
      auto r = vmi::node::RunDaemon(d);
      if (!r.ok()) {
        VMI_LOG(ERROR) << r.error().ToString();
        return 1;
      }
      return 0;
    };
  });
  vmi::cli::AddClientCommands(app, g, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run ? run() : 0;
}
