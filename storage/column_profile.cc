#include "storage/internal/column_profile.h"

#include <algorithm>

#include "common/dates.h"
#include "common/strings.h"
#include "storage/internal/key_index.h"
#include "storage/internal/row_converter.h"

namespace verbind::storage {

namespace {

// More decimals than a decimal field can hold (scale 0-9) make a column text.
constexpr int kMaxScale = 9;

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// v * 10^by, false on overflow.
bool ScaleUp(int64_t* v, int by) {
  for (int i = 0; i < by; ++i) {
    if (__builtin_mul_overflow(*v, 10, v)) return false;
  }
  return true;
}

}  // namespace

ColumnProfile::ColumnProfile(const std::vector<std::string>* missing_words)
    : words_(missing_words), missing_(missing_words->size(), 0) {}

void ColumnProfile::Observe(std::string_view v) {
  if (v.empty()) {
    ++empty_;
    return;
  }
  for (size_t i = 0; i < words_->size(); ++i) {
    if (v == (*words_)[i]) {
      ++missing_[i];
      return;
    }
  }
  ++values_;
  ObserveNumber(v);
  ObserveBoolean(v);
  ObserveText(v);
  Record(v, 1);
}

void ColumnProfile::ObserveNumber(std::string_view v) {
  int64_t i;
  if (all_int_ && common::ParseInt64(v, &i)) {
    std::string_view digits = v[0] == '-' || v[0] == '+' ? v.substr(1) : v;
    leading_zero_ = leading_zero_ || (digits.size() > 1 && digits[0] == '0');
    int_min_ = values_ == 1 ? i : std::min(int_min_, i);
    int_max_ = values_ == 1 ? i : std::max(int_max_, i);
  } else {
    all_int_ = false;
  }
  ObserveDecimal(v, false, &dot_);
  ObserveDecimal(v, true, &comma_);
  int32_t d;
  if (all_date_ && common::ParseIsoDate(v, &d)) {
    date_min_ = values_ == 1 ? d : std::min(date_min_, d);
    date_max_ = values_ == 1 ? d : std::max(date_max_, d);
  } else {
    all_date_ = false;
  }
}

void ColumnProfile::ObserveDecimal(std::string_view v, bool comma, DecimalRange* r) {
  if (!r->all) return;
  size_t point = v.find(comma ? ',' : '.');
  int decimals = point == std::string_view::npos ? 0 : static_cast<int>(v.size() - point - 1);
  int64_t units;
  if (decimals > kMaxScale || !ParseDecimalText(v, decimals, comma, &units)) {
    r->all = false;
    return;
  }
  r->separator_seen = r->separator_seen || point != std::string_view::npos;
  bool first = values_ == 1;
  if (decimals > r->scale) {
    if (!first &&
        !(ScaleUp(&r->min, decimals - r->scale) && ScaleUp(&r->max, decimals - r->scale))) {
      r->all = false;
      return;
    }
    r->scale = decimals;
  } else if (!ScaleUp(&units, r->scale - decimals)) {
    r->all = false;
    return;
  }
  r->min = first ? units : std::min(r->min, units);
  r->max = first ? units : std::max(r->max, units);
}

void ColumnProfile::ObserveBoolean(std::string_view v) {
  if (bool_pair_ == -1) return;
  for (int p = 0; p < static_cast<int>(kBooleanPairs.size()); ++p) {
    for (int side = 0; side < 2; ++side) {
      if (!EqualsIgnoreCase(v, kBooleanPairs[p][side])) continue;
      if (bool_pair_ != -2 && bool_pair_ != p) {
        bool_pair_ = -1;
        return;
      }
      bool_pair_ = p;
      bool_seen_[side] = true;
      return;
    }
  }
  bool_pair_ = -1;
}

void ColumnProfile::ObserveText(std::string_view v) {
  max_bytes_ = std::max(max_bytes_, v.size());
  if (v.size() > kMaxLabelBytes) labels_valid_ = false;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) labels_valid_ = false;
    if (c == ' ' || c == '\t') has_space_ = true;
  }
}

void ColumnProfile::Record(std::string_view v, int64_t count) {
  if (!many_labels_) {
    if (auto it = labels_.find(v); it != labels_.end()) {
      it->second += count;
      return;
    }
    if (labels_.size() < kMaxListedLabels) {
      labels_.emplace(v, count);
      return;
    }
    // Too many to list: from now on only the number of distinct values matters.
    many_labels_ = true;
    for (const auto& [label, n] : labels_) hashes_.push_back(HashKey(label));
    labels_.clear();
  }
  hashes_.push_back(HashKey(v));
  if (hashes_.size() >= compact_at_) Compact();
}

void ColumnProfile::Compact() {
  std::sort(hashes_.begin(), hashes_.end());
  hashes_.erase(std::unique(hashes_.begin(), hashes_.end()), hashes_.end());
  compact_at_ = std::max<size_t>(1 << 16, hashes_.size() * 2);
}

void ColumnProfile::Finish() {
  if (many_labels_) Compact();
}

void ColumnProfile::AddBack(size_t word, int64_t count) {
  if (count == 0) return;
  std::string_view v = (*words_)[word];
  missing_[word] -= count;
  values_ += count;
  all_int_ = all_date_ = dot_.all = comma_.all = false;
  bool_pair_ = -1;
  ObserveText(v);
  Record(v, count);
  Finish();
}

int64_t ColumnProfile::distinct() const {
  return static_cast<int64_t>(many_labels_ ? hashes_.size() : labels_.size());
}

}  // namespace verbind::storage
