#include "common/fair_semaphore.h"

namespace verbind::common {

namespace {
thread_local FairSemaphore* g_held = nullptr;
}  // namespace

FairSemaphore::Held::Held(FairSemaphore* s) { g_held = s; }
FairSemaphore::Held::~Held() { g_held = nullptr; }

FairSemaphore::Lending::Lending() : lent_(g_held) {
  if (!lent_) return;
  g_held = nullptr;
  lent_->Release();
}

FairSemaphore::Lending::~Lending() {
  if (!lent_) return;
  lent_->Acquire();
  g_held = lent_;
}

void FairSemaphore::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (available_ > 0 && waiters_.empty()) {
    --available_;
    return;
  }
  Waiter me;
  waiters_.insert(std::next(waiters_.begin(), static_cast<std::ptrdiff_t>(returning_)), &me);
  ++returning_;
  me.cv.wait(lock, [&] { return me.granted; });
}

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
  if (returning_ > 0) --returning_;
  next->granted = true;
  next->cv.notify_one();  // under the lock: `next` lives until its waiter sees `granted`
}

size_t FairSemaphore::Waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.size();
}

}  // namespace verbind::common
