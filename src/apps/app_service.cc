#include "apps/app_service.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

#include "apps/upload_check.h"
#include "base/secret.h"
#include "base/file.h"

namespace vmi::apps {
namespace {

constexpr const char* kGuestTool = "/opt/vmi/bin/vmi-app";
constexpr const char* kGuestIncoming = "/run/vmi/incoming";

std::string NewId() { return RandomHex(6); }

// The last non-empty line a guest command printed on stderr: the reason.
std::string Reason(const RunOutput& out) {
  std::istringstream in(out.err);
  std::string line, last;
  while (std::getline(in, line))
    if (!Trim(line).empty()) last = std::string(Trim(line));
  return last.empty() ? DescribeWaitStatus(out.status) : last;
}

bool Succeeded(const RunOutput& out) {
  return WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0;
}

Result<void> NeedRunning(const AppTarget& t) {
  if (!t.running)
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + t.name + "' is not running; start it first");
  return Ok();
}

}  // namespace

Result<void> ValidateAppId(const std::string& id) {
  if (id.size() != 12 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Error(ErrorCode::kNotFound, "no such app '" + id.substr(0, 40) + "'");
  return Ok();
}

std::string AppRecordPath(const AppTarget& t, const std::string& app_id) {
  return t.state_dir + "/" + app_id + ".json";
}

nlohmann::json AppToJson(const AppRecord& r) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : r.entries)
    entries.push_back({{"name", e.name}, {"exec", e.exec}, {"icon", e.icon}});
  return {
      {"id", r.id},           {"name", r.name},   {"type", r.type},           {"file", r.file},
      {"machine", r.machine}, {"bytes", r.bytes}, {"installed", r.installed}, {"entries", entries}};
}

Result<AppRecord> AppFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Error(ErrorCode::kInternal, "app record is not an object");
  AppRecord r;
  r.id = j.value("id", "");
  r.name = j.value("name", "");
  r.type = j.value("type", "");
  r.file = j.value("file", "");
  r.machine = j.value("machine", "");
  r.bytes = j.value("bytes", uint64_t{0});
  r.installed = j.value("installed", int64_t{0});
  if (j.contains("entries") && j["entries"].is_array())
    for (const auto& e : j["entries"])
      r.entries.push_back({e.value("name", ""), e.value("exec", ""), e.value("icon", "")});
  return r;
}

void AppService::SetPhase(const std::string& id, const std::string& phase) {
  std::lock_guard lock(mu_);
  auto it = installing_.find(id);
  if (it != installing_.end()) it->second.phase = phase;
}

std::optional<InstallStatus> AppService::Status(const std::string& instance_id) const {
  std::lock_guard lock(mu_);
  auto it = installing_.find(instance_id);
  if (it == installing_.end()) return std::nullopt;
  return it->second;
}

Result<AppRecord> AppService::Install(const AppTarget& t, const std::string& upload,
                                      const std::string& file_name, std::chrono::seconds timeout) {
  struct stat st;
  if (upload.empty() || stat(upload.c_str(), &st) != 0)
    return Error(ErrorCode::kInvalidArgument, "no file was uploaded");
  VMI_CHECK_OK(NeedRunning(t), "install");
  {
    std::lock_guard lock(mu_);
    if (installing_.count(t.id))
      return Error(ErrorCode::kAborted,
                   "another app is being installed into '" + t.name + "'; retry when it is done");
    installing_[t.id] = {file_name, "checking", static_cast<uint64_t>(st.st_size), time(nullptr)};
  }
  struct Done {
    AppService* s;
    std::string id;
    ~Done() {
      std::lock_guard lock(s->mu_);
      s->installing_.erase(id);
    }
  } done{this, t.id};

  // Quota: what is installed plus this upload.
  uint64_t used = 0;
  for (const auto& a : VMI_TRY(List(t))) used += a.bytes;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (used + size > options_.quota_bytes)
    return Error(ErrorCode::kResourceExhausted,
                 "'" + file_name + "' (" + std::to_string(size) +
                     " bytes) exceeds the app quota of '" + t.name + "' (" +
                     std::to_string(options_.quota_bytes - std::min(used, options_.quota_bytes)) +
                     " of " + std::to_string(options_.quota_bytes) + " bytes left)");
  VMI_CHECK_OK(MakeDirs(t.state_dir, 0700), "app records");
  std::string incoming = t.dev_dir + "/incoming";
  VMI_CHECK_OK(MakeDirs(incoming, 0755), "staging");
  auto checked = VMI_TRY(CheckUpload(t, upload, file_name, incoming, options_.quota_bytes - used));

  AppRecord rec;
  rec.id = NewId();
  rec.name = checked.name;
  rec.type = checked.type;
  rec.file = file_name.substr(file_name.find_last_of('/') + 1);
  rec.machine = checked.machine;
  rec.bytes = size;
  rec.installed = time(nullptr);

  // Stage it where the guest can read it (the device dir is /run/vmi).
  std::string staged_name = rec.id + checked.ext;
  std::string staged = incoming + "/" + staged_name;
  if (rename(upload.c_str(), staged.c_str()) != 0) {
    // Another file system: copy (the caller removes the spool file).
    auto copied = RunChecked({"cp", "--", upload, staged}, {}, std::chrono::minutes(10));
    if (!copied.ok()) return std::move(copied).error().Context("stage upload");
  }
  chmod(staged.c_str(), 0644);
  struct Unstage {
    std::string path;
    ~Unstage() { unlink(path.c_str()); }
  } unstage{staged};

  SetPhase(t.id, "installing");
  auto limit = timeout.count() > 0 ? timeout : options_.install_timeout;
  std::string display = rec.type == "binary" ? DisplayNameFromFile(rec.file) : rec.name;
  std::vector<std::string> argv = {kGuestTool,
                                   "install",
                                   rec.type,
                                   rec.id,
                                   std::string(kGuestIncoming) + "/" + staged_name,
                                   display,
                                   checked.installer,
                                   std::to_string(limit.count())};
  auto out = t.exec(argv, std::chrono::duration_cast<std::chrono::milliseconds>(limit) +
                              std::chrono::seconds(30));
  auto undo = [&] { (void)t.exec({kGuestTool, "rm", rec.id}, std::chrono::seconds(30)); };
  if (!out.ok()) {
    undo();
    return std::move(out).error().Context("install '" + file_name + "' into '" + t.name + "'");
  }
  if (!Succeeded(*out)) {
    undo();
    ErrorCode code = WIFEXITED(out->status) && WEXITSTATUS(out->status) == 124
                         ? ErrorCode::kDeadlineExceeded
                         : ErrorCode::kInvalidArgument;
    return Error(code, "install '" + file_name + "' into '" + t.name + "': " + Reason(*out));
  }
  SetPhase(t.id, "registering");
  // The guest reports one line per app grid entry: "app\tname\texec\ticon".
  std::istringstream lines(out->out);
  std::string line;
  while (std::getline(lines, line)) {
    auto f = Split(line, '\t');
    if (f.size() == 4 && f[0] == "app") rec.entries.push_back({f[1], f[2], f[3]});
  }
  if (rec.entries.empty()) {
    undo();
    return Error(
        ErrorCode::kInvalidArgument,
        "install '" + file_name + "': it installed no program that can be shown as an app");
  }
  if (rec.type != "exe" && rec.type != "binary" && !rec.entries.empty())
    rec.name = rec.entries[0].name;
  auto saved = WriteFileAtomic(AppRecordPath(t, rec.id), AppToJson(rec).dump(2) + "\n", 0600);
  if (!saved.ok()) {
    undo();
    return std::move(saved).error().Context("record app");
  }
  return rec;
}

Result<std::vector<AppRecord>> AppService::List(const AppTarget& t) const {
  std::vector<AppRecord> out;
  if (!IsDirectory(t.state_dir)) return out;
  for (const auto& name : VMI_TRY(ListDirectory(t.state_dir))) {
    if (!name.ends_with(".json")) continue;
    auto text = ReadFile(t.state_dir + "/" + name, 1 << 20);
    if (!text.ok()) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    auto r = AppFromJson(j);
    if (r.ok()) out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const AppRecord& a, const AppRecord& b) {
    return a.installed != b.installed ? a.installed < b.installed : a.id < b.id;
  });
  return out;
}

Result<void> AppService::Remove(const AppTarget& t, const std::string& app_id) {
  VMI_CHECK_OK(ValidateAppId(app_id), "remove app");
  std::string path = AppRecordPath(t, app_id);
  if (!PathExists(path))
    return Error(ErrorCode::kNotFound, "no such app '" + app_id + "' in '" + t.name + "'");
  VMI_CHECK_OK(NeedRunning(t), "remove app");
  auto out =
      VMI_TRY_CTX(t.exec({kGuestTool, "rm", app_id}, std::chrono::seconds(60)), "remove app");
  if (!Succeeded(out))
    return Error(ErrorCode::kInternal, "remove app '" + app_id + "': " + Reason(out));
  if (unlink(path.c_str()) != 0) return Error::FromErrno("remove " + path);
  return Ok();
}

Result<void> AppService::Start(const AppTarget& t, const std::string& app_id, size_t entry) {
  VMI_CHECK_OK(ValidateAppId(app_id), "start app");
  std::string path = AppRecordPath(t, app_id);
  auto text = ReadFile(path, 1 << 20);
  if (!text.ok())
    return Error(ErrorCode::kNotFound, "no such app '" + app_id + "' in '" + t.name + "'");
  auto rec = VMI_TRY(AppFromJson(nlohmann::json::parse(*text, nullptr, false)));
  if (entry >= rec.entries.size())
    return Error(ErrorCode::kInvalidArgument,
                 "app '" + rec.name + "' has " + std::to_string(rec.entries.size()) + " entries");
  VMI_CHECK_OK(NeedRunning(t), "start app");
  auto out =
      VMI_TRY_CTX(t.exec({kGuestTool, "start", rec.entries[entry].exec}, std::chrono::seconds(30)),
                  "start app");
  if (!Succeeded(out))
    return Error(ErrorCode::kInternal, "start app '" + rec.name + "': " + Reason(out));
  return Ok();
}

}  // namespace vmi::apps
