#include "federation/internal/sql_lexer.h"

#include <algorithm>
#include <cstdio>

#include "common/strings.h"
#include "federation/query.h"

namespace verbind::federation {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }
bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  std::vector<SqlToken> Run() {
    std::vector<SqlToken> out;
    while (true) {
      SkipSpaceAndComments();
      SqlToken t = Next();
      SqlTokenKind kind = t.kind;
      out.push_back(std::move(t));
      if (kind == SqlTokenKind::kEnd || kind == SqlTokenKind::kError) {
        return out;
      }
    }
  }

 private:
  bool AtEnd() const { return pos_ >= sql_.size(); }
  char Cur() const { return AtEnd() ? '\0' : sql_[pos_]; }
  char At(size_t ahead) const { return pos_ + ahead < sql_.size() ? sql_[pos_ + ahead] : '\0'; }

  // Moves one byte, keeping line and column (code points) current.
  void Step() {
    char c = sql_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if (!IsContinuationByte(c)) {
      ++column_;
    }
  }

  void SkipSpaceAndComments() {
    while (!AtEnd()) {
      char c = Cur();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Step();
      } else if (c == '-' && At(1) == '-') {
        while (!AtEnd() && Cur() != '\n') {
          Step();
        }
      } else {
        return;
      }
    }
  }

  SqlToken Start(SqlTokenKind kind) const {
    SqlToken t;
    t.kind = kind;
    t.offset = pos_;
    t.line = line_;
    t.column = column_;
    return t;
  }

  SqlToken Finish(SqlToken t) const {
    t.length = pos_ - t.offset;
    if (t.kind == SqlTokenKind::kName || t.kind == SqlTokenKind::kInteger ||
        t.kind == SqlTokenKind::kDecimal || t.kind == SqlTokenKind::kSymbol) {
      t.text = std::string(sql_.substr(t.offset, t.length));
    }
    return t;
  }

  static SqlToken Error(SqlToken t, std::string message) {
    t.kind = SqlTokenKind::kError;
    t.text = std::move(message);
    return t;
  }

  SqlToken Next() {
    SqlToken t = Start(SqlTokenKind::kEnd);
    if (AtEnd()) {
      return t;
    }
    char c = Cur();
    if (IsNameStart(c)) {
      t.kind = SqlTokenKind::kName;
      while (IsNameChar(Cur())) {
        Step();
      }
      return Finish(t);
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(1)))) {
      return Number(t);
    }
    if (c == '\'') {
      return String(t);
    }
    if (c == '"') {
      return QuotedName(t);
    }
    return Symbol(t);
  }

  // A number in any standard form: 12, 12.5, .5, 5., 4.5e3, 1E-2. The token's text is the
  // number in plain form ("4500", "0.5", "0.01"): kInteger without a fraction, else kDecimal.
  // Without an exponent a fraction keeps its digits as written ("40.10").
  SqlToken Number(SqlToken t) {
    std::string whole, fraction;
    while (IsDigit(Cur())) {
      whole += Cur();
      Step();
    }
    if (Cur() == '.') {
      Step();
      while (IsDigit(Cur())) {
        fraction += Cur();
        Step();
      }
    }
    bool exponent = false;
    long shift = 0;
    if ((Cur() == 'e' || Cur() == 'E') &&
        (IsDigit(At(1)) || ((At(1) == '+' || At(1) == '-') && IsDigit(At(2))))) {
      exponent = true;
      Step();
      bool negative = Cur() == '-';
      if (Cur() == '+' || Cur() == '-') Step();
      while (IsDigit(Cur())) {
        if (shift < 100000) shift = shift * 10 + (Cur() - '0');
        Step();
      }
      if (negative) shift = -shift;
    }
    if (IsNameChar(Cur()) || Cur() == '.') {
      return Error(t, "malformed number (names that start with a digit must be double-quoted)");
    }
    if (shift > 256 || shift < -256) {
      return Error(t, "a number's exponent must be within -256 and 256");
    }
    t = Finish(t);
    if (!exponent) {
      // As written, but for a missing digit before or after the point (".5", "5.").
      t.kind = fraction.empty() ? SqlTokenKind::kInteger : SqlTokenKind::kDecimal;
      t.text = fraction.empty() ? whole : (whole.empty() ? "0" : whole) + "." + fraction;
      return t;
    }
    // Shift the decimal point: digits = whole + fraction, with the point after `at` of them.
    std::string digits = whole + fraction;
    long at = static_cast<long>(whole.size()) + shift;
    if (at < 0) {
      digits.insert(0, static_cast<size_t>(-at), '0');
      at = 0;
    }
    if (at > static_cast<long>(digits.size())) {
      digits.append(static_cast<size_t>(at) - digits.size(), '0');
    }
    whole = digits.substr(0, static_cast<size_t>(at));
    fraction = digits.substr(static_cast<size_t>(at));
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    size_t first = whole.find_first_not_of('0');
    whole = first == std::string::npos ? "0" : whole.substr(first);
    t.kind = fraction.empty() ? SqlTokenKind::kInteger : SqlTokenKind::kDecimal;
    t.text = fraction.empty() ? whole : whole + "." + fraction;
    return t;
  }

  // '...' with '' standing for one quote. Strings do not span lines.
  SqlToken String(SqlToken t) {
    t.kind = SqlTokenKind::kString;
    Step();
    std::string value;
    while (true) {
      if (AtEnd() || Cur() == '\n' || Cur() == '\r') {
        return Error(t, "unterminated string literal");
      }
      if (Cur() == '\'') {
        Step();
        if (Cur() != '\'') {
          break;
        }
      }
      value.push_back(Cur());
      Step();
    }
    t = Finish(t);
    if (value.size() > kMaxStringBytes) {
      return Error(t, "string literal longer than " + std::to_string(kMaxStringBytes) + " bytes");
    }
    if (!common::IsValidUtf8(value)) {
      return Error(t, "string literal is not valid UTF-8");
    }
    for (char ch : value) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
        return Error(t, "control character in a string literal");
      }
    }
    t.text = std::move(value);
    return t;
  }

  SqlToken QuotedName(SqlToken t) {
    t.kind = SqlTokenKind::kQuotedName;
    Step();
    size_t begin = pos_;
    while (!AtEnd() && Cur() != '"' && Cur() != '\n') {
      Step();
    }
    if (Cur() != '"') {
      return Error(t, "unterminated quoted name");
    }
    std::string name(sql_.substr(begin, pos_ - begin));
    Step();
    t = Finish(t);
    t.text = std::move(name);
    return t;
  }

  SqlToken Symbol(SqlToken t) {
    t.kind = SqlTokenKind::kSymbol;
    char c = Cur();
    char n = At(1);
    if ((c == '!' && n == '=') || (c == '<' && (n == '=' || n == '>')) || (c == '>' && n == '=')) {
      Step();
      Step();
      return Finish(t);
    }
    if (std::string_view("(),;*=<>-+/.").find(c) != std::string_view::npos) {
      Step();
      return Finish(t);
    }
    char buf[48];
    if (c > 0x20 && c < 0x7f) {
      std::snprintf(buf, sizeof buf, "unexpected character '%c'", c);
    } else {
      std::snprintf(buf, sizeof buf, "unexpected byte 0x%02x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
    }
    return Error(t, buf);
  }

  std::string_view sql_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

// Byte offsets of the code points of `line`, plus line.size() at the end.
std::vector<size_t> CodePointStarts(std::string_view line) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < line.size(); ++i) {
    if (!IsContinuationByte(line[i])) {
      starts.push_back(i);
    }
  }
  starts.push_back(line.size());
  return starts;
}

}  // namespace

std::vector<SqlToken> LexSql(std::string_view sql) { return Lexer(sql).Run(); }

std::string SqlExcerpt(std::string_view sql, size_t offset, int column) {
  constexpr size_t kMaxWidth = 100, kBefore = 60, kAfter = 40;
  offset = std::min(offset, sql.size());
  size_t begin = 0;
  if (offset > 0) {
    size_t newline = sql.rfind('\n', offset - 1);
    begin = newline == std::string_view::npos ? 0 : newline + 1;
  }
  size_t end = sql.find('\n', offset);
  std::string_view line =
      sql.substr(begin, end == std::string_view::npos ? sql.size() - begin : end - begin);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  std::vector<size_t> starts = CodePointStarts(line);
  size_t count = starts.size() - 1;
  size_t caret = std::min(static_cast<size_t>(column > 0 ? column - 1 : 0), count);
  size_t from = 0, to = count;
  if (count > kMaxWidth) {
    from = caret > kBefore ? caret - kBefore : 0;
    to = std::min(count, caret + kAfter);
  }
  std::string text = from > 0 ? "..." : "";
  text += line.substr(starts[from], starts[to] - starts[from]);
  std::string marks = from > 0 ? "   " : "";
  for (size_t i = from; i < caret; ++i) {
    marks += line[starts[i]] == '\t' ? '\t' : ' ';
  }
  if (to < count) {
    text += "...";
  }
  return text + "\n" + marks + "^\n";
}

}  // namespace verbind::federation
