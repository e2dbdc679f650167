// AppService: installs, lists, removes and starts apps in instances, one API
// for every image kind (docs/apps.md):
//
//   win32         .exe (portable, or an NSIS/Inno installer run unattended),
//                 .msi (msiexec /qn), .zip (unpacked to C:\Apps\<id>)
//   linux-mobile  .deb (unpacked into the instance's own layer under
//   phone         /opt/apps/<id>; no maintainer script runs), or a single
//                 ELF binary
//   android       .apk (the instance's package manager; binder hosts only)
//
// Every upload is checked on the host first (PE headers, zip central
// directory, deb members; quota) and refused with a clear error before
// anything reaches the instance. The install itself runs inside the
// instance (guest-kit `vmi-app`, through the runtime's exec) as the
// instance's unprivileged root, under a time limit; a failed install removes
// what it wrote. The list of installed apps lives on the host, in
// <instance dir>/apps/<app id>.json, out of the guest's reach.
//
// Threads: thread-safe. Installs into one instance are serialised (a second
// concurrent one fails with kAborted); Install blocks for as long as the
// installer runs, so call it from a worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/result.h"

namespace vmi::apps {

// The instance as the app service sees it; filled by the node.
struct AppTarget {
  std::string id;    // instance id
  std::string name;  // instance name (for messages)
  std::string kind;  // image kind: "win32", "linux-mobile", "phone", "android", "rootfs"
  std::string arch;  // guest CPU: "x86_64", "arm64"
  bool running = false;
  bool wine_i386 = false;  // win32 images: 32-bit programs can run
  std::string dev_dir;     // host dir bound at /run/vmi in the guest
  std::string state_dir;   // host dir for the app records (created on demand)
  // Runs a command inside the instance.
  std::function<Result<RunOutput>(const std::vector<std::string>&, std::chrono::milliseconds)> exec;
};

struct AppEntry {
  std::string name;  // shown in the app grid
  std::string exec;  // the launcher inside the instance
  std::string icon;  // icon file inside the instance or an icon theme name; may be empty
};

struct AppRecord {
  std::string id;  // 12 hex chars
  std::string name;
  std::string type;       // "exe", "installer", "msi", "zip", "deb", "binary", "apk"
  std::string file;       // uploaded file name
  std::string machine;    // PE/ELF machine when known
  uint64_t bytes = 0;     // uploaded size (counts against the quota)
  int64_t installed = 0;  // unix seconds
  std::vector<AppEntry> entries;
};
nlohmann::json AppToJson(const AppRecord& r);
Result<AppRecord> AppFromJson(const nlohmann::json& j);

struct InstallStatus {
  std::string file;
  std::string phase;  // "checking", "installing", "registering"
  uint64_t bytes = 0;
  int64_t started = 0;
};

class AppService {
 public:
  struct Options {
    uint64_t quota_bytes = 2ull << 30;  // per instance, uploads of installed apps
    std::chrono::seconds install_timeout{300};
  };
  explicit AppService(Options o) : options_(o) {}

  const Options& options() const { return options_; }

  // `upload` is a host file the service takes over (moved or removed);
  // `file_name` is the name the user gave it (its extension counts).
  Result<AppRecord> Install(const AppTarget& t, const std::string& upload,
                            const std::string& file_name,
                            std::chrono::seconds timeout = std::chrono::seconds(0));
  Result<std::vector<AppRecord>> List(const AppTarget& t) const;
  Result<void> Remove(const AppTarget& t, const std::string& app_id);
  // Starts entry `entry` (0: the first) of the app, detached.
  Result<void> Start(const AppTarget& t, const std::string& app_id, size_t entry = 0);
  // The install in progress in the instance, if any.
  std::optional<InstallStatus> Status(const std::string& instance_id) const;

 private:
  void SetPhase(const std::string& id, const std::string& phase);

  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, InstallStatus> installing_;  // by instance id
};

// Where the node keeps the records of an instance's apps.
std::string AppRecordPath(const AppTarget& t, const std::string& app_id);
Result<void> ValidateAppId(const std::string& id);

}  // namespace vmi::apps
