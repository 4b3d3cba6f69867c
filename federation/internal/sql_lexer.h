// Tokens of the query SQL subset (federation/sql.h), with the line and column of each token
// for error messages. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace verbind::federation {

// What a token is.
enum class SqlTokenKind {
  kEnd,         // end of input
  kError,       // a lexical error; `text` is the message; always the last token
  kName,        // a keyword or an unquoted name: [A-Za-z_][A-Za-z0-9_]*, as written
  kQuotedName,  // "..." (text without the quotes)
  kInteger,     // a number without a fraction; `text` in plain form ("4500" for 4.5e3)
  kDecimal,     // a number with a fraction; `text` in plain form ("0.5" for .5), digits as
                // written when there is no exponent
  kString,      // '...' with '' for a quote; text decoded
  kSymbol,      // ( ) , ; * = != <> < <= > >= - + / .
};

// One token and where it starts in the source.
struct SqlToken {
  SqlTokenKind kind = SqlTokenKind::kEnd;
  std::string text;
  size_t offset = 0;  // byte offset of the first character
  size_t length = 0;  // bytes in the source
  int line = 1;       // 1-based
  int column = 1;     // 1-based, counting UTF-8 code points
};

// Splits `sql` into tokens. The list always ends with kEnd or (at the first lexical error:
// unterminated string or quoted name, a bad character, a malformed number, a string over
// kMaxStringBytes, a control character or invalid UTF-8 in a string) with kError.
// Whitespace and "--" comments to the end of the line separate tokens.
std::vector<SqlToken> LexSql(std::string_view sql);

// The source line holding byte `offset` and a second line with a caret under column
// `column`, both ending in a newline. Lines over 100 characters are cut around the caret.
std::string SqlExcerpt(std::string_view sql, size_t offset, int column);

}  // namespace verbind::federation
