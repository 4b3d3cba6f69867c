// Command-line flags of the benchmark programs, through CLI11 as the verbind CLI does: checks
// of numbers with messages in plain words, and one way to parse and exit. Header-only;
// thread-compatible.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace verbind::bench {

// Makes a flag given twice keep its last value instead of failing: scripts such as
// bench/peer_profile.sh pass their defaults first and then the caller's flags. Call before
// adding the options; repeatable options (--env) set MultiOptionPolicy::TakeAll themselves.
inline void KeepLastValue(CLI::App& app) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// A number of at least `min` (or more than `min` when `strictly`), such as seconds or counts.
inline CLI::Validator NumberFrom(double min, bool strictly = false) {
  std::string bound = CLI::detail::to_string(min);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) {
          return "not a number: " + text;
        }
        if (strictly ? value > min : value >= min) {
          return "";
        }
        return (strictly ? "must be more than " : "must be at least ") + bound + ", not " + text;
      },
      (strictly ? "> " : ">= ") + bound);
}

// Parses the command line into `app`. Returns nullopt to go on, or the status to exit with: 0
// after --help (printed on stdout), 2 after a bad flag or value (the reason on stderr).
inline std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace verbind::bench
