// stage3_lowered: stage 3 with its coroutines lowered by hand (lowered.cpp).
// Same flags, same trace as the three stage binaries. Try --help.
#include "common/runner.hpp"
#include "lowered_adapter.hpp"

int main(int argc, char** argv) {
  return evo::stage_main(evo::stage3::lowered::stage_api(), argc, argv);
}
