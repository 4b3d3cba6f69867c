// `verbind dataset ...`: create (from a schema file, or inferred from a CSV), list, describe,
// drop, ingest and erase, as a client of the local API (docs/datasets.md).
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/charset.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/strings.h"
#include "node/cli/internal/commands.h"
#include "node/cli/internal/dataset_upload.h"
#include "node/cli/internal/schema_proposal.h"
#include "storage/dataset_store.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr size_t kEraseBodyBytes = 800 << 10;  // under the default limits.max_body_bytes
constexpr size_t kEraseKeysPerRequest = 100000;
constexpr size_t kErrorsShown = 20;

std::string Num(const json& v) { return v.is_number() ? v.dump() : "0"; }

Status CreateDataset(ApiCaller& api, const std::string& name, const std::string& schema_toml,
                     bool as_json) {
  json body = {{"name", name}, {"schema", schema_toml}};
  ASSIGN_OR_RETURN(json d, api.Call("POST", "/v1/datasets", &body));
  if (as_json) {
    std::printf("%s\n", d.dump(2).c_str());
  } else {
    std::printf("Created dataset %s: %zu fields, record key %s\n", name.c_str(), d["fields"].size(),
                d["key"].is_string() ? d["key"].get<std::string>().c_str() : "none (append-only)");
  }
  return Status::Ok();
}

// Writes the proposal for review, refusing to replace a file.
Status WriteProposal(const std::string& path, const std::string& name, const SchemaProposal& p) {
  RETURN_IF_ERROR(common::WriteFileAtomic(path, p.toml, 0600, /*overwrite=*/false));
  const config::Schema& s = p.schema;
  std::printf(
      "Wrote the proposed schema for %s to %s: %zu fields, record key %s\n"
      "Review it (the comments give the evidence for each choice), then create the "
      "dataset with: verbind dataset create %s --schema %s\n",
      name.c_str(), path.c_str(), s.fields.size(),
      s.key ? s.fields[*s.key].name.c_str() : "none (append-only)", name.c_str(), path.c_str());
  return Status::Ok();
}

struct CreateFlags {
  std::string name, schema, infer, out, encoding = "utf-8";
  std::vector<std::string> nulls;
  bool print_only = false;
};

// The TOML to create the dataset with: the schema file, or the proposal (printed). Nullopt when
// the command is done without creating (--print, --out).
Result<std::optional<std::string>> SchemaToCreate(const CreateFlags& f) {
  if (f.infer.empty()) {
    ASSIGN_OR_RETURN(std::string text, common::ReadFile(f.schema, 1 << 20));
    // Checked here for errors that name this file and its lines.
    RETURN_IF_ERROR(config::ParseSchemaToml(text, f.schema).status());
    return std::optional<std::string>(std::move(text));
  }
  ProposalOptions o{f.name, f.infer, common::Charset::kUtf8, std::nullopt};
  ASSIGN_OR_RETURN(o.encoding, common::ParseCharset(f.encoding));
  if (!f.nulls.empty()) o.null_tokens = f.nulls;
  ASSIGN_OR_RETURN(SchemaProposal proposal, ProposeSchema(o));
  if (!f.out.empty()) {
    RETURN_IF_ERROR(WriteProposal(f.out, f.name, proposal));
    return std::optional<std::string>();
  }
  std::printf("%s", proposal.toml.c_str());
  if (f.print_only) return std::optional<std::string>();
  return std::optional<std::string>(std::move(proposal.toml));
}

void AddCreate(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto* cmd = dataset.add_subcommand("create",
                                     "Create a dataset from a schema file (TOML), or "
                                     "propose a schema from a CSV file");
  auto f = std::make_shared<CreateFlags>();
  cmd->add_option("NAME", f->name, "Dataset name: a-z 0-9 . _ -")->required();
  auto* s = cmd->add_option("--schema", f->schema, "Schema file (TOML, docs/datasets.md)");
  auto* i = cmd->add_option("--infer-from", f->infer,
                            "Propose a schema from this CSV file (its first 64 MiB), with the "
                            "evidence for each choice; without --print or --out, also create "
                            "the dataset with it");
  s->excludes(i);
  cmd->add_option("--encoding", f->encoding,
                  "With --infer-from: the file's encoding, utf-8, windows-1252 or latin-1")
      ->capture_default_str();
  cmd->add_option("--null", f->nulls,
                  "With --infer-from: a word that means a missing value in every column "
                  "(repeatable; instead of looking for NA, NULL, N/A and .)");
  auto* p = cmd->add_flag("--print", f->print_only,
                          "With --infer-from: only print the proposed schema (needs no running "
                          "node)");
  auto* o = cmd->add_option("--out", f->out,
                            "With --infer-from: write the proposed schema to this new file for "
                            "review, and do not create the dataset (needs no running node)");
  p->excludes(o);
  cmd->callback([=] {
    *action = [=] {
      if (f->schema.empty() == f->infer.empty()) {
        return Report(common::InvalidArgument("give --schema FILE or --infer-from FILE.csv"));
      }
      if (f->infer.empty() && (f->print_only || !f->out.empty() || !f->nulls.empty())) {
        return Report(common::InvalidArgument("--print, --out and --null go with --infer-from"));
      }
      auto toml = SchemaToCreate(*f);
      if (!toml.ok()) return Report(toml.status());
      if (!toml->has_value()) return 0;
      return WithApi(*g,
                     [&](ApiCaller& api) { return CreateDataset(api, f->name, **toml, g->json); });
    };
  });
}

void PrintList(const json& datasets) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : datasets) {
    rows.push_back({d["name"], Num(d["rows"]), Num(d["erased"]),
                    d["key"].is_string() ? d["key"].get<std::string>() : "-",
                    Num(d["bytes_on_disk"]), d["updated_at"]});
  }
  PrintTable({"NAME", "ROWS", "ERASED", "KEY", "BYTES", "UPDATED"}, rows);
}

void PrintDescribe(const json& d) {
  std::printf("dataset %s\n", d["name"].get<std::string>().c_str());
  if (!d["description"].get<std::string>().empty()) {
    std::printf("  %s\n", d["description"].get<std::string>().c_str());
  }
  std::printf("  rows %s, erased %s, %s bytes on disk, generation %s\n", Num(d["rows"]).c_str(),
              Num(d["erased"]).c_str(), Num(d["bytes_on_disk"]).c_str(),
              Num(d["generation"]).c_str());
  std::printf("  created %s, updated %s\n", d["created_at"].get<std::string>().c_str(),
              d["updated_at"].get<std::string>().c_str());
  if (d.contains("definition") && d["definition"].is_object()) {
    const json& def = d["definition"];
    std::printf("  conforms to %s/%s@%s (hash %s)\n",
                def["publisher"].get<std::string>().c_str(),
                def["name"].get<std::string>().c_str(), def["version"].dump().c_str(),
                def["hash"].get<std::string>().c_str());
  } else {
    std::printf("  conforms to no published definition\n");
  }
  std::printf("\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : d["fields"]) {
    std::string detail;
    if (f.contains("scale")) detail = "scale " + f["scale"].dump();
    if (f.contains("categories") && !f["categories"].empty()) {
      detail = std::to_string(f["categories"].size()) + " categories";
    } else if (f.contains("max_categories")) {
      detail = "up to " + f["max_categories"].dump() + " labels";
    }
    if (f.contains("min"))
      detail += (detail.empty() ? "" : ", ") + std::string("min ") + f["min"].dump();
    if (f.contains("max"))
      detail += (detail.empty() ? "" : ", ") + std::string("max ") + f["max"].dump();
    rows.push_back({f["name"], f["type"], f["nullable"].get<bool>() ? "yes" : "no",
                    f["key"].get<bool>() ? "key" : "", detail});
  }
  PrintTable({"FIELD", "TYPE", "NULLABLE", "KEY", "DETAILS"}, rows);
}

void AddListDescribeDrop(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  dataset.add_subcommand("list", "List datasets with their row counts")->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/datasets"));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
        } else {
          PrintList(r["datasets"]);
        }
        return Status::Ok();
      });
    };
  });
  auto name = std::make_shared<std::string>();
  auto as_toml = std::make_shared<bool>(false);
  auto* describe = dataset.add_subcommand("describe", "Fields, row count and bytes on disk");
  describe->add_option("NAME", *name, "Dataset")->required();
  describe->add_flag("--schema", *as_toml, "Print the schema as a TOML schema file");
  describe->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json d, api.Call("GET", "/v1/datasets/" + *name));
        if (*as_toml) {
          ASSIGN_OR_RETURN(config::Schema s, config::SchemaFromJson(d["schema"].dump()));
          std::printf("%s", config::RenderSchemaToml(s).c_str());
        } else if (g->json) {
          std::printf("%s\n", d.dump(2).c_str());
        } else {
          PrintDescribe(d);
        }
        return Status::Ok();
      });
    };
  });
  auto drop_name = std::make_shared<std::string>();
  auto* drop = dataset.add_subcommand("drop", "Delete a dataset and all its records");
  drop->add_option("NAME", *drop_name, "Dataset")->required();
  drop->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        RETURN_IF_ERROR(api.Call("DELETE", "/v1/datasets/" + *drop_name).status());
        std::printf("Dropped dataset %s\n", drop_name->c_str());
        return Status::Ok();
      });
    };
  });
}

Result<storage::InputFormat> FormatFor(const std::string& format, const std::string& file) {
  std::string f = format;
  if (f.empty()) {
    std::string lower = common::ToLower(file);
    if (lower.ends_with(".csv")) f = "csv";
    if (lower.ends_with(".jsonl") || lower.ends_with(".ndjson")) f = "jsonl";
  }
  if (f == "csv") return storage::InputFormat::kCsv;
  if (f == "jsonl") return storage::InputFormat::kJsonLines;
  return common::InvalidArgument("cannot tell the format of " + file +
                                 "; give --format csv or --format jsonl");
}

// How the file was read, for the ingest summary: "; converted from windows-1252; delimiter ';'
// (detected), decimal comma".
std::string ReadSummary(const UploadOptions& o, const storage::CsvFormat& csv) {
  std::string from = o.encoding == common::Charset::kUtf8
                         ? ""
                         : "; converted from " + std::string(common::CharsetName(o.encoding));
  if (o.format != storage::InputFormat::kCsv) return from;
  std::string s = from + "; delimiter " + storage::DescribeCsvDelimiter(csv.delimiter) +
                  (o.detect_delimiter ? " (detected)" : "");
  if (csv.decimal_comma) s += ", decimal comma";
  for (size_t i = 0; i < csv.null_tokens.size(); ++i) {
    s += (i == 0 ? ", NULL: " : " ") + csv.null_tokens[i];
  }
  return s;
}

// The --delimiter value as a byte: ',', ';', '|', or tab (given as "tab" or "\t").
Result<char> DelimiterOf(const std::string& text) {
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text.size() == 1 && storage::kCsvDelimiters.find(text[0]) != std::string_view::npos) {
    return text[0];
  }
  return common::InvalidArgument("--delimiter must be ',', ';', '|' or tab");
}

// Sets the CSV options of `o` from the command line; they apply to CSV only.
Status SetCsvOptions(const std::string& delimiter, bool decimal_comma,
                     const std::vector<std::string>& nulls, UploadOptions* o) {
  bool any = !delimiter.empty() || decimal_comma || !nulls.empty();
  if (o->format != storage::InputFormat::kCsv) {
    if (any) return common::InvalidArgument("--delimiter, --decimal-comma and --null are for CSV");
    return Status::Ok();
  }
  o->detect_delimiter = delimiter.empty();
  if (!delimiter.empty()) {
    ASSIGN_OR_RETURN(o->csv.delimiter, DelimiterOf(delimiter));
  }
  o->csv.decimal_comma = decimal_comma;
  o->csv.null_tokens = nulls;
  return Status::Ok();
}

// The dataset schema's null_tokens: what the node reads as missing in a CSV upload without
// --null. Sending them makes the summary say so.
Result<std::vector<std::string>> SchemaNullTokens(ApiCaller& api, const std::string& dataset) {
  ASSIGN_OR_RETURN(json d, api.Call("GET", "/v1/datasets/" + dataset));
  const json& schema = d.contains("schema") ? d["schema"] : json::object();
  return schema.value("null_tokens", std::vector<std::string>{});
}

// What the batches of one ingest add up to; `errors` holds every problem the node listed.
struct IngestTotals {
  int64_t read = 0, inserted = 0, replaced = 0, rejected = 0;
  int64_t omitted = 0;  // problems the node counted but did not list
  json errors = json::array();
};

IngestTotals TotalsOf(const UploadOutcome& out) {
  IngestTotals t;
  for (const auto& r : out.reports) {
    t.read += r.value("rows_read", int64_t{0});
    t.inserted += r.value("rows_inserted", int64_t{0});
    t.replaced += r.value("rows_replaced", int64_t{0});
    t.rejected += r.value("rows_rejected", int64_t{0});
    t.omitted += r.value("errors_omitted", int64_t{0});
    for (const auto& e : r["errors"]) t.errors.push_back(e);
  }
  return t;
}

constexpr const char* kRejectsHeader = "line,field,reason\n";

// A CSV field quoted as RFC 4180 has it, when it needs quoting.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The reject file: one line per problem, with its line in the ingested file. Written with
// mode 0600, since reasons quote values.
Status WriteRejects(const std::string& path, const json& errors) {
  std::string text = kRejectsHeader;
  for (const auto& e : errors) {
    text += Num(e["line"]) + "," + CsvField(e.value("column", "")) + "," +
            CsvField(e.value("reason", "")) + "\n";
  }
  return common::WriteFileAtomic(path, text, 0600).WithContext("--rejects " + path);
}

// The first kErrorsShown problems on standard error, as FILE:LINE: column: reason.
void PrintProblems(const UploadOptions& o, const IngestTotals& t, const std::string& rejects) {
  for (size_t i = 0; i < t.errors.size() && i < kErrorsShown; ++i) {
    std::string col = t.errors[i].value("column", "");
    std::fprintf(stderr, "%s:%s: %s%s\n", o.file.c_str(), Num(t.errors[i]["line"]).c_str(),
                 col.empty() ? "" : (col + ": ").c_str(), t.errors[i].value("reason", "").c_str());
  }
  int64_t more = static_cast<int64_t>(t.errors.size()) + t.omitted - int64_t{kErrorsShown};
  if (more > 0) {
    std::fprintf(
        stderr, "... %lld more problems%s\n", static_cast<long long>(more),
        rejects.empty() ? " (--rejects FILE writes them all)" : (" (in " + rejects + ")").c_str());
  }
}

// The summary line: rows read, inserted, replaced and rejected, time and rate.
void PrintSummary(const UploadOptions& o, const UploadOutcome& out, const IngestTotals& t) {
  double rate = out.seconds > 0 ? static_cast<double>(t.read) / out.seconds : 0;
  std::string batches = std::to_string(out.reports.size()) +
                        (out.reports.size() == 1 ? " batch" : " batches") +
                        (out.refused ? " sent, the last refused" : "");
  std::printf(
      "%s %s into %s: %lld rows read, %lld inserted, %lld replaced, %lld rejected in "
      "%.2f s, %.0f rows/s (%s)%s\n",
      out.refused ? "Stopped ingesting" : "Ingested", o.file.c_str(), o.dataset.c_str(),
      static_cast<long long>(t.read), static_cast<long long>(t.inserted),
      static_cast<long long>(t.replaced), static_cast<long long>(t.rejected), out.seconds, rate,
      batches.c_str(), ReadSummary(o, out.csv).c_str());
}

// Why the upload stopped: the refused batch's reason, or the file's total against
// --max-rejects when earlier batches used part of it.
std::string RefusalOf(const UploadOptions& o, const UploadOutcome& out, const IngestTotals& t) {
  if (o.max_rejects && t.rejected > *o.max_rejects && out.reports.size() > 1) {
    return std::to_string(t.rejected) + " rows rejected in all, more than --max-rejects " +
           std::to_string(*o.max_rejects);
  }
  return out.reports.back().value("refusal", std::string("the batch has bad rows"));
}

// Writes the reject file (when asked for) and prints the outcome; the error when a batch was
// refused or the reject file could not be complete.
Status PrintIngest(const UploadOptions& o, const std::string& rejects, const UploadOutcome& out,
                   bool as_json) {
  IngestTotals t = TotalsOf(out);
  if (!rejects.empty()) RETURN_IF_ERROR(WriteRejects(rejects, t.errors));
  if (as_json) {
    std::printf("%s\n", json{{"batches", out.reports}}.dump(2).c_str());
  } else {
    PrintProblems(o, t, rejects);
    PrintSummary(o, out, t);
  }
  if (out.refused) {
    size_t kept = out.reports.size() - 1;
    std::string before = kept == 1
                             ? "; the 1 batch before it is stored"
                             : "; the " + std::to_string(kept) + " batches before it are stored";
    return common::InvalidArgument("refused: " + RefusalOf(o, out, t) +
                                   "; nothing of this batch was stored" + (kept ? before : ""));
  }
  if (!rejects.empty() && t.omitted > 0) {
    return common::ResourceExhausted(
        rejects + " lacks " + std::to_string(t.omitted) + " problems: a batch had more than " +
        std::to_string(kMaxProblemsPerBatch) + "; send smaller batches with --batch-rows");
  }
  return Status::Ok();
}

// Checks the --mode, --max-rejects and --rejects choices into `o`, and starts the reject file
// (so that one that cannot be written stops the ingest before anything is sent).
Status SetRejectOptions(const std::string& mode, int64_t max_rejects, bool refuse_given,
                        const std::string& rejects, UploadOptions* o) {
  o->mode = mode == "upsert" ? storage::IngestMode::kUpsert : storage::IngestMode::kInsert;
  if (max_rejects >= 0) {
    if (refuse_given) {
      return common::InvalidArgument(
          "--max-rejects N skips up to N bad rows; it cannot be combined with --on-error refuse");
    }
    o->max_rejects = max_rejects;
  }
  if (rejects.empty()) return Status::Ok();
  std::error_code ec;
  if (std::filesystem::equivalent(rejects, o->file, ec)) {
    return common::InvalidArgument("--rejects " + rejects + " is the file being ingested");
  }
  o->every_problem = true;
  return common::WriteFileAtomic(rejects, kRejectsHeader, 0600).WithContext("--rejects " + rejects);
}

void AddIngest(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto* cmd = dataset.add_subcommand("ingest",
                                     "Load records from CSV or JSON lines; every row "
                                     "is validated, and a batch is stored whole and "
                                     "durably or not at all");
  auto o = std::make_shared<UploadOptions>();
  auto format = std::make_shared<std::string>();
  auto on_error = std::make_shared<std::string>("refuse");
  cmd->add_option("NAME", o->dataset, "Dataset")->required();
  cmd->add_option("FILE", o->file, "CSV (with a header row) or JSON-lines file")->required();
  cmd->add_option("--format", *format, "csv or jsonl (default: from the file name)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  auto* on_error_option =
      cmd->add_option("--on-error", *on_error,
                      "refuse: store nothing when a row is bad; skip: store the good rows")
          ->check(CLI::IsMember({"refuse", "skip"}))
          ->capture_default_str();
  auto mode = std::make_shared<std::string>("insert");
  cmd->add_option("--mode", *mode,
                  "insert: a row whose record key is stored or repeated is a bad row; upsert: "
                  "it replaces that record")
      ->check(CLI::IsMember({"insert", "upsert"}))
      ->capture_default_str();
  auto max_rejects = std::make_shared<int64_t>(-1);
  cmd->add_option("--max-rejects", *max_rejects,
                  "Skip bad rows, but refuse the batch that takes the file's rejected rows "
                  "above N (the batches before it stay stored)")
      ->check(CLI::NonNegativeNumber);
  auto rejects = std::make_shared<std::string>();
  cmd->add_option("--rejects", *rejects,
                  "Write every bad row to this CSV file: line (in FILE), field, reason");
  cmd->add_option("--batch-rows", o->batch_rows,
                  "Send the file in batches of this many rows, each stored durably on its own");
  auto delimiter = std::make_shared<std::string>();
  auto decimal_comma = std::make_shared<bool>(false);
  auto nulls = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--delimiter", *delimiter,
                  "CSV field delimiter: ',' ';' '|' or tab (default: detected from the header)");
  cmd->add_flag("--decimal-comma", *decimal_comma,
                "CSV decimals are written 1234,56 (needs a delimiter other than ',')");
  auto encoding = std::make_shared<std::string>("utf-8");
  cmd->add_option("--encoding", *encoding,
                  "The file's encoding: utf-8, windows-1252 or latin-1 (converted to UTF-8 "
                  "before it is sent)")
      ->capture_default_str();
  cmd->add_option("--null", *nulls,
                  "A CSV field value that means NULL, e.g. NA (repeatable; the empty field "
                  "always does)");
  cmd->callback([=] {
    bool refuse_given = on_error_option->count() > 0 && *on_error == "refuse";
    *action = [=] {
      auto fmt = FormatFor(*format, o->file);
      if (!fmt.ok()) return Report(fmt.status());
      o->format = *fmt;
      Status csv = SetCsvOptions(*delimiter, *decimal_comma, *nulls, o.get());
      if (!csv.ok()) return Report(csv);
      auto charset = common::ParseCharset(*encoding);
      if (!charset.ok()) return Report(charset.status());
      o->encoding = *charset;
      o->skip_bad_rows = *on_error == "skip";
      Status chosen = SetRejectOptions(*mode, *max_rejects, refuse_given, *rejects, o.get());
      if (!chosen.ok()) return Report(chosen);
      o->progress = ::isatty(STDERR_FILENO) != 0;
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        if (o->format == storage::InputFormat::kCsv && nulls->empty()) {
          ASSIGN_OR_RETURN(o->csv.null_tokens, SchemaNullTokens(api, o->dataset));
        }
        ASSIGN_OR_RETURN(UploadOutcome out, UploadRecords(api, *o));
        return PrintIngest(*o, *rejects, out, g->json);
      });
    };
  });
}

Result<std::vector<std::string>> KeysFrom(const std::vector<std::string>& keys,
                                          const std::string& file) {
  std::vector<std::string> out = keys;
  if (file.empty()) return out;
  ASSIGN_OR_RETURN(std::string text, common::ReadFile(file, 1ull << 32));
  for (std::string_view line : common::Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

Status EraseKeys(ApiCaller& api, const std::string& name, const std::vector<std::string>& keys,
                 bool as_json) {
  int64_t erased = 0;
  std::vector<std::string> not_found;
  for (size_t i = 0; i < keys.size();) {
    json body = {{"keys", json::array()}};
    size_t bytes = 16;
    for (; i < keys.size() && body["keys"].size() < kEraseKeysPerRequest &&
           bytes + keys[i].size() + 4 < kEraseBodyBytes;
         ++i) {
      body["keys"].push_back(keys[i]);
      bytes += keys[i].size() + 4;
    }
    ASSIGN_OR_RETURN(json r, api.Call("POST", "/v1/datasets/" + name + "/erase", &body));
    erased += r.value("erased", int64_t{0});
    for (const auto& k : r["not_found"]) not_found.push_back(k);
  }
  if (as_json) {
    std::printf("%s\n", json{{"dataset", name},
                             {"requested", keys.size()},
                             {"erased", erased},
                             {"not_found", not_found}}
                            .dump(2)
                            .c_str());
    return Status::Ok();
  }
  std::printf("Erased %lld of %zu records from %s\n", static_cast<long long>(erased), keys.size(),
              name.c_str());
  for (size_t i = 0; i < not_found.size() && i < kErrorsShown; ++i) {
    std::printf("  not found: %s\n", not_found[i].c_str());
  }
  return Status::Ok();
}

void AddErase(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto* cmd = dataset.add_subcommand("erase",
                                     "Erase records by record key; they drop out of "
                                     "every aggregate");
  auto name = std::make_shared<std::string>();
  auto keys = std::make_shared<std::vector<std::string>>();
  auto file = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "Dataset")->required();
  cmd->add_option("--key", *keys, "A record key (repeatable)");
  cmd->add_option("--keys-file", *file, "A file of record keys, one per line");
  cmd->callback([=] {
    *action = [=] {
      auto all = KeysFrom(*keys, *file);
      if (!all.ok()) return Report(all.status());
      if (all->empty()) return Report(common::InvalidArgument("give --key K or --keys-file FILE"));
      return WithApi(*g, [&](ApiCaller& api) { return EraseKeys(api, *name, *all, g->json); });
    };
  });
}

}  // namespace

void AddDatasetCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* dataset = app.add_subcommand("dataset", "Manage datasets: schemas, records, erasure")
                      ->require_subcommand(1);
  AddCreate(*dataset, g, action);
  AddListDescribeDrop(*dataset, g, action);
  AddIngest(*dataset, g, action);
  AddErase(*dataset, g, action);
  AddPrivacyCommand(*dataset, g, action);
  AddDefinitionCommands(*dataset, g, action);
}

}  // namespace verbind::node
