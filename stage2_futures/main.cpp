// stage2_futures: the workflow with futures. Try --help.
#include "adapter.hpp"
#include "common/runner.hpp"

int main(int argc, char** argv) {
  return evo::stage_main(evo::stage2::stage_api(), argc, argv);
}
