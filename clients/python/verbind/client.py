"""Client: an analyst's connection to one Verbind node's local API.

A Client finds the node like the command line does: from a node folder (the API address in
run/endpoints.json, the token in run/cli.token unless one is given or VERBIND_TOKEN is set, and
for an https API the node's own certificate from verbind.toml, pinned by fingerprint), or from
a URL and a token. Not thread-safe: use one Client per thread.
"""

from __future__ import annotations

import json
import os
import tomllib
from typing import Any, Dict, List, Optional, Sequence, Union

from . import errors
from ._http import Transport, certificate_fingerprint
from .result import Result, parse_coverage

Peers = Union[None, str, Sequence[str]]


class Client:
    """Talks to one node's local API with a bearer token (an analyst's, or the admin's).

    Raises ConfigurationError when the folder is not a node folder or no token can be found,
    NotRunningError when the node is not running.
    """

    def __init__(self, node_dir_or_url: str, token: Optional[str] = None, *,
                 timeout_s: float = 60.0, tls_cert: Optional[str] = None,
                 tls_fingerprint: Optional[str] = None, use_pandas: bool = True) -> None:
        self.use_pandas = use_pandas
        self.timeout_s = timeout_s
        token = token or os.environ.get("VERBIND_TOKEN") or None
        hint = ""
        if "://" in node_dir_or_url:
            url = node_dir_or_url
            if not token:
                raise errors.ConfigurationError("a URL needs a token (token=... or VERBIND_TOKEN)")
        else:
            node_dir = node_dir_or_url
            url = _api_url(node_dir)
            token = token or _read_token(node_dir)
            if url.startswith("https:") and not (tls_cert or tls_fingerprint):
                tls_cert = _node_certificate_path(node_dir)
            hint = f"; is the node in {node_dir} running? start it with: verbind serve {node_dir}"
        if tls_cert and not tls_fingerprint:
            tls_fingerprint = _fingerprint_of(tls_cert)
        self._transport = Transport(url, token, tls_fingerprint, timeout_s, hint)

    @property
    def url(self) -> str:
        """The base URL of the node's local API."""
        return self._transport.url

    def query(self, sql: Union[str, Dict[str, Any]], *, purpose: str, legal_basis: str,
              peers: Peers = None, local: bool = False, include_self: bool = True,
              min_answers: Optional[int] = None, deadline_ms: Optional[int] = None,
              require_complete: bool = False, receipt: bool = False) -> Result:
        """Runs a federated query (or with local=True one over this node's data) and waits.

        `sql` is SQL text or the JSON form of a query (docs/query.md). `peers` is None or "all"
        (every active peer) or a list of organisation ids. Returns a Result whose status is
        "complete" or "partial"; a partial Result also issues a PartialResultWarning.
        Raises IncompleteResultError (naming the missing organisations) for a partial run when
        require_complete is true, PolicyDeniedError when every participant refused by policy,
        QueryFailedError for any other run without a result, QuerySyntaxError for SQL that
        does not parse, and the other ApiError and transport errors of the request.
        """
        body: Dict[str, Any] = {"query": sql, "purpose": purpose, "legal_basis": legal_basis}
        if local:
            body["local"] = True
        else:
            if peers is not None:
                body["peers"] = peers if isinstance(peers, str) else list(peers)
            if not include_self:
                body["include_self"] = False
        if min_answers is not None:
            body["min_answers"] = min_answers
        if deadline_ms is not None:
            body["deadline_ms"] = deadline_ms
        if receipt:
            body["receipt"] = True
        timeout = max(self.timeout_s, (deadline_ms or 5000) / 1000 + 30)
        _, response = self._transport.request("POST", "/v1/queries", body, timeout)
        return self._finish_run(response, require_complete)

    def datasets(self) -> List[Dict[str, Any]]:
        """The datasets of this node (their describe JSON: name, fields, schema, ...)."""
        _, response = self._transport.request("GET", "/v1/datasets")
        found = response.get("datasets")
        if not isinstance(found, list):
            raise errors.ProtocolError("GET /v1/datasets answered without a datasets list")
        return found

    def _finish_run(self, response: Dict[str, Any], require_complete: bool) -> Result:
        status = response.get("status")
        if status == "failed":
            coverage = parse_coverage(response.get("coverage", []))
            cls = errors.QueryFailedError
            if coverage and all(p.status == "denied" for p in coverage):
                cls = errors.PolicyDeniedError
            raise cls(str(response.get("error", "")), coverage,
                      str(response.get("query_id", "")), response)
        if status not in ("complete", "partial"):
            raise errors.ProtocolError(f"the node answered a run with status {status!r}: "
                                       f"{json.dumps(response)[:300]}")
        result = Result(response, self.use_pandas)
        if not result.complete:
            if require_complete:
                raise errors.IncompleteResultError(result.missing, result)
            result.warn_if_partial()
        return result


def _api_url(node_dir: str) -> str:
    if not os.path.isdir(node_dir):
        raise errors.ConfigurationError(f"no node folder {node_dir}")
    if not os.path.isfile(os.path.join(node_dir, "verbind.toml")):
        raise errors.ConfigurationError(f"{node_dir} is not a node folder (no verbind.toml)")
    path = os.path.join(node_dir, "run", "endpoints.json")
    try:
        with open(path, encoding="utf-8") as f:
            endpoints = json.load(f)
    except FileNotFoundError as e:
        raise errors.NotRunningError(
            f"the node in {node_dir} is not running (no run/endpoints.json); start it with: "
            f"verbind serve {node_dir}") from e
    except (OSError, ValueError) as e:
        raise errors.ConfigurationError(f"cannot read {path}: {e}") from e
    url = endpoints.get("api_url") if isinstance(endpoints, dict) else None
    if not isinstance(url, str) or not url:
        raise errors.ConfigurationError(f"{path} names no api_url")
    return url


def _read_token(node_dir: str) -> str:
    path = os.path.join(node_dir, "run", "cli.token")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError as e:
        raise errors.ConfigurationError(
            f"cannot read {path} ({e.strerror}); pass token=... or set VERBIND_TOKEN") from e


def _node_certificate_path(node_dir: str) -> str:
    """The node's TLS certificate, as its verbind.toml (or VERBIND_PEER_TLS_CERT) names it."""
    path = os.environ.get("VERBIND_PEER_TLS_CERT")
    if not path:
        try:
            with open(os.path.join(node_dir, "verbind.toml"), "rb") as f:
                config = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise errors.ConfigurationError(f"cannot read {node_dir}/verbind.toml: {e}") from e
        path = config.get("peer", {}).get("tls_cert", "keys/tls.crt")
    return path if os.path.isabs(path) else os.path.join(node_dir, path)


def _fingerprint_of(cert_path: str) -> str:
    try:
        with open(cert_path, "rb") as f:
            return certificate_fingerprint(f.read())
    except (OSError, ValueError) as e:
        raise errors.ConfigurationError(f"cannot read the certificate {cert_path}: {e}") from e
