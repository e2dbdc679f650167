#include "guest/thunk/thunk_server.h"

#include <sys/uio.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

namespace vmi::thunk {
namespace {

// Copies `len` bytes between the guest's address `remote` and `local`;
// process_vm_* may move less than asked, so it loops.
bool Transfer(pid_t guest, uint64_t remote, void* local, uint64_t len, bool write) {
  uint64_t done = 0;
  while (done < len) {
    iovec l{static_cast<char*>(local) + done, static_cast<size_t>(len - done)};
    iovec r{reinterpret_cast<void*>(remote + done), static_cast<size_t>(len - done)};
    ssize_t n = write ? process_vm_writev(guest, &l, 1, &r, 1, 0)
                      : process_vm_readv(guest, &l, 1, &r, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<uint64_t>(n);
  }
  return true;
}

vmi_thunk_reply Reply(int32_t status, uint64_t r0 = 0) {
  return vmi_thunk_reply{VMI_THUNK_MAGIC, status, r0, 0};
}

// The guest's buffer, copied in; nullptr (and `status` set) when it cannot be.
std::unique_ptr<Bytef[]> ReadIn(pid_t guest, uint64_t addr, uint64_t len, int32_t* status) {
  if (len > VMI_THUNK_MAX_LEN) {
    *status = VMI_THUNK_TOO_LONG;
    return nullptr;
  }
  std::unique_ptr<Bytef[]> buf(new (std::nothrow) Bytef[len ? len : 1]);
  if (!buf) {
    *status = VMI_THUNK_NO_MEMORY;
    return nullptr;
  }
  if (!Transfer(guest, addr, buf.get(), len, false)) {
    *status = VMI_THUNK_FAULT;
    return nullptr;
  }
  return buf;
}

// The checksums run over the guest's memory in 4 MiB pieces, so a long
// buffer needs no copy of its full length.
vmi_thunk_reply Checksum(pid_t guest, const vmi_thunk_request& q, bool crc) {
  uint64_t sum = q.a[0], addr = q.a[1], len = q.a[2];
  if (len > VMI_THUNK_MAX_LEN) return Reply(VMI_THUNK_TOO_LONG);
  constexpr uint64_t kPiece = 4u << 20;
  std::unique_ptr<Bytef[]> buf(new (std::nothrow) Bytef[kPiece]);
  if (!buf) return Reply(VMI_THUNK_NO_MEMORY);
  for (uint64_t off = 0; off < len; off += kPiece) {
    uint64_t n = len - off < kPiece ? len - off : kPiece;
    if (!Transfer(guest, addr + off, buf.get(), n, false)) return Reply(VMI_THUNK_FAULT);
    sum = crc ? crc32_z(sum, buf.get(), n) : adler32_z(sum, buf.get(), n);
  }
  return Reply(0, sum);
}

// COMPRESS2 and UNCOMPRESS: source in, zlib into a local buffer of the
// guest's capacity, the produced bytes out to the guest's destination.
vmi_thunk_reply Convert(pid_t guest, const vmi_thunk_request& q, bool compress) {
  uint64_t dest = q.a[0], cap = q.a[1], src = q.a[2], src_len = q.a[3];
  if (cap > VMI_THUNK_MAX_LEN) return Reply(VMI_THUNK_TOO_LONG);
  int32_t status = 0;
  auto in = ReadIn(guest, src, src_len, &status);
  if (!in) return Reply(status);
  std::unique_ptr<Bytef[]> out(new (std::nothrow) Bytef[cap ? cap : 1]);
  if (!out) return Reply(VMI_THUNK_NO_MEMORY);
  uLongf out_len = cap;
  int rc;
  if (compress) {
    int level = static_cast<int>(static_cast<int64_t>(q.a[4]));
    if (level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION) return Reply(Z_STREAM_ERROR);
    rc = compress2(out.get(), &out_len, in.get(), src_len, level);
  } else {
    rc = uncompress(out.get(), &out_len, in.get(), src_len);
  }
  // zlib's uncompress reports how much it produced even when the buffer
  // was too small (Z_BUF_ERROR), so the guest gets those bytes too, as
  // zlib itself would have written them.
  if ((rc == Z_OK || rc == Z_BUF_ERROR) && out_len > 0 &&
      !Transfer(guest, dest, out.get(), out_len, true))
    return Reply(VMI_THUNK_FAULT);
  return Reply(rc, out_len);
}

}  // namespace

vmi_thunk_reply Serve(pid_t guest, const vmi_thunk_request& q) {
  if (q.magic != VMI_THUNK_MAGIC || q.version != VMI_THUNK_VERSION)
    return Reply(VMI_THUNK_BAD_MESSAGE);
  switch (q.op) {
    case VMI_THUNK_HELLO: {
      // a[0] is the address of a nonce whose bytes follow in a[1..3]
      // (a[1] is its length, at most 16): if the guest's address is not
      // the host's, the bytes differ and no later pointer can be trusted.
      uint64_t len = q.a[1];
      if (len == 0 || len > 16) return Reply(VMI_THUNK_BAD_MESSAGE);
      unsigned char seen[16];
      if (!Transfer(guest, q.a[0], seen, len, false) || memcmp(seen, &q.a[2], len) != 0)
        return Reply(VMI_THUNK_FAULT);
      return Reply(0);
    }
    case VMI_THUNK_CRC32:
      return Checksum(guest, q, true);
    case VMI_THUNK_ADLER32:
      return Checksum(guest, q, false);
    case VMI_THUNK_COMPRESS2:
      return Convert(guest, q, true);
    case VMI_THUNK_UNCOMPRESS:
      return Convert(guest, q, false);
    default:
      return Reply(VMI_THUNK_BAD_OP);
  }
}

}  // namespace vmi::thunk
