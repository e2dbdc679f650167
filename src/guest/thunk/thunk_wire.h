/* The wire format between a translated guest program's thunk library
 * (zlib_shim.c, built for the guest's CPU) and vmi-thunkd, the host-native
 * process that runs the library call. C, so that both sides include it.
 *
 * One SOCK_SEQPACKET socket per guest process; every message is one packet
 * of a fixed size, little-endian (both arm64 and x86_64 are):
 *
 *   request, 48 bytes:
 *    0      4      6      8                                         48
 *   +------+------+------+------------------------------------------+
 *   |magic |vers. | op   | a[0..4]: five u64 arguments (per op)      |
 *   +------+------+------+------------------------------------------+
 *
 *   reply, 24 bytes:
 *    0      4      8             16            24
 *   +------+------+-------------+-------------+
 *   |magic |status| r0          | r1          |
 *   +------+------+-------------+-------------+
 *
 * Arguments that are pointers are guest addresses. The server reads and
 * writes the guest's memory with process_vm_readv/writev, so a buffer
 * crosses once, at memory speed, and never through the socket. That needs
 * the guest address to be the host address (QEMU's guest_base 0, what
 * qemu-user picks for a 64-bit guest on a 64-bit host); HELLO checks it.
 *
 *   op         a[0]         a[1]        a[2]     a[3]     a[4]   -> status, r0
 *   HELLO      &nonce       nonce len   the nonce's bytes (<= 16)    0 or FAULT
 *   CRC32      crc          buf         len      -        -         0, crc
 *   ADLER32    adler        buf         len      -        -         0, adler
 *   COMPRESS2  dest         dest cap.   src      src len  level     zlib rc, dest len
 *   UNCOMPRESS dest         dest cap.   src      src len  -         zlib rc, dest len
 *
 * A status below -100 is the server's own refusal (bad magic, op or
 * length) rather than zlib's return code. */
#ifndef VMI_GUEST_THUNK_THUNK_WIRE_H_
#define VMI_GUEST_THUNK_THUNK_WIRE_H_

#include <stdint.h>

#define VMI_THUNK_MAGIC 0x544d5656u /* "VVMT" */
#define VMI_THUNK_VERSION 1
/* The largest buffer one call may name (1 GiB): zlib's own uInt/uLong
 * arguments allow more, but the server allocates a copy. */
#define VMI_THUNK_MAX_LEN (1ull << 30)

enum vmi_thunk_op {
  VMI_THUNK_HELLO = 1,
  VMI_THUNK_CRC32 = 2,
  VMI_THUNK_ADLER32 = 3,
  VMI_THUNK_COMPRESS2 = 4,
  VMI_THUNK_UNCOMPRESS = 5,
};

enum vmi_thunk_refusal {
  VMI_THUNK_BAD_MESSAGE = -101,
  VMI_THUNK_BAD_OP = -102,
  VMI_THUNK_TOO_LONG = -103,
  VMI_THUNK_NO_MEMORY = -104,
  VMI_THUNK_FAULT = -105, /* the guest memory could not be read or written */
};

struct vmi_thunk_request {
  uint32_t magic;
  uint16_t version;
  uint16_t op;
  uint64_t a[5];
};

struct vmi_thunk_reply {
  uint32_t magic;
  int32_t status;
  uint64_t r0;
  uint64_t r1;
};

#ifdef __cplusplus
static_assert(sizeof(vmi_thunk_request) == 48, "wire size");
static_assert(sizeof(vmi_thunk_reply) == 24, "wire size");
#else
_Static_assert(sizeof(struct vmi_thunk_request) == 48, "wire size");
_Static_assert(sizeof(struct vmi_thunk_reply) == 24, "wire size");
#endif

#endif /* VMI_GUEST_THUNK_THUNK_WIRE_H_ */
