#include "guest/init/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vmi::guest {
namespace {

using std::chrono::milliseconds;

Environment Env() {
  return {{"VMI_WIDTH", "720"}, {"VMI_HEIGHT", "1280"}, {"VMI_DPI", "320"},
          {"VMI_DEVDIR", "/run/vmi"}, {"VMI_INSTANCE", "a1"}};
}

constexpr char kSession[] = R"({
  "version": 1,
  "env": {"DISPLAY": ":0", "SCREEN": "${VMI_WIDTH}x${VMI_HEIGHT}"},
  "stop_timeout_ms": 3000,
  "restart_backoff": {"initial_ms": 50, "max_ms": 800},
  "services": [
    {"name": "xvfb",
     "argv": ["Xvfb", "${DISPLAY}", "-screen", "0", "${SCREEN}x24", "-dpi", "${VMI_DPI}",
              "-fbdir", "${VMI_DEVDIR}"],
     "restart": "always",
     "remove_before_start": ["/tmp/.X0-lock"],
     "ready": {"unix_socket": "/tmp/.X11-unix/X0", "timeout_ms": 7000}},
    {"name": "wm", "argv": ["matchbox-window-manager"], "after": ["xvfb"],
     "env": {"WM_ID": "${VMI_INSTANCE}-wm"}, "restart_backoff": {"max_ms": 100}},
    {"name": "once", "argv": ["true"], "restart": "never", "cwd": "/tmp"}
  ]
})";

TEST(Manifest, ParsesAFullSession) {
  auto m = ParseManifest(kSession, Env());
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  ASSERT_EQ(m->services.size(), 3u);
  EXPECT_EQ(m->stop_timeout, milliseconds(3000));
  const auto& x = m->services[0];
  EXPECT_EQ(x.name, "xvfb");
  EXPECT_EQ(x.argv, (std::vector<std::string>{"Xvfb", ":0", "-screen", "0", "720x1280x24",
                                                "-dpi", "320", "-fbdir", "/run/vmi"}));
  EXPECT_EQ(x.restart, RestartPolicy::kAlways);
  ASSERT_TRUE(x.ready.has_value());
  EXPECT_EQ(x.ready->kind, Readiness::Kind::kUnixSocket);
  EXPECT_EQ(x.ready->path, "/tmp/.X11-unix/X0");
  EXPECT_EQ(x.ready->timeout, milliseconds(7000));
  EXPECT_EQ(x.remove_before_start, std::vector<std::string>{"/tmp/.X0-lock"});
  EXPECT_EQ(x.backoff.initial, milliseconds(50));
  EXPECT_EQ(x.backoff.max, milliseconds(800));
  EXPECT_EQ(x.env, (std::vector<std::string>{"DISPLAY=:0", "SCREEN=720x1280"}));
  EXPECT_EQ(x.cwd, "/");

  const auto& wm = m->services[1];
  EXPECT_EQ(wm.after, std::vector<std::string>{"xvfb"});
  EXPECT_EQ(wm.restart, RestartPolicy::kOnFailure);  // the default
  EXPECT_FALSE(wm.ready.has_value());
  EXPECT_EQ(wm.env.back(), "WM_ID=a1-wm");
  EXPECT_EQ(wm.backoff.initial, milliseconds(50));  // inherited
  EXPECT_EQ(wm.backoff.max, milliseconds(100));     // overridden

  EXPECT_EQ(m->services[2].restart, RestartPolicy::kNever);
  EXPECT_EQ(m->services[2].cwd, "/tmp");
}

TEST(Manifest, PathReadinessAndDefaults) {
  auto m = ParseManifest(R"({"services":[{"name":"a","argv":["x"],
      "ready":{"path":"${VMI_DEVDIR}/ok"}}]})", Env());
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->services[0].ready->kind, Readiness::Kind::kPath);
  EXPECT_EQ(m->services[0].ready->path, "/run/vmi/ok");
  EXPECT_EQ(m->services[0].ready->timeout, milliseconds(10000));
  EXPECT_FALSE(m->stop_timeout.has_value());
}

TEST(Manifest, CommandReadiness) {
  auto m = ParseManifest(R"({"services":[{"name":"wm","argv":["x"],
      "ready":{"command":["sh","-c","test -e ${VMI_DEVDIR}/wm"],"interval_ms":50}}]})", Env());
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  const auto& r = *m->services[0].ready;
  EXPECT_EQ(r.kind, Readiness::Kind::kCommand);
  EXPECT_EQ(r.command, (std::vector<std::string>{"sh", "-c", "test -e /run/vmi/wm"}));
  EXPECT_EQ(r.interval, milliseconds(50));
  EXPECT_FALSE(ParseManifest(R"({"services":[{"name":"a","argv":["x"],"ready":{"command":[]}}]})",
                             Env()).ok());
  EXPECT_FALSE(ParseManifest(
      R"({"services":[{"name":"a","argv":["x"],"ready":{"command":["x"],"path":"/p"}}]})", Env()).ok());
}

struct BadCase {
  const char* json;
  const char* expect;  // substring of the error
};

TEST(Manifest, RejectsBadManifests) {
  const BadCase cases[] = {
      {"", "not valid JSON"},
      {"[]", "expected a JSON object"},
      {R"({"services": 3})", "\"services\" must be an array"},
      {R"({"version": 2, "services": []})", "unsupported version"},
      {R"({"services": [], "extra": 1})", "unknown key \"extra\""},
      {R"({"services": [{"argv": ["x"]}]})", "missing \"name\""},
      {R"({"services": [{"name": "a b", "argv": ["x"]}]})", "bad name"},
      {R"({"services": [{"name": "a"}]})", "\"argv\" must be a non-empty array"},
      {R"({"services": [{"name": "a", "argv": []}]})", "\"argv\" must be a non-empty array"},
      {R"({"services": [{"name": "a", "argv": [1]}]})", "expected a string"},
      {R"({"services": [{"name": "a", "argv": ["${NOPE}"]}]})", "NOPE is not set"},
      {R"({"services": [{"name": "a", "argv": ["x"], "restart": "sometimes"}]})",
       "always, on-failure or never"},
      {R"({"services": [{"name": "a", "argv": ["x"], "ready": {}}]})", "exactly one"},
      {R"({"services": [{"name": "a", "argv": ["x"], "ready": {"path": "/a", "unix_socket": "/b"}}]})",
       "exactly one"},
      {R"({"services": [{"name": "a", "argv": ["x"], "ready": {"path": "/a", "timeout_ms": -1}}]})",
       "milliseconds"},
      {R"({"services": [{"name": "a", "argv": ["x"]}, {"name": "a", "argv": ["y"]}]})",
       "used twice"},
      {R"({"services": [{"name": "a", "argv": ["x"], "after": ["b"]}]})", "unknown service \"b\""},
      {R"({"services": [{"name": "a", "argv": ["x"], "after": ["a"]}]})", "its own"},
      {R"({"services": [{"name": "a", "argv": ["x"], "after": ["b"]},
                        {"name": "b", "argv": ["x"], "after": ["a"]}]})",
       "dependency cycle"},
      {R"({"services": [{"name": "a", "argv": ["x"], "remove_before_start": ["rel"]}]})",
       "not absolute"},
      {R"({"services": [{"name": "a", "argv": ["x"], "env": {"A=B": "x"}}]})", "bad variable name"},
      {R"({"restart_backoff": {"initial_ms": 100, "max_ms": 10}, "services": []})", "below"},
      {R"({"services": [{"name": "a", "argv": ["x"], "typo": 1}]})", "unknown key \"typo\""},
  };
  for (const auto& c : cases) {
    auto m = ParseManifest(c.json, Env());
    ASSERT_FALSE(m.ok()) << c.json;
    EXPECT_NE(m.error().ToString().find(c.expect), std::string::npos)
        << c.json << " -> " << m.error().ToString();
    EXPECT_EQ(m.error().code(), ErrorCode::kInvalidArgument);
  }
}

// Fragments as the guest kit ships them (share/session/<name>.json).
Result<std::string> Fragments(const std::string& name) {
  if (name == "line")
    return std::string(R"({"comment": "c", "env": {"BUS": "frag", "LINE": "${VMI_INSTANCE}"},
      "services": [{"name": "port", "argv": ["port", "${BUS}"]},
                   {"name": "mm", "argv": ["mm"], "after": ["bus", "port"]}]})");
  if (name == "bad") return std::string(R"({"services": [], "include": ["line"]})");
  return Error(ErrorCode::kNotFound, "no fragment " + name);
}

TEST(Manifest, IncludedFragmentsJoinTheSession) {
  auto m = ParseManifest(R"({"env": {"BUS": "mine"}, "include": ["line"],
      "services": [{"name": "bus", "argv": ["dbus"]},
                   {"name": "app", "argv": ["app"], "after": ["mm"]}]})",
                         Env(), Fragments);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  ASSERT_EQ(m->services.size(), 4u);
  EXPECT_EQ(m->services[2].name, "port");
  // The manifest's env wins; the fragment fills in the rest.
  EXPECT_EQ(m->services[2].argv, (std::vector<std::string>{"port", "mine"}));
  EXPECT_NE(std::find(m->services[0].env.begin(), m->services[0].env.end(), "LINE=a1"),
            m->services[0].env.end());
  EXPECT_EQ(m->services[3].after, (std::vector<std::string>{"bus", "port"}));
  EXPECT_EQ(m->services[1].after, (std::vector<std::string>{"mm"}));
}

TEST(Manifest, RejectsBadIncludes) {
  struct Case {
    const char* json;
    const char* expect;
  } cases[] = {
      {R"({"include": ["missing"], "services": []})", "no fragment missing"},
      {R"({"include": "line", "services": []})", "array of names"},
      {R"({"include": ["../etc/x"], "services": []})", "names matching"},
      {R"({"include": ["line", "line"], "services": [{"name": "bus", "argv": ["b"]}]})", "twice"},
      {R"({"include": ["bad"], "services": []})", "unknown key \"include\""},
      // Its services need a "bus" the manifest does not have.
      {R"({"include": ["line"], "services": []})", "bus"},
      {R"({"include": ["line"], "services": [{"name": "bus", "argv": ["b"]}, {"name": "port", "argv": ["p"]}]})",
       "port"},
  };
  for (const auto& c : cases) {
    auto m = ParseManifest(c.json, Env(), Fragments);
    ASSERT_FALSE(m.ok()) << c.json;
    EXPECT_NE(m.error().ToString().find(c.expect), std::string::npos)
        << c.json << " -> " << m.error().ToString();
  }
  // Without a reader (a manifest checked off the guest) includes are refused.
  auto m = ParseManifest(R"({"include": ["line"], "services": []})", Env());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().ToString().find("no fragments available"), std::string::npos);
}

}  // namespace
}  // namespace vmi::guest
