// Reference solution for when_all_by_hand: stage 1's join counter, with a
// promise where stage 1 had the final handler. stage2::when_all
// (combinators.hpp) is the same code, generic over T.
#include "stage2_futures/exercises/when_all_by_hand.hpp"

#include <memory>

namespace evo::exercises {

using namespace evo::stage2;

Future<std::vector<int>> all_of(std::vector<Future<int>> futures) {
  // The join outlives this function: every on_complete callback holds a
  // share of it, and the last one to finish frees it.
  struct Join {
    std::vector<int> results;
    std::size_t left;
    Promise<std::vector<int>> promise;
    bool done = false;
  };
  auto join = std::make_shared<Join>(std::vector<int>(futures.size()), futures.size());
  Future<std::vector<int>> result = join->promise.get_future();
  if (futures.empty()) join->promise.set_value();  // nothing to wait for
  for (std::size_t i = 0; i < futures.size(); ++i) {
    std::move(futures[i]).on_complete([join, i](std::error_code ec, int value) {  // suspends
      if (join->done) return;  // an earlier error already answered
      if (ec) {
        join->done = true;
        return join->promise.set_error(ec);
      }
      join->results[i] = value;
      if (--join->left == 0) {
        join->done = true;
        join->promise.set_value(std::move(join->results));
      }
    });
  }
  return result;
}

}  // namespace evo::exercises
