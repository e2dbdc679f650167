// vmi quota get | set, vmi audit, vmi node.
#include <iostream>

#include "api/http/client.h"
#include "cli/context.h"
#include "cli/quota_options.h"
#include "cli/table.h"

namespace vmi::cli {

namespace {

struct AdminArgs {
  std::string user;
  QuotaOptions quota;
  std::string action;
  int limit = 50;
  int64_t before = 0;
};

void PrintNode(const Json& j) {
  const Json cap = j.value("capacity", Json::object());
  const Json use = j.value("usage", Json::object());
  std::cout << "runtime " << Field(j, "runtime") << " " << Field(j, "runtime_version")
            << ", cgroup " << Field(j, "cgroup_mode") << ", binder "
            << (j.value("binder", false) ? "yes" : "no") << ", kernel " << Field(j, "kernel")
            << "\n";
  char cpus[32];
  snprintf(cpus, sizeof cpus, "%.3g", use.value("cpus", 0.0));
  Table t({"RESOURCE", "CAPACITY", "USED_BY_RUNNING"});
  t.Add({"cpus", Field(cap, "cpus"), cpus});
  t.Add({"memory", HumanBytes(cap.value("memory", int64_t{0})),
         HumanBytes(use.value("memory", int64_t{0}))});
  t.Add({"instances", Field(j.value("limits", Json::object()), "max_instances"),
         Field(use, "instances") + " (" + Field(use, "running") + " running)"});
  std::cout << t.Render();
}

}  // namespace

void AddAdminCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<AdminArgs>();
  auto* quota = app.add_subcommand("quota", "Show or set per-user quotas");
  quota->require_subcommand(1);

  auto* get = quota->add_subcommand("get", "A user's quota and usage (default: your own)");
  get->add_option("user", a.user, "User name or id (admin)");
  ctx.On(get, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json q;
      if (a.user.empty()) {
        Json me = VMI_TRY(c.Call("GET", "/api/v1/auth/me"));
        q = me.value("quota", Json::object());
      } else {
        Json u = VMI_TRY(FindUser(c, a.user));
        q = VMI_TRY(c.Call("GET", "/api/v1/users/" + Field(u, "id") + "/quota"));
      }
      if (ctx.g.json)
        PrintJson(q);
      else
        PrintQuota(q);
      return Ok();
    });
  });

  auto* set =
      quota->add_subcommand("set", "Set a user's limits (admin); unset flags keep their value");
  set->add_option("user", a.user, "User name or id")->required();
  AddQuotaOptions(set, a.quota);
  ctx.On(set, [&] {
    auto body = a.quota.ToJson();
    if (!body.ok()) return UsageError(body.error().message());
    if (body->empty())
      return UsageError("quota set: give at least one of --instances, --cpus, --memory");
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json u = VMI_TRY(FindUser(c, a.user));
      Json q = VMI_TRY_CTX(c.Call("PUT", "/api/v1/users/" + Field(u, "id") + "/quota", &*body),
                           "set quota of " + a.user);
      if (ctx.g.json)
        PrintJson(q);
      else
        PrintQuota(q);
      return Ok();
    });
  });

  auto* audit = app.add_subcommand("audit", "Show the audit log, newest first (admin)");
  audit->add_option("--user", a.user, "Only this user's entries (name or id)");
  audit->add_option("--action", a.action, "Only this action, or a prefix ending in '.' (auth.)");
  audit->add_option("--limit", a.limit, "At most this many entries (1..1000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  audit->add_option("--before", a.before, "Only entries older than this id (paging)")
      ->check(CLI::PositiveNumber);
  ctx.On(audit, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string q = "/api/v1/audit?limit=" + std::to_string(a.limit);
      if (!a.user.empty()) q += "&user_id=" + Field(VMI_TRY(FindUser(c, a.user)), "id");
      if (!a.action.empty()) q += "&action=" + QueryEscape(a.action);
      if (a.before > 0) q += "&before=" + std::to_string(a.before);
      Json j = VMI_TRY(c.Call("GET", q));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      Table t({"ID", "TIME", "USER", "ACTION", "TARGET", "OUTCOME", "PEER", "DETAIL"});
      for (const auto& e : j.value("entries", Json::array())) {
        t.Add({Field(e, "id"), FormatTime(e.value("at", Json())), Field(e, "user"),
               Field(e, "action"), Field(e, "target"), Field(e, "outcome"), Field(e, "peer"),
               Field(e, "detail")});
      }
      std::cout << t.Render();
      return Ok();
    });
  });

  auto* node = app.add_subcommand("node", "Node capacity and usage");
  ctx.On(node, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/node"));
      if (ctx.g.json)
        PrintJson(j);
      else
        PrintNode(j);
      return Ok();
    });
  });
}

}  // namespace vmi::cli
