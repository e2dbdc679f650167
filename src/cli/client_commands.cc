#include "cli/client_commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "api/http/client.h"
#include "base/file.h"

namespace vmi::cli {

using api::Json;

namespace {

struct Ctx {
  GlobalOptions* g;
  std::unique_ptr<api::HttpClient> client;
};

int Fail(const Error& e) {
  std::cerr << "vmi: " << e.ToString() << "\n";
  return e.code() == ErrorCode::kNotFound ? 3 : 1;
}

Result<std::unique_ptr<api::HttpClient>> Connect(const GlobalOptions& g) {
  api::ClientOptions o;
  o.server = g.server;
  o.token = g.token;
  auto c = api::HttpClient::Create(o);
  if (!c.ok()) return std::move(c).error().Context("connect to " + g.server);
  return c;
}

std::string Human(int64_t bytes) {
  char buf[32];
  if (bytes >= (1LL << 30) && bytes % (1LL << 30) == 0) snprintf(buf, sizeof buf, "%lldG", (long long)(bytes >> 30));
  else if (bytes >= (1LL << 20)) snprintf(buf, sizeof buf, "%lldM", (long long)(bytes >> 20));
  else snprintf(buf, sizeof buf, "%lld", (long long)bytes);
  return buf;
}

std::string Str(const Json& j, const char* k) {
  if (!j.contains(k)) return "";
  if (j[k].is_string()) return j[k].get<std::string>();
  return j[k].dump();
}

void PrintInstances(const Json& list) {
  printf("%-12s  %-20s  %-14s  %-9s  %-9s  %4s  %6s  %-15s\n", "ID", "NAME", "IMAGE", "STATE",
         "SIZE", "CPUS", "MEM", "IP");
  for (const auto& i : list) {
    std::string size = std::to_string(i.value("width", 0)) + "x" + std::to_string(i.value("height", 0));
    char cpus[16];
    snprintf(cpus, sizeof cpus, "%.2g", i.value("cpus", 0.0));
    printf("%-12s  %-20s  %-14s  %-9s  %-9s  %4s  %6s  %-15s\n", Str(i, "id").c_str(),
           Str(i, "name").c_str(), Str(i, "image").c_str(), Str(i, "state").c_str(), size.c_str(),
           cpus, Human(i.value("memory", int64_t{0})).c_str(), Str(i, "ip").c_str());
  }
}

// Runs fn with a connected client, printing errors.
int WithClient(GlobalOptions& g, const std::function<Result<void>(api::HttpClient&)>& fn) {
  auto c = Connect(g);
  if (!c.ok()) return Fail(c.error());
  auto r = fn(**c);
  if (!r.ok()) return Fail(r.error());
  return 0;
}

std::string Path(const std::string& id) { return "/api/v1/instances/" + id; }

}  // namespace

void AddClientCommands(CLI::App& app, GlobalOptions& g, std::function<int()>& run) {
  // vmi info
  auto* info = app.add_subcommand("info", "Show host facts: runtime, cgroup mode, binder, limits");
  info->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        Json j = VMI_TRY(c.Call("GET", "/api/v1/node"));
        if (g.json) {
          std::cout << j.dump(2) << "\n";
          return Ok();
        }
        printf("Runtime:          %s (%s)\n", Str(j, "runtime").c_str(), Str(j, "runtime_version").c_str());
        if (!Str(j, "runtime_note").empty()) printf("Runtime note:     %s\n", Str(j, "runtime_note").c_str());
        printf("Cgroup mode:      %s%s\n", Str(j, "cgroup_mode").c_str(),
               j.value("hybrid_cgroup_workaround", false)
                   ? " (crun runs with the v2 controllers hidden in a private mount namespace)"
                   : "");
        printf("User namespaces:  %s\n", j.value("user_namespaces", false) ? "yes" : "no");
        printf("Overlayfs:        %s\n", j.value("overlayfs", false) ? "yes" : "no");
        printf("Binder:           %s\n", j.value("binder", false)
                                              ? "yes (Android images can run)"
                                              : "no (Android images cannot run on this host)");
        printf("Kernel:           %s\n", Str(j, "kernel").c_str());
        printf("Capacity:         %d cpus, %s memory\n", j["capacity"].value("cpus", 0),
               Human(j["capacity"].value("memory", int64_t{0})).c_str());
        printf("Usage:            %d instances, %d running\n", j["usage"].value("instances", 0),
               j["usage"].value("running", 0));
        return Ok();
      });
    };
  });

  // vmi image ...
  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  auto* ils = image->add_subcommand("ls", "List images");
  ils->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        Json j = VMI_TRY(c.Call("GET", "/api/v1/images"));
        if (g.json) {
          std::cout << j.dump(2) << "\n";
          return Ok();
        }
        printf("%-24s  %-13s  %10s  %s\n", "NAME", "KIND", "SIZE", "CREATED");
        for (const auto& i : j)
          printf("%-24s  %-13s  %10s  %s\n", Str(i, "name").c_str(), Str(i, "kind").c_str(),
                 Human(i.value("size", int64_t{0})).c_str(), Str(i, "created").c_str());
        return Ok();
      });
    };
  });
  static std::string import_path, import_name, build_name, build_kind = "linux-mobile", rm_image;
  auto* iimport = image->add_subcommand("import", "Import a rootfs tarball or an OCI image layout");
  iimport->add_option("path", import_path, "Tarball or OCI layout (path on the node)")->required();
  iimport->add_option("--name", import_name, "Image name (default: from the file name)");
  iimport->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        char abs[4096];
        std::string path = import_path;
        if (!path.empty() && path[0] != '/' && realpath(path.c_str(), abs)) path = abs;
        Json body = {{"path", path}};
        if (!import_name.empty()) body["name"] = import_name;
        Json j = VMI_TRY(c.Call("POST", "/api/v1/images", &body));
        std::cout << Str(j, "name") << "\n";
        return Ok();
      });
    };
  });
  auto* ibuild = image->add_subcommand("build", "Build an image locally (no download)");
  ibuild->add_option("name", build_name, "Image name")->default_val("linux-mobile");
  ibuild->add_option("--kind", build_kind, "Image kind")->default_val("linux-mobile");
  ibuild->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        Json body = {{"name", build_name}, {"build", build_kind}};
        Json j = VMI_TRY(c.Call("POST", "/api/v1/images", &body));
        std::cout << Str(j, "name") << "\n";
        return Ok();
      });
    };
  });
  auto* irm = image->add_subcommand("rm", "Remove an image no instance uses");
  irm->add_option("name", rm_image)->required();
  irm->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        VMI_TRY(c.Call("DELETE", "/api/v1/images/" + rm_image));
        return Ok();
      });
    };
  });

  // vmi create
  static std::string c_name, c_image = "linux-mobile", c_memory = "1G", c_res = "720x1280",
                     c_network = "bridge", c_restart = "never";
  static double c_cpus = 1;
  static int c_dpi = 320;
  static bool c_start = false;
  auto* create = app.add_subcommand("create", "Create an instance");
  create->add_option("--name", c_name, "Name (default: phone-<id>)");
  create->add_option("--image", c_image, "Image")->capture_default_str();
  create->add_option("--cpus", c_cpus, "CPU limit in cores")->capture_default_str();
  create->add_option("--memory", c_memory, "Memory limit (e.g. 512M, 2G)")->capture_default_str();
  create->add_option("--resolution", c_res, "Screen size WIDTHxHEIGHT")->capture_default_str();
  create->add_option("--dpi", c_dpi, "Screen density")->capture_default_str();
  create->add_option("--network", c_network, "bridge or none")->capture_default_str();
  create->add_option("--restart", c_restart, "never, on-failure or always")->capture_default_str();
  create->add_flag("--start", c_start, "Start it right away");
  create->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        Json body = {{"image", c_image}, {"cpus", c_cpus},       {"memory", c_memory},
                     {"resolution", c_res}, {"dpi", c_dpi},      {"network", c_network},
                     {"restart", c_restart}};
        if (!c_name.empty()) body["name"] = c_name;
        Json j = VMI_TRY(c.Call("POST", std::string("/api/v1/instances") + (c_start ? "?start=1" : ""), &body));
        if (g.json) std::cout << j.dump(2) << "\n";
        else std::cout << Str(j, "id") << "\n";
        return Ok();
      });
    };
  });

  // vmi start|stop|restart ID...
  static std::vector<std::string> ids;
  for (const char* verb : {"start", "stop", "restart"}) {
    auto* s = app.add_subcommand(verb, std::string(1, toupper(verb[0])) + (verb + 1) + " instances");
    s->add_option("ids", ids, "Instance ids or names")->required();
    std::string v = verb;
    s->callback([&, v] {
      run = [&, v] {
        int rc = 0;
        for (const auto& id : ids) {
          int r = WithClient(g, [&](api::HttpClient& c) -> Result<void> {
            VMI_TRY(c.Call("POST", Path(id) + "/" + v));
            std::cout << id << "\n";
            return Ok();
          });
          if (r) rc = r;
        }
        return rc;
      };
    });
  }

  static bool rm_force = false;
  auto* rm = app.add_subcommand("rm", "Remove instances (and their writable layers)");
  rm->add_option("ids", ids, "Instance ids or names")->required();
  rm->add_flag("-f,--force", rm_force, "Stop running instances first");
  rm->callback([&] {
    run = [&] {
      int rc = 0;
      for (const auto& id : ids) {
        int r = WithClient(g, [&](api::HttpClient& c) -> Result<void> {
          VMI_TRY(c.Call("DELETE", Path(id) + (rm_force ? "?force=1" : "")));
          std::cout << id << "\n";
          return Ok();
        });
        if (r) rc = r;
      }
      return rc;
    };
  });

  auto* ls = app.add_subcommand("ls", "List instances");
  ls->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        Json j = VMI_TRY(c.Call("GET", "/api/v1/instances"));
        if (g.json) std::cout << j.dump(2) << "\n";
        else PrintInstances(j);
        return Ok();
      });
    };
  });

  static std::string one_id;
  auto* inspect = app.add_subcommand("inspect", "Show everything about an instance (JSON)");
  inspect->add_option("id", one_id)->required();
  inspect->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        std::cout << VMI_TRY(c.Call("GET", Path(one_id))).dump(2) << "\n";
        return Ok();
      });
    };
  });

  static std::vector<std::string> exec_argv;
  static int exec_timeout = 30000;
  auto* exec = app.add_subcommand("exec", "Run a command inside an instance: vmi exec ID -- CMD...");
  exec->add_option("id", one_id)->required();
  exec->add_option("--timeout-ms", exec_timeout, "Kill the command after this long");
  exec->add_option("cmd", exec_argv, "Command and arguments (after --)")->required();
  exec->callback([&] {
    run = [&]() -> int {
      int code = 0;
      int r = WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        Json body = {{"argv", exec_argv}, {"timeout_ms", exec_timeout}};
        Json j = VMI_TRY(c.Call("POST", Path(one_id) + "/exec", &body));
        std::cout << j.value("stdout", "");
        std::cerr << j.value("stderr", "");
        code = j.value("exit_code", 1);
        return Ok();
      });
      return r ? r : code;
    };
  });

  static size_t log_tail = 1 << 20;
  auto* logs = app.add_subcommand("logs", "Print an instance's console output");
  logs->add_option("id", one_id)->required();
  logs->add_option("--tail-bytes", log_tail, "Only the last N bytes");
  logs->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        auto r = VMI_TRY(c.Send("GET", Path(one_id) + "/logs?tail_bytes=" + std::to_string(log_tail)));
        if (r.status / 100 != 2) return api::ErrorFromResponse(r);
        std::cout << r.body;
        return Ok();
      });
    };
  });

  static std::string shot_out;
  auto* shot = app.add_subcommand("screenshot", "Save an instance's screen as PNG");
  shot->add_option("id", one_id)->required();
  shot->add_option("out", shot_out, "Output file (.png)")->required();
  shot->callback([&] {
    run = [&] {
      return WithClient(g, [&](api::HttpClient& c) -> Result<void> {
        auto r = VMI_TRY(c.Send("GET", Path(one_id) + "/screenshot"));
        if (r.status / 100 != 2) return api::ErrorFromResponse(r);
        VMI_CHECK_OK(WriteFileAtomic(shot_out, r.body), "save screenshot");
        return Ok();
      });
    };
  });
}

}  // namespace vmi::cli
