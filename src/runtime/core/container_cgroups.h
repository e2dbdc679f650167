// Removing a container's cgroups after the runtime has deleted it.
//
// `crun delete` removes the container's cgroup in every hierarchy, but on a
// loaded host the last processes of the container may still be leaving it
// (rmdir fails with EBUSY) and the delete reports success regardless: the
// empty cgroup then stays in every cgroup v1 hierarchy for good. Removal of
// an instance checks for that here, waits for the stragglers, and fails with
// the paths that are left rather than dropping an instance whose cgroups
// still exist.
//
// Threads: blocking calls on the caller's thread; no state.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::runtime {

// `relative` (e.g. "vmi/<id>") under every cgroup hierarchy mounted below
// `root` (each v1 controller's directory, the v2 or hybrid unified one, or
// `root` itself when it is a v2 mount), where that directory exists.
std::vector<std::string> ContainerCgroupDirs(const std::string& relative,
                                             const std::string& root = "/sys/fs/cgroup");

// Removes those directories, their child cgroups first, retrying while the
// kernel says they are busy or not empty, until `patience` has passed.
// kFailedPrecondition naming every directory that is left, and why, if some
// remain; Ok when none exists.
Result<void> RemoveContainerCgroups(const std::string& relative,
                                    std::chrono::milliseconds patience,
                                    const std::string& root = "/sys/fs/cgroup");

}  // namespace vmi::runtime
