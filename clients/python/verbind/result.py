"""The outcome of a federated query: values, statuses, coverage, protection and receipt.

A Result is immutable after construction and safe to share between threads. Its table
(`frame`) has one row per group key: the group columns, the aggregate columns, a `status`
column ("complete", "incomplete" or "withheld") and one `<aggregate>__status` column per
aggregate with that value's status. A pandas DataFrame when pandas is importable (and not
switched off), else a list of dicts with the same columns.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from . import errors

# Row and value statuses of the result contract.
COMPLETE = "complete"
INCOMPLETE = "incomplete"
WITHHELD = "withheld"
_VALUE_STATUSES = (COMPLETE, INCOMPLETE, WITHHELD)

# Suffix of the per-value status columns.
STATUS_SUFFIX = "__status"


class PartialResultWarning(UserWarning):
    """Issued when a run is partial: some organisations' parts are missing from the values."""


@dataclass(frozen=True)
class Participant:
    """One organisation's outcome in a run (docs/federation.md, "Coverage")."""

    org_id: str
    status: str  # answered, denied, refused, timed_out, unreachable, invalid_answer, pending
    code: str = ""
    message: str = ""
    latency_ms: float = 0.0

    @property
    def answered(self) -> bool:
        """True when this organisation's signed partial was combined."""
        return self.status == "answered"


def parse_coverage(items: Any) -> List[Participant]:
    """The `coverage` array of a run as Participants; ProtocolError when malformed."""
    if not isinstance(items, list):
        raise errors.ProtocolError("the run has no coverage list")
    out = []
    for item in items:
        if not isinstance(item, dict) or "org_id" not in item or "status" not in item:
            raise errors.ProtocolError(f"a coverage entry lacks org_id or status: {item!r}")
        out.append(Participant(str(item["org_id"]), str(item["status"]),
                               str(item.get("code", "")), str(item.get("message", "")),
                               float(item.get("latency_ms", 0.0))))
    return out


def pandas_wanted() -> bool:
    """False when VERBIND_NO_PANDAS is set to a non-empty value other than 0."""
    return os.environ.get("VERBIND_NO_PANDAS", "") in ("", "0")


def _import_pandas() -> Any:
    try:
        import pandas  # noqa: PLC0415 (optional dependency)
    except ImportError:
        return None
    return pandas


class Result:
    """A finished run with a result (status "complete" or "partial").

    Attributes: `frame` (DataFrame or list of dicts), `status`, `complete`, `coverage` (list of
    Participant), `missing` (organisations whose part is missing), `protection`, `receipt` (the
    receipt file text, or None), `query_id`, `run_id`, `columns` (the result's column
    descriptions), `response` (the node's JSON as received).
    """

    def __init__(self, response: Dict[str, Any], use_pandas: bool = True) -> None:
        self.response = response
        self.status: str = response["status"]
        self.query_id: str = response.get("query_id", "")
        self.run_id: str = response.get("id", "")
        self.coverage = parse_coverage(response.get("coverage"))
        self.protection: Dict[str, Any] = response.get("protection", {})
        self.receipt: Optional[str] = response.get("receipt")
        result = response.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("columns"), list) \
                or not isinstance(result.get("rows"), list):
            raise errors.ProtocolError("the run has no result with columns and rows")
        self.columns: List[Dict[str, Any]] = result["columns"]
        self.records = [_record(self.columns, row, self.status) for row in result["rows"]]
        self.frame = _frame(self.records, self.columns, use_pandas)

    @property
    def complete(self) -> bool:
        """True only when every organisation asked answered (status "complete")."""
        return self.status == COMPLETE

    @property
    def missing(self) -> List[str]:
        """Organisations asked whose part is not in the values."""
        return [p.org_id for p in self.coverage if not p.answered]

    def save_receipt(self, path: str) -> None:
        """Writes the receipt file exactly as received; ValueError when none was asked."""
        if self.receipt is None:
            raise ValueError("this run has no receipt: ask with receipt=True")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(self.receipt)

    def warn_if_partial(self) -> None:
        """Issues a PartialResultWarning naming the missing organisations, if any."""
        if not self.complete:
            warnings.warn(f"PARTIAL result: no part from {', '.join(self.missing)}; "
                          "values marked incomplete lack their records", PartialResultWarning,
                          stacklevel=4)

    def __repr__(self) -> str:
        answered = sum(p.answered for p in self.coverage)
        head = "COMPLETE" if self.complete else f"PARTIAL (missing: {', '.join(self.missing)})"
        return (f"<verbind.Result {head}: {len(self.records)} rows, "
                f"{answered} of {len(self.coverage)} organisations answered, "
                f"query {self.query_id}>")


def _value_statuses(row: Dict[str, Any], count: int, run_status: str) -> List[str]:
    """The statuses of a row's values, from the contract's `value_status` strings.

    Nodes from before row statuses send `value_status` only when something is withheld, as
    objects ({"status": "ok"|"withheld"}); their other values are complete in a complete run
    and incomplete in a partial one.
    """
    given = row.get("value_status")
    unmarked = COMPLETE if run_status == COMPLETE else INCOMPLETE
    if given is None:
        return [unmarked] * count
    if not isinstance(given, list) or len(given) != count:
        raise errors.ProtocolError(f"value_status does not match the row's values: {row!r}")
    out = []
    for status in given:
        if isinstance(status, dict):  # a node from before row statuses
            status = WITHHELD if status.get("status") == WITHHELD else unmarked
        if status not in _VALUE_STATUSES:
            raise errors.ProtocolError(f"unknown value status {status!r}")
        out.append(status)
    return out


def _row_status(row: Dict[str, Any], value_statuses: List[str]) -> str:
    status = row.get("status")
    if status is None:  # a node from before row statuses
        if INCOMPLETE in value_statuses:
            return INCOMPLETE
        return WITHHELD if WITHHELD in value_statuses else COMPLETE
    if status not in _VALUE_STATUSES:
        raise errors.ProtocolError(f"unknown row status {status!r}")
    return status


def _record(columns: List[Dict[str, Any]], row: Any, run_status: str) -> Dict[str, Any]:
    """One result row as a flat dict: keys, values, status and per-value statuses."""
    if not isinstance(row, dict) or not isinstance(row.get("key"), list) \
            or not isinstance(row.get("values"), list):
        raise errors.ProtocolError(f"a result row lacks key or values: {row!r}")
    groups = [c["name"] for c in columns if c.get("role") == "group"]
    aggregates = [c["name"] for c in columns if c.get("role") != "group"]
    if len(row["key"]) != len(groups) or len(row["values"]) != len(aggregates):
        raise errors.ProtocolError(f"a result row does not match the columns: {row!r}")
    value_statuses = _value_statuses(row, len(aggregates), run_status)
    record: Dict[str, Any] = dict(zip(groups, row["key"]))
    record.update(zip(aggregates, row["values"]))
    record["status"] = _row_status(row, value_statuses)
    for name, status in zip(aggregates, value_statuses):
        record[name + STATUS_SUFFIX] = status
    return record


def _frame(records: List[Dict[str, Any]], columns: List[Dict[str, Any]], use_pandas: bool) -> Any:
    pandas = _import_pandas() if use_pandas and pandas_wanted() else None
    if pandas is None:
        return records
    aggregates = [c["name"] for c in columns if c.get("role") != "group"]
    order = [c["name"] for c in columns] + ["status"] + [a + STATUS_SUFFIX for a in aggregates]
    frame = pandas.DataFrame.from_records(records, columns=order)
    for name in order:  # integer columns with nulls stay integers (not floats with NaN)
        values = [r[name] for r in records if r[name] is not None]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[name] = frame[name].astype("Int64")
    return frame
