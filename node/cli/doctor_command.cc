// `verbind doctor [NODE_DIR]`: checks what an administrator must keep right (docs/operations.md,
// "Doctor"): the configuration, file modes, free disk, certificate and key age, that the node
// serves and its database answers, the audit chain, and each active peer over mutual TLS with
// its clock. Prints what is wrong and how to fix it; exit status 1 when something needs action.
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstdio>
#include <cstdlib>

#include "common/clock.h"
#include "common/files.h"
#include "config/node_config.h"
#include "crypto/certificate.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using nlohmann::json;

namespace {

constexpr int64_t kDayMs = 86'400'000;

struct Check {
  std::string name, status, detail, fix;  // status: ok, warn, fail
};

class Doctor {
 public:
  void Add(std::string name, std::string status, std::string detail, std::string fix = "") {
    checks_.push_back({std::move(name), std::move(status), std::move(detail), std::move(fix)});
  }
  const std::vector<Check>& checks() const { return checks_; }
  bool NeedsAction() const {
    for (const auto& c : checks_) {
      if (c.status != "ok") return true;
    }
    return false;
  }

 private:
  std::vector<Check> checks_;
};

void CheckModes(const config::NodeConfig& c, Doctor& d) {
  std::vector<std::string> secret = {c.signing_key_path, c.x25519_key_path, c.tls_key_path,
                                     c.tokens_path};
  if (common::PathExists(c.data_key_path)) secret.push_back(c.data_key_path);
  std::string loose;
  for (const auto& path : secret) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
      d.Add("file modes", "fail", path + " is missing", "restore it from a backup");
      return;
    }
    if ((st.st_mode & 077) != 0) loose += (loose.empty() ? "" : " ") + path;
  }
  if (!loose.empty()) {
    d.Add("file modes", "fail", "readable by others than the node's user: " + loose,
          "chmod 600 " + loose);
  } else {
    d.Add("file modes", "ok", "keys and tokens are mode 0600");
  }
}

void CheckDisk(const config::NodeConfig& c, Doctor& d) {
  struct statvfs fs{};
  if (::statvfs(c.data_dir.c_str(), &fs) != 0) {
    d.Add("free disk", "fail", "cannot read the file system of " + c.data_dir);
    return;
  }
  double free_bytes = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
  double share = fs.f_blocks ? static_cast<double>(fs.f_bavail) / static_cast<double>(fs.f_blocks)
                             : 0;
  char detail[160];
  std::snprintf(detail, sizeof detail, "%.1f GiB free (%.0f%%) for %s", free_bytes / (1 << 30),
                share * 100, c.data_dir.c_str());
  std::string status = free_bytes < (1 << 30) || share < 0.05 ? "fail"
                       : share < 0.15                          ? "warn"
                                                               : "ok";
  d.Add("free disk", status, detail,
        status == "ok" ? "" : "free space or move node.data_dir: ingest and the audit log need it");
}

void CheckCertificate(const config::NodeConfig& c, int64_t now_ms, Doctor& d) {
  auto pem = common::ReadFile(c.tls_cert_path);
  common::Result<crypto::CertificateInfo> info =
      pem.ok() ? crypto::InspectCertificate(*pem) : common::Result<crypto::CertificateInfo>(pem.status());
  if (!info.ok()) {
    d.Add("certificate", "fail", c.tls_cert_path + ": " + info.status().message(),
          "verbind keys rotate --tls");
    return;
  }
  int64_t days = (info->not_after_ms - now_ms) / kDayMs;
  std::string detail = "TLS certificate valid until " + common::FormatRfc3339(info->not_after_ms) +
                       " (" + std::to_string(days) + " days)";
  if (days < 0) {
    d.Add("certificate", "fail", detail + ": expired", "verbind keys rotate --tls");
  } else if (days < 30) {
    d.Add("certificate", "warn", detail, "verbind keys rotate --tls (peers are told the new one)");
  } else {
    d.Add("certificate", "ok", detail);
  }
  struct stat st{};
  if (::stat(c.signing_key_path.c_str(), &st) == 0) {
    int64_t age = (now_ms / 1000 - st.st_mtime) / 86400;
    if (age > 365) {
      d.Add("signing key age", "warn", "the signing key is " + std::to_string(age) + " days old",
            "verbind keys rotate");
    } else {
      d.Add("signing key age", "ok", "the signing key is " + std::to_string(age) + " days old");
    }
  }
}

void CheckRunning(const CliGlobals& g, int clock_skew_s, Doctor& d) {
  auto api = ApiCaller::Connect(g);
  if (!api.ok()) {
    d.Add("node", "fail", api.status().message(), "verbind serve " + g.node_dir);
    return;
  }
  auto ready = (*api)->Raw("GET", "/readyz", "", "");
  if (!ready.ok() || ready->status != 200) {
    d.Add("node", "fail",
          "the node does not answer /readyz (its database cannot be read): " +
              (ready.ok() ? ready->body.substr(0, 200) : ready.status().message()),
          "read serve.log; restore from a backup if the database is damaged");
    return;
  }
  d.Add("node", "ok", "serving; the database answers");
  auto audit = (*api)->Call("GET", "/v1/audit/verify");
  if (!audit.ok() || !(*audit).value("ok", false)) {
    d.Add("audit chain", "fail",
          audit.ok() ? "broken at entry " + (*audit)["first_bad_seq"].dump() + ": " +
                           (*audit).value("problem", "")
                     : audit.status().message(),
          "keep the node folder as evidence; see docs/audit.md");
  } else {
    d.Add("audit chain", "ok", (*audit)["entries"].dump() + " entries and " +
                                   (*audit)["checkpoints"].dump() + " signed checkpoints verify");
  }
  auto peers = (*api)->Call("GET", "/v1/peers");
  if (!peers.ok()) return;
  for (const auto& p : (*peers)["peers"]) {
    if (p.value("status", "") != "active") continue;
    std::string org = p.value("org_id", "");
    auto check = (*api)->Call("POST", "/v1/peers/" + org + "/check");
    std::string name = "peer " + org;
    if (!check.ok() || !(*check).value("reachable", false)) {
      d.Add(name, "fail",
            "not reachable: " + (check.ok() ? (*check).value("error", "") : check.status().message()),
            "check its address (verbind peer show " + org + ") and the network");
      continue;
    }
    if (!(*check).value("identity_matches_pinned", false)) {
      d.Add(name, "fail", "its identity does not match what is pinned",
            "ask it for its identity document and verbind peer update " + org + " FILE");
      continue;
    }
    if (check->contains("clock_skew_s")) {
      int64_t skew = (*check)["clock_skew_s"];
      std::string detail = "reachable over mutual TLS; its clock is " + std::to_string(skew) +
                           " s from this node's";
      if (std::llabs(skew) > clock_skew_s) {
        d.Add(name, "fail", detail + " (queries are refused beyond " +
                                std::to_string(clock_skew_s) + " s)",
              "synchronise both clocks with NTP");
      } else if (std::llabs(skew) > clock_skew_s / 2) {
        d.Add(name, "warn", detail, "synchronise both clocks with NTP");
      } else {
        d.Add(name, "ok", detail);
      }
    } else {
      d.Add(name, "ok", "reachable over mutual TLS");
    }
  }
}

}  // namespace

void AddDoctorCommand(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto dir = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  auto* cmd = app.add_subcommand("doctor", "Check a node and say what needs action");
  cmd->add_option("NODE_DIR", *dir, "The node folder (default: --node)");
  cmd->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([=] {
    *action = [=] {
      CliGlobals globals = *g;
      if (!dir->empty()) globals.node_dir = *dir;
      if (globals.node_dir.empty()) {
        return Report(common::InvalidArgument("give NODE_DIR or --node"));
      }
      Doctor d;
      auto config = config::LoadNodeConfig(globals.node_dir,
                                           [](const char* n) { return std::getenv(n); });
      if (!config.ok()) {
        d.Add("configuration", "fail", config.status().message(), "fix verbind.toml");
      } else {
        d.Add("configuration", "ok", config->config_path + " is valid");
        int64_t now = common::RealClock::Get().NowMillis();
        CheckModes(*config, d);
        CheckDisk(*config, d);
        CheckCertificate(*config, now, d);
        CheckRunning(globals, config->protocol.clock_skew_s, d);
      }
      if (*format == "json" || g->json) {
        json out = json::array();
        for (const auto& c : d.checks()) {
          out.push_back({{"check", c.name}, {"status", c.status}, {"detail", c.detail},
                         {"fix", c.fix}});
        }
        std::printf("%s\n", json{{"checks", out}, {"needs_action", d.NeedsAction()}}.dump(2).c_str());
      } else {
        for (const auto& c : d.checks()) {
          std::printf("%-4s  %-16s %s\n", c.status.c_str(), c.name.c_str(), c.detail.c_str());
          if (!c.fix.empty()) std::printf("      %-16s fix: %s\n", "", c.fix.c_str());
        }
        std::printf("%s\n", d.NeedsAction() ? "something needs action" : "all checks passed");
      }
      return d.NeedsAction() ? 1 : 0;
    };
  });
}

}  // namespace verbind::node
