#include "federation/policy.h"

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "common/strings.h"

namespace verbind::federation {

namespace {

bool Contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

std::string Call(const QueryFootprint::Aggregate& a) {
  return a.function + "(" + (a.fields.empty() ? std::string("*") : Join(a.fields)) + ")";
}

bool RuleAllows(const config::AllowRule& rule, const QueryFootprint::Aggregate& a) {
  bool function_ok = Contains(rule.aggregates, a.function) ||
                     (a.function == "median" && Contains(rule.aggregates, "quantile")) ||
                     false;
  if (!function_ok) return false;
  for (const auto& f : a.fields) {
    if (!Contains(rule.fields, f)) return false;
  }
  return true;
}

std::string AllowedList(const config::Policy& p) {
  std::string out;
  for (const auto& r : p.allow) {
    out += (out.empty() ? "" : "; ") + Join(r.aggregates) +
           (r.fields.empty() ? "" : " on " + Join(r.fields));
  }
  return out;
}

// Runs the checks in order; returns the verdict.
PolicyVerdict Check(const storage::StoredPolicy& sp, const PolicyRequest& r) {
  const config::Policy& p = sp.policy;
  PolicyVerdict v{p.id, sp.version, false, 0, ""};
  auto fail = [&](int stage, std::string detail) {
    v.stage = stage;
    v.detail = std::move(detail);
    return v;
  };
  if (p.dataset != r.dataset) return fail(0, "covers dataset " + p.dataset);
  bool grantee = Contains(p.grantees, r.requester);
  for (const auto& g : r.requester_groups) grantee = grantee || Contains(p.grantees, "group:" + g);
  if (!grantee) return fail(1, "does not grant " + r.requester + " (grantees: " + Join(p.grantees) + ")");
  if (p.valid_from_ms && r.now_ms < *p.valid_from_ms) {
    return fail(2, "is valid only from " + common::FormatRfc3339(*p.valid_from_ms));
  }
  if (p.valid_until_ms && r.now_ms >= *p.valid_until_ms) {
    return fail(2, "expired at " + common::FormatRfc3339(*p.valid_until_ms));
  }
  if (!r.purpose.empty() && !Contains(p.purposes, r.purpose)) {
    return fail(3, "does not accept purpose " + r.purpose + " (accepts: " + Join(p.purposes) + ")");
  }
  if (!r.legal_basis.empty() && !Contains(p.legal_bases, r.legal_basis)) {
    return fail(4, "does not accept legal basis \"" + r.legal_basis + "\" (accepts: " +
                       Join(p.legal_bases) + ")");
  }
  for (const auto& g : r.footprint.group_by) {
    if (!Contains(p.group_by, g)) {
      return fail(5, "does not allow GROUP BY " + g + " (allows: " + Join(p.group_by) + ")");
    }
  }
  for (const auto& f : r.footprint.filter_fields) {
    if (!Contains(p.filter_fields, f) && !Contains(p.group_by, f)) {
      std::vector<std::string> allowed = p.filter_fields;
      allowed.insert(allowed.end(), p.group_by.begin(), p.group_by.end());
      return fail(6, "does not allow filtering on " + f + " (allows: " + Join(allowed) + ")");
    }
  }
  for (const auto& a : r.footprint.aggregates) {
    bool ok = std::any_of(p.allow.begin(), p.allow.end(),
                          [&](const config::AllowRule& rule) { return RuleAllows(rule, a); });
    if (!ok) {
      return fail(7, "does not allow " + Call(a) + " (allows: " + AllowedList(p) + ")");
    }
  }
  v.allows = true;
  v.stage = 8;
  v.detail = "allows it (epsilon " + common::FormatMicros(p.epsilon_per_query_micro) +
             " per answer; minimum cell size " + std::to_string(p.min_cell_size) +
             " for non-personal data)";
  return v;
}

bool Stricter(const storage::StoredPolicy& a, const storage::StoredPolicy& b) {
  if (a.policy.min_cell_size != b.policy.min_cell_size) {
    return a.policy.min_cell_size > b.policy.min_cell_size;
  }
  if (a.policy.epsilon_per_query_micro != b.policy.epsilon_per_query_micro) {
    return a.policy.epsilon_per_query_micro < b.policy.epsilon_per_query_micro;
  }
  return a.policy.id < b.policy.id;
}

}  // namespace

PolicyDecision EvaluatePolicies(const std::vector<storage::StoredPolicy>& policies,
                                const PolicyRequest& request) {
  PolicyDecision d;
  const storage::StoredPolicy* best = nullptr;
  const PolicyVerdict* closest = nullptr;
  for (const auto& sp : policies) d.verdicts.push_back(Check(sp, request));
  for (size_t i = 0; i < policies.size(); ++i) {
    const PolicyVerdict& v = d.verdicts[i];
    if (v.allows && (!best || Stricter(policies[i], *best))) best = &policies[i];
    if (!v.allows && v.stage > 1 && (!closest || v.stage > closest->stage)) closest = &v;
  }
  if (best) {
    d.allowed = true;
    d.policy = *best;
    return d;
  }
  if (closest) {
    d.reason = "no sharing policy allows this query; closest: policy " + closest->policy_id +
               " v" + std::to_string(closest->version) + " " + closest->detail;
  } else {
    d.reason = "no sharing policy grants " + request.requester + " access to dataset " +
               request.dataset;
  }
  return d;
}

std::vector<std::string> ExplainDecision(const PolicyDecision& d, const PolicyRequest& r) {
  std::vector<std::string> lines;
  lines.push_back((d.allowed ? "ALLOWED: " : "DENIED: ") + r.requester + " asks " +
                  r.dataset + " for purpose " + r.purpose);
  if (d.allowed) {
    lines.push_back("applies: policy " + d.policy->policy.id + " v" +
                    std::to_string(d.policy->version));
  } else {
    lines.push_back("reason: " + d.reason);
  }
  if (d.verdicts.empty()) lines.push_back("no policies are in force (deny by default)");
  for (const auto& v : d.verdicts) {
    lines.push_back("  policy " + v.policy_id + " v" + std::to_string(v.version) + ": " +
                    v.detail);
  }
  return lines;
}

bool PolicyRateLimiter::Allow(const storage::StoredPolicy& policy, const std::string& requester,
                              int64_t now_ms) {
  int rate = policy.policy.rate_limit_per_hour;
  if (rate <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(policy.policy.id + "|" + requester,
                                             static_cast<double>(rate), now_ms);
  auto& [tokens, last] = it->second;
  tokens = std::min<double>(rate, tokens + static_cast<double>(now_ms - last) * rate / 3.6e6);
  last = now_ms;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

}  // namespace verbind::federation
