#include "cluster/phone.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "api/json_reader.h"

namespace vmi::cluster {
namespace {

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

// Reads a nested object field with its own strict reader.
template <typename Fn>
Result<void> Nested(api::JsonReader& parent, const std::string& key, Fn&& fn) {
  const Json* v = parent.Raw(key);
  if (!v) return Ok();
  if (!v->is_object()) return Bad(key + ": must be an object");
  api::JsonReader r(*v);
  fn(r);
  return r.Finish().Context(key);
}

bool Digits(const std::string& s, size_t from, size_t to) {
  if (from >= to) return false;
  return std::all_of(s.begin() + from, s.begin() + to,
                     [](char c) { return c >= '0' && c <= '9'; });
}

// The image reference grammar, loosely: what a registry path, tag or digest
// may hold, and no scheme.
bool IsImageReference(const std::string& ref) {
  if (ref.empty() || ref.size() > 512 || ref.find("://") != std::string::npos) return false;
  if (!std::isalnum(static_cast<unsigned char>(ref[0]))) return false;
  return std::all_of(ref.begin(), ref.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._-/:@").find(c) !=
                                                              std::string_view::npos;
  });
}

}  // namespace

const char* GuestKindName(GuestKind kind) {
  switch (kind) {
    case GuestKind::kLinuxMobile: return "linux-mobile";
    case GuestKind::kPhone: return "phone";
    case GuestKind::kWin32: return "win32";
    case GuestKind::kRootfs: return "rootfs";
    case GuestKind::kAndroid: return "android";
  }
  return "rootfs";
}

bool ObjectMeta::HasFinalizer(const std::string& f) const {
  return std::find(finalizers.begin(), finalizers.end(), f) != finalizers.end();
}

bool IsCpuQuantity(const std::string& q) {
  if (q.empty() || q.size() > 16) return false;
  if (q.back() == 'm') return Digits(q, 0, q.size() - 1);
  size_t dot = q.find('.');
  if (dot == std::string::npos) return Digits(q, 0, q.size());
  return Digits(q, 0, dot) && Digits(q, dot + 1, q.size());
}

bool IsByteQuantity(const std::string& q) {
  if (q.empty() || q.size() > 20) return false;
  for (const char* suffix : {"Ki", "Mi", "Gi", "Ti", "K", "M", "G", "T"}) {
    std::string_view s(suffix);
    if (q.size() > s.size() && q.ends_with(s)) return Digits(q, 0, q.size() - s.size());
  }
  return Digits(q, 0, q.size());
}

int64_t CpuMilli(const std::string& q) {
  if (!IsCpuQuantity(q)) return -1;
  try {
    if (q.back() == 'm') return std::stoll(q.substr(0, q.size() - 1));
    size_t dot = q.find('.');
    int64_t whole = dot == 0 ? 0 : std::stoll(q.substr(0, dot));
    int64_t milli = whole * 1000;
    if (dot != std::string::npos) {
      std::string frac = q.substr(dot + 1);
      // Three digits are millicpus; any further non-zero digit rounds up.
      std::string first = (frac + "000").substr(0, 3);
      milli += std::stoll(first);
      if (frac.size() > 3 && frac.find_first_not_of('0', 3) != std::string::npos) milli += 1;
    }
    return milli;
  } catch (const std::exception&) {
    return -1;
  }
}

int64_t QuantityBytes(const std::string& q) {
  if (!IsByteQuantity(q)) return -1;
  struct Suffix {
    const char* s;
    int64_t mul;
  };
  static constexpr Suffix kSuffixes[] = {
      {"Ki", int64_t{1} << 10}, {"Mi", int64_t{1} << 20}, {"Gi", int64_t{1} << 30},
      {"Ti", int64_t{1} << 40}, {"K", 1000},               {"M", 1000000},
      {"G", 1000000000},        {"T", 1000000000000}};
  try {
    for (const auto& sx : kSuffixes) {
      std::string_view s(sx.s);
      if (q.size() > s.size() && q.ends_with(s)) {
        int64_t v = std::stoll(q.substr(0, q.size() - s.size()));
        if (v > INT64_MAX / sx.mul) return -1;
        return v * sx.mul;
      }
    }
    return std::stoll(q);
  } catch (const std::exception&) {
    return -1;
  }
}

std::string JsonString(const Json& j, std::initializer_list<const char*> path) {
  const Json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(k);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

ObjectMeta ParseMeta(const Json& object) {
  ObjectMeta m;
  const Json empty = Json::object();
  const Json& md = object.contains("metadata") && object["metadata"].is_object()
                       ? object["metadata"]
                       : empty;
  auto str = [&](const char* k) {
    return md.contains(k) && md[k].is_string() ? md[k].get<std::string>() : std::string();
  };
  m.name = str("name");
  m.ns = str("namespace");
  m.uid = str("uid");
  m.resource_version = str("resourceVersion");
  if (md.contains("generation") && md["generation"].is_number_integer())
    m.generation = md["generation"].get<int64_t>();
  m.deleting = md.contains("deletionTimestamp") && !md["deletionTimestamp"].is_null();
  if (md.contains("finalizers") && md["finalizers"].is_array()) {
    for (const auto& f : md["finalizers"])
      if (f.is_string()) m.finalizers.push_back(f.get<std::string>());
  }
  return m;
}

Result<Phone> ParsePhone(const Json& object) {
  if (!object.is_object()) return Bad("phone: not an object");
  if (JsonString(object, {"apiVersion"}) != kApiVersion || JsonString(object, {"kind"}) != "Phone")
    return Bad("phone: apiVersion/kind must be vmi.dev/v1 Phone");
  Phone p;
  p.meta = ParseMeta(object);
  // The name becomes the value of the vmi.dev/phone label (63 at most) and
  // part of the Pod's and the claim's names.
  if (p.meta.name.empty() || p.meta.name.size() > 57)
    return Bad("metadata.name: 1 to 57 characters");
  if (!object.contains("spec") || !object["spec"].is_object()) return Bad("spec: required");

  api::JsonReader r(object["spec"]);
  auto image = r.String("image", {.required = true, .min_len = 1, .max_len = 512});
  auto guest = r.Enum("guest", {"linux-mobile", "phone", "win32", "rootfs", "android"});
  auto owner = r.String("owner", {.required = true, .min_len = 1, .max_len = 63, .charset = "._-"});
  auto running = r.Bool("running");
  auto restart = r.Enum("restartPolicy", {"Always", "OnFailure", "Never"});
  auto network = r.Enum("network", {"pod", "none"});
  std::optional<std::string> cpu, memory, size, klass;
  std::optional<int64_t> width, height, dpi;
  VMI_CHECK_OK(Nested(r, "resources", [&](api::JsonReader& n) {
                 cpu = n.String("cpu", {.min_len = 1, .max_len = 16});
                 memory = n.String("memory", {.min_len = 1, .max_len = 20});
               }),
               "spec");
  VMI_CHECK_OK(Nested(r, "display", [&](api::JsonReader& n) {
                 width = n.Int("width", {.min = 160, .max = 4096});
                 height = n.Int("height", {.min = 160, .max = 4096});
                 dpi = n.Int("dpi", {.min = 60, .max = 960});
               }),
               "spec");
  VMI_CHECK_OK(Nested(r, "storage", [&](api::JsonReader& n) {
                 size = n.String("size", {.min_len = 1, .max_len = 20});
                 klass = n.String("storageClassName", {.min_len = 1, .max_len = 253, .charset = ".-"});
               }),
               "spec");
  VMI_CHECK_OK(r.Finish(), "spec");

  PhoneSpec& s = p.spec;
  if (!IsImageReference(*image)) return Bad("spec.image: not an image reference: " + *image);
  s.image = *image;
  if (guest) {
    for (GuestKind k : {GuestKind::kLinuxMobile, GuestKind::kPhone, GuestKind::kWin32,
                        GuestKind::kRootfs, GuestKind::kAndroid})
      if (*guest == GuestKindName(k)) s.guest = k;
  }
  s.owner = *owner;
  if (!std::isalnum(static_cast<unsigned char>(s.owner[0])))
    return Bad("spec.owner: must start with a letter or digit");
  s.running = running.value_or(true);
  s.restart_policy = restart.value_or("Always");
  s.network = network.value_or("pod");
  if (cpu) {
    if (!IsCpuQuantity(*cpu)) return Bad("spec.resources.cpu: not a CPU quantity: " + *cpu);
    s.cpu = *cpu;
  }
  if (memory) {
    if (!IsByteQuantity(*memory)) return Bad("spec.resources.memory: not a quantity: " + *memory);
    s.memory = *memory;
  }
  if (size) {
    if (!IsByteQuantity(*size)) return Bad("spec.storage.size: not a quantity: " + *size);
    s.storage_size = *size;
  }
  s.storage_class = klass.value_or("");
  s.width = static_cast<int>(width.value_or(720));
  s.height = static_cast<int>(height.value_or(1280));
  s.dpi = static_cast<int>(dpi.value_or(320));
  if (object.contains("status") && object["status"].is_object()) p.status = object["status"];
  return p;
}

}  // namespace vmi::cluster
