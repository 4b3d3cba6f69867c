#!/usr/bin/env python3
"""Times federated queries through a node's analyst API (POST /v1/queries) on one kept-alive
connection: warm-up runs, then RUNS timed runs, each from sending the request to having read
the whole response. Every timed run must come back "complete" with the expected number of
answering organisations. Prints one JSON object: median, p90, min, max (ms), runs, failures,
participants answered, the median time until the last participant's answer was in and checked
(answers_ms, from the response's coverage), and the last result's rows.

  time_queries.py --api http://127.0.0.1:PORT --token TOKEN --sql SQL [--runs N] [--warmup N]
                  [--expect N] [--purpose P] [--legal-basis L]
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))  # nearest rank
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--sql", required=True)
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--expect", type=int, default=0, help="organisations that must answer")
    ap.add_argument("--purpose", default="pa-armoedemonitor")
    ap.add_argument("--legal-basis", default="AVG art. 6(1)(e)")
    a = ap.parse_args()
    url = urllib.parse.urlparse(a.api)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    body = json.dumps({"query": a.sql, "purpose": a.purpose, "legal_basis": a.legal_basis})
    headers = {"Authorization": "Bearer " + a.token, "Content-Type": "application/json"}
    times, failures, answered, rows, problem, answers = [], 0, 0, None, "", []
    for i in range(a.warmup + a.runs):
        start = time.perf_counter()
        conn.request("POST", "/v1/queries", body, headers)
        resp = conn.getresponse()
        text = resp.read()
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        reply = json.loads(text) if text else {}
        coverage = reply.get("coverage", [])
        answered = sum(1 for c in coverage if c.get("status") == "answered")
        ok = resp.status == 200 and reply.get("status") == "complete"
        ok = ok and (a.expect == 0 or answered == a.expect)
        if i < a.warmup:
            continue
        if not ok:
            failures += 1
            problem = text[:300].decode("utf-8", "replace")
            continue
        times.append(elapsed_ms)
        answers.append(max((c.get("latency_ms", 0) for c in coverage), default=0))
        rows = reply.get("result", {}).get("rows")
    times.sort()
    answers.sort()
    out = {
        "runs": a.runs,
        "failures": failures,
        "answered": answered,
        "median_ms": round(percentile(times, 50), 2),
        "p90_ms": round(percentile(times, 90), 2),
        "min_ms": round(times[0], 2) if times else 0,
        "max_ms": round(times[-1], 2) if times else 0,
        "answers_ms": round(percentile(answers, 50), 2),
        "rows": rows,
    }
    if problem:
        out["problem"] = problem
    print(json.dumps(out))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
