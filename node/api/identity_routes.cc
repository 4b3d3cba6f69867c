// /v1/identity and /v1/keys/rotate: this node's identity document and its key rotation.
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

void RegisterIdentityRoutes(const IdentityServices& s, Endpoints& api) {
  api.Add("GET", "/v1/identity", Role::kAnalyst, BodyUse::kNone,
          [s](const ApiRequest&) -> Result<HttpReply> {
            ASSIGN_OR_RETURN(std::string doc, s.identity->DocumentJson());
            return JsonReply(doc);
          });
  api.Add("POST", "/v1/keys/rotate", Role::kAdmin, BodyUse::kOptionalJson,
          [s](const ApiRequest& r) -> Result<HttpReply> {
            bool tls = r.body.is_object() && r.body.value("tls", false);
            ASSIGN_OR_RETURN(json out, s.rotation->Rotate(tls, r.caller.name, r.ctx.trace_id));
            return JsonReply(out.dump());
          });
}

}  // namespace verbind::node
