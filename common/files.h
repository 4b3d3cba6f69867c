// Small file helpers with the durability and permission rules the node needs.
// Thread-safe (they hold no state); concurrent writers to one path are the caller's problem.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "common/status.h"

namespace verbind::common {

// Reads a whole file, refusing one larger than `max_bytes`.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes = 64u << 20);
// Reads at most the first `max_bytes` of a file; `*whole` says whether that is all of it.
Result<std::string> ReadFilePrefix(const std::string& path, size_t max_bytes, bool* whole);

// Writes `data` to `path` atomically and durably: a temporary file in the same folder with
// `mode`, fsync, rename, fsync of the folder. Refuses to replace an existing file unless
// `overwrite` is true.
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode,
                       bool overwrite = true);

// Creates a folder with `mode` if it does not exist (one level).
Status MakeDir(const std::string& path, mode_t mode);
bool PathExists(const std::string& path);
// The file's permission bits, or an error.
Result<mode_t> FileMode(const std::string& path);

// Joins two path parts with one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace verbind::common
