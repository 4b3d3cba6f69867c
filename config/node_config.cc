#include "config/node_config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <vector>

#include "common/files.h"
#include "common/strings.h"

namespace verbind::config {

using common::Result;
using common::Status;

namespace {

enum class Kind { kString, kName, kInt, kBool, kAddress, kPath, kUrl, kLogLevel, kMicros };

struct KeySpec {
  std::string_view section;
  std::string_view key;
  Kind kind;
  std::string_view default_value;  // TOML literal; empty means the key is required
  int64_t min;
  int64_t max;
  std::string_view doc;
};

// Every key of verbind.toml. Order is the order of the rendered file.
constexpr KeySpec kKeys[] = {
    {"node", "org_id", Kind::kName, "", 0, 0,
     "Organisation id, unique among peers: 1-64 of a-z 0-9 . _ -"},
    {"node", "name", Kind::kString, "", 0, 0, "Display name of the organisation"},
    {"node", "data_dir", Kind::kPath, "\"data\"", 0, 0,
     "RocksDB folder (datasets, trust store, policies, audit log), relative to the node folder"},
    {"node", "encrypt_at_rest", Kind::kBool, "false", 0, 0,
     "Encrypt record chunks with XChaCha20-Poly1305 under keys.data_key"},
    {"node", "cache_mb", Kind::kInt, "256", 8, 1 << 20, "Memory for decoded column chunks (MiB)"},
    {"node", "scan_cache_mb", Kind::kInt, "32", 0, 1 << 20,
     "Memory for the outcomes of recent scans, reused when a query is asked again of unchanged "
     "data (MiB; 0: off)"},
    {"peer", "listen", Kind::kAddress, "\"0.0.0.0:7443\"", 0, 0,
     "Peer listener (mutual TLS, pinned peers only): HOST:PORT; port 0 picks a free port"},
    {"peer", "url", Kind::kUrl, "", 0, 0, "URL at which peers reach this node (https://...)"},
    {"peer", "tls_cert", Kind::kPath, "\"keys/tls.crt\"", 0, 0,
     "TLS certificate chain (PEM); the leaf's SHA-256 fingerprint is what peers pin"},
    {"peer", "tls_key", Kind::kPath, "\"keys/tls.key\"", 0, 0, "TLS private key (PEM, mode 0600)"},
    {"api", "listen", Kind::kAddress, "\"127.0.0.1:7080\"", 0, 0,
     "Local API listener for administrators and analysts (bearer tokens): HOST:PORT"},
    {"api", "tls", Kind::kBool, "false", 0, 0,
     "Serve the local API over HTTPS with the node certificate (required off loopback)"},
    {"keys", "signing_key", Kind::kPath, "\"keys/signing.key\"", 0, 0,
     "Ed25519 signing key seed (mode 0600)"},
    {"keys", "x25519_key", Kind::kPath, "\"keys/x25519.key\"", 0, 0,
     "X25519 key for secure aggregation (mode 0600)"},
    {"keys", "tokens", Kind::kPath, "\"tokens.toml\"", 0, 0,
     "API token hashes with their roles (mode 0600)"},
    {"keys", "data_key", Kind::kPath, "\"keys/data.key\"", 0, 0,
     "Data key for encryption at rest (mode 0600); created on first use"},
    {"limits", "threads", Kind::kInt, "16", 1, 1024,
     "Requests executed at once per listener (the worker pool)"},
    {"limits", "max_connections", Kind::kInt, "512", 1, 65536,
     "Open connections per listener; one more is answered 503 and closed (closed without an answer "
     "on a TLS listener)"},
    {"limits", "max_body_bytes", Kind::kInt, "1048576", 1024, int64_t{1} << 30,
     "Largest JSON request body; larger ones get 413"},
    {"limits", "max_ingest_bytes", Kind::kInt, "4294967296", 1024, int64_t{1} << 40,
     "Largest streamed record upload (POST /v1/datasets/NAME/records)"},
    {"limits", "max_header_bytes", Kind::kInt, "16384", 1024, 1 << 20,
     "Largest request line plus headers; larger gets 431"},
    {"limits", "max_headers", Kind::kInt, "64", 8, 1024, "Most request headers; more gets 431"},
    {"limits", "read_timeout_ms", Kind::kInt, "5000", 100, 600000,
     "Time allowed to receive a whole request head, and between body reads"},
    {"limits", "write_timeout_ms", Kind::kInt, "5000", 100, 600000,
     "Time allowed to send a response"},
    {"limits", "idle_timeout_ms", Kind::kInt, "30000", 100, 3600000,
     "Keep-alive: an idle connection is closed after this long"},
    {"limits", "max_rows_scanned", Kind::kInt, "50000000", 1, int64_t{1} << 40,
     "Rows an owner's raw answer may scan (protected answers are bounded by time only: a row "
     "limit would refuse by the exact number of records)"},
    {"limits", "max_groups", Kind::kInt, "10000", 1, 10000000,
     "Group-by cells one query may build"},
    {"limits", "query_timeout_ms", Kind::kInt, "10000", 10, 3600000,
     "Time one query may compute before it is stopped"},
    {"limits", "peer_rate_per_minute", Kind::kInt, "6000", 1, 100000000,
     "Requests per minute one peer may send before getting 429 (policies may set lower)"},
    {"protocol", "clock_skew_s", Kind::kInt, "60", 0, 3600,
     "Clock difference tolerated on issued_at and expires_at"},
    {"protocol", "max_query_lifetime_s", Kind::kInt, "300", 1, 86400,
     "Longest expires_at - issued_at accepted"},
    {"protocol", "key_overlap_s", Kind::kInt, "86400", 0, 31536000,
     "After a key rotation, how long peers still accept the previous key"},
    {"protocol", "audit_checkpoint_every", Kind::kInt, "1000", 1, 1000000,
     "Write a signed audit checkpoint after this many entries (and at shutdown)"},
    {"federation", "deadline_ms", Kind::kInt, "5000", 10, 600000,
     "Default deadline of a federated query run"},
    {"federation", "max_concurrency", Kind::kInt, "32", 1, 1024,
     "Peers queried at once during fan-out"},
    {"privacy", "epsilon", Kind::kMicros, "2", 1, 1000 * 1000000,
     "Privacy budget of a dataset about persons unless set for it (verbind dataset privacy): the "
     "total epsilon (adding or removing one person) that all requesters together may spend per "
     "window; 2 bounds any hypothesis about one person, values included, to e^4 (about 55) times "
     "its prior odds"},
    {"privacy", "window_days", Kind::kInt, "365", 0, 3650,
     "Days over which spending counts against that budget (a rolling window); 0: the dataset's "
     "lifetime"},
    {"privacy", "requester_share", Kind::kMicros, "0.5", 1, 1000000,
     "Share of a dataset's budget that one requesting organisation may spend"},
    {"transparency", "public", Kind::kBool, "false", 0, 0,
     "Serve the signed transparency register without a token at GET "
     "/public/v1/transparency/YYYY-MM on the local API (docs/transparency.md)"},
    {"log", "level", Kind::kLogLevel, "\"info\"", 0, 0, "debug, info, warn or error"},
};

struct Value {
  toml::node_type type;
  std::string text;
  int64_t integer = 0;
  bool boolean = false;
  std::string origin;  // "path:line" or "environment VAR"
};

std::string Dotted(const KeySpec& k) { return std::string(k.section) + "." + std::string(k.key); }

std::string EnvName(const KeySpec& k) {
  std::string out = "VERBIND_" + std::string(k.section) + "_" + std::string(k.key);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const KeySpec* FindKey(std::string_view section, std::string_view key) {
  for (const auto& k : kKeys) {
    if (k.section == section && k.key == key) return &k;
  }
  return nullptr;
}

bool SectionKnown(std::string_view section) {
  for (const auto& k : kKeys) {
    if (k.section == section) return true;
  }
  return false;
}

std::string TypeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

toml::node_type Expected(Kind kind) {
  switch (kind) {
    case Kind::kInt:
    case Kind::kMicros:  // an integer, a floating-point number or a string ("0.5")
      return toml::node_type::integer;
    case Kind::kBool:
      return toml::node_type::boolean;
    default:
      return toml::node_type::string;
  }
}

Status Error(const std::string& origin, const KeySpec* k, const std::string& message) {
  std::string where = origin;
  if (k) where += ": [" + std::string(k->section) + "] " + std::string(k->key);
  return common::InvalidArgument(where + ": " + message);
}

// A kMicros value: six decimals at most, as text.
Result<Value> MicrosFromNode(const toml::node& node, const KeySpec& k, const std::string& origin) {
  Value v{toml::node_type::integer, "", 0, false, origin};
  if (auto s = node.value_exact<std::string>()) {
    v.text = *s;
  } else if (auto i = node.value_exact<int64_t>()) {
    v.text = std::to_string(*i);
  } else if (auto d = node.value_exact<double>()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", *d);
    v.text = buf;
    if (std::fabs(std::stod(v.text) - *d) > 1e-12) v.text = "too many decimals";
  } else {
    return Error(origin, &k, "expected a number, found " + TypeName(node.type()));
  }
  if (!common::ParseMicros(v.text, k.max, &v.integer)) {
    return Error(origin, &k, "must be a number with at most six decimals, not " + v.text);
  }
  return v;
}

Result<Value> FromNode(const toml::node& node, const KeySpec& k, const std::string& origin) {
  if (k.kind == Kind::kMicros) return MicrosFromNode(node, k, origin);
  Value v{node.type(), "", 0, false, origin};
  if (node.type() != Expected(k.kind)) {
    return Error(origin, &k,
                 "expected " + TypeName(Expected(k.kind)) + ", found " + TypeName(node.type()));
  }
  if (auto s = node.value<std::string>()) v.text = *s;
  if (auto i = node.as_integer()) v.integer = i->get();
  if (auto b = node.as_boolean()) v.boolean = b->get();
  return v;
}

Result<Value> FromEnv(const char* text, const KeySpec& k, const std::string& origin) {
  Value v{Expected(k.kind), text, 0, false, origin};
  if (k.kind == Kind::kInt && !common::ParseInt64(text, &v.integer)) {
    return Error(origin, &k, "expected an integer, found \"" + std::string(text) + "\"");
  }
  if (k.kind == Kind::kMicros && !common::ParseMicros(text, k.max, &v.integer)) {
    return Error(origin, &k, "expected a number with at most six decimals, found \"" +
                                 std::string(text) + "\"");
  }
  if (k.kind == Kind::kBool) {
    std::string t = common::ToLower(text);
    if (t != "true" && t != "false") return Error(origin, &k, "expected true or false");
    v.boolean = t == "true";
  }
  return v;
}

using ValueMap = std::map<std::string, Value, std::less<>>;

Status ReadTable(const toml::table& root, const std::string& path, ValueMap* values) {
  for (const auto& [section, node] : root) {
    std::string origin = path + ":" + std::to_string(node.source().begin.line);
    if (!SectionKnown(section.str())) {
      return Error(origin, nullptr, "unknown section [" + std::string(section.str()) + "]");
    }
    const toml::table* table = node.as_table();
    if (!table) {
      return Error(origin, nullptr, std::string(section.str()) + " must be a [section]");
    }
    for (const auto& [key, value] : *table) {
      std::string at = path + ":" + std::to_string(value.source().begin.line);
      const KeySpec* k = FindKey(section.str(), key.str());
      if (!k) {
        return Error(
            at, nullptr,
            "unknown key " + std::string(key.str()) + " in [" + std::string(section.str()) + "]");
      }
      ASSIGN_OR_RETURN(Value v, FromNode(value, *k, at));
      (*values)[Dotted(*k)] = std::move(v);
    }
  }
  return Status::Ok();
}

Result<ValueMap> ParseText(std::string_view text, const std::string& path) {
  ValueMap values;
  try {
    toml::table root = toml::parse(text, path);
    RETURN_IF_ERROR(ReadTable(root, path, &values));
  } catch (const toml::parse_error& e) {
    return common::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " +
                                   std::string(e.description()));
  }
  return values;
}

Status ApplyDefaultsAndEnv(const std::string& path, const EnvLookup& env, ValueMap* values) {
  for (const auto& k : kKeys) {
    std::string name = EnvName(k);
    if (const char* text = env ? env(name.c_str()) : nullptr) {
      ASSIGN_OR_RETURN(Value v, FromEnv(text, k, "environment " + name));
      (*values)[Dotted(k)] = std::move(v);
      continue;
    }
    if (values->count(Dotted(k))) continue;
    if (k.default_value.empty()) {
      return Error(path, &k, "is required");
    }
    toml::table t = toml::parse("v = " + std::string(k.default_value));
    ASSIGN_OR_RETURN(Value v, FromNode(*t.get("v"), k, path + " (default)"));
    (*values)[Dotted(k)] = std::move(v);
  }
  return Status::Ok();
}

Status Validate(const KeySpec& k, const Value& v) {
  switch (k.kind) {
    case Kind::kMicros:
      if (v.integer < k.min || v.integer > k.max) {
        return Error(v.origin, &k,
                     "must be between " + common::FormatMicros(k.min) + " and " +
                         common::FormatMicros(k.max) + ", not " + common::FormatMicros(v.integer));
      }
      break;
    case Kind::kInt:
      if (v.integer < k.min || v.integer > k.max) {
        return Error(v.origin, &k,
                     "must be between " + std::to_string(k.min) + " and " + std::to_string(k.max) +
                         ", not " + std::to_string(v.integer));
      }
      break;
    case Kind::kName:
      if (!common::IsValidName(v.text)) {
        return Error(v.origin, &k,
                     "\"" + v.text +
                         "\" is not a valid id (1-64 of a-z 0-9 . _ -, starting "
                         "with a letter or digit)");
      }
      break;
    case Kind::kAddress: {
      std::string host;
      int port;
      if (!common::ParseHostPort(v.text, &host, &port)) {
        return Error(v.origin, &k, "\"" + v.text + "\" is not HOST:PORT");
      }
      break;
    }
    case Kind::kUrl:
      if (!common::StartsWith(v.text, "https://") || v.text.size() <= 8) {
        return Error(v.origin, &k, "\"" + v.text + "\" is not an https:// URL");
      }
      break;
    case Kind::kLogLevel:
      if (v.text != "debug" && v.text != "info" && v.text != "warn" && v.text != "error") {
        return Error(v.origin, &k, "must be debug, info, warn or error");
      }
      break;
    case Kind::kString:
      if (v.text.empty() || v.text.size() > 256 || !common::IsValidUtf8(v.text)) {
        return Error(v.origin, &k, "must be 1-256 bytes of UTF-8");
      }
      break;
    case Kind::kPath:
      if (v.text.empty()) return Error(v.origin, &k, "must not be empty");
      break;
    case Kind::kBool:
      break;
  }
  return Status::Ok();
}

ListenAddress ToAddress(const std::string& text) {
  ListenAddress a;
  common::ParseHostPort(text, &a.host, &a.port);
  return a;
}

Status CheckReadable(const NodeConfig& c, std::string_view key, const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) {
    return common::InvalidArgument(c.Where(key) + ": [" +
                                   std::string(key.substr(0, key.find('.'))) + "] " +
                                   std::string(key.substr(key.find('.') + 1)) + ": cannot read " +
                                   path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

void Fill(const ValueMap& v, const std::string& dir, NodeConfig* c) {
  auto s = [&](const char* key) { return v.at(key).text; };
  auto i = [&](const char* key) { return static_cast<int>(v.at(key).integer); };
  auto i64 = [&](const char* key) { return v.at(key).integer; };
  auto p = [&](const char* key) { return common::JoinPath(dir, v.at(key).text); };
  c->org_id = s("node.org_id");
  c->name = s("node.name");
  c->data_dir = p("node.data_dir");
  c->encrypt_at_rest = v.at("node.encrypt_at_rest").boolean;
  c->cache_mb = i("node.cache_mb");
  c->scan_cache_mb = i("node.scan_cache_mb");
  c->peer_listen = ToAddress(s("peer.listen"));
  c->peer_url = s("peer.url");
  c->tls_cert_path = p("peer.tls_cert");
  c->tls_key_path = p("peer.tls_key");
  c->api_listen = ToAddress(s("api.listen"));
  c->api_tls = v.at("api.tls").boolean;
  c->signing_key_path = p("keys.signing_key");
  c->x25519_key_path = p("keys.x25519_key");
  c->tokens_path = p("keys.tokens");
  c->data_key_path = p("keys.data_key");
  Limits& l = c->limits;
  l.threads = i("limits.threads");
  l.max_connections = i("limits.max_connections");
  l.max_body_bytes = i64("limits.max_body_bytes");
  l.max_ingest_bytes = i64("limits.max_ingest_bytes");
  l.max_header_bytes = i("limits.max_header_bytes");
  l.max_headers = i("limits.max_headers");
  l.read_timeout_ms = i("limits.read_timeout_ms");
  l.write_timeout_ms = i("limits.write_timeout_ms");
  l.idle_timeout_ms = i("limits.idle_timeout_ms");
  l.max_rows_scanned = i64("limits.max_rows_scanned");
  l.max_groups = i("limits.max_groups");
  l.query_timeout_ms = i("limits.query_timeout_ms");
  l.peer_rate_per_minute = i("limits.peer_rate_per_minute");
  c->protocol.clock_skew_s = i("protocol.clock_skew_s");
  c->protocol.max_query_lifetime_s = i("protocol.max_query_lifetime_s");
  c->protocol.key_overlap_s = i("protocol.key_overlap_s");
  c->protocol.audit_checkpoint_every = i("protocol.audit_checkpoint_every");
  c->federation.deadline_ms = i("federation.deadline_ms");
  c->federation.max_concurrency = i("federation.max_concurrency");
  c->privacy.epsilon_micro = i64("privacy.epsilon");
  c->privacy.window_days = i("privacy.window_days");
  c->privacy.requester_share_micro = i64("privacy.requester_share");
  c->public_transparency = v.at("transparency.public").boolean;
  c->log_level = s("log.level");
  for (const auto& [key, value] : v) c->origins[key] = value.origin;
}

// True for "localhost", 127.0.0.0/8 and ::1: addresses no other machine can reach.
bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::string AbsoluteDir(const std::string& dir) {
  if (!dir.empty() && dir[0] == '/') return dir;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) return dir;
  return common::JoinPath(cwd, dir);
}

}  // namespace

std::string ListenAddress::ToString() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::string NodeConfig::Where(std::string_view key) const {
  auto it = origins.find(key);
  return it == origins.end() ? config_path : it->second;
}

Result<NodeConfig> ParseNodeConfig(std::string_view text, const std::string& dir,
                                   const EnvLookup& env) {
  NodeConfig c;
  c.dir = AbsoluteDir(dir);
  c.config_path = common::JoinPath(c.dir, "verbind.toml");
  ASSIGN_OR_RETURN(ValueMap values, ParseText(text, c.config_path));
  RETURN_IF_ERROR(ApplyDefaultsAndEnv(c.config_path, env, &values));
  for (const auto& k : kKeys) RETURN_IF_ERROR(Validate(k, values.at(Dotted(k))));
  Fill(values, c.dir, &c);
  // Bearer tokens travel in every API request: off loopback they need TLS.
  if (!c.api_tls && !IsLoopbackHost(c.api_listen.host)) {
    return common::InvalidArgument(
        c.Where("api.listen") + ": [api] listen: " + c.api_listen.host +
        " is not a loopback address; serving the local API there needs api.tls = true");
  }
  return c;
}

Result<NodeConfig> LoadNodeConfig(const std::string& dir, const EnvLookup& env) {
  std::string path = common::JoinPath(AbsoluteDir(dir), "verbind.toml");
  if (!common::PathExists(path)) {
    return common::NotFound(path + ": no node here; create one with: verbind init " + dir +
                            " --org ORG_ID --name NAME");
  }
  ASSIGN_OR_RETURN(std::string text, common::ReadFile(path, 1 << 20));
  ASSIGN_OR_RETURN(NodeConfig c, ParseNodeConfig(text, dir, env));
  RETURN_IF_ERROR(CheckReadable(c, "peer.tls_cert", c.tls_cert_path));
  RETURN_IF_ERROR(CheckReadable(c, "peer.tls_key", c.tls_key_path));
  RETURN_IF_ERROR(CheckReadable(c, "keys.signing_key", c.signing_key_path));
  RETURN_IF_ERROR(CheckReadable(c, "keys.x25519_key", c.x25519_key_path));
  RETURN_IF_ERROR(CheckReadable(c, "keys.tokens", c.tokens_path));
  return c;
}

std::string RenderNodeConfig(const InitSettings& init) {
  std::ostringstream out;
  out << "# Verbind node configuration.\n"
      << "# Every key is checked when the node starts: an unknown key, a wrong type or an\n"
      << "# unreadable file stops it with the file and line. Relative paths are relative to\n"
      << "# this folder. Any key can be overridden from the environment as\n"
      << "# VERBIND_<SECTION>_<KEY>, e.g. VERBIND_PEER_LISTEN=0.0.0.0:7443.\n";
  std::string_view section;
  for (const auto& k : kKeys) {
    if (k.section != section) {
      section = k.section;
      out << "\n[" << section << "]\n";
    }
    std::string value(k.default_value);
    if (Dotted(k) == "node.org_id") value = common::TomlQuote(init.org_id);
    if (Dotted(k) == "node.name") value = common::TomlQuote(init.name);
    if (Dotted(k) == "peer.listen") value = common::TomlQuote(init.peer_listen);
    if (Dotted(k) == "api.listen") value = common::TomlQuote(init.api_listen);
    if (Dotted(k) == "peer.url") value = common::TomlQuote(init.peer_url);
    out << "# " << k.doc << "\n" << k.key << " = " << value << "\n";
  }
  return out.str();
}

std::string RenderConfigReference() {
  std::ostringstream out;
  out << "| key | type | default | environment | meaning |\n|---|---|---|---|---|\n";
  for (const auto& k : kKeys) {
    std::string type = k.kind == Kind::kInt      ? "integer"
                       : k.kind == Kind::kBool   ? "boolean"
                       : k.kind == Kind::kMicros ? "number"
                                                 : "string";
    if (k.kind == Kind::kInt) {
      type += " " + std::to_string(k.min) + ".." + std::to_string(k.max);
    }
    if (k.kind == Kind::kMicros) {
      type += " " + common::FormatMicros(k.min) + ".." + common::FormatMicros(k.max);
    }
    out << "| `" << k.section << "." << k.key << "` | " << type << " | "
        << (k.default_value.empty() ? "required" : "`" + std::string(k.default_value) + "`")
        << " | `" << EnvName(k) << "` | " << k.doc << " |\n";
  }
  return out.str();
}

}  // namespace verbind::config
