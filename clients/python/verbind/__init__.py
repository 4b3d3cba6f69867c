"""Verbind analyst client: federated aggregate queries and offline receipt checks.

    import verbind
    client = verbind.Client("/srv/verbind/node")
    result = client.query("SELECT scheme, count(*) FROM support GROUP BY scheme",
                          purpose="pa-armoedemonitor", legal_basis="AVG art. 6(1)(e)")
    result.frame, result.status, result.coverage

See docs/clients.md for the whole guide.
"""

from .client import Client
from .errors import (ApiError, AuthenticationError, BadRequestError, ConfigurationError,
                     IncompleteResultError, NotFoundError, NotRunningError,
                     PermissionDeniedError, PolicyDeniedError, ProtocolError, QueryFailedError,
                     QuerySyntaxError, RateLimitedError, ReceiptError, RequestTimeoutError,
                     TlsError, TransportError, UnavailableError, VerbindError)
from .receipt import ReceiptReport, verify_receipt
from .result import Participant, PartialResultWarning, Result

__all__ = [
    "ApiError", "AuthenticationError", "BadRequestError", "Client", "ConfigurationError",
    "IncompleteResultError", "NotFoundError", "NotRunningError", "Participant",
    "PartialResultWarning", "PermissionDeniedError", "PolicyDeniedError", "ProtocolError",
    "QueryFailedError", "QuerySyntaxError", "RateLimitedError", "ReceiptError",
    "ReceiptReport", "RequestTimeoutError", "Result", "TlsError", "TransportError",
    "UnavailableError", "VerbindError", "verify_receipt",
]
