// The three workflow files are meant to be diffed (scripts/diff-stages): they
// must define the same functions, in the same order, so that a diff shows
// only the async mechanism. This reads them as text and checks exactly that.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

// Function definitions start at column 0 ("Task<User> fetch_user_and_profile(");
// calls inside bodies are indented, so they are not counted.
std::vector<std::string> defined_functions(const std::string& path) {
  std::ifstream in(std::string(EVO_SOURCE_DIR) + "/" + path);
  EXPECT_TRUE(in) << path;
  static const std::regex definition(R"(^[A-Za-z][\w:<>, ]*[ *&]([a-z_]\w*)\()");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, definition)) names.push_back(m[1]);
  }
  return names;
}

TEST(Diffability, TheThreeWorkflowsDefineTheSameFunctionsInTheSameOrder) {
  auto stage1 = defined_functions("stage1_callbacks/workflow.cpp");
  auto stage2 = defined_functions("stage2_futures/workflow.cpp");
  auto stage3 = defined_functions("stage3_coroutines/workflow.cpp");
  EXPECT_EQ(stage1, (std::vector<std::string>{"user_label", "one_task", "two_tasks",
                                              "fetch_user_and_profile", "fetch_all",
                                              "fetch_with_timeout"}));
  EXPECT_EQ(stage2, stage1);
  EXPECT_EQ(stage3, stage1);
}

TEST(Diffability, TheThreeHeadersDeclareTheSameFunctionsInTheSameOrder) {
  auto stage1 = defined_functions("stage1_callbacks/workflow.hpp");
  EXPECT_EQ(stage1.size(), 5u);
  EXPECT_EQ(defined_functions("stage2_futures/workflow.hpp"), stage1);
  EXPECT_EQ(defined_functions("stage3_coroutines/workflow.hpp"), stage1);
}

}  // namespace
