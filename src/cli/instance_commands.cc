// vmi create | start | stop | restart | rm | ls | inspect | exec | logs |
//     screenshot, vmi info, vmi image ls | import | build | rm.
#include <stdlib.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>

#include "api/http/client.h"
#include "base/file.h"
#include "cli/context.h"
#include "cli/table.h"

namespace vmi::cli {

namespace {

std::string InstancePath(const std::string& id) { return "/api/v1/instances/" + id; }

// Owner ids as names when the caller may list users (admins); ids otherwise.
std::map<std::string, std::string> OwnerNames(api::HttpClient& c) {
  std::map<std::string, std::string> names;
  auto users = c.Call("GET", "/api/v1/users");
  if (users.ok())
    for (const auto& u : users->value("users", Json::array()))
      names[Field(u, "id")] = Field(u, "name");
  return names;
}

// "k=v,k2=v2" for a LABELS column.
std::string LabelsText(const Json& i) {
  std::string out;
  // A named copy: items() of a temporary would dangle in the loop.
  const Json labels = i.value("labels", Json::object());
  for (const auto& [k, v] : labels.items())
    out += (out.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  return out;
}

void PrintInstances(const Json& list, const std::map<std::string, std::string>& owners) {
  // The LABELS column only when some instance has labels.
  bool labels = false;
  for (const auto& i : list) labels |= !LabelsText(i).empty();
  std::vector<std::string> head = {"ID", "NAME", "IMAGE", "STATE", "SIZE", "CPUS", "MEM", "OWNER", "IP"};
  if (labels) head.push_back("LABELS");
  Table t(head);
  for (const auto& i : list) {
    char cpus[16];
    snprintf(cpus, sizeof cpus, "%.3g", i.value("cpus", 0.0));
    auto named = owners.find(Field(i, "owner_id"));
    std::string owner = named != owners.end() ? named->second : Field(i, "owner_id");
    std::vector<std::string> row = {
        Field(i, "id"), Field(i, "name"), Field(i, "image"), Field(i, "state"),
        std::to_string(i.value("width", 0)) + "x" + std::to_string(i.value("height", 0)), cpus,
        HumanBytes(i.value("memory", int64_t{0})), owner, Field(i, "ip")};
    if (labels) row.push_back(LabelsText(i));
    t.Add(row);
  }
  std::cout << t.Render();
}

}  // namespace

// POST /api/v1/batch (node/batch_routes.h) and one line per instance; the
// exit code is 1 when any instance failed or none matched.
int RunBatch(Context& ctx, Json body, const std::function<void(const Json&)>& print_ok) {
  int rc = kExitOk;
  int r = ctx.With([&](api::HttpClient& c) -> Result<void> {
    Json j = VMI_TRY(c.Call("POST", "/api/v1/batch", &body));
    if (ctx.g.json) PrintJson(j);
    if (j.value("matched", 0) == 0) {
      if (!ctx.g.json) std::cerr << "vmi: no instance matches '" << Field(j, "selector") << "'\n";
      rc = kExitError;
    }
    for (const auto& res : j.value("results", Json::array())) {
      bool ok = res.value("ok", false);
      if (!ok) rc = kExitError;
      if (ctx.g.json) continue;
      if (print_ok && res.contains("exit_code")) {
        print_ok(res);
      } else if (ok) {
        std::cout << Field(res, "name") << "\tok\n";
      } else {
        std::cout << Field(res, "name") << "\terror: "
                  << (res.contains("error") ? Field(res["error"], "message") : "failed") << "\n";
      }
    }
    return Ok();
  });
  return r ? r : rc;
}

namespace {

struct CreateArgs {
  std::string name, image = "linux-mobile", memory = "1G", resolution = "720x1280",
                    network = "bridge", restart = "never";
  double cpus = 1;
  int dpi = 320;
  bool start = false;
  // Per-instance limits; absent: the owner's quota decides (never more).
  int64_t pids = 0, bandwidth_mbit = 0, open_files = 0;  // 0: not given
  std::string disk;
  std::vector<std::string> labels;  // k=v
};

struct IdsArgs {
  std::vector<std::string> ids;
  bool force = false;
  std::string selector;
};

struct OneArgs {
  std::string id;
  std::vector<std::string> argv;
  int timeout_ms = 30000;
  size_t max_output = 1 << 20;
  size_t tail_bytes = 1 << 20;
  std::string out;
  int max_width = 0;
  bool jpeg = false;
  std::string selector;
};

// Runs the same call for each id; the exit code is the worst one.
int ForEachId(Context& ctx, const std::vector<std::string>& ids,
              const std::function<Result<void>(api::HttpClient&, const std::string&)>& fn) {
  int rc = kExitOk;
  for (const auto& id : ids) {
    int r = ctx.With([&](api::HttpClient& c) -> Result<void> {
      VMI_CHECK_OK(fn(c, id), id);
      std::cout << id << "\n";
      return Ok();
    });
    rc = std::max(rc, r);
  }
  return rc;
}

// vmi screenshot -l SELECTOR DIR: DIR/<name>.png of each matching
// instance, one line per instance; 1 when any failed or none matched.
int ScreenshotsBySelector(Context& ctx, const std::string& selector, const std::string& dir,
                          int max_width, bool jpeg) {
  int rc = kExitOk;
  int r = ctx.With([&](api::HttpClient& c) -> Result<void> {
    VMI_CHECK_OK(MakeDirs(dir), "screenshot directory");
    Json list = VMI_TRY(c.Call("GET", "/api/v1/instances?selector=" + QueryEscape(selector)));
    if (list.empty()) {
      std::cerr << "vmi: no instance matches '" << selector << "'\n";
      rc = kExitError;
    }
    std::string q = std::string("?format=") + (jpeg ? "jpeg" : "png");
    if (max_width > 0) q += "&max_width=" + std::to_string(max_width);
    for (const auto& i : list) {
      std::string name = Field(i, "name");
      std::string file = dir + "/" + name + (jpeg ? ".jpg" : ".png");
      auto shot = c.Send("GET", InstancePath(Field(i, "id")) + "/screenshot" + q);
      Result<void> saved = Ok();
      if (!shot.ok()) saved = std::move(shot).error();
      else if (shot->status / 100 != 2) saved = api::ErrorFromResponse(*shot);
      else saved = WriteFileAtomic(file, shot->body);
      if (saved.ok()) {
        std::cout << name << "\t" << file << "\n";
      } else {
        std::cout << name << "\terror: " << saved.error().message() << "\n";
        rc = kExitError;
      }
    }
    return Ok();
  });
  return r ? r : rc;
}

}  // namespace

void AddInstanceCommands(CLI::App& app, Context& ctx) {
  auto& ca = ctx.Keep<CreateArgs>();
  auto* create = app.add_subcommand("create", "Create an instance");
  create->add_option("--name", ca.name, "Name (default: phone-<id>)");
  create->add_option("--image", ca.image, "Image")->capture_default_str();
  create->add_option("--cpus", ca.cpus, "CPU limit in cores")->capture_default_str();
  create->add_option("--memory", ca.memory, "Memory limit (e.g. 512M, 2G)")->capture_default_str();
  create->add_option("--resolution", ca.resolution, "Screen size WIDTHxHEIGHT")
      ->capture_default_str();
  create->add_option("--dpi", ca.dpi, "Screen density")->capture_default_str();
  create->add_option("--network", ca.network, "bridge or none")->capture_default_str();
  create->add_option("--restart", ca.restart, "never, on-failure or always")->capture_default_str();
  create->add_flag("--start", ca.start, "Start it right away");
  create->add_option("--pids", ca.pids, "Most processes (default and ceiling: your quota)");
  create->add_option("--disk", ca.disk, "Size of the writable layer, e.g. 2G (default: your quota)");
  create->add_option("--bandwidth-mbit", ca.bandwidth_mbit,
                     "Network rate each way in Mbit/s (default: your quota)");
  create->add_option("--open-files", ca.open_files, "Most open files per process (default: your quota)");
  create->add_option("-l,--label", ca.labels, "A label KEY=VALUE (repeatable), for selectors");
  ctx.On(create, [&] {
    Json labels = Json::object();
    for (const auto& l : ca.labels) {
      size_t eq = l.find('=');
      if (eq == std::string::npos) return UsageError("--label " + l + ": give KEY=VALUE");
      labels[l.substr(0, eq)] = l.substr(eq + 1);
    }
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json body = {{"image", ca.image},           {"cpus", ca.cpus}, {"memory", ca.memory},
                   {"resolution", ca.resolution}, {"dpi", ca.dpi},   {"network", ca.network},
                   {"restart", ca.restart}};
      if (!ca.name.empty()) body["name"] = ca.name;
      if (ca.pids) body["pids"] = ca.pids;
      if (!ca.disk.empty()) body["disk"] = ca.disk;
      if (ca.bandwidth_mbit) body["bandwidth_mbit"] = ca.bandwidth_mbit;
      if (ca.open_files) body["open_files"] = ca.open_files;
      if (!labels.empty()) body["labels"] = labels;
      Json j = VMI_TRY(c.Call(
          "POST", std::string("/api/v1/instances") + (ca.start ? "?start=true" : ""), &body));
      if (ctx.g.json)
        PrintJson(j);
      else
        std::cout << Field(j, "id") << "\n";
      return Ok();
    });
  });

  auto& ia = ctx.Keep<IdsArgs>();
  for (const char* verb : {"start", "stop", "restart"}) {
    std::string v = verb;
    auto* s = app.add_subcommand(
        v, std::string(1, static_cast<char>(toupper(v[0]))) + v.substr(1) + " instances");
    auto* ids = s->add_option("ids", ia.ids, "Instance ids or names");
    s->add_option("-l,--selector", ia.selector, "Every instance whose labels match, e.g. team=qa")
        ->excludes(ids);
    ctx.On(s, [&ctx, &ia, v] {
      if (!ia.selector.empty()) return RunBatch(ctx, {{"selector", ia.selector}, {"action", v}});
      if (ia.ids.empty()) return UsageError("give instance ids or --selector");
      return ForEachId(ctx, ia.ids, [&](api::HttpClient& c, const std::string& id) -> Result<void> {
        VMI_TRY(c.Call("POST", InstancePath(id) + "/" + v));
        return Ok();
      });
    });
  }

  auto* rm = app.add_subcommand("rm", "Remove instances (and their writable layers)");
  auto* rm_ids = rm->add_option("ids", ia.ids, "Instance ids or names");
  rm->add_flag("-f,--force", ia.force, "Stop running instances first");
  rm->add_option("-l,--selector", ia.selector, "Every instance whose labels match, e.g. team=qa")
      ->excludes(rm_ids);
  ctx.On(rm, [&] {
    if (!ia.selector.empty()) {
      Json body = {{"selector", ia.selector}, {"action", "delete"}};
      if (ia.force) body["force"] = true;
      return RunBatch(ctx, body);
    }
    if (ia.ids.empty()) return UsageError("give instance ids or --selector");
    return ForEachId(ctx, ia.ids, [&](api::HttpClient& c, const std::string& id) -> Result<void> {
      VMI_TRY(c.Call("DELETE", InstancePath(id) + (ia.force ? "?force=true" : "")));
      return Ok();
    });
  });

  auto* ls = app.add_subcommand("ls", "List instances (yours; an admin sees all)");
  ls->add_option("-l,--selector", ia.selector, "Only those whose labels match, e.g. team=qa");
  ctx.On(ls, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string q = ia.selector.empty() ? "" : "?selector=" + QueryEscape(ia.selector);
      Json j = VMI_TRY(c.Call("GET", "/api/v1/instances" + q));
      if (ctx.g.json)
        PrintJson(j);
      else
        PrintInstances(j, OwnerNames(c));
      return Ok();
    });
  });

  auto& oa = ctx.Keep<OneArgs>();
  auto* inspect = app.add_subcommand("inspect", "Show everything about an instance (JSON)");
  inspect->add_option("id", oa.id, "Instance id or name")->required();
  ctx.On(inspect, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      PrintJson(VMI_TRY(c.Call("GET", InstancePath(oa.id))));
      return Ok();
    });
  });

  auto* exec =
      app.add_subcommand("exec", "Run a command inside an instance: vmi exec ID -- CMD...");
  exec->add_option("id", oa.id, "Instance id or name");
  exec->add_option("-l,--selector", oa.selector,
                   "Every instance whose labels match (vmi exec -l team=qa -- CMD)");
  exec->add_option("--timeout-ms", oa.timeout_ms, "Kill the command after this long");
  exec->add_option("--max-output", oa.max_output,
                   "Bytes of stdout and of stderr to keep (at most 16 MiB); more fails the call");
  exec->add_option("cmd", oa.argv, "Command and arguments (after --)");
  ctx.On(exec, [&]() -> int {
    if (!oa.selector.empty()) {
      // Without an id, the first word after -- lands in the id's place.
      if (!oa.id.empty()) oa.argv.insert(oa.argv.begin(), oa.id);
      if (oa.argv.empty()) return UsageError("give the command after --");
      Json ex = {{"argv", oa.argv}, {"timeout_ms", oa.timeout_ms}};
      return RunBatch(ctx, {{"selector", oa.selector}, {"action", "exec"}, {"exec", ex}},
                      [](const Json& res) {
                        std::cout << "== " << Field(res, "name") << " (exit "
                                  << Field(res, "exit_code") << ")\n"
                                  << res.value("stdout", "");
                        std::cerr << res.value("stderr", "");
                      });
    }
    if (oa.id.empty()) return UsageError("give an instance id or --selector");
    if (oa.argv.empty()) return UsageError("give the command after --");
    int code = 0;
    int r = ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json body = {{"argv", oa.argv}, {"timeout_ms", oa.timeout_ms}, {"max_output", oa.max_output}};
      Json j = VMI_TRY(c.Call("POST", InstancePath(oa.id) + "/exec", &body));
      code = j.value("exit_code", 1);
      if (ctx.g.json) {
        PrintJson(j);
      } else {
        std::cout << j.value("stdout", "");
        std::cerr << j.value("stderr", "");
      }
      if (j.value("truncated", false)) {
        std::cout << std::flush;
        std::cerr << "vmi exec: the command wrote more than " << oa.max_output << " bytes to "
                  << (j.value("stdout_truncated", false) ? "stdout" : "stderr")
                  << "; the rest was discarded (raise --max-output, up to 16777216)\n";
        // Never a silent success with cut output.
        if (code == 0) code = kExitTruncated;
      }
      return Ok();
    });
    // The command's own exit code, as with `docker exec`.
    return r ? r : code;
  });

  auto* logs = app.add_subcommand("logs", "Print an instance's console output");
  logs->add_option("id", oa.id, "Instance id or name")->required();
  logs->add_option("--tail-bytes", oa.tail_bytes, "Only the last N bytes");
  ctx.On(logs, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      auto r = VMI_TRY(
          c.Send("GET", InstancePath(oa.id) + "/logs?tail_bytes=" + std::to_string(oa.tail_bytes)));
      if (r.status / 100 != 2) return api::ErrorFromResponse(r);
      std::cout << r.body;
      return Ok();
    });
  });

  auto* shot = app.add_subcommand("screenshot", "Save an instance's screen as PNG (or JPEG)");
  shot->add_option("id", oa.id, "Instance id or name")->required();
  shot->add_option("out", oa.out, "Output file (with --selector: none, the id is the directory)");
  shot->add_option("-l,--selector", oa.selector,
                   "Every running instance whose labels match, one file each in the directory "
                   "(vmi screenshot -l team=qa DIR)");
  shot->add_option("--max-width", oa.max_width, "Scale down to at most this width (thumbnails)")
      ->check(CLI::PositiveNumber);
  shot->add_flag("--jpeg", oa.jpeg, "JPEG instead of PNG");
  ctx.On(shot, [&] {
    if (!oa.selector.empty()) {
      if (!oa.out.empty()) return UsageError("with --selector, give only the directory");
      return ScreenshotsBySelector(ctx, oa.selector, oa.id, oa.max_width, oa.jpeg);
    }
    if (oa.out.empty()) return UsageError("give the output file");
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string q;
      if (oa.max_width > 0) q += "max_width=" + std::to_string(oa.max_width);
      if (oa.jpeg) q += std::string(q.empty() ? "" : "&") + "format=jpeg";
      auto r =
          VMI_TRY(c.Send("GET", InstancePath(oa.id) + "/screenshot" + (q.empty() ? "" : "?" + q)));
      if (r.status / 100 != 2) return api::ErrorFromResponse(r);
      VMI_CHECK_OK(WriteFileAtomic(oa.out, r.body), "save screenshot");
      return Ok();
    });
  });

  auto* info = app.add_subcommand("info", "Show host facts: runtime, cgroup mode, binder, limits");
  ctx.On(info, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/node"));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      printf("Runtime:          %s (%s)\n", Field(j, "runtime").c_str(),
             Field(j, "runtime_version").c_str());
      if (j.value("runtime_note", "") != "")
        printf("Runtime note:     %s\n", Field(j, "runtime_note").c_str());
      printf("Cgroup mode:      %s%s\n", Field(j, "cgroup_mode").c_str(),
             j.value("hybrid_cgroup_workaround", false)
                 ? " (crun runs with the v2 controllers hidden in a private mount namespace)"
                 : "");
      printf("User namespaces:  %s\n", j.value("user_namespaces", false) ? "yes" : "no");
      printf("Overlayfs:        %s\n", j.value("overlayfs", false) ? "yes" : "no");
      printf("Binder:           %s\n", j.value("binder", false)
                                           ? "yes (Android images can run)"
                                           : "no (Android images cannot run on this host)");
      printf("Guest /proc view: %s\n",
             j.value("guest_limits_view", "") == "lxcfs"
                 ? ("own limits (" + Field(j, "guest_limits_view_note") + ")").c_str()
                 : ("the host's: " + Field(j, "guest_limits_view_note")).c_str());
      printf("Kernel:           %s\n", Field(j, "kernel").c_str());
      for (const auto& a : j.value("architectures", Json::array()))
        printf("Architecture:     %-7s %s\n", Field(a, "arch").c_str(), Field(a, "how").c_str());
      const Json w = j.value("win32", Json::object());
      if (w.value("available", false))
        printf("Win32:            %s; %s\n", Field(w, "version").c_str(), Field(w, "note").c_str());
      else
        printf("Win32:            not available (%s)\n", Field(w, "note").c_str());
      const Json cap = j.value("capacity", Json::object());
      const Json use = j.value("usage", Json::object());
      printf("Capacity:         %d cpus, %s memory\n", cap.value("cpus", 0),
             HumanBytes(cap.value("memory", int64_t{0})).c_str());
      printf("Usage:            %d instances, %d running\n", use.value("instances", 0),
             use.value("running", 0));
      return Ok();
    });
  });
}

namespace {
struct ImageArgs {
  std::string path, name, build_name = "linux-mobile", kind, arch, oci, tar, tag;
};
}  // namespace

void AddImageCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<ImageArgs>();
  auto* image = app.add_subcommand("image", "Manage images (import, build and rm: admin)");
  image->require_subcommand(1);
  auto* ls = image->add_subcommand("ls", "List images");
  ctx.On(ls, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/images"));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      Table t({"NAME", "KIND", "SIZE", "CREATED"});
      for (const auto& i : j)
        t.Add({Field(i, "name"), Field(i, "kind"), HumanBytes(i.value("size", int64_t{0})),
               Field(i, "created")});
      std::cout << t.Render();
      return Ok();
    });
  });
  auto* import = image->add_subcommand("import", "Import a rootfs tarball or an OCI image layout");
  import->add_option("path", a.path, "Tarball or OCI layout (path on the node)")->required();
  import->add_option("--name", a.name, "Image name (default: from the file name)");
  ctx.On(import, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      char abs[4096];
      std::string path = a.path;
      if (!path.empty() && path[0] != '/' && realpath(path.c_str(), abs)) path = abs;
      Json body = {{"path", path}};
      if (!a.name.empty()) body["name"] = a.name;
      Json j = VMI_TRY(c.Call("POST", "/api/v1/images", &body));
      std::cout << Field(j, "name") << "\n";
      return Ok();
    });
  });
  auto* build = image->add_subcommand("build", "Build an image locally (no download)");
  build->add_option("name", a.build_name, "Image name")->capture_default_str();
  build->add_option("--kind", a.kind,
                    "Image kind: linux-mobile, phone or win32 (default: the name when it is a "
                    "kind, else linux-mobile)");
  build->add_option("--arch", a.arch,
                    "CPU architecture (arm64, x86_64): another than the host's is built with "
                    "mmdebstrap from Debian's packages and runs through qemu-user-static");
  ctx.On(build, [&] {
    return ctx.With([&](api::HttpClient&) -> Result<void> {
      // Building can take minutes (a Wine prefix, a foreign userland).
      auto c = VMI_TRY(ctx.Connect(true, std::chrono::seconds(2700)));
      std::string kind = a.kind;
      if (kind.empty())
        kind = a.build_name == "phone" || a.build_name == "win32" ? a.build_name : "linux-mobile";
      std::string name = a.build_name;
      if (!a.arch.empty() && name == "linux-mobile") name = "linux-mobile-" + a.arch;
      Json body = {{"name", name}, {"build", kind}};
      if (!a.arch.empty()) body["arch"] = a.arch;
      Json j = VMI_TRY(c->Call("POST", "/api/v1/images", &body));
      std::cout << Field(j, "name") << "\n";
      return Ok();
    });
  });
  auto* exp = image->add_subcommand(
      "export", "Write an image as an OCI image layout (for a registry or a cluster)");
  exp->add_option("name", a.name, "Image name")->required();
  auto* oci = exp->add_option("--oci", a.oci, "Layout directory to create (path on the node)");
  auto* tar = exp->add_option("--tar", a.tar, "Layout as one tar file to create (path on the node)");
  oci->excludes(tar);
  exp->add_option("--tag", a.tag, "Tag recorded in index.json (default: latest)");
  ctx.On(exp, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      if (a.oci.empty() == a.tar.empty())
        return Error(ErrorCode::kInvalidArgument, "give --oci DIR or --tar FILE");
      std::string path = a.oci.empty() ? a.tar : a.oci;
      // Relative to where the CLI runs; the parent must exist to resolve it.
      if (path[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) return Error::FromErrno("getcwd");
        path = std::string(cwd) + "/" + path;
      }
      Json body = {{a.oci.empty() ? "tar" : "oci", path}};
      if (!a.tag.empty()) body["tag"] = a.tag;
      Json j = VMI_TRY(c.Call("POST", "/api/v1/images/" + a.name + "/export", &body));
      if (ctx.g.json) {
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << Field(j, "path") << " " << Field(j, "digest") << " ("
                  << j.value("layers", 0) << " layers, "
                  << HumanBytes(j.value("bytes", int64_t{0})) << ")\n";
      }
      return Ok();
    });
  });
  auto* rm = image->add_subcommand("rm", "Remove an image no instance uses");
  rm->add_option("name", a.name, "Image name")->required();
  ctx.On(rm, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      VMI_TRY(c.Call("DELETE", "/api/v1/images/" + a.name));
      std::cout << a.name << "\n";
      return Ok();
    });
  });
}

}  // namespace vmi::cli
