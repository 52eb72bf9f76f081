// Specifies common/labels.hpp: the task names both loops trace under. The
// loops' side (a label lives while its task has work, "done" then forgets it)
// is in reactor_lifetime_test.cpp and asio_engine_test.cpp.
#include "common/labels.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using evo::Labels;

TEST(Labels, MainIsLabelZeroAndIsNeverForgotten) {
  Labels labels;
  EXPECT_EQ(labels.name(0), "main");
  labels.acquire(0);
  EXPECT_TRUE(labels.release(0));
  labels.forget(0);
  EXPECT_EQ(labels.intern("main"), 0u);
  EXPECT_EQ(labels.live(), 1u);
}

TEST(Labels, ANameWithWorkLeftIsTheSameLabelAndAForgottenOneStartsAfresh) {
  Labels labels;
  Labels::Id a = labels.intern("Task A");
  labels.acquire(a);
  EXPECT_EQ(labels.intern(std::string("Task A")), a) << "joins the live label";
  EXPECT_EQ(labels.live(), 2u);

  ASSERT_TRUE(labels.release(a));
  EXPECT_EQ(labels.name(a), "Task A") << "still named until forgotten: done is reported first";
  labels.forget(a);
  EXPECT_EQ(labels.live(), 1u);

  Labels::Id b = labels.intern("Task B");
  EXPECT_EQ(b, a) << "the forgotten id is reused";
  EXPECT_EQ(labels.name(b), "Task B");
  EXPECT_NE(labels.intern("Task A"), b) << "Task A is a fresh label now";
}

// An observer of "done" may spawn the same name again before the loop
// forgets the label: it joins the label, which must then stay.
TEST(Labels, ALabelThatGotWorkAgainBeforeItIsForgottenStays) {
  Labels labels;
  Labels::Id a = labels.intern("Task A");
  labels.acquire(a);
  ASSERT_TRUE(labels.release(a));  // the loop reports "done" here...
  EXPECT_EQ(labels.intern("Task A"), a) << "...and its observer spawns Task A again";
  labels.acquire(a);
  labels.forget(a);  // ...then the loop forgets: too late
  EXPECT_EQ(labels.live(), 2u);
  Labels::Id b = labels.intern("Task B");
  EXPECT_NE(b, a) << "the id of a live label was handed out again";
  EXPECT_EQ(labels.name(a), "Task A");
}

TEST(Labels, ANameViewStaysValidWhileManyLabelsAreAdded) {
  Labels labels;
  Labels::Id a = labels.intern("Task A");
  labels.acquire(a);
  std::string_view name = labels.name(a);
  for (int i = 0; i < 1000; ++i) labels.acquire(labels.intern("user " + std::to_string(i)));
  EXPECT_EQ(name, "Task A");
  EXPECT_EQ(labels.live(), 1002u);
}

}  // namespace
