// /v1/definitions: shared dataset definitions (docs/datasets.md, "Shared definitions"). Publish
// a dataset's schema as a signed definition, list and show the definitions this node holds,
// adopt one from its publisher (over the peer protocol) or from a file; and, on the peer
// listener, serve this node's own definitions to its peers.
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/strings.h"
#include "config/schema_changes.h"
#include "federation/definition.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

json ChangesJson(const std::vector<config::SchemaChange>& changes) {
  json out = json::array();
  for (const auto& c : changes) {
    out.push_back({{"field", c.field},
                   {"change", c.what},
                   {"compatible", c.compatible},
                   {"in_place", c.in_place}});
  }
  return out;
}

// The datasets on this node that conform to a definition version.
json ConformingDatasets(const storage::DatasetStore& datasets, const config::DefinitionRef& ref) {
  json out = json::array();
  for (const auto& info : datasets.List()) {
    if (info.definition == ref) out.push_back(info.name);
  }
  return out;
}

json SummaryJson(const federation::SignedDefinition& d, const storage::DatasetStore& datasets) {
  json out = federation::DefinitionRefToJson(d.Ref());
  out["published_at"] = common::FormatRfc3339(d.definition.published_at * 1000);
  out["description"] = d.definition.schema.description;
  out["fields"] = d.definition.schema.fields.size();
  out["datasets"] = ConformingDatasets(datasets, d.Ref());
  return out;
}

json DocumentJson(const federation::SignedDefinition& d, const storage::DatasetStore& datasets) {
  json out = SummaryJson(d, datasets);
  out["schema"] = json::parse(config::SchemaToJson(d.definition.schema));
  out["document"] = json::parse(d.Wire());
  return out;
}

Result<federation::SignedDefinition> Read(const storage::StoredDefinition& stored) {
  auto d = federation::ReadDefinition(stored.document);
  if (!d.ok()) {
    return common::DataLoss("the stored definition " + stored.publisher + "/" + stored.name +
                            "@" + std::to_string(stored.version) +
                            " cannot be read: " + d.status().message());
  }
  return d;
}

// The publisher's current keys: this node's own (every key it ever used, for its own earlier
// documents), or a pinned, active peer's.
Result<storage::PeerRecord> PublisherRecord(const DefinitionServices& s,
                                            const federation::SignedDefinition& d) {
  const std::string& org = d.definition.publisher;
  if (org == s.identity->org_id()) {
    storage::PeerRecord self;
    self.org_id = org;
    auto key = s.identity->PublicKey(d.envelope.key_id);
    if (!key) {
      return common::PermissionDenied("the definition is signed with key " + d.envelope.key_id +
                                      ", which is not a key of this node");
    }
    self.keys.push_back({d.envelope.key_id, *key, 0, 0});
    return self;
  }
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* peer = snap->ByOrg(org);
  if (!peer) {
    return common::FailedPrecondition("the publisher " + org +
                                      " is not a pinned peer: pin it first (verbind peer add) so "
                                      "that its signature can be checked");
  }
  if (peer->status != storage::PeerStatus::kActive) {
    return common::FailedPrecondition("the publisher " + org + " is " +
                                      std::string(storage::PeerStatusName(peer->status)));
  }
  return *peer;
}

Result<HttpReply> Publish(const DefinitionServices& s, const ApiRequest& r) {
  std::string dataset = r.body.value("dataset", "");
  ASSIGN_OR_RETURN(storage::DatasetInfo info, s.datasets->Describe(dataset));
  std::string name = r.body.value("name", dataset);
  if (!common::IsValidName(name)) {
    return common::InvalidArgument("name must be 1-64 of a-z 0-9 . _ -");
  }
  const std::string& me = s.identity->org_id();
  if (info.definition && info.definition->publisher != me) {
    return common::FailedPrecondition(
        "dataset " + dataset + " conforms to " + info.definition->Label() + ", published by " +
        info.definition->publisher + "; only the publisher publishes its versions");
  }
  // A new version may change the schema, as far as the dataset can follow in place.
  config::Schema schema = info.schema;
  if (r.body.contains("schema")) {
    if (!r.body["schema"].is_string()) {
      return common::InvalidArgument("schema must be the TOML text of the new schema");
    }
    ASSIGN_OR_RETURN(schema, config::ParseSchemaToml(r.body["schema"].get<std::string>(), "schema"));
    auto moves = config::CompareSchemas(info.schema, schema);
    if (!config::AllInPlace(moves)) {
      return common::FailedPrecondition(
          "dataset " + dataset + " cannot take this schema in place: " +
          config::DescribeChanges(moves) +
          "; create a new dataset with the schema, load it, and publish that");
    }
  }
  ASSIGN_OR_RETURN(auto latest, s.definitions->Latest(me, name));
  json changes = json::array();
  bool compatible = true;
  federation::Definition d;
  d.publisher = me;
  d.name = name;
  d.version = 1;
  d.published_at = s.clock->NowSeconds();
  d.schema = schema;
  if (latest) {
    ASSIGN_OR_RETURN(federation::SignedDefinition previous, Read(*latest));
    auto diff = config::CompareSchemas(previous.definition.schema, schema);
    if (diff.empty()) {
      // Nothing changed: the dataset conforms to the latest version.
      RETURN_IF_ERROR(s.datasets->SetDefinition(dataset, previous.Ref(), schema));
      json out = DocumentJson(previous, *s.datasets);
      out["published"] = false;
      out["changes"] = changes;
      return JsonReply(out.dump());
    }
    d.version = latest->version + 1;
    changes = ChangesJson(diff);
    compatible = config::AllCompatible(diff);
  }
  ASSIGN_OR_RETURN(federation::SignedDefinition sealed,
                   federation::SealDefinition(d, *s.identity->signer()->key()));
  RETURN_IF_ERROR(s.audit->Record(
      r.ctx.trace_id, {.actor = r.caller.name,
                       .operation = "definition.publish",
                       .decision = "applied",
                       .detail = sealed.Ref().Label() + " " + sealed.hash,
                       .dataset = dataset}));
  RETURN_IF_ERROR(s.definitions->Put({me, name, d.version, sealed.Wire()}));
  RETURN_IF_ERROR(s.datasets->SetDefinition(dataset, sealed.Ref(), schema));
  json out = DocumentJson(sealed, *s.datasets);
  out["published"] = true;
  out["changes"] = changes;
  out["compatible_with_previous"] = compatible;
  return JsonReply(out.dump(), 201);
}

Result<HttpReply> List(const DefinitionServices& s) {
  ASSIGN_OR_RETURN(auto stored, s.definitions->List());
  json out = json::array();
  for (const auto& d : stored) {
    ASSIGN_OR_RETURN(federation::SignedDefinition read, Read(d));
    out.push_back(SummaryJson(read, *s.datasets));
  }
  return JsonReply(json{{"definitions", out}}.dump());
}

Result<std::optional<storage::StoredDefinition>> Find(const DefinitionServices& s,
                                                      const std::string& publisher,
                                                      const std::string& name,
                                                      const std::string& version) {
  if (version == "latest") return s.definitions->Latest(publisher, name);
  int64_t v = 0;
  if (!common::ParseInt64(version, &v) || v < 1 || v > federation::kMaxDefinitionVersion) {
    return common::InvalidArgument("version must be a number from 1 or \"latest\"");
  }
  return s.definitions->Get(publisher, name, v);
}

Result<HttpReply> Show(const DefinitionServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto stored, Find(s, r.capture(1), r.capture(2), r.capture(3)));
  if (!stored) {
    return common::NotFound("this node holds no definition " + r.capture(1) + "/" +
                            r.capture(2) + "@" + r.capture(3));
  }
  ASSIGN_OR_RETURN(federation::SignedDefinition d, Read(*stored));
  return JsonReply(DocumentJson(d, *s.datasets).dump());
}

// The signed document from its publisher, over the peer protocol.
Result<std::string> Fetch(const DefinitionServices& s, const std::string& org,
                          const std::string& name, int64_t version) {
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* peer = snap->ByOrg(org);
  if (!peer) return common::NotFound("no peer " + org + ": pin it first (verbind peer add)");
  std::string path = "/v1/peer/definitions/" + name +
                     (version > 0 ? "/" + std::to_string(version) : std::string());
  auto reply = s.peer_clients->Call(*peer, "GET", path, {}, "", After(s.call_deadline_ms));
  if (!reply.ok()) {
    return common::Unavailable("cannot reach " + org + ": " + reply.status().message());
  }
  if (reply->status != 200) {
    auto body = json::parse(reply->body, nullptr, false);
    std::string why = body.is_object() ? body.value("message", "") : "";
    return reply->status == 404
               ? Result<std::string>(common::NotFound(org + " publishes no definition " + name +
                                                      (version > 0 ? "@" + std::to_string(version)
                                                                   : "") +
                                                      (why.empty() ? "" : ": " + why)))
               : Result<std::string>(common::Unavailable(
                     org + " answered HTTP " + std::to_string(reply->status) + ": " + why));
  }
  return reply->body;
}

Result<HttpReply> Adopt(const DefinitionServices& s, const ApiRequest& r) {
  std::string document;
  if (r.body.contains("document")) {
    if (r.body.contains("from")) {
      return common::InvalidArgument("give either document or from and name, not both");
    }
    if (!r.body["document"].is_object()) {
      return common::InvalidArgument("document must be the signed definition (a JSON object)");
    }
    document = r.body["document"].dump();
  } else {
    std::string from = r.body.value("from", "");
    std::string name = r.body.value("name", "");
    int64_t version = r.body.value("version", int64_t{0});
    if (from.empty() || name.empty()) {
      return common::InvalidArgument("give the publisher and name (from, name, and optionally "
                                     "version) or the signed document");
    }
    if (version < 0 || version > federation::kMaxDefinitionVersion) {
      return common::InvalidArgument("version is out of range");
    }
    ASSIGN_OR_RETURN(document, Fetch(s, from, name, version));
  }
  ASSIGN_OR_RETURN(federation::SignedDefinition d, federation::ReadDefinition(document));
  if (r.body.contains("from") &&
      (d.definition.publisher != r.body.value("from", "") ||
       d.definition.name != r.body.value("name", "") ||
       (r.body.value("version", int64_t{0}) > 0 &&
        d.definition.version != r.body.value("version", int64_t{0})))) {
    return common::DataLoss("the publisher sent " + d.Ref().Label() + ", not what was asked");
  }
  ASSIGN_OR_RETURN(storage::PeerRecord publisher, PublisherRecord(s, d));
  RETURN_IF_ERROR(federation::VerifyDefinition(d, publisher, s.clock->NowMillis()));
  std::string dataset = r.body.value("dataset", d.definition.name);
  if (!common::IsValidName(dataset)) {
    return common::InvalidArgument("dataset must be 1-64 of a-z 0-9 . _ -");
  }
  auto info = s.datasets->Describe(dataset);
  if (!info.ok() && info.status().code() != common::StatusCode::kNotFound) return info.status();
  std::vector<config::SchemaChange> changes;
  if (info.ok()) {
    changes = config::CompareSchemas(info->schema, d.definition.schema);
    if (!config::AllInPlace(changes)) {
      return common::FailedPrecondition(
          "dataset " + dataset + " does not conform to " + d.Ref().Label() + ": " +
          config::DescribeChanges(changes) +
          (config::AllCompatible(changes)
               ? ". The change is compatible but needs the records loaded again: create a "
                 "new dataset with --as and load it"
               : ". Adopt it as another dataset (--as), or fix the records and schema"));
    }
  }
  std::string action = !info.ok() ? "created" : changes.empty() ? "bound" : "updated";
  if (info.ok() && info->definition == d.Ref()) action = "unchanged";
  RETURN_IF_ERROR(s.audit->Record(
      r.ctx.trace_id, {.actor = r.caller.name,
                       .operation = "definition.adopt",
                       .decision = "applied",
                       .detail = d.Ref().Label() + " " + d.hash + " (" + action + ")",
                       .foreign_org = d.definition.publisher == s.identity->org_id()
                                          ? std::string()
                                          : d.definition.publisher,
                       .dataset = dataset}));
  RETURN_IF_ERROR(s.definitions->Put(
      {d.definition.publisher, d.definition.name, d.definition.version, d.Wire()}));
  if (!info.ok()) RETURN_IF_ERROR(s.datasets->Create(dataset, d.definition.schema));
  RETURN_IF_ERROR(s.datasets->SetDefinition(dataset, d.Ref(), d.definition.schema));
  json out = DocumentJson(d, *s.datasets);
  out["dataset"] = dataset;
  out["action"] = action;
  out["changes"] = ChangesJson(changes);
  return JsonReply(out.dump(), action == "created" ? 201 : 200);
}

}  // namespace

void RegisterDefinitionRoutes(const DefinitionServices& s, Endpoints& api) {
  api.Add("GET", "/v1/definitions", Role::kAnalyst, BodyUse::kNone,
          [s](const ApiRequest&) { return List(s); });
  api.Add("POST", "/v1/definitions", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Publish(s, r); });
  api.Add("POST", "/v1/definitions/adopt", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Adopt(s, r); });
  api.Add("GET", R"(/v1/definitions/([a-z0-9._-]+)/([a-z0-9._-]+)/([0-9]+|latest))",
          Role::kAnalyst, BodyUse::kNone, [s](const ApiRequest& r) { return Show(s, r); });
}

void RegisterPeerDefinitionRoutes(const DefinitionServices& s, Endpoints& peer) {
  // This node's own definitions, as signed, to its active peers.
  auto serve = [s](const ApiRequest& r) -> Result<HttpReply> {
    if (!s.peers->IsActiveFingerprint(r.ctx.peer_fingerprint)) {
      return ErrorReply(r.ctx, 403, "unknown_signer",
                        "the client certificate is not an active peer");
    }
    std::string version = r.http.captures.size() > 2 ? r.capture(2) : "latest";
    ASSIGN_OR_RETURN(auto stored, Find(s, s.identity->org_id(), r.capture(1), version));
    if (!stored) {
      return ErrorReply(r.ctx, 404, "not_found",
                        "this node publishes no definition " + r.capture(1) +
                            (version == "latest" ? "" : "@" + version));
    }
    return JsonReply(stored->document);
  };
  peer.Open("GET", R"(/v1/peer/definitions/([a-z0-9._-]+))", serve);
  peer.Open("GET", R"(/v1/peer/definitions/([a-z0-9._-]+)/([0-9]+))", serve);
}

}  // namespace verbind::node
