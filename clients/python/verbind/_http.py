"""HTTP(S) transport to a node's local API: one JSON request, one JSON answer.

TLS is trusted the way the command line trusts it: not through a CA, but by pinning the
SHA-256 fingerprint of the node's own certificate (the one its verbind.toml names); the host
name is not checked. Not thread-safe: use one Transport per thread.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import ssl
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

from . import errors

_ERRORS_BY_STATUS = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    429: errors.RateLimitedError,
    503: errors.UnavailableError,
}


def certificate_fingerprint(pem_or_der: bytes) -> str:
    """Hex SHA-256 of a certificate's DER encoding (the form nodes pin)."""
    if pem_or_der.lstrip().startswith(b"-----BEGIN"):
        pem = pem_or_der.decode("ascii")
        start = pem.index("-----BEGIN CERTIFICATE-----")
        end = pem.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
        pem_or_der = ssl.PEM_cert_to_DER_cert(pem[start:end])
    return hashlib.sha256(pem_or_der).hexdigest()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection that accepts exactly one leaf certificate, by fingerprint."""

    def __init__(self, host: str, port: int, fingerprint: str, timeout: float) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # trust comes from the pin checked below
        super().__init__(host, port, timeout=timeout, context=context)
        self._fingerprint = fingerprint.lower()

    def connect(self) -> None:
        super().connect()
        der = self.sock.getpeercert(binary_form=True)
        seen = hashlib.sha256(der or b"").hexdigest()
        if seen != self._fingerprint:
            self.sock.close()
            raise errors.TlsError(
                f"the node at {self.host}:{self.port} presented certificate {seen}, "
                f"not the pinned {self._fingerprint}")


class Transport:
    """Sends requests to one API base URL with a bearer token."""

    def __init__(self, url: str, token: str, fingerprint: Optional[str],
                 timeout_s: float, not_running_hint: str = "") -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.ConfigurationError(f"not an API URL: {url!r}")
        if parts.scheme == "https" and not fingerprint:
            raise errors.ConfigurationError(
                "an https API needs the node's certificate pinned: pass the node folder, "
                "tls_cert=PATH or tls_fingerprint=HEX")
        self.url = url.rstrip("/")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        self._token = token
        self._fingerprint = fingerprint
        self._timeout_s = timeout_s
        self._not_running_hint = not_running_hint

    def _connection(self, timeout_s: float) -> http.client.HTTPConnection:
        if self._tls:
            return _PinnedHTTPSConnection(self._host, self._port, self._fingerprint or "",
                                          timeout_s)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout_s)

    def request(self, method: str, path: str, body: Any = None,
                timeout_s: Optional[float] = None) -> Tuple[int, Dict[str, Any]]:
        """Sends one request; returns (HTTP status, parsed JSON body) for 2xx answers.

        Raises ApiError (or a subclass) for HTTP errors, NotRunningError when nothing listens,
        TlsError, RequestTimeoutError, TransportError, and ProtocolError for a body that is not
        a JSON object.
        """
        timeout = timeout_s if timeout_s is not None else self._timeout_s
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        status, head, raw = self._exchange(method, path, data, headers, timeout)
        if status >= 400:
            raise _api_error(status, head, raw)
        return status, _parse_object(raw, status)

    def _exchange(self, method: str, path: str, data: Optional[bytes],
                  headers: Dict[str, str], timeout: float) -> Tuple[int, Any, bytes]:
        conn = self._connection(timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        except ConnectionRefusedError as e:
            raise errors.NotRunningError(
                f"nothing answers at {self.url} ({e.strerror}){self._not_running_hint}") from e
        except ssl.SSLError as e:
            raise errors.TlsError(f"TLS with {self.url} failed: {e}") from e
        except (socket.timeout, TimeoutError) as e:
            raise errors.RequestTimeoutError(
                f"no answer from {self.url} within {timeout:g} s") from e
        except (OSError, http.client.HTTPException) as e:
            raise errors.TransportError(f"request to {self.url} failed: {e}") from e
        finally:
            conn.close()


def _parse_object(raw: bytes, status: int) -> Dict[str, Any]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise errors.ProtocolError(
            f"the node answered HTTP {status} with a body that is not JSON: {raw[:200]!r}") from e
    if not isinstance(parsed, dict):
        raise errors.ProtocolError(f"the node answered HTTP {status} with {type(parsed).__name__}, "
                                   "not a JSON object")
    return parsed


def _api_error(status: int, head: Any, raw: bytes) -> errors.ApiError:
    code, message, trace_id = "", raw[:500].decode("utf-8", "replace"), ""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict):
        code = str(body.get("code", ""))
        message = str(body.get("message", message))
        trace_id = str(body.get("trace_id", ""))
    if status == 400 and re.match(r"line \d+, column \d+: ", message):
        return errors.QuerySyntaxError(status, code, message, trace_id)
    if status == 429:
        return errors.RateLimitedError(status, code, message, trace_id,
                                       _retry_after(head.get("Retry-After")))
    cls = _ERRORS_BY_STATUS.get(status, errors.ApiError)
    return cls(status, code, message, trace_id)


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

