// DefinitionStore: the signed dataset definitions this node published or adopted
// (docs/datasets.md, "Shared definitions"), kept as the signed documents they arrived as, by
// publisher, name and version. The store does not read the documents: the federation layer
// verifies them before they are put. A version, once stored, never changes. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/database.h"

namespace verbind::storage {

struct StoredDefinition {
  std::string publisher;
  std::string name;
  int64_t version = 0;
  std::string document;  // the signed envelope (wire form)
};

class DefinitionStore {
 public:
  explicit DefinitionStore(Database* db) : db_(db) {}

  // Stores a version. AlreadyExists when that version is stored with other bytes (a
  // publisher never signs two documents for one version); Ok when the same bytes are.
  common::Status Put(const StoredDefinition& d);
  common::Result<std::optional<StoredDefinition>> Get(const std::string& publisher,
                                                      const std::string& name,
                                                      int64_t version) const;
  // The highest stored version of publisher/name.
  common::Result<std::optional<StoredDefinition>> Latest(const std::string& publisher,
                                                         const std::string& name) const;
  // Every stored definition, by publisher, name and version.
  common::Result<std::vector<StoredDefinition>> List() const;

 private:
  Database* db_;
  std::mutex mu_;  // serialises Put's check-then-write
};

}  // namespace verbind::storage
