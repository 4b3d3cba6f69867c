#include "node/node.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "common/strings.h"
#include "crypto/random.h"
#include "federation/identity.h"
#include "node/net/trace.h"
#include "node/peer_transport.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

using common::Result;
using common::Status;

Result<std::shared_ptr<const crypto::TlsContext>> PeerServerTls(NodeServices& s,
                                                                std::string_view cert_pem,
                                                                std::string_view key_pem) {
  storage::PeerRegistry* peers = s.peers.get();
  ASSIGN_OR_RETURN(auto ctx,
                   crypto::TlsContext::Server(cert_pem, key_pem, [peers](std::string_view fp) {
                     return peers->IsActiveFingerprint(fp);
                   }));
  return std::shared_ptr<const crypto::TlsContext>(std::move(ctx));
}

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

// The privacy ledger, the scan cache and the answering pipeline they serve.
Status OpenAnswerService(NodeServices& s, const config::NodeConfig& config) {
  storage::DatasetPrivacy defaults;
  defaults.budget_micro = config.privacy.epsilon_micro;
  defaults.window_days = config.privacy.window_days;
  defaults.requester_share_micro = config.privacy.requester_share_micro;
  s.ledger = std::make_unique<storage::PrivacyLedger>(s.db.get(), defaults);
  s.scan_cache =
      std::make_unique<federation::ScanCache>(static_cast<size_t>(config.scan_cache_mb) << 20);
  federation::AnswerDependencies deps;
  deps.datasets = s.datasets.get();
  deps.policies = s.policies.get();
  deps.ledger = s.ledger.get();
  deps.scan_cache = s.scan_cache.get();
  deps.clock = s.clock;
  ASSIGN_OR_RETURN(deps.noise_secret, NoiseSecret(*s.db, *s.rng));
  deps.limits = config.limits;
  s.answers = std::make_unique<federation::AnswerService>(std::move(deps));
  return Status::Ok();
}

Result<std::unique_ptr<Node>> Node::Open(config::NodeConfig config, const common::Clock* clock,
                                         common::RandomSource* rng) {
  std::unique_ptr<Node> node(new Node());
  node->s_ = std::make_unique<NodeServices>();
  NodeServices& s = *node->s_;
  s.clock = clock;
  s.rng = rng;
  ASSIGN_OR_RETURN(s.keys, LoadNodeKeys(config));
  auto tokens = TokenStore::Load(config.tokens_path);
  if (!tokens.ok()) return tokens.status().WithContext(config.Where("keys.tokens"));
  s.tokens = std::move(tokens).value();
  RETURN_IF_ERROR(common::MakeDir(config.data_dir, 0700));
  storage::DatabaseOptions dbo;
  ASSIGN_OR_RETURN(s.db, storage::Database::Open(config.data_dir, dbo));
  RETURN_IF_ERROR(OpenDatasetStore(s, config));
  ASSIGN_OR_RETURN(s.peers, storage::PeerRegistry::Load(s.db.get(), clock));
  RETURN_IF_ERROR(RememberOwnKey(s.db.get(), *s.keys.signing));
  s.signer = std::make_unique<federation::NodeSigner>(config.org_id, s.keys.signing);
  ASSIGN_OR_RETURN(s.audit, storage::AuditLog::Open(s.db.get(), s.keys.signing.get(),
                                                    config.protocol.audit_checkpoint_every, clock));
  s.nonces = std::make_unique<storage::NonceStore>(s.db.get());
  ASSIGN_OR_RETURN(s.policies, storage::PolicyStore::Load(s.db.get(), clock));
  RETURN_IF_ERROR(OpenAnswerService(s, config));
  federation::VerifySettings verify{config.org_id, config.protocol.clock_skew_s,
                                    config.protocol.max_query_lifetime_s};
  federation::AnnouncementSettings announcements{config.protocol.clock_skew_s,
                                                 config.protocol.max_query_lifetime_s,
                                                 config.protocol.key_overlap_s};
  s.peer_service = std::make_unique<federation::PeerService>(
      s.peers.get(), s.nonces.get(), s.audit.get(), s.signer.get(), clock, verify, announcements,
      config.limits.peer_rate_per_minute, s.answers.get());
  std::string key_pem(common::AsChars(s.keys.tls_key_pem.span()));
  ASSIGN_OR_RETURN(auto client_tls, crypto::TlsContext::Client(s.keys.tls_cert_pem, key_pem));
  s.client_tls = std::move(client_tls);
  s.peer_clients = std::make_unique<PeerClients>(s.client_tls, 64u << 20, s.clock);
  ASSIGN_OR_RETURN(auto peer_tls, PeerServerTls(s, s.keys.tls_cert_pem, key_pem));
  node->peer_tls_ = std::make_shared<TlsContextSlot>(std::move(peer_tls));
  s.peer_tls = node->peer_tls_;
  if (config.api_tls) {
    ASSIGN_OR_RETURN(auto api_tls,
                     crypto::TlsContext::Server(s.keys.tls_cert_pem, key_pem, nullptr));
    node->api_tls_ = std::make_shared<TlsContextSlot>(std::move(api_tls));
  }
  std::fill(key_pem.begin(), key_pem.end(), '\0');
  s.config = std::move(config);
  node->BuildQueryServices();
  RETURN_IF_ERROR(node->BuildServers());
  return node;
}

Node::~Node() { Stop(); }

HttpServerOptions Node::ServerOptions(const std::string& name,
                                      const config::ListenAddress& at) const {
  const config::Limits& l = s_->config.limits;
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

void Node::BuildQueryServices() {
  NodeServices& s = *s_;
  s.transport = std::make_unique<PeerClientTransport>(s.peer_clients.get());
  auto self = [&s](const std::string& envelope, const std::string& traceparent) {
    federation::PeerRequestInfo info;
    if (auto parent = ParseTraceparent(traceparent)) {
      info.trace_id = parent->trace_id;
      info.foreign_operation_id = parent->span_id;
    }
    return s.peer_service->HandleOwnQuery(envelope, info);
  };
  s.coordinator = std::make_unique<federation::Coordinator>(
      s.peers.get(), s.signer.get(), s.transport.get(), self, s.clock, s.rng,
      s.config.federation.max_concurrency, s.config.protocol.max_query_lifetime_s);
}

Status Node::BuildServers() {
  NodeServices& s = *s_;
  HttpServerOptions peer_opts = ServerOptions("peer", s.config.peer_listen);
  peer_opts.tls = peer_tls_;
  peer_opts.on_tls_refusal = [](const std::string& remote, const std::string& reason) {
    common::LogDebug("peer", "TLS handshake from " + remote + " refused: " + reason);
  };
  peer_ = std::make_unique<HttpServer>(peer_opts, &s.metrics);
  HttpServerOptions api_opts = ServerOptions("api", s.config.api_listen);
  api_opts.tls = api_tls_;
  api_ = std::make_unique<HttpServer>(api_opts, &s.metrics);
  Endpoints api(&api_->router(), s.tokens.get());
  RegisterSystemRoutes(s, api);
  RegisterPeerAdminRoutes(s, api);
  RegisterAuditRoutes(s, api);
  RegisterPolicyRoutes(s, api);
  RegisterQueryRoutes(s, api);
  RegisterDatasetRoutes(s, api);
  RegisterPrivacyRoutes(s, api);
  Endpoints peer(&peer_->router(), nullptr);
  RegisterPeerProtocolRoutes(s, peer);
  s.metrics.Gauge("verbind_resident_memory_bytes", "Resident set size of the node process",
                  [] { return ResidentBytes(); });
  s.metrics.Gauge("verbind_peers", "Peers in the trust store",
                  [&s] { return static_cast<double>(s.peers->snapshot()->by_org.size()); });
  s.metrics.Gauge("verbind_open_connections", "Open connections on both listeners", [this] {
    return static_cast<double>(peer_->active_connections() + api_->active_connections());
  });
  s.metrics.Gauge("verbind_scan_cache_hits", "Answers whose scan came from the scan cache",
                  [&s] { return static_cast<double>(s.scan_cache->hits()); });
  s.metrics.Gauge("verbind_scan_cache_misses", "Answers that scanned the dataset (cache on)",
                  [&s] { return static_cast<double>(s.scan_cache->misses()); });
  return Status::Ok();
}

Status Node::Start() {
  NodeServices& s = *s_;
  Status bound = peer_->Bind();
  if (!bound.ok()) return bound.WithContext(s.config.Where("peer.listen") + ": [peer] listen");
  bound = api_->Bind();
  if (!bound.ok()) return bound.WithContext(s.config.Where("api.listen") + ": [api] listen");
  s.peer_url = s.config.peer_url;
  // A configured port of 0 means "the port the listener bound" (tests, demos).
  if (common::StartsWith(s.peer_url, "https://") && s.peer_url.size() > 2 &&
      s.peer_url.substr(s.peer_url.size() - 2) == ":0") {
    s.peer_url = s.peer_url.substr(0, s.peer_url.size() - 1) + std::to_string(peer_->port());
  }
  peer_->Start();
  api_->Start();
  started_ = true;
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  RETURN_IF_ERROR(WriteRunFiles());
  common::LogInfo("node", s.config.org_id + " serving: peer listener " + s.config.peer_listen.host +
                              ":" + std::to_string(peer_->port()) + ", local API " +
                              s.config.api_listen.host + ":" + std::to_string(api_->port()));
  return Status::Ok();
}

Status Node::WriteRunFiles() {
  NodeServices& s = *s_;
  std::string run = s.config.dir + "/run";
  RETURN_IF_ERROR(common::MakeDir(run, 0700));
  std::string api_host = s.config.api_listen.host;
  if (api_host == "0.0.0.0") api_host = "127.0.0.1";
  if (api_host == "::") api_host = "::1";
  if (api_host.find(':') != std::string::npos) api_host = "[" + api_host + "]";
  std::string api_url = std::string(api_tls_ ? "https://" : "http://") + api_host + ":" +
                        std::to_string(api_->port());
  std::string endpoints = "{\"pid\":" + std::to_string(::getpid()) +
                          ",\"api_url\":" + common::JsonQuote(api_url) +
                          ",\"peer_url\":" + common::JsonQuote(s.peer_url) +
                          ",\"peer_port\":" + std::to_string(peer_->port()) +
                          ",\"api_port\":" + std::to_string(api_->port()) + "}\n";
  std::string token = NewToken(*s.rng);
  s.tokens->AddEphemeral(token, "cli", Role::kAdmin);
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
  s_->runs.WaitForBackground();
  s_->audit->Close();
  ::unlink((s_->config.dir + "/run/endpoints.json").c_str());
  ::unlink((s_->config.dir + "/run/cli.token").c_str());
  common::LogInfo("node", s_->config.org_id + " stopped");
}

void Node::MaintenanceLoop() {
  std::unique_lock<std::mutex> lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, std::chrono::seconds(30), [this] { return stopping_; })) {
    lock.unlock();
    auto purged = s_->nonces->Purge(s_->clock->NowSeconds());
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
              (*node)->services().config.org_id.c_str(), (*node)->peer_port(), (*node)->api_port());
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
