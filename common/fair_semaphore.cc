#include "common/fair_semaphore.h"

namespace verbind::common {

bool FairSemaphore::TryAcquireFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (available_ > 0 && waiters_.empty()) {
    --available_;
    return true;
  }
  Waiter me;
  auto it = waiters_.insert(waiters_.end(), &me);
  if (me.cv.wait_for(lock, timeout, [&] { return me.granted; })) return true;
  waiters_.erase(it);  // not granted, so still queued
  return false;
}

void FairSemaphore::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (waiters_.empty()) {
    ++available_;
    return;
  }
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;
  next->cv.notify_one();  // under the lock: `next` lives until its waiter sees `granted`
}

size_t FairSemaphore::Waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.size();
}

}  // namespace verbind::common
