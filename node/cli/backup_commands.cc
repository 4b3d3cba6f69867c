// `verbind backup`, `backup verify`, `backup key` and `verbind restore`: encrypted, authenticated
// backups of a node folder taken while the node serves, and restores into a new folder
// (docs/operations.md, "Backup and restore").
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "common/files.h"
#include "node/cli/internal/backup_archive.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

struct SecretFlags {
  std::string key_file;
  std::string passphrase_env;
};

void AddSecretFlags(CLI::App* cmd, SecretFlags* f) {
  cmd->add_option("--key-file", f->key_file,
                  "Key file (from `verbind backup key`), kept apart from the backups");
  cmd->add_option("--passphrase-env", f->passphrase_env,
                  "Name of an environment variable holding a passphrase (12+ characters)");
}

Result<BackupSecret> SecretOf(const SecretFlags& f) {
  if (f.key_file.empty() == f.passphrase_env.empty()) {
    return common::InvalidArgument("give --key-file FILE or --passphrase-env VAR");
  }
  BackupSecret s;
  if (!f.key_file.empty()) {
    ASSIGN_OR_RETURN(s.key, ReadBackupKeyFile(f.key_file));
    return s;
  }
  const char* p = std::getenv(f.passphrase_env.c_str());
  if (!p || !*p) return common::InvalidArgument("the variable " + f.passphrase_env + " is empty");
  s.passphrase = p;
  return s;
}

// Regular files under `root` (relative paths), leaving out the names in `skip` at the top.
Result<std::vector<BackupEntry>> FilesUnder(const std::string& root, const std::string& prefix,
                                            const std::vector<std::string>& skip) {
  std::vector<BackupEntry> out;
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(root, ec), end;
  if (ec) return common::Unavailable("cannot read " + root + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return common::Unavailable("cannot read " + root + ": " + ec.message());
    std::string rel = std::filesystem::relative(it->path(), root).generic_string();
    std::string top = rel.substr(0, rel.find('/'));
    if (std::find(skip.begin(), skip.end(), top) != skip.end()) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    auto perms = std::filesystem::status(it->path()).permissions();
    out.push_back({prefix + rel, it->path().string(), static_cast<uint32_t>(perms) & 0777});
  }
  return out;
}

Status Backup(ApiCaller& api, const std::string& out, const BackupSecret& secret) {
  ASSIGN_OR_RETURN(json cp, api.Call("POST", "/v1/backup/checkpoint"));
  std::string checkpoint = cp["checkpoint"];
  std::string node_dir = cp["node_dir"];
  std::string data_dir = cp["data_dir"];
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{checkpoint};
  std::string data_rel = std::filesystem::relative(data_dir, node_dir).generic_string();
  ASSIGN_OR_RETURN(auto entries, FilesUnder(node_dir, "", {"run", "backups", data_rel}));
  ASSIGN_OR_RETURN(auto data, FilesUnder(checkpoint, "data/", {}));
  entries.insert(entries.end(), data.begin(), data.end());
  json manifest = {{"verbind_backup", 1},
                   {"org_id", cp["org_id"]},
                   {"created_at", cp["created_at"]},
                   {"audit_head", cp["audit_head"]},
                   {"data_dir", data_rel}};
  RETURN_IF_ERROR(WriteBackup(out, manifest, entries, secret));
  std::printf("backup of %s written to %s: %zu files, audit log at entry %s\n",
              cp["org_id"].get<std::string>().c_str(), out.c_str(), entries.size(),
              cp["audit_head"]["seq"].dump().c_str());
  return Status::Ok();
}

void PrintContents(const BackupContents& c) {
  std::printf("backup of %s made %s: %zu files, %llu bytes, audit log at entry %s\n",
              c.manifest.value("org_id", "?").c_str(), c.manifest.value("created_at", "?").c_str(),
              c.files.size(), static_cast<unsigned long long>(c.bytes),
              c.manifest.contains("audit_head") ? c.manifest["audit_head"]["seq"].dump().c_str()
                                                : "?");
}

}  // namespace

void AddBackupCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* backup = app.add_subcommand(
      "backup", "Back up a running node (encrypted, authenticated) or check a backup");
  backup->require_subcommand(0, 1);
  auto node_dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto secret = std::make_shared<SecretFlags>();
  backup->add_option("NODE_DIR", *node_dir, "The node folder (the node must be running)");
  backup->add_option("--out", *out, "The backup file to write (not overwritten)");
  AddSecretFlags(backup, secret.get());
  backup->callback([=] {
    if (backup->get_subcommands().size() > 0) return;
    *action = [=] {
      if (node_dir->empty() || out->empty()) {
        return Report(common::InvalidArgument("give NODE_DIR and --out FILE"));
      }
      auto s = SecretOf(*secret);
      if (!s.ok()) return Report(s.status());
      CliGlobals globals = *g;
      globals.node_dir = *node_dir;
      return WithApi(globals, [&](ApiCaller& api) { return Backup(api, *out, *s); });
    };
  });
  auto key_out = std::make_shared<std::string>();
  auto* key = backup->add_subcommand("key", "Write a new random backup key file (mode 0600)");
  key->add_option("--out", *key_out, "The key file to write (not overwritten)")->required();
  key->callback([=] {
    *action = [=] {
      Status written = common::WriteFileAtomic(*key_out, NewBackupKeyFile(), 0600, false);
      if (!written.ok()) return Report(written);
      std::printf("backup key written to %s: keep it apart from the backups\n", key_out->c_str());
      return 0;
    };
  });
  auto file = std::make_shared<std::string>();
  auto verify_secret = std::make_shared<SecretFlags>();
  auto* verify = backup->add_subcommand("verify", "Decrypt and check a whole backup file");
  verify->add_option("FILE", *file, "The backup file")->required();
  AddSecretFlags(verify, verify_secret.get());
  verify->callback([=] {
    *action = [=] {
      auto s = SecretOf(*verify_secret);
      if (!s.ok()) return Report(s.status());
      auto contents = ReadBackup(*file, *s);
      if (!contents.ok()) {
        std::fprintf(stderr, "verbind: backup INVALID: %s\n",
                     contents.status().message().c_str());
        return 1;
      }
      PrintContents(*contents);
      std::printf("backup valid\n");
      return 0;
    };
  });
  auto restore_file = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto restore_secret = std::make_shared<SecretFlags>();
  auto* restore = app.add_subcommand("restore", "Restore a backup into a new node folder");
  restore->add_option("FILE", *restore_file, "The backup file")->required();
  restore->add_option("--to", *to, "The new node folder (must not exist)")->required();
  AddSecretFlags(restore, restore_secret.get());
  restore->callback([=] {
    *action = [=] {
      auto s = SecretOf(*restore_secret);
      if (!s.ok()) return Report(s.status());
      auto contents = ReadBackup(*restore_file, *s, *to);
      if (!contents.ok()) {
        std::fprintf(stderr, "verbind: restore refused, nothing written: %s\n",
                     contents.status().message().c_str());
        return 1;
      }
      PrintContents(*contents);
      std::printf("restored into %s; start it with: verbind serve %s\n", to->c_str(),
                  to->c_str());
      return 0;
    };
  });
}

}  // namespace verbind::node
