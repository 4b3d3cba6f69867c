#include "common/files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace verbind::common {
namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == ENOSPC ? ResourceExhausted(Errno("cannot write", path))
                             : Internal(Errno("cannot write", path));
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

namespace {

// Reads a regular file: all of it, or at most `max_bytes` when `prefix` (else a larger file is
// refused). `*whole` says whether the result is the whole file.
Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes, bool prefix,
                                    bool* whole) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT ? NotFound(Errno("cannot open", path))
                           : InvalidArgument(Errno("cannot open", path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + " is not a regular file");
  }
  auto size = static_cast<size_t>(st.st_size);
  if (size > max_bytes && !prefix) {
    ::close(fd);
    return ResourceExhausted(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  *whole = size <= max_bytes;
  std::string out;
  out.resize(std::min(size, max_bytes));
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::read(fd, out.data() + off, out.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(off);
  return out;
}

}  // namespace

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  bool whole;
  return ReadRegularFile(path, max_bytes, false, &whole);
}

Result<std::string> ReadFilePrefix(const std::string& path, size_t max_bytes, bool* whole) {
  return ReadRegularFile(path, max_bytes, true, whole);
}

Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode,
                       bool overwrite) {
  if (!overwrite && PathExists(path)) return AlreadyExists(path + " already exists");
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Internal(Errno("cannot create", tmp));
  ::fchmod(fd, mode);  // the umask may have narrowed it; secrets must be exactly `mode`
  Status s = WriteAll(fd, data, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Internal(Errno("cannot fsync", tmp));
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Internal(Errno("cannot rename into", path));
  }
  int dfd = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0) return Status::Ok();
  if (errno == EEXIST) return Status::Ok();
  return Internal(Errno("cannot create folder", path));
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<mode_t> FileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return NotFound(Errno("cannot stat", path));
  return st.st_mode & 07777;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (!b.empty() && b.front() == '/') return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

}  // namespace verbind::common
