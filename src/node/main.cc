// vmi-node: the node daemon (node/daemon.h) in the foreground. Users start it
// as `vmi serve ...`, which execs this binary from the CLI's own directory, so
// the command-line client links none of the daemon's libraries.
#include <CLI/CLI.hpp>

#include "base/log.h"
#include "node/daemon.h"
#ifdef VMI_HAVE_CLUSTER
#include "node/kube_daemon.h"
#endif

int main(int argc, char** argv) {
  vmi::node::DaemonOptions d;
  CLI::App serve{
      "Run the node daemon (root; with --kubernetes the control plane of a cluster, no root); "
      "first run: user admin, password $VMI_ADMIN_PASSWORD or "
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
  serve.add_option("--phone-range", d.phone_range,
                   "Phone numbers given to instances, +FIRST-+LAST (default +15550100000-+15550199999)");
  serve.add_option("--modem-uplink", d.modem_uplink,
                   "Share the host modem that ModemManager serves on this D-Bus bus ('system' or an "
                   "address) for calls and SMS to numbers off the node (docs/telephony.md)");
  serve.add_option("--metrics-port", d.metrics_port,
                   "Also serve GET /metrics without authentication on this port (-1: no)")
      ->capture_default_str();
  serve.add_option("--metrics-host", d.metrics_host, "Address of the metrics port")
      ->capture_default_str();
  serve.add_flag("--kubernetes", d.kubernetes,
                 "Run as the control plane of a Kubernetes cluster: phones are Phone resources "
                 "run as Pods (needs --database postgresql://...; no root)");
  serve.add_option("--kubeconfig", d.kubeconfig,
                   "With --kubernetes: a kubeconfig (JSON) instead of the Pod's service account");
  serve.add_option("--phones-namespace", d.phones_namespace,
                   "With --kubernetes: the namespace of Phones and their Pods");
  serve.add_option("--lease-namespace", d.lease_namespace,
                   "With --kubernetes: the namespace of the controller's Lease");
  serve.add_option("--devhost-image", d.devhost_image,
                   "With --kubernetes: the OCI image of vmi for phones' device hosts")
      ->capture_default_str();
  serve.add_option("--phone-image-prefix", d.phone_image_prefix,
                   "With --kubernetes: image NAME becomes PREFIX + NAME + ':' + TAG")
      ->capture_default_str();
  serve.add_option("--phone-image-tag", d.phone_image_tag, "With --kubernetes: see above")
      ->capture_default_str();
  serve.add_option("--gate-port", d.gate_port,
                   "With --kubernetes: the port of phones' gates (vmi-gate) in their Pods")
      ->capture_default_str();
  serve.add_option("--modem", d.modem,
                   "With --kubernetes: HOST:PORT of the cluster's vmi-modem control port "
                   "(token in $VMI_MODEM_TOKEN); phones get lines, calls and SMS");
  serve.add_option("--modem-lines", d.modem_lines,
                   "With --kubernetes and --modem: HOST:PORT of its line port, as the phones' "
                   "Pods reach it");
  try {
    serve.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every real parse error is a usage error (2), as in vmi.
    return serve.exit(e) == 0 ? 0 : 2;
  }
#ifdef VMI_HAVE_CLUSTER
  auto r = d.kubernetes ? vmi::node::RunKubernetesDaemon(d) : vmi::node::RunDaemon(d);
#else
  auto r = d.kubernetes ? vmi::Result<void>(vmi::Error(vmi::ErrorCode::kUnimplemented,
                                                       "this build has no Kubernetes mode"))
                        : vmi::node::RunDaemon(d);
#endif
  if (!r.ok()) {
    VMI_LOG(ERROR) << r.error().ToString();
    return 1;
  }
  return 0;
}
