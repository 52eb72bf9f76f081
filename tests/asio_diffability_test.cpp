// Each stage's workflow_asio.cpp is meant to be diffed against its
// workflow.cpp: it must define the same functions, in the same order, and
// suspend in the same functions (`// suspends` marks).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

struct Shape {
  std::vector<std::string> functions;   // definitions at column 0, in order
  std::vector<std::string> suspending;  // the function around each `// suspends`
};

Shape shape_of(const std::string& path) {
  std::ifstream in(std::string(EVO_SOURCE_DIR) + "/" + path);
  EXPECT_TRUE(in) << path;
  static const std::regex definition(R"(^[A-Za-z][\w:<>, ]*[ *&]([a-z_]\w*)\()");
  Shape shape;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, definition)) shape.functions.push_back(m[1]);
    if (line.find("// suspends") != std::string::npos && !shape.functions.empty()) {
      if (shape.suspending.empty() || shape.suspending.back() != shape.functions.back()) {
        shape.suspending.push_back(shape.functions.back());
      }
    }
  }
  return shape;
}

class AsioWorkflowFile : public testing::TestWithParam<std::string> {};

TEST_P(AsioWorkflowFile, DefinesTheSameFunctionsInTheSameOrderAsWorkflowCpp) {
  Shape hand = shape_of(GetParam() + "/workflow.cpp");
  Shape asio = shape_of(GetParam() + "/workflow_asio.cpp");
  EXPECT_EQ(asio.functions, hand.functions);
  EXPECT_EQ(asio.suspending, hand.suspending);
}

INSTANTIATE_TEST_SUITE_P(AllStages, AsioWorkflowFile,
                         testing::Values("stage1_callbacks", "stage2_futures",
                                         "stage3_coroutines"));

}  // namespace
