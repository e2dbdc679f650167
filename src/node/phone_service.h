// PhoneService: the node's side of telephony. It gives every instance a
// phone number (the `phone_lines` table, from the node's number range),
// keeps vmi-modem's lines in step with the instances (a line while the
// instance exists; without device hosts, also an endpoint in its device
// directory while it runs), and turns the service's events into the node's event stream.
//
// The modem service itself (devices/telephony/modem_service.h) is a separate
// process; this class talks to it through ModemClient and restarts it when
// it dies (replaying every line and endpoint).
//
// Threads: thread-safe. Manager listeners run on the manager's threads and
// never block on the modem service for long (5 s timeout per request).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "devices/telephony/modem_client.h"
#include "devices/telephony/number_range.h"
#include "node/instance_manager.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::node {

void AddPhoneMigrations(store::Migrations& m);

struct PhoneOptions {
  std::string state_dir;     // vmi-modem's state (<data>/modem)
  std::string modem_binary;  // the vmi-modem executable
  std::string modem_uplink;  // a D-Bus bus with the host modem to share; empty: none
  std::string range = telephony::NumberRange::kDefault;
  // True: a running instance's modem is served by its device host, which
  // connects its line to vmi-modem itself; false: vmi-modem serves the
  // endpoint in the instance's device directory (attach).
  bool modems_in_device_hosts = false;
  // Called when the modem service (re)starts, before lines are replayed:
  // calls do not survive it (the call audio drops its bridges).
  std::function<void()> on_restart;
};

class PhoneService {
 public:
  using EventSink = std::function<void(const std::string& instance, const nlohmann::json&)>;

  static Result<std::unique_ptr<PhoneService>> Create(PhoneOptions options, store::Database* db,
                                                      InstanceManager& manager, EventSink events);
  ~PhoneService();

  // The instance's number ("" if it has none yet).
  std::string NumberOf(const std::string& instance);
  // The instance that has `number` on the node ("" if none).
  std::string InstanceOf(const std::string& number);
  // An admin's change of number: must be E.164 and free.
  Result<nlohmann::json> SetNumber(const std::string& instance, const std::string& number);
  // Any other request to the modem service for this instance.
  Result<nlohmann::json> Call(const std::string& instance, nlohmann::json request);
  pid_t modem_pid() { return client_->service_pid(); }

 private:
  PhoneService() = default;
  Result<std::string> EnsureNumber(const std::string& instance);
  void Sync(const InstanceRecord& r);
  void Resync();

  PhoneOptions options_;
  telephony::NumberRange range_;
  store::Database* db_ = nullptr;
  InstanceManager* manager_ = nullptr;
  std::mutex mu_;  // serialises number allocation
  std::unique_ptr<telephony::ModemClient> client_;
  // The manager's listeners reach this service through the guard, which the
  // destructor clears (waiting for a listener that runs): the manager may
  // report a change after this service is gone.
  struct Guard {
    std::mutex mu;
    PhoneService* service = nullptr;
  };
  std::shared_ptr<Guard> guard_ = std::make_shared<Guard>();
};

}  // namespace vmi::node
