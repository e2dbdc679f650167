// A language VM as an Android program: the Dart VM (its AOT runtime) of
// sass-embedded-android-x64 (npm; -arm64 on arm64), a bionic PIE, started by
// `vmi-bridge run` with Dart Sass compiled for Android as its snapshot. It
// compiles a stylesheet that exercises the Sass language (modules and
// namespaces, functions, mixins, maps, loops, colour and math modules, string
// functions, a partial read from disk) and must print, byte for byte, what
// the same Sass release built for glibc (sass-embedded-linux-x64) prints; a
// few lines are also checked against known answers, and a broken stylesheet
// fails in both with Sass's exit status 65 and the same message.
#include <sys/stat.h>
#include <sys/wait.h>

#include <string>

#include <gtest/gtest.h>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

constexpr const char* kTheme = R"(@use "sass:math";
$base: 16px !default;
$palette: (primary: #3366cc, danger: #cc3333, ok: hsl(120, 60%, 40%));
@function rem($px) { @return math.div($px, $base) * 1rem; }
@mixin card($pad: 2) { padding: rem($base * $pad); border-radius: math.round(math.sqrt(50)) * 1px; }
)";

constexpr const char* kMain = R"(@use "sass:math";
@use "sass:color";
@use "sass:list";
@use "sass:string";
@use "partials/theme" as t;
.card { @include t.card(1.5); &:hover { box-shadow: 0 0 t.rem(4px) rgba(#000, 0.25); } }
@each $name, $c in t.$palette {
  .btn-#{$name} { color: $c; background: color.adjust($c, $lightness: 35%);
                  border-color: color.scale($c, $blackness: 20%); }
}
@for $i from 1 through 3 { .m-#{$i} { margin: t.rem($i * 6px) list.nth((auto, 0, 1px), $i); } }
.s { content: string.to-upper-case("vmi") + string.slice("bridge", 2, 4);
     width: calc(100% - #{t.rem(30px)}); z: 7 % 3 + math.pow(2, 10); }
)";

class DartSassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteFile(dir_.path() + "/main.scss", kMain).ok());
    ASSERT_EQ(mkdir((dir_.path() + "/partials").c_str(), 0700), 0);
    ASSERT_TRUE(WriteFile(dir_.path() + "/partials/_theme.scss", kTheme).ok());
    ASSERT_TRUE(WriteFile(dir_.path() + "/broken.scss", ".x { color: $nope; }\n").ok());
  }
  // Sass on `file` (relative to the temporary directory, where it runs).
  RunOutput Sass(bool android, const std::string& file) {
    // The glibc build is x86_64 on every host: under qemu-aarch64 it still
    // runs natively, as a child process.
    auto path = [android](const char* name) {
      return android ? testing::AndroidTarget("sass/android", name)
                     : testing::AndroidTargetsDir() + "/sass/linux/" + name;
    };
    std::vector<std::string> argv = {path("dart"), path("sass.snapshot"), "--no-source-map", file};
    // $VMI_BRIDGE_CLI overrides the command (the arm64 check runs it under qemu).
    const char* cli = getenv("VMI_BRIDGE_CLI");
    if (android) argv.insert(argv.begin(), {cli != nullptr && *cli != 0 ? cli : VMI_BRIDGE_CLI, "run"});
    SpawnOptions options;
    options.cwd = dir_.path();
    auto out = vmi::Run(argv, options, std::chrono::seconds(120));
    EXPECT_TRUE(out.ok()) << out.error().ToString();
    return out.ok() ? *out : RunOutput{};
  }

  TempDir dir_ = TempDir::MustCreate("vmi-dart-sass");
};

TEST_F(DartSassTest, CompilesLikeTheGlibcBuild) {
  const RunOutput android = Sass(true, "main.scss");
  ASSERT_TRUE(android.ok()) << android.err;
  const RunOutput linux = Sass(false, "main.scss");
  ASSERT_TRUE(linux.ok()) << linux.err;
  EXPECT_EQ(android.out, linux.out);
  for (const char* want : {".card {\n  padding: 1.5rem;\n  border-radius: 7px;\n}",
                           "box-shadow: 0 0 0.25rem rgba(0, 0, 0, 0.25);", ".btn-danger {\n  color: #cc3333;",
                           ".m-3 {\n  margin: 1.125rem 1px;\n}", "content: \"VMIrid\";",
                           "width: calc(100% - 1.875rem);", "z: 1025;"}) {
    EXPECT_NE(android.out.find(want), std::string::npos) << want << "\n" << android.out;
  }
}

TEST_F(DartSassTest, ErrorsAreSassOwn) {
  const RunOutput android = Sass(true, "broken.scss");
  const RunOutput linux = Sass(false, "broken.scss");
  ASSERT_TRUE(WIFEXITED(android.status));
  EXPECT_EQ(WEXITSTATUS(android.status), 65) << android.err;  // EX_DATAERR, Sass's compile error
  EXPECT_EQ(android.status, linux.status);
  EXPECT_NE(android.err.find("Undefined variable."), std::string::npos) << android.err;
  EXPECT_EQ(android.err, linux.err);
  EXPECT_EQ(android.out, "");
}

}  // namespace
}  // namespace vmi::bridge
