#include "node/batch_routes.h"

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "api/json_reader.h"
#include "node/labels.h"
#include "node/requests.h"

namespace vmi::node {

using api::Json;
using api::Request;
using api::Response;

namespace {

constexpr size_t kParallel = 8;
constexpr size_t kBatchOutput = 64 << 10;
constexpr size_t kMaxBatchOutput = 1 << 20;

struct Batch {
  LabelSelector selector;
  std::string action;
  bool force = false;
  ExecRequest exec;
  Json patch;  // battery or network; the input script
};

Result<Batch> ParseBatch(const Json& body) {
  api::JsonReader r(body);
  auto selector = r.String("selector", {.required = true, .min_len = 1, .max_len = 4096});
  auto action = r.Enum("action",
                       {"start", "stop", "restart", "delete", "exec", "battery", "network", "input"},
                       true);
  auto force = r.Bool("force");
  const Json* exec = r.Raw("exec");
  const Json* battery = r.Raw("battery");
  const Json* network = r.Raw("network");
  const Json* input = r.Raw("input");
  VMI_CHECK_OK(r.Finish(), "batch");
  Batch b;
  b.selector = VMI_TRY_CTX(ParseLabelSelector(*selector), "batch");
  b.action = *action;
  b.force = force.value_or(false);
  auto only_with = [&](const Json* field, const char* name, const char* wanted) -> Result<void> {
    if ((field != nullptr) != (b.action == wanted))
      return Error(ErrorCode::kInvalidArgument,
                   std::string("batch: \"") + name + "\" goes with action \"" + wanted +
                       "\", and only with it");
    return Ok();
  };
  for (auto [field, name] : {std::pair{exec, "exec"}, std::pair{battery, "battery"},
                             std::pair{network, "network"}, std::pair{input, "input"}})
    if (auto ok = only_with(field, name, name); !ok.ok()) return std::move(ok).error();
  if (force && b.action != "delete")
    return Error(ErrorCode::kInvalidArgument, "batch: \"force\" goes with action \"delete\"");
  if (exec) {
    if (!exec->is_object())
      return Error(ErrorCode::kInvalidArgument, "batch: \"exec\" must be an object");
    b.exec = VMI_TRY_CTX(ParseExec(*exec), "batch");
    if (!exec->contains("max_output")) b.exec.max_output = kBatchOutput;
    if (b.exec.max_output > kMaxBatchOutput)
      return Error(ErrorCode::kInvalidArgument,
                   "batch: exec: max_output must be at most 1048576 in a batch");
  }
  if (battery) b.patch = *battery;
  if (network) b.patch = *network;
  if (input) b.patch = *input;
  return b;
}

// The instance action of the batch's operation (node/access.h).
const char* AccessAction(const std::string& action) {
  if (action == "battery" || action == "network" || action == "input") return "control";
  return action.c_str();
}

Json ErrorJson(const Error& e) {
  return {{"code", ErrorCodeName(e.code())}, {"message", e.message()}};
}

}  // namespace

void RegisterBatchRoutes(api::Router& router, InstanceManager& m, DeviceControls* devices,
                         InstanceAccessCheck check, InstanceAudit audit,
                         const InputScripts* input) {
  std::optional<InputScripts> scripts;
  if (input) scripts = *input;
  router.Handle(
      "POST", "/api/v1/batch",
      [&m, devices, check, audit, scripts](Request& req) -> Result<Response> {
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        Batch b = VMI_TRY(ParseBatch(body));
        if ((b.action == "battery" || b.action == "network") && !devices)
          return Error(ErrorCode::kUnavailable, "this node has no device controls");
        if (b.action == "input") {
          if (!scripts) return Error(ErrorCode::kUnavailable, "this node runs no input scripts");
          VMI_CHECK_OK(scripts->check(b.patch), "batch");
        }
        std::vector<InstanceRecord> picked;
        for (auto& r : m.List())
          if (b.selector.Matches(r.labels) && (!check || check(req, r, "list").ok()))
            picked.push_back(std::move(r));
        std::sort(picked.begin(), picked.end(),
                  [](const auto& x, const auto& y) { return x.spec.name < y.spec.name; });

        // One instance's operation; never throws, always a result.
        auto one = [&](const InstanceRecord& r) -> Json {
          Json out = {{"id", r.spec.id}, {"name", r.spec.name}};
          const char* action = AccessAction(b.action);
          std::string audited_as = b.action == "battery" || b.action == "network"
                                       ? "instance.device." + b.action
                                       : "instance." + b.action;
          auto finish = [&](const Error* e) {
            if (audit) audit(req, audited_as, "instance/" + r.spec.name, e);
            out["ok"] = e == nullptr;
            if (e) out["error"] = ErrorJson(*e);
            return out;
          };
          if (check) {
            if (auto ok = CheckInstanceAccess(check, req, r, action, r.spec.name); !ok.ok())
              return finish(&ok.error());
          }
          if (b.action == "start" || b.action == "stop" || b.action == "restart") {
            auto done = b.action == "start"  ? m.Start(r.spec.id)
                        : b.action == "stop" ? m.Stop(r.spec.id)
                                             : m.Restart(r.spec.id);
            if (!done.ok()) return finish(&done.error());
            out["instance"] = InstanceJson(m, *done);
            return finish(nullptr);
          }
          if (b.action == "delete") {
            auto done = m.Remove(r.spec.id, b.force);
            return finish(done.ok() ? nullptr : &done.error());
          }
          if (b.action == "exec") {
            auto ran = m.Exec(r.spec.id, b.exec.argv, b.exec.timeout, b.exec.max_output);
            if (!ran.ok()) return finish(&ran.error());
            out.update(ExecResultJson(*ran, b.exec.max_output));
            finish(nullptr);
            // The call succeeded; the command's own failure is the result's.
            out["ok"] = out["exit_code"] == 0 && !out["truncated"].get<bool>();
            return out;
          }
          if (b.action == "input") {
            auto ran = scripts->run(r, b.patch);
            if (!ran.ok()) return finish(&ran.error());
            finish(nullptr);
            // The call succeeded; a step that failed is the result's.
            out["ok"] = (*ran)["ok"];
            out["script"] = std::move(*ran);
            return out;
          }
          auto changed = b.action == "battery" ? devices->SetBattery(r, b.patch)
                                               : devices->SetNetwork(r, b.patch);
          if (!changed.ok()) return finish(&changed.error());
          out[b.action] = *changed;
          return finish(nullptr);
        };

        std::vector<Json> results(picked.size());
        std::atomic<size_t> next{0};
        auto work = [&] {
          for (size_t i = next++; i < picked.size(); i = next++) results[i] = one(picked[i]);
        };
        std::vector<std::thread> workers;
        size_t n = std::min(kParallel, picked.size());
        for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
        work();
        for (auto& t : workers) t.join();

        int succeeded = 0;
        for (const auto& r : results) succeeded += r["ok"].get<bool>();
        return Response::JsonBody(Json{{"selector", b.selector.ToString()},
                                       {"action", b.action},
                                       {"matched", results.size()},
                                       {"succeeded", succeeded},
                                       {"failed", static_cast<int>(results.size()) - succeeded},
                                       {"results", results}});
      },
      api::RouteOptions{.blocking = true});
}

}  // namespace vmi::node
