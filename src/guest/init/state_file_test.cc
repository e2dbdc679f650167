#include "guest/init/state_file.h"

#include <gtest/gtest.h>

namespace vmi::guest {
namespace {

TEST(StateFile, ExactFormat) {
  std::vector<ServiceStatus> s = {{"xvfb", ServiceState::kReady, 12, 0},
                                  {"wm", ServiceState::kBackoff, 0, 3},
                                  {"kbd", ServiceState::kWaiting, 0, 0}};
  EXPECT_EQ(FormatState(s), "xvfb ready 12 0\nwm backoff 0 3\nkbd waiting 0 0\n");
  EXPECT_EQ(FormatState({}), "");
}

TEST(StateFile, EveryStateHasAName) {
  for (auto st : {ServiceState::kWaiting, ServiceState::kStarting, ServiceState::kReady,
                  ServiceState::kBackoff, ServiceState::kExited, ServiceState::kFailed,
                  ServiceState::kStopping, ServiceState::kStopped}) {
    std::string name = ServiceStateName(st);
    EXPECT_NE(name, "?");
    EXPECT_EQ(name.find(' '), std::string::npos);
  }
}

}  // namespace
}  // namespace vmi::guest
