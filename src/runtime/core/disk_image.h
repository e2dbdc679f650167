// DiskImage: an instance's writable layer with a hard size. A sparse file
// holds an ext4 file system; while the instance runs it is attached to a
// loop device and mounted on the host, and the overlay's upper and work
// directories live inside it. A guest that fills it gets ENOSPC and `df`
// inside shows its size (overlayfs reports the upper file system); the host
// disk and the other instances are untouched.
//
//   <instance>/disk.img   sparse file, created with the instance
//   <instance>/disk/      its mount point while attached
//
// The loop device is attached in-process through /dev/loop-control and
// LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR: the kernel detaches it when the
// last mount goes, so unmounting is the whole cleanup, also after a crash of
// the daemon (a still-mounted image is simply found mounted again).
//
// Threads: plain functions; calls for different instances may run in
// parallel (LOOP_CTL_GET_FREE races are retried).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace vmi::runtime {

// Creates `path` as a sparse file of `bytes` and formats it ext4 with its
// root directory owned by `owner` (the guest's root on the host). Fails if
// `path` exists.
Result<void> CreateDiskImage(const std::string& path, int64_t bytes, uint32_t owner);

// Attaches `image` to a free loop device and mounts it at `mount_point`
// (nosuid, nodev). Idempotent: an already mounted point is left as is.
Result<void> MountDiskImage(const std::string& image, const std::string& mount_point);

// Unmounts `mount_point` (the loop device then detaches itself). Missing
// mounts are not an error.
Result<void> UnmountDiskImage(const std::string& mount_point);

}  // namespace vmi::runtime
