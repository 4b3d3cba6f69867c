// FairSemaphore: a counting semaphore that hands permits to waiters in arrival order. A
// released permit goes straight to the longest waiter, so a thread that releases and at once
// asks again cannot overtake the others (std::counting_semaphore gives no such order, and
// under load some requests then wait far longer than others). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>

namespace verbind::common {

class FairSemaphore {
 public:
  explicit FairSemaphore(int64_t permits) : available_(permits) {}
  FairSemaphore(const FairSemaphore&) = delete;
  FairSemaphore& operator=(const FairSemaphore&) = delete;

  // Takes a permit, waiting at most `timeout` behind earlier callers; false when none came.
  bool TryAcquireFor(std::chrono::milliseconds timeout);
  // Takes a permit, waiting for as long as it takes, ahead of TryAcquireFor's callers (behind
  // earlier callers of Acquire): for a request taking back a lent permit, which is nearly done.
  void Acquire();
  // Returns a permit: to the longest waiter if there is one.
  void Release();
  // Callers waiting now (for tests and metrics).
  size_t Waiting();

  // Lending a permit while waiting for something other than the CPU (a synced disk write), so
  // that another request can run meanwhile. The thread that took a permit marks it with a
  // Held for as long as it holds it; code about to wait opens a Lending, which returns the
  // permit and takes one again, in turn, when the wait is over. A Lending on a thread without
  // a Held permit (or inside another Lending) does nothing. Open one only where the thread
  // holds no lock: taking the permit back could otherwise wait for a holder that waits for
  // that lock.
  class Held {
   public:
    explicit Held(FairSemaphore* s);
    ~Held();
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
  };
  class Lending {
   public:
    Lending();
    ~Lending();
    Lending(const Lending&) = delete;
    Lending& operator=(const Lending&) = delete;

   private:
    FairSemaphore* lent_;
  };

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };
  std::mutex mu_;
  int64_t available_;
  std::list<Waiter*> waiters_;  // the Acquire callers first, then oldest first
  size_t returning_ = 0;        // how many waiters at the front called Acquire
};

}  // namespace verbind::common
