// Result tables of the benchmarks, printed as aligned text for the terminal or as Markdown to
// paste into docs/, and the number formats they use. Header-only; thread-compatible.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace verbind::bench {

// A table rendered as aligned text or as Markdown.
struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// Prints the title, then the table in Markdown (right-aligned columns; bars in cells escaped).
inline void PrintMarkdown(const Table& t) {
  std::printf("%s\n\n", t.title.c_str());
  auto line = [](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) {
      s += ' ';
      for (char ch : c) {
        if (ch == '|') s += '\\';  // a bar inside a cell
        s += ch;
      }
      s += " |";
    }
    std::printf("%s\n", s.c_str());
  };
  line(t.header);
  line(std::vector<std::string>(t.header.size(), "---:"));
  for (const auto& r : t.rows) line(r);
  std::printf("\n");
}

// Prints the title, then the table as text in right-aligned columns.
inline void PrintText(const Table& t) {
  std::vector<size_t> width(t.header.size(), 0);
  for (size_t c = 0; c < t.header.size(); ++c) {
    width[c] = t.header[c].size();
    for (const auto& r : t.rows) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) {
      s += std::string(width[c] - cells[c].size() + (c ? 2 : 0), ' ') + cells[c];
    }
    std::printf("%s\n", s.c_str());
  };
  std::printf("%s\n", t.title.c_str());
  line(t.header);
  for (const auto& r : t.rows) line(r);
  std::printf("\n");
}

// `v` formatted by a printf format with one double conversion.
inline std::string Format(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A fraction as a percentage with about three significant digits.
inline std::string Percent(double fraction) {
  double p = fraction * 100;
  return Format(p >= 100 ? "%.0f%%" : p >= 10 ? "%.1f%%" : "%.2f%%", p);
}

// "1,000" for 1000; v >= 0.
inline std::string Thousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int at = static_cast<int>(s.size()) - 3; at > 0; at -= 3) s.insert(at, ",");
  return s;
}

}  // namespace verbind::bench
