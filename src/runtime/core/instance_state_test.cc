#include "runtime/core/instance_state.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace vmi::runtime {
namespace {

using S = InstanceState;

// The whole table, edge by edge: any edge added or lost fails here.
TEST(InstanceStateTest, TransitionTableIsExactlyTheDrawnOne) {
  const std::set<std::pair<S, S>> edges = {
      {S::kCreated, S::kStarting},  {S::kStopped, S::kStarting},  {S::kExited, S::kStarting},
      {S::kStarting, S::kRunning},  {S::kStarting, S::kCreated},  {S::kStarting, S::kStopped},
      {S::kStarting, S::kExited},   {S::kStarting, S::kStopping}, {S::kRunning, S::kStopping},
      {S::kRunning, S::kExited},    {S::kStopping, S::kStopped},  {S::kStopping, S::kFailed},
      {S::kFailed, S::kStopping},
  };
  for (S from : kAllInstanceStates) {
    for (S to : kAllInstanceStates) {
      const bool want = edges.count({from, to}) > 0;
      EXPECT_EQ(CanTransition(from, to), want)
          << InstanceStateName(from) << " -> " << InstanceStateName(to);
      EXPECT_EQ(CheckTransition(from, to).ok(), want);
    }
  }
}

TEST(InstanceStateTest, RefusalNamesBothStates) {
  auto r = CheckTransition(S::kRunning, S::kCreated);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r.error().ToString().find("from running to created"), std::string::npos)
      << r.error().ToString();
}

TEST(InstanceStateTest, NoStateLoopsOntoItself) {
  for (S s : kAllInstanceStates) EXPECT_FALSE(CanTransition(s, s)) << InstanceStateName(s);
}

TEST(InstanceStateTest, EveryStateReachesRestAndStartAgain) {
  // From every state some path leads to one a start may begin from: no
  // state traps an instance (failed leaves through a stop).
  for (S s : kAllInstanceStates) {
    std::set<S> seen = {s};
    std::vector<S> todo = {s};
    while (!todo.empty()) {
      S at = todo.back();
      todo.pop_back();
      for (S to : kAllInstanceStates)
        if (CanTransition(at, to) && seen.insert(to).second) todo.push_back(to);
    }
    EXPECT_TRUE(seen.count(S::kStopped) || seen.count(S::kExited) || seen.count(S::kCreated))
        << InstanceStateName(s);
    EXPECT_TRUE(seen.count(S::kRunning)) << InstanceStateName(s);
  }
}

TEST(InstanceStateTest, OnlyRestingStatesStart) {
  EXPECT_TRUE(CanStart(S::kCreated));
  EXPECT_TRUE(CanStart(S::kStopped));
  EXPECT_TRUE(CanStart(S::kExited));
  for (S s : {S::kStarting, S::kRunning, S::kStopping, S::kFailed})
    EXPECT_FALSE(CanStart(s)) << InstanceStateName(s);
}

TEST(InstanceStateTest, NamesRoundTrip) {
  for (S s : kAllInstanceStates) {
    auto back = ParseInstanceState(InstanceStateName(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(ParseInstanceState("dead").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseInstanceState("").ok());
  EXPECT_FALSE(ParseInstanceState("Running").ok());
}

}  // namespace
}  // namespace vmi::runtime
