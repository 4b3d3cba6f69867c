#include "federation/coordinator.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <thread>
#include <tuple>

#include "common/strict_json.h"
#include "federation/query_json.h"
#include "federation/verifier.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;

void RunProgress::Set(std::vector<ParticipantOutcome> outcomes) {
  std::lock_guard<std::mutex> lock(mu_);
  outcomes_ = std::move(outcomes);
}

void RunProgress::Update(const ParticipantOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& o : outcomes_) {
    if (o.org_id == outcome.org_id) {
      o = outcome;
      o.table.reset();  // progress reports statuses, not data
    }
  }
}

std::vector<ParticipantOutcome> RunProgress::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outcomes_;
}

Coordinator::Coordinator(const storage::PeerRegistry* peers, const NodeSigner* signer,
                         PeerTransport* transport, SelfAnswer self, const common::Clock* clock,
                         common::RandomSource* rng, int max_concurrency, int query_lifetime_s)
    : peers_(peers),
      signer_(signer),
      transport_(transport),
      self_(std::move(self)),
      clock_(clock),
      rng_(rng),
      max_concurrency_(std::max(1, max_concurrency)),
      query_lifetime_s_(query_lifetime_s) {}

Coordinator::~Coordinator() {
  std::unique_lock<std::mutex> lock(workers_mu_);
  workers_cv_.wait(lock, [this] { return workers_ == 0; });
}

namespace {

ParticipantOutcome Invalid(ParticipantOutcome o, std::string why) {
  o.status = kInvalidAnswer;
  o.message = std::move(why);
  return o;
}

}  // namespace

ParticipantOutcome Coordinator::VerifyRefusal(const storage::PeerRecord& peer,
                                              const QueryBinding& b, std::string_view envelope,
                                              int64_t now_ms) {
  ParticipantOutcome o;
  o.org_id = peer.org_id;
  o.status = kRefused;
  auto env = DecodeEnvelope(envelope);
  if (!env.ok() || env->type != kTypeRefusal) return Invalid(o, "not a refusal envelope");
  auto verified = VerifyFrom(*env, peer, now_ms);
  if (auto* r = std::get_if<Refusal>(&verified)) return Invalid(o, r->code + ": " + r->message);
  auto refusal = DecodeRefusal(env->payload);
  if (!refusal.ok()) return Invalid(o, refusal.status().message());
  if (refusal->responder != peer.org_id) return Invalid(o, "the refusal names another responder");
  o.code = refusal->code;
  o.message = refusal->message;
  if (refusal->query_hash.empty()) {
    o.message = "the peer could not read the query: " + refusal->message;
    return o;  // refused, never a denial of this query
  }
  if (refusal->query_hash != b.query_hash ||
      (!refusal->query_id.empty() && refusal->query_id != b.query_id)) {
    return Invalid(o, "the refusal is bound to another query (" + refusal->query_hash + ")");
  }
  o.status = kDenied;
  o.envelope = std::string(envelope);
  return o;
}

ParticipantOutcome Coordinator::VerifyPartial(const storage::PeerRecord& peer,
                                              const QueryBinding& b, std::string_view envelope,
                                              int64_t now_ms) {
  ParticipantOutcome o;
  o.org_id = peer.org_id;
  auto env = DecodeEnvelope(envelope);
  if (!env.ok()) return Invalid(o, env.status().message());
  if (env->type != kTypePartial) return Invalid(o, "expected a partial envelope");
  auto verified = VerifyFrom(*env, peer, now_ms);
  if (auto* r = std::get_if<Refusal>(&verified)) return Invalid(o, r->code + ": " + r->message);
  auto partial = DecodePartial(env->payload);
  if (!partial.ok()) return Invalid(o, partial.status().message());
  if (partial->query_hash != b.query_hash || partial->query_id != b.query_id) {
    return Invalid(o, "the answer is bound to another query (" + partial->query_hash + ")");
  }
  if (partial->responder != peer.org_id || partial->dataset != b.dataset) {
    return Invalid(o, "the answer names another responder or dataset");
  }
  auto table = DecodePartialTable(partial->result);
  if (!table.ok()) return Invalid(o, table.status().message());
  o.definition = partial->definition;
  o.status = kAnswered;
  o.table = std::move(table).value();
  o.envelope = std::string(envelope);
  return o;
}

ParticipantOutcome Coordinator::VerifyReply(const storage::PeerRecord& peer,
                                            const QueryBinding& b, const TransportReply& reply,
                                            int64_t now_ms) {
  if (reply.http_status == 200) return VerifyPartial(peer, b, reply.body, now_ms);
  ParticipantOutcome o;
  o.org_id = peer.org_id;
  o.status = kRefused;
  o.code = "http_" + std::to_string(reply.http_status);
  o.message = reply.body.substr(0, 300);
  auto body = common::ParseStrictJson(reply.body, "refusal body");
  if (!body.ok() || !body->is_object()) return o;
  if ((*body)["code"].is_string()) o.code = (*body)["code"].get<std::string>().substr(0, 64);
  if ((*body)["message"].is_string()) {
    o.message = (*body)["message"].get<std::string>().substr(0, 1024);
  }
  if (!body->contains("refusal") || !(*body)["refusal"].is_object()) return o;
  ParticipantOutcome signed_refusal = VerifyRefusal(peer, b, (*body)["refusal"].dump(), now_ms);
  return signed_refusal.status == kInvalidAnswer ? o : signed_refusal;
}

Result<std::vector<storage::PeerRecord>> Coordinator::Participants(const RunRequest& r) const {
  auto snap = peers_->snapshot();
  std::vector<storage::PeerRecord> out;
  if (r.only_self) return out;
  if (r.peers.empty()) {
    for (const auto& [org, p] : snap->by_org) {
      if (p.status == storage::PeerStatus::kActive) out.push_back(p);
    }
    return out;
  }
  for (const auto& org : r.peers) {
    if (org == signer_->org_id()) continue;
    const storage::PeerRecord* p = snap->ByOrg(org);
    if (!p) return common::InvalidArgument("unknown peer " + org);
    if (p->status != storage::PeerStatus::kActive) {
      return common::FailedPrecondition("peer " + org + " is " +
                                        std::string(storage::PeerStatusName(p->status)));
    }
    out.push_back(*p);
  }
  return out;
}

// Shared between the run and its worker threads (which may outlive a timed-out run).
struct Coordinator::Plan {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<storage::PeerRecord> targets;
  std::vector<ParticipantOutcome> outcomes;
  size_t next = 0;
  size_t done = 0;
};

RunResult Coordinator::Run(const RunRequest& r, RunProgress* progress) {
  RunResult out;
  Status valid = ValidateQuery(r.query);
  if (!valid.ok()) {
    out.error = valid.message();
    return out;
  }
  auto targets = Participants(r);
  if (!targets.ok()) {
    out.error = targets.status().message();
    return out;
  }
  auto plan = std::make_shared<Plan>();
  plan->targets = std::move(*targets);
  if (r.include_self || r.only_self) {
    storage::PeerRecord self;
    self.org_id = signer_->org_id();
    auto key = signer_->key();
    std::string pk(reinterpret_cast<const char*>(key->public_key().data()), 32);
    self.keys.push_back({crypto::KeyIdOf(key->public_key()), pk, 0, 0});
    plan->targets.insert(plan->targets.begin(), self);
  }
  if (plan->targets.empty()) {
    out.error = "no participants: pin peers or include this node";
    return out;
  }
  int64_t now_s = clock_->NowSeconds();
  QueryPayload q;
  q.query_id = NewQueryId(*rng_);
  q.requester = signer_->org_id();
  q.dataset = r.query.dataset;
  q.query = json::parse(QueryToJson(r.query));
  q.purpose = r.purpose;
  q.legal_basis = r.legal_basis;
  for (const auto& t : plan->targets) q.participants.push_back(t.org_id);
  q.issued_at = now_s;
  q.expires_at = now_s + std::max(1, std::min(query_lifetime_s_, r.deadline_ms / 1000 + 60));
  q.nonce = NewNonce(*rng_);
  q.definition = r.definition;
  Envelope env = signer_->Seal(kTypeQuery, EncodeQuery(q));
  out.query_id = q.query_id;
  out.query_envelope = EncodeEnvelope(env);
  out.query_hash = EnvelopeHash(env);
  for (const auto& t : plan->targets) {
    ParticipantOutcome o;
    o.org_id = t.org_id;
    plan->outcomes.push_back(o);
  }
  if (progress) progress->Set(plan->outcomes);
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::milliseconds(r.deadline_ms);
  std::string self_org = signer_->org_id();
  std::string traceparent = "00-" + r.trace_id + "-" + NewOperationId() + "-01";
  auto worker = [plan, this, self_org, deadline, start, traceparent, progress,
                 binding = QueryBinding{out.query_hash, q.query_id, q.dataset},
                 envelope = out.query_envelope] {
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(plan->mu);
        if (plan->next >= plan->targets.size()) return;
        i = plan->next++;
      }
      const storage::PeerRecord& target = plan->targets[i];
      ParticipantOutcome o;
      if (target.org_id == self_org) {
        PeerReply reply = self_(envelope, traceparent);
        o = reply.ok ? VerifyPartial(target, binding, reply.envelope, clock_->NowMillis())
                     : VerifyRefusal(target, binding, reply.envelope, clock_->NowMillis());
      } else {
        auto reply = transport_->Send(target, envelope, traceparent, deadline);
        if (reply.ok()) {
          o = VerifyReply(target, binding, *reply, clock_->NowMillis());
        } else {
          o.org_id = target.org_id;
          bool timeout = reply.status().code() == common::StatusCode::kDeadlineExceeded ||
                         std::chrono::steady_clock::now() >= deadline;
          o.status = timeout ? kTimedOut : kUnreachable;
          o.message = reply.status().message();
        }
      }
      o.org_id = target.org_id;
      o.latency_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      std::lock_guard<std::mutex> lock(plan->mu);
      if (plan->outcomes[i].status == kPending) {
        plan->outcomes[i] = std::move(o);
        if (progress) progress->Update(plan->outcomes[i]);
      }
      ++plan->done;
      plan->cv.notify_all();
    }
  };
  size_t threads = std::min<size_t>(plan->targets.size(), static_cast<size_t>(max_concurrency_));
  {
    std::lock_guard<std::mutex> lock(workers_mu_);
    workers_ += static_cast<int>(threads);
  }
  for (size_t t = 0; t < threads; ++t) {
    std::thread([this, worker] {
      worker();
      std::lock_guard<std::mutex> lock(workers_mu_);
      --workers_;
      workers_cv_.notify_all();
    }).detach();
  }
  {
    std::unique_lock<std::mutex> lock(plan->mu);
    plan->cv.wait_until(lock, deadline, [&] { return plan->done == plan->targets.size(); });
    for (auto& o : plan->outcomes) {
      if (o.status == kPending) {
        o.status = kTimedOut;
        o.message = "no answer within " + std::to_string(r.deadline_ms) + " ms";
        o.latency_ms = r.deadline_ms;
        if (progress) progress->Update(o);
      }
    }
    out.participants = plan->outcomes;
  }
  out.combined = CombineAnswers(out.participants, r.definition);
  int answered =
      static_cast<int>(std::count_if(out.participants.begin(), out.participants.end(),
                                     [](const auto& o) { return o.status == kAnswered; }));
  out.complete = answered == static_cast<int>(out.participants.size());
  out.enough = answered >= std::max(1, r.min_answers);
  if (!out.enough) {
    out.error = "only " + std::to_string(answered) + " of " +
                std::to_string(out.participants.size()) + " organisations answered; " +
                std::to_string(std::max(1, r.min_answers)) + " required";
    out.combined.reset();
  }
  return out;
}

namespace {

// What an answer is over: its definition's hash ("" for none) and its columns.
std::string GroupOf(const ParticipantOutcome& o) {
  return (o.definition ? o.definition->hash : std::string()) + "\n" +
         EncodePartialTable(PartialTable{o.table->items, {}, nullptr}).dump();
}

std::string Bounds(const ItemDescriptor& item, const ItemField& f) {
  if (!item.bounds) return "none";
  auto text = [&](int64_t v) {
    return f.type == "decimal" ? config::FormatDecimal(v, f.scale) : std::to_string(v);
  };
  return "[" + text(item.bounds->first) + ", " + text(item.bounds->second) + "]";
}

// How `got` differs from the reference's columns, field by field.
std::vector<std::pair<std::string, std::string>> ItemDifferences(
    const std::vector<ItemDescriptor>& want, const std::vector<ItemDescriptor>& got) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](const std::string& field, const std::string& what) {
    for (const auto& d : out) {
      if (d.first == field && d.second == what) return;
    }
    out.emplace_back(field, what);
  };
  if (want.size() != got.size()) {
    add("", "the answer has " + std::to_string(got.size()) + " columns, expected " +
                std::to_string(want.size()));
    return out;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const ItemDescriptor& w = want[i];
    const ItemDescriptor& g = got[i];
    if (w.fields.size() != g.fields.size() || w.kind != g.kind) {
      add("", "column " + w.name + " differs");
      continue;
    }
    for (size_t j = 0; j < w.fields.size(); ++j) {
      const ItemField& wf = w.fields[j];
      const ItemField& gf = g.fields[j];
      if (wf.type != gf.type) add(wf.name, "type " + gf.type + ", expected " + wf.type);
      if (wf.scale != gf.scale) {
        add(wf.name, "scale " + std::to_string(gf.scale) + ", expected " +
                         std::to_string(wf.scale));
      }
    }
    const std::string field = w.fields.empty() ? w.name : w.fields[0].name;
    if (w.bounds != g.bounds && !w.fields.empty() && w.fields[0].scale == g.fields[0].scale) {
      add(field, "bounds " + Bounds(g, g.fields[0]) + ", expected " + Bounds(w, w.fields[0]));
    }
    if (w.lo != g.lo || w.hi != g.hi || w.bins != g.bins) add(field, "grid differs");
    if (w == g) continue;
    if (w.name != g.name || w.function != g.function || w.q != g.q) {
      add("", "column " + g.name + ", expected " + w.name);
    }
  }
  return out;
}

std::string DefinitionText(const std::optional<config::DefinitionRef>& d) {
  return d ? d->Label() + " (" + d->hash.substr(0, 12) + ")" : "no published definition";
}

}  // namespace

std::optional<PartialTable> CombineAnswers(std::vector<ParticipantOutcome>& participants,
                                           const std::optional<config::DefinitionRef>& expected) {
  // Groups of answers over the same definition and columns, and the reference group.
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < participants.size(); ++i) {
    const auto& o = participants[i];
    if (o.status == kAnswered && o.table) groups[GroupOf(o)].push_back(i);
  }
  if (groups.empty()) return std::nullopt;
  auto rank = [&](const std::vector<size_t>& members) {
    const auto& d = participants[members[0]].definition;
    bool is_expected = expected && d && d->hash == expected->hash;
    return std::make_tuple(is_expected, members.size(), d.has_value());
  };
  const std::vector<size_t>* reference = nullptr;
  for (const auto& [key, members] : groups) {  // ties: the first key, i.e. the smaller hash
    if (!reference || rank(members) > rank(*reference)) reference = &members;
  }
  const ParticipantOutcome& first = participants[(*reference)[0]];
  const std::optional<config::DefinitionRef> definition = first.definition;
  const std::vector<ItemDescriptor> items = first.table->items;
  auto combinable = [&](const ParticipantOutcome& o) {
    if (o.table->items != items) return false;
    if (!definition || !o.definition) return definition == o.definition;
    return o.definition->publisher == definition->publisher &&
           o.definition->name == definition->name;
  };
  PartialTable acc;
  acc.items = items;
  acc.protection = {{"nodes", json::object()}};
  for (auto& o : participants) {
    if (o.status != kAnswered || !o.table) continue;
    if (!combinable(o)) {
      o.status = kInvalidAnswer;
      o.code = refusal::kDefinitionMismatch;
      o.mismatches = ItemDifferences(items, o.table->items);
      std::string fields;
      for (const auto& [field, what] : o.mismatches) {
        fields += "; " + (field.empty() ? what : "field " + field + ": " + what);
      }
      o.message = "answered over " + DefinitionText(o.definition) +
                  ", not over the definition of the combined answer, " +
                  DefinitionText(definition) + fields;
      o.table.reset();
      continue;
    }
    Status merged = MergePartialTables(acc, *o.table, o.org_id);
    if (!merged.ok()) {
      o.status = kInvalidAnswer;
      o.message = merged.message();
      o.table.reset();
      continue;
    }
    acc.protection["nodes"][o.org_id] = o.table->protection;
  }
  return acc;
}

}  // namespace verbind::federation
