// vmi user ls | create | rm | passwd | set-role | disable | enable (admin,
// except `vmi user passwd` without a name: one's own password).
//
// New passwords come from $VMI_NEW_PASSWORD, a prompt asked twice, or one
// line of standard input; the current one (own password change) from
// $VMI_PASSWORD or a prompt.
#include <iostream>

#include "api/http/client.h"
#include "cli/context.h"
#include "cli/password_prompt.h"
#include "cli/quota_options.h"
#include "cli/table.h"

namespace vmi::cli {

namespace {

struct UserArgs {
  std::string name;
  std::vector<std::string> names;
  std::string role = "user";
  QuotaOptions quota;
};

std::string UserPath(const Json& user) { return "/api/v1/users/" + Field(user, "id"); }

// "used/limit" for one quota resource.
std::string UsedOf(const Json& user, const char* key) {
  if (!user.contains("quota")) return "-";
  const Json& q = user["quota"];
  std::string used = Field(q.value("used", Json::object()), key);
  const Json lim = q.value("limits", Json::object());
  std::string limit = lim.contains(key) && !lim[key].is_null() ? lim[key].dump() : "unlimited";
  return used + "/" + limit;
}

Result<std::string> NewPassword(const std::string& who) {
  PasswordSource s;
  s.env = "VMI_NEW_PASSWORD";
  s.prompt = "New password for " + who + ": ";
  s.confirm = true;
  return ReadPassword(s);
}

// PATCH /api/v1/users/{id} with `body`, printing the user's name.
int PatchUser(Context& ctx, const std::string& name, const std::function<Result<Json>()>& body) {
  return ctx.With([&](api::HttpClient& c) -> Result<void> {
    Json user = VMI_TRY(FindUser(c, name));
    Json b = VMI_TRY(body());
    Json updated = VMI_TRY_CTX(c.Call("PATCH", UserPath(user), &b), "update user " + name);
    if (ctx.g.json)
      PrintJson(updated);
    else
      std::cout << Field(updated, "name") << "\n";
    return Ok();
  });
}

}  // namespace

Result<Json> FindUser(api::HttpClient& c, const std::string& name_or_id) {
  Json j = VMI_TRY_CTX(c.Call("GET", "/api/v1/users"), "look up user " + name_or_id);
  const Json users = j.value("users", Json::array());
  for (const auto& u : users)
    if (Field(u, "name") == name_or_id) return u;
  for (const auto& u : users)
    if (Field(u, "id") == name_or_id) return u;
  return Error(ErrorCode::kNotFound, "no user '" + name_or_id + "'");
}

void AddUserCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<UserArgs>();
  auto* user = app.add_subcommand("user", "Manage users (admin)");
  user->require_subcommand(1);

  auto* ls = user->add_subcommand("ls", "List users with their quota usage");
  ctx.On(ls, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/users"));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      Table t({"ID", "NAME", "ROLE", "DISABLED", "INSTANCES", "CPUS", "MEMORY_MB", "CREATED"});
      for (const auto& u : j.value("users", Json::array())) {
        t.Add({Field(u, "id"), Field(u, "name"), Field(u, "role"),
               u.value("disabled", false) ? "yes" : "no", UsedOf(u, "instances"), UsedOf(u, "cpus"),
               UsedOf(u, "memory_mb"), FormatTime(u.value("created_at", Json()))});
      }
      std::cout << t.Render();
      return Ok();
    });
  });

  auto* create =
      user->add_subcommand("create", "Create a user (password from $VMI_NEW_PASSWORD or a prompt)");
  create->add_option("name", a.name, "User name")->required();
  create->add_option("--role", a.role, "user or admin")
      ->capture_default_str()
      ->check(CLI::IsMember({"user", "admin"}));
  AddQuotaOptions(create, a.quota);
  ctx.On(create, [&] {
    auto limits = a.quota.ToJson();
    if (!limits.ok()) return UsageError(limits.error().message());
    auto pw = NewPassword(a.name);
    if (!pw.ok()) return Fail(pw.error());
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json body = {{"name", a.name}, {"password", *pw}, {"role", a.role}};
      if (!limits->empty()) body["quota"] = *limits;
      Json u = VMI_TRY_CTX(c.Call("POST", "/api/v1/users", &body), "create user " + a.name);
      if (ctx.g.json)
        PrintJson(u);
      else
        std::cout << Field(u, "name") << " (id " << Field(u, "id") << ", " << Field(u, "role")
                  << ")\n";
      return Ok();
    });
  });

  auto* rm = user->add_subcommand("rm", "Delete users");
  rm->add_option("names", a.names, "User names or ids")->required();
  ctx.On(rm, [&] {
    int rc = kExitOk;
    for (const auto& name : a.names) {
      rc = std::max(rc, ctx.With([&](api::HttpClient& c) -> Result<void> {
        Json u = VMI_TRY(FindUser(c, name));
        VMI_CHECK_OK(c.Call("DELETE", UserPath(u)), "delete user " + name);
        std::cout << name << "\n";
        return Ok();
      }));
    }
    return rc;
  });

  auto* passwd = user->add_subcommand(
      "passwd", "Set a user's password (admin), or without a name change your own");
  passwd->add_option("name", a.name, "User name or id (admin)");
  ctx.On(passwd, [&] {
    if (!a.name.empty()) {
      return PatchUser(ctx, a.name, [&]() -> Result<Json> {
        return Json{{"password", VMI_TRY(NewPassword(a.name))}};
      });
    }
    PasswordSource current;
    current.prompt = "Current password: ";
    auto cur = ReadPassword(current);
    if (!cur.ok()) return Fail(cur.error());
    auto next = NewPassword("you");
    if (!next.ok()) return Fail(next.error());
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json body = {{"current_password", *cur}, {"new_password", *next}};
      VMI_CHECK_OK(c.Call("POST", "/api/v1/auth/password", &body), "change password");
      std::cout << "password changed\n";
      return Ok();
    });
  });

  auto* set_role = user->add_subcommand("set-role", "Make a user an admin or a plain user");
  set_role->add_option("name", a.name, "User name or id")->required();
  set_role->add_option("role", a.role, "user or admin")
      ->required()
      ->check(CLI::IsMember({"user", "admin"}));
  ctx.On(set_role, [&] {
    return PatchUser(ctx, a.name, [&]() -> Result<Json> { return Json{{"role", a.role}}; });
  });

  for (bool disable : {true, false}) {
    auto* s = user->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Disable a user: no login, tokens refused" : "Enable a disabled user");
    s->add_option("name", a.name, "User name or id")->required();
    ctx.On(s, [&ctx, &a, disable] {
      return PatchUser(ctx, a.name, [disable]() -> Result<Json> {
        return Json{{"disabled", disable}};
      });
    });
  }
}

}  // namespace vmi::cli
