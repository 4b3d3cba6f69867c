#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/dates.h"
#include "common/encoding.h"
#include "common/files.h"
#include "common/status.h"
#include "common/strings.h"

namespace verbind::common {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, OkAndErrors) {
  EXPECT_TRUE(Status().ok());
  Status s = NotFound("dataset x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: dataset x");
  EXPECT_EQ(s.WithContext("load").message(), "load: dataset x");
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(7).status().message(), "odd");
}

TEST(Encoding, HexRoundTripAndStrictness) {
  Bytes b = {0x00, 0xff, 0x10, 0xab};
  EXPECT_EQ(HexEncode(b), "00ff10ab");
  EXPECT_EQ(*HexDecode("00FF10ab"), b);
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Encoding, Base64UrlKnownAnswers) {
  // RFC 4648 test vectors, without padding.
  EXPECT_EQ(Base64UrlEncode(AsBytes("")), "");
  EXPECT_EQ(Base64UrlEncode(AsBytes("f")), "Zg");
  EXPECT_EQ(Base64UrlEncode(AsBytes("fo")), "Zm8");
  EXPECT_EQ(Base64UrlEncode(AsBytes("foo")), "Zm9v");
  EXPECT_EQ(Base64UrlEncode(AsBytes("foobar")), "Zm9vYmFy");
  Bytes hi = {0xfb, 0xff};
  EXPECT_EQ(Base64UrlEncode(hi), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), hi);
  EXPECT_EQ(AsChars(*Base64UrlDecode("Zm9vYmFy")), "foobar");
}

TEST(Encoding, Base64UrlRefusesNonCanonical) {
  EXPECT_FALSE(Base64UrlDecode("Zm9=").ok());   // padding
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());     // non-zero trailing bits
  EXPECT_FALSE(Base64UrlDecode("Z").ok());      // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zm+v").ok());   // standard alphabet
}

TEST(Dates, RoundTripAndValidation) {
  int32_t d;
  ASSERT_TRUE(ParseIsoDate("1970-01-01", &d));
  EXPECT_EQ(d, 0);
  ASSERT_TRUE(ParseIsoDate("2024-02-29", &d));
  EXPECT_EQ(FormatIsoDate(d), "2024-02-29");
  EXPECT_FALSE(ParseIsoDate("2023-02-29", &d));
  EXPECT_FALSE(ParseIsoDate("2023-13-01", &d));
  EXPECT_FALSE(ParseIsoDate("2023-1-01", &d));
  ASSERT_TRUE(ParseIsoDate("1959-12-31", &d));
  EXPECT_EQ(FormatIsoDate(d), "1959-12-31");
  EXPECT_LT(d, 0);
}

int64_t Day(const char* iso) {
  int32_t d = 0;
  EXPECT_TRUE(ParseIsoDate(iso, &d)) << iso;
  return d;
}

TEST(Dates, PartsAgreeWithPostgres) {
  // 2021-01-03 is a Sunday in ISO week 53 of 2020; 2024-12-30 a Monday in week 1 of 2025.
  EXPECT_EQ(ApplyDatePart(DatePart::kTruncWeek, Day("2021-01-03")), Day("2020-12-28"));
  EXPECT_EQ(ApplyDatePart(DatePart::kWeek, Day("2021-01-03")), 53);
  EXPECT_EQ(ApplyDatePart(DatePart::kDow, Day("2021-01-03")), 0);
  EXPECT_EQ(ApplyDatePart(DatePart::kIsodow, Day("2021-01-03")), 7);
  EXPECT_EQ(ApplyDatePart(DatePart::kWeek, Day("2024-12-30")), 1);
  EXPECT_EQ(ApplyDatePart(DatePart::kTruncWeek, Day("2024-12-30")), Day("2024-12-30"));
  EXPECT_EQ(ApplyDatePart(DatePart::kTruncMonth, Day("2024-02-29")), Day("2024-02-01"));
  EXPECT_EQ(ApplyDatePart(DatePart::kTruncQuarter, Day("2024-08-15")), Day("2024-07-01"));
  EXPECT_EQ(ApplyDatePart(DatePart::kTruncYear, Day("1959-12-31")), Day("1959-01-01"));
  EXPECT_EQ(ApplyDatePart(DatePart::kDoy, Day("2024-02-29")), 60);
  EXPECT_EQ(ApplyDatePart(DatePart::kDoy, Day("2024-12-31")), 366);
  EXPECT_EQ(ApplyDatePart(DatePart::kQuarter, Day("2024-08-15")), 3);
  EXPECT_EQ(ApplyDatePart(DatePart::kYear, Day("1959-12-31")), 1959);
  EXPECT_EQ(ApplyDatePart(DatePart::kDay, Day("1959-12-31")), 31);
  EXPECT_EQ(ApplyDatePart(DatePart::kTruncDay, Day("1959-12-31")), Day("1959-12-31"));
  EXPECT_EQ(TruncationOf("quarter"), DatePart::kTruncQuarter);
  EXPECT_EQ(TruncationOf("dow"), DatePart::kNone);
  EXPECT_EQ(ExtractionOf("dow"), DatePart::kDow);
  EXPECT_EQ(ExtractionOf("decade"), DatePart::kNone);
  EXPECT_EQ(DatePartUnit(DatePart::kTruncQuarter), "quarter");
}

TEST(Dates, EveryDayLiesInItsPeriodAndEveryPeriodIsListed) {
  const int64_t first = Day("1899-12-25"), last = Day("2101-01-07");
  for (DatePart p : {DatePart::kTruncWeek, DatePart::kTruncMonth, DatePart::kTruncQuarter,
                     DatePart::kTruncYear}) {
    std::vector<int64_t> starts = DatePartValues(p, first, last);
    ASSERT_FALSE(starts.empty());
    EXPECT_LE(starts.front(), first);
    size_t at = 0;
    for (int64_t d = first; d <= last; ++d) {
      int64_t start = ApplyDatePart(p, d);
      while (at + 1 < starts.size() && starts[at + 1] <= d) ++at;
      ASSERT_EQ(start, starts[at]) << FormatIsoDate(static_cast<int32_t>(d));
      ASSERT_EQ(ApplyDatePart(p, start), start);
    }
    EXPECT_EQ(starts.back(), ApplyDatePart(p, last));
  }
  // ISO weeks: a week number changes exactly on Mondays and restarts at 1.
  for (int64_t d = first + 1; d <= last; ++d) {
    int64_t w = ApplyDatePart(DatePart::kWeek, d), prev = ApplyDatePart(DatePart::kWeek, d - 1);
    if (ApplyDatePart(DatePart::kIsodow, d) != 1) {
      ASSERT_EQ(w, prev);
    } else {
      ASSERT_TRUE(w == prev + 1 || (w == 1 && (prev == 52 || prev == 53)));
    }
  }
  EXPECT_EQ(DatePartValues(DatePart::kYear, Day("2023-05-01"), Day("2024-01-01")),
            (std::vector<int64_t>{2023, 2024}));
  EXPECT_EQ(DatePartValues(DatePart::kMonth, Day("2023-05-01"), Day("2023-05-02")).size(), 12U);
}

TEST(Clock, HttpDates) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  int64_t s = 0;
  ASSERT_TRUE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", &s));
  EXPECT_EQ(s, 784111777);
  ASSERT_TRUE(ParseHttpDate(FormatHttpDate(1796679667), &s));
  EXPECT_EQ(s, 1796679667);
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", &s));
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT", &s));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 24:49:37 GMT", &s));
}

TEST(Clock, Rfc3339) {
  int64_t ms;
  ASSERT_TRUE(ParseRfc3339("2026-11-29T06:45:00Z", &ms));
  EXPECT_EQ(FormatRfc3339(ms), "2026-11-29T06:45:00.000Z");
  ASSERT_TRUE(ParseRfc3339("2026-11-29T08:45:00.5+02:00", &ms));
  EXPECT_EQ(FormatRfc3339(ms), "2026-11-29T06:45:00.500Z");
  EXPECT_FALSE(ParseRfc3339("2026-11-29T25:00:00Z", &ms));
  EXPECT_FALSE(ParseRfc3339("yesterday", &ms));
  ManualClock clock(1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMillis(), 1500);
}

TEST(Strings, Utf8Names) {
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_TRUE(IsValidName("gemeente-utrecht"));
  EXPECT_FALSE(IsValidName("Gemeente"));
  EXPECT_FALSE(IsValidName("-x"));
  EXPECT_FALSE(IsValidName(""));
  int64_t v;
  EXPECT_TRUE(ParseInt64("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_FALSE(ParseInt64("9223372036854775808", &v));
  EXPECT_FALSE(ParseInt64("1x", &v));
  std::string host;
  int port;
  EXPECT_TRUE(ParseHostPort("[::1]:7443", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 7443);
  EXPECT_FALSE(ParseHostPort("localhost:70000", &host, &port));
}

TEST(Files, AtomicWriteModesAndLimits) {
  std::string dir = ::testing::TempDir() + "/verbind_files_test";
  ASSERT_TRUE(MakeDir(dir, 0700).ok());
  std::string path = dir + "/secret";
  ASSERT_TRUE(WriteFileAtomic(path, "abc", 0600).ok());
  EXPECT_EQ(*FileMode(path), 0600u);
  EXPECT_EQ(*ReadFile(path), "abc");
  EXPECT_EQ(WriteFileAtomic(path, "x", 0600, false).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadFile(path, 2).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ReadFile(dir + "/missing").status().code(), StatusCode::kNotFound);
  bool whole = false;
  EXPECT_EQ(*ReadFilePrefix(path, 2, &whole), "ab");
  EXPECT_FALSE(whole);
  EXPECT_EQ(*ReadFilePrefix(path, 3, &whole), "abc");
  EXPECT_TRUE(whole);
  EXPECT_EQ(ReadFilePrefix(dir, 3, &whole).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verbind::common

#include "common/strict_json.h"

namespace verbind::common {
namespace {
TEST(StrictJson, RefusesDuplicatesAndDeepNesting) {
  EXPECT_TRUE(ParseStrictJson(R"({"a":1,"b":{"a":2}})", "x").ok());
  EXPECT_FALSE(ParseStrictJson(R"({"a":1,"a":2})", "x").ok());
  EXPECT_FALSE(ParseStrictJson(R"({"o":{"k":1,"k":1}})", "x").ok());
  EXPECT_FALSE(ParseStrictJson(std::string(100, '[') + std::string(100, ']'), "x").ok());
  EXPECT_FALSE(ParseStrictJson("{", "x").ok());
}

TEST(StrictJson, BuildsWhatThePlainParserBuildsAndSaysWhatIsWrong) {
  const std::string doc =
      R"({"a":[1,-2,18446744073709551615,1.5e300,true,null,"\u00e9\n",[],{}],)"
      R"("b":{"c":[[{"d":"x"}]],"e":-0.0},"":1})";
  auto strict = ParseStrictJson(doc, "doc");
  ASSERT_TRUE(strict.ok()) << strict.status().ToString();
  EXPECT_EQ(*strict, nlohmann::json::parse(doc));
  EXPECT_EQ(ParseStrictJson("  42 ", "x").value(), 42);
  EXPECT_EQ(ParseStrictJson(R"({"k":1,"k":2})", "body").status().message(),
            "body: duplicate key \"k\"");
  EXPECT_EQ(ParseStrictJson("[1] x", "body").status().message().substr(0, 60),
            "body is not valid JSON: parse error at line 1, column 5: syn");
  EXPECT_EQ(ParseStrictJson("", "body").status().message().substr(0, 47),
            "body is not valid JSON: parse error at line 1, ");
  // 64 levels are allowed, 65 are not.
  EXPECT_TRUE(ParseStrictJson(std::string(64, '[') + std::string(64, ']'), "x").ok());
  EXPECT_EQ(ParseStrictJson(std::string(65, '[') + std::string(65, ']'), "body").status().message(),
            "body: nested more than 64 levels");
}
}  // namespace
}  // namespace verbind::common
