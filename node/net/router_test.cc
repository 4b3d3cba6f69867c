#include "node/net/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace verbind::node {
namespace {

HttpRequest Request(std::string method, std::string target) {
  HttpRequest r;
  r.head.method = std::move(method);
  r.head.target = std::move(target);
  r.head.version = "HTTP/1.1";
  SplitTarget(r.head.target, &r.path, &r.query);
  return r;
}

HttpReply Text(std::string body) {
  HttpReply reply;
  reply.content_type = "text/plain";
  reply.body = std::move(body);
  return reply;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.trace_id = "0123456789abcdef0123456789abcdef";
    router_.Add("GET", "/v1/peers",
                [](const HttpRequest&, const RequestContext&) { return Text("list"); });
    router_.Add(
        "GET", R"(/v1/peers/([a-z0-9._-]+))",
        [](const HttpRequest& r, const RequestContext&) { return Text("one " + r.captures[1]); });
    router_.Add("POST", R"(/v1/peers/([a-z0-9._-]+)/(suspend|resume))",
                [](const HttpRequest& r, const RequestContext&) {
                  return Text(r.captures[2] + " " + r.captures[1]);
                });
    router_.AddStreamed("POST", R"(/v1/datasets/([a-z0-9._-]+)/records)",
                        [](const HttpRequest&, const RequestContext&) { return Text("upload"); });
    router_.Add("GET", "/throws", [](const HttpRequest&, const RequestContext&) -> HttpReply {
      throw std::runtime_error("boom");
    });
    router_.Add("GET", "/teapot", [](const HttpRequest&, const RequestContext&) {
      HttpReply reply;
      reply.status = 418;
      return reply;
    });
  }

  HttpReply Dispatch(std::string method, std::string target) {
    HttpRequest r = Request(std::move(method), std::move(target));
    return router_.Dispatch(r, ctx_);
  }

  Router router_;
  RequestContext ctx_;
};

TEST_F(RouterTest, LiteralAndPatternRoutesWithCaptures) {
  EXPECT_EQ(Dispatch("GET", "/v1/peers").body, "list");
  EXPECT_EQ(Dispatch("GET", "/v1/peers/org-b?x=1").body, "one org-b");
  EXPECT_EQ(Dispatch("POST", "/v1/peers/org-b/suspend").body, "suspend org-b");
  // Percent-decoded before matching, and the whole path must match.
  EXPECT_EQ(Dispatch("GET", "/v1/peers/org%2Db").body, "one org-b");
  EXPECT_EQ(Dispatch("GET", "/v1/peers/Org-B").status, 404);
  EXPECT_EQ(Dispatch("GET", "/v1/peers/a/b").status, 404);
}

TEST_F(RouterTest, UnroutedGets404AndUnknownMethods400) {
  HttpReply none = Dispatch("DELETE", "/v1/peers");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.content_type, "application/json");
  EXPECT_EQ(none.body,
            "{\"code\":\"not_found\",\"message\":\"no such endpoint: DELETE /v1/peers\","
            "\"trace_id\":\"0123456789abcdef0123456789abcdef\"}");
  EXPECT_EQ(Dispatch("OPTIONS", "/v1/peers").status, 404);
  HttpReply odd = Dispatch("BREW", "/v1/peers");
  EXPECT_EQ(odd.status, 400);
  EXPECT_NE(odd.body.find("\"malformed\""), std::string::npos);
}

TEST_F(RouterTest, HeadIsServedByGetRoutes) {
  EXPECT_EQ(Dispatch("HEAD", "/v1/peers").body, "list");
  EXPECT_EQ(Dispatch("HEAD", "/v1/datasets/x/records").status, 404);
}

TEST_F(RouterTest, StreamedRoutesAreKnownBeforeDispatch) {
  EXPECT_TRUE(router_.IsStreamed("POST", "/v1/datasets/benefits/records"));
  EXPECT_FALSE(router_.IsStreamed("GET", "/v1/datasets/benefits/records"));
  EXPECT_FALSE(router_.IsStreamed("POST", "/v1/peers/x/suspend"));
}

TEST_F(RouterTest, ThrowingHandlersAndEmptyErrorsGetJsonErrors) {
  HttpReply thrown = Dispatch("GET", "/throws");
  EXPECT_EQ(thrown.status, 500);
  EXPECT_NE(thrown.body.find("\"internal\""), std::string::npos);
  HttpReply teapot = Dispatch("GET", "/teapot");
  EXPECT_EQ(teapot.status, 418);
  EXPECT_NE(teapot.body.find("\"http_418\""), std::string::npos);
}

TEST(QueryParams, DecodesAndTakesTheFirstValue) {
  QueryParams q = QueryParams::Parse("since=2026-01-01T00%3A00%3A00Z&peer=a+b&peer=c&=x&flag");
  EXPECT_EQ(q.Get("since"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(q.Get("peer"), "a b");
  EXPECT_TRUE(q.Has("flag"));
  EXPECT_EQ(q.Get("flag", "none"), "");
  EXPECT_FALSE(q.Has("limit"));
  EXPECT_EQ(q.Get("limit", "1000"), "1000");
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("a+b%zz", false), "a+b%zz");
}

}  // namespace
}  // namespace verbind::node
