// /v1/backup/checkpoint: a consistent copy of the node's database while it serves, for
// `verbind backup` on the same machine to package and encrypt (docs/operations.md).
#include <filesystem>

#include "common/clock.h"
#include "common/files.h"
#include "federation/peer_service.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

void RegisterBackupRoutes(const BackupServices& s, Endpoints& api) {
  api.Add("POST", "/v1/backup/checkpoint", Role::kAdmin, BodyUse::kOptionalJson,
          [s](const ApiRequest& r) -> Result<HttpReply> {
            std::string folder = s.node_dir + "/backups";
            RETURN_IF_ERROR(common::MakeDir(folder, 0700));
            std::string dir = folder + "/checkpoint-" + std::to_string(s.clock->NowMillis()) +
                              "-" + federation::NewOperationId();
            // The entry is written first, so that the backup holds the record of itself.
            RETURN_IF_ERROR(s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                                             .operation = "node.backup",
                                                             .decision = "applied",
                                                             .detail = dir}));
            storage::AuditHead head = s.log->head();
            common::Status made = s.db->CreateCheckpoint(dir);
            if (!made.ok()) {
              std::error_code ec;
              std::filesystem::remove_all(dir, ec);
              return made;
            }
            json out = {{"checkpoint", dir},
                        {"node_dir", s.node_dir},
                        {"data_dir", s.data_dir},
                        {"org_id", s.identity->org_id()},
                        {"created_at", common::FormatRfc3339(s.clock->NowMillis())},
                        {"audit_head", {{"seq", head.seq}, {"hash", head.hash}}}};
            return JsonReply(out.dump(), 201);
          });
}

}  // namespace verbind::node
