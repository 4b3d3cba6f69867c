// Process-wide libsodium initialisation. EnsureSodium() is idempotent and thread-safe; every
// function in this folder that uses libsodium calls it first. Aborts if libsodium cannot start.
#pragma once

namespace verbind::crypto {
void EnsureSodium();
}  // namespace verbind::crypto
