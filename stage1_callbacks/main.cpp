// stage1_callbacks: the workflow with plain callbacks. Try --help.
#include "adapter.hpp"
#include "common/runner.hpp"

int main(int argc, char** argv) {
  return evo::stage_main(evo::stage1::stage_api(), argc, argv);
}
