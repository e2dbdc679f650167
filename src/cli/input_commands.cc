// vmi input: run an input script (docs/devices.md, "Input scripts").
//
//   vmi input ID SCRIPT.json [--shots DIR]    one instance; prints a line per step
//   vmi input -l SELECTOR SCRIPT.json         every instance whose labels match
//
// SCRIPT.json is {"steps": [...], "timeout_ms": N} or just the steps array;
// "-" reads it from standard input. Exit code 1 when a step failed.
#include <sodium.h>

#include <iostream>
#include <iterator>

#include "api/http/client.h"
#include "base/file.h"
#include "cli/context.h"

namespace vmi::cli {

namespace {

struct InputArgs {
  std::string first, second;  // ID SCRIPT, or SCRIPT alone with -l
  std::string selector;
  std::string shots;
};

Result<Json> ReadScript(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    text = VMI_TRY_CTX(ReadFile(path, 16 << 20), "input script");
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded())
    return Error(ErrorCode::kInvalidArgument, "input script " + path + ": not JSON");
  if (j.is_array()) j = Json{{"steps", j}};
  return j;
}

// Writes each screenshot step's PNG to DIR/step-N.png.
Result<void> SaveShots(const Json& answer, const std::string& dir) {
  for (const auto& s : answer.value("steps", Json::array())) {
    if (!s.contains("png")) continue;
    const std::string& b64 = s["png"].get_ref<const std::string&>();
    std::string png(b64.size(), '\0');
    size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(png.data()), png.size(), b64.data(),
                          b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
      return Error(ErrorCode::kInvalidArgument, "a screenshot step's PNG is not base64");
    png.resize(len);
    std::string path = dir + "/step-" + std::to_string(s.value("step", 0)) + ".png";
    VMI_CHECK_OK(WriteFile(path, png), "screenshot");
    std::cout << "  saved " << path << "\n";
  }
  return Ok();
}

}  // namespace

void AddInputCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<InputArgs>();
  auto* input = app.add_subcommand("input", "Run an input script (tap, swipe, type, key, waits)");
  input->add_option("id", a.first, "Instance id or name (with -l: the script)")->required();
  input->add_option("script", a.second, "The script: a JSON file, or - for standard input");
  input->add_option("-l,--selector", a.selector, "Every instance whose labels match, e.g. team=qa");
  input->add_option("--shots", a.shots, "Save the screenshot steps' PNGs in this directory");
  ctx.On(input, [&] {
    bool batch = !a.selector.empty();
    if (batch != a.second.empty())
      return UsageError(batch ? "give the script only, with -l" : "give an instance and a script");
    auto script = ReadScript(batch ? a.first : a.second);
    if (!script.ok()) return Fail(script.error());
    if (batch) return RunBatch(ctx, {{"selector", a.selector}, {"action", "input"}, {"input", *script}});
    int rc = kExitOk;
    int r = ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("POST", "/api/v1/instances/" + a.first + "/input", &*script));
      if (!j.value("ok", false)) rc = kExitError;
      if (ctx.g.json) {
        PrintJson(j);
      } else {
        for (const auto& s : j.value("steps", Json::array()))
          std::cout << Field(s, "step") << "\t" << Field(s, "op") << "\t"
                    << (s.value("ok", false) ? "ok" : "failed") << "\t" << Field(s, "ms")
                    << " ms\n";
        if (j.contains("error"))
          std::cout << "step " << Field(j["error"], "step")
                    << " failed: " << Field(j["error"], "message") << "\n";
      }
      if (!a.shots.empty()) VMI_CHECK_OK(SaveShots(j, a.shots), "--shots");
      return Ok();
    });
    return r ? r : rc;
  });
}

}  // namespace vmi::cli
