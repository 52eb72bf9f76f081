// Specifies common/reactor, part 3: labels and the observer, what is left
// after a run, and the lives of callbacks that never run: dropped under their
// own label, and destroyed at once, in one pass, when the reactor goes.
#include "common/reactor.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "tests/pipe.hpp"

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::EventKind;
using evo::Interest;
using evo::Reactor;
using evo::Recorder;
using evo::TimerId;
using evo::testing::Pipe;

// ---- Labels and the observer --------------------------------------------------

TEST(Reactor, WorkStartedInsideATaskRunsUnderThatTasksLabel) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  std::vector<std::string> labels;
  auto note = [&](const char* what) {
    labels.push_back(std::string(what) + ": " + std::string(r.current_label()));
  };
  EXPECT_EQ(r.current_label(), "main");
  r.spawn("Task A", [&] {
    note("spawned");
    r.post([&] { note("posted"); });
    r.call_after(1s, [&] { note("timer"); });
    r.watch(pipe.read_end(), Interest::readable, [&] {
      note("watch");
      r.spawn("Task B", [&] {
        note("nested spawn");
        r.post([&] { note("posted by B"); });
      });
    });
  });
  r.run();

  std::sort(labels.begin(), labels.end());  // the order is not the point here
  EXPECT_EQ(labels, (std::vector<std::string>{"nested spawn: Task B", "posted by B: Task B",
                                              "posted: Task A", "spawned: Task A", "timer: Task A",
                                              "watch: Task A"}));
  EXPECT_EQ(r.current_label(), "main");
}

TEST(Reactor, ReportsDoneOnceForALabelWhenItHasNothingLeft) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  r.spawn("Task A", [&] { r.call_after(1s, [] {}); });
  r.spawn("Task B", [] {});
  r.run();

  std::vector<std::pair<std::string, evo::Duration>> done;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::done) done.emplace_back(e.label, e.time);
  }
  EXPECT_EQ(done,
            (std::vector<std::pair<std::string, evo::Duration>>{{"Task B", 0s}, {"Task A", 1s}}));
  // Task A's done comes after the last thing it ran: nothing follows it.
  EXPECT_EQ(recorder.entries().back().kind, EventKind::done);
  EXPECT_EQ(recorder.entries().back().label, "Task A");
}

// A loop that spawns one task per request must not keep every name it ever
// ran: a label is forgotten when its task is done, so the labels alive are
// the tasks alive, and a name spawned again after "done" starts afresh.
TEST(Reactor, ForgetsALabelOnceItsTaskIsDoneAndItsNameCanStartAFreshTask) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  for (int i = 0; i < 300; ++i) {
    r.spawn("user " + std::to_string(i), [&r, i] { r.call_after(i % 3 * 1s, [] {}); });
  }
  std::size_t alive_at_1500ms = 0;
  r.call_after(1500ms, [&] { alive_at_1500ms = r.live_labels(); });
  r.spawn("Task A", [&] {
    std::string_view me = r.current_label();
    for (int i = 0; i < 300; ++i) r.spawn("more " + std::to_string(i), [] {});
    EXPECT_EQ(me, "Task A") << "its view outlives new labels, until the task is done";
    std::size_t before = r.live_labels();
    r.spawn("Task A", [] {});  // its task still has work (this callback): joins it
    EXPECT_EQ(r.live_labels(), before);
  });
  r.run();
  EXPECT_EQ(alive_at_1500ms, 1u + 100u) << "main, and the users whose 2 s timer is still armed";
  EXPECT_EQ(r.live_labels(), 1u) << "only main is left";

  r.spawn("user 7", [&] { r.post([] {}); });
  EXPECT_EQ(r.live_labels(), 2u);
  r.run();
  EXPECT_EQ(r.live_labels(), 1u);
  auto done_for = [&](std::string_view label) {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(), [&](const auto& e) {
      return e.kind == EventKind::done && e.label == label;
    });
  };
  EXPECT_EQ(done_for("user 7"), 2) << "the fresh task is reported done again";
  EXPECT_EQ(done_for("Task A"), 1) << "the spawn that joined it made no second task";
}

TEST(Reactor, ReportsTheLoopsStepsToTheObserverInOrder) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  r.spawn("Task A", [&] {
    r.log("hello");
    auto nothing = [] {};
    r.call_after(1s, nothing, "sleep");
  });
  r.run();

  std::vector<EventKind> kinds;
  for (const auto& e : recorder.entries()) kinds.push_back(e.kind);
  EXPECT_EQ(kinds,
            (std::vector<EventKind>{EventKind::spawn, EventKind::ready, EventKind::run,
                                    EventKind::log, EventKind::timer_armed, EventKind::timer_fired,
                                    EventKind::ready, EventKind::run, EventKind::done}));
  const auto& armed = recorder.entries()[4];
  EXPECT_EQ(armed.label, "Task A");
  EXPECT_EQ(armed.duration, 1s);
  EXPECT_EQ(armed.detail, "sleep");
  EXPECT_EQ(recorder.entries()[0].label, "main");
  EXPECT_EQ(recorder.entries()[0].detail, "Task A");
  EXPECT_EQ(recorder.log_lines(), (std::vector<std::string>{"hello"}));
}

// ---- Bookkeeping --------------------------------------------------------------

TEST(Reactor, LeavesNothingPendingOrAliveAfterRun) {
  {
    Reactor r(ClockMode::virtual_time);
    Pipe pipe;
    pipe.write_byte();
    r.post([&] { r.post([] {}); });
    r.spawn("Task A", [&] { r.call_after(1s, [] {}); });
    r.cancel(r.call_after(5s, [] {}));
    r.watch(pipe.read_end(), Interest::readable, [] {});
    EXPECT_EQ(r.pending(), 3u);  // one posted, one spawned, one watched
    EXPECT_GT(evo::live_handlers(), 0u);

    r.run();
    EXPECT_EQ(r.pending(), 0u);
    EXPECT_EQ(evo::live_handlers(), 0u);
  }
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(Reactor, CountsWhatItDidInStats) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  r.post([] {});
  r.post([] {});
  r.call_after(1s, [] {});
  r.cancel(r.call_after(2s, [] {}));
  r.watch(pipe.read_end(), Interest::readable, [] {});
  r.run();

  const Reactor::Stats& s = r.stats();
  EXPECT_EQ(s.callbacks_run, 4u);
  EXPECT_EQ(s.timers_armed, 2u);
  EXPECT_EQ(s.timers_cancelled, 1u);
  EXPECT_EQ(s.fd_events, 1u);
  EXPECT_EQ(s.peak_ready, 2u);
}

// Pending work is destroyed unrun when the reactor goes; a callback whose
// destruction posts more work (a stage-2 promise that breaks does) must not
// crash it, and the observer, maybe gone already, hears nothing.
TEST(Reactor, DestroyingItWithPendingWorkDestroysThatWorkUnrun) {
  int ran = 0;
  int destroyed = 0;
  {
    Reactor r(ClockMode::virtual_time);
    Recorder recorder;
    r.set_observer(&recorder);
    struct PostsWhenDestroyed {
      Reactor* reactor;
      int* destroyed;
      int* ran;
      PostsWhenDestroyed(Reactor* re, int* d, int* n) : reactor(re), destroyed(d), ran(n) {}
      PostsWhenDestroyed(PostsWhenDestroyed&& o) noexcept
          : reactor(std::exchange(o.reactor, nullptr)), destroyed(o.destroyed), ran(o.ran) {}
      ~PostsWhenDestroyed() {
        if (!reactor) return;
        ++*destroyed;
        reactor->log("from a destructor");
        reactor->post([ran = ran] { ++*ran; });
        reactor->call_after(1s, [ran = ran] { ++*ran; });
      }
      void operator()() { ++*ran; }
    };
    r.post(PostsWhenDestroyed(&r, &destroyed, &ran));
    r.call_after(5s, PostsWhenDestroyed(&r, &destroyed, &ran));
  }
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(destroyed, 2);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// What a stage-2 promise or a stage-3 frame can do when the reactor drops it:
// its destructor adds more work (here: posts, arms and watches a callback,
// then adds another one of itself, up to `left` more). At teardown none of
// that may be queued (it would be dropped in its turn, and add more, forever).
struct AddsWorkWhenDestroyed {
  Reactor* reactor;
  int fd;
  int left;
  int* ran;
  std::vector<bool>* destroyed_at_once;  // one entry per piece of work it added
  AddsWorkWhenDestroyed(Reactor* r, int fd, int left, int* ran, std::vector<bool>* at_once)
      : reactor(r), fd(fd), left(left), ran(ran), destroyed_at_once(at_once) {}
  AddsWorkWhenDestroyed(AddsWorkWhenDestroyed&& o) noexcept
      : reactor(std::exchange(o.reactor, nullptr)),
        fd(o.fd),
        left(o.left),
        ran(o.ran),
        destroyed_at_once(o.destroyed_at_once) {}
  ~AddsWorkWhenDestroyed() {
    if (!reactor) return;
    auto token = std::make_shared<int>(0);
    std::weak_ptr<int> observed = token;
    reactor->post([ran = ran, token] { ++*ran; });
    reactor->spawn("spawned by a destructor", [ran = ran, token] { ++*ran; });
    reactor->call_after(1s, [ran = ran, token] { ++*ran; });
    reactor->watch(fd, Interest::readable, [ran = ran, token] { ++*ran; });
    token.reset();
    destroyed_at_once->push_back(observed.expired());
    if (left > 0) {
      reactor->post(AddsWorkWhenDestroyed(reactor, fd, left - 1, ran, destroyed_at_once));
    }
  }
  void operator()() { ++*ran; }
};

TEST(Reactor, WorkAddedByADestructorDuringTeardownIsDestroyedAtOnceNotQueued) {
  Pipe pipe;
  int ran = 0;
  std::vector<bool> destroyed_at_once;
  {
    Reactor r(ClockMode::virtual_time);
    r.post(AddsWorkWhenDestroyed(&r, pipe.read_end(), 3, &ran, &destroyed_at_once));
  }
  EXPECT_EQ(destroyed_at_once, std::vector<bool>(4, true))
      << "work added during teardown must be destroyed before the call that added it returns";
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// A destructor that always adds one more of itself is a loop with no end
// condition; here it is bounded (1,000 each) so that a teardown that keeps
// draining fails this test instead of hanging it.
TEST(Reactor, TeardownEndsWhenEveryDroppedCallbackAddsAnother) {
  Pipe pipe;
  int ran = 0;
  std::vector<bool> destroyed_at_once;
  auto start = std::chrono::steady_clock::now();
  {
    Reactor r(ClockMode::virtual_time);
    r.call_after(1s, AddsWorkWhenDestroyed(&r, pipe.read_end(), 1000, &ran, &destroyed_at_once));
    r.post(AddsWorkWhenDestroyed(&r, pipe.read_end(), 1000, &ran, &destroyed_at_once));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(destroyed_at_once.size(), 2002u);
  EXPECT_EQ(std::count(destroyed_at_once.begin(), destroyed_at_once.end(), false), 0);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(Reactor, TearingDownIsTrueOnlyInsideTheDestructor) {
  bool during = false;
  {
    Reactor r(ClockMode::virtual_time);
    struct Asks {
      bool* during;
      explicit Asks(bool* d) : during(d) {}
      Asks(Asks&& o) noexcept : during(std::exchange(o.during, nullptr)) {}
      ~Asks() {
        if (during) *during = evo::reactor_tearing_down();
      }
      void operator()() {}
    };
    r.post(Asks(&during));
    EXPECT_FALSE(evo::reactor_tearing_down());
  }
  EXPECT_TRUE(during);
  EXPECT_FALSE(evo::reactor_tearing_down());
}

// A callback dropped unrun (cancelled, unwatched, or done running) is
// destroyed under its own label, so what its destructor does (a broken
// promise running a continuation) is charged to the task it belongs to.
struct NotesLabelWhenDestroyed {
  Reactor* reactor;
  std::string* label;
  NotesLabelWhenDestroyed(Reactor* r, std::string* l) : reactor(r), label(l) {}
  NotesLabelWhenDestroyed(NotesLabelWhenDestroyed&& o) noexcept
      : reactor(std::exchange(o.reactor, nullptr)), label(o.label) {}
  ~NotesLabelWhenDestroyed() {
    if (reactor) *label = reactor->current_label();
  }
  void operator()() {}
};

TEST(Reactor, ACallbackIsDestroyedUnderItsOwnLabelOnEveryDropPath) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  std::string cancelled, unwatched, ran, threw;
  TimerId timer{};
  r.spawn("Task A", [&] {
    timer = r.call_after(1s, NotesLabelWhenDestroyed(&r, &cancelled));
    r.watch(pipe.read_end(), Interest::readable, NotesLabelWhenDestroyed(&r, &unwatched));
    r.post(NotesLabelWhenDestroyed(&r, &ran));
  });
  r.spawn("Task B", [&] {
    r.cancel(timer);
    r.unwatch(pipe.read_end());
  });
  r.run();
  EXPECT_EQ(cancelled, "Task A");
  EXPECT_EQ(unwatched, "Task A");
  EXPECT_EQ(ran, "Task A");

  struct Throws : NotesLabelWhenDestroyed {
    using NotesLabelWhenDestroyed::NotesLabelWhenDestroyed;
    void operator()() { throw std::runtime_error("boom"); }
  };
  r.spawn("Task C", Throws(&r, &threw));
  EXPECT_THROW(r.run(), std::runtime_error);
  EXPECT_EQ(threw, "Task C");
}

// stop_when: how a signal stops the loop. The flag is set by a callback here
// (virtual clock), then by a real signal while the loop sleeps (real clock).
volatile std::sig_atomic_t stop_requested = 0;

TEST(ReactorStop, AFlagSetByACallbackEndsRunBeforeTheNextIteration) {
  stop_requested = 0;
  Reactor reactor(ClockMode::virtual_time);
  reactor.stop_when(&stop_requested);
  bool later_ran = false;
  reactor.call_after(1s, [] { stop_requested = 1; });
  reactor.call_after(2s, [&] { later_ran = true; });
  reactor.run();
  EXPECT_FALSE(later_ran);
  EXPECT_EQ(reactor.now(), evo::Duration(1s));
  stop_requested = 0;
  reactor.run();  // the flag down again: the rest runs
  EXPECT_TRUE(later_ran);
}

TEST(ReactorStop, ASignalWakesTheLoopFromItsSleepAndEndsRun) {
  stop_requested = 0;
  struct sigaction action {};
  action.sa_handler = [](int) { stop_requested = 1; };
  struct sigaction previous {};
  ::sigaction(SIGALRM, &action, &previous);  // no SA_RESTART: the sleep ends with EINTR
  Reactor reactor(ClockMode::real);
  reactor.stop_when(&stop_requested);
  bool fired = false;
  reactor.call_after(30s, [&] { fired = true; });
  itimerval in_50ms{};
  in_50ms.it_value.tv_usec = 50'000;
  ::setitimer(ITIMER_REAL, &in_50ms, nullptr);
  auto start = std::chrono::steady_clock::now();
  reactor.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "slept on through the signal";
  EXPECT_FALSE(fired);
  EXPECT_EQ(stop_requested, 1);
  ::sigaction(SIGALRM, &previous, nullptr);
}

// Duration::max() means "never" (call_after): on the real clock the loop must
// sleep until a signal, not overflow start + deadline into a time in the past
// and spin on a sleep that fails at once (or, under UBSan, abort).
TEST(ReactorStop, ATimerArmedForNeverSleepsUntilASignal) {
  stop_requested = 0;
  struct sigaction action {};
  action.sa_handler = [](int) { stop_requested = 1; };
  struct sigaction previous {};
  ::sigaction(SIGALRM, &action, &previous);
  for (bool watching : {false, true}) {  // the sleep, then the epoll wait
    SCOPED_TRACE(watching ? "an fd watched" : "nothing watched");
    stop_requested = 0;
    Reactor reactor(ClockMode::real);
    reactor.stop_when(&stop_requested);
    Pipe pipe;
    if (watching) reactor.watch(pipe.read_end(), evo::Interest::readable, [] {});
    reactor.call_after(evo::Duration::max(), [] {});
    itimerval in_50ms{};
    in_50ms.it_value.tv_usec = 50'000;
    ::setitimer(ITIMER_REAL, &in_50ms, nullptr);
    reactor.run();
    EXPECT_EQ(stop_requested, 1);
    // One sleep (none if the signal came first), not thousands of failed ones.
    EXPECT_LE(reactor.stats().sleeps, 1u);
    EXPECT_LE(reactor.stats().iterations, 2u) << "the loop spun instead of waiting";
  }
  ::sigaction(SIGALRM, &previous, nullptr);
}

}  // namespace
