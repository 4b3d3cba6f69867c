// The schema proposal of `verbind dataset create --infer-from`: the CSV file is read (at most
// its first storage::kInferMaxBytes, converted to UTF-8), a schema inferred, and rendered as a
// TOML schema file for review whose comments say how the file was read and give the evidence
// for each choice (docs/datasets.md, "Inferring a schema"). Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/charset.h"
#include "common/status.h"
#include "config/schema.h"

namespace verbind::node {

struct ProposalOptions {
  std::string dataset;  // the name the ingest hint uses
  std::string csv_path;
  common::Charset encoding = common::Charset::kUtf8;
  std::optional<std::vector<std::string>> null_tokens;  // --null: instead of detected words
};

struct SchemaProposal {
  config::Schema schema;
  std::string toml;  // the schema file with its comments
};

common::Result<SchemaProposal> ProposeSchema(const ProposalOptions& o);

}  // namespace verbind::node
