// RowConverter: validates one input row (a cell per schema field) and converts it to storage
// units: integers, decimals (10^-scale units), dates (days), booleans (0/1), categoricals
// (dictionary codes, with new labels of an open set collected for this batch) and identifiers
// (text). Every problem is reported with the field and a reason that quotes the value safely.
// Thread-compatible: one per ingest session.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "storage/internal/dataset_state.h"

namespace verbind::storage {

constexpr size_t kMaxIdentifierBytes = 1024;
constexpr size_t kMaxLabelBytes = 256;

// The words a boolean is read from, in any case: pairs of a true and a false word (Dutch
// exports write ja/nee). Schema inference proposes a boolean for a column of one pair.
inline constexpr std::array<std::array<std::string_view, 2>, 4> kBooleanPairs = {
    {{"true", "false"}, {"1", "0"}, {"yes", "no"}, {"ja", "nee"}}};

// How a cell arrived. kNull: an empty CSV field, a JSON null, "" or an absent member.
enum class CellKind : uint8_t { kNull, kText, kNumber, kBool };
struct Cell {
  CellKind kind = CellKind::kNull;
  std::string_view text;
};

// One converted row; vectors are indexed by schema field.
struct RowValues {
  std::vector<int64_t> values;
  std::vector<uint8_t> nulls;
  std::vector<std::string_view> text;  // identifiers; new categorical labels until Commit
  std::vector<uint8_t> new_label;      // categorical: the value is a new label in `text`
};

struct FieldError {
  size_t field;
  std::string reason;
};

class RowConverter {
 public:
  // With `decimal_comma`, decimal fields read "1234,56" instead of "1234.56".
  explicit RowConverter(const DatasetState& state, bool decimal_comma = false);

  // Converts `cells` (one per field) into `row`. On problems appends them to `errors` and
  // returns false; the row must then be dropped.
  bool Convert(const Cell* cells, RowValues* row, std::vector<FieldError>* errors);
  // Gives new labels of an accepted row their codes (they join this batch's dictionary).
  void Commit(RowValues* row);
  // Labels this batch added to each categorical field (indexed by field), in code order.
  const std::vector<std::vector<std::string>>& new_labels() const { return new_labels_; }

 private:
  // An open-addressing table from label to code for one categorical field (the dictionary's
  // labels and this batch's new ones), faster than the dictionary's map on the hot path.
  struct LabelTable {
    std::vector<uint64_t> hashes;  // 0: empty
    std::vector<int64_t> codes;
    size_t size = 0;
  };
  bool ConvertField(size_t i, const Cell& cell, RowValues* row, std::string* reason);
  bool Categorical(size_t i, std::string_view label, RowValues* row, std::string* reason);
  std::string_view LabelOf(size_t field, int64_t code) const;
  int64_t FindLabel(size_t field, std::string_view label) const;
  void AddLabel(size_t field, std::string_view label, int64_t code);

  const DatasetState& state_;
  const config::Schema& schema_;
  bool decimal_comma_;
  std::vector<std::vector<std::string>> new_labels_;
  std::vector<LabelTable> tables_;  // per field (empty for other types)
};

// Parses the text of an integer, decimal, date or boolean cell; false with a reason otherwise.
// With `decimal_comma` a decimal is written "1234,56".
bool ParseValueCell(const config::Field& f, const Cell& cell, int64_t* out, std::string* reason,
                    bool decimal_comma = false);
// Parses a decimal as config::ParseDecimal does, and also without a leading zero (".5", "-.5");
// with `decimal_comma` the separator is ',' and a '.' is refused.
bool ParseDecimalText(std::string_view text, int scale, bool decimal_comma, int64_t* units);
// `text` quoted for an error message: at most 64 bytes, or "invalid UTF-8".
std::string QuoteForError(std::string_view text);

}  // namespace verbind::storage
