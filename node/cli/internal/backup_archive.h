// The backup file (docs/operations.md, "Backup and restore"): a node folder's files and a
// RocksDB checkpoint of its database, in one stream encrypted and authenticated with libsodium's
// secretstream under a key the administrator keeps apart from the backup (a key file, or a
// passphrase through Argon2id). Layout:
//
//   "VRBKUP01" | kind ('K' key file, 'P' passphrase) | salt (16) | stream header (24)
//   then messages, each: length (4 bytes, big-endian) | sealed message
//
// Every message authenticates the first 25 bytes as associated data. Messages in order: 'M' +
// manifest JSON; per file 'F' + {"path", "mode", "size"} then 'D' + data (up to 1 MiB each);
// 'E' + {"files", "bytes"}, the only message marked final. A changed byte, a wrong key, a
// reordered or missing message and a cut-off file are all refused. Thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace verbind::node {

// How the backup's key is given: a key file's 32 bytes, or a passphrase.
struct BackupSecret {
  std::string key;         // 32 raw bytes, or empty
  std::string passphrase;  // or this
};

struct BackupEntry {
  std::string path;    // in the backup: relative, '/'-separated
  std::string source;  // the file to read when writing
  uint32_t mode = 0600;
};

// Writes `entries` with `manifest` to `out` (through out + ".partial", synced, then renamed: a
// killed backup never leaves a file that looks complete). Refuses to overwrite `out`.
common::Status WriteBackup(const std::string& out, const nlohmann::json& manifest,
                           const std::vector<BackupEntry>& entries, const BackupSecret& secret);

struct BackupContents {
  nlohmann::json manifest;
  std::vector<std::pair<std::string, uint64_t>> files;  // path, size
  uint64_t bytes = 0;
};

// Reads and checks the whole backup; with `restore_to`, also writes its files there (a folder
// that must not exist yet: written as restore_to + ".partial", then renamed when the backup
// checked out to its end).
common::Result<BackupContents> ReadBackup(const std::string& path, const BackupSecret& secret,
                                          const std::string& restore_to = "");

// A new random key file's contents (base64url of 32 bytes, newline) and reading one.
std::string NewBackupKeyFile();
common::Result<std::string> ReadBackupKeyFile(const std::string& path);

}  // namespace verbind::node
