// KubeTelephony: the control plane's side of a cluster's vmi-modem
// (docs/kubernetes.md, "Telephony").
//
// On a node, each daemon runs its own vmi-modem and its instances' device
// hosts reach it on a Unix socket. On a cluster, phones are in Pods on many
// nodes and a call or an SMS must be switched between any two of them, so
// there is one vmi-modem for the cluster, in a Pod of its own (the
// `vmi-modem` Deployment, one replica), reached over TCP:
//
//   control plane replicas --control port (control token)--> vmi-modem
//   each phone's device host --line port (its line token)--> vmi-modem
//
// Every replica holds one connection (ModemClient with an address). The
// lines follow the ledger (kube_ledger.h): a Phone's admission gives its
// line (its number, and its line token, cluster/gate_token.h) to vmi-modem;
// its release removes it; when a connection is (re)made, every admitted
// Phone's line is given again (from the database, so vmi-modem restarted
// empty gets them all back). Lines are keyed by the Phone's name, which is
// also the device host's --id in the Pod. Each replica turns vmi-modem's
// events into `phone` events on its own event stream.
//
// Threads: thread-safe; calls block up to 5 s (ModemClient).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/phone.h"
#include "devices/telephony/modem_client.h"
#include "store/database.h"

namespace vmi::node {

struct KubeTelephonyOptions {
  std::string address;   // HOST:PORT of vmi-modem's control port
  std::string token;     // its control token
  std::string gate_key;  // the key the line tokens are made with
};

class KubeTelephony {
 public:
  using EventSink = std::function<void(const std::string& phone, const nlohmann::json&)>;

  static Result<std::unique_ptr<KubeTelephony>> Start(KubeTelephonyOptions options,
                                                      store::Database* db, EventSink events);

  // The admitted Phone's line, with `number`; a no-op when this connection
  // gave the same already.
  void Line(const cluster::Phone& phone, const std::string& number);
  // The released Phone's line goes.
  void Remove(const cluster::Phone& phone);
  // Any other request, for the named Phone's line only.
  Result<nlohmann::json> Call(const std::string& phone, nlohmann::json request);

 private:
  KubeTelephony() = default;
  void Replay();

  KubeTelephonyOptions options_;
  store::Database* db_ = nullptr;
  std::mutex mu_;
  std::map<std::string, std::string> given_;  // phone -> number given on this connection
  std::unique_ptr<telephony::ModemClient> client_;
};

}  // namespace vmi::node
