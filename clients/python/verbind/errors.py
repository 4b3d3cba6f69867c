"""The exceptions of the Verbind client: one hierarchy rooted at VerbindError.

Every failure of a call raises a subclass of VerbindError, so `except VerbindError` catches
everything the client raises on purpose. Errors the node answered carry its HTTP status,
its stable error code and its message (ApiError); failures before an answer are
ConfigurationError, NotRunningError and TransportError (with TlsError and
RequestTimeoutError); a run that produced no result is QueryFailedError.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Sequence


class VerbindError(Exception):
    """Base class of every error raised by the client."""


class ConfigurationError(VerbindError):
    """The client cannot be set up: no node folder, no token, an https URL without a pin."""


class NotRunningError(VerbindError):
    """The node is not running: no run/endpoints.json, or nothing listens at its address."""


class TransportError(VerbindError):
    """The request did not get an HTTP answer (connection refused or closed)."""


class TlsError(TransportError):
    """The TLS handshake failed or the node's certificate is not the pinned one."""


class RequestTimeoutError(TransportError, TimeoutError):
    """No answer arrived within the client's timeout."""


class ProtocolError(VerbindError):
    """The node answered something the client does not understand (not JSON, missing keys)."""


class ApiError(VerbindError):
    """The node answered with an HTTP error.

    Attributes: `status` (HTTP status), `code` (the node's error code, e.g. "invalid_argument";
    "" when the body named none), `message` (the node's text, which may span lines) and
    `trace_id`.
    """

    def __init__(self, status: int, code: str, message: str, trace_id: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.trace_id = trace_id
        super().__init__(f"{message} [{code + ', ' if code else ''}HTTP {status}]")


class BadRequestError(ApiError):
    """400: the request was refused as invalid (a bad purpose, peers, deadline, ...)."""


class QuerySyntaxError(BadRequestError):
    """400 for SQL that does not parse; `line` and `column` are 1-based.

    The message is the node's, with the offending line and a caret under the token.
    """

    def __init__(self, status: int, code: str, message: str, trace_id: str = "") -> None:
        super().__init__(status, code, message, trace_id)
        match = re.match(r"line (\d+), column (\d+): ", message)
        self.line: Optional[int] = int(match.group(1)) if match else None
        self.column: Optional[int] = int(match.group(2)) if match else None

    def __str__(self) -> str:
        return f"{self.message}\n[{self.code}, HTTP {self.status}]"


class AuthenticationError(ApiError):
    """401: the token is missing, unknown or revoked."""


class PermissionDeniedError(ApiError):
    """403: the token's role may not do this (e.g. raw answers need an owner token)."""


class NotFoundError(ApiError):
    """404: no such run, dataset or endpoint."""


class RateLimitedError(ApiError):
    """429: too many requests; `retry_after` is the node's Retry-After in seconds, if any."""

    def __init__(self, status: int, code: str, message: str, trace_id: str = "",
                 retry_after: Optional[float] = None) -> None:
        super().__init__(status, code, message, trace_id)
        self.retry_after = retry_after


class UnavailableError(ApiError):
    """503: the node is overloaded or cannot answer now."""


class QueryFailedError(VerbindError):
    """A run finished without a result (status "failed"): too few organisations answered.

    Attributes: `error` (the node's reason), `coverage` (every participant's outcome, a list of
    Participant), `query_id` and `response` (the node's JSON).
    """

    def __init__(self, error: str, coverage: Sequence[Any], query_id: str,
                 response: Any) -> None:
        self.error = error
        self.coverage = list(coverage)
        self.query_id = query_id
        self.response = response
        reasons = "; ".join(
            f"{p.org_id}: {p.status}" + (f" ({p.code}: {p.message})" if p.code else "")
            for p in self.coverage)
        super().__init__(f"the query failed: {error}" + (f" [{reasons}]" if reasons else ""))


class PolicyDeniedError(QueryFailedError):
    """A failed run in which every participant refused the query by policy (status denied)."""


class IncompleteResultError(VerbindError):
    """require_complete=True and the run is partial; `missing` names the organisations.

    `result` holds the partial Result for whoever wants to look at it anyway.
    """

    def __init__(self, missing: List[str], result: Any) -> None:
        self.missing = missing
        self.result = result
        super().__init__("the result is PARTIAL: no answer from " + ", ".join(missing))


class ReceiptError(VerbindError):
    """A receipt failed verification; `step` is the numbered check (docs/federation.md)."""

    def __init__(self, step: int, message: str) -> None:
        self.step = step
        super().__init__(f"receipt check {step} failed: {message}")
