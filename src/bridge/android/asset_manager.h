// AssetManager: libandroid.so's AAssetManager over the assets of an APK
// (its "assets/" entries) or over a directory on the host (a stand-in for
// an unpacked APK's assets). An Asset is read-only and mapped: stored APK
// entries straight from the archive, compressed ones from the bridge's
// extraction cache (apk_archive.h), directory files from the file itself.
//
// Ownership: the host program creates the manager and keeps it alive while
// bridged code uses it (Android's AAssetManager lives as long as the
// Java AssetManager); each Asset and AssetDir is owned by the code that
// opened it until AAsset_close/AAssetDir_close. Thread-safety: a manager
// may be shared between threads; one Asset or AssetDir is used by one
// thread at a time, as on Android.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::bridge::android {

class Asset {
 public:
  ~Asset();
  Asset(const Asset&) = delete;
  Asset& operator=(const Asset&) = delete;

  // AAsset_read: bytes copied (0 at the end), never negative here.
  int Read(void* buf, size_t count);
  // AAsset_seek64: the new offset, or -1 for a bad whence or a position
  // outside [0, length].
  off64_t Seek(off64_t offset, int whence);
  const void* Buffer() const { return data_; }
  off64_t Length() const { return static_cast<off64_t>(size_); }
  off64_t Remaining() const { return static_cast<off64_t>(size_ - pos_); }
  // AAsset_openFileDescriptor64: a new fd with the asset's bytes at
  // [*start, *start + *length), or -1 when the asset is compressed in the
  // APK (as on Android, where only stored assets can be given as an fd).
  int OpenFileDescriptor(off64_t* start, off64_t* length) const;
  // AAsset_isAllocated: false, the bytes are always mapped.
  bool IsAllocated() const { return false; }

 private:
  friend class AssetManager;
  Asset() = default;
  UniqueFd fd_;
  uint64_t offset_ = 0;  // of the bytes in fd_
  bool fd_shareable_ = false;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
};

// AAssetDir: the plain files directly in one asset directory, sorted.
class AssetDir {
 public:
  explicit AssetDir(std::vector<std::string> names) : names_(std::move(names)) {}
  // The next file name or nullptr; valid until the next call or close.
  const char* Next() { return index_ < names_.size() ? names_[index_++].c_str() : nullptr; }
  void Rewind() { index_ = 0; }

 private:
  std::vector<std::string> names_;
  size_t index_ = 0;
};

class AssetManager {
 public:
  // `root` is an .apk/.zip (its assets/ entries) or a directory.
  static Result<std::unique_ptr<AssetManager>> Open(const std::string& root);

  // AAssetManager_open: nullptr when there is no such asset (or the name
  // climbs out of the assets with "..").
  std::unique_ptr<Asset> OpenAsset(const std::string& name) const;
  // AAssetManager_openDir: files only, as on Android; "" is the root.
  std::unique_ptr<AssetDir> OpenDir(const std::string& dir) const;

 private:
  AssetManager(std::string root, bool archive, std::vector<std::string> entries)
      : root_(std::move(root)), archive_(archive), entries_(std::move(entries)) {}
  std::string root_;
  bool archive_;
  std::vector<std::string> entries_;  // archive: names below "assets/", sorted
};

}  // namespace vmi::bridge::android
