#include "bridge/testing/test_zip.h"

#include <gtest/gtest.h>
#include <minizip/zip.h>
#include <zlib.h>

#include <cstdint>

namespace vmi::bridge::testing {

void WriteZip(const std::string& path, const std::vector<ZipEntry>& entries) {
  zipFile zf = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  ASSERT_NE(zf, nullptr);
  uint64_t offset = 0;
  for (const ZipEntry& e : entries) {
    std::string extra;
    if (e.stored) {
      uint64_t header = 30 + e.name.size();
      uint64_t pad = (4096 - (offset + header + 4) % 4096) % 4096;
      extra.assign(4 + pad, '\0');
      extra[0] = '\x35';  // 0xd935: Android's alignment extra field
      extra[1] = '\xd9';
      extra[2] = static_cast<char>(pad & 0xff);
      extra[3] = static_cast<char>(pad >> 8);
    }
    zip_fileinfo zi{};
    ASSERT_EQ(zipOpenNewFileInZip64(zf, e.name.c_str(), &zi, extra.empty() ? nullptr : extra.data(),
                                    static_cast<uInt>(extra.size()), nullptr, 0, nullptr,
                                    e.stored ? 0 : Z_DEFLATED, e.stored ? 0 : 9, 0),
              ZIP_OK);
    ASSERT_EQ(zipWriteInFileInZip(zf, e.data.data(), static_cast<unsigned>(e.data.size())), ZIP_OK);
    ASSERT_EQ(zipCloseFileInZip(zf), ZIP_OK);
    offset += 30 + e.name.size() + extra.size() + e.data.size();
  }
  ASSERT_EQ(zipClose(zf, nullptr), ZIP_OK);
}

}  // namespace vmi::bridge::testing
