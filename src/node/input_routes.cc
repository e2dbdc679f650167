#include "node/input_routes.h"

#include <thread>

#include "devices/host/control_client.h"
#include "devices/input/input_script.h"
#include "node/live/device_hosts.h"

namespace vmi::node {

using api::Request;
using api::Response;
using Json = nlohmann::json;

InputScripts DeviceHostInputScripts(live::DeviceHosts& hosts) {
  InputScripts s;
  s.check = [](const Json& script) -> Result<void> {
    (void)VMI_TRY_CTX(input::ParseInputScript(script), "input script");
    return Ok();
  };
  s.run = [&hosts](const InstanceRecord& r, const Json& body) -> Result<Json> {
    auto script = VMI_TRY_CTX(input::ParseInputScript(body), "input script");
    if (r.state != InstanceState::kRunning)
      return Error(ErrorCode::kFailedPrecondition,
                   "instance '" + r.spec.name + "' is " + InstanceStateName(r.state) +
                       ", not running");
    const std::string id = r.spec.id;
    input::ScriptIo io;
    io.send = [&hosts, id](const Json& events) -> Result<void> {
      (void)VMI_TRY(hosts.Call(id, devhost::Request("input", {{"events", events}})));
      return Ok();
    };
    io.grab = [&hosts, id]() -> Result<display::DecodedImage> {
      auto image = VMI_TRY(hosts.Call(id, devhost::Request("screenshot", {{"format", "png"}})));
      return display::DecodePng(image.data);
    };
    io.size = [&hosts, id]() -> Result<std::pair<int, int>> {
      // An input request without events answers with the screen's size.
      auto r = VMI_TRY(hosts.Call(id, devhost::Request("input", {{"events", Json::array()}})));
      return std::pair{r.header.value("width", 0), r.header.value("height", 0)};
    };
    io.sleep = [](std::chrono::milliseconds ms) {
      std::this_thread::sleep_for(ms);
      return true;
    };
    Json out = input::RunInputScript(script, io);
    // Whatever happened, the script gives control back and lets go of any
    // button or key it still holds.
    (void)hosts.Call(id, devhost::Request("input", {{"events", Json::array()}, {"release", true}}));
    return out;
  };
  return s;
}

void RegisterInputRoutes(api::Router& router, InstanceManager& m, InputScripts scripts,
                         InstanceAccessCheck check, InstanceAudit audit) {
  router.Handle(
      "POST", "/api/v1/instances/{id}/input",
      [&m, scripts, check, audit](Request& req) -> Result<Response> {
        auto r = VMI_TRY(LookupInstance(m, check, req, "control"));
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        auto ran = scripts.run(r, body);
        if (audit)
          audit(req, "instance.input", "instance/" + r.spec.name,
                ran.ok() ? nullptr : &ran.error());
        return Response::JsonBody(VMI_TRY(std::move(ran)));
      },
      api::RouteOptions{.blocking = true});
}

}  // namespace vmi::node
