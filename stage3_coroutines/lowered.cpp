// The coroutines of workflow.cpp, lowered by hand. Read workflow.cpp first.
//
// What the compiler does with a coroutine, and what this file does by hand:
//   - the call allocates a FRAME on the heap: the parameters (copied in), the
//     locals that live across a co_await, the result of the co_await it waits
//     in, and a RESUME POINT: where to go on from next time;
//   - resume() runs the body from that point: a switch on the index;
//   - each co_await starts the operation with a callback that stores the
//     result in the frame and calls resume() again, then RETURNS: back to
//     whoever called resume() (the caller, on the first run; later the
//     reactor's callback that delivered the result);
//   - the end delivers the result, or the error, to whoever waits for it (the
//     continuation), and frees the frame.
// The reactor sees exactly what it sees for the coroutines: the same timers,
// armed in the same order.

#include "lowered.hpp"

#include <exception>
#include <memory>
#include <system_error>
#include <utility>

namespace evo::stage3::lowered {
namespace {

std::size_t frames_alive = 0;  // one thread, like the reactor

// Every frame counts itself, as stage 3's promises do (task.hpp's PromiseBase).
struct Counted {
  Counted() { ++frames_alive; }
  ~Counted() { --frames_alive; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
};

// The callback a co_await hands to the operation holds the suspended frame.
// Called, it gives the frame back to resume(). Destroyed without a call at
// teardown (~Reactor drops its pending work), it frees the frame without
// running any more of it, and the continuation in it goes unrun: stage 3's
// rule (README, "Teardown"). Destroyed uncalled at any other time, the
// operation broke its contract, or threw before taking it: the frame stays
// (resume() then goes on with the exception, or the leak check reports it).
template <class Frame>
class Suspended {
 public:
  explicit Suspended(Frame* frame) : frame_(frame) {}
  Suspended(Suspended&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
  Suspended& operator=(Suspended&&) = delete;
  ~Suspended() {
    if (frame_ && reactor_tearing_down()) delete frame_;
  }
  Frame* operator->() const noexcept { return frame_; }
  void resume() { std::exchange(frame_, nullptr)->resume(); }

 private:
  Frame* frame_;
};

// The end of a frame that failed: stage 3's await_resume threw
// std::system_error, and its adapter turns it back into its error_code. Any
// other exception is a bug: it goes on up, out of Reactor::run().
std::error_code error_code_of(const std::exception_ptr& exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const std::system_error& e) {
    return e.code();
  }
}

// Task<std::string> one_task(Services& services, std::string name, Duration delay, Duration block)
struct OneTaskFrame : Counted {
  // The parameters, copied into the frame.
  Services& services;
  std::string name;
  Duration delay;
  Duration block;
  // What the promise holds: who hears the end.
  Handler<std::string> continuation;
  // Where to go on from: 0 the start, 1 after the co_await.
  int resume_point = 0;
  // The locals that live across the co_await.
  Duration started{};
  // The end: the value or the exception (the promise's result).
  std::string result;
  std::exception_ptr exception;

  OneTaskFrame(Services& s, std::string n, Duration d, Duration b, Handler<std::string> h)
      : services(s), name(std::move(n)), delay(d), block(b), continuation(std::move(h)) {}

  void resume() {
    Reactor& reactor = services.reactor();  // a local that need not live across it
    try {
      switch (resume_point) {
        case 0:  // from the call to the first co_await
          started = reactor.now();
          reactor.log(name + ": Starting");
          if (block > Duration::zero()) reactor.block_for(block);  // everyone waits
          // co_await sleep_for(reactor, delay);                       // suspends
          resume_point = 1;
          reactor.call_after(delay, [frame = Suspended(this)]() mutable { frame.resume(); });
          return;
        case 1:  // resumed by the timer's callback
          reactor.log(name + ": Got result after " + format_seconds(reactor.now() - started));
          result = name + " data";  // co_return name + " data";
          break;
      }
    } catch (...) {
      exception = std::current_exception();  // the promise's unhandled_exception()
    }
    finish();
  }

  // The final step: free the frame, after handing the outcome on.
  void finish() {
    std::unique_ptr<OneTaskFrame> free_at_the_end(this);
    if (exception) return continuation(error_code_of(exception), {});
    continuation({}, std::move(result));
  }
};

// Task<UserProfile> fetch_user_and_profile(Services& services, UserId id)
struct FetchUserAndProfileFrame : Counted {
  // The parameters, copied into the frame.
  Services& services;
  UserId id;
  // What the promise holds: who hears the end, and the stop token every
  // stage-3 frame carries (its operations get it).
  Handler<UserProfile> continuation;
  std::stop_token stop;
  // Where to go on from: 0 the start, 1 after the first co_await, 2 after the second.
  int resume_point = 0;
  // What the awaited operation left for await_resume (stage 3 keeps it in
  // the CallbackAwaiter, which lives in the frame while it waits).
  std::error_code awaited_error;
  User awaited_user;
  Profile awaited_profile;
  // The locals that live across a co_await: `user` is used after the second.
  User user;
  // The end: the value or the exception (the promise's result).
  UserProfile result;
  std::exception_ptr exception;

  FetchUserAndProfileFrame(Services& s, UserId i, Handler<UserProfile> h, std::stop_token t)
      : services(s), id(i), continuation(std::move(h)), stop(std::move(t)) {}

  void resume() {
    try {
      switch (resume_point) {
        case 0:  // User user = co_await fetch_user(services, id);            // suspends
          resume_point = 1;
          services.fetch_user(
              id,
              [frame = Suspended(this)](std::error_code ec, User value) mutable {
                frame->awaited_error = ec;
                frame->awaited_user = std::move(value);
                frame.resume();
              },
              stop);
          return;
        case 1:                                                       // resumed with the user
          if (awaited_error) throw std::system_error(awaited_error);  // await_resume
          user = std::move(awaited_user);
          // Profile profile = co_await fetch_profile(services, user.id);   // suspends
          resume_point = 2;
          services.fetch_profile(
              user.id,
              [frame = Suspended(this)](std::error_code ec, Profile value) mutable {
                frame->awaited_error = ec;
                frame->awaited_profile = std::move(value);
                frame.resume();
              },
              stop);
          return;
        case 2:                                                       // resumed with the profile
          if (awaited_error) throw std::system_error(awaited_error);  // await_resume
          // co_return UserProfile{std::move(user), std::move(profile)};
          result = UserProfile{std::move(user), std::move(awaited_profile)};
          break;
      }
    } catch (...) {
      exception = std::current_exception();  // the promise's unhandled_exception()
    }
    finish();
  }

  // The final step: free the frame, after handing the outcome on.
  void finish() {
    std::unique_ptr<FetchUserAndProfileFrame> free_at_the_end(this);
    if (exception) return continuation(error_code_of(exception), {});
    continuation({}, std::move(result));
  }
};

}  // namespace

// The call itself: allocate the frame, run it to its first suspension, return.
void one_task(Services& services, std::string name, Duration delay, Duration block,
              Handler<std::string> handler) {
  (new OneTaskFrame(services, std::move(name), delay, block, std::move(handler)))->resume();
}

void fetch_user_and_profile(Services& services, UserId id, Handler<UserProfile> handler,
                            std::stop_token stop) {
  (new FetchUserAndProfileFrame(services, id, std::move(handler), std::move(stop)))->resume();
}

std::size_t live_frames() noexcept {
  return frames_alive;
}

}  // namespace evo::stage3::lowered
