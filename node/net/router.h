// Router: from a request's method and path to its handler, over requests the listener has
// already parsed (each request is parsed once, by node/net/http_wire.h).
//
// A route's pattern is a literal path ("/v1/peers") or, when it holds a group, a regular
// expression that must match the whole path ("/v1/peers/([a-z0-9._-]+)"); its groups become
// HttpRequest::captures. Routes are tried in the order they were added and the first match
// answers. GET routes also answer HEAD (the listener then sends no body). A path or method no
// route serves gets 404 {"code":"not_found","message":"no such endpoint: ..."}: there is no 405.
// A method other than GET, HEAD, POST, PUT, DELETE, OPTIONS and PATCH gets 400 `malformed`; a
// handler that throws gets 500 `internal`; an error status without a body gets a JSON body.
//
// Thread-safe once built: add every route before the listener starts.
#pragma once

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "node/net/http_request.h"

namespace verbind::node {

using Handler = std::function<HttpReply(const HttpRequest&, const RequestContext&)>;

class Router {
 public:
  // Adds a route whose request body is read whole before `handler` runs (HttpRequest::body).
  void Add(std::string_view method, std::string_view pattern, Handler handler);
  // Adds a route whose request body is handed to `handler` as it arrives
  // (HttpRequest::body_reader), for uploads larger than a buffered body may be.
  void AddStreamed(std::string_view method, std::string_view pattern, Handler handler);

  // Whether `method` on `path` (percent-decoded) goes to a streamed route.
  bool IsStreamed(std::string_view method, std::string_view path) const;
  // The reply of the route that serves `request` (whose captures it fills), or the error reply
  // described above.
  HttpReply Dispatch(HttpRequest& request, const RequestContext& ctx) const;

 private:
  struct Route {
    std::string method;
    std::string literal;                // the path, for a literal pattern
    std::optional<std::regex> pattern;  // for a pattern with groups
    bool streamed = false;
    Handler handler;
  };
  void AddRoute(std::string_view method, std::string_view pattern, bool streamed, Handler h);
  // The first route for `method` whose pattern matches `path`; fills `captures` when given.
  const Route* Find(std::string_view method, const std::string& path,
                    std::vector<std::string>* captures) const;

  std::vector<Route> routes_;
};

}  // namespace verbind::node
