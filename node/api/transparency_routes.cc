// The transparency register (docs/transparency.md): this node's exchanges of one month, from
// its audit log, signed for publication; and the same file without a token when the
// administrator enables it.
#include "federation/transparency.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

constexpr size_t kMaxEntries = 50'000'000;

Result<json> Build(const TransparencyServices& s, const std::string& month) {
  ASSIGN_OR_RETURN(auto range, federation::MonthRange(month));
  int64_t now = s.clock->NowMillis();
  if (range.first > now) return common::InvalidArgument("month " + month + " has not begun");
  storage::AuditHead head = s.log->head();
  ASSIGN_OR_RETURN(auto entries, s.log->List(0, range.first, "", kMaxEntries));
  return federation::BuildRegister(entries, s.identity->org_id(), month, head, now);
}

}  // namespace

void RegisterTransparencyRoutes(const TransparencyServices& s, Endpoints& api) {
  constexpr const char* kMonth = R"(([0-9]{4}-[0-9]{2}))";
  api.Add("GET", std::string("/v1/transparency/") + kMonth, Role::kAnalyst, BodyUse::kNone,
          [s](const ApiRequest& r) -> Result<HttpReply> {
            ASSIGN_OR_RETURN(json reg, Build(s, r.capture(1)));
            json out = {{"register", reg},
                        {"file", federation::SealRegister(reg, *s.identity->signer())},
                        {"csv", federation::RegisterToCsv(reg)}};
            return JsonReply(out.dump());
          });
  api.Open("GET", std::string("/public/v1/transparency/") + kMonth,
           [s](const ApiRequest& r) -> Result<HttpReply> {
             if (!s.public_register) {
               return ErrorReply(r.ctx, 404, "not_found",
                                 "the public transparency register is not enabled on this node "
                                 "(transparency.public in verbind.toml)");
             }
             ASSIGN_OR_RETURN(json reg, Build(s, r.capture(1)));
             return JsonReply(federation::SealRegister(reg, *s.identity->signer()));
           });
}

}  // namespace verbind::node
