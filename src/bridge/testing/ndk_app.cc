#include "bridge/testing/ndk_app.h"

#include <gtest/gtest.h>

#include <chrono>

#include "base/child_process.h"
#include "base/file.h"

namespace vmi::bridge::testing {

void NdkApp::Load(TestObjects& objs, const std::string& name, const std::string& source,
                  const std::string& system_lib) {
  // The stub needs no symbols: NDK code links against the real library,
  // which the bridge replaces by name at load time.
  ASSERT_TRUE(objs.Build(system_lib, "int vmi_stub;").ok());
  // --no-as-needed: the stub defines nothing the library uses, yet the
  // DT_NEEDED entry must stay, as it does when linking the real library.
  auto lib = objs.Build(name, source, {"-Wl,--no-as-needed"}, {system_lib});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  auto so = Linker::Instance().Open(*lib);
  ASSERT_TRUE(so.ok()) << so.error().ToString();
  so_ = *so;
}

std::string RunFfmpeg(const std::string& dir, const std::vector<std::string>& args,
                      const std::string& output) {
  std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v", "error", "-y"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(dir + "/" + output);
  auto r = RunChecked(argv, {}, std::chrono::seconds(120));
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  auto data = ReadFile(dir + "/" + output);
  EXPECT_TRUE(data.ok());
  return data.ok() ? *data : std::string();
}

}  // namespace vmi::bridge::testing
