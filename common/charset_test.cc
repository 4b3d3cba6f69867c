#include "common/charset.h"

#include <gtest/gtest.h>

namespace verbind::common {
namespace {

TEST(Charset, Windows1252AndLatin1BecomeUtf8) {
  std::string out;
  EXPECT_EQ(AppendAsUtf8(Charset::kWindows1252,
                         "\x80 10,50 \x93"
                         "caf\xe9\x94 \x8a",
                         &out),
            std::string_view::npos);
  EXPECT_EQ(out,
            "\xE2\x82\xAC 10,50 \xE2\x80\x9C"
            "caf\xC3\xA9\xE2\x80\x9D \xC5\xA0");
  out.clear();
  EXPECT_EQ(AppendAsUtf8(Charset::kLatin1, "\x80\xe9\xff", &out), std::string_view::npos);
  EXPECT_EQ(out, "\xC2\x80\xC3\xA9\xC3\xBF");
  EXPECT_EQ(Utf8BytesOf(Charset::kWindows1252, 0x80), 3u);
  EXPECT_EQ(Utf8BytesOf(Charset::kWindows1252, 0x83), 2u);
  EXPECT_EQ(Utf8BytesOf(Charset::kLatin1, 0x80), 2u);
  EXPECT_EQ(Utf8BytesOf(Charset::kWindows1252, 'a'), 1u);
}

TEST(Charset, UndefinedWindows1252BytesAreRefusedWhereTheyAre) {
  for (unsigned char b : {0x81, 0x8D, 0x8F, 0x90, 0x9D}) {
    std::string out;
    std::string in = std::string("ab") + static_cast<char>(b) + "c";
    EXPECT_EQ(AppendAsUtf8(Charset::kWindows1252, in, &out), 2u) << int{b};
    EXPECT_EQ(out, "ab");
    EXPECT_EQ(Utf8BytesOf(Charset::kWindows1252, b), 0u);
  }
  EXPECT_EQ(*ToUtf8(Charset::kLatin1, "a\xe9"), "a\xC3\xA9");
  auto bad = ToUtf8(Charset::kWindows1252, "id;x\n1;\x80\n2;ab\x8f\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "line 3, column 5: byte 0x8F is not a character in windows-1252");
  EXPECT_EQ(*ParseCharset("Windows-1252"), Charset::kWindows1252);
  EXPECT_EQ(*ParseCharset("latin-1"), Charset::kLatin1);
  EXPECT_EQ(*ParseCharset("UTF-8"), Charset::kUtf8);
  EXPECT_FALSE(ParseCharset("utf-16").ok());
  EXPECT_EQ(CharsetName(Charset::kLatin1), "latin-1");
}

}  // namespace
}  // namespace verbind::common
