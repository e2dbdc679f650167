#include "node/kube_routes.h"

#include <map>
#include <set>

#include "node/access.h"
#include "node/phone_routes.h"
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

}  // namespace

InstanceRecord PhoneRecord(const cluster::Phone& p, int64_t owner_id) {
  InstanceRecord r;
  r.spec.id = r.spec.name = p.meta.name;
  r.owner_id = owner_id;
  return r;
}

int64_t PhoneOwnerId(api::Management& mgmt, const cluster::Phone& phone) {
  auto u = mgmt.users().GetByName(phone.spec.owner);
  return u.ok() ? u->id : -1;
}

Result<cluster::Phone> LookupPhone(api::Management& mgmt, KubePhones& phones, const Request& req,
                                   const char* action) {
  std::string key(req.Param("id"));
  auto p = VMI_TRY(phones.Get(key));
  VMI_CHECK_OK(CheckInstanceAccess(MakeAccessCheck(mgmt), req, PhoneRecord(p, PhoneOwnerId(mgmt, p)),
                                   action, key),
               "");
  return p;
}

void RegisterKubeImageRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones) {
  api::RouteOptions blocking{.blocking = true};
  // The names `POST /instances {"image": NAME}` accepts: the built-in kinds
  // and whatever the cluster's Phones already use under the prefix.
  router.Handle(
      "GET", "/api/v1/images",
      [&phones](Request&) -> Result<Response> {
        const auto& o = phones.options();
        std::set<std::string> names = {"linux-mobile", "phone", "win32"};
        std::map<std::string, int> used;
        const std::string suffix = ":" + o.image_tag;
        for (const auto& p : VMI_TRY(phones.List())) {
          const std::string& ref = p.spec.image;
          if (ref.rfind(o.image_prefix, 0) != 0 || !ref.ends_with(suffix)) continue;
          std::string n = ref.substr(o.image_prefix.size(),
                                     ref.size() - o.image_prefix.size() - suffix.size());
          names.insert(n);
          used[n]++;
        }
        Json out = Json::array();
        for (const auto& n : names)
          out.push_back({{"name", n},
                         {"ref", o.image_prefix + n + suffix},
                         {"source", "registry"},
                         {"phones", used.count(n) ? used[n] : 0}});
        return Response::JsonBody(out);
      },
      blocking);
  // Images are made on a node and pushed; the control plane holds no files.
  auto elsewhere = [&mgmt, &phones](Request& req) -> Result<Response> {
    VMI_CHECK_OK(MakeImageChangeCheck(mgmt)(req), "image");
    const auto& o = phones.options();
    return Error(ErrorCode::kFailedPrecondition,
                 "on Kubernetes, phones pull their images from " + o.image_prefix + "NAME:" +
                     o.image_tag + "; build an image on a node, export it (vmi image export NAME "
                     "--oci DIR) and push it there (skopeo copy oci:DIR docker://" +
                     o.image_prefix + "NAME:" + o.image_tag + "): docs/kubernetes.md");
  };
  router.Handle("POST", "/api/v1/images", elsewhere, blocking);
  router.Handle("DELETE", "/api/v1/images/{name}", elsewhere, blocking);
  router.Handle("POST", "/api/v1/images/{name}/export", elsewhere, blocking);
}

void RegisterKubeInstanceRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones,
                                KubeLedger& ledger, KubeTelephony* telephony) {
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
          if (check(req, PhoneRecord(p, it->second), "list").ok()) out.push_back(PhoneInstanceJson(p, it->second));
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

  // exec and apps are routed to the Pod (kube_proxy.h).
  RegisterKubeImageRoutes(router, mgmt, phones);

  // The phone's line, calls and SMS: at the cluster's vmi-modem, with the
  // node's routes and rules (phone_routes.h). Numbers are the ledger's,
  // given at admission.
  if (telephony) {
    PhoneRouteHooks hooks;
    hooks.lookup = [&mgmt, &phones](const Request& req, const char* action) -> Result<InstanceRecord> {
      auto p = VMI_TRY(LookupPhone(mgmt, phones, req, action));
      return PhoneRecord(p, PhoneOwnerId(mgmt, p));
    };
    hooks.modem = [telephony](const std::string& id, Json req) {
      return telephony->Call(id, std::move(req));
    };
    hooks.set_number = [](const std::string&, const std::string&) -> Result<Json> {
      return Error(ErrorCode::kFailedPrecondition,
                   "on Kubernetes a phone keeps the number it was admitted with (status.number)");
    };
    RegisterPhoneRoutes(router, std::move(hooks));
  } else {
    // No vmi-modem: 501 with the reason, after the same lookup and access
    // check as on a node (someone else's phone stays 404).
    static constexpr const char* kNoModem =
        "this control plane has no modem service (vmi serve --kubernetes --modem HOST:PORT): "
        "the phone has its number (status.number), but no calls or SMS";
    struct Missing {
      const char* method;
      const char* path;
      const char* action;
    };
    for (const Missing& m : std::initializer_list<Missing>{
             {"GET", "/phone", "inspect"},
             {"PATCH", "/phone", "control"},
             {"GET", "/phone/calls", "inspect"},
             {"POST", "/phone/calls", "control"},
             {"POST", "/phone/calls/{call}/answer", "control"},
             {"DELETE", "/phone/calls/{call}", "control"},
             {"GET", "/phone/sms", "inspect"},
             {"POST", "/phone/sms", "control"}}) {
      router.Handle(m.method, std::string("/api/v1/instances/{id}") + m.path,
                    [&mgmt, &phones, m](Request& req) -> Result<Response> {
                      (void)VMI_TRY(LookupPhone(mgmt, phones, req, m.action));
                      return Error(ErrorCode::kUnimplemented, kNoModem);
                    },
                    blocking);
    }
  }
  // The guest container's console, from the Kubernetes API (RBAC: pods/log
  // get in the phones' namespace).
  router.Handle(
      "GET", "/api/v1/instances/{id}/logs",
      [&mgmt, &phones](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "logs"));
        size_t tail = VMI_TRY(ParseLogTail(req.Query("tail_bytes")));
        return Response::Text(VMI_TRY(phones.GuestLog(p.meta.name, tail)));
      },
      blocking);
}

}  // namespace vmi::node
