// Key announcements (docs/protocol.md, section 8): a peer that rotates its signing key (and
// perhaps its TLS certificate) announces the new key in an envelope signed with the old one.
// The checks, in the protocol's order, and the peer's record with the new key pinned and the
// old ones limited to the overlap. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "federation/messages.h"
#include "federation/verifier.h"
#include "storage/peer_registry.h"

namespace verbind::federation {

struct AnnouncementSettings {
  int clock_skew_s = 60;
  int max_lifetime_s = 300;   // an announcement is accepted for skew + this after issued_at
  int key_overlap_s = 86400;  // the longest the previous key stays valid
};

// Checks the envelope `body` from `peer`: well-formed, of type key-announcement, signed by the
// peer with a current key, for the peer itself, within its time window, with a key id and a
// certificate fingerprint that match. A refusal carries the envelope's hash once it decoded.
std::variant<KeyAnnouncement, Refusal> CheckAnnouncement(std::string_view body,
                                                         const storage::PeerRecord& peer,
                                                         int64_t now_ms,
                                                         const AnnouncementSettings& settings);

// `peer` with the announced key (and certificate) pinned and every earlier one valid only until
// the end of the overlap.
storage::PeerRecord Repinned(storage::PeerRecord peer, const KeyAnnouncement& a, int64_t now_ms,
                             const AnnouncementSettings& settings);

}  // namespace verbind::federation
