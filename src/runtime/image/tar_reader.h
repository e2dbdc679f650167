// TarReader: a streaming parser of tar headers (ustar, GNU and pax), used to
// inspect an archive before the `tar` program extracts it. It never writes
// anything; it reports each member's name, type, link target and size.
//
// Layout of one 512-byte header block (offsets in bytes, numbers are octal
// ASCII, or base-256 when the first byte has its high bit set):
//
//    0 name[100]      100 mode[8]     108 uid[8]     116 gid[8]
//  124 size[12]       136 mtime[12]   148 chksum[8]  156 typeflag[1]
//  157 linkname[100]  257 magic[6]    263 version[2] 265 uname[32]
//  297 gname[32]      329 devmajor[8] 337 devminor[8] 345 prefix[155]
//  500 pad[12]
//
// chksum is the sum of all 512 bytes with the chksum field read as spaces.
// Member data follows in 512-byte blocks. typeflag 'x' (pax) carries
// "<len> <key>=<value>\n" records (path, linkpath, size) for the next member;
// 'L'/'K' (GNU) carry the next member's long name / link name. Two zero
// blocks end the archive.
//
// Threads: none; one reader per stream.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmi::image {

struct TarEntry {
  std::string path;  // as stored (not normalized)
  char type = '0';   // '0' file, '1' hard link, '2' symlink, '3' char, '4' block,
                     // '5' dir, '6' fifo ('7' and '\0' are reported as '0')
  std::string link;  // link target for '1' and '2'
  uint64_t size = 0;
  uint32_t mode = 0;
};

class TarReader {
 public:
  using Callback = std::function<Result<void>(const TarEntry&)>;
  explicit TarReader(Callback on_entry) : on_entry_(std::move(on_entry)) {}

  // Feeds the next bytes of the (uncompressed) archive.
  Result<void> Feed(std::string_view data);
  // Call at the end of the stream: fails if it ended inside a member.
  Result<void> Finish();
  uint64_t entries() const { return entries_; }

 private:
  Result<void> OnHeader(const unsigned char* h);
  Result<void> OnMetaData();

  Callback on_entry_;
  std::string block_;       // partial header block
  uint64_t skip_ = 0;       // data bytes (incl. padding) still to skip
  char meta_type_ = 0;      // 'x', 'L' or 'K' while collecting its data
  uint64_t meta_left_ = 0;  // meta data bytes still to collect
  uint64_t meta_pad_ = 0;
  std::string meta_;
  // Overrides for the next real member, from pax / GNU headers.
  std::string next_path_, next_link_;
  bool has_next_size_ = false;
  uint64_t next_size_ = 0;
  int zero_blocks_ = 0;
  bool ended_ = false;
  uint64_t entries_ = 0;
};

}  // namespace vmi::image
