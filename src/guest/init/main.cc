// vmi-init: PID 1 of every vmi instance. See README.md in src/guest.
//
//   vmi-init [--manifest PATH] [--state PATH] [--check] [-- COMMAND...]
//
// With a COMMAND (rootfs images run this way: their OCI Entrypoint + Cmd),
// it is supervised as one more service named "main" (restart never); when
// the manifest does not exist it is the only one, and vmi-init exits with
// its status, like any container.
//
// Linked statically so it runs in any image; it makes no NSS calls.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "base/file.h"
#include "base/log.h"
#include "guest/init/manifest.h"
#include "guest/init/supervisor.h"

namespace {

constexpr char kDefaultManifest[] = "/etc/vmi/session.json";
constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// vmi-exec-agent lives beside vmi-init (/opt/vmi/bin in an instance).
std::string ExecAgentPath() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : "/opt/vmi/bin/vmi-init";
  return dir.substr(0, dir.rfind('/') + 1) + "vmi-exec-agent";
}

int Usage() {
  std::cerr << "usage: vmi-init [--manifest PATH] [--state PATH] [--check] [-- COMMAND...]\n"
               "  --manifest PATH  session manifest (default " << kDefaultManifest << ")\n"
               "  --state PATH     state file (default $VMI_DEVDIR/session.state,\n"
               "                   VMI_DEVDIR defaulting to /run/vmi; 'none' disables)\n"
               "  --check          parse the manifest, print the expanded services, exit\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vmi;
  using namespace vmi::guest;
  std::string manifest_path = kDefaultManifest;
  std::string state_path;
  bool state_given = false;
  bool check = false;
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      command.assign(argv + i + 1, argv + argc);
      if (command.empty()) return Usage();
      break;
    } else if (a == "--manifest" && i + 1 < argc) {
      manifest_path = argv[++i];
    } else if (a == "--state" && i + 1 < argc) {
      state_path = argv[++i];
      state_given = true;
    } else if (a == "--check") {
      check = true;
    } else {
      return Usage();
    }
  }
  // The container console is our stdout.
  log::SetFd(1);
  signal(SIGPIPE, SIG_IGN);
  // Outside a pid namespace (tests, debugging) orphans of our services still
  // come to us to be reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  Environment env = ProcessEnvironment();
  if (!env.count("PATH")) {
    env["PATH"] = kDefaultPath;
    setenv("PATH", kDefaultPath, 1);
  }
  Manifest manifest_value;
  auto text = ReadFile(manifest_path, 1 << 20);
  if (!text.ok() && !(text.error().err_no() == ENOENT && !command.empty())) {
    VMI_LOG(ERROR) << "cannot read the session manifest: " << text.error().ToString();
    return 1;
  }
  if (text.ok()) {
    // Fragments come with the guest kit: <kit>/share/session/<name>.json,
    // next to this binary's bin/ (/opt/vmi in an instance).
    auto include = [](const std::string& name) -> Result<std::string> {
      char self[4096];
      ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
      if (n <= 0) return Error::FromErrno("readlink /proc/self/exe");
      std::string kit(self, static_cast<size_t>(n));
      kit = kit.substr(0, kit.rfind('/'));
      kit = kit.substr(0, kit.rfind('/'));
      return ReadFile(kit + "/share/session/" + name + ".json", 1 << 20);
    };
    auto parsed = ParseManifest(*text, env, include);
    if (!parsed.ok()) {
      VMI_LOG(ERROR) << manifest_path << ": " << parsed.error().ToString();
      return 1;
    }
    manifest_value = std::move(parsed).value();
  }
  if (!command.empty()) {
    ServiceSpec main_service;
    main_service.name = "main";
    main_service.argv = command;
    main_service.restart = RestartPolicy::kNever;
    char cwd[4096];
    main_service.cwd = getcwd(cwd, sizeof cwd) ? cwd : "/";
    for (const auto& s : manifest_value.services) {
      if (s.name == "main") {
        VMI_LOG(ERROR) << manifest_path << ": a service is named \"main\"; cannot add the command";
        return 1;
      }
    }
    manifest_value.services.push_back(std::move(main_service));
  }
  // In a Pod (VMI_EXEC_SOCKET set by the controller) exec requests come
  // through the device directory: vmi-exec-agent, beside this binary.
  if (const char* sock = getenv("VMI_EXEC_SOCKET"); sock && *sock && !check) {
    ServiceSpec agent;
    agent.name = "vmi-exec-agent";
    agent.argv = {ExecAgentPath(), "--socket", sock};
    agent.restart = RestartPolicy::kAlways;
    agent.auxiliary = true;
    manifest_value.services.push_back(std::move(agent));
  }
  auto* manifest = &manifest_value;
  if (check) {
    for (const auto& s : manifest->services) {
      std::cout << s.name << " [" << RestartPolicyName(s.restart) << "]";
      for (const auto& a : s.argv) std::cout << " '" << a << "'";
      std::cout << "\n";
    }
    return 0;
  }

  Supervisor::Options options;
  if (!state_given) {
    std::string devdir = env.count("VMI_DEVDIR") ? env["VMI_DEVDIR"] : "/run/vmi";
    if (IsDirectory(devdir)) {
      state_path = devdir + "/session.state";
    } else {
      VMI_LOG(WARN) << "device directory " << devdir << " is missing; no session.state";
    }
  } else if (state_path == "none") {
    state_path.clear();
  }
  options.state_path = state_path;
  options.stop_timeout = manifest->stop_timeout.value_or(std::chrono::milliseconds(5000));
  if (const char* t = getenv("VMI_STOP_TIMEOUT_MS"); t && *t) {
    char* end;
    long ms = strtol(t, &end, 10);
    if (*end == 0 && ms >= 0) options.stop_timeout = std::chrono::milliseconds(ms);
    else VMI_LOG(WARN) << "ignoring bad VMI_STOP_TIMEOUT_MS=" << t;
  }
  for (const auto& [k, v] : env) options.base_env.push_back(k + "=" + v);

  auto sup = Supervisor::Create(std::move(manifest_value), std::move(options));
  if (!sup.ok()) {
    VMI_LOG(ERROR) << "vmi-init: " << sup.error().ToString();
    return 1;
  }
  VMI_LOG(INFO) << "vmi-init (pid " << getpid() << ") instance "
                << (env.count("VMI_INSTANCE") ? env["VMI_INSTANCE"] : "-");
  auto code = (*sup)->Run();
  if (!code.ok()) {
    VMI_LOG(ERROR) << "vmi-init: " << code.error().ToString();
    return 1;
  }
  return *code;
}
