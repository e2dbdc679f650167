// The session manifest (/etc/vmi/session.json): which services vmi-init
// starts, in what order, and how it keeps them running.
//
//   {
//     "version": 1,
//     "env": {"DISPLAY": ":0"},                 // added to every service
//     "stop_timeout_ms": 5000,                  // VMI_STOP_TIMEOUT_MS wins
//     "restart_backoff": {"initial_ms": 250, "max_ms": 10000,
//                         "reset_after_ms": 10000},
//     "services": [
//       {"name": "xvfb",
//        "argv": ["Xvfb", ":0", "-screen", "0", "${VMI_WIDTH}x${VMI_HEIGHT}x24"],
//        "env": {"K": "v"}, "cwd": "/",
//        "restart": "always",                   // always | on-failure | never
//        "remove_before_start": ["/tmp/.X0-lock"],
//        "ready": {"unix_socket": "/tmp/.X11-unix/X0", "timeout_ms": 10000}},
//       {"name": "wm", "argv": ["matchbox-window-manager"], "after": ["xvfb"]}
//     ]
//   }
//
// "include": ["phone-line"] adds a fragment shipped with the guest kit
// (/opt/vmi/share/session/phone-line.json, an object with "env" and
// "services" only): its services join the manifest's (names stay unique;
// the manifest's own services may name them in "after"), and its "env"
// fills in what the manifest's "env" does not set. That is how any image's
// session gets the guest's phone line (modem relay, buses, ModemManager)
// without copying it.
//
// Every string in argv, env, cwd, ready and remove_before_start goes through
// ${VAR} substitution (substitute.h) against the process environment overlaid
// with the manifest's global "env". A service starts once every service named
// in its "after" is ready; a service without "ready" is ready as soon as it
// has been spawned. "ready" is one of {"path": P} (P exists),
// {"unix_socket": P} (a stream connect to P succeeds) or {"command": [...]}
// (a probe that exits 0; run every "interval_ms", default 100, with the
// service's environment, output discarded).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/backoff.h"
#include "base/result.h"
#include "guest/init/substitute.h"

namespace vmi::guest {

enum class RestartPolicy { kAlways, kOnFailure, kNever };
const char* RestartPolicyName(RestartPolicy policy);

struct Readiness {
  enum class Kind { kPath, kUnixSocket, kCommand };
  Kind kind = Kind::kPath;
  std::string path;                  // kPath, kUnixSocket
  std::vector<std::string> command;  // kCommand
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds interval{100};  // kCommand: between probes
};

struct ServiceSpec {
  std::string name;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=value", global env first, then the service's own
  std::string cwd = "/";
  RestartPolicy restart = RestartPolicy::kOnFailure;
  std::optional<Readiness> ready;
  std::vector<std::string> after;
  std::vector<std::string> remove_before_start;
  BackoffSpec backoff;
  // Not from a manifest: a service vmi-init adds itself (the exec agent)
  // that does not keep a session alive once every other service has ended.
  bool auxiliary = false;
};

struct Manifest {
  std::vector<ServiceSpec> services;  // in manifest order
  std::optional<std::chrono::milliseconds> stop_timeout;
};

// Parses and validates a manifest: unique names matching [A-Za-z0-9._-]+,
// non-empty argv, known "after" names, no dependency cycles, no unknown keys.
// `include` returns the text of a named fragment; without one, a manifest
// that includes anything is refused.
using IncludeReader = std::function<Result<std::string>(const std::string& name)>;
Result<Manifest> ParseManifest(std::string_view json_text, const Environment& env,
                               const IncludeReader& include = {});

}  // namespace vmi::guest
