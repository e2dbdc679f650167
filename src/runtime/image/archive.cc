#include "runtime/image/archive.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/child_process.h"
#include "base/unique_fd.h"

namespace vmi::image {

Result<Compression> DetectCompression(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  unsigned char m[6] = {};
  ssize_t n = read(fd.get(), m, sizeof m);
  if (n < 0) return Error::FromErrno("read " + path);
  if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return Compression::kGzip;
  if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0) return Compression::kXz;
  if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return Compression::kZstd;
  if (n >= 3 && memcmp(m, "BZh", 3) == 0) return Compression::kBzip2;
  return Compression::kNone;
}

Result<TarSafetyCheck> ScanArchive(const std::string& path,
                                   const std::function<Result<void>(const TarEntry&)>& extra) {
  Compression c = VMI_TRY(DetectCompression(path));
  UniqueFd file(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) return Error::FromErrno("open " + path);
  std::optional<ChildProcess> decompressor;
  int source = file.get();
  if (c != Compression::kNone) {
    const char* prog = c == Compression::kGzip  ? "gzip"
                       : c == Compression::kXz  ? "xz"
                       : c == Compression::kZstd ? "zstd"
                                                 : "bzip2";
    SpawnOptions o;
    o.stdin_fd = file.get();
    o.capture_stdout = true;
    o.capture_stderr = true;
    decompressor.emplace(VMI_TRY_CTX(ChildProcess::Spawn({prog, "-dc"}, o), "decompress " + path));
    source = decompressor->stdout_pipe().get();
  }
  TarSafetyCheck check;
  TarReader reader([&](const TarEntry& e) -> Result<void> {
    auto ok = check.Check(e);
    if (!ok.ok() || !extra) return ok;
    return extra(e);
  });
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(source, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("read " + path);
    }
    if (n == 0) break;
    VMI_CHECK_OK(reader.Feed(std::string_view(buf, n)), path);
  }
  if (decompressor) {
    int status = VMI_TRY(decompressor->Wait());
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
      return Error(ErrorCode::kInvalidArgument, path + ": corrupt compressed data (" +
                                                    DescribeWaitStatus(status) + ")");
  }
  VMI_CHECK_OK(reader.Finish(), path);
  return check;
}

Result<void> ExtractArchive(const std::string& path, const std::string& dir) {
  // GNU tar detects the compression itself. --delay-directory-restore lets
  // read-only directories be filled; --no-overwrite-dir keeps "." as made.
  VMI_TRY(RunChecked({"tar", "--extract", "--file", path, "--directory", dir, "--numeric-owner",
                      "--same-owner", "--preserve-permissions", "--delay-directory-restore",
                      "--no-overwrite-dir", "--warning=no-unknown-keyword",
                      "--warning=no-timestamp"},
                     {}, std::chrono::minutes(30)));
  return Ok();
}

}  // namespace vmi::image
