#include "node/net/http_wire.h"

#include <gtest/gtest.h>

namespace verbind::node {
namespace {

TEST(HttpWire, ParsesRequestHead) {
  HeadError e;
  auto h = ParseRequestHead(
      "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nX-A:  b \r\n\r\n",
      HttpLimits{}, &e);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->method, "POST");
  EXPECT_EQ(h->target, "/v1/peer/query");
  EXPECT_EQ(*h->Header("content-length"), "12");
  EXPECT_EQ(*h->Header("x-a"), "b");
  auto f = RequestFraming(*h);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, BodyFraming::kLength);
  EXPECT_EQ(f->length, 12u);
}

TEST(HttpWire, RefusesTooManyOrLargeHeaders) {
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 70; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  head += "\r\n";
  HeadError e;
  EXPECT_FALSE(ParseRequestHead(head, HttpLimits{}, &e).ok());
  EXPECT_EQ(e, HeadError::kTooMany);
  EXPECT_FALSE(ParseRequestHead(head, HttpLimits{100, 200}, &e).ok());
  EXPECT_EQ(e, HeadError::kTooLarge);
}

TEST(HttpWire, RefusesAmbiguousFraming) {
  HeadError e;
  auto both = ParseRequestHead(
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", {}, &e);
  EXPECT_FALSE(RequestFraming(*both).ok());
  auto two =
      ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", {}, &e);
  EXPECT_FALSE(RequestFraming(*two).ok());
  auto gzip = ParseRequestHead("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n\r\n", {}, &e);
  EXPECT_EQ(RequestFraming(*gzip).status().code(), common::StatusCode::kFailedPrecondition);
  auto neg = ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", {}, &e);
  EXPECT_FALSE(RequestFraming(*neg).ok());
  EXPECT_FALSE(ParseRequestHead("GARBAGE\r\n\r\n", {}, &e).ok());
  EXPECT_EQ(e, HeadError::kMalformed);
}

TEST(HttpWire, ChunkedDecoderWithLimit) {
  ChunkedDecoder d(100);
  std::string out;
  auto used = d.Feed("4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\nNEXT", &out);
  ASSERT_TRUE(used.ok());
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, "Wikipedia");
  EXPECT_EQ(*used, 30u);  // everything up to NEXT
  ChunkedDecoder small(8);
  std::string o2;
  EXPECT_EQ(small.Feed("ff\r\n", &o2).status().code(), common::StatusCode::kResourceExhausted);
  ChunkedDecoder bad(100);
  EXPECT_FALSE(bad.Feed("zz\r\n", &o2).ok());
}

TEST(HttpWire, ResponseHead) {
  auto h = ParseResponseHead("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n", {});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 413);
  EXPECT_FALSE(ParseResponseHead("HTTP/1.1 99 x\r\n\r\n", {}).ok());
}

}  // namespace
}  // namespace verbind::node
