// The small sysfs view that lets ModemManager find the guest's modem port
// without udev (measured: ModemManager 1.20 with --test-no-udev reads sysfs
// for the port's driver and properties).
//
// Under `sys` (the guest's /sys, whose class/tty and devices/platform are
// tmpfs mounts the runtime gives every Linux instance) it creates
//
//   devices/platform/vmi-modem/                (the driver: its name is what counts)
//   devices/platform/vmi-modem.0/driver     -> ../vmi-modem
//   devices/platform/vmi-modem.0/subsystem  -> ../../../bus/platform
//   devices/platform/vmi-modem.0/uevent        DRIVER=vmi-modem
//   devices/platform/vmi-modem.0/tty/<name>/dev        "<major>:<minor>"
//   devices/platform/vmi-modem.0/tty/<name>/uevent     MAJOR, MINOR, DEVNAME, and the udev
//       properties ModemManager would get from rules: ID_MM_CANDIDATE=1,
//       ID_MM_DEVICE_PROCESS=1, ID_MM_PORT_TYPE_AT_PRIMARY=1
//   devices/platform/vmi-modem.0/tty/<name>/device    -> ../../../vmi-modem.0
//   devices/platform/vmi-modem.0/tty/<name>/subsystem -> ../../../../../class/tty
//   class/tty/<name> -> ../../devices/platform/vmi-modem.0/tty/<name>
//
// and `/dev/<name>` -> the pty, plus the kernel-event file ModemManager
// reads at start (--initial-kernel-events): "action=add,name=<name>,subsystem=tty".
#pragma once

#include <string>

#include "base/result.h"

namespace vmi::guest {

struct SysfsViewOptions {
  std::string sys = "/sys";
  std::string dev = "/dev";
  std::string name = "ttyVMI0";
  std::string pty;  // the slave, e.g. /dev/pts/3
  int major = 136;
  int minor = 0;
  std::string events_file;  // written when not empty
};

// Creates (or refreshes) the view. Idempotent.
Result<void> CreateSysfsView(const SysfsViewOptions& o);

}  // namespace vmi::guest
