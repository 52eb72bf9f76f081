#include "common/reactor.hpp"
#include <gtest/gtest.h>
TEST(Reactor, Builds) {
  evo::Reactor r;
  r.run();
}
