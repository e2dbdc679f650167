// Replays the fuzz corpus (testdata/client_message/) through the fuzz
// target's checks, so the regular suite covers what fuzzing found.
#include <dirent.h>
#include <gtest/gtest.h>

#include <string>

#include "base/file.h"
#include "stream/web/client_message_check.h"
#include "stream/web/protocol.h"

namespace vmi::web {
namespace {

TEST(ClientMessageRegressTest, ReplaysCorpus) {
  std::string dir = std::string(VMI_WEB_TESTDATA) + "/client_message";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  int files = 0, accepted = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    auto data = ReadFile(dir + "/" + e->d_name);
    ASSERT_TRUE(data.ok()) << data.error().ToString();
    auto* p = reinterpret_cast<const uint8_t*>(data->data());
    CheckClientMessage(p, data->size());
    accepted += ParseClientMessage({p, data->size()}).ok();
    ++files;
  }
  closedir(d);
  EXPECT_GE(files, 10);
  // The corpus holds both valid seeds and malformed inputs.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, files);
}

}  // namespace
}  // namespace vmi::web
