// What a route handler is given: the request, parsed once by the listener's framing code
// (node/net/http_wire.h), and the context of the connection it arrived on. Values; a request
// and its context are valid for the duration of the handler call. Thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/net/http_wire.h"

namespace verbind::node {

// The body of a streamed request (record uploads), read while the handler runs. One thread.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Hands the body to `sink` piece by piece as it arrives, until its end or until `sink` returns
  // false. True when the whole body arrived and `sink` took every piece.
  virtual bool ReadAll(const std::function<bool(std::string_view piece)>& sink) = 0;
  // Whether reading stopped because the body passed the listener's upload limit
  // (limits.max_ingest_bytes).
  virtual bool limit_exceeded() const = 0;
};

// The query parameters of a request target, percent-decoded, with '+' read as a space.
class QueryParams {
 public:
  // Parses "a=1&b=x+y" (without the '?'). Empty names are skipped; a repeated pair counts once.
  static QueryParams Parse(std::string_view query);
  bool Has(std::string_view name) const;
  // The first value given for `name`, or `fallback`.
  std::string Get(std::string_view name, std::string_view fallback = "") const;
  // Every value given for `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Percent-decodes `text` ("%2F" is "/"); with `plus_as_space`, '+' is a space. A '%' not
// followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view text, bool plus_as_space);

struct HttpRequest {
  HttpHead head;                      // method, target, version and headers, as parsed
  std::string path;                   // the target's path, percent-decoded, without the query
  QueryParams query;                  // the target's query parameters
  std::vector<std::string> captures;  // the route pattern's groups; [0] is the whole path
  std::string body;                   // a buffered body (empty when streamed)
  BodyReader* body_reader = nullptr;  // a streamed body (routes added with AddStreamed)

  const std::string& method() const { return head.method; }
  // The first value of a header (case-insensitive name), or empty.
  std::string_view Header(std::string_view name) const {
    return head.Header(name).value_or(std::string_view());
  }
};

// Splits a request target into its percent-decoded path and its query parameters (a fragment
// is dropped).
void SplitTarget(std::string_view target, std::string* path, QueryParams* query);

// What a handler may know about the connection and the request it is serving.
struct RequestContext {
  std::string listener;          // "peer" or "api"
  std::string remote_address;    // the client's IP address
  std::string peer_fingerprint;  // SHA-256 of the TLS client certificate (peer listener)
  std::string trace_id;          // 32 hex: from a valid `traceparent` header, or new
  std::string caller_span_id;    // 16 hex: the caller's span id from `traceparent`, or empty
};

// What a handler answers.
struct HttpReply {
  int status = 200;
  std::string content_type;  // "text/plain" is sent for a body without one
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more headers (Retry-After, ...)
};

// The JSON body of every error answer: {"code", "message", "trace_id"}.
std::string ErrorBody(std::string_view code, std::string_view message, std::string_view trace_id);

}  // namespace verbind::node
