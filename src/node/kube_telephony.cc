#include "node/kube_telephony.h"

#include "base/log.h"
#include "cluster/gate_token.h"

namespace vmi::node {

Result<std::unique_ptr<KubeTelephony>> KubeTelephony::Start(KubeTelephonyOptions options,
                                                            store::Database* db,
                                                            EventSink events) {
  std::unique_ptr<KubeTelephony> t(new KubeTelephony());
  t->options_ = std::move(options);
  t->db_ = db;
  KubeTelephony* raw = t.get();
  t->client_ = VMI_TRY(telephony::ModemClient::Start(
      {.address = t->options_.address, .token = t->options_.token},
      [events](const std::string& instance, const nlohmann::json& msg) {
        if (events && msg.contains("event")) events(instance, msg["event"]);
      },
      [raw] { raw->Replay(); }));
  t->Replay();
  return t;
}

void KubeTelephony::Replay() {
  {
    std::lock_guard lock(mu_);
    given_.clear();
  }
  auto rows = db_->Query(
      "SELECT p.name, p.uid, l.number FROM kube_phones p JOIN phone_lines l "
      "ON l.instance_id = 'phone:' || p.uid");
  if (!rows.ok()) {
    VMI_LOG(WARN) << "phone lines: " << rows.error().ToString();
    return;
  }
  size_t n = 0;
  for (const auto& r : rows->rows) {
    cluster::Phone p;
    p.meta.name = r.Text(0);
    p.meta.uid = r.Text(1);
    Line(p, r.Text(2));
    n++;
  }
  VMI_LOG(INFO) << "phone lines: " << n << " given to the modem service";
}

void KubeTelephony::Line(const cluster::Phone& phone, const std::string& number) {
  {
    std::lock_guard lock(mu_);
    auto it = given_.find(phone.meta.name);
    if (it != given_.end() && it->second == number) return;
  }
  auto r = client_->Call({{"op", "line"},
                          {"instance", phone.meta.name},
                          {"number", number},
                          {"token", cluster::LineToken(options_.gate_key, phone.meta.uid)}});
  if (!r.ok()) {
    VMI_ILOG(WARN, phone.meta.name) << "phone line: " << r.error().ToString();
    return;
  }
  std::lock_guard lock(mu_);
  given_[phone.meta.name] = number;
}

void KubeTelephony::Remove(const cluster::Phone& phone) {
  {
    std::lock_guard lock(mu_);
    given_.erase(phone.meta.name);
  }
  auto r = client_->Call({{"op", "remove"}, {"instance", phone.meta.name}});
  if (!r.ok()) VMI_ILOG(WARN, phone.meta.name) << "phone line: " << r.error().ToString();
}

Result<nlohmann::json> KubeTelephony::Call(const std::string& phone, nlohmann::json request) {
  request["instance"] = phone;
  return client_->Call(std::move(request));
}

}  // namespace vmi::node
