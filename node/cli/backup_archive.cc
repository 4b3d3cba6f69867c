#include "node/cli/internal/backup_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/secretstream.h"
#include "crypto/system_random.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr std::string_view kMagic = "VRBKUP01";
constexpr size_t kPrefixBytes = 8 + 1 + crypto::kPassphraseSaltBytes;
constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kMaxMessageBytes = kChunkBytes + 64 * 1024;

Result<crypto::SecretBytes> KeyOf(const BackupSecret& secret, char kind, std::string_view salt) {
  if (kind == 'K') {
    if (secret.key.size() != crypto::kStreamKeyBytes) {
      return common::InvalidArgument("this backup was made with a key file: give --key-file");
    }
    return crypto::SecretBytes(common::AsBytes(secret.key));
  }
  if (secret.passphrase.empty()) {
    return common::InvalidArgument("this backup was made with a passphrase: give --passphrase-env");
  }
  return crypto::KeyFromPassphrase(secret.passphrase, common::AsBytes(salt));
}

std::string U32(size_t n) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  return out;
}

// A relative path of plain components only: no "..", no absolute paths, nothing odd.
bool SafePath(const std::string& p) {
  if (p.empty() || p.size() > 1024 || p.front() == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

Status SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return common::Unavailable("cannot open " + path + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : common::Unavailable("cannot sync " + path);
}

}  // namespace

Status WriteBackup(const std::string& out, const json& manifest,
                   const std::vector<BackupEntry>& entries, const BackupSecret& secret) {
  if (common::PathExists(out)) return common::AlreadyExists(out + " exists; choose a new name");
  std::string prefix(kMagic);
  std::string salt(crypto::kPassphraseSaltBytes, '\0');
  char kind = secret.key.empty() ? 'P' : 'K';
  if (kind == 'P') {
    crypto::SystemRandom::Get().Fill(
        std::span<uint8_t>(reinterpret_cast<uint8_t*>(salt.data()), salt.size()));
  }
  prefix += kind;
  prefix += salt;
  ASSIGN_OR_RETURN(crypto::SecretBytes key, KeyOf(secret, kind, salt));
  ASSIGN_OR_RETURN(auto sealer, crypto::StreamSealer::Start(key.span()));
  std::string partial = out + ".partial";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) return common::Unavailable("cannot write " + partial);
  ::chmod(partial.c_str(), 0600);
  file << prefix << sealer->header();
  auto put = [&](char type, std::string_view payload, bool final = false) {
    std::string message(1, type);
    message.append(payload);
    std::string sealed = sealer->Push(message, prefix, final);
    file << U32(sealed.size()) << sealed;
  };
  put('M', manifest.dump());
  uint64_t bytes = 0;
  std::string buffer(kChunkBytes, '\0');
  for (const BackupEntry& e : entries) {
    std::ifstream in(e.source, std::ios::binary);
    if (!in) return common::Unavailable("cannot read " + e.source);
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(e.source, ec);
    if (ec) return common::Unavailable("cannot read the size of " + e.source);
    put('F', json{{"path", e.path}, {"mode", e.mode & 0777}, {"size", size}}.dump());
    uint64_t left = size;
    while (left > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, kChunkBytes));
      if (!in.read(buffer.data(), static_cast<std::streamsize>(n))) {
        return common::Unavailable(e.source + " changed while it was read");
      }
      put('D', std::string_view(buffer.data(), n));
      left -= n;
    }
    bytes += size;
  }
  put('E', json{{"files", entries.size()}, {"bytes", bytes}}.dump(), /*final=*/true);
  file.close();
  if (!file) return common::Unavailable("cannot write " + partial + " (disk full?)");
  RETURN_IF_ERROR(SyncFile(partial));
  if (std::rename(partial.c_str(), out.c_str()) != 0) {
    return common::Unavailable("cannot rename " + partial + " to " + out);
  }
  return Status::Ok();
}

namespace {

Result<BackupContents> Read(const std::string& path, const BackupSecret& secret,
                            const std::string& restore_to) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::NotFound("cannot read " + path);
  std::string head(kPrefixBytes + crypto::kStreamHeaderBytes, '\0');
  if (!in.read(head.data(), static_cast<std::streamsize>(head.size())) ||
      head.substr(0, kMagic.size()) != kMagic || (head[8] != 'K' && head[8] != 'P')) {
    return common::InvalidArgument(path + " is not a verbind backup");
  }
  std::string prefix = head.substr(0, kPrefixBytes);
  ASSIGN_OR_RETURN(crypto::SecretBytes key, KeyOf(secret, head[8], prefix.substr(9)));
  ASSIGN_OR_RETURN(auto opener,
                   crypto::StreamOpener::Start(key.span(), head.substr(kPrefixBytes)));
  std::string target = restore_to.empty() ? "" : restore_to + ".partial";
  if (!restore_to.empty()) {
    if (common::PathExists(restore_to)) {
      return common::AlreadyExists(restore_to + " exists: restore into a new folder");
    }
    std::error_code ec;
    std::filesystem::remove_all(target, ec);
    RETURN_IF_ERROR(common::MakeDir(target, 0700));
  }
  BackupContents out;
  bool ended = false, first = true;
  std::ofstream file;
  uint64_t file_left = 0;
  for (uint64_t index = 0;; ++index) {
    char len_bytes[4];
    if (!in.read(len_bytes, 4)) {
      if (in.gcount() == 0 && ended) break;
      return common::DataLoss(path + " is truncated: it ends before the backup's last message");
    }
    if (ended) return common::DataLoss(path + " has data after the backup's last message");
    size_t len = 0;
    for (char c : len_bytes) len = (len << 8) | static_cast<unsigned char>(c);
    if (len > kMaxMessageBytes) return common::DataLoss(path + " is damaged (a bad length)");
    std::string sealed(len, '\0');
    if (!in.read(sealed.data(), static_cast<std::streamsize>(len))) {
      return common::DataLoss(path + " is truncated in message " + std::to_string(index));
    }
    bool final = false;
    auto message = opener->Pull(sealed, prefix, &final);
    if (!message.ok()) {
      return common::DataLoss(path + ": message " + std::to_string(index) +
                              (first ? " does not authenticate: a wrong key, or the file was changed"
                                     : " does not authenticate: the file was changed"));
    }
    first = false;
    if (message->empty()) return common::DataLoss(path + " is damaged (an empty message)");
    char type = (*message)[0];
    std::string_view payload = std::string_view(*message).substr(1);
    if ((type == 'E') != final) return common::DataLoss(path + " is damaged (misplaced end)");
    if (index == 0 && type != 'M') return common::DataLoss(path + " has no manifest");
    if (file_left > 0 && type != 'D') return common::DataLoss(path + " has a file cut short");
    if (type == 'M') {
      out.manifest = json::parse(payload, nullptr, false);
    } else if (type == 'F') {
      json f = json::parse(payload, nullptr, false);
      if (!f.is_object() || !f["path"].is_string() || !f["size"].is_number_unsigned() ||
          !f["mode"].is_number_unsigned() || !SafePath(f["path"].get<std::string>())) {
        return common::DataLoss(path + " names a file it may not write");
      }
      std::string rel = f["path"];
      file_left = f["size"];
      out.files.emplace_back(rel, file_left);
      out.bytes += file_left;
      if (!target.empty()) {
        std::filesystem::path dest = std::filesystem::path(target) / rel;
        std::error_code ec;
        std::filesystem::create_directories(dest.parent_path(), ec);
        file.close();
        file.clear();
        file.open(dest, std::ios::binary | std::ios::trunc);
        if (!file) return common::Unavailable("cannot write " + dest.string());
        ::chmod(dest.c_str(), f["mode"].get<uint32_t>() & 0777);
      }
    } else if (type == 'D') {
      if (payload.size() > file_left) return common::DataLoss(path + " has a file too long");
      file_left -= payload.size();
      if (file.is_open()) file.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    } else if (type == 'E') {
      json e = json::parse(payload, nullptr, false);
      if (!e.is_object() || e.value("files", uint64_t{0}) != out.files.size() ||
          e.value("bytes", uint64_t{0}) != out.bytes) {
        return common::DataLoss(path + ": the end does not match the files read");
      }
      ended = true;
    } else {
      return common::DataLoss(path + " is damaged (an unknown message)");
    }
  }
  if (file.is_open()) {
    file.close();
    if (!file) return common::Unavailable("cannot write the restored files (disk full?)");
  }
  if (!target.empty() && std::rename(target.c_str(), restore_to.c_str()) != 0) {
    return common::Unavailable("cannot rename " + target + " to " + restore_to);
  }
  return out;
}

}  // namespace

Result<BackupContents> ReadBackup(const std::string& path, const BackupSecret& secret,
                                  const std::string& restore_to) {
  auto out = Read(path, secret, restore_to);
  if (!out.ok() && !restore_to.empty() && out.status().code() != common::StatusCode::kAlreadyExists) {
    std::error_code ec;
    std::filesystem::remove_all(restore_to + ".partial", ec);  // nothing of a refused restore stays
  }
  return out;
}

std::string NewBackupKeyFile() {
  uint8_t key[crypto::kStreamKeyBytes];
  crypto::SystemRandom::Get().Fill(key);
  return common::Base64UrlEncode(key) + "\n";
}

Result<std::string> ReadBackupKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, common::ReadFile(path, 4096));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = common::Base64UrlDecode(text);
  if (!key.ok() || key->size() != crypto::kStreamKeyBytes) {
    return common::InvalidArgument(path + " is not a backup key file (base64url of 32 bytes)");
  }
  return std::string(common::AsChars(*key));
}

}  // namespace verbind::node
