// The daemon's Kubernetes mode (`vmi serve --kubernetes`): the control plane
// of a cluster. It runs no instance itself and needs no root: it serves the
// API (users, tokens, sessions, quotas, audit on PostgreSQL; instances as
// Phones, kube_routes.h), proxies phones' device-host routes to their Pods
// (kube_proxy.h) and runs the Phone controller (cluster/controller.h), which
// acts only while this replica holds the Lease. Any replica serves any
// request: the database and the Kubernetes API hold every state.
#pragma once

#include "node/daemon.h"

namespace vmi::node {

Result<void> RunKubernetesDaemon(DaemonOptions options);

}  // namespace vmi::node
