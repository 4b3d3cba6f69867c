// W3C trace context (`traceparent`) for requests: the trace id a request is logged and audited
// under, and the caller's span id. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace verbind::node {

// A new trace id: 32 lower-case hex digits, random.
std::string NewTraceId();

struct TraceParent {
  std::string trace_id;  // 32 hex
  std::string span_id;   // 16 hex: the caller's span
};
// The trace id and span id of a valid `traceparent` header value
// ("00-<trace id>-<span id>-<flags>", trace id lower-case hex and not all zero), or nullopt.
std::optional<TraceParent> ParseTraceparent(std::string_view value);

}  // namespace verbind::node
