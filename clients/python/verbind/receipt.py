"""Offline receipt checks (docs/federation.md, "Receipts"): an independent implementation.

`verify_receipt(path, identities)` runs the six documented checks in order and raises
ReceiptError naming the first that fails; on success it returns a ReceiptReport. It needs no
node, only the identity documents of the organisations involved.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Union

from . import combine
from .envelope import EnvelopeError, Identities, loads_strict, parse_envelope
from .errors import ReceiptError

_SUMMARY_PARTICIPANT_KEYS = ("org_id", "status", "code")
_FLOAT_TOLERANCE = 1e-9  # relative; finished doubles may differ in their last bits


@dataclass(frozen=True)
class ReceiptReport:
    """What a verified receipt attests."""

    query_id: str
    coordinator: str
    created_at: int
    query: Dict[str, Any]
    participants: List[Dict[str, str]]  # org_id, status, code
    result: Dict[str, Any]

    @property
    def complete(self) -> bool:
        """True when every participant answered."""
        return all(p["status"] == "answered" for p in self.participants)


def verify_receipt(path: str, identities: Union[str, Sequence[str]]) -> ReceiptReport:
    """Checks the receipt file at `path` against identity documents (files or folders).

    Raises ReceiptError(step, message) on the first failed check, OSError when a file cannot
    be read.
    """
    keys = Identities()
    try:
        keys.load([identities] if isinstance(identities, str) else list(identities))
    except EnvelopeError as e:
        raise ReceiptError(0, f"identity documents: {e}") from e
    with open(path, "rb") as f:
        data = f.read()
    document = _check_exact_file(data)
    body = _check_receipt_envelope(document, keys)
    _check_summary(document["summary"], body)
    query = _check_query_envelope(body, keys)
    partials = _check_participants(body, query, keys)
    _check_combination(body, partials)
    return ReceiptReport(body["query_id"], body["coordinator"], body["created_at"],
                         body["query"], document["summary"]["participants"], body["result"])


def _fail(step: int, message: str) -> ReceiptError:
    return ReceiptError(step, message)


def _check_exact_file(data: bytes) -> Dict[str, Any]:
    """Step 1: the file is exactly as written (sorted keys, two-space indent, final newline)."""
    try:
        document = loads_strict(data)
    except EnvelopeError as e:
        raise _fail(1, f"the file is not valid JSON: {e}") from e
    canonical = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if canonical.encode("utf-8") != data:
        raise _fail(1, "the file is not exactly as written (a byte was changed)")
    if not isinstance(document, dict) or set(document) != {"verbind_receipt", "receipt",
                                                           "summary"}:
        raise _fail(1, "a receipt file has exactly verbind_receipt, receipt and summary")
    if document["verbind_receipt"] != 1:
        raise _fail(1, f"unknown receipt format {document['verbind_receipt']!r}")
    return document


def _check_receipt_envelope(document: Dict[str, Any], keys: Identities) -> Dict[str, Any]:
    """Step 2: the receipt envelope is signed by the requesting organisation."""
    try:
        envelope = parse_envelope(document["receipt"], "receipt")
        body = envelope.payload_object()
        coordinator = body.get("coordinator")
        if coordinator != envelope.signer:
            raise EnvelopeError(f"the body names coordinator {coordinator!r} but "
                                f"{envelope.signer} signed it")
        keys.verify(envelope, envelope.signer)
    except EnvelopeError as e:
        raise _fail(2, str(e)) from e
    needed = {"coordinator", "created_at", "query_id", "query_hash", "query", "query_envelope",
              "participants", "combination", "result"}
    if not needed <= set(body):
        raise _fail(2, f"the body lacks {', '.join(sorted(needed - set(body)))}")
    return body


def _check_summary(summary: Any, body: Dict[str, Any]) -> None:
    """Step 3: the summary says what the signed body says."""
    expected = {
        "coordinator": body["coordinator"], "created_at": body["created_at"],
        "query_id": body["query_id"], "query": body["query"], "result": body["result"],
        "participants": [{k: p.get(k, "") for k in _SUMMARY_PARTICIPANT_KEYS}
                         for p in body["participants"]],
    }
    if summary != expected:
        differing = sorted(k for k in set(expected) | set(summary or {})
                           if (summary or {}).get(k) != expected.get(k))
        raise _fail(3, f"the summary differs from the signed body in: {', '.join(differing)}")


def _check_query_envelope(body: Dict[str, Any], keys: Identities) -> Dict[str, Any]:
    """Step 4: the query envelope is the coordinator's, with the hash and id the body names."""
    try:
        envelope = parse_envelope(body["query_envelope"], "query")
        keys.verify(envelope, body["coordinator"])
        query = envelope.payload_object()
    except EnvelopeError as e:
        raise _fail(4, str(e)) from e
    if envelope.hash() != body["query_hash"]:
        raise _fail(4, "the query envelope's hash is not the body's query_hash")
    if query.get("query_id") != body["query_id"] or query.get("requester") != envelope.signer:
        raise _fail(4, "the query envelope's query_id or requester differs from the body's")
    if query.get("query") != body["query"]:
        raise _fail(4, "the query in the envelope differs from the body's")
    named = [p.get("org_id") for p in body["participants"]]
    if sorted(named) != sorted(query.get("participants", [])):
        raise _fail(4, "the participants differ from those the query envelope names")
    return query


def _check_participants(body: Dict[str, Any], query: Dict[str, Any],
                        keys: Identities) -> List[Dict[str, Any]]:
    """Step 5: signed partials of those who answered, signed refusals of those who denied."""
    partials: List[Dict[str, Any]] = []
    items = None
    for participant in body["participants"]:
        org, status = participant.get("org_id"), participant.get("status")
        envelope_obj = participant.get("envelope")
        if status not in ("answered", "denied"):
            if envelope_obj:
                raise _fail(5, f"{org} is {status} but carries an envelope")
            continue
        try:
            kind = "partial" if status == "answered" else "refusal"
            envelope = parse_envelope(envelope_obj, kind)
            keys.verify(envelope, org)
            payload = envelope.payload_object()
        except EnvelopeError as e:
            raise _fail(5, f"{org}: {e}") from e
        if payload.get("query_hash") != body["query_hash"] or \
                payload.get("query_id") != body["query_id"] or payload.get("responder") != org:
            raise _fail(5, f"{org}'s {kind} is not bound to this query")
        if kind == "refusal":
            if payload.get("code") != participant.get("code"):
                raise _fail(5, f"{org}'s refusal code differs from its status code")
            continue
        if payload.get("dataset") != query.get("dataset"):
            raise _fail(5, f"{org}'s partial is for another dataset")
        try:
            combine.check_partial_shape(payload.get("result"), items)
        except combine.CombineError as e:
            raise _fail(5, f"{org}'s partial result: {e}") from e
        items = payload["result"]["items"]
        partials.append({"org_id": org, "result": payload["result"]})
    return partials


def _check_combination(body: Dict[str, Any], partials: List[Dict[str, Any]]) -> None:
    """Step 6: recomputed combination and finished result equal the body's."""
    if not partials:
        raise _fail(6, "no participant answered, so there is nothing to combine")
    try:
        combination = combine.combine([p["result"] for p in partials])
    except combine.CombineError as e:
        raise _fail(6, str(e)) from e
    combination["protection"] = {"nodes": {p["org_id"]: p["result"]["protection"]
                                           for p in partials}}
    if not _same(combination, body["combination"]):
        raise _fail(6, "the combination recomputed from the signed partials differs")
    complete = all(p.get("status") == "answered" for p in body["participants"])
    finished = combine.finish(combination, complete)
    _compare_result(finished, body["result"], complete)


def _compare_result(finished: Dict[str, Any], result: Any, complete: bool) -> None:
    if not isinstance(result, dict) or result.get("columns") != finished["columns"]:
        raise _fail(6, "the result's columns are not the combination's")
    rows = result.get("rows")
    if not isinstance(rows, list) or len(rows) != len(finished["rows"]):
        raise _fail(6, "the result does not have one row per cell")
    for want, got in zip(finished["rows"], rows):
        if got.get("key") != want["key"] or not _same(want["values"], got.get("values")):
            raise _fail(6, f"the result row {want['key']} differs from the combination's")
        _check_statuses(want["withheld"], got, complete)


def _check_statuses(withheld: List[bool], row: Dict[str, Any], complete: bool) -> None:
    """Value statuses: withheld exactly where the combination withholds; the others complete
    in a complete run, incomplete in a partial one."""
    statuses = row.get("value_status")
    if statuses is None:
        if any(withheld):
            raise _fail(6, f"row {row['key']} hides that a value is withheld")
        return
    if len(statuses) != len(withheld):
        raise _fail(6, f"row {row['key']} has a status per value of another length")
    unmarked = "complete" if complete else "incomplete"
    for flag, status in zip(withheld, statuses):
        if isinstance(status, dict):  # nodes from before row statuses: {"status": "ok"}
            status = status.get("status")
            want = "withheld" if flag else "ok"
        else:
            want = "withheld" if flag else unmarked
        if status != want:
            raise _fail(6, f"row {row['key']} says {status!r} for a value that is {want}")


def _same(want: Any, got: Any) -> bool:
    """Equal, with doubles compared to a relative tolerance of 1e-9."""
    if isinstance(want, float) or isinstance(got, float):
        if isinstance(want, bool) or isinstance(got, bool) or \
                not isinstance(want, (int, float)) or not isinstance(got, (int, float)):
            return False
        return math.isclose(want, got, rel_tol=_FLOAT_TOLERANCE, abs_tol=1e-12)
    if isinstance(want, dict):
        return isinstance(got, dict) and set(want) == set(got) and \
            all(_same(want[k], got[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and \
            all(_same(a, b) for a, b in zip(want, got))
    return type(want) is type(got) and want == got
