#include "bridge/android/asset_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bridge/apk_archive.h"

namespace vmi::bridge::android {
namespace {

constexpr const char* kAssetsPrefix = "assets/";

// Asset names are relative; ".." or an absolute name would leave the assets.
bool SafeName(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Asset::~Asset() {
  if (map_ != nullptr) munmap(map_, map_size_);
}

int Asset::Read(void* buf, size_t count) {
  const size_t n = std::min(count, size_ - pos_);
  if (n > 0) memcpy(buf, data_ + pos_, n);
  pos_ += n;
  return static_cast<int>(n);
}

off64_t Asset::Seek(off64_t offset, int whence) {
  off64_t base;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = static_cast<off64_t>(pos_);
      break;
    case SEEK_END:
      base = static_cast<off64_t>(size_);
      break;
    default:
      return -1;
  }
  const off64_t to = base + offset;
  if (to < 0 || to > static_cast<off64_t>(size_)) return -1;
  pos_ = static_cast<size_t>(to);
  return to;
}

int Asset::OpenFileDescriptor(off64_t* start, off64_t* length) const {
  if (!fd_shareable_ || start == nullptr || length == nullptr) return -1;
  const int fd = fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return -1;
  *start = static_cast<off64_t>(offset_);
  *length = static_cast<off64_t>(size_);
  return fd;
}

Result<std::unique_ptr<AssetManager>> AssetManager::Open(const std::string& root) {
  struct stat st;
  if (stat(root.c_str(), &st) != 0) return Error::FromErrno("asset root " + root);
  if (S_ISDIR(st.st_mode)) return std::unique_ptr<AssetManager>(new AssetManager(root, false, {}));
  const std::vector<std::string> names = VMI_TRY_CTX(ListArchive(root), "assets of " + root);
  std::vector<std::string> entries;
  for (const std::string& n : names) {
    if (n.size() > strlen(kAssetsPrefix) &&
        n.compare(0, strlen(kAssetsPrefix), kAssetsPrefix) == 0 && n.back() != '/') {
      entries.push_back(n.substr(strlen(kAssetsPrefix)));
    }
  }
  std::sort(entries.begin(), entries.end());
  return std::unique_ptr<AssetManager>(new AssetManager(root, true, std::move(entries)));
}

std::unique_ptr<Asset> AssetManager::OpenAsset(const std::string& name) const {
  if (!SafeName(name)) return nullptr;
  std::unique_ptr<Asset> asset(new Asset());
  if (archive_) {
    if (!std::binary_search(entries_.begin(), entries_.end(), name)) return nullptr;
    auto entry = OpenArchiveEntry(ArchivePath{root_, kAssetsPrefix + name});
    if (!entry.ok()) return nullptr;
    asset->fd_ = std::move(entry->fd);
    asset->offset_ = entry->offset;
    asset->size_ = entry->size;
    asset->fd_shareable_ = entry->mapped_in_place;
  } else {
    UniqueFd fd(open((root_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
    asset->fd_ = std::move(fd);
    asset->size_ = static_cast<size_t>(st.st_size);
    asset->fd_shareable_ = true;
  }
  static const uint8_t kEmpty = 0;
  asset->data_ = &kEmpty;
  if (asset->size_ > 0) {
    void* m = mmap(nullptr, asset->size_, PROT_READ, MAP_PRIVATE, asset->fd_.get(),
                   static_cast<off_t>(asset->offset_));
    if (m == MAP_FAILED) return nullptr;
    asset->map_ = m;
    asset->map_size_ = asset->size_;
    asset->data_ = static_cast<const uint8_t*>(m);
  }
  return asset;
}

std::unique_ptr<AssetDir> AssetManager::OpenDir(const std::string& dir) const {
  std::string prefix = dir;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty() && !SafeName(prefix)) return nullptr;
  std::vector<std::string> names;
  if (archive_) {
    if (!prefix.empty()) prefix += '/';
    for (const std::string& e : entries_) {
      if (e.compare(0, prefix.size(), prefix) != 0) continue;
      std::string rest = e.substr(prefix.size());
      if (rest.find('/') == std::string::npos) names.push_back(rest);
    }
  } else {
    const std::string path = prefix.empty() ? root_ : root_ + "/" + prefix;
    DIR* d = opendir(path.c_str());
    if (d == nullptr) return std::make_unique<AssetDir>(std::move(names));
    while (dirent* de = readdir(d)) {
      struct stat st;
      if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
        names.push_back(de->d_name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
  }
  return std::make_unique<AssetDir>(std::move(names));
}

}  // namespace vmi::bridge::android
