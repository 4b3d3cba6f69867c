// /healthz, /readyz and /metrics: open to whoever reaches the local API.
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;

void RegisterSystemRoutes(const SystemServices& s, Endpoints& api) {
  api.Open("GET", "/healthz",
           [](const ApiRequest&) -> Result<HttpReply> { return JsonReply(R"({"status":"ok"})"); });
  api.Open("GET", "/readyz", [s](const ApiRequest&) -> Result<HttpReply> {
    auto probe = s.db->Get(storage::Family::kMeta, "format");
    if (!probe.ok()) return common::Unavailable("database: " + probe.status().message());
    return JsonReply(R"({"status":"ready"})");
  });
  api.Open("GET", "/metrics", [s](const ApiRequest&) -> Result<HttpReply> {
    return HttpReply{.content_type = "text/plain; version=0.0.4", .body = s.metrics->Render()};
  });
}

}  // namespace verbind::node
