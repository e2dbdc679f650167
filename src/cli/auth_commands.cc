// vmi login | logout | whoami, vmi token create | ls | rm.
//
// `vmi login` trades a password for an API token: it opens a console
// session (POST /api/v1/auth/login), creates a token with it
// (POST /api/v1/tokens, sending the session cookie and its CSRF token), ends
// the session, and stores the token in the credentials file. The password is
// never stored.
#include <unistd.h>

#include <ctime>
#include <iostream>

#include "api/http/client.h"
#include "cli/context.h"
#include "cli/credentials.h"
#include "cli/password_prompt.h"
#include "cli/table.h"

namespace vmi::cli {

namespace {

struct LoginArgs {
  std::string name = "admin";
  std::string token_name;
  int64_t ttl_seconds = 0;
};

struct TokenArgs {
  std::string name;
  int64_t ttl_seconds = 0;
  bool all = false;
  std::vector<int64_t> ids;
};

// "cli-<hostname>", reduced to the characters a token name may hold.
std::string DefaultTokenName() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string name = "cli-";
  for (const char* p = host; *p && name.size() < 64; ++p) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    name += ok ? c : '-';
  }
  return name;
}

// "vmi_session=abc; Path=/; HttpOnly" -> "vmi_session=abc".
std::string CookiePair(std::string_view set_cookie) {
  return std::string(set_cookie.substr(0, set_cookie.find(';')));
}

std::string TokenState(const Json& t) {
  if (t.contains("revoked_at") && !t["revoked_at"].is_null()) return "revoked";
  if (t.contains("expires_at") && t["expires_at"].is_number() &&
      t["expires_at"].get<int64_t>() <= static_cast<int64_t>(time(nullptr)))
    return "expired";
  return "active";
}

// The password login: session -> token -> end of session.
Result<Json> LoginForToken(api::HttpClient& c, const LoginArgs& a, const std::string& password) {
  Json creds = {{"name", a.name}, {"password", password}};
  auto r = VMI_TRY(c.Send("POST", "/api/v1/auth/login", creds.dump()));
  if (r.status / 100 != 2) return api::ErrorFromResponse(r).Context("log in as " + a.name);
  Json me = Json::parse(r.body, nullptr, false);
  auto set_cookie = r.headers.Get("Set-Cookie");
  if (!set_cookie || !me.is_object() || !me.contains("csrf_token"))
    return Error(ErrorCode::kInternal, "log in: the server sent no session");
  api::Headers session;
  session.Add("Cookie", CookiePair(*set_cookie));
  session.Add("X-CSRF-Token", me["csrf_token"].get<std::string>());

  Json req = {{"name", a.token_name.empty() ? DefaultTokenName() : a.token_name}};
  if (a.ttl_seconds > 0) req["ttl_seconds"] = a.ttl_seconds;
  auto t = VMI_TRY(c.Send("POST", "/api/v1/tokens", req.dump(), "application/json", session));
  // The session has served its purpose whatever happened to the token.
  (void)c.Send("POST", "/api/v1/auth/logout", "", "application/json", session);
  if (t.status / 100 != 2) return api::ErrorFromResponse(t).Context("create an API token");
  Json token = Json::parse(t.body, nullptr, false);
  if (!token.is_object() || !token.contains("token"))
    return Error(ErrorCode::kInternal, "create an API token: malformed answer");
  token["user"] = me.value("name", a.name);
  token["role"] = me.value("role", "");
  return token;
}

// Revokes a token with itself as the credential; a token the server no
// longer accepts (revoked, expired, unknown) counts as gone.
Result<bool> RevokeWithSelf(const Context& ctx, const StoredLogin& login) {
  api::ClientOptions o;
  o.server = ctx.Server();
  o.token = login.token;
  o.ca_file = ctx.g.ca_file;
  o.insecure = ctx.g.insecure;
  auto c = VMI_TRY_CTX(api::HttpClient::Create(o), "connect to " + o.server);
  auto r = c->Call("DELETE", "/api/v1/tokens/" + std::to_string(login.token_id));
  if (r.ok()) return true;
  if (r.error().code() == ErrorCode::kUnauthenticated || r.error().code() == ErrorCode::kNotFound)
    return false;
  return std::move(r).error();
}

int Login(Context& ctx, const LoginArgs& a) {
  std::string server = ctx.Server();
  auto store = Credentials::Load(ctx.CredentialsPath());
  if (!store.ok()) return Fail(store.error());
  PasswordSource source;
  source.prompt = "Password for " + a.name + " on " + server + ": ";
  auto pw = ReadPassword(source);
  if (!pw.ok()) return Fail(pw.error());
  auto c = ctx.Connect(/*with_token=*/false);
  if (!c.ok()) return FailConnect(c.error());
  auto token = LoginForToken(**c, a, *pw);
  if (!token.ok()) return Fail(token.error());

  // A previous login of the same user on this server is replaced: its token
  // is revoked rather than left behind unused.
  if (auto old = store->Get(server); old && old->user == (*token)["user"].get<std::string>()) {
    auto revoked = RevokeWithSelf(ctx, *old);
    if (!revoked.ok())
      std::cerr << "vmi: warning: previous token " << old->token_id
                << " not revoked: " << revoked.error().ToString() << "\n";
  }
  StoredLogin login;
  login.token = (*token)["token"].get<std::string>();
  login.token_id = token->value("id", int64_t{0});
  login.user = (*token)["user"].get<std::string>();
  login.created_at = token->value("created_at", int64_t{0});
  store->Put(server, login);
  store->set_current(server);
  auto saved = store->Save();
  if (!saved.ok()) {
    // Not stored: do not leave a token nobody holds.
    RevokeWithSelf(ctx, login).ok();
    return Fail(saved.error());
  }
  if (ctx.g.json) {
    token->erase("token");
    (*token)["server"] = server;
    (*token)["credentials"] = store->path();
    PrintJson(*token);
  } else {
    std::cout << "Logged in to " << server << " as " << login.user;
    if (!Field(*token, "role").empty() && Field(*token, "role") != "-")
      std::cout << " (" << Field(*token, "role") << ")";
    std::cout << "; token " << login.token_id << " stored in " << store->path() << "\n";
  }
  return kExitOk;
}

int Logout(Context& ctx) {
  std::string server = ctx.Server();
  auto store = Credentials::Load(ctx.CredentialsPath());
  if (!store.ok()) return Fail(store.error());
  auto login = store->Get(server);
  if (!login) {
    return Fail(
        Error(ErrorCode::kFailedPrecondition,
              "not logged in to " + server + " (no token stored in " + store->path() + ")"));
  }
  auto revoked = RevokeWithSelf(ctx, *login);
  if (!revoked.ok()) {
    // Unreachable server: keep the token, so a later logout can revoke it.
    return Fail(
        std::move(revoked).error().Context("revoke token " + std::to_string(login->token_id)));
  }
  store->Remove(server);
  auto saved = store->Save();
  if (!saved.ok()) return Fail(saved.error());
  std::cout << "Logged out of " << server
            << (*revoked ? "; token " + std::to_string(login->token_id) + " revoked"
                         : "; the server no longer accepted the token")
            << "\n";
  return kExitOk;
}

}  // namespace

void AddAuthCommands(CLI::App& app, Context& ctx) {
  auto& la = ctx.Keep<LoginArgs>();
  auto* login = app.add_subcommand(
      "login",
      "Log in (password: $VMI_PASSWORD, a prompt or a stdin line); store a token for the server");
  login->add_option("--name", la.name, "User name")->capture_default_str();
  login->add_option("--token-name", la.token_name,
                    "Name of the created token (default: cli-<host>)");
  login->add_option("--ttl", la.ttl_seconds, "Token lifetime in seconds (0: no expiry)")
      ->check(CLI::NonNegativeNumber);
  ctx.On(login, [&] { return Login(ctx, la); });

  auto* logout =
      app.add_subcommand("logout", "Revoke the stored token of the server and forget it");
  ctx.On(logout, [&] { return Logout(ctx); });

  auto* whoami = app.add_subcommand("whoami", "Show who the server thinks you are, and your quota");
  ctx.On(whoami, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json me = VMI_TRY(c.Call("GET", "/api/v1/auth/me"));
      if (ctx.g.json) {
        me.erase("csrf_token");
        PrintJson(me);
        return Ok();
      }
      std::cout << Field(me, "name") << " (" << Field(me, "role") << ", id " << Field(me, "id")
                << ") on " << ctx.Server() << " by " << Field(me, "auth_method") << "\n";
      if (me.contains("quota")) PrintQuota(me["quota"]);
      return Ok();
    });
  });
}

void AddTokenCommands(CLI::App& app, Context& ctx) {
  auto& ta = ctx.Keep<TokenArgs>();
  auto* token =
      app.add_subcommand("token", "Manage API tokens (for scripts: --token / $VMI_TOKEN)");
  token->require_subcommand(1);

  auto* create = token->add_subcommand("create", "Create a token; prints it once");
  create->add_option("name", ta.name, "Token name")->required();
  create->add_option("--ttl", ta.ttl_seconds, "Lifetime in seconds (0: no expiry)")
      ->check(CLI::NonNegativeNumber);
  ctx.On(create, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json body = {{"name", ta.name}};
      if (ta.ttl_seconds > 0) body["ttl_seconds"] = ta.ttl_seconds;
      Json t = VMI_TRY(c.Call("POST", "/api/v1/tokens", &body));
      if (ctx.g.json) {
        PrintJson(t);
        return Ok();
      }
      std::cerr << "token " << Field(t, "id") << " '" << Field(t, "name") << "' expires "
                << (t["expires_at"].is_null() ? "never" : FormatTime(t["expires_at"]))
                << "; it is shown only now:\n";
      std::cout << Field(t, "token") << "\n";
      return Ok();
    });
  });

  auto* ls = token->add_subcommand("ls", "List your tokens (admin: --all for everyone's)");
  ls->add_flag("--all", ta.all, "Every user's tokens (admin)");
  ctx.On(ls, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", std::string("/api/v1/tokens") + (ta.all ? "?all=true" : "")));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      Table t({"ID", "NAME", "USER_ID", "PREFIX", "STATE", "CREATED", "EXPIRES", "LAST_USED"});
      for (const auto& k : j.value("tokens", Json::array())) {
        t.Add({Field(k, "id"), Field(k, "name"), Field(k, "user_id"), Field(k, "prefix"),
               TokenState(k), FormatTime(k.value("created_at", Json())),
               FormatTime(k.value("expires_at", Json())),
               FormatTime(k.value("last_used_at", Json()))});
      }
      std::cout << t.Render();
      return Ok();
    });
  });

  auto* rm = token->add_subcommand("rm", "Revoke tokens (yours; an admin: anyone's)");
  rm->add_option("ids", ta.ids, "Token ids (see `vmi token ls`)")
      ->required()
      ->check(CLI::PositiveNumber);
  ctx.On(rm, [&] {
    int rc = kExitOk;
    for (int64_t id : ta.ids) {
      int r = ctx.With([&](api::HttpClient& c) -> Result<void> {
        VMI_CHECK_OK(c.Call("DELETE", "/api/v1/tokens/" + std::to_string(id)),
                     "revoke token " + std::to_string(id));
        std::cout << id << "\n";
        return Ok();
      });
      rc = std::max(rc, r);
      if (r != kExitOk) continue;
      // A revoked token that this CLI had stored is forgotten too.
      auto store = Credentials::Load(ctx.CredentialsPath());
      if (store.ok()) {
        auto login = store->Get(ctx.Server());
        if (login && login->token_id == id) {
          store->Remove(ctx.Server());
          store->Save().ok();
        }
      }
    }
    return rc;
  });
}

}  // namespace vmi::cli
