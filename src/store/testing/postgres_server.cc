#include "store/testing/postgres_server.h"

#include <glob.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "base/child_process.h"
#include "base/file.h"
#include "base/log.h"
#include "base/temp_dir.h"
#include "store/database.h"

namespace vmi::store::testing {

namespace {

// The newest installed server, e.g. /usr/lib/postgresql/15/bin.
Result<std::string> FindBinDir() {
  glob_t g{};
  std::vector<std::string> found;
  if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) found.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  if (found.empty()) {
    return Error(ErrorCode::kUnavailable,
                 "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install "
                 "postgresql)");
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    return atoi(a.c_str() + strlen("/usr/lib/postgresql/")) <
           atoi(b.c_str() + strlen("/usr/lib/postgresql/"));
  });
  std::string initdb = found.back();
  return initdb.substr(0, initdb.rfind('/'));
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->bin_ = VMI_TRY(FindBinDir());
  s->dir_ = VMI_TRY(TempDir::Create("vmi-pg")).Release();
  if (geteuid() == 0) {
    struct passwd* pw = getpwnam("postgres");
    if (!pw) return Error(ErrorCode::kUnavailable, "no `postgres` user to run the server as");
    if (chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Error::FromErrno("chown");
    s->run_as_ = "postgres";
  }
  auto as_user = [&](std::vector<std::string> argv) {
    if (!s->run_as_.empty()) argv.insert(argv.begin(), {"runuser", "-u", s->run_as_, "--"});
    return argv;
  };
  std::string data = s->dir_ + "/data";
  VMI_TRY_CTX(RunChecked(as_user({s->bin_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                                  "-E", "UTF8", "--no-sync"})),
              "initdb");
  VMI_TRY_CTX(RunChecked(as_user({s->bin_ + "/pg_ctl", "-D", data, "-l", s->dir_ + "/log", "-w",
                                  "-t", "60", "-o",
                                  "-k " + s->dir_ +
                                      " -c listen_addresses= -c fsync=off"
                                      " -c synchronous_commit=off -c full_page_writes=off"
                                      " -c max_connections=100",
                                  "start"})),
              "pg_ctl start (log in " + s->dir_ + "/log)");
  s->running_ = true;
  VMI_LOG(INFO) << "test PostgreSQL running in " << s->dir_;
  return s;
}

PostgresServer::~PostgresServer() {
  if (running_) {
    std::vector<std::string> argv = {bin_ + "/pg_ctl", "-D",  dir_ + "/data", "-w", "-m",
                                     "fast",           "stop"};
    if (!run_as_.empty()) argv.insert(argv.begin(), {"runuser", "-u", run_as_, "--"});
    auto r = RunChecked(argv);
    if (!r.ok()) VMI_LOG(WARN) << "stop test PostgreSQL: " << r.error().ToString();
  }
  if (!dir_.empty()) (void)RemoveTree(dir_);
}

Result<std::string> PostgresServer::CreateDatabase(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto url_of = [&](const std::string& db) {
    return "postgresql:///" + db + "?host=" + dir_ + "&user=postgres";
  };
  auto admin = VMI_TRY(Database::Open(url_of("postgres"), {.max_connections = 1}));
  VMI_TRY(admin->Exec("DROP DATABASE IF EXISTS \"" + name + "\""));
  VMI_TRY(admin->Exec("CREATE DATABASE \"" + name + "\""));
  return url_of(name);
}

PostgresServer* SharedPostgres() {
  static std::unique_ptr<PostgresServer> server;
  static std::once_flag once;
  std::call_once(once, [] {
    auto s = PostgresServer::Start();
    if (!s.ok()) {
      VMI_LOG(ERROR) << "cannot start test PostgreSQL: " << s.error().ToString();
      return;
    }
    server = std::move(*s);
  });
  return server.get();
}

Result<std::string> FreshDatabaseUrl(const std::string& backend) {
  static std::atomic<int> counter{0};
  int n = counter++;
  if (backend == "sqlite") {
    // The directory lives until the process exits; tests are short-lived.
    std::string dir = VMI_TRY(TempDir::Create("vmi-sqlite")).Release();
    static std::vector<std::string>* dirs = new std::vector<std::string>();
    dirs->push_back(dir);
    static struct Cleanup {
      ~Cleanup() {
        for (const auto& d : *dirs) (void)RemoveTree(d);
      }
    } cleanup;
    return "sqlite://" + dir + "/vmi.db";
  }
  PostgresServer* pg = SharedPostgres();
  if (!pg) return Error(ErrorCode::kUnavailable, "test PostgreSQL did not start");
  return pg->CreateDatabase("t" + std::to_string(getpid()) + "_" + std::to_string(n));
}

Result<std::unique_ptr<Database>> OpenFreshDatabase(const std::string& backend,
                                                    const Migrations& migrations) {
  std::string url = VMI_TRY(FreshDatabaseUrl(backend));
  std::unique_ptr<Database> db = VMI_TRY(Database::Open(url));
  VMI_CHECK_OK(migrations.Apply(*db), "migrating " + url);
  return db;
}

}  // namespace vmi::store::testing
