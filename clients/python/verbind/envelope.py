"""Signed envelopes and identity documents of the peer protocol (docs/protocol.md, 2 and 3).

Written from the protocol document: strict base64url, the signing message, the envelope hash,
identity documents with their self-signature, and Ed25519 verification as strict as RFC 8032
with libsodium's extra checks (canonical S, canonical public key, no small-order R or key),
which the `cryptography` package (OpenSSL) does not make itself. Pure functions; thread-safe.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._http import certificate_fingerprint

ENVELOPE_KEYS = ("v", "type", "signer", "key_id", "payload", "signature")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")

# Ed25519 constants: the field prime, the group order, the curve's d.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P


class EnvelopeError(ValueError):
    """An envelope, identity document or signature is not valid; the message says why."""


def b64url_decode(text: Any) -> bytes:
    """base64url without padding; refuses padding, other characters and non-zero tail bits."""
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise EnvelopeError(f"not unpadded base64url: {str(text)[:40]!r}")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise EnvelopeError(f"not base64url: {e}") from e
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != text:
        raise EnvelopeError("base64url with non-zero trailing bits")
    return raw


def _recover_x(y: int, sign: int) -> Optional[int]:
    """The x of a curve point with this y and sign bit, or None when there is none."""
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * pow(2, (_P - 1) // 4, _P)) % _P
        if (v * x * x - u) % _P != 0:
            return None
    if x == 0 and sign:
        return None
    return _P - x if x & 1 != sign else x


def _double(x: int, y: int) -> tuple:
    """2(x, y) on the Edwards curve (affine coordinates)."""
    xy = x * y % _P
    dxy = _D * xy * xy % _P
    return (2 * xy * pow(1 + dxy, _P - 2, _P) % _P,
            (y * y + x * x) * pow(1 - dxy, _P - 2, _P) % _P)


def has_small_order(encoding: bytes) -> bool:
    """True when the 32-byte encoding is a curve point whose order divides 8."""
    value = int.from_bytes(encoding, "little")
    y, sign = (value & ((1 << 255) - 1)) % _P, value >> 255
    x = _recover_x(y, sign)
    if x is None:
        return False  # not a point at all: the signature check refuses it
    for _ in range(3):
        x, y = _double(x, y)
    return x == 0 and y == 1


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Strict Ed25519 (docs/protocol.md section 3): False for any refused signature."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    if int.from_bytes(signature[32:], "little") >= _L:
        return False  # S not canonical
    if int.from_bytes(public_key, "little") & ((1 << 255) - 1) >= _P:
        return False  # key encoding not canonical
    if has_small_order(signature[:32]) or has_small_order(public_key):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Envelope:
    """A well-formed envelope with its decoded payload bytes and signature."""

    type: str
    signer: str
    key_id: str
    payload: bytes
    signature: bytes

    def signing_message(self) -> bytes:
        """"verbind-envelope-v1" 0x00 type 0x00 signer 0x00 key_id 0x00 payload."""
        head = b"\x00".join(s.encode("ascii") for s in
                            ("verbind-envelope-v1", self.type, self.signer, self.key_id))
        return head + b"\x00" + self.payload

    def hash(self) -> str:
        """hex(SHA-256(signing message || signature))."""
        return hashlib.sha256(self.signing_message() + self.signature).hexdigest()

    def payload_object(self) -> Dict[str, Any]:
        """The payload parsed as a JSON object (duplicate keys refused)."""
        parsed = loads_strict(self.payload)
        if not isinstance(parsed, dict):
            raise EnvelopeError(f"the {self.type} payload is not a JSON object")
        return parsed


def parse_envelope(obj: Any, expected_type: str) -> Envelope:
    """Checks an envelope's form (exact keys, v 1, names, key id, sizes) and its type."""
    if not isinstance(obj, dict) or set(obj) != set(ENVELOPE_KEYS):
        raise EnvelopeError(f"an envelope must have exactly the keys {', '.join(ENVELOPE_KEYS)}")
    if obj["v"] != 1 or isinstance(obj["v"], bool):
        raise EnvelopeError(f"envelope version {obj['v']!r} is not 1")
    if obj["type"] != expected_type:
        raise EnvelopeError(f"expected a {expected_type} envelope, found {obj['type']!r}")
    if not isinstance(obj["signer"], str) or not _NAME.match(obj["signer"]):
        raise EnvelopeError(f"invalid signer {obj['signer']!r}")
    if not isinstance(obj["key_id"], str) or not _KEY_ID.match(obj["key_id"]):
        raise EnvelopeError(f"invalid key id {obj['key_id']!r}")
    signature = b64url_decode(obj["signature"])
    if len(signature) != 64:
        raise EnvelopeError("the signature is not 64 bytes")
    payload = b64url_decode(obj["payload"])
    if len(payload) > 700 * 1024:
        raise EnvelopeError("the payload is over 700 KiB")
    return Envelope(obj["type"], obj["signer"], obj["key_id"], payload, signature)


class Identities:
    """Verified signing keys per organisation, from identity documents (several per org after
    key rotations)."""

    def __init__(self) -> None:
        self.keys: Dict[str, Dict[str, bytes]] = {}

    def add_document(self, doc: Any, source: str) -> None:
        """Checks a document (key id, fingerprint, self-signature) and keeps its key."""
        if not isinstance(doc, dict) or doc.get("verbind_identity") != 1:
            raise EnvelopeError(f"{source}: not a verbind identity document")
        try:
            key = doc["signing_key"]
            public = b64url_decode(key["public_key"])
            x25519 = b64url_decode(doc["x25519_public_key"])
            fields = [doc["org_id"], doc["name"], doc["peer_url"]]
            fingerprint = doc["tls_fingerprint_sha256"]
            certificate = doc["tls_certificate"].encode("ascii")
            signature = b64url_decode(doc["self_signature"])
        except (KeyError, TypeError, AttributeError, UnicodeEncodeError) as e:
            raise EnvelopeError(f"{source}: incomplete identity document ({e})") from e
        if key.get("algorithm") != "ed25519" or len(public) != 32 or len(x25519) != 32:
            raise EnvelopeError(f"{source}: the keys are not 32-byte Ed25519/X25519 keys")
        if key.get("key_id") != hashlib.sha256(public).hexdigest()[:16]:
            raise EnvelopeError(f"{source}: the key id does not match the signing key")
        if certificate_fingerprint(certificate) != fingerprint:
            raise EnvelopeError(f"{source}: the fingerprint does not match the certificate")
        message = b"\x00".join([b"verbind-identity-v1"] + [f.encode("utf-8") for f in fields]
                               + [public, x25519, fingerprint.encode("ascii")])
        if not verify_ed25519(public, message, signature):
            raise EnvelopeError(f"{source}: the self-signature does not verify")
        self.keys.setdefault(doc["org_id"], {})[key["key_id"]] = public

    def load(self, paths: List[str]) -> None:
        """Adds identity documents from files, or folders of *.json."""
        for path in paths:
            if os.path.isdir(path):
                files = sorted(os.path.join(path, n) for n in os.listdir(path)
                               if n.endswith(".json"))
            else:
                files = [path]
            for file in files:
                with open(file, "rb") as f:
                    self.add_document(loads_strict(f.read()), file)

    def verify(self, envelope: Envelope, org_id: str) -> None:
        """Checks that `org_id` signed the envelope with one of its documented keys."""
        if envelope.signer != org_id:
            raise EnvelopeError(f"the {envelope.type} envelope is signed by {envelope.signer}, "
                                f"not {org_id}")
        public = self.keys.get(org_id, {}).get(envelope.key_id)
        if public is None:
            raise EnvelopeError(f"no identity document of {org_id} has key {envelope.key_id}")
        if not verify_ed25519(public, envelope.signing_message(), envelope.signature):
            raise EnvelopeError(f"the signature of {org_id}'s {envelope.type} envelope "
                                "does not verify")


def loads_strict(data: bytes) -> Any:
    """Parses UTF-8 JSON, refusing duplicate object keys and non-finite numbers."""
    def pairs(items: list) -> dict:
        out: Dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise EnvelopeError(f"duplicate key {k!r}")
            out[k] = v
        return out

    def constant(name: str) -> Any:
        raise EnvelopeError(f"{name} is not JSON")

    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=pairs,
                          parse_constant=constant)
    except (UnicodeDecodeError, ValueError) as e:
        if isinstance(e, EnvelopeError):
            raise
        raise EnvelopeError(f"not JSON: {e}") from e
