// Your file: make tests/exercises/first_error_stops_test.cpp pass.
// Check with `tutor check first_error_stops`; stuck? `tutor hint first_error_stops`.
#include "first_error_stops.hpp"

#include <memory>
#include <utility>

#include "common/cancel.hpp"
#include "common/errors.hpp"
#include "common/exercise.hpp"

namespace evo::exercises {

void fetch_together(Services& services, UserId id, Handler<UserProfile> handler,
                    std::stop_token stop) {
  // TODO: start both fetches, each with a token of its own (a ChildStops of
  // two, linked to `stop`). The first error stops the other, then answers;
  // the second success answers with both values. Exactly once.
  (void)services;
  (void)id;
  (void)handler;
  (void)stop;
  todo("fetch_together");
}

}  // namespace evo::exercises
