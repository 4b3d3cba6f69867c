// Shared set-up for federated end-to-end tests: real nodes pinned to each other, each with a
// generated "support" dataset and a sharing policy, and helpers to ask queries.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/node_harness.h"

namespace verbind::testing {

// The schema of the test dataset (nullable amounts and household sizes, a record key).
extern const char kSupportSchema[];

// `rows` seeded records as CSV; `id_prefix` keeps keys distinct between nodes. Rows of region
// "Zeeland" are rare (about 1 in 500) so that some cells are small.
std::string SupportCsv(const std::string& id_prefix, int rows, uint64_t seed);

// A sharing policy for `grantees` over the support dataset with `min_cell` (for non-personal
// data) and every releasable aggregate allowed on every field (plus `extra` TOML lines at the
// top).
std::string SupportPolicy(const std::vector<std::string>& grantees, int min_cell,
                          const std::string& extra = "");

class Federation {
 public:
  // Starts `orgs` nodes, pins every pair, creates the dataset on each and ingests `rows`
  // records per node (0: no dataset on that node).
  void Start(const std::string& root, const std::vector<std::string>& orgs,
             const std::vector<int>& rows, const std::vector<std::string>& env = {});
  TestNode& node(const std::string& org) { return *nodes_.at(org); }
  // Marks the support dataset of every node that has one as holding no personal data
  // (thresholds only, so that answers are exact above the policy's minimum).
  void MarkNonPersonal();
  // Applies the policy text on a node (returns the CLI result).
  CliResult ApplyPolicy(const std::string& org, const std::string& toml);
  // POST /v1/queries on `org` with this body; returns the parsed response (status in
  // "http_status").
  nlohmann::json Query(const std::string& org, nlohmann::json body);
  // A federated SQL query with the test purpose and legal basis.
  nlohmann::json Ask(const std::string& org, const std::string& sql, nlohmann::json extra = {});
  const std::string& root() const { return root_; }
  std::vector<std::string> csv_paths;  // per node, in Start order

 private:
  std::string root_;
  std::map<std::string, std::unique_ptr<TestNode>> nodes_;
};

inline constexpr char kPurpose[] = "pa-armoedemonitor";
inline constexpr char kLegalBasis[] = "AVG art. 6(1)(e)";

}  // namespace verbind::testing
