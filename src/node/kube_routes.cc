#include "node/kube_routes.h"

#include "node/access.h"
#include "node/requests.h"

namespace vmi::node {

using api::Json;
using api::Request;
using api::Response;

namespace {

bool QueryFlag(const Request& req, const char* name) {
  auto v = req.Query(name);
  return v && (*v == "1" || *v == "true" || *v == "yes");
}

InstanceRecord Probe(const cluster::Phone& p, int64_t owner_id) {
  InstanceRecord r;
  r.spec.id = r.spec.name = p.meta.name;
  r.owner_id = owner_id;
  return r;
}

}  // namespace

int64_t PhoneOwnerId(api::Management& mgmt, const cluster::Phone& phone) {
  auto u = mgmt.users().GetByName(phone.spec.owner);
  return u.ok() ? u->id : -1;
}

Result<cluster::Phone> LookupPhone(api::Management& mgmt, KubePhones& phones, const Request& req,
                                   const char* action) {
  std::string key(req.Param("id"));
  auto p = VMI_TRY(phones.Get(key));
  VMI_CHECK_OK(CheckInstanceAccess(MakeAccessCheck(mgmt), req, Probe(p, PhoneOwnerId(mgmt, p)),
                                   action, key),
               "");
  return p;
}

void RegisterKubeInstanceRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones,
                                KubeLedger& ledger) {
  api::RouteOptions blocking{.blocking = true};
  InstanceAudit audit = MakeAudit(mgmt);
  InstanceAccessCheck check = MakeAccessCheck(mgmt);
  auto audited = [audit](const Request& req, const std::string& action, const std::string& target,
                         auto result) {
    audit(req, "instance." + action, target, result.ok() ? nullptr : &result.error());
    return result;
  };

  router.Handle(
      "GET", "/api/v1/instances",
      [&mgmt, &phones, check](Request& req) -> Result<Response> {
        Json out = Json::array();
        std::map<std::string, int64_t> owners;  // one lookup per owner
        for (const auto& p : VMI_TRY(phones.List())) {
          auto [it, fresh] = owners.try_emplace(p.spec.owner, 0);
          if (fresh) it->second = PhoneOwnerId(mgmt, p);
          if (check(req, Probe(p, it->second), "list").ok()) out.push_back(PhoneInstanceJson(p, it->second));
        }
        return Response::JsonBody(out);
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances",
      [&mgmt, &phones, &ledger, check, audited](Request& req) -> Result<Response> {
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        auto parsed = VMI_TRY(ParseCreateInstance(body));
        InstanceRecord probe;
        probe.spec = parsed.spec;
        probe.owner_id = req.auth.user_id;
        VMI_CHECK_OK(check(req, probe, "create"), "create instance");
        std::string target = "instance/" + (parsed.spec.name.empty() ? "(unnamed)" : parsed.spec.name);
        auto created = [&]() -> Result<cluster::Phone> {
          auto p = VMI_TRY(phones.Create(parsed.spec, req.auth.user_name, QueryFlag(req, "start")));
          // The quota is taken now, so the caller hears about it; the
          // controller would refuse the Phone anyway.
          auto number = ledger.Admit(p);
          if (!number.ok()) {
            (void)phones.Delete(p.meta.name);
            return std::move(number).error().Context("create instance");
          }
          p.status["number"] = *number;
          return p;
        }();
        auto p = VMI_TRY(audited(req, "create", target, std::move(created)));
        return Response::JsonBody(PhoneInstanceJson(p, req.auth.user_id), 201);
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}",
      [&mgmt, &phones](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "inspect"));
        return Response::JsonBody(PhoneInstanceJson(p, PhoneOwnerId(mgmt, p)));
      },
      blocking);

  router.Handle(
      "DELETE", "/api/v1/instances/{id}",
      [&mgmt, &phones, audited](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "delete"));
        VMI_CHECK_OK(audited(req, "delete", "instance/" + p.meta.name, phones.Delete(p.meta.name)), "");
        return Response::NoContent();
      },
      blocking);

  for (const char* action : {"start", "stop", "restart"}) {
    std::string a = action;
    router.Handle(
        "POST", "/api/v1/instances/{id}/" + a,
        [&mgmt, &phones, a, audited](Request& req) -> Result<Response> {
          auto p = VMI_TRY(LookupPhone(mgmt, phones, req, a.c_str()));
          auto op = [&]() -> Result<cluster::Phone> {
            if (a == "restart") {
              VMI_CHECK_OK(phones.RestartPod(p.meta.name), "restart");
              return phones.SetRunning(p.meta.name, true);
            }
            return phones.SetRunning(p.meta.name, a == "start");
          };
          auto out = VMI_TRY(audited(req, a, "instance/" + p.meta.name, op()));
          return Response::JsonBody(PhoneInstanceJson(out, PhoneOwnerId(mgmt, out)));
        },
        blocking);
  }

  for (const char* path : {"exec", "logs"}) {
    std::string p = path;
    router.Handle(p == "exec" ? "POST" : "GET", "/api/v1/instances/{id}/" + p,
                  [&mgmt, &phones, p](Request& req) -> Result<Response> {
                    (void)VMI_TRY(LookupPhone(mgmt, phones, req, p.c_str()));
                    return Error(ErrorCode::kUnimplemented,
                                 p + " is not available for phones on Kubernetes yet "
                                     "(kubectl -n NAMESPACE " +
                                     (p == "exec" ? "exec" : "logs") + " phone-ID -c guest)");
                  },
                  blocking);
  }
}

}  // namespace vmi::node
