// Shared set-up for the privacy attack tests (tests/privacy_attacks_*_e2e_test.cc): attacker
// nodes asking a holder node by real signed queries, persons planted with seeded coins and
// amounts, the holder's signed partials read back from receipts, the worst-case attacker's
// inference from noisy answers, and the bounds that pure epsilon-differential privacy puts on
// what any attacker can conclude.
//
// The bounds. A dataset's answers together are B-differentially private for every person in it
// (B: the dataset's budget, which every answer to every requester draws on), so for any
// sequence of queries by any requesters and any way of reading the answers:
//
//   membership  a candidate put in the dataset with probability 1/2 is guessed right with
//               probability at most p_B = e^B / (1 + e^B);
//   amounts     an estimate lands within 1% of a secret amount with probability at most
//               e^B * q, q the largest prior mass of the amounts one estimate can recover.
//
// Over n independent candidates the number of successes is then at most a binomial count with
// that probability; the tests allow three standard deviations above its mean (and one more for
// amounts, whose mean is small). These are theorems, not fitted numbers: an implementation
// that answered exactly (or refused on exact differences, or listed only present keys) fails
// them by a wide margin.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/federation_fixture.h"
#include "tests/node_harness.h"

namespace verbind::testing {

// ---- What pure B-differential privacy allows ----

// Standard deviations of slack in the count bounds below. The noise is fresh in every run, so
// a bound is a tail probability: at 4.5 standard deviations a correct implementation fails a
// check about once in 300,000 runs, while an attacker who beats differential privacy clearly
// still exceeds the bound (with n = 60 and B = 0.5: 54.2 right guesses out of 60).
inline constexpr double kDeviations = 4.5;

// p_B = e^B / (1 + e^B): the most often any attacker guesses right whether one candidate, put
// in the dataset with probability 1/2, is in it.
double MembershipGuessBound(double budget);
// n * p_B + 3 * sqrt(n * p_B * (1 - p_B)).
double MembershipCountBound(int n, double budget);
// For an amount uniform in [lo, hi]: the largest prior mass of the amounts a that one estimate
// e recovers (|e - a| <= rel * a), over all e.
double RecoveryMass(double lo, double hi, double rel);
// n * e^B * q + 3 * sqrt(n * e^B * q) + 1.
double AmountCountBound(int n, double budget, double q);
// floor(B / epsilon): the most distinct answers a budget B pays for at epsilon each.
int AnswersWithin(double budget, double epsilon);

// ---- Planted persons ----

// A record of the support schema (kSupportSchema).
struct Person {
  std::string id;
  int birth_year = 1960;
  std::string region = "Utrecht";
  std::string scheme = "AOW";
  std::optional<int64_t> amount_cents;  // monthly_amount; nullopt: NULL
  std::string start_date;               // planted persons: unique, before 2012
  std::optional<int> household_size;
};

// The CSV of `people` (after SupportCsv's text: without the header).
std::string PeopleCsv(const std::vector<Person>& people, bool header = true);
// `n` candidates: start dates unique and before any background record's (SupportCsv starts in
// 2012), so "start_date = '...'" singles each one out; region Utrecht; birth years 1935-1994;
// amounts uniform over [lo_cents, hi_cents] (a stratified sample) from `seed`.
std::vector<Person> PlantCandidates(int n, uint64_t seed, int64_t lo_cents, int64_t hi_cents);
// n fair coins from `seed`, known only to the test: whether each candidate is put in.
std::vector<bool> Coins(int n, uint64_t seed);
// The predicate that singles `p` out: start_date = DATE 'YYYY-MM-DD'.
std::string Singles(const Person& p);

// ---- Answers ----

// What one holder did with one query, as the requester sees it.
struct Answer {
  int http_status = 0;
  nlohmann::json response;  // the whole response of POST /v1/queries
  std::string status;       // the holder's coverage status: answered, denied, ...
  std::string code;         // refusal code (empty when answered)
  std::string message;      // refusal message
  nlohmann::json partial;   // the holder's signed partial payload (from the receipt), or null

  bool answered() const { return status == "answered" && partial.is_object(); }
  const nlohmann::json& result() const { return partial["result"]; }
  const nlohmann::json& protection() const { return partial["result"]["protection"]; }
  // The released (noisy, unclamped) value of item `item` in the cell with key `key`.
  const nlohmann::json& Value(size_t item,
                              const nlohmann::json& key = nlohmann::json::array()) const;
  // The released number of a count, or of a sum in storage units.
  long double Number(size_t item, const nlohmann::json& key = nlohmann::json::array()) const;
  // The released bins of a histogram.
  std::vector<long double> Bins(size_t item,
                                const nlohmann::json& key = nlohmann::json::array()) const;
  // The Laplace scale of the noisy statistic `id` ("rows", "sum(monthly_amount)", ...).
  long double Scale(const std::string& id) const;
  // What the answer cost ("0.1"), and whether it was a free repeat.
  std::string Charged() const;
  bool Repeat() const;
};

// The partial's result with every released number replaced by its JSON type: what is left is
// everything an answer says besides its noisy values (items, keys, protection, budget).
nlohmann::json Shape(const nlohmann::json& result);
// Everything the requester is told about one holder's answer except its noisy numbers and
// what names the holder, the query run or the time (org ids, query ids and hashes, latency,
// the audit head's hash): HTTP status, coverage, codes and messages, the finished result's columns
// and keys, the holder's protection report (method, statistics, budget), and the shape of its
// signed partial. Two holders whose data differ only by one person must give equal
// Observables for every query.
nlohmann::json Observable(const Answer& a, const std::string& holder);
// Every object key anywhere in `j`.
std::set<std::string> AllKeys(const nlohmann::json& j);

// ---- Nodes ----

// The attacker's and the holder's nodes. Every analyst node is pinned to every holder and back.
class AttackNet {
 public:
  // Starts the nodes; `holder_env` ("K=V") applies to holders, e.g. the default dataset budget.
  void Start(const std::string& root, const std::vector<std::string>& holders,
             const std::vector<std::string>& analysts,
             const std::vector<std::string>& holder_env = {});
  TestNode& node(const std::string& org) { return *nodes_.at(org); }

  // Creates dataset `name` (kSupportSchema) on `holder` and ingests `csv`; returns the ingest
  // report.
  nlohmann::json CreateDataset(const std::string& holder, const std::string& name,
                               const std::string& csv);
  // Ingests `csv` into `name` on `holder` in `mode` (insert or upsert); returns the report.
  nlohmann::json Ingest(const std::string& holder, const std::string& name, const std::string& csv,
                        const std::string& mode = "insert");
  // POST /v1/policies with the TOML text.
  void ApplyPolicy(const std::string& holder, const std::string& toml);
  // PUT /v1/datasets/NAME/privacy; returns status and body.
  std::pair<int, nlohmann::json> SetPrivacy(const std::string& holder, const std::string& dataset,
                                            const nlohmann::json& body);
  // GET /v1/datasets/NAME/privacy.
  nlohmann::json Privacy(const std::string& holder, const std::string& dataset);

  // `sql` from `analyst` to `holder` only, with a receipt (the signed partial is read from it).
  Answer Ask(const std::string& analyst, const std::string& holder, const std::string& sql,
             const std::string& purpose = kPurpose);
  // A local query on `holder` with `token` (its own part, through the same pipeline).
  Answer AskLocal(const std::string& holder, const std::string& token, const std::string& sql);
  // The owner's raw answer on `holder`: the finished result (rows) of `sql`.
  nlohmann::json Raw(const std::string& holder, const std::string& sql);

 private:
  std::string root_;
  std::map<std::string, std::unique_ptr<TestNode>> nodes_;
};

// A sharing policy of `dataset` for `grantees`: count, sum, avg, var, stddev, histogram,
// quantile and median on every field, group by region, scheme and household_size, filters on
// every field, at `epsilon` per answer.
std::string AttackPolicy(const std::string& id, const std::string& dataset,
                         const std::vector<std::string>& grantees, const std::string& epsilon,
                         const std::vector<std::string>& purposes = {kPurpose});

// The LD_PRELOAD value that loads `lib` into a node (after the AddressSanitizer runtime when
// this process runs under it, which must come first).
std::string PreloadFor(const std::string& lib);

// ---- The worst-case attacker ----

// One released number as the worst-case attacker reads it: released = background +
// contribution(secret) + noise, where background is the value without the target (this
// attacker knows every other record) and the noise is discrete Laplace of `scale`:
// P(z) proportional to exp(-|z| / scale).
struct Observation {
  long double released = 0;
  long double background = 0;
  long double scale = 1;
  std::function<long double(long double)> contribution;  // of the target, given its secret
};
// sum over observations of -|released - background - contribution(secret)| / scale.
long double LogLikelihood(const std::vector<Observation>& seen, long double secret);
// Membership (secret 1: in, 0: out): true when "in" is strictly more likely.
bool GuessPresent(const std::vector<Observation>& seen);
// Amount in storage units, uniform over [lo, hi] in steps of `step`: the estimate with the
// largest posterior probability of lying within `rel` of the true amount.
int64_t GuessAmount(const std::vector<Observation>& seen, int64_t lo, int64_t hi, int64_t step,
                    double rel);
// Whether `estimate` is within `rel` of `truth`.
bool Recovered(long double estimate, long double truth, double rel = 0.01);

}  // namespace verbind::testing
