#include "cli/context.h"

#include <time.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "api/http/client.h"
#include "cli/credentials.h"
#include "cli/table.h"

namespace vmi::cli {

namespace {

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// The credentials file, or an empty store when it cannot be read (a broken
// file must not lock anyone out of the local socket; `vmi login` reports it).
Credentials LoadOrEmpty(const std::string& path) {
  auto c = Credentials::Load(path);
  if (!c.ok()) {
    std::cerr << "vmi: warning: " << c.error().ToString() << "\n";
    return Credentials();
  }
  return std::move(*c);
}

}  // namespace

std::string Context::CredentialsPath() const { return Credentials::DefaultPath(); }

std::string Context::Server() const {
  if (!g.server.empty()) return NormalizeServer(g.server);
  if (const char* s = Env("VMI_SERVER")) return NormalizeServer(s);
  Credentials c = LoadOrEmpty(CredentialsPath());
  if (!c.current().empty()) return c.current();
  return kLocalServer;
}

std::string Context::Token() const {
  if (!g.token.empty()) return g.token;
  if (const char* t = Env("VMI_TOKEN")) return t;
  Credentials c = LoadOrEmpty(CredentialsPath());
  if (auto login = c.Get(Server())) return login->token;
  return "";
}

Result<std::unique_ptr<api::HttpClient>> Context::Connect(bool with_token,
                                                          std::chrono::seconds timeout) const {
  api::ClientOptions o;
  o.server = Server();
  if (with_token) o.token = Token();
  o.ca_file = g.ca_file;
  o.insecure = g.insecure;
  o.timeout = timeout;
  auto c = api::HttpClient::Create(o);
  if (!c.ok()) return std::move(c).error().Context("connect to " + o.server);
  return c;
}

int Context::With(const std::function<Result<void>(api::HttpClient&)>& fn) const {
  auto c = Connect();
  if (!c.ok()) return FailConnect(c.error());
  auto r = fn(**c);
  if (!r.ok()) return Fail(r.error());
  return kExitOk;
}

void Context::On(CLI::App* sub, std::function<int()> action) {
  // CLI11 calls a subcommand's callback before its parent's: the most
  // specific command given is the one that runs (`vmi device ID battery`,
  // not `vmi device ID`).
  sub->callback([this, action = std::move(action)] {
    if (!run) run = action;
  });
}

int Fail(const Error& e) {
  // The server's code is stable and scriptable; the message says why.
  std::cerr << "vmi: " << e.ToString();
  if (e.code() != ErrorCode::kUnknown) std::cerr << " (" << ErrorCodeName(e.code()) << ")";
  std::cerr << "\n";
  if (e.code() == ErrorCode::kUnauthenticated) {
    std::cerr << "vmi: log in with `vmi login --server URL`, or pass --token / $VMI_TOKEN\n";
  }
  return kExitError;
}

int FailConnect(const Error& e) {
  // A server address the client cannot even parse is a command-line mistake.
  if (e.code() == ErrorCode::kInvalidArgument) return UsageError(e.ToString());
  return Fail(e);
}

int UsageError(const std::string& message) {
  std::cerr << "vmi: " << message << "\nRun with --help for more information.\n";
  return kExitUsage;
}

void PrintJson(const Json& j) { std::cout << j.dump(2) << "\n"; }

std::string Field(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "-";
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

std::string HumanBytes(int64_t bytes) {
  char buf[32];
  if (bytes >= (int64_t{1} << 30) && bytes % (int64_t{1} << 30) == 0) {
    snprintf(buf, sizeof buf, "%lldG", static_cast<long long>(bytes >> 30));
  } else if (bytes >= (int64_t{1} << 20)) {
    snprintf(buf, sizeof buf, "%lldM", static_cast<long long>(bytes >> 20));
  } else if (bytes >= 1024) {
    snprintf(buf, sizeof buf, "%lldK", static_cast<long long>(bytes >> 10));
  } else {
    snprintf(buf, sizeof buf, "%lld", static_cast<long long>(bytes));
  }
  return buf;
}

std::string FormatTime(const Json& seconds) {
  if (!seconds.is_number()) return "-";
  time_t t = static_cast<time_t>(seconds.get<double>());
  if (t <= 0) return "-";
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

void PrintQuota(const Json& q) {
  const Json lim = q.value("limits", Json::object());
  const Json used = q.value("used", Json::object());
  auto limit = [&](const char* k) {
    return lim.contains(k) && !lim[k].is_null() && !(lim[k].is_number() && lim[k].get<double>() < 0)
               ? lim[k].dump()
               : std::string("unlimited");
  };
  Table t({"RESOURCE", "USED", "LIMIT"});
  t.Add({"instances", Field(used, "instances"), limit("instances")});
  t.Add({"cpus", Field(used, "cpus"), limit("cpus")});
  t.Add({"memory_mb", Field(used, "memory_mb"), limit("memory_mb")});
  std::cout << t.Render();
}

std::string QueryEscape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace vmi::cli
