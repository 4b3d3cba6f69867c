#include "node/node.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "common/strings.h"
#include "crypto/system_random.h"
#include "node/api/node_keys.h"
#include "node/api/routes.h"
#include "node/net/peer_tls.h"
#include "node/net/peer_transport.h"
#include "node/net/trace.h"
#include "storage/data_format.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {

// The node's secret key for reproducible differential-privacy noise: 32 random bytes, created
// once and kept in the database (whoever holds it can reproduce and subtract the noise).
Result<crypto::SecretBytes> NoiseSecret(storage::Database& db, common::RandomSource& rng) {
  ASSIGN_OR_RETURN(auto stored, db.Get(storage::Family::kMeta, "dp/noise-secret"));
  if (stored && stored->size() == 32) return crypto::SecretBytes(common::AsBytes(*stored));
  crypto::SecretBytes fresh(32);
  rng.Fill(fresh.mutable_span());
  RETURN_IF_ERROR(db.Put(storage::Family::kMeta, "dp/noise-secret", common::AsChars(fresh.span())));
  return fresh;
}

// The key that encrypts records at rest: read from keys.data_key, created on first use.
Result<std::string> DataKey(const config::NodeConfig& config, common::RandomSource& rng) {
  if (!common::PathExists(config.data_key_path)) {
    crypto::SecretBytes fresh(32);
    rng.Fill(fresh.mutable_span());
    auto written = WriteKeyFile(config.data_key_path, fresh.span());
    if (!written.ok()) return written.WithContext(config.Where("keys.data_key"));
  }
  auto read = ReadKeyFile(config.data_key_path, 32);
  if (!read.ok()) return read.status().WithContext(config.Where("keys.data_key"));
  return std::string(common::AsChars(read->span()));
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Open(config::NodeConfig config, const common::Clock* clock,
                                         common::RandomSource* rng) {
  std::unique_ptr<Node> node(new Node(std::move(config), clock, rng));
  ASSIGN_OR_RETURN(NodeKeys keys, LoadNodeKeys(node->config_));
  RETURN_IF_ERROR(node->OpenStores(std::move(keys)));
  RETURN_IF_ERROR(node->OpenAnswering());
  RETURN_IF_ERROR(node->OpenTls());
  node->BuildListeners();
  return node;
}

Node::~Node() { Stop(); }

Status Node::OpenStores(NodeKeys keys) {
  auto tokens = TokenStore::Load(config_.tokens_path);
  if (!tokens.ok()) return tokens.status().WithContext(config_.Where("keys.tokens"));
  tokens_ = std::move(tokens).value();
  RETURN_IF_ERROR(common::MakeDir(config_.data_dir, 0700));
  storage::DatabaseOptions dbo;
  ASSIGN_OR_RETURN(db_, storage::Database::Open(config_.data_dir, dbo));
  ASSIGN_OR_RETURN(storage::FormatCheck format, storage::UpgradeDataFormat(*db_));
  for (const std::string& step : format.applied) {
    common::LogInfo("node", "data folder " + config_.data_dir + " migrated: format " + step);
  }
  RETURN_IF_ERROR(OpenDatasets());
  ASSIGN_OR_RETURN(peers_, storage::PeerRegistry::Load(db_.get(), clock_));
  ASSIGN_OR_RETURN(identity_, NodeIdentity::Open(config_.org_id, config_.name, config_.peer_url,
                                                 std::move(keys), db_.get()));
  ASSIGN_OR_RETURN(audit_log_,
                   storage::AuditLog::Open(db_.get(), identity_->signer()->key().get(),
                                           config_.protocol.audit_checkpoint_every, clock_));
  audit_ = std::make_unique<LocalAudit>(audit_log_.get(), clock_);
  nonces_ = std::make_unique<storage::NonceStore>(db_.get());
  ASSIGN_OR_RETURN(policies_, storage::PolicyStore::Load(db_.get(), clock_));
  return Status::Ok();
}

Status Node::OpenDatasets() {
  storage::DatasetStoreOptions options;
  if (config_.encrypt_at_rest) {
    ASSIGN_OR_RETURN(options.data_key, DataKey(config_, *rng_));
  }
  options.cache_bytes = static_cast<size_t>(config_.cache_mb) << 20;
  auto store = storage::DatasetStore::Open(db_.get(), options, clock_);
  std::fill(options.data_key.begin(), options.data_key.end(), '\0');
  if (!store.ok()) return store.status().WithContext("datasets");
  datasets_ = std::move(store).value();
  definitions_ = std::make_unique<storage::DefinitionStore>(db_.get());
  return Status::Ok();
}

Status Node::OpenAnswering() {
  storage::DatasetPrivacy defaults;
  defaults.budget_micro = config_.privacy.epsilon_micro;
  defaults.window_days = config_.privacy.window_days;
  defaults.requester_share_micro = config_.privacy.requester_share_micro;
  ledger_ = std::make_unique<storage::PrivacyLedger>(db_.get(), defaults);
  scan_cache_ =
      std::make_unique<federation::ScanCache>(static_cast<size_t>(config_.scan_cache_mb) << 20);
  federation::AnswerDependencies deps;
  deps.datasets = datasets_.get();
  deps.policies = policies_.get();
  deps.ledger = ledger_.get();
  deps.scan_cache = scan_cache_.get();
  deps.clock = clock_;
  ASSIGN_OR_RETURN(deps.noise_secret, NoiseSecret(*db_, *rng_));
  deps.limits = config_.limits;
  answers_ = std::make_unique<federation::AnswerService>(std::move(deps));
  const config::ProtocolSettings& p = config_.protocol;
  peer_service_ = std::make_unique<federation::PeerService>(
      peers_.get(), nonces_.get(), audit_log_.get(), identity_->signer(), clock_,
      federation::VerifySettings{config_.org_id, p.clock_skew_s, p.max_query_lifetime_s},
      federation::AnnouncementSettings{p.clock_skew_s, p.max_query_lifetime_s, p.key_overlap_s},
      config_.limits.peer_rate_per_minute, answers_.get());
  NodeCertificate cert = identity_->certificate();
  ASSIGN_OR_RETURN(auto client_tls,
                   crypto::TlsContext::Client(cert.cert_pem, common::AsChars(cert.key_pem.span())));
  peer_clients_ = std::make_unique<PeerClients>(std::move(client_tls), 64u << 20, clock_);
  transport_ = std::make_unique<PeerClientTransport>(peer_clients_.get());
  // This node answers its own part of a federated query in process, like a peer's query.
  auto self = [service = peer_service_.get()](const std::string& envelope,
                                              const std::string& traceparent) {
    federation::PeerRequestInfo info;
    if (auto parent = ParseTraceparent(traceparent)) {
      info.trace_id = parent->trace_id;
      info.foreign_operation_id = parent->span_id;
    }
    return service->HandleOwnQuery(envelope, info);
  };
  coordinator_ = std::make_unique<federation::Coordinator>(
      peers_.get(), identity_->signer(), transport_.get(), self, clock_, rng_,
      config_.federation.max_concurrency, p.max_query_lifetime_s);
  return Status::Ok();
}

Status Node::OpenTls() {
  NodeCertificate cert = identity_->certificate();
  std::string_view key_pem = common::AsChars(cert.key_pem.span());
  ASSIGN_OR_RETURN(auto peer_tls, PeerListenerTls(peers_.get(), cert.cert_pem, key_pem));
  peer_tls_ = std::make_shared<TlsContextSlot>(std::move(peer_tls));
  if (config_.api_tls) {
    ASSIGN_OR_RETURN(auto api_tls, crypto::TlsContext::Server(cert.cert_pem, key_pem, nullptr));
    api_tls_ = std::make_shared<TlsContextSlot>(std::move(api_tls));
  }
  rotation_ = std::make_unique<KeyRotation>(
      KeyRotation::Parts{.identity = identity_.get(),
                         .peers = peers_.get(),
                         .peer_clients = peer_clients_.get(),
                         .peer_listener_tls = peer_tls_,
                         .audit_log = audit_log_.get(),
                         .audit = audit_.get(),
                         .signing_key_path = config_.signing_key_path,
                         .tls_cert_path = config_.tls_cert_path,
                         .tls_key_path = config_.tls_key_path,
                         .overlap_s = config_.protocol.key_overlap_s,
                         .announce_deadline_ms = config_.federation.deadline_ms,
                         .rng = rng_,
                         .clock = clock_});
  return Status::Ok();
}

HttpServerOptions Node::ServerOptions(const std::string& name,
                                      const config::ListenAddress& at) const {
  const config::Limits& l = config_.limits;
  HttpServerOptions o;
  o.name = name;
  o.host = at.host;
  o.port = at.port;
  o.threads = l.threads;
  o.max_connections = l.max_connections;
  o.max_body_bytes = static_cast<size_t>(l.max_body_bytes);
  o.max_ingest_bytes = static_cast<uint64_t>(l.max_ingest_bytes);
  o.head_limits.max_header_bytes = static_cast<size_t>(l.max_header_bytes);
  o.head_limits.max_headers = static_cast<size_t>(l.max_headers);
  o.read_timeout_ms = l.read_timeout_ms;
  o.write_timeout_ms = l.write_timeout_ms;
  o.idle_timeout_ms = l.idle_timeout_ms;
  return o;
}

void Node::BuildListeners() {
  HttpServerOptions peer_opts = ServerOptions("peer", config_.peer_listen);
  peer_opts.tls = peer_tls_;
  peer_opts.on_tls_refusal = [](const std::string& remote, const std::string& reason) {
    common::LogDebug("peer", "TLS handshake from " + remote + " refused: " + reason);
  };
  peer_ = std::make_unique<HttpServer>(peer_opts, &metrics_);
  HttpServerOptions api_opts = ServerOptions("api", config_.api_listen);
  api_opts.tls = api_tls_;
  api_ = std::make_unique<HttpServer>(api_opts, &metrics_);
  AddRoutes();
  AddGauges();
}

// Each area of routes gets the services it uses, and nothing else.
void Node::AddRoutes() {
  Endpoints api(&api_->router(), tokens_.get());
  RegisterSystemRoutes({.db = db_.get(), .metrics = &metrics_}, api);
  RegisterIdentityRoutes({.identity = identity_.get(), .rotation = rotation_.get()}, api);
  RegisterTokenRoutes(
      {.tokens = tokens_.get(), .audit = audit_.get(), .rng = rng_, .clock = clock_}, api);
  RegisterTrustRoutes({.peers = peers_.get(),
                       .peer_clients = peer_clients_.get(),
                       .identity = identity_.get(),
                       .audit = audit_.get(),
                       .clock = clock_,
                       .call_deadline_ms = config_.federation.deadline_ms},
                      api);
  RegisterAuditRoutes({.log = audit_log_.get(), .identity = identity_.get()}, api);
  RegisterBackupRoutes({.db = db_.get(),
                        .log = audit_log_.get(),
                        .identity = identity_.get(),
                        .audit = audit_.get(),
                        .clock = clock_,
                        .node_dir = config_.dir,
                        .data_dir = config_.data_dir},
                       api);
  RegisterTransparencyRoutes({.log = audit_log_.get(),
                              .identity = identity_.get(),
                              .clock = clock_,
                              .public_register = config_.public_transparency},
                             api);
  RegisterPolicyRoutes(
      {.policies = policies_.get(), .peers = peers_.get(), .audit = audit_.get(), .clock = clock_},
      api);
  RegisterQueryRoutes({.coordinator = coordinator_.get(),
                       .datasets = datasets_.get(),
                       .answers = answers_.get(),
                       .runs = &runs_,
                       .audit_log = audit_log_.get(),
                       .audit = audit_.get(),
                       .identity = identity_.get(),
                       .metrics = &metrics_,
                       .clock = clock_,
                       .default_deadline_ms = config_.federation.deadline_ms},
                      api);
  DatasetServices datasets{.datasets = datasets_.get(),
                           .ledger = ledger_.get(),
                           .audit = audit_.get(),
                           .clock = clock_,
                           .privacy_defaults = config_.privacy};
  RegisterDatasetRoutes(datasets, api);
  RegisterPrivacyRoutes(datasets, api);
  DefinitionServices definitions{.datasets = datasets_.get(),
                                 .definitions = definitions_.get(),
                                 .peers = peers_.get(),
                                 .peer_clients = peer_clients_.get(),
                                 .identity = identity_.get(),
                                 .audit = audit_.get(),
                                 .clock = clock_,
                                 .call_deadline_ms = config_.federation.deadline_ms};
  RegisterDefinitionRoutes(definitions, api);
  Endpoints peer(&peer_->router(), nullptr);
  RegisterPeerDefinitionRoutes(definitions, peer);
  RegisterPeerProtocolRoutes({.protocol = peer_service_.get(),
                              .peers = peers_.get(),
                              .identity = identity_.get(),
                              .metrics = &metrics_},
                             peer);
}

void Node::AddGauges() {
  metrics_.Gauge("verbind_resident_memory_bytes", "Resident set size of the node process",
                 [] { return ResidentBytes(); });
  metrics_.Gauge("verbind_peers", "Peers in the trust store", [peers = peers_.get()] {
    return static_cast<double>(peers->snapshot()->by_org.size());
  });
  metrics_.Gauge("verbind_open_connections", "Open connections on both listeners", [this] {
    return static_cast<double>(peer_->active_connections() + api_->active_connections());
  });
  metrics_.Gauge("verbind_scan_cache_hits", "Answers whose scan came from the scan cache",
                 [cache = scan_cache_.get()] { return static_cast<double>(cache->hits()); });
  metrics_.Gauge("verbind_scan_cache_misses", "Answers that scanned the dataset (cache on)",
                 [cache = scan_cache_.get()] { return static_cast<double>(cache->misses()); });
}

Status Node::Start() {
  Status bound = peer_->Bind();
  if (!bound.ok()) return bound.WithContext(config_.Where("peer.listen") + ": [peer] listen");
  bound = api_->Bind();
  if (!bound.ok()) return bound.WithContext(config_.Where("api.listen") + ": [api] listen");
  std::string peer_url = config_.peer_url;
  // A configured port of 0 means "the port the listener bound" (tests, demos).
  if (common::StartsWith(peer_url, "https://") && peer_url.size() > 2 &&
      peer_url.substr(peer_url.size() - 2) == ":0") {
    peer_url = peer_url.substr(0, peer_url.size() - 1) + std::to_string(peer_->port());
  }
  identity_->set_peer_url(peer_url);
  peer_->Start();
  api_->Start();
  started_ = true;
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  RETURN_IF_ERROR(WriteRunFiles());
  common::LogInfo("node", config_.org_id + " serving: peer listener " + config_.peer_listen.host +
                              ":" + std::to_string(peer_->port()) + ", local API " +
                              config_.api_listen.host + ":" + std::to_string(api_->port()));
  return Status::Ok();
}

Status Node::WriteRunFiles() {
  std::string run = config_.dir + "/run";
  RETURN_IF_ERROR(common::MakeDir(run, 0700));
  std::string api_host = config_.api_listen.host;
  if (api_host == "0.0.0.0") api_host = "127.0.0.1";
  if (api_host == "::") api_host = "::1";
  if (api_host.find(':') != std::string::npos) api_host = "[" + api_host + "]";
  std::string api_url = std::string(api_tls_ ? "https://" : "http://") + api_host + ":" +
                        std::to_string(api_->port());
  std::string endpoints = "{\"pid\":" + std::to_string(::getpid()) +
                          ",\"api_url\":" + common::JsonQuote(api_url) +
                          ",\"peer_url\":" + common::JsonQuote(identity_->peer_url()) +
                          ",\"peer_port\":" + std::to_string(peer_->port()) +
                          ",\"api_port\":" + std::to_string(api_->port()) + "}\n";
  std::string token = NewToken(*rng_);
  tokens_->AddEphemeral(token, "cli", Role::kAdmin);
  RETURN_IF_ERROR(common::WriteFileAtomic(run + "/cli.token", token + "\n", 0600));
  return common::WriteFileAtomic(run + "/endpoints.json", endpoints, 0644);
}

void Node::Stop() {
  if (!started_) return;
  started_ = false;
  {
    std::lock_guard<std::mutex> lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  peer_->Stop();
  api_->Stop();
  // Federated runs submitted in the background end at their deadlines; let them finish.
  runs_.WaitForBackground();
  audit_log_->Close();
  ::unlink((config_.dir + "/run/endpoints.json").c_str());
  ::unlink((config_.dir + "/run/cli.token").c_str());
  common::LogInfo("node", config_.org_id + " stopped");
}

void Node::MaintenanceLoop() {
  std::unique_lock<std::mutex> lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, std::chrono::seconds(30), [this] { return stopping_; })) {
    lock.unlock();
    auto purged = nonces_->Purge(clock_->NowSeconds());
    if (!purged.ok()) common::LogWarn("node", "nonce purge: " + purged.status().message());
    lock.lock();
  }
}

int ServeMain(const std::string& dir) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // every thread inherits this
  ::signal(SIGPIPE, SIG_IGN);
  auto config = config::LoadNodeConfig(dir, [](const char* name) { return std::getenv(name); });
  if (!config.ok()) {
    std::fprintf(stderr, "verbind: %s\n", config.status().message().c_str());
    return 1;
  }
  common::LogLevel level;
  if (common::ParseLogLevel(config->log_level, &level)) common::SetLogLevel(level);
  auto node = Node::Open(std::move(config).value(), &common::RealClock::Get(),
                         &crypto::SystemRandom::Get());
  if (!node.ok()) {
    std::fprintf(stderr, "verbind: %s\n", node.status().message().c_str());
    return 1;
  }
  Status started = (*node)->Start();
  if (!started.ok()) {
    std::fprintf(stderr, "verbind: %s\n", started.message().c_str());
    return 1;
  }
  std::printf("verbind: %s serving; peer listener port %d, local API port %d (Ctrl-C stops)\n",
              (*node)->config().org_id.c_str(), (*node)->peer_port(), (*node)->api_port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  common::LogInfo("node", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                              "; shutting down");
  (*node)->Stop();
  node->reset();
  return 0;
}

}  // namespace verbind::node
