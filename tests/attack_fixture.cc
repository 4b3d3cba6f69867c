#include "tests/attack_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>

#include "common/encoding.h"
#include "node/net/http_client.h"

namespace verbind::testing {

using nlohmann::json;

// ---- Bounds ----

double MembershipGuessBound(double budget) { return std::exp(budget) / (1 + std::exp(budget)); }

double MembershipCountBound(int n, double budget) {
  double p = MembershipGuessBound(budget);
  return n * p + kDeviations * std::sqrt(n * p * (1 - p));
}

double RecoveryMass(double lo, double hi, double rel) {
  // An estimate e recovers the amounts a in [e / (1 + rel), e / (1 - rel)]; scan e finely.
  double best = 0;
  const int steps = 200000;
  double from = lo * (1 - rel), to = hi * (1 + rel);
  for (int i = 0; i <= steps; ++i) {
    double e = from + (to - from) * i / steps;
    double a = std::max(lo, e / (1 + rel)), b = std::min(hi, e / (1 - rel));
    best = std::max(best, (b - a) / (hi - lo));
  }
  return best;
}

double AmountCountBound(int n, double budget, double q) {
  double mean = n * std::exp(budget) * q;
  return mean + kDeviations * std::sqrt(mean) + 1;
}

int AnswersWithin(double budget, double epsilon) {
  return static_cast<int>(std::floor(budget / epsilon + 1e-9));
}

// ---- Persons ----

std::string PeopleCsv(const std::vector<Person>& people, bool header) {
  std::string out =
      header ? "registration_id,birth_year,region,scheme,monthly_amount,start_date,household_size\n"
             : "";
  for (const auto& p : people) {
    std::string amount;
    if (p.amount_cents) {
      int64_t c = *p.amount_cents;
      amount = std::to_string(c / 100) + "." + (c % 100 < 10 ? "0" : "") + std::to_string(c % 100);
    }
    out += p.id + "," + std::to_string(p.birth_year) + "," + p.region + "," + p.scheme + "," +
           amount + "," + p.start_date + "," +
           (p.household_size ? std::to_string(*p.household_size) : "") + "\n";
  }
  return out;
}

std::vector<Person> PlantCandidates(int n, uint64_t seed, int64_t lo_cents, int64_t hi_cents) {
  std::mt19937_64 rng(seed);
  // A stratified sample of the uniform prior: the range cut into n equal strata, one amount
  // uniform within each, the strata dealt to candidates in random order. Each amount is still
  // uniform over the range (the bounds hold per candidate), but one seeded draw cannot bunch
  // up where an estimate that knows nothing recovers most.
  std::vector<int> strata(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) strata[static_cast<size_t>(i)] = i;
  std::shuffle(strata.begin(), strata.end(), rng);
  std::uniform_real_distribution<double> within(0, 1);
  const double width = static_cast<double>(hi_cents - lo_cents + 1) / n;
  std::vector<Person> out;
  for (int i = 0; i < n; ++i) {
    Person p;
    p.id = "candidate-" + std::to_string(i);
    p.birth_year = 1935 + (i * 7) % 60;
    double at = (strata[static_cast<size_t>(i)] + within(rng)) * width;
    p.amount_cents = std::min(hi_cents, lo_cents + static_cast<int64_t>(at));
    p.household_size = 1 + i % 6;
    // 1990-01-01 plus 29 days per candidate: unique, and years before any background record.
    int day = 29 * i;
    int year = 1990 + day / 336, month = 1 + (day % 336) / 28, dom = 1 + day % 28;
    char date[32];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, dom);
    p.start_date = date;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<bool> Coins(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) out.push_back((rng() >> 17) & 1);
  return out;
}

std::string Singles(const Person& p) { return "start_date = DATE '" + p.start_date + "'"; }

// ---- Answers ----

const json& Answer::Value(size_t item, const json& key) const {
  static const json kNull;
  if (!answered()) return kNull;
  for (const auto& c : result()["cells"]) {
    if (c["key"] == key) return c["values"][item];
  }
  return kNull;
}

long double Answer::Number(size_t item, const json& key) const {
  const json& v = Value(item, key);
  if (v.contains("count")) return static_cast<long double>(v["count"].get<int64_t>());
  if (v.contains("sum")) return std::stold(v["sum"].get<std::string>());
  ADD_FAILURE() << "no count or sum in " << v;
  return 0;
}

std::vector<long double> Answer::Bins(size_t item, const json& key) const {
  std::vector<long double> out;
  const json& v = Value(item, key);
  if (!v.contains("bins")) {
    ADD_FAILURE() << "no bins in " << v;
    return out;
  }
  for (const auto& b : v["bins"]) out.push_back(static_cast<long double>(b.get<int64_t>()));
  return out;
}

long double Answer::Scale(const std::string& id) const {
  for (const auto& s : protection()["statistics"]) {
    if (s["statistic"] == id) return s["scale"].get<double>();
  }
  ADD_FAILURE() << "no statistic " << id << " in " << protection();
  return 1;
}

std::string Answer::Charged() const {
  return answered() ? protection()["budget"].value("charged", "") : "";
}

bool Answer::Repeat() const { return answered() && protection()["budget"].value("repeat", false); }

namespace {

json DecodePayload(const json& envelope) {
  if (!envelope.is_object() || !envelope["payload"].is_string()) return json();
  auto bytes = common::Base64UrlDecode(envelope["payload"].get<std::string>());
  if (!bytes.ok()) return json();
  return json::parse(common::AsChars(*bytes), nullptr, false);
}

Answer ParseAnswer(int status, const std::string& text, const std::string& holder) {
  Answer a;
  a.http_status = status;
  a.response = json::parse(text, nullptr, false);
  if (!a.response.is_object()) {
    a.response = json{{"raw", text}};
    return a;
  }
  for (const auto& c : a.response.value("coverage", json::array())) {
    if (c.value("org_id", "") != holder) continue;
    a.status = c.value("status", "");
    a.code = c.value("code", "");
    a.message = c.value("message", "");
  }
  if (a.response.contains("receipt") && a.response["receipt"].is_string()) {
    json file = json::parse(a.response["receipt"].get<std::string>(), nullptr, false);
    json body = DecodePayload(file.is_object() ? file["receipt"] : json());
    for (const auto& p : body.value("participants", json::array())) {
      if (p.value("org_id", "") == holder && p.value("status", "") == "answered") {
        a.partial = DecodePayload(p["envelope"]);
      }
    }
  }
  return a;
}

void ReplaceNumbers(json& j) {
  if (j.is_number()) {
    j = "#number";
  } else if (j.is_string() && !j.get<std::string>().empty() &&
             j.get<std::string>().find_first_not_of("-0123456789") == std::string::npos) {
    j = "#number";  // sums travel as decimal text
  } else if (j.is_array() || j.is_object()) {
    for (auto& e : j) ReplaceNumbers(e);
  }
}

void CollectKeys(const json& j, std::set<std::string>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      out->insert(k);
      CollectKeys(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) CollectKeys(e, out);
  }
}

}  // namespace

json Shape(const json& result) {
  json out = result;
  if (out.contains("cells")) {
    for (auto& c : out["cells"]) ReplaceNumbers(c["values"]);
  }
  return out;
}

json Observable(const Answer& a, const std::string& holder) {
  json o = {{"http_status", a.http_status},
            {"status", a.status},
            {"code", a.code},
            {"message", a.message}};
  const json& r = a.response;
  json keys = json::array();
  for (const auto& [k, v] : r.items()) keys.push_back(k);
  o["response_keys"] = keys;
  o["response_status"] = r.value("status", "");
  o["error"] = r.value("error", "");
  json coverage = json::array();
  for (const auto& c : r.value("coverage", json::array())) {
    json c2 = c;
    c2.erase("org_id");
    c2.erase("latency_ms");
    coverage.push_back(c2);
  }
  o["coverage"] = coverage;
  if (r.contains("result")) {
    json rows = json::array();
    for (const auto& row : r["result"]["rows"]) {
      json shaped = row;
      for (auto& v : shaped["values"]) v = "#value";  // finished from noisy values
      rows.push_back(shaped);
    }
    o["result"] = {{"columns", r["result"]["columns"]}, {"rows", rows}};
  }
  if (r.contains("protection")) o["protection"] = r["protection"]["nodes"].value(holder, json());
  if (a.partial.is_object()) {
    json partial_keys = json::array();
    for (const auto& [k, v] : a.partial.items()) partial_keys.push_back(k);
    o["partial_keys"] = partial_keys;
    o["partial_dataset"] = a.partial["dataset"];
    // The position of the answer in the holder's audit log (its hash covers times and ids).
    o["partial_audit_seq"] = a.partial["audit"].value("seq", json());
    o["partial"] = Shape(a.result());
  }
  return o;
}

std::set<std::string> AllKeys(const json& j) {
  std::set<std::string> out;
  CollectKeys(j, &out);
  return out;
}

// ---- Nodes ----

void AttackNet::Start(const std::string& root, const std::vector<std::string>& holders,
                      const std::vector<std::string>& analysts,
                      const std::vector<std::string>& holder_env) {
  root_ = root;
  for (const auto& org : holders) {
    auto n = TestNode::Create(root, org);
    ASSERT_TRUE(n) << org;
    ASSERT_TRUE(n->Start(holder_env).ok()) << n->Log();
    nodes_[org] = std::move(n);
  }
  for (const auto& org : analysts) {
    auto n = TestNode::Create(root, org);
    ASSERT_TRUE(n) << org;
    ASSERT_TRUE(n->Start().ok()) << n->Log();
    nodes_[org] = std::move(n);
  }
  for (const auto& h : holders) {
    for (const auto& a : analysts) {
      node(h).Pin(node(a));
      node(a).Pin(node(h));
    }
  }
}

json AttackNet::CreateDataset(const std::string& holder, const std::string& name,
                              const std::string& csv) {
  auto [status, body] = node(holder).Call(
      "POST", "/v1/datasets", json{{"name", name}, {"schema", std::string(kSupportSchema)}}.dump());
  EXPECT_EQ(status, 201) << body;
  return Ingest(holder, name, csv);
}

json AttackNet::Ingest(const std::string& holder, const std::string& name, const std::string& csv,
                       const std::string& mode) {
  node::HttpClient api = node(holder).Api();
  node::Headers headers = node(holder).Auth();
  for (auto& [k, v] : headers) {
    if (k == "Content-Type") v = "text/csv";
  }
  auto r = api.Request("POST", "/v1/datasets/" + name + "/records?mode=" + mode, headers, csv,
                       node::After(60000));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return json();
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body, nullptr, false);
}

void AttackNet::ApplyPolicy(const std::string& holder, const std::string& toml) {
  auto [status, body] = node(holder).Call("POST", "/v1/policies", json{{"source", toml}}.dump());
  EXPECT_EQ(status, 201) << body << "\n" << toml;
}

std::pair<int, json> AttackNet::SetPrivacy(const std::string& holder, const std::string& dataset,
                                           const json& body) {
  auto [status, text] =
      node(holder).Call("PUT", "/v1/datasets/" + dataset + "/privacy", body.dump());
  return {status, json::parse(text, nullptr, false)};
}

json AttackNet::Privacy(const std::string& holder, const std::string& dataset) {
  auto [status, text] = node(holder).Call("GET", "/v1/datasets/" + dataset + "/privacy");
  EXPECT_EQ(status, 200) << text;
  return json::parse(text, nullptr, false);
}

Answer AttackNet::Ask(const std::string& analyst, const std::string& holder, const std::string& sql,
                      const std::string& purpose) {
  json body = {{"query", sql},
               {"purpose", purpose},
               {"legal_basis", kLegalBasis},
               {"peers", json::array({holder})},
               {"include_self", false},
               {"receipt", true}};
  auto [status, text] = node(analyst).Call("POST", "/v1/queries", body.dump());
  return ParseAnswer(status, text, holder);
}

Answer AttackNet::AskLocal(const std::string& holder, const std::string& token,
                           const std::string& sql) {
  json body = {{"query", sql},
               {"purpose", kPurpose},
               {"legal_basis", kLegalBasis},
               {"local", true},
               {"receipt", true}};
  auto [status, text] = node(holder).CallAs(token, "POST", "/v1/queries", body.dump());
  return ParseAnswer(status, text, holder);
}

json AttackNet::Raw(const std::string& holder, const std::string& sql) {
  auto [status, text] = node(holder).RawQuery(sql);
  EXPECT_EQ(status, 200) << sql << ": " << text;
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j["result"] : json();
}

std::string AttackPolicy(const std::string& id, const std::string& dataset,
                         const std::vector<std::string>& grantees, const std::string& epsilon,
                         const std::vector<std::string>& purposes) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "\"" : ", \"") + s + "\"";
    return "[" + out + "]";
  };
  return "id = \"" + id + "\"\ndataset = \"" + dataset + "\"\ngrantees = " + list(grantees) +
         "\npurposes = " + list(purposes) + "\nlegal_bases = [\"" + kLegalBasis +
         "\"]\ngroup_by = [\"region\", \"scheme\", \"household_size\"]\n"
         "filter_fields = [\"birth_year\", \"region\", \"scheme\", \"monthly_amount\", "
         "\"start_date\", \"household_size\"]\nepsilon_per_query = " +
         epsilon +
         "\n[[allow]]\naggregates = [\"count\", \"sum\", \"avg\", \"var\", \"stddev\", "
         "\"histogram\", \"quantile\", \"median\"]\nfields = [\"monthly_amount\", \"birth_year\", "
         "\"household_size\", \"start_date\", \"region\", \"scheme\"]\n";
}

std::string PreloadFor(const std::string& lib) {
  std::ifstream in("/proc/self/maps");
  std::string maps((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = maps.find("/libasan.so");
  if (at == std::string::npos) return lib;
  size_t start = maps.rfind(' ', at) + 1;
  size_t end = maps.find('\n', at);
  return maps.substr(start, end - start) + ":" + lib;
}

// ---- The worst-case attacker ----

long double LogLikelihood(const std::vector<Observation>& seen, long double secret) {
  long double ll = 0;
  for (const auto& o : seen) {
    ll -= std::fabs(o.released - o.background - o.contribution(secret)) / o.scale;
  }
  return ll;
}

bool GuessPresent(const std::vector<Observation>& seen) {
  return LogLikelihood(seen, 1) > LogLikelihood(seen, 0);
}

int64_t GuessAmount(const std::vector<Observation>& seen, int64_t lo, int64_t hi, int64_t step,
                    double rel) {
  std::vector<int64_t> grid;
  for (int64_t a = lo; a <= hi; a += step) grid.push_back(a);
  std::vector<long double> ll(grid.size());
  for (size_t i = 0; i < grid.size(); ++i) ll[i] = LogLikelihood(seen, grid[i]);
  long double top = *std::max_element(ll.begin(), ll.end());
  // Posterior mass (uniform prior) and its prefix sums.
  std::vector<long double> prefix(grid.size() + 1, 0);
  for (size_t i = 0; i < grid.size(); ++i) prefix[i + 1] = prefix[i] + std::exp(ll[i] - top);
  int64_t best = grid[grid.size() / 2];
  long double best_mass = -1;
  for (int64_t e = static_cast<int64_t>(lo * (1 - rel)); e <= static_cast<int64_t>(hi * (1 + rel));
       e += step) {
    // The amounts e recovers: |e - a| <= rel * a, i.e. a in [e / (1 + rel), e / (1 - rel)].
    long double from = e / (1 + rel), to = e / (1 - rel);
    auto first = std::lower_bound(grid.begin(), grid.end(), static_cast<int64_t>(std::ceil(from)));
    auto last = std::upper_bound(grid.begin(), grid.end(), static_cast<int64_t>(std::floor(to)));
    long double mass = prefix[last - grid.begin()] - prefix[first - grid.begin()];
    if (mass > best_mass) {
      best_mass = mass;
      best = e;
    }
  }
  return best;
}

bool Recovered(long double estimate, long double truth, double rel) {
  return std::fabs(estimate - truth) <= rel * truth;
}

}  // namespace verbind::testing
