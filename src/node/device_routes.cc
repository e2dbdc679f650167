#include "node/device_routes.h"

#include "api/http/response.h"

namespace vmi::node {

using api::Json;
using api::Request;
using api::Response;

void RegisterDeviceRoutes(api::Router& router, InstanceManager& m, DeviceControls& devices,
                          InstanceAccessCheck check, InstanceAudit audit) {
  auto lookup = [&m, check](const Request& req, const char* action) {
    return LookupInstance(m, check, req, action);
  };
  auto audited = [audit](const Request& req, const char* device, const InstanceRecord& r,
                         auto result) {
    if (audit)
      audit(req, std::string("instance.device.") + device, "instance/" + r.spec.name,
            result.ok() ? nullptr : &result.error());
    return result;
  };
  api::RouteOptions blocking{.blocking = true};

  router.Handle(
      "GET", "/api/v1/instances/{id}/devices",
      [lookup, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(devices.Get(r)));
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/devices/battery",
      [lookup, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(devices.Battery(r)));
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/devices/network",
      [lookup, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(devices.Network(r)));
      },
      blocking);

  router.Handle(
      "PATCH", "/api/v1/instances/{id}/devices/network",
      [lookup, audited, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = api::ParseJsonObject(req.body);
        if (!body.ok()) return audited(req, "network", r, Result<Response>(std::move(body).error()));
        auto out = audited(req, "network", r, devices.SetNetwork(r, *body));
        return Response::JsonBody(VMI_TRY(std::move(out)));
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/devices/location",
      [lookup, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(devices.Location(r)));
      },
      blocking);

  // A route's GPX comes in the body: up to 4 MiB of it, escaped in JSON.
  router.Handle(
      "PATCH", "/api/v1/instances/{id}/devices/location",
      [lookup, audited, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = api::ParseJsonObject(req.body);
        if (!body.ok()) return audited(req, "location", r, Result<Response>(std::move(body).error()));
        auto out = audited(req, "location", r, devices.SetLocation(r, *body));
        return Response::JsonBody(VMI_TRY(std::move(out)));
      },
      {.blocking = true, .max_body_bytes = 10 << 20});

  router.Handle(
      "GET", "/api/v1/instances/{id}/devices/sensors",
      [lookup, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "inspect"));
        return Response::JsonBody(VMI_TRY(devices.Sensors(r)));
      },
      blocking);

  router.Handle(
      "PATCH", "/api/v1/instances/{id}/devices/sensors",
      [lookup, audited, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = api::ParseJsonObject(req.body);
        if (!body.ok()) return audited(req, "sensors", r, Result<Response>(std::move(body).error()));
        auto out = audited(req, "sensors", r, devices.SetSensors(r, *body));
        return Response::JsonBody(VMI_TRY(std::move(out)));
      },
      blocking);

  // The clipboard's text may be anything the guest holds: reading it is
  // "exec", as reading its files is.
  router.Handle(
      "GET", "/api/v1/instances/{id}/devices/clipboard",
      [lookup, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "exec"));
        return Response::JsonBody(VMI_TRY(devices.Clipboard(r)));
      },
      blocking);

  router.Handle(
      "PUT", "/api/v1/instances/{id}/devices/clipboard",
      [lookup, audited, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = api::ParseJsonObject(req.body);
        if (!body.ok()) return audited(req, "clipboard", r, Result<Response>(std::move(body).error()));
        auto out = audited(req, "clipboard", r, devices.SetClipboard(r, *body));
        return Response::JsonBody(VMI_TRY(std::move(out)));
      },
      blocking);

  router.Handle(
      "PATCH", "/api/v1/instances/{id}/devices/battery",
      [lookup, audited, &devices](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "control"));
        auto body = api::ParseJsonObject(req.body);
        if (!body.ok()) return audited(req, "battery", r, Result<Response>(std::move(body).error()));
        auto out = audited(req, "battery", r, devices.SetBattery(r, *body));
        return Response::JsonBody(VMI_TRY(std::move(out)));
      },
      blocking);
}

}  // namespace vmi::node
