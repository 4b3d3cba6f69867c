"""The client against real nodes: complete and partial runs, statuses, coverage and errors.

Four nodes run for the whole module; org-d is stopped after set-up, so a run that asks every
peer is partial while one that asks org-b and org-c is complete. org-b serves its local API
over HTTPS. The dataset is marked non-personal with a threshold of 3, so counts are exact.
"""

from __future__ import annotations

import http.server
from collections import Counter
import os
import shutil
import socket
import tempfile
import threading
import unittest
import warnings
from unittest import mock

import verbind
from fixture import LEGAL_BASIS, MIN_CELL, MONTHS, PURPOSE, YEARS, Federation, api_url, \
    expected_counts, expected_means, shared_federation

FED: Federation = None  # type: ignore[assignment]
SQL = "SELECT year, kind, count(*), avg(load) FROM sensors GROUP BY year, kind"
ASKED = ["org-a", "org-b", "org-c"]


def setUpModule() -> None:
    global FED
    FED = shared_federation()


def analyst(org: str = "org-a", **kwargs) -> verbind.Client:
    """A client of `org` with its analyst token."""
    node = FED.nodes[org]
    return verbind.Client(node.folder, token=node.tokens["analyst"], **kwargs)


def ask(client: verbind.Client, sql: str = SQL, **kwargs) -> verbind.Result:
    kwargs.setdefault("peers", ["org-b", "org-c"])
    return client.query(sql, purpose=PURPOSE, legal_basis=LEGAL_BASIS, **kwargs)


def by_key(records, *names):
    return {tuple(r[n] for n in names): r for r in records}


class CompleteRunTest(unittest.TestCase):
    """org-a asks itself, org-b and org-c, who all answer."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.result = ask(analyst(use_pandas=False))

    def test_status_and_coverage(self) -> None:
        r = self.result
        self.assertEqual(r.status, "complete")
        self.assertTrue(r.complete)
        self.assertEqual(r.missing, [])
        self.assertEqual(sorted(p.org_id for p in r.coverage), ASKED)
        self.assertTrue(all(p.status == "answered" and p.latency_ms > 0 for p in r.coverage))
        self.assertRegex(r.query_id, "^[0-9a-f]{32}$")
        self.assertIn("COMPLETE", repr(r))
        self.assertEqual(sorted(r.protection["nodes"]), ASKED)
        self.assertEqual(r.protection["nodes"]["org-c"]["method"], "threshold")

    def test_counts_are_exact(self) -> None:
        counts = expected_counts(FED.rows_of(ASKED))
        rows = by_key(self.result.frame, "year", "kind")
        self.assertEqual(len(rows), len(counts))
        for key, count in counts.items():
            row = rows[key]
            if 0 < count < MIN_CELL or key == (2020, "lock"):
                self.assertIsNone(row["count(*)"], key)
                self.assertEqual(row["count(*)__status"], "withheld", key)
                self.assertEqual(row["status"], "withheld", key)
            else:
                self.assertEqual(row["count(*)"], count, key)
                self.assertEqual(row["count(*)__status"], "complete", key)
        self.assertEqual(rows[(2023, "bridge")]["count(*)"], 3 * 7 + 3)  # 7, 8 and 9 readings

    def test_means_match_the_records(self) -> None:
        rows = by_key(self.result.frame, "year", "kind")
        for key, mean in expected_means(FED.rows_of(ASKED)).items():
            if key[1] != "lock":
                self.assertAlmostEqual(rows[key]["avg(load)"], mean, places=9, msg=key)
                self.assertEqual(rows[key]["status"], "complete")

    def test_rows_carry_the_status_contract(self) -> None:
        for row in self.result.response["result"]["rows"]:
            self.assertIn(row.get("status"), ("complete", "withheld"), row)
            self.assertEqual(len(row.get("value_status", [])), len(row["values"]), row)
            for status in row["value_status"]:
                self.assertIn(status, ("complete", "withheld"), row)

    def test_trend_by_year(self) -> None:
        result = ask(analyst(use_pandas=False),
                     "SELECT year, count(*) FROM sensors WHERE kind = 'bridge' GROUP BY year")
        got = {r["year"]: r["count(*)"] for r in result.frame}
        rows = FED.rows_of(ASKED)
        self.assertEqual(got, {y: sum(1 for _, yr, k, _ in rows if yr == y and k == "bridge")
                               for y in YEARS})


    def test_monthly_trend_lists_every_month_in_order(self) -> None:
        result = ask(analyst(use_pandas=False),
                     "SELECT date_trunc('month', start_date) AS month, scheme, count(*) AS n "
                     "FROM starts WHERE start_date >= DATE '2023-01-01' GROUP BY month, scheme")
        self.assertTrue(result.complete, result.coverage)
        got = [(r["month"], r["scheme"], r["n"]) for r in result.frame]
        expected = Counter((d[:8] + "01", scheme)
                           for org in ASKED for _, scheme, d in FED.starts[org])
        self.assertEqual(len(got), len(MONTHS) * 2)
        self.assertEqual([m for m, _, _ in got], sorted(m for m, _, _ in got))
        self.assertEqual({(m, s): n for m, s, n in got}, dict(expected))
        self.assertEqual(got[0][0], "2023-01-01")


class FrameTest(unittest.TestCase):
    """pandas when importable; a list of dicts when switched off."""

    def test_list_of_dicts_when_pandas_is_off(self) -> None:
        with mock.patch.dict(os.environ, {"VERBIND_NO_PANDAS": "1"}):
            result = ask(analyst())
        self.assertIsInstance(result.frame, list)
        self.assertEqual(set(result.frame[0]), {"year", "kind", "count(*)", "avg(load)", "status",
                                                "count(*)__status", "avg(load)__status"})

    def test_dataframe_when_pandas_is_there(self) -> None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            self.skipTest("pandas is not installed")
        frame = ask(analyst()).frame
        self.assertEqual(list(frame.columns[:5]), ["year", "kind", "count(*)", "avg(load)", "status"])
        self.assertEqual(len(frame), 15)
        bridge = frame[(frame.year == 2019) & (frame.kind == "bridge")]
        self.assertEqual(int(bridge["count(*)"].iloc[0]), 3 + 4 + 5)
        self.assertEqual(str(frame["count(*)"].dtype), "Int64")


class PartialRunTest(unittest.TestCase):
    """Every peer is asked; org-d is down."""

    def test_partial_is_marked_everywhere(self) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = ask(analyst(use_pandas=False), peers="all", deadline_ms=3000)
        self.assertEqual(result.status, "partial")
        self.assertFalse(result.complete)
        self.assertEqual(result.missing, ["org-d"])
        self.assertIn("PARTIAL", repr(result))
        self.assertTrue(any(issubclass(w.category, verbind.PartialResultWarning) and
                            "org-d" in str(w.message) for w in caught))
        down = [p for p in result.coverage if p.org_id == "org-d"][0]
        self.assertIn(down.status, ("unreachable", "timed_out"))
        answered = sorted(p.org_id for p in result.coverage if p.answered)
        self.assertEqual(answered, ASKED)
        rows = by_key(result.frame, "year", "kind")
        self.assertEqual(rows[(2021, "tunnel")]["count(*)"], 5 + 6 + 7)
        for row in result.frame:
            self.assertNotEqual(row["status"], "complete", row)
            self.assertNotEqual(row["count(*)__status"], "complete", row)

    def test_require_complete_names_the_missing(self) -> None:
        with self.assertRaises(verbind.IncompleteResultError) as caught:
            ask(analyst(), peers="all", require_complete=True)
        self.assertEqual(caught.exception.missing, ["org-d"])
        self.assertIn("org-d", str(caught.exception))
        self.assertEqual(caught.exception.result.status, "partial")

    def test_partial_rows_carry_the_status_contract(self) -> None:
        result = ask(analyst(use_pandas=False), peers="all")
        for row in result.response["result"]["rows"]:
            self.assertIn(row.get("status"), ("incomplete", "withheld"), row)
            self.assertEqual(len(row.get("value_status", [])), len(row["values"]), row)
            for status in row["value_status"]:
                self.assertIn(status, ("incomplete", "withheld"), row)


class ErrorTest(unittest.TestCase):
    """Every failure is a VerbindError subclass with the node's code and message."""

    def test_bad_sql_shows_line_column_and_caret(self) -> None:
        with self.assertRaises(verbind.QuerySyntaxError) as caught:
            ask(analyst(), "SELECT count(*) FORM sensors")
        e = caught.exception
        self.assertEqual((e.status, e.code, e.line, e.column), (400, "invalid_argument", 1, 17))
        self.assertIn("SELECT count(*) FORM sensors\n                ^", str(e))

    def test_bad_token(self) -> None:
        with self.assertRaises(verbind.AuthenticationError) as caught:
            ask(verbind.Client(FED.nodes["org-a"].folder, token="vbt_not-a-token"))
        self.assertEqual((caught.exception.status, caught.exception.code), (401, "unauthenticated"))

    def test_policy_denial(self) -> None:
        client = analyst()
        with self.assertRaises(verbind.PolicyDeniedError) as caught:
            client.query("SELECT count(*) FROM sensors", purpose="pa-other",
                         legal_basis=LEGAL_BASIS, peers=["org-b"])
        e = caught.exception
        self.assertEqual(sorted(p.org_id for p in e.coverage), ["org-a", "org-b"])
        self.assertTrue(all(p.code == "denied" and "purpose" in p.message for p in e.coverage))

    def test_unknown_peer_is_a_bad_request(self) -> None:
        with self.assertRaises(verbind.BadRequestError) as caught:
            ask(analyst(), peers=["org-zz"])
        self.assertEqual(caught.exception.status, 400)

    def test_node_not_running(self) -> None:
        with self.assertRaises(verbind.NotRunningError) as caught:
            verbind.Client(FED.nodes["org-d"].folder)
        self.assertIn("verbind serve", str(caught.exception))

    def test_stale_endpoints_mean_not_running(self) -> None:
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        shutil.copy(os.path.join(FED.nodes["org-a"].folder, "verbind.toml"), folder)
        os.mkdir(os.path.join(folder, "run"))
        with socket.socket() as s:  # a port nobody listens on once closed
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with open(os.path.join(folder, "run", "endpoints.json"), "w") as f:
            f.write('{"api_url": "http://127.0.0.1:%d"}' % port)
        client = verbind.Client(folder, token="vbt_x")
        with self.assertRaises(verbind.NotRunningError):
            ask(client)

    def test_missing_folder(self) -> None:
        with self.assertRaises(verbind.ConfigurationError):
            verbind.Client("/nonexistent/verbind-node")

    def test_timeout(self) -> None:
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            url = "http://127.0.0.1:%d" % silent.getsockname()[1]
            client = verbind.Client(url, token="vbt_x", timeout_s=0.3)
            with self.assertRaises(verbind.RequestTimeoutError):
                client.datasets()


class TlsTest(unittest.TestCase):
    """org-b's API is HTTPS; the client pins the node's certificate like the CLI."""

    def test_node_folder_pins_the_certificate(self) -> None:
        client = analyst("org-b")
        self.assertTrue(client.url.startswith("https://"))
        result = ask(client, peers=["org-a", "org-c"])
        self.assertTrue(result.complete)

    def test_wrong_pin_is_a_tls_error(self) -> None:
        node = FED.nodes["org-b"]
        client = verbind.Client(api_url(node), token=node.tokens["analyst"],
                                tls_fingerprint="00" * 32)
        with self.assertRaises(verbind.TlsError):
            client.datasets()

    def test_https_without_pin_is_refused(self) -> None:
        with self.assertRaises(verbind.ConfigurationError):
            verbind.Client(api_url(FED.nodes["org-b"]), token="vbt_x")

    def test_https_to_a_plain_listener_is_a_tls_error(self) -> None:
        url = api_url(FED.nodes["org-a"]).replace("http://", "https://")
        client = verbind.Client(url, token="vbt_x", tls_fingerprint="00" * 32)
        with self.assertRaises(verbind.TlsError):
            client.datasets()


class _CannedHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with the status, headers and body of its path."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        status, headers, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class UnexpectedAnswerTest(unittest.TestCase):
    """Answers a real node gives rarely (429, 503, garbage), from a canned server."""

    def setUp(self) -> None:
        self.server = http.server.HTTPServer(("127.0.0.1", 0), _CannedHandler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.client = verbind.Client("http://127.0.0.1:%d" % self.server.server_port,
                                     token="vbt_x")

    def answer(self, status: int, body: bytes, headers=None) -> None:
        self.server.answer = (status, headers or {}, body)  # type: ignore[attr-defined]

    def test_rate_limited(self) -> None:
        self.answer(429, b'{"code":"rate_limited","message":"slow down","trace_id":"t"}',
                    {"Retry-After": "7"})
        with self.assertRaises(verbind.RateLimitedError) as caught:
            self.client.datasets()
        self.assertEqual((caught.exception.code, caught.exception.retry_after), ("rate_limited", 7))

    def test_forbidden_and_unavailable(self) -> None:
        self.answer(403, b'{"code":"permission_denied","message":"admins only","trace_id":"t"}')
        with self.assertRaises(verbind.PermissionDeniedError):
            self.client.datasets()
        self.answer(503, b"overloaded")
        with self.assertRaises(verbind.UnavailableError) as caught:
            self.client.datasets()
        self.assertEqual(caught.exception.message, "overloaded")

    def test_unexpected_bodies(self) -> None:
        self.answer(200, b"<html>proxy</html>")
        with self.assertRaises(verbind.ProtocolError):
            self.client.datasets()
        self.answer(200, b'{"datasets": 3}')
        with self.assertRaises(verbind.ProtocolError):
            self.client.datasets()


if __name__ == "__main__":
    unittest.main()
