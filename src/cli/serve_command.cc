// vmi serve: the node daemon in the foreground (node/daemon.h).
#include "base/log.h"
#include "cli/context.h"
#include "node/daemon.h"

namespace vmi::cli {

void AddServeCommand(CLI::App& app, Context& ctx) {
  auto& d = ctx.Keep<node::DaemonOptions>();
  auto* serve = app.add_subcommand(
      "serve",
      "Run the node daemon (root); first run: user admin, password $VMI_ADMIN_PASSWORD or printed");
  serve->add_option("--data-dir", d.data_dir, "Where images, instances and the database live")
      ->capture_default_str();
  serve->add_option("--database", d.database, "Database URL (default: SQLite in the data dir)");
  serve->add_option("--socket", d.unix_path, "Unix socket of the API")->capture_default_str();
  serve->add_option("--listen-host", d.tcp_host, "TCP address of the API and console")
      ->capture_default_str();
  serve->add_option("--port", d.tcp_port, "TCP port (-1: none, 0: any free one)")
      ->capture_default_str();
  serve->add_option("--tls-cert", d.tls_cert, "PEM certificate: serve HTTPS");
  serve->add_option("--tls-key", d.tls_key, "PEM private key");
  serve->add_option("--runtime", d.runtime, "OCI runtime: crun or runc (default: crun, else runc)");
  serve->add_option("--guest-kit", d.guest_kit, "Directory seen by instances at /opt/vmi");
  serve->add_option("--web-root", d.web_root, "Built web client to serve");
  ctx.On(serve, [&d] {
    auto r = node::RunDaemon(d);
    if (!r.ok()) {
      VMI_LOG(ERROR) << r.error().ToString();
      return kExitError;
    }
    return kExitOk;
  });
}

}  // namespace vmi::cli
