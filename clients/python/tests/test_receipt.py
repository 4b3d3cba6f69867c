"""verify_receipt against receipts written by real nodes, with `verbind receipt verify` as the
reference: every query shape passes both; any changed byte fails ours (and the reference's).
Also the protocol's published test vectors and the strict Ed25519 rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import unittest
import warnings

import verbind
from fixture import LEGAL_BASIS, PURPOSE, shared_federation
from verbind import envelope

FED = None
QUERIES = {
    "grouped": "SELECT year, kind, count(*), avg(load) FROM sensors GROUP BY year, kind",
    "moments": "SELECT kind, count(*), sum(load), avg(load), var(load), stddev(load) "
               "FROM sensors GROUP BY kind",
    "grid": "SELECT histogram(load, 0, 100, 2), quantile(load, 0.5), median(load) "
            "FROM sensors WHERE kind = 'bridge'",
    "comoments": "SELECT kind, corr(year, load), regression(load, year) FROM sensors "
                 "GROUP BY kind",
}
VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "vectors",
                       "protocol_vectors.json")


def setUpModule() -> None:
    global FED
    FED = shared_federation()


def receipt_of(sql: str, peers) -> str:
    """Asks org-a with a receipt; returns the path of the saved receipt file."""
    node = FED.nodes["org-a"]
    client = verbind.Client(node.folder, token=node.tokens["analyst"], use_pandas=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", verbind.PartialResultWarning)
        result = client.query(sql, purpose=PURPOSE, legal_basis=LEGAL_BASIS, peers=peers,
                              receipt=True, deadline_ms=3000)
    handle, path = tempfile.mkstemp(suffix=".json", dir=FED.root)
    os.close(handle)
    result.save_receipt(path)
    return path


def reference_accepts(path: str) -> bool:
    done = subprocess.run([FED.binary, "receipt", "verify", path, "--identities", FED.identities],
                          capture_output=True, text=True, timeout=30)
    return done.returncode == 0


class RealReceiptTest(unittest.TestCase):
    """Receipts of complete and partial runs of every aggregate kind."""

    def test_every_query_shape_verifies_like_the_reference(self) -> None:
        for name, sql in QUERIES.items():
            for peers in (["org-b"], "all"):
                with self.subTest(query=name, peers=peers):
                    path = receipt_of(sql, peers)
                    self.assertTrue(reference_accepts(path))
                    report = verbind.verify_receipt(path, FED.identities)
                    self.assertEqual(report.coordinator, "org-a")
                    self.assertEqual(report.complete, peers != "all")

    def test_a_signed_refusal_is_checked(self) -> None:
        path = receipt_of(QUERIES["comoments"], ["org-b", "org-c"])
        report = verbind.verify_receipt(path, FED.identities)
        statuses = {p["org_id"]: (p["status"], p["code"]) for p in report.participants}
        self.assertEqual(statuses["org-c"], ("denied", "denied"))
        self.assertEqual(statuses["org-b"][0], "answered")

    def test_partial_receipt_names_the_stopped_node(self) -> None:
        report = verbind.verify_receipt(receipt_of(QUERIES["grouped"], "all"), FED.identities)
        statuses = {p["org_id"]: p["status"] for p in report.participants}
        self.assertIn(statuses["org-d"], ("unreachable", "timed_out"))
        self.assertFalse(report.complete)

    def test_identities_of_every_signer_are_needed(self) -> None:
        path = receipt_of(QUERIES["grouped"], ["org-b"])
        with self.assertRaises(verbind.ReceiptError) as caught:
            verbind.verify_receipt(path, [FED.identity_path("org-a")])
        self.assertEqual(caught.exception.step, 5)


class TamperTest(unittest.TestCase):
    """Any changed byte fails: each byte of a sample across the file is changed in turn."""

    def test_changed_bytes_fail(self) -> None:
        path = receipt_of(QUERIES["moments"], ["org-b", "org-c"])
        with open(path, "rb") as f:
            original = f.read()
        verbind.verify_receipt(path, FED.identities)
        positions = sorted(set(range(0, len(original), max(1, len(original) // 400)))
                           | {len(original) - 1})
        tampered = os.path.join(FED.root, "tampered.json")
        failures = []
        for position in positions:
            data = bytearray(original)
            data[position] = _other_byte(data[position])
            with open(tampered, "wb") as f:
                f.write(bytes(data))
            try:
                verbind.verify_receipt(tampered, FED.identities)
                failures.append(position)
            except verbind.ReceiptError:
                pass
        self.assertEqual(failures, [], "changed bytes that still verified")
        self.assertGreater(len(positions), 300)

    def test_changed_values_fail_here_and_in_the_reference(self) -> None:
        path = receipt_of(QUERIES["grouped"], ["org-b", "org-c"])
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        edits = {
            "summary count": lambda d: d["summary"]["result"]["rows"][0]["values"].__setitem__(
                0, d["summary"]["result"]["rows"][0]["values"][0] + 1),
            "summary status": lambda d: d["summary"]["participants"][1].__setitem__(
                "status", "timed_out"),
            "signature": lambda d: d["receipt"].__setitem__(
                "signature", d["receipt"]["signature"][::-1]),
        }
        for name, edit in edits.items():
            with self.subTest(edit=name):
                changed = json.loads(json.dumps(document))
                edit(changed)
                tampered = os.path.join(FED.root, f"edit-{len(name)}.json")
                with open(tampered, "w", encoding="utf-8") as f:
                    f.write(json.dumps(changed, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
                with self.assertRaises(verbind.ReceiptError):
                    verbind.verify_receipt(tampered, FED.identities)
                self.assertFalse(reference_accepts(tampered))


def _other_byte(b: int) -> int:
    """A different printable byte of the same class, so the JSON often still parses."""
    c = chr(b)
    if c.isdigit():
        return ord(str((int(c) + 1) % 10))
    if c.isalpha():
        return ord("a" if c != "a" else "b")
    if c == " ":
        return ord("\t")
    if c == "\n":
        return ord(" ")
    return ord("x")


class VectorTest(unittest.TestCase):
    """docs/protocol.md section 9 and the Ed25519 rules of section 3."""

    def test_protocol_vectors(self) -> None:
        with open(VECTORS, encoding="utf-8") as f:
            vectors = json.load(f)["vectors"]
        for vector in vectors:
            with self.subTest(vector=vector["name"]):
                env = envelope.parse_envelope(json.loads(vector["envelope"]), vector["type"])
                self.assertEqual(env.hash(), vector["envelope_hash"])
                self.assertEqual(env.signing_message().hex(), vector["signing_message_hex"])
                public = bytes.fromhex(vector["signer_public_key_hex"])
                self.assertTrue(envelope.verify_ed25519(public, env.signing_message(),
                                                        env.signature))
                self.assertFalse(envelope.verify_ed25519(public, env.signing_message() + b" ",
                                                         env.signature))

    def test_strict_signatures(self) -> None:
        identity = (1).to_bytes(32, "little")  # the neutral point: order 1
        self.assertTrue(envelope.has_small_order(identity))
        self.assertTrue(envelope.has_small_order((2**255 - 20).to_bytes(32, "little")))  # -1
        with open(VECTORS, encoding="utf-8") as f:
            vector = json.load(f)["vectors"][0]
        env = envelope.parse_envelope(json.loads(vector["envelope"]), "query")
        public = bytes.fromhex(vector["signer_public_key_hex"])
        self.assertFalse(envelope.has_small_order(public))
        order = 2**252 + 27742317777372353535851937790883648493
        s = int.from_bytes(env.signature[32:], "little") + order  # same point, S not canonical
        self.assertFalse(envelope.verify_ed25519(public, env.signing_message(),
                                                 env.signature[:32] + s.to_bytes(32, "little")))
        self.assertFalse(envelope.verify_ed25519(identity, b"m", identity + bytes(32)))

    def test_base64url_is_strict(self) -> None:
        self.assertEqual(envelope.b64url_decode("AQ"), b"\x01")
        for bad in ("AQ==", "AR", "A+", "A"):
            with self.subTest(text=bad), self.assertRaises(envelope.EnvelopeError):
                envelope.b64url_decode(bad)


if __name__ == "__main__":
    unittest.main()
