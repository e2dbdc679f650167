// libFuzzer target: untrusted request bodies of the node's routes (create
// instance, exec, image import/build/export), parsed as the server does (duplicate
// keys refused), through the node's parsers. Any input must parse or fail
// with kInvalidArgument; what parses must be within the documented limits.
// The live routes' bodies are node/live/audio_body_fuzz.cc's (audio, mix,
// rotate); the management routes' api/request_fuzz.cc's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/http/response.h"
#include "node/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = vmi::api::ParseJsonObject(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!j.ok()) {
    if (j.error().code() != vmi::ErrorCode::kInvalidArgument) abort();
    return 0;
  }
  auto check = [](const auto& r) {
    if (!r.ok() && r.error().code() != vmi::ErrorCode::kInvalidArgument) abort();
  };
  auto a = vmi::node::ParseCreateInstance(*j);
  check(a);
  if (a.ok()) {
    const auto& s = a->spec;
    if (s.memory_bytes < (64LL << 20) || s.width < 160 || s.width > 4096 || s.dpi < 60 ||
        s.dpi > 960 || !(s.cpus >= 0.01))
      abort();
    if (a->ask.pids && (*a->ask.pids < 16 || *a->ask.pids > 65536)) abort();
  }
  auto b = vmi::node::ParseExec(*j);
  check(b);
  if (b.ok() && (b->argv.empty() || b->argv.size() > 256 || b->max_output > (16u << 20))) abort();
  check(vmi::node::ParseImageRequest(*j));
  auto e = vmi::node::ParseImageExportRequest(*j);
  check(e);
  if (e.ok() && (e->oci.empty() == e->tar.empty() || (e->oci + e->tar)[0] != '/')) abort();
  return 0;
}
