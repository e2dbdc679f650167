// vmi app install | ls | rm | start: the app API (docs/apps.md).
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "api/http/client.h"
#include "cli/context.h"
#include "cli/table.h"

namespace vmi::cli {
namespace {

struct AppArgs {
  std::string id, file, app;
  int timeout_s = 0;
  int entry = 0;
};

std::string AppsPath(const std::string& id) { return "/api/v1/instances/" + id + "/apps"; }

}  // namespace

void AddAppCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<AppArgs>();
  auto* apps = app.add_subcommand("app", "Install, list, remove and start apps in an instance");
  apps->require_subcommand(1);

  auto* install = apps->add_subcommand(
      "install", "Install a file: .exe/.msi/.zip (win32), .deb or a binary (linux-mobile, phone), .apk");
  install->add_option("id", a.id, "Instance id or name")->required();
  install->add_option("file", a.file, "The file to upload")->required()->check(CLI::ExistingFile);
  install->add_option("--timeout", a.timeout_s, "Kill an installer after this many seconds");
  ctx.On(install, [&] {
    return ctx.With([&](api::HttpClient&) -> Result<void> {
      // A client of its own: installers may run for minutes.
      auto c = VMI_TRY(ctx.Connect(true, std::chrono::seconds(3700)));
      std::string name = a.file.substr(a.file.find_last_of('/') + 1);
      std::string target = AppsPath(a.id) + "?file=" + QueryEscape(name);
      if (a.timeout_s > 0) target += "&timeout_s=" + std::to_string(a.timeout_s);
      bool tty = isatty(STDERR_FILENO);
      int last_pct = -1;
      auto progress = [&](uint64_t sent, uint64_t total) {
        int pct = total ? static_cast<int>(sent * 100 / total) : 100;
        if (pct == last_pct) return;
        last_pct = pct;
        if (tty || pct == 100)
          fprintf(stderr, "%suploading: %llu/%llu bytes (%d%%)%s", tty ? "\r" : "",
                  static_cast<unsigned long long>(sent), static_cast<unsigned long long>(total),
                  pct, pct == 100 ? "\n" : "");
      };
      auto r = VMI_TRY(c->Upload("POST", target, a.file, progress));
      if (r.status / 100 != 2) return api::ErrorFromResponse(r);
      Json j = Json::parse(r.body, nullptr, false);
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      fprintf(stderr, "installed: %s\n", Field(j, "name").c_str());
      std::cout << Field(j, "id") << "\n";
      return Ok();
    });
  });

  auto* ls = apps->add_subcommand("ls", "List the apps installed in an instance");
  ls->add_option("id", a.id, "Instance id or name")->required();
  ctx.On(ls, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", AppsPath(a.id)));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      Table t({"ID", "NAME", "TYPE", "MACHINE", "FILE", "SIZE"});
      for (const auto& x : j.value("apps", Json::array()))
        t.Add({Field(x, "id"), Field(x, "name"), Field(x, "type"), Field(x, "machine"),
               Field(x, "file"), HumanBytes(x.value("bytes", int64_t{0}))});
      std::cout << t.Render();
      const Json& in = j.value("install", Json());
      if (in.is_object())
        std::cout << "installing " << Field(in, "file") << ": " << Field(in, "phase") << "\n";
      return Ok();
    });
  });

  auto* rm = apps->add_subcommand("rm", "Remove an app from an instance");
  rm->add_option("id", a.id, "Instance id or name")->required();
  rm->add_option("app", a.app, "App id")->required();
  ctx.On(rm, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      VMI_TRY(c.Call("DELETE", AppsPath(a.id) + "/" + a.app));
      std::cout << a.app << "\n";
      return Ok();
    });
  });

  auto* start = apps->add_subcommand("start", "Start an installed app (full screen)");
  start->add_option("id", a.id, "Instance id or name")->required();
  start->add_option("app", a.app, "App id")->required();
  start->add_option("--entry", a.entry, "Which of the app's entries (0: the first)");
  ctx.On(start, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      VMI_TRY(
          c.Call("POST", AppsPath(a.id) + "/" + a.app + "/start?entry=" + std::to_string(a.entry)));
      std::cout << a.app << "\n";
      return Ok();
    });
  });
}

}  // namespace vmi::cli
