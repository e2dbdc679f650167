#include "guest/modem/sysfs_view.h"

#include <unistd.h>

#include "base/file.h"

namespace vmi::guest {
namespace {

Result<void> Link(const std::string& target, const std::string& path) {
  unlink(path.c_str());
  if (symlink(target.c_str(), path.c_str()) != 0) return Error::FromErrno("symlink " + path);
  return Ok();
}

}  // namespace

Result<void> CreateSysfsView(const SysfsViewOptions& o) {
  std::string parent = o.sys + "/devices/platform/vmi-modem.0";
  std::string port = parent + "/tty/" + o.name;
  VMI_CHECK_OK(MakeDirs(port), "sysfs view");
  VMI_CHECK_OK(MakeDirs(o.sys + "/class/tty"), "sysfs view");
  // The driver link must resolve (ModemManager canonicalizes it); its
  // target's name is the driver's name.
  VMI_CHECK_OK(MakeDirs(o.sys + "/devices/platform/vmi-modem"), "sysfs view");
  VMI_CHECK_OK(Link("../vmi-modem", parent + "/driver"), "sysfs view");
  VMI_CHECK_OK(Link("../../../bus/platform", parent + "/subsystem"), "sysfs view");
  VMI_CHECK_OK(WriteFile(parent + "/uevent", "DRIVER=vmi-modem\nOF_NAME=vmi-modem\n"), "sysfs view");
  std::string devno = std::to_string(o.major) + ":" + std::to_string(o.minor);
  VMI_CHECK_OK(WriteFile(port + "/dev", devno + "\n"), "sysfs view");
  VMI_CHECK_OK(WriteFile(port + "/uevent", "MAJOR=" + std::to_string(o.major) + "\nMINOR=" +
                                               std::to_string(o.minor) + "\nDEVNAME=" + o.name +
                                               "\nID_MM_CANDIDATE=1\nID_MM_DEVICE_PROCESS=1"
                                               "\nID_MM_PORT_TYPE_AT_PRIMARY=1\n"),
               "sysfs view");
  VMI_CHECK_OK(Link("../../../vmi-modem.0", port + "/device"), "sysfs view");
  VMI_CHECK_OK(Link("../../../../../class/tty", port + "/subsystem"), "sysfs view");
  VMI_CHECK_OK(Link("../../devices/platform/vmi-modem.0/tty/" + o.name, o.sys + "/class/tty/" + o.name),
               "sysfs view");
  if (!o.pty.empty()) VMI_CHECK_OK(Link(o.pty, o.dev + "/" + o.name), "device link");
  if (!o.events_file.empty())
    VMI_CHECK_OK(WriteFile(o.events_file, "action=add,name=" + o.name + ",subsystem=tty\n"),
                 "kernel events file");
  return Ok();
}

}  // namespace vmi::guest
