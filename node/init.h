// `verbind init`: creates a node folder with its configuration, keys, certificate and the first
// API tokens. Refuses to touch a folder that already holds a node. Thread-compatible.
#pragma once

#include <string>

#include "common/random.h"
#include "common/status.h"
#include "config/node_config.h"

namespace verbind::node {

struct InitResult {
  std::string dir;
  std::string owner_token;    // shown once: raw answers and owner tokens
  std::string admin_token;    // shown once
  std::string analyst_token;  // shown once
  std::string tls_fingerprint;
  std::string signing_key_id;
};

common::Result<InitResult> InitNode(const std::string& dir, config::InitSettings settings,
                                    common::RandomSource& rng, int64_t now_ms);

}  // namespace verbind::node
