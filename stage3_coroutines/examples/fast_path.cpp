// stage3_fast_path: await_ready's fast path, made visible.
//
// `co_await x` first asks x.await_ready(): "is the result here already?" If
// it says yes, the coroutine does not suspend at all: await_suspend is not
// called, nothing is handed to the reactor, the value is just taken. Here the
// awaited object is a Lookup in a small user cache: a miss suspends and
// fetches through the reactor, a hit is ready at once. The program looks the
// same user up twice and prints, each time, whether the coroutine suspended
// and what the reactor saw.
#include <cstdio>
#include <map>
#include <stop_token>

#include "common/reactor.hpp"
#include "common/services.hpp"
#include "common/trace.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

using namespace evo;
using namespace evo::stage3;

namespace {

class UserCache {
 public:
  explicit UserCache(Services& services) : services_(services) {}

  // What `co_await cache.lookup(id)` awaits: a hit is ready at once; a miss is
  // the adapter of from_callbacks.hpp around services.fetch_user.
  class Lookup {
   public:
    Lookup(UserCache& cache, UserId id)
        : cache_(cache), id_(id), fetch_(&Services::fetch_user, &cache.services_, id) {}

    bool await_ready() const noexcept { return cache_.users_.contains(id_); }  // the fast path

    template <class P>
    bool await_suspend(std::coroutine_handle<P> coroutine) {
      ++cache_.suspensions;
      return fetch_.await_suspend(coroutine);
    }

    User await_resume() {
      if (!cache_.users_.contains(id_)) cache_.users_.emplace(id_, fetch_.await_resume());
      return cache_.users_.at(id_);
    }

   private:
    UserCache& cache_;
    UserId id_;
    CallbackAwaiter<User, void (Services::*)(UserId, Handler<User>, std::stop_token), Services*,
                    UserId>
        fetch_;
  };

  Lookup lookup(UserId id) { return Lookup(*this, id); }
  int suspensions = 0;  // how many lookups suspended their coroutine

 private:
  Services& services_;
  std::map<UserId, User> users_;
};

Task<void> look_up(UserCache& cache, UserId id, User& out) {
  out = co_await cache.lookup(id);  // suspends on a miss only
}

void show(const char* what, int suspended, const Recorder& recorder, const User& user) {
  std::printf("%s: suspended %d time(s), the reactor saw %zu events\n", what, suspended,
              recorder.entries().size());
  for (const std::string& line : recorder.lines()) std::printf("    %s\n", line.c_str());
  std::printf("    -> user %llu\n\n", static_cast<unsigned long long>(user.id));
}

}  // namespace

int main() {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, ServiceConfig{});
  UserCache cache(services);
  auto ignore = [](std::exception_ptr, std::monostate) {};

  for (const char* what : {"Lookup of user 7, not cached yet", "Lookup of user 7, cached"}) {
    Recorder recorder;
    reactor.set_observer(&recorder);
    User user{};
    int suspended_before = cache.suspensions;
    start(look_up(cache, 7, user), ignore);
    reactor.run();  // a miss waits here for its timer; a hit has nothing to run
    show(what, cache.suspensions - suspended_before, recorder, user);
    reactor.set_observer(nullptr);  // the recorder ends with this round
  }
  if (live_frames() != 0) {
    std::printf("bug: %zu coroutine frames leaked\n", live_frames());
    return 70;
  }
  return 0;
}
