#include "node/net/router.h"

#include <exception>

#include "common/log.h"

namespace verbind::node {

namespace {

bool IsKnownMethod(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    if (method == known) return true;
  }
  return false;
}

HttpReply Error(int status, std::string_view code, std::string_view message,
                const RequestContext& ctx) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = "application/json";
  reply.body = ErrorBody(code, message, ctx.trace_id);
  return reply;
}

HttpReply Run(const Handler& handler, const HttpRequest& request, const RequestContext& ctx) {
  std::string what = "unexpected error";
  try {
    return handler(request, ctx);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  common::LogError("http", "handler threw: " + what);
  return Error(500, "internal", "the request could not be completed", ctx);
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  AddRoute(method, pattern, false, std::move(handler));
}

void Router::AddStreamed(std::string_view method, std::string_view pattern, Handler handler) {
  AddRoute(method, pattern, true, std::move(handler));
}

void Router::AddRoute(std::string_view method, std::string_view pattern, bool streamed,
                      Handler handler) {
  Route route;
  route.method = std::string(method);
  if (pattern.find('(') == std::string_view::npos) {
    route.literal = std::string(pattern);
  } else {
    route.pattern.emplace(std::string(pattern));
  }
  route.streamed = streamed;
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

const Router::Route* Router::Find(std::string_view method, const std::string& path,
                                  std::vector<std::string>* captures) const {
  if (method == "HEAD") method = "GET";
  for (const Route& route : routes_) {
    if (route.method != method) continue;
    if (!route.pattern) {
      if (route.literal != path) continue;
      if (captures) *captures = {path};
      return &route;
    }
    std::smatch m;
    if (!std::regex_match(path, m, *route.pattern)) continue;
    if (captures) captures->assign(m.begin(), m.end());
    return &route;
  }
  return nullptr;
}

bool Router::IsStreamed(std::string_view method, std::string_view path) const {
  const Route* route = Find(method, std::string(path), nullptr);
  return route && route->streamed;
}

HttpReply Router::Dispatch(HttpRequest& request, const RequestContext& ctx) const {
  if (!IsKnownMethod(request.method())) {
    return Error(400, "malformed", "the request line or method is not understood", ctx);
  }
  const Route* route = Find(request.method(), request.path, &request.captures);
  if (!route) {
    return Error(404, "not_found", "no such endpoint: " + request.method() + " " + request.path,
                 ctx);
  }
  HttpReply reply = Run(route->handler, request, ctx);
  if (reply.status >= 400 && reply.body.empty()) {
    // Every error answer is JSON.
    reply =
        Error(reply.status, "http_" + std::to_string(reply.status), HttpReason(reply.status), ctx);
  }
  return reply;
}

}  // namespace verbind::node
