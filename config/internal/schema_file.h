// Helpers shared by the schema file sources (validation, TOML and JSON forms). Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/schema.h"

namespace verbind::config {

constexpr size_t kMaxFields = 256;
constexpr size_t kMaxDescriptionBytes = 1024;
constexpr size_t kMaxLabelBytes = 256;
constexpr int kMaxCategories = 65536;
constexpr size_t kMaxNullTokens = 16;
constexpr size_t kMaxNullTokenBytes = 64;

// Checks one field's name, type options, categories and bounds.
common::Status ValidateField(const Field& f);
// A bound (min/max, storage units) in the field's text form: "12.50", "1990-01-01", "7".
std::string FormatBound(const Field& f, int64_t v);
// Parses a bound from its text form for the field's type.
bool ParseBoundText(const Field& f, std::string_view text, int64_t* out);

}  // namespace verbind::config
