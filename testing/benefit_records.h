// Rows for the schema-and-rows fixture: the benefits schema of the dataset store tests (every
// field type, plus an integer column of extreme values), seeded random records for it, and
// writers of records as CSV or JSON lines. Test support only. Thread-safe (no shared state
// beyond constants).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "config/schema.h"

namespace verbind::testing {

// person_id (key), birth_year, region, benefit_type (6 categories), monthly_amount
// (decimal, scale 2), start_date, wmo (boolean), extreme (integer, up to INT64_MIN/MAX).
extern const char* const kBenefitsSchema;
config::Schema BenefitsSchema();

// One record as text cells (empty = NULL), in schema order.
using TextRecord = std::vector<std::string>;

// The twelve regions RandomRecord draws from.
const std::vector<std::string>& Regions();

// A benefits record with key `key` and random values (about 1 in 20 cells NULL, some
// extreme).
TextRecord RandomRecord(std::mt19937_64& rng, const std::string& key);

// A CSV cell, quoted when it holds a comma, quote or line break.
std::string CsvQuote(const std::string& s);

// The header (field names, CRLF) and one line per record.
std::string ToCsv(const config::Schema& schema, const std::vector<TextRecord>& rows);

// JSON lines: numbers stay bare for integer and decimal fields (decimals as their text),
// other values are strings, and a NULL cell is an absent member.
std::string ToJsonLines(const config::Schema& schema, const std::vector<TextRecord>& rows);

}  // namespace verbind::testing
