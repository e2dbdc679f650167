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

TEST(StateFile, FindsTheStateOfOneService) {
  std::string text = "xvfb ready 12 0\nwm backoff 0 3\nxvfb-helper failed 0 1\n";
  EXPECT_EQ(FindServiceState(text, "xvfb"), ServiceState::kReady);
  EXPECT_EQ(FindServiceState(text, "wm"), ServiceState::kBackoff);
  EXPECT_EQ(FindServiceState(text, "xvfb-helper"), ServiceState::kFailed);
  EXPECT_EQ(FindServiceState(text, "kbd"), std::nullopt);
  EXPECT_EQ(FindServiceState(text, "xv"), std::nullopt);
  EXPECT_EQ(FindServiceState(FormatState({{"xvfb", ServiceState::kStarting, 7, 0}}), "xvfb"),
            ServiceState::kStarting);
}

TEST(StateFile, MalformedTextIsNoAnswer) {
  EXPECT_EQ(FindServiceState("", "xvfb"), std::nullopt);
  EXPECT_EQ(FindServiceState("xvfb", "xvfb"), std::nullopt);
  EXPECT_EQ(FindServiceState("xvfb \n", "xvfb"), std::nullopt);
  EXPECT_EQ(FindServiceState("xvfb readyish 1 0\n", "xvfb"), std::nullopt);
  EXPECT_EQ(FindServiceState(std::string("xvfb\0ready 1 0", 15), "xvfb"), std::nullopt);
  // No trailing newline (a torn write is impossible, but the guest writes what it likes).
  EXPECT_EQ(FindServiceState("wm ready 1 0\nxvfb stopped 0 0", "xvfb"), ServiceState::kStopped);
}

}  // namespace
}  // namespace vmi::guest
