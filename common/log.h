// Structured logging to standard error, one line per event: `ts level component message`.
// Never pass secrets. Thread-safe (one write per line).
#pragma once

#include <string_view>

namespace verbind::common {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn" or "error".
bool ParseLogLevel(std::string_view text, LogLevel* level);
void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogInfo(std::string_view c, std::string_view m) { Log(LogLevel::kInfo, c, m); }
inline void LogWarn(std::string_view c, std::string_view m) { Log(LogLevel::kWarn, c, m); }
inline void LogError(std::string_view c, std::string_view m) { Log(LogLevel::kError, c, m); }
inline void LogDebug(std::string_view c, std::string_view m) { Log(LogLevel::kDebug, c, m); }

}  // namespace verbind::common
