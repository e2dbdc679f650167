// Context: what every client subcommand of `vmi` shares - the global
// options, where the daemon is, which token to send, how failures become
// exit codes, and the one action the parsed command line chose.
//
// The CLI is only a client of the daemon's REST API (docs/api.md): each
// subcommand is one or a few calls, and printing is its only logic.
//
// Server, first match wins: --server, $VMI_SERVER, the server of the last
// `vmi login` (credentials file), the local node's Unix socket.
// Token, first match wins: --token, $VMI_TOKEN, the credentials file's token
// for that server, none (root on the local socket needs none).
//
// Ownership: one Context per process, created by main() and outliving the
// parse; subcommands keep their option storage in it (Keep<T>()).
// Threads: single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::api {
class HttpClient;
}

namespace vmi::cli {

using Json = nlohmann::json;

// Exit codes, documented in `vmi --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // the server or the system said no
inline constexpr int kExitUsage = 2;  // the command line is wrong
inline constexpr int kExitTruncated = 3;  // `vmi exec`: output beyond --max-output was cut

inline constexpr const char* kLocalServer = "unix:///run/vmi/api.sock";

struct GlobalOptions {
  std::string server;     // --server; empty: see Context::Server()
  std::string token;      // --token; empty: see Context::Token()
  bool json = false;      // print raw JSON
  std::string ca_file;    // PEM bundle for https servers
  bool insecure = false;  // https without certificate verification
};

class Context {
 public:
  GlobalOptions g;
  // The chosen subcommand's action; returns the exit code.
  std::function<int()> run;

  // The server this invocation talks to (normalized, see NormalizeServer).
  std::string Server() const;
  // The token to send to Server(), or empty.
  std::string Token() const;
  // Path of the credentials file ($XDG_CONFIG_HOME/vmi/credentials).
  std::string CredentialsPath() const;

  // Opens a client of Server() with Token() (`with_token` false: none, for
  // logging in with a password).
  Result<std::unique_ptr<api::HttpClient>> Connect(
      bool with_token = true, std::chrono::seconds timeout = std::chrono::seconds(120)) const;
  // Connects, runs fn, and turns its failure into a message and exit code.
  int With(const std::function<Result<void>(api::HttpClient&)>& fn) const;

  // Makes `sub`, when chosen, run `action`.
  void On(CLI::App* sub, std::function<int()> action);

  // Storage for a subcommand's options that lives as long as the Context.
  template <typename T>
  T& Keep() {
    auto p = std::make_shared<T>();
    // shared_ptr<void> only for type erasure of differently typed holders.
    kept_.push_back(p);
    return *p;
  }

 private:
  std::vector<std::shared_ptr<void>> kept_;
};

// Prints "vmi: <error>" (with a hint for authentication failures) and
// returns kExitError.
int Fail(const Error& e);
// For a failed Connect(): a malformed server address is a usage error.
int FailConnect(const Error& e);
// Prints "vmi: <message>" and returns kExitUsage.
int UsageError(const std::string& message);

// Printing helpers.
void PrintJson(const Json& j);
// The field as text: strings unquoted, null/absent as "-" , others dumped.
std::string Field(const Json& j, const char* key);
// 1073741824 -> "1G", 536870912 -> "512M", 153282 -> "149K".
std::string HumanBytes(int64_t bytes);
// A quota ({"limits":{...},"used":{...}}) as a RESOURCE/USED/LIMIT table.
void PrintQuota(const Json& quota);
// Percent-encodes everything but [A-Za-z0-9-_.~], for a query value or a
// path segment.
std::string QueryEscape(const std::string& s);
// Unix seconds -> "2024-05-01 12:00:00" (local time); 0/null -> "-".
std::string FormatTime(const Json& seconds);

// The user (JSON of GET /api/v1/users/{id}) named `name_or_id`: a name
// first, else a numeric id. Admin only (it lists users). In user_commands.cc.
Result<Json> FindUser(api::HttpClient& c, const std::string& name_or_id);

// Adders, one per command family (each in its own .cc).
// POST /api/v1/batch with `body` and one line per instance (print_ok, if
// given, prints an exec's result); the exit code is 1 when any instance
// failed or none matched. instance_commands.cc
int RunBatch(Context& ctx, Json body,
             const std::function<void(const Json&)>& print_ok = nullptr);

void AddInstanceCommands(CLI::App& app, Context& ctx);  // instance_commands.cc
void AddImageCommands(CLI::App& app, Context& ctx);     // instance_commands.cc
void AddAuthCommands(CLI::App& app, Context& ctx);      // auth_commands.cc
void AddTokenCommands(CLI::App& app, Context& ctx);     // auth_commands.cc
void AddUserCommands(CLI::App& app, Context& ctx);      // user_commands.cc
void AddAdminCommands(CLI::App& app, Context& ctx);     // admin_commands.cc
void AddLiveCommands(CLI::App& app, Context& ctx);      // live_commands.cc
void AddPhoneCommands(CLI::App& app, Context& ctx);     // phone_commands.cc
void AddAppCommands(CLI::App& app, Context& ctx);       // app_commands.cc
void AddDeviceCommands(CLI::App& app, Context& ctx);    // device_commands.cc
void AddFileCommands(CLI::App& app, Context& ctx);      // file_commands.cc
void AddInputCommands(CLI::App& app, Context& ctx);     // input_commands.cc

}  // namespace vmi::cli
