#include "bridge/apk_archive.h"

#include <fcntl.h>
#include <minizip/unzip.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bridge/elf_file.h"

namespace vmi::bridge {
namespace {

// Entries larger than this are refused (libjsc.so is 22 MB).
constexpr uint64_t kMaxEntrySize = 1ull << 30;

struct UnzCloser {
  void operator()(void* z) const { unzClose(z); }
};
using Unz = std::unique_ptr<void, UnzCloser>;

Result<Unz> OpenZip(const std::string& archive) {
  struct stat st;
  if (stat(archive.c_str(), &st) != 0) return Error::FromErrno("open archive " + archive);
  Unz z(unzOpen64(archive.c_str()));
  if (!z) {
    return Error(ErrorCode::kInvalidArgument,
                 archive + ": not a zip archive or its central directory is damaged");
  }
  return z;
}

Error ZipError(const std::string& what, int rc) {
  return Error(ErrorCode::kInvalidArgument, what + " (minizip error " + std::to_string(rc) + ")");
}

Result<void> MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return Error::FromErrno("mkdir " + part);
    }
  }
  return Ok();
}

// Inflates the current entry of `z` into `dest` (via a temporary file and
// rename, so concurrent loaders never see a partial file).
Result<void> Extract(void* z, const std::string& dest, uint64_t size, const std::string& display) {
  int rc = unzOpenCurrentFile(z);
  if (rc != UNZ_OK) return ZipError("open " + display, rc);
  std::string tmp = dest + ".tmp." + std::to_string(getpid());
  UniqueFd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out) {
    unzCloseCurrentFile(z);
    return Error::FromErrno("create " + tmp);
  }
  std::vector<char> buf(1 << 16);
  uint64_t total = 0;
  while (true) {
    int n = unzReadCurrentFile(z, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      unzCloseCurrentFile(z);
      unlink(tmp.c_str());
      return ZipError("inflate " + display, n);
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > size || write(out.get(), buf.data(), static_cast<size_t>(n)) != n) {
      unzCloseCurrentFile(z);
      unlink(tmp.c_str());
      return Error(ErrorCode::kInvalidArgument, "extract " + display + ": size mismatch or write error");
    }
  }
  // Closing checks the CRC of what was read.
  rc = unzCloseCurrentFile(z);
  if (rc != UNZ_OK || total != size) {
    unlink(tmp.c_str());
    return Error(ErrorCode::kInvalidArgument, "extract " + display + ": CRC or size check failed");
  }
  if (rename(tmp.c_str(), dest.c_str()) != 0) {
    unlink(tmp.c_str());
    return Error::FromErrno("rename " + tmp);
  }
  return Ok();
}

}  // namespace

const char* HostAbiDirectory() {
#if defined(__aarch64__)
  return "arm64-v8a";
#else
  return "x86_64";
#endif
}

std::string ArchiveCacheDir() {
  if (const char* d = getenv("VMI_BRIDGE_APK_CACHE"); d != nullptr && *d != 0) return d;
  if (const char* x = getenv("XDG_CACHE_HOME"); x != nullptr && *x == '/') return std::string(x) + "/vmi-bridge/apk";
  if (const char* h = getenv("HOME"); h != nullptr && *h == '/') return std::string(h) + "/.cache/vmi-bridge/apk";
  return "/tmp/vmi-bridge-apk-" + std::to_string(getuid());
}

std::optional<ArchivePath> SplitArchivePath(const std::string& path) {
  size_t bang = path.find('!');
  if (bang == std::string::npos || bang == 0) return std::nullopt;
  ArchivePath p;
  p.archive = path.substr(0, bang);
  size_t start = bang + 1;
  while (start < path.size() && path[start] == '/') ++start;
  p.entry = path.substr(start);
  return p;
}

Result<std::vector<std::string>> ListArchive(const std::string& archive) {
  Unz z = VMI_TRY(OpenZip(archive));
  std::vector<std::string> names;
  int rc = unzGoToFirstFile(z.get());
  while (rc == UNZ_OK) {
    char name[1024];
    unz_file_info64 info;
    rc = unzGetCurrentFileInfo64(z.get(), &info, name, sizeof(name), nullptr, 0, nullptr, 0);
    if (rc != UNZ_OK) return ZipError(archive + ": bad directory entry", rc);
    names.emplace_back(name);
    rc = unzGoToNextFile(z.get());
  }
  if (rc != UNZ_END_OF_LIST_OF_FILE) return ZipError(archive + ": bad central directory", rc);
  return names;
}

bool ArchiveHasEntry(const std::string& archive, const std::string& entry) {
  Unz z(unzOpen64(archive.c_str()));
  return z && unzLocateFile(z.get(), entry.c_str(), 1) == UNZ_OK;
}

Result<ArchiveEntryFile> OpenArchiveEntry(const ArchivePath& path) {
  Unz z = VMI_TRY(OpenZip(path.archive));
  std::string entry = path.entry;
  if (entry.find('/') == std::string::npos) {
    // A bare name: the host's ABI directory of an APK, then of an AAR.
    for (const char* dir : {"lib/", "jni/"}) {
      std::string candidate = std::string(dir) + HostAbiDirectory() + "/" + path.entry;
      if (unzLocateFile(z.get(), candidate.c_str(), 1) == UNZ_OK) {
        entry = candidate;
        break;
      }
    }
  }
  const std::string display = path.archive + "!/" + entry;
  if (unzLocateFile(z.get(), entry.c_str(), 1) != UNZ_OK) {
    return Error(ErrorCode::kNotFound, display + ": no such entry in the archive");
  }
  unz_file_info64 info;
  int rc = unzGetCurrentFileInfo64(z.get(), &info, nullptr, 0, nullptr, 0, nullptr, 0);
  if (rc != UNZ_OK) return ZipError(display + ": bad directory entry", rc);
  if (info.uncompressed_size == 0 || info.uncompressed_size > kMaxEntrySize) {
    return Error(ErrorCode::kInvalidArgument, display + ": entry size " +
                                                  std::to_string(info.uncompressed_size) + " is not a library");
  }
  ArchiveEntryFile out;
  out.display = display;
  out.size = info.uncompressed_size;
  if (info.compression_method == 0 && info.compressed_size == info.uncompressed_size) {
    rc = unzOpenCurrentFile(z.get());
    if (rc != UNZ_OK) return ZipError("open " + display, rc);
    const uint64_t data = unzGetCurrentFileZStreamPos64(z.get());
    unzCloseCurrentFile(z.get());
    if (data % PageSize() == 0) {
      out.fd = UniqueFd(open(path.archive.c_str(), O_RDONLY | O_CLOEXEC));
      if (!out.fd) return Error::FromErrno("open " + path.archive);
      struct stat st;
      if (fstat(out.fd.get(), &st) != 0) return Error::FromErrno("fstat " + path.archive);
      if (data + out.size > static_cast<uint64_t>(st.st_size)) {
        return Error(ErrorCode::kInvalidArgument, display + ": entry data runs past the end of the archive");
      }
      out.offset = data;
      out.mapped_in_place = true;
      return out;
    }
  }
  // Compressed or unaligned: inflate once into the cache. The name binds the
  // archive's identity (device, inode, size, mtime) and the entry's CRC.
  struct stat st;
  if (stat(path.archive.c_str(), &st) != 0) return Error::FromErrno("stat " + path.archive);
  const std::string dir = ArchiveCacheDir();
  VMI_CHECK_OK(MakeDirs(dir), "archive cache");
  char key[160];
  snprintf(key, sizeof(key), "%lx-%lx-%lx-%lx-%08lx-", static_cast<unsigned long>(st.st_dev),
           static_cast<unsigned long>(st.st_ino), static_cast<unsigned long>(st.st_size),
           static_cast<unsigned long>(st.st_mtime), static_cast<unsigned long>(info.crc));
  std::string base = entry.substr(entry.rfind('/') + 1);
  const std::string dest = dir + "/" + key + base;
  struct stat cached;
  if (stat(dest.c_str(), &cached) != 0 || static_cast<uint64_t>(cached.st_size) != out.size) {
    VMI_CHECK_OK(Extract(z.get(), dest, out.size, display), "load " + display);
  }
  out.fd = UniqueFd(open(dest.c_str(), O_RDONLY | O_CLOEXEC));
  if (!out.fd) return Error::FromErrno("open " + dest);
  return out;
}

}  // namespace vmi::bridge
