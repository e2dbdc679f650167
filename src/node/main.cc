// vmi-node: the node daemon (node/daemon.h) in the foreground. Users start it
// as `vmi serve ...`, which execs this binary from the CLI's own directory, so
// the command-line client links none of the daemon's libraries.
#include <CLI/CLI.hpp>

#include "base/log.h"
#include "node/daemon.h"

int main(int argc, char** argv) {
  vmi::node::DaemonOptions d;
  CLI::App serve{
      "Run the node daemon (root); first run: user admin, password $VMI_ADMIN_PASSWORD or "
      "printed",
      "vmi serve"};
  serve.add_option("--data-dir", d.data_dir, "Where images, instances and the database live")
      ->capture_default_str();
  serve.add_option("--database", d.database, "Database URL (default: SQLite in the data dir)");
  serve.add_option("--socket", d.unix_path, "Unix socket of the API")->capture_default_str();
  serve.add_option("--listen-host", d.tcp_host, "TCP address of the API and console")
      ->capture_default_str();
  serve.add_option("--port", d.tcp_port, "TCP port (-1: none, 0: any free one)")
      ->capture_default_str();
  serve.add_option("--tls-cert", d.tls_cert, "PEM certificate: serve HTTPS");
  serve.add_option("--tls-key", d.tls_key, "PEM private key");
  serve.add_option("--runtime", d.runtime, "OCI runtime: crun or runc (default: crun, else runc)");
  serve.add_option("--guest-kit", d.guest_kit, "Directory seen by instances at /opt/vmi");
  serve.add_option("--web-root", d.web_root, "Built web client to serve");
  serve.add_flag("--device-hosts", d.device_hosts,
                 "Run each running instance's devices in a device host process of its own "
                 "(vmi-devhost) instead of in the daemon");
  serve.add_option("--phone-range", d.phone_range,
                   "Phone numbers given to instances, +FIRST-+LAST (default +15550100000-+15550199999)");
  try {
    serve.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every real parse error is a usage error (2), as in vmi.
    return serve.exit(e) == 0 ? 0 : 2;
  }
  auto r = vmi::node::RunDaemon(d);
  if (!r.ok()) {
    VMI_LOG(ERROR) << r.error().ToString();
    return 1;
  }
  return 0;
}
