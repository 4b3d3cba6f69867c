// The node configuration (`verbind.toml` in the node folder), with every key validated at load.
//
// One table (kNodeConfigKeys in node_config.cc) lists each key with its type, default and
// documentation; the same table renders the documented file that `verbind init` writes and
// docs/configuration.md. Every key may be overridden from the environment as
// VERBIND_<SECTION>_<KEY> (for example VERBIND_PEER_LISTEN=0.0.0.0:7443) for containers.
// Errors name the file and line ("verbind.toml:12: [limits] threads: ..."). Thread-safe
// (pure functions; NodeConfig is a value).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace verbind::config {

struct ListenAddress {
  std::string host;
  int port = 0;
  std::string ToString() const;
};

struct Limits {
  int threads = 16;                             // concurrent request executions per listener
  int max_connections = 512;                    // open connections per listener; more get 503
  int64_t max_body_bytes = 1 << 20;             // JSON request bodies
  int64_t max_ingest_bytes = int64_t{4} << 30;  // streamed record uploads
  int max_header_bytes = 16 * 1024;             // request line plus all headers
  int max_headers = 64;
  int read_timeout_ms = 5000;  // to receive a request head or body
  int write_timeout_ms = 5000;
  int idle_timeout_ms = 30000;            // keep-alive between requests
  int64_t max_rows_scanned = 50'000'000;  // per query
  int max_groups = 10000;                 // per query
  int query_timeout_ms = 10000;
  int peer_rate_per_minute = 6000;  // default per-peer request rate on the peer listener
};

struct ProtocolSettings {
  int clock_skew_s = 60;
  int max_query_lifetime_s = 300;
  int key_overlap_s = 86400;
  int audit_checkpoint_every = 1000;
};

struct FederationSettings {
  int deadline_ms = 5000;
  int max_concurrency = 32;
};

// Defaults for the privacy settings of datasets about persons (docs/privacy.md).
struct PrivacyDefaults {
  int64_t epsilon_micro = 2'000'000;
  int window_days = 365;
  int64_t requester_share_micro = 500'000;
};

struct NodeConfig {
  std::string dir;          // the node folder, absolute
  std::string config_path;  // dir + "/verbind.toml"

  std::string org_id;
  std::string name;
  std::string data_dir;  // absolute

  ListenAddress peer_listen;
  std::string peer_url;
  std::string tls_cert_path;  // absolute
  std::string tls_key_path;

  ListenAddress api_listen;
  bool api_tls = false;

  std::string signing_key_path;
  std::string x25519_key_path;
  std::string tokens_path;
  std::string data_key_path;

  bool encrypt_at_rest = false;
  int cache_mb = 256;
  int scan_cache_mb = 32;

  Limits limits;
  ProtocolSettings protocol;
  FederationSettings federation;
  PrivacyDefaults privacy;
  bool public_transparency = false;  // the register without a token (docs/transparency.md)
  std::string log_level = "info";

  // "verbind.toml:7" for a key such as "peer.listen", or "environment VERBIND_PEER_LISTEN".
  std::string Where(std::string_view key) const;
  std::map<std::string, std::string, std::less<>> origins;
};

// Reads `dir`/verbind.toml, applies `env` overrides (a lookup such as getenv), validates every
// key, and checks that the key and certificate files it names are readable.
using EnvLookup = std::function<const char*(const char*)>;
common::Result<NodeConfig> LoadNodeConfig(const std::string& dir, const EnvLookup& env);
// The same from the text of a verbind.toml, touching no file: errors name `dir`/verbind.toml,
// relative paths are resolved against `dir`, and the files the keys name are not checked.
// LoadNodeConfig is this plus reading the file and checking those files. For tools and fuzzing.
common::Result<NodeConfig> ParseNodeConfig(std::string_view text, const std::string& dir,
                                           const EnvLookup& env);

struct InitSettings {
  std::string org_id;
  std::string name;
  std::string peer_listen = "0.0.0.0:7443";
  std::string api_listen = "127.0.0.1:7080";
  std::string peer_url;  // default: https://<peer host>:<port>
};
// The documented verbind.toml for a new node.
std::string RenderNodeConfig(const InitSettings& init);
// docs/configuration.md's table of keys (Markdown).
std::string RenderConfigReference();

}  // namespace verbind::config
