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
  // Returns a permit: to the longest waiter if there is one.
  void Release();
  // Callers waiting now (for tests and metrics).
  size_t Waiting();

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };
  std::mutex mu_;
  int64_t available_;
  std::list<Waiter*> waiters_;  // oldest first
};

}  // namespace verbind::common
