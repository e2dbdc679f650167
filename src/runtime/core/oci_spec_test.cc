#include "runtime/core/oci_spec.h"

#include <gtest/gtest.h>

namespace vmi::runtime {
namespace {

using nlohmann::json;

struct Fixture {
  InstanceSpec spec;
  InstanceSlot slot;
  GuestImage image;
  InstancePaths paths;
  Fixture() {
    spec.id = "0123456789ab";
    spec.name = "phone";
    spec.cpus = 1.5;
    spec.memory_bytes = 512LL << 20;
    spec.pids_max = 300;
    spec.width = 720;
    spec.height = 1280;
    spec.dpi = 320;
    slot.index = 3;
    slot.uid_base = 1000000 + 3 * 65536;
    image.host_binds = {"/usr"};
    paths = {"/data/instances/x/bundle/rootfs", "/data/instances/x/dev", "/opt/kit",
             "/data/instances/x/binderfs", ""};
  }
};

const json* FindMount(const json& cfg, const std::string& dst) {
  for (const auto& m : cfg["mounts"])
    if (m["destination"] == dst) return &m;
  return nullptr;
}

bool HasNamespace(const json& cfg, const std::string& type) {
  for (const auto& n : cfg["linux"]["namespaces"])
    if (n["type"] == type && !n.contains("path")) return true;
  return false;
}

TEST(OciSpecTest, LinuxMobileIsolation) {
  Fixture f;
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  for (const char* ns : {"pid", "mount", "uts", "ipc", "cgroup", "network", "user"})
    EXPECT_TRUE(HasNamespace(c, ns)) << ns;
  EXPECT_EQ(c["linux"]["uidMappings"][0]["containerID"], 0);
  EXPECT_EQ(c["linux"]["uidMappings"][0]["hostID"], 1000000 + 3 * 65536);
  EXPECT_EQ(c["linux"]["uidMappings"][0]["size"], 65536);
  EXPECT_EQ(c["linux"]["gidMappings"], c["linux"]["uidMappings"]);
  EXPECT_EQ(c["linux"]["resources"]["memory"]["limit"], 512LL << 20);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["quota"], 150000);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["period"], 100000);
  EXPECT_EQ(c["linux"]["resources"]["pids"]["limit"], 300);
  EXPECT_EQ(c["linux"]["cgroupsPath"], "/vmi/0123456789ab");
  EXPECT_EQ(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ALLOW");
  EXPECT_TRUE(c["process"]["noNewPrivileges"].get<bool>());
  auto caps = c["process"]["capabilities"]["bounding"].get<std::vector<std::string>>();
  for (const char* forbidden : {"CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_MODULE", "CAP_MKNOD"})
    EXPECT_EQ(std::count(caps.begin(), caps.end(), forbidden), 0) << forbidden;
  EXPECT_EQ(c["process"]["args"][0], "/opt/vmi/bin/vmi-init");
  EXPECT_EQ(c["hostname"], "phone");
}

TEST(OciSpecTest, DeviceViewsAreBoundReadOnly) {
  Fixture f;
  f.paths.sysfs_view = "/data/instances/x/sys";
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  for (auto [src, dst] : {std::pair{"/data/instances/x/sys/power_supply", "/sys/class/power_supply"},
                          std::pair{"/data/instances/x/sys/udev", "/run/udev"},
                          std::pair{"/data/instances/x/sys/devices", "/run/vmi-devices"}}) {
    const json* m = FindMount(c, dst);
    ASSERT_NE(m, nullptr) << dst;
    EXPECT_EQ((*m)["source"], src);
    auto opts = (*m)["options"].get<std::vector<std::string>>();
    EXPECT_NE(std::find(opts.begin(), opts.end(), "ro"), opts.end()) << dst;
  }
  auto env = c["process"]["env"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(env.begin(), env.end(), "SYSTEMD_DEVICE_VERIFY_SYSFS=0"), env.end());
}

TEST(OciSpecTest, MountsDeviceDirKitAndHostTree) {
  Fixture f;
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  const json* dev = FindMount(c, "/run/vmi");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ((*dev)["source"], "/data/instances/x/dev");
  const json* x11 = FindMount(c, "/tmp/.X11-unix");
  ASSERT_NE(x11, nullptr);
  EXPECT_EQ((*x11)["source"], "/data/instances/x/dev/x11");
  // The modem's sysfs view: writable tmpfs over the two sysfs directories.
  for (const char* dir : {"/sys/class/tty", "/sys/devices/platform"}) {
    const json* m = FindMount(c, dir);
    ASSERT_NE(m, nullptr) << dir;
    EXPECT_EQ((*m)["type"], "tmpfs");
  }
  // Without device views, no binds over sysfs or /run/udev.
  EXPECT_EQ(FindMount(c, "/sys/class/power_supply"), nullptr);
  EXPECT_EQ(FindMount(c, "/run/udev"), nullptr);
  const json* kit = FindMount(c, "/opt/vmi");
  ASSERT_NE(kit, nullptr);
  auto kit_opts = (*kit)["options"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(kit_opts.begin(), kit_opts.end(), "ro"), kit_opts.end());
  const json* usr = FindMount(c, "/usr");
  ASSERT_NE(usr, nullptr);
  auto usr_opts = (*usr)["options"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(usr_opts.begin(), usr_opts.end(), "ro"), usr_opts.end());
  EXPECT_EQ(FindMount(c, "/dev/binderfs"), nullptr);
  // The tmpfs /tmp must come before the X socket bind that lands inside it.
  size_t tmp_pos = 0, x11_pos = 0;
  for (size_t i = 0; i < c["mounts"].size(); ++i) {
    if (c["mounts"][i]["destination"] == "/tmp") tmp_pos = i;
    if (c["mounts"][i]["destination"] == "/tmp/.X11-unix") x11_pos = i;
  }
  EXPECT_LT(tmp_pos, x11_pos);
  // The instance's parameters reach vmi-init.
  auto env = c["process"]["env"].get<std::vector<std::string>>();
  for (const char* want : {"VMI_WIDTH=720", "VMI_HEIGHT=1280", "VMI_DPI=320",
                           "VMI_SCREEN_SIDE=1280", "VMI_INSTANCE=0123456789ab",
                           "VMI_DEVDIR=/run/vmi"})
    EXPECT_NE(std::find(env.begin(), env.end(), want), env.end()) << want;
}

// The square side the guest X server starts with is the larger dimension,
// whichever orientation the instance was created in.
TEST(OciSpecTest, CpusetFollowsTheQuotaAndSpreadsBySlot) {
  EXPECT_EQ(CpusetFor(1, 0, 2), "0");
  EXPECT_EQ(CpusetFor(1, 1, 2), "1");
  EXPECT_EQ(CpusetFor(0.5, 3, 2), "1");
  EXPECT_EQ(CpusetFor(1.5, 1, 4), "2,3");
  EXPECT_EQ(CpusetFor(2, 0, 2), "");  // the whole host: no pinning
  EXPECT_EQ(CpusetFor(1, 5, 0), "");  // unknown host

  Fixture f;
  f.paths.host_cpus = 4;
  f.paths.limit_views = {{"/run/vmi/lxcfs/proc/meminfo", "/proc/meminfo"}};
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["cpus"], "2,3");
  bool bound = false;
  for (const auto& m : c["mounts"]) {
    if (m["destination"] == "/proc/meminfo") {
      bound = true;
      EXPECT_EQ(m["source"], "/run/vmi/lxcfs/proc/meminfo");
      EXPECT_NE(std::find(m["options"].begin(), m["options"].end(), "ro"), m["options"].end());
    }
  }
  EXPECT_TRUE(bound);
  // The lxcfs bind comes after /proc is mounted, or it would be hidden.
  EXPECT_EQ(c["mounts"][0]["destination"], "/proc");
}

TEST(OciSpecTest, ScreenSideIsTheLargerDimension) {
  Fixture f;
  f.spec.width = 1920;
  f.spec.height = 1080;
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  auto env = c["process"]["env"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(env.begin(), env.end(), "VMI_SCREEN_SIDE=1920"), env.end());
  EXPECT_EQ(std::find(env.begin(), env.end(), "VMI_SCREEN_SIDE=1080"), env.end());
}

TEST(OciSpecTest, RootfsImageCommandGoesThroughInit) {
  Fixture f;
  f.image.kind = GuestKind::kRootfs;
  f.image.host_binds.clear();
  f.image.command = {"/bin/sh", "-c", "sleep 1"};
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  EXPECT_EQ(c["process"]["args"],
            json({"/opt/vmi/bin/vmi-init", "--", "/bin/sh", "-c", "sleep 1"}));
  EXPECT_EQ(FindMount(c, "/usr"), nullptr);
}

TEST(OciSpecTest, AndroidBinderfsMemfdAndBootProperties) {
  Fixture f;
  f.image.kind = GuestKind::kAndroid;
  f.image.host_binds.clear();
  json c = BuildOciConfig(f.spec, f.slot, f.image, f.paths);
  EXPECT_EQ(c["process"]["args"][0], "/init");
  auto args = c["process"]["args"].get<std::vector<std::string>>();
  for (const char* want : {"androidboot.hardware=redroid", "androidboot.use_memfd=true",
                           "androidboot.redroid_width=720", "androidboot.redroid_height=1280",
                           "androidboot.redroid_dpi=320"})
    EXPECT_NE(std::find(args.begin(), args.end(), want), args.end()) << want;
  const json* binderfs = FindMount(c, "/dev/binderfs");
  ASSERT_NE(binderfs, nullptr);
  EXPECT_EQ((*binderfs)["source"], "/data/instances/x/binderfs");
  for (const char* dev : {"binder", "hwbinder", "vndbinder"}) {
    const json* m = FindMount(c, std::string("/dev/") + dev);
    ASSERT_NE(m, nullptr) << dev;
    EXPECT_EQ((*m)["source"], std::string("/data/instances/x/binderfs/") + dev);
  }
  // No X socket bind for Android; its own user namespace still applies.
  EXPECT_EQ(FindMount(c, "/tmp/.X11-unix"), nullptr);
  EXPECT_TRUE(HasNamespace(c, "user"));
  EXPECT_FALSE(c["process"]["noNewPrivileges"].get<bool>());
}

TEST(OciSpecTest, SeccompDeniesHostAffectingCalls) {
  json s = SeccompProfile();
  auto names = s["syscalls"][0]["names"].get<std::vector<std::string>>();
  for (const char* call : {"kexec_load", "init_module", "bpf", "mount", "setns", "reboot"})
    EXPECT_NE(std::find(names.begin(), names.end(), call), names.end()) << call;
  EXPECT_EQ(s["syscalls"][0]["action"], "SCMP_ACT_ERRNO");
  for (const char* call : {"keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
                           "io_uring_setup", "unshare", "open_by_handle_at"})
    EXPECT_NE(std::find(names.begin(), names.end(), call), names.end()) << call;
}

// clone3 cannot be inspected: ENOSYS sends libc to clone, whose namespace
// flags each have a masked rule (the real refusal is tested inside an
// instance by tests/abuse).
TEST(OciSpecTest, SeccompFiltersCloneFlagsAndClone3) {
  json s = SeccompProfile();
  int clone_rules = 0;
  uint64_t masked = 0;
  bool clone3_enosys = false;
  for (const auto& rule : s["syscalls"]) {
    auto names = rule["names"].get<std::vector<std::string>>();
    if (names == std::vector<std::string>{"clone3"})
      clone3_enosys = rule["errnoRet"] == 38 && !rule.contains("args");
    if (names == std::vector<std::string>{"clone"}) {
      ++clone_rules;
      ASSERT_EQ(rule["args"].size(), 1u);
      const auto& a = rule["args"][0];
      EXPECT_EQ(a["op"], "SCMP_CMP_MASKED_EQ");
      EXPECT_EQ(a["index"], 0);
      EXPECT_EQ(a["value"], a["valueTwo"]);
      masked |= a["value"].get<uint64_t>();
    }
  }
  EXPECT_TRUE(clone3_enosys);
  EXPECT_EQ(clone_rules, 7);
  EXPECT_EQ(masked, 0x7E020000u);  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
}

TEST(OciSpecTest, OpenFilesLimitComesFromTheSpec) {
  InstanceSpec spec;
  spec.open_files = 1024;
  InstanceSlot slot;
  GuestImage image;
  json c = BuildOciConfig(spec, slot, image, InstancePaths{});
  const auto& rl = c["process"]["rlimits"][0];
  EXPECT_EQ(rl["type"], "RLIMIT_NOFILE");
  EXPECT_EQ(rl["hard"], 1024);
  EXPECT_EQ(rl["soft"], 1024);
}

}  // namespace
}  // namespace vmi::runtime
