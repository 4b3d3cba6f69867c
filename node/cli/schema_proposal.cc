#include "node/cli/internal/schema_proposal.h"

#include "common/files.h"
#include "storage/schema_inference.h"

namespace verbind::node {

using common::Result;

namespace {

// Infers from the file's first kInferMaxBytes; `*whole` says whether that was all of it.
Result<storage::InferredSchema> Infer(const ProposalOptions& o, bool* whole) {
  ASSIGN_OR_RETURN(std::string text,
                   common::ReadFilePrefix(o.csv_path, storage::kInferMaxBytes, whole));
  if (o.encoding != common::Charset::kUtf8) {
    auto utf8 = common::ToUtf8(o.encoding, text);
    if (!utf8.ok()) return utf8.status().WithContext(o.csv_path);
    text = std::move(utf8).value();
  }
  storage::InferOptions options;
  options.truncated = !*whole;
  options.null_tokens = o.null_tokens;
  auto inferred = storage::InferSchemaFromCsv(text, options);
  if (!inferred.ok()) return inferred.status().WithContext(o.csv_path);
  return inferred;
}

std::string Comment(const std::string& line) { return "# " + line + "\n"; }

// How the file was read, and how much of it.
std::string DescribeReading(const ProposalOptions& o, const storage::InferredSchema& in,
                            bool whole) {
  const storage::CsvFormat& csv = in.csv;
  std::string read = "Read " + o.csv_path + " with delimiter " +
                     storage::DescribeCsvDelimiter(csv.delimiter) + " (detected)";
  if (o.encoding != common::Charset::kUtf8) {
    read += ", converted from " + std::string(common::CharsetName(o.encoding));
  }
  if (csv.decimal_comma) read += ", decimal comma (detected)";
  if (!csv.null_tokens.empty()) {
    read += ", missing values written";
    for (const std::string& t : csv.null_tokens) read += " " + t;
  }
  std::string sample =
      "Sampled " + std::to_string(in.rows) + " data rows: " +
      (in.row_limit_reached ? "the first " + std::to_string(in.rows) + " (the most inference reads)"
       : whole              ? "the whole file"
               : "the first " + std::to_string(storage::kInferMaxBytes >> 20) + " MiB of the file");
  if (in.rows_left_out > 0) {
    sample += "; " + std::to_string(in.rows_left_out) +
              " rows left out (a syntax error or the wrong number of fields)";
  }
  return Comment(read) + Comment(sample);
}

// The ingest command that reads the file as inference did; NULL tokens come from the schema.
std::string IngestHint(const ProposalOptions& o, const storage::CsvFormat& csv) {
  std::string options = csv.delimiter == '\t' ? "--delimiter tab"
                                              : std::string("--delimiter '") + csv.delimiter + "'";
  if (o.encoding != common::Charset::kUtf8) {
    options += " --encoding " + std::string(common::CharsetName(o.encoding));
  }
  if (csv.decimal_comma) options += " --decimal-comma";
  std::string hint = Comment("Ingest with: verbind dataset ingest " + o.dataset + " " + o.csv_path +
                             " " + options);
  if (!csv.null_tokens.empty()) {
    hint += Comment("(ingest reads the schema's null_tokens as missing unless --null is given)");
  }
  return hint;
}

}  // namespace

Result<SchemaProposal> ProposeSchema(const ProposalOptions& o) {
  bool whole = true;
  ASSIGN_OR_RETURN(storage::InferredSchema in, Infer(o, &whole));
  std::string toml = Comment("A schema proposed from " + o.csv_path +
                             ": review each choice and its evidence before creating the dataset.");
  toml += DescribeReading(o, in, whole);
  for (const std::string& note : in.notes) toml += Comment(note);
  toml += IngestHint(o, in.csv);
  toml += config::RenderSchemaToml(in.schema, in.field_notes);
  return SchemaProposal{std::move(in.schema), std::move(toml)};
}

}  // namespace verbind::node
