#include "node/cli/internal/dataset_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr size_t kDetectBytes = 64 << 10;  // the header line is looked for in this prefix

// One upload: a byte range of the file, after the header when it is a later CSV piece.
struct Piece {
  uint64_t offset = 0;
  uint64_t length = 0;
  int64_t first_line = 1;  // file line of the piece's first row (after the header)
  bool with_header = false;
};

class File {
 public:
  static Result<File> Open(const std::string& path) {
    File f;
    f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd_ < 0) return common::NotFound("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(f.fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      return common::InvalidArgument(path + " is not a regular file");
    }
    f.size_ = static_cast<uint64_t>(st.st_size);
    return f;
  }
  File() = default;
  File(File&& o) noexcept : fd_(o.fd_), size_(o.size_) { o.fd_ = -1; }
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<size_t> ReadAt(char* buf, size_t n, uint64_t at) const {
    ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(at));
    if (got < 0) return common::Unavailable(std::string("read failed: ") + std::strerror(errno));
    return static_cast<size_t>(got);
  }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Splits the file into pieces of `rows` rows. CSV rows end at a line break outside quotes; the
// first CSV row is the header, repeated in front of every later piece.
Result<std::vector<Piece>> PlanPieces(const File& f, bool csv, uint64_t rows, std::string* header) {
  std::vector<Piece> pieces;
  if (rows == 0) return std::vector<Piece>{Piece{0, f.size(), 1, false}};
  std::vector<char> buf(1 << 20);
  bool quoted = false, in_header = csv;
  uint64_t in_piece = 0, start = 0;
  int64_t line = 1, piece_line = 1;
  for (uint64_t at = 0; at < f.size();) {
    ASSIGN_OR_RETURN(size_t n, f.ReadAt(buf.data(), buf.size(), at));
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) {
      char c = buf[i];
      if (csv && c == '"') quoted = !quoted;
      if (c != '\n') continue;
      ++line;
      if (quoted) continue;
      if (in_header) {
        in_header = false;
        uint64_t end = at + i + 1;
        header->resize(end);
        ASSIGN_OR_RETURN(size_t h, f.ReadAt(header->data(), end, 0));
        if (h != end) return common::Unavailable("the file changed while it was read");
        continue;
      }
      if (++in_piece == rows) {
        uint64_t end = at + i + 1;
        pieces.push_back(Piece{start, end - start, piece_line, !pieces.empty() && csv});
        start = end;
        piece_line = line;
        in_piece = 0;
      }
    }
    at += n;
  }
  if (start < f.size() || pieces.empty()) {
    pieces.push_back(Piece{start, f.size() - start, piece_line, !pieces.empty() && csv});
  }
  pieces[0].first_line = 1;  // the first piece starts with the header itself: lines as in the file
  return pieces;
}

constexpr size_t kBlockBytes = 1 << 20;

// Calls `fn` with the bytes of [offset, offset + length) of the file, a block at a time.
Status ForEachBlock(const File& f, uint64_t offset, uint64_t length,
                    const std::function<Status(std::string_view)>& fn) {
  std::string buf(kBlockBytes, '\0');
  for (uint64_t at = offset, end = offset + length; at < end;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - at));
    ASSIGN_OR_RETURN(size_t n, f.ReadAt(buf.data(), want, at));
    if (n == 0) return common::Unavailable("the file changed while it was read");
    RETURN_IF_ERROR(fn(std::string_view(buf.data(), n)));
    at += n;
  }
  return Status::Ok();
}

// Refuses a file holding a byte that its encoding does not define, naming line and column.
Status CheckEncoding(const File& f, const UploadOptions& o) {
  int64_t line = 1, column = 1;
  return ForEachBlock(f, 0, f.size(), [&](std::string_view block) -> Status {
    for (char c : block) {
      auto b = static_cast<unsigned char>(c);
      if (common::Utf8BytesOf(o.encoding, b) == 0) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", b);
        return common::InvalidArgument(
            o.file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": byte " + hex +
            " is not a character in " + std::string(common::CharsetName(o.encoding)) +
            "; nothing was sent");
      }
      if (c == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Status::Ok();
  });
}

// The number of bytes a range of the file has in UTF-8.
Result<uint64_t> Utf8Length(const File& f, common::Charset encoding, uint64_t offset,
                            uint64_t length) {
  if (encoding == common::Charset::kUtf8) return length;
  uint64_t total = 0;
  RETURN_IF_ERROR(ForEachBlock(f, offset, length, [&](std::string_view block) {
    for (char c : block) total += common::Utf8BytesOf(encoding, static_cast<unsigned char>(c));
    return Status::Ok();
  }));
  return total;
}

class Progress {
 public:
  Progress(bool on, uint64_t total) : on_(on), total_(total) {}
  void Sent(const char* data, size_t n) {
    bytes_ += n;
    for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', data + n - p)));
         ++p) {
      ++rows_;
    }
    auto now = std::chrono::steady_clock::now();
    if (on_ && now - last_ > std::chrono::milliseconds(100)) {
      last_ = now;
      Draw(now);
    }
  }
  void Done() {
    if (!on_) return;
    Draw(std::chrono::steady_clock::now());
    std::fprintf(stderr, "\n");
  }

 private:
  void Draw(std::chrono::steady_clock::time_point now) {
    double s = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r  %llu rows  %.0f rows/s  %3.0f%%  ",
                 static_cast<unsigned long long>(rows_), s > 0 ? static_cast<double>(rows_) / s : 0,
                 total_ ? 100.0 * static_cast<double>(bytes_) / static_cast<double>(total_) : 100);
  }
  bool on_;
  uint64_t total_;
  uint64_t bytes_ = 0, rows_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_;
};

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The query parameters of the CSV format (none for JSON lines).
std::string CsvParams(const UploadOptions& o) {
  if (o.format != storage::InputFormat::kCsv) return "";
  std::string out = "&delimiter=" + (o.csv.delimiter == '\t' ? std::string("tab")
                                                             : UrlEncode({&o.csv.delimiter, 1}));
  if (o.csv.decimal_comma) out += "&decimal_comma=true";
  for (const std::string& t : o.csv.null_tokens) out += "&null=" + UrlEncode(t);
  return out;
}

// Sets the delimiter from the file's header line when it is to be detected, then checks the
// CSV format.
Status ResolveCsvFormat(const File& f, UploadOptions* o) {
  if (o->format != storage::InputFormat::kCsv) return Status::Ok();
  if (o->detect_delimiter) {
    std::string head(kDetectBytes, '\0');
    ASSIGN_OR_RETURN(size_t n, f.ReadAt(head.data(), head.size(), 0));
    head.resize(n);
    o->csv.delimiter = storage::DetectCsvDelimiter(head);
  }
  Status valid = storage::ValidateCsvFormat(o->csv);
  if (!valid.ok() && o->detect_delimiter) {
    return valid.WithContext(o->file + " (detected delimiter " +
                             storage::DescribeCsvDelimiter(o->csv.delimiter) + ")");
  }
  return valid.ok() ? valid : valid.WithContext(o->file);
}

// The query of one piece's upload; `rejects_left`: what --max-rejects still allows.
std::string PieceQuery(const UploadOptions& o, const Piece& p, int64_t rejects_left) {
  std::string base = o.file.substr(o.file.rfind('/') + 1);
  std::string q = std::string("?mode=") +
                  (o.mode == storage::IngestMode::kUpsert ? "upsert" : "insert") +
                  "&on_error=" + (o.skip_bad_rows || o.max_rejects ? "skip" : "refuse") +
                  "&source=" + UrlEncode(base) + CsvParams(o);
  if (o.max_rejects) q += "&max_rejects=" + std::to_string(rejects_left);
  if (o.every_problem) q += "&max_errors=" + std::to_string(kMaxProblemsPerBatch);
  // A later piece: the node numbers its rows as lines of the file.
  if (p.offset > 0) q += "&first_line=" + std::to_string(p.first_line);
  return q;
}

Result<json> SendPiece(ApiCaller& api, const UploadOptions& o, const File& f, const Piece& p,
                       const std::string& header, int64_t rejects_left, Progress* progress) {
  bool csv = o.format == storage::InputFormat::kCsv;
  std::string path = "/v1/datasets/" + o.dataset + "/records" + PieceQuery(o, p, rejects_left);
  std::string_view head = p.with_header ? std::string_view(header) : std::string_view();
  uint64_t at = p.offset, left = p.length;
  std::string raw, converted;
  std::string_view pending;  // converted bytes not sent yet
  auto source = [&](char* buf, size_t n) -> Result<size_t> {
    if (!head.empty()) {
      size_t k = std::min(n, head.size());
      std::memcpy(buf, head.data(), k);
      head.remove_prefix(k);
      return k;
    }
    if (o.encoding == common::Charset::kUtf8) {
      ASSIGN_OR_RETURN(size_t got,
                       f.ReadAt(buf, static_cast<size_t>(std::min<uint64_t>(n, left)), at));
      at += got;
      left -= got;
      progress->Sent(buf, got);
      return got;
    }
    if (pending.empty() && left > 0) {
      raw.resize(static_cast<size_t>(std::min<uint64_t>(n, left)));
      ASSIGN_OR_RETURN(size_t got, f.ReadAt(raw.data(), raw.size(), at));
      at += got;
      left -= got;
      progress->Sent(raw.data(), got);
      converted.clear();
      if (common::AppendAsUtf8(o.encoding, std::string_view(raw.data(), got), &converted) !=
          std::string_view::npos) {
        return common::Unavailable("the file changed while it was read");
      }
      pending = converted;
    }
    size_t k = std::min(n, pending.size());
    std::memcpy(buf, pending.data(), k);
    pending.remove_prefix(k);
    return k;
  };
  Headers headers = {{"Authorization", "Bearer " + api.token()},
                     {"Content-Type", csv ? "text/csv" : "application/x-ndjson"}};
  ASSIGN_OR_RETURN(uint64_t body, Utf8Length(f, o.encoding, p.offset, p.length));
  uint64_t length = body + (p.with_header ? header.size() : 0);
  int ms = api.timeout_ms() + static_cast<int>(std::min<uint64_t>(length >> 20, 3600) * 1000);
  ASSIGN_OR_RETURN(HttpResponse res,
                   api.client().Upload("POST", path, headers, length, source, After(ms)));
  if (res.status != 200 && res.status != 422) return ErrorFromResponse(res);
  json report = json::parse(res.body, nullptr, false);
  if (!report.is_object()) return common::Internal("the node answered with invalid JSON");
  return report;
}

}  // namespace

Result<UploadOutcome> UploadRecords(ApiCaller& api, const UploadOptions& options) {
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(File f, File::Open(options.file));
  UploadOptions o = options;
  RETURN_IF_ERROR(ResolveCsvFormat(f, &o));
  if (o.encoding != common::Charset::kUtf8) RETURN_IF_ERROR(CheckEncoding(f, o));
  std::string header;
  bool csv = o.format == storage::InputFormat::kCsv;
  ASSIGN_OR_RETURN(std::vector<Piece> pieces, PlanPieces(f, csv, o.batch_rows, &header));
  if (o.encoding != common::Charset::kUtf8) {
    std::string utf8;
    common::AppendAsUtf8(o.encoding, header, &utf8);  // CheckEncoding found every byte defined
    header = std::move(utf8);
  }
  Progress progress(o.progress, f.size());
  UploadOutcome out;
  out.csv = o.csv;
  int64_t rejects_left = o.max_rejects.value_or(0);
  for (const Piece& p : pieces) {
    auto report = SendPiece(api, o, f, p, header, rejects_left, &progress);
    if (!report.ok()) {
      progress.Done();
      return report.status();
    }
    out.reports.push_back(std::move(report).value());
    if (!out.reports.back().value("committed", false)) {
      out.refused = true;
      break;
    }
    rejects_left -= out.reports.back().value("rows_rejected", int64_t{0});
  }
  progress.Done();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace verbind::node
