// stage3_coroutines: the workflow with coroutines. Try --help.
#include "adapter.hpp"
#include "common/runner.hpp"

int main(int argc, char** argv) {
  return evo::stage_main(evo::stage3::stage_api(), argc, argv);
}
