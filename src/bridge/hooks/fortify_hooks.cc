// The _FORTIFY_SOURCE family bionic has and glibc does not (or has with
// another signature). Functions whose glibc signature is identical
// (__memcpy_chk, __vsnprintf_chk, __read_chk, __open_2, ...) pass through.
// A detected overflow logs and aborts, as bionic's __fortify_fatal does.
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

[[noreturn]] void Fatal(const char* what) {
  VMI_ILOG(ERROR, "bridge") << "FORTIFY: " << what;
  abort();
}

size_t StrlenChk(const char* s, size_t s_len) {
  size_t n = strlen(s);
  if (n >= s_len) Fatal("strlen: prevented read past end of buffer");
  return n;
}

const char* StrchrChk(const char* p, int ch, size_t s_len) {
  for (;; ++p, --s_len) {
    if (s_len == 0) Fatal("strchr: prevented read past end of buffer");
    if (*p == static_cast<char>(ch)) return p;
    if (*p == 0) return nullptr;
  }
}

const char* StrrchrChk(const char* p, int ch, size_t s_len) {
  const char* last = nullptr;
  for (;; ++p, --s_len) {
    if (s_len == 0) Fatal("strrchr: prevented read past end of buffer");
    if (*p == static_cast<char>(ch)) last = p;
    if (*p == 0) return last;
  }
}

char* StrncpyChk2(char* dst, const char* src, size_t n, size_t dst_len, size_t src_len) {
  if (n > dst_len) Fatal("strncpy: prevented write past end of buffer");
  if (n != 0) {
    size_t slen = strnlen(src, src_len);
    if (slen == src_len && n > src_len) Fatal("strncpy: prevented read past end of buffer");
  }
  return strncpy(dst, src, n);
}

char* StpncpyChk2(char* dst, const char* src, size_t n, size_t dst_len, size_t src_len) {
  if (n > dst_len) Fatal("stpncpy: prevented write past end of buffer");
  if (n != 0) {
    size_t slen = strnlen(src, src_len);
    if (slen == src_len && n > src_len) Fatal("stpncpy: prevented read past end of buffer");
  }
  return stpncpy(dst, src, n);
}

const void* MemchrChk(const void* s, int c, size_t n, size_t actual) {
  if (n > actual) Fatal("memchr: prevented read past end of buffer");
  return memchr(s, c, n);
}

const void* MemrchrChk(const void* s, int c, size_t n, size_t actual) {
  if (n > actual) Fatal("memrchr: prevented read past end of buffer");
  return memrchr(s, c, n);
}

size_t StrlcpyChk(char* dst, const char* src, size_t supplied, size_t dst_len) {
  if (supplied > dst_len) Fatal("strlcpy: prevented write past end of buffer");
  size_t len = strlen(src);
  if (supplied != 0) {
    size_t n = len >= supplied ? supplied - 1 : len;
    memcpy(dst, src, n);
    dst[n] = 0;
  }
  return len;
}

size_t StrlcatChk(char* dst, const char* src, size_t supplied, size_t dst_len) {
  if (supplied > dst_len) Fatal("strlcat: prevented write past end of buffer");
  size_t dlen = strnlen(dst, supplied);
  if (dlen == supplied) return supplied + strlen(src);
  return dlen + StrlcpyChk(dst + dlen, src, supplied - dlen, supplied - dlen);
}

mode_t UmaskChk(mode_t mode) {
  if ((mode & 0777) != mode) Fatal("umask: called with invalid mask");
  return umask(mode);
}

char* FgetsChk(char* buf, int size, void* fp, size_t buf_size) {
  if (size < 0 || static_cast<size_t>(size) > buf_size) Fatal("fgets: prevented write past end of buffer");
  return fgets(buf, size, ToGlibcFile(fp));
}

size_t FreadChk(void* buf, size_t size, size_t count, void* fp, size_t buf_size) {
  size_t total;
  if (__builtin_mul_overflow(size, count, &total) || total > buf_size) Fatal("fread: prevented write past end of buffer");
  return fread(buf, size, count, ToGlibcFile(fp));
}

size_t FwriteChk(const void* buf, size_t size, size_t count, void* fp, size_t buf_size) {
  size_t total;
  if (__builtin_mul_overflow(size, count, &total) || total > buf_size) Fatal("fwrite: prevented read past end of buffer");
  return fwrite(buf, size, count, ToGlibcFile(fp));
}

ssize_t WriteChk(int fd, const void* buf, size_t count, size_t buf_size) {
  if (count > buf_size) Fatal("write: prevented read past end of buffer");
  return write(fd, buf, count);
}

ssize_t PreadChk(int fd, void* buf, size_t count, off_t off, size_t buf_size) {
  if (count > buf_size) Fatal("pread: prevented write past end of buffer");
  return pread(fd, buf, count, off);
}

ssize_t PwriteChk(int fd, const void* buf, size_t count, off_t off, size_t buf_size) {
  if (count > buf_size) Fatal("pwrite: prevented read past end of buffer");
  return pwrite(fd, buf, count, off);
}

ssize_t SendtoChk(int s, const void* buf, size_t len, size_t buflen, int flags, const sockaddr* to, socklen_t tolen) {
  if (len > buflen) Fatal("sendto: prevented read past end of buffer");
  return sendto(s, buf, len, flags, to, tolen);
}

void FdSetChk(int fd, fd_set* set, size_t set_size) {
  if (fd < 0 || fd >= FD_SETSIZE || set_size < sizeof(fd_set)) Fatal("FD_SET: file descriptor out of range");
  FD_SET(fd, set);
}
void FdClrChk(int fd, fd_set* set, size_t set_size) {
  if (fd < 0 || fd >= FD_SETSIZE || set_size < sizeof(fd_set)) Fatal("FD_CLR: file descriptor out of range");
  FD_CLR(fd, set);
}
int FdIssetChk(int fd, const fd_set* set, size_t set_size) {
  if (fd < 0 || fd >= FD_SETSIZE || set_size < sizeof(fd_set)) Fatal("FD_ISSET: file descriptor out of range");
  return FD_ISSET(fd, set);
}

const HookEntry kHooks[] = {
    VMI_HOOK("__strlen_chk", StrlenChk),     VMI_HOOK("__strchr_chk", StrchrChk),
    VMI_HOOK("__strrchr_chk", StrrchrChk),   VMI_HOOK("__strncpy_chk2", StrncpyChk2),
    VMI_HOOK("__stpncpy_chk2", StpncpyChk2), VMI_HOOK("__memchr_chk", MemchrChk),
    VMI_HOOK("__memrchr_chk", MemrchrChk),   VMI_HOOK("__strlcpy_chk", StrlcpyChk),
    VMI_HOOK("__strlcat_chk", StrlcatChk),   VMI_HOOK("__umask_chk", UmaskChk),
    VMI_HOOK("__fgets_chk", FgetsChk),       VMI_HOOK("__fread_chk", FreadChk),
    VMI_HOOK("__fwrite_chk", FwriteChk),     VMI_HOOK("__write_chk", WriteChk),
    VMI_HOOK("__pread_chk", PreadChk),       VMI_HOOK("__pread64_chk", PreadChk),
    VMI_HOOK("__pwrite_chk", PwriteChk),     VMI_HOOK("__pwrite64_chk", PwriteChk),
    VMI_HOOK("__sendto_chk", SendtoChk),     VMI_HOOK("__FD_SET_chk", FdSetChk),
    VMI_HOOK("__FD_CLR_chk", FdClrChk),      VMI_HOOK("__FD_ISSET_chk", FdIssetChk),
};

}  // namespace

void AddFortifyHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
