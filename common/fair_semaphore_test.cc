#include "common/fair_semaphore.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace verbind::common {
namespace {

using std::chrono::milliseconds;

void WaitForWaiters(FairSemaphore& s, size_t n) {
  while (s.Waiting() < n) std::this_thread::sleep_for(milliseconds(1));
}

TEST(FairSemaphore, HandsPermitsOutInArrivalOrder) {
  FairSemaphore s(1);
  ASSERT_TRUE(s.TryAcquireFor(milliseconds(0)));
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      ASSERT_TRUE(s.TryAcquireFor(milliseconds(10000)));
      {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(i);
      }
      s.Release();
    });
    WaitForWaiters(s, static_cast<size_t>(i) + 1);  // i + 1 threads queued, in order
  }
  s.Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(s.Waiting(), 0u);
}

TEST(FairSemaphore, ARecurringCallerCannotOvertakeAWaiter) {
  FairSemaphore s(1);
  ASSERT_TRUE(s.TryAcquireFor(milliseconds(0)));
  bool waiter_got_it = false;
  std::thread waiter([&] {
    waiter_got_it = s.TryAcquireFor(milliseconds(10000));
    s.Release();
  });
  WaitForWaiters(s, 1);
  s.Release();
  // The permit went to the waiter, not back to this thread.
  ASSERT_TRUE(s.TryAcquireFor(milliseconds(10000)));
  waiter.join();
  EXPECT_TRUE(waiter_got_it);
  s.Release();
}

TEST(FairSemaphore, TimesOutAndLeavesTheQueue) {
  FairSemaphore s(0);
  EXPECT_FALSE(s.TryAcquireFor(milliseconds(20)));
  EXPECT_EQ(s.Waiting(), 0u);
  s.Release();  // with no waiter the permit is kept
  EXPECT_TRUE(s.TryAcquireFor(milliseconds(0)));
  EXPECT_FALSE(s.TryAcquireFor(milliseconds(0)));
}

TEST(FairSemaphore, AHeldPermitIsLentWhileWaitingAndTakenBack) {
  FairSemaphore s(1);
  ASSERT_TRUE(s.TryAcquireFor(milliseconds(0)));
  FairSemaphore::Held held(&s);
  {
    FairSemaphore::Lending lending;
    // Another request runs on the lent permit.
    std::thread other([&] {
      ASSERT_TRUE(s.TryAcquireFor(milliseconds(10000)));
      s.Release();
    });
    other.join();
    FairSemaphore::Lending nested;  // nothing more to lend
  }
  // Taken back: no permit is left for anyone else.
  EXPECT_FALSE(s.TryAcquireFor(milliseconds(0)));
  s.Release();
  EXPECT_TRUE(s.TryAcquireFor(milliseconds(0)));
}

TEST(FairSemaphore, ATakenBackPermitGoesAheadOfNewRequests) {
  FairSemaphore s(1);
  ASSERT_TRUE(s.TryAcquireFor(milliseconds(0)));
  std::mutex mu;
  std::vector<std::string> order;
  std::thread fresh([&] {
    ASSERT_TRUE(s.TryAcquireFor(milliseconds(10000)));
    std::lock_guard<std::mutex> lock(mu);
    order.push_back("new request");
    s.Release();
  });
  WaitForWaiters(s, 1);
  std::thread returning([&] {
    s.Acquire();
    std::lock_guard<std::mutex> lock(mu);
    order.push_back("taken back");
    s.Release();
  });
  WaitForWaiters(s, 2);
  s.Release();
  fresh.join();
  returning.join();
  EXPECT_EQ(order, (std::vector<std::string>{"taken back", "new request"}));
}

TEST(FairSemaphore, LendingWithoutAHeldPermitDoesNothing) {
  FairSemaphore s(1);
  ASSERT_TRUE(s.TryAcquireFor(milliseconds(0)));  // taken, but not marked Held
  {
    FairSemaphore::Lending lending;
    EXPECT_FALSE(s.TryAcquireFor(milliseconds(0)));
  }
  EXPECT_FALSE(s.TryAcquireFor(milliseconds(0)));
}

}  // namespace
}  // namespace verbind::common
