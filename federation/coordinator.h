// Coordinator: the analyst's side of a federated query. It signs one query envelope per run,
// sends it to every selected peer in parallel (bounded concurrency, one deadline for the run)
// and to this node itself like any peer, verifies each answer (signature, binding to this
// query, the shape of the result), combines the partial tables exactly, and reports every
// participant's outcome. Thread-safe; each Run is independent.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "federation/partial.h"
#include "federation/peer_service.h"
#include "federation/query.h"
#include "storage/peer_registry.h"

namespace verbind::federation {

// What came back from one participant at the HTTP level.
struct TransportReply {
  int http_status = 0;
  std::string body;
};

// Sends a query envelope to a peer (mutual TLS, kept-alive) before the deadline. An error
// means no answer: DeadlineExceeded for a timeout, anything else for an unreachable peer.
class PeerTransport {
 public:
  virtual ~PeerTransport() = default;
  virtual common::Result<TransportReply> Send(const storage::PeerRecord& peer,
                                              const std::string& envelope,
                                              const std::string& traceparent,
                                              std::chrono::steady_clock::time_point deadline) = 0;
};

// Participant statuses.
inline constexpr const char* kAnswered = "answered";
inline constexpr const char* kDenied = "denied";    // a signed refusal
inline constexpr const char* kRefused = "refused";  // an unsigned HTTP error
inline constexpr const char* kTimedOut = "timed_out";
inline constexpr const char* kUnreachable = "unreachable";
inline constexpr const char* kInvalidAnswer = "invalid_answer";
inline constexpr const char* kPending = "pending";

struct ParticipantOutcome {
  std::string org_id;
  std::string status = kPending;
  std::string code;     // refusal code (denied, refused)
  std::string message;  // reason, or what was wrong with the answer
  double latency_ms = 0;
  std::string envelope;               // the signed partial or refusal as received (wire form)
  std::optional<PartialTable> table;  // answered
  // The definition the participant's dataset conforms to (from its partial), if it names one.
  std::optional<config::DefinitionRef> definition;
  // Why an answer was not combined with the others: field by field, {field, difference}.
  std::vector<std::pair<std::string, std::string>> mismatches;
};

struct RunRequest {
  Query query;
  std::string purpose;
  std::string legal_basis;
  std::vector<std::string> peers;  // empty: every active peer (unless only_self)
  bool include_self = true;
  bool only_self = false;  // this node's own data only (local queries, protected as a peer's)
  int min_answers = 0;  // organisations that must answer, or the run fails
  int deadline_ms = 5000;
  std::string trace_id;
  // The definition this node's copy of the dataset conforms to: peers answer only over it, and
  // answers are combined over it (CombineAnswers).
  std::optional<config::DefinitionRef> definition;
};

struct RunResult {
  std::string query_id;
  std::string query_envelope;  // wire form
  std::string query_hash;
  std::vector<ParticipantOutcome> participants;
  bool complete = false;                 // every participant answered
  bool enough = false;                   // at least min_answers answered
  std::optional<PartialTable> combined;  // the answers added up (CombineAnswers)
  std::string error;                     // why there is no result
};

// Live status of a running query (for polling).
class RunProgress {
 public:
  void Set(std::vector<ParticipantOutcome> outcomes);
  void Update(const ParticipantOutcome& outcome);
  std::vector<ParticipantOutcome> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<ParticipantOutcome> outcomes_;
};

// What an answer must be bound to: the query envelope's hash, its query id and dataset.
struct QueryBinding {
  std::string query_hash;
  std::string query_id;
  std::string dataset;
};

class Coordinator {
 public:
  // `self` answers this node's own part in process (PeerService::HandleOwnQuery), given the
  // envelope and the run's traceparent. All pointers must outlive the coordinator.
  using SelfAnswer =
      std::function<PeerReply(const std::string& envelope, const std::string& traceparent)>;
  Coordinator(const storage::PeerRegistry* peers, const NodeSigner* signer,
              PeerTransport* transport, SelfAnswer self, const common::Clock* clock,
              common::RandomSource* rng, int max_concurrency, int query_lifetime_s);

  // Waits until every worker of earlier runs has returned (their sends end at their run's
  // deadline), so nothing they use is destroyed under them.
  ~Coordinator();

  RunResult Run(const RunRequest& request, RunProgress* progress = nullptr);

  // Checks one participant's HTTP reply against the query (pure): a 200 body must be a valid
  // partial (VerifyPartial); an error body with a `refusal` envelope is checked by
  // VerifyRefusal; anything else is `refused` with the body's code.
  static ParticipantOutcome VerifyReply(const storage::PeerRecord& peer, const QueryBinding& b,
                                        const TransportReply& reply, int64_t now_ms);
  // A partial envelope signed by `peer`, bound to the query, with a valid result: `answered`;
  // otherwise `invalid_answer` saying why. Used by receipts too.
  static ParticipantOutcome VerifyPartial(const storage::PeerRecord& peer, const QueryBinding& b,
                                          std::string_view envelope, int64_t now_ms);
  // A refusal envelope signed by `peer` and bound to this query's hash (and id, when it names
  // one): `denied` with its code and message. One that names no query (the peer could not read
  // the envelope) or another is only `refused`: never a denial of this query.
  static ParticipantOutcome VerifyRefusal(const storage::PeerRecord& peer, const QueryBinding& b,
                                          std::string_view envelope, int64_t now_ms);

 private:
  struct Plan;
  common::Result<std::vector<storage::PeerRecord>> Participants(const RunRequest& r) const;

  const storage::PeerRegistry* peers_;
  const NodeSigner* signer_;
  PeerTransport* transport_;
  SelfAnswer self_;
  const common::Clock* clock_;
  common::RandomSource* rng_;
  int max_concurrency_;
  int query_lifetime_s_;
  std::mutex workers_mu_;
  std::condition_variable workers_cv_;
  int workers_ = 0;
};

// Adds up the answered participants' tables into one table whose protection object lists each
// node's ("nodes": {org: protection}). Only answers over one definition are combined, whatever
// the order of the participants: the reference is the definition `expected` names (the
// requester's own), else the one most participants answered over (ties: a named definition
// before none, then the smaller hash). An answer over another version of the same definition
// is combined when its columns agree with the reference's field by field; any other answer is
// marked `invalid_answer` with code `definition_mismatch` and its differences by field.
std::optional<PartialTable> CombineAnswers(
    std::vector<ParticipantOutcome>& participants,
    const std::optional<config::DefinitionRef>& expected = std::nullopt);

}  // namespace verbind::federation
