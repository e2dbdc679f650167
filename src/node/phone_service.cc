#include "node/phone_service.h"

#include <set>

#include "base/log.h"
#include "devices/telephony/network.h"

namespace vmi::node {

void AddPhoneMigrations(store::Migrations& m) {
  m.Add("phone", 1, "phone_lines", R"sql(
CREATE TABLE phone_lines (
  instance_id TEXT PRIMARY KEY,
  number TEXT NOT NULL UNIQUE
);
)sql");
}

Result<std::unique_ptr<PhoneService>> PhoneService::Create(PhoneOptions options,
                                                           store::Database* db,
                                                           InstanceManager& manager,
                                                           EventSink events) {
  std::unique_ptr<PhoneService> p(new PhoneService());
  p->range_ = VMI_TRY(telephony::NumberRange::Parse(options.range));
  p->options_ = std::move(options);
  p->db_ = db;
  p->manager_ = &manager;
  PhoneService* raw = p.get();
  p->client_ = VMI_TRY(telephony::ModemClient::Start(
      {p->options_.state_dir, p->options_.modem_binary, p->options_.modem_uplink}, std::move(events),
      [raw] { raw->Resync(); }));
  p->guard_->service = raw;
  std::weak_ptr<Guard> weak = p->guard_;
  manager.Subscribe([weak](const InstanceRecord& r) {
    auto g = weak.lock();
    if (!g) return;
    std::lock_guard lock(g->mu);
    if (g->service) g->service->Sync(r);
  });
  manager.SubscribeRemoved([weak](const InstanceRecord& r) {
    auto g = weak.lock();
    if (!g) return;
    std::lock_guard lock(g->mu);
    if (!g->service) return;
    (void)g->service->client_->Call({{"op", "remove"}, {"instance", r.spec.id}});
    (void)g->service->db_->Exec("DELETE FROM phone_lines WHERE instance_id = $1", {r.spec.id});
  });
  p->Resync();
  return p;
}

PhoneService::~PhoneService() {
  std::lock_guard lock(guard_->mu);
  guard_->service = nullptr;
}

Result<std::string> PhoneService::EnsureNumber(const std::string& instance) {
  std::lock_guard lock(mu_);
  auto row = VMI_TRY(db_->QueryOne("SELECT number FROM phone_lines WHERE instance_id = $1", {instance}));
  if (row) return row->Text(0);
  auto rows = VMI_TRY(db_->Query("SELECT number FROM phone_lines"));
  std::set<std::string> taken;
  for (const auto& r : rows.rows) taken.insert(r.Text(0));
  std::string number = VMI_TRY(range_.FirstFree(taken));
  VMI_TRY(db_->Exec("INSERT INTO phone_lines (instance_id, number) VALUES ($1, $2)", {instance, number}));
  return number;
}

std::string PhoneService::NumberOf(const std::string& instance) {
  auto row = db_->QueryOne("SELECT number FROM phone_lines WHERE instance_id = $1", {instance});
  return row.ok() && *row ? (*row)->Text(0) : std::string();
}

void PhoneService::Sync(const InstanceRecord& r) {
  const std::string& id = r.spec.id;
  auto number = EnsureNumber(id);
  if (!number.ok()) {
    VMI_ILOG(WARN, id) << "phone line: " << number.error().ToString();
    return;
  }
  auto line = client_->Call({{"op", "line"}, {"instance", id}, {"number", *number}});
  if (!line.ok()) VMI_ILOG(WARN, id) << "phone line: " << line.error().ToString();
  // The device host connects the line of a running instance itself.
  if (options_.modems_in_device_hosts) return;
  nlohmann::json req = {{"instance", id}};
  if (r.state == InstanceState::kRunning) {
    req["op"] = "attach";
    req["devdir"] = manager_->DeviceDir(id);
  } else if (r.state == InstanceState::kStopped || r.state == InstanceState::kExited) {
    req["op"] = "detach";
  } else {
    return;
  }
  auto done = client_->Call(req);
  if (!done.ok()) VMI_ILOG(WARN, id) << "modem " << req["op"] << ": " << done.error().ToString();
}

std::string PhoneService::InstanceOf(const std::string& number) {
  auto row = db_->QueryOne("SELECT instance_id FROM phone_lines WHERE number = $1",
                           {telephony::Network::Normalize(number)});
  return row.ok() && *row ? (*row)->Text(0) : std::string();
}

void PhoneService::Resync() {
  if (options_.on_restart) options_.on_restart();
  for (const InstanceRecord& r : manager_->List()) Sync(r);
}

Result<nlohmann::json> PhoneService::SetNumber(const std::string& instance,
                                               const std::string& number) {
  std::string n = telephony::Network::Normalize(number);
  if (n.empty() || n[0] != '+')
    return Error(ErrorCode::kInvalidArgument, "number must be E.164 (+ and up to 15 digits)");
  std::string old = VMI_TRY(EnsureNumber(instance));
  if (old == n) return client_->Call({{"op", "get"}, {"instance", instance}});
  {
    std::lock_guard lock(mu_);
    auto owner = VMI_TRY(db_->QueryOne("SELECT instance_id FROM phone_lines WHERE number = $1", {n}));
    if (owner) return Error(ErrorCode::kAlreadyExists, "number " + n + " is taken");
    VMI_TRY(db_->Exec("UPDATE phone_lines SET number = $1 WHERE instance_id = $2", {n, instance}));
  }
  auto line = client_->Call({{"op", "line"}, {"instance", instance}, {"number", n}});
  if (!line.ok()) {
    (void)db_->Exec("UPDATE phone_lines SET number = $1 WHERE instance_id = $2", {old, instance});
    return std::move(line).error().Context("change number");
  }
  return client_->Call({{"op", "get"}, {"instance", instance}});
}

Result<nlohmann::json> PhoneService::Call(const std::string& instance, nlohmann::json request) {
  request["instance"] = instance;
  return client_->Call(std::move(request));
}

}  // namespace vmi::node
