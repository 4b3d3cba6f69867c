// ColumnProfile: what one column of a CSV sample holds, gathered in a single pass for schema
// inference (storage/schema_inference.cc): how many fields are empty or hold a word that may
// mean a missing value; whether every other value is an integer, a decimal (written with '.' and
// with ','), a date or a boolean word of one pair, with the ranges seen; the count of each label
// while there are few; the number of distinct values. It keeps counts and ranges, and values
// only while there are at most kMaxListedLabels of them (beyond that, 64-bit hashes). Thread-
// compatible.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace verbind::storage {

// The most labels a proposal lists as a closed set of categories; more are counted, not kept.
inline constexpr size_t kMaxListedLabels = 50;

// A decimal column read one way ('.' or ','): ranges in units of 10^-scale at the largest scale
// seen, so a value that would not fit at that scale makes the column not a decimal.
struct DecimalRange {
  bool all = true;              // every value parsed, within int64 at `scale`
  bool separator_seen = false;  // some value had a decimal separator
  int scale = 0;                // the most decimals seen
  int64_t min = 0, max = 0;     // valid when the column has a value
};

class ColumnProfile {
 public:
  // `missing_words` are counted apart from the values (by index), for the caller to read as
  // NULL or as values later (AddBack). The vector must outlive the profile.
  explicit ColumnProfile(const std::vector<std::string>* missing_words);

  // One field of the column, as the CSV reader gave it (unquoted).
  void Observe(std::string_view v);
  // Counts `count` occurrences of a missing word as values of a text column.
  void AddBack(size_t word, int64_t count);
  // Ends the sample; call before distinct().
  void Finish();

  int64_t empty() const { return empty_; }
  // Fields that are neither empty nor a missing word.
  int64_t values() const { return values_; }
  const std::vector<int64_t>& missing() const { return missing_; }
  // Distinct values (among values()); exact up to 64-bit hash collisions.
  int64_t distinct() const;

  bool all_int() const { return all_int_; }
  bool leading_zero() const { return leading_zero_; }  // e.g. 007: digits of a code
  int64_t int_min() const { return int_min_; }
  int64_t int_max() const { return int_max_; }
  const DecimalRange& decimals(bool comma) const { return comma ? comma_ : dot_; }
  bool all_date() const { return all_date_; }
  int32_t date_min() const { return date_min_; }
  int32_t date_max() const { return date_max_; }
  // The pair of kBooleanPairs (row_converter.h) every value belongs to, or -1 (no values, or not
  // all of one pair).
  int boolean_pair() const { return bool_pair_ >= 0 ? bool_pair_ : -1; }
  // Whether the true (index 0) and false (index 1) words of the pair were seen.
  bool boolean_seen(int side) const { return bool_seen_[side]; }
  // Every value could be a categorical label: at most 256 bytes, no control character.
  bool labels_valid() const { return labels_valid_; }
  bool has_space() const { return has_space_; }
  size_t max_bytes() const { return max_bytes_; }
  // Each value and its count, while there are at most kMaxListedLabels; empty beyond that.
  const std::map<std::string, int64_t, std::less<>>& labels() const { return labels_; }
  bool many_labels() const { return many_labels_; }

 private:
  void ObserveNumber(std::string_view v);
  void ObserveDecimal(std::string_view v, bool comma, DecimalRange* r);
  void ObserveBoolean(std::string_view v);
  void ObserveText(std::string_view v);
  void Record(std::string_view v, int64_t count);
  void Compact();

  const std::vector<std::string>* words_;
  int64_t empty_ = 0, values_ = 0;
  std::vector<int64_t> missing_;
  bool all_int_ = true, leading_zero_ = false;
  int64_t int_min_ = 0, int_max_ = 0;
  DecimalRange dot_, comma_;
  bool all_date_ = true;
  int32_t date_min_ = 0, date_max_ = 0;
  int bool_pair_ = -2;  // -2: no value yet; -1: not one pair
  std::array<bool, 2> bool_seen_{};
  bool labels_valid_ = true, has_space_ = false;
  size_t max_bytes_ = 0;
  std::map<std::string, int64_t, std::less<>> labels_;
  bool many_labels_ = false;
  std::vector<uint64_t> hashes_;  // with many labels: a hash per value, compacted now and then
  size_t compact_at_ = 1 << 16;
};

}  // namespace verbind::storage
