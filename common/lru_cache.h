// LruCache: shared, immutable values under keys, within a byte budget; the least recently used
// go first. A value evicted while someone still holds it stays valid for them. Thread-safe (one
// mutex).
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace verbind::common {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class LruCache {
 public:
  explicit LruCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The value, or null; a hit makes it the most recently used.
  std::shared_ptr<const Value> Get(const Key& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
  }

  // Adds or replaces the value under `key`, said to take `bytes`, then drops the least recently
  // used values until all fit. A value larger than the whole budget is not kept.
  void Put(const Key& key, std::shared_ptr<const Value> value, size_t bytes) {
    if (bytes > capacity_) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      bytes_ -= it->second->bytes;
      lru_.erase(it->second);
      index_.erase(it);
    }
    lru_.push_front(Entry{key, std::move(value), bytes});
    index_[key] = lru_.begin();
    bytes_ += bytes;
    while (bytes_ > capacity_ && !lru_.empty()) {
      bytes_ -= lru_.back().bytes;
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }

  // Drops every value whose key satisfies `drop`.
  void EraseIf(const std::function<bool(const Key&)>& drop) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (drop(it->key)) {
        bytes_ -= it->bytes;
        index_.erase(it->key);
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
  }

  size_t bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    Key key;
    std::shared_ptr<const Value> value;
    size_t bytes;
  };
  const size_t capacity_;
  mutable std::mutex mu_;
  size_t bytes_ = 0;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<Key, typename std::list<Entry>::iterator, Hash> index_;
};

}  // namespace verbind::common
