"""Real Verbind nodes on loopback for the client's tests.

`Federation.start` runs `verbind init` and `verbind serve` for each organisation in a temporary
folder (ports 0, read back from run/endpoints.json), pins every pair of nodes to each other,
creates a "sensors" dataset on each, ingests generated readings, marks the dataset as holding
no personal data (thresholds only, so federated answers are exact) and applies a sharing
policy that grants every organisation. The expected answers are computed from the same rows.
The binary is VERBIND_BINARY (default: build/node/verbind of the repository).
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Tuple

PURPOSE = "pa-monitor"
LEGAL_BASIS = "Regeling monitoring kunstwerken art. 3"
MIN_CELL = 3
YEARS = range(2019, 2024)

SCHEMA = """
description = "Structural sensor readings (no personal data)"
key = "reading_id"

[[fields]]
name = "reading_id"
type = "identifier"
nullable = false

[[fields]]
name = "year"
type = "integer"
nullable = false
min = 2019
max = 2023

[[fields]]
name = "kind"
type = "categorical"
nullable = false
categories = ["bridge", "tunnel", "lock"]

[[fields]]
name = "load"
type = "decimal"
scale = 1
min = "0"
max = "100"
grid = "50"
"""

POLICY = f"""
id = "sensors-open"
dataset = "sensors"
grantees = ["org-a", "org-b", "org-c", "org-d"]
purposes = ["{PURPOSE}"]
legal_bases = ["{LEGAL_BASIS}"]
group_by = ["year", "kind"]
min_cell_size = {MIN_CELL}

[[allow]]
aggregates = ["count"]

[[allow]]
aggregates = ["count", "sum", "avg", "var", "stddev", "histogram", "quantile"]
fields = ["load"]

"""

# org-c does not share correlations and regressions, so asking for them gives a signed refusal.
POLICY_CORR = """
[[allow]]
aggregates = ["corr", "regression"]
fields = ["load", "year"]
"""

Row = Tuple[str, int, str, str]  # reading_id, year, kind, load text

# A second dataset for trends: new benefit starts per day, with a public period grid (the
# months of 2023 and 2024), also marked non-personal so that the counts are exact.
STARTS_SCHEMA = """
description = "New benefit starts"
key = "start_id"

[[fields]]
name = "start_id"
type = "identifier"
nullable = false

[[fields]]
name = "scheme"
type = "categorical"
nullable = false
categories = ["WMO", "Bijstand"]

[[fields]]
name = "start_date"
type = "date"
nullable = false
min = 2023-01-01
max = 2024-12-31
"""
STARTS_POLICY = f"""
id = "starts-open"
dataset = "starts"
grantees = ["org-a", "org-b", "org-c", "org-d"]
purposes = ["{PURPOSE}"]
legal_bases = ["{LEGAL_BASIS}"]
group_by = ["scheme", "start_date"]
filter_fields = ["start_date"]
min_cell_size = {MIN_CELL}

[[allow]]
aggregates = ["count"]
"""
MONTHS = [f"{y}-{m:02d}-01" for y in (2023, 2024) for m in range(1, 13)]


def starts(org_index: int, prefix: str) -> List[Tuple[str, str, str]]:
    """Deterministic starts of one node: 3 to 10 per month and scheme (a seasonal pattern)."""
    rows = []
    for i, month in enumerate(MONTHS):
        for s, scheme in enumerate(("WMO", "Bijstand")):
            for j in range(3 + (i + s * 3 + org_index) % 8):
                rows.append((f"{prefix}-{month}-{scheme}-{j}", scheme, month[:8] + f"{1 + j:02d}"))
    return rows


def readings(org_index: int, prefix: str) -> List[Row]:
    """Deterministic readings of one node: growing counts per year; one "lock" in 2020."""
    rows: List[Row] = []
    for year in YEARS:
        for kind in ("bridge", "tunnel"):
            for j in range(3 + org_index + (year - 2019)):
                load = (j * 7 + year + org_index * 13) % 100
                rows.append((f"{prefix}-{year}-{kind}-{j}", year, kind, f"{load}.5"))
    rows.append((f"{prefix}-lock", 2020, "lock", "1.0"))  # below the threshold everywhere
    return rows


def expected_counts(rows: List[Row]) -> Dict[Tuple[int, str], int]:
    """count(*) per (year, kind) over `rows`, every declared key listed."""
    counts = Counter((year, kind) for _, year, kind, _ in rows)
    return {(y, k): counts.get((y, k), 0) for y in YEARS for k in ("bridge", "tunnel", "lock")}


def expected_means(rows: List[Row]) -> Dict[Tuple[int, str], float]:
    """avg(load) per (year, kind) with records."""
    sums: Dict[Tuple[int, str], List[float]] = defaultdict(list)
    for _, year, kind, load in rows:
        sums[(year, kind)].append(float(load))
    return {k: sum(v) / len(v) for k, v in sums.items()}


class Node:
    """One `verbind serve` process and its folder."""

    def __init__(self, binary: str, folder: str, org: str, env: Dict[str, str]) -> None:
        self.binary, self.folder, self.org, self.env = binary, folder, org, env
        self.process: Optional[subprocess.Popen] = None
        self.tokens: Dict[str, str] = {}

    def init(self) -> None:
        out = self.cli("init", self.folder, "--org", self.org, "--name", self.org.upper(),
                       "--peer-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", node=False)
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in ("owner:", "admin:", "analyst:"):
                self.tokens[parts[0][:-1]] = parts[1]

    def serve(self) -> None:
        log = open(os.path.join(self.folder, "serve.log"), "wb")
        self.process = subprocess.Popen([self.binary, "serve", self.folder], stdout=log,
                                        stderr=subprocess.STDOUT, env=self.env)
        log.close()
        endpoints = os.path.join(self.folder, "run", "endpoints.json")
        for _ in range(200):
            if os.path.exists(endpoints) and os.path.getsize(endpoints) > 0:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        with open(os.path.join(self.folder, "serve.log"), encoding="utf-8") as f:
            raise RuntimeError(f"node {self.org} did not start:\n{f.read()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cli(self, *args: str, node: bool = True) -> str:
        """Runs the verbind command line (with --node for this node); returns stdout."""
        cmd = [self.binary] + (["--node", self.folder] if node else []) + list(args)
        done = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}")
        return done.stdout


class Federation:
    """Nodes org-a.. pinned to each other, each with the sensors dataset and policy."""

    def __init__(self, binary: str) -> None:
        self.binary = os.path.abspath(binary)
        self.root = tempfile.mkdtemp(prefix="verbind-py-")
        self.nodes: Dict[str, Node] = {}
        self.rows: Dict[str, List[Row]] = {}
        self.starts: Dict[str, List[Tuple[str, str, str]]] = {}
        self.identities = os.path.join(self.root, "identities")

    def start(self, orgs: List[str], tls_api: Tuple[str, ...] = ()) -> None:
        """Starts, pins and loads every node; `tls_api` serve their local API over HTTPS."""
        os.makedirs(self.identities)
        with open(os.path.join(self.root, "schema.toml"), "w", encoding="utf-8") as f:
            f.write(SCHEMA)
        with open(os.path.join(self.root, "policy.toml"), "w", encoding="utf-8") as f:
            f.write(POLICY + POLICY_CORR)
        with open(os.path.join(self.root, "policy-org-c.toml"), "w", encoding="utf-8") as f:
            f.write(POLICY)
        for org in orgs:
            env = dict(os.environ)
            if org in tls_api:
                env["VERBIND_API_TLS"] = "true"
            node = Node(self.binary, os.path.join(self.root, org), org, env)
            node.init()
            node.serve()
            self.nodes[org] = node
        for org, node in self.nodes.items():
            with open(self.identity_path(org), "w", encoding="utf-8") as f:
                f.write(node.cli("identity", node.folder, node=False))
        for org, node in self.nodes.items():
            for peer in self.nodes:
                if peer != org:
                    node.cli("peer", "add", self.identity_path(peer))
        for index, (org, node) in enumerate(self.nodes.items()):
            self._load(index, org, node)

    def identity_path(self, org: str) -> str:
        """Where the identity document of `org` is kept (a folder for receipt checks)."""
        return os.path.join(self.identities, f"{org}.identity.json")

    def _load(self, index: int, org: str, node: Node) -> None:
        rows = readings(index, org)
        self.rows[org] = rows
        data = os.path.join(self.root, f"{org}.csv")
        with open(data, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["reading_id", "year", "kind", "load"])
            writer.writerows(rows)
        self.starts[org] = starts(index, org)
        starts_csv = os.path.join(self.root, f"{org}.starts.csv")
        with open(starts_csv, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["start_id", "scheme", "start_date"])
            writer.writerows(self.starts[org])
        for name, text in (("starts.schema.toml", STARTS_SCHEMA), ("starts.policy.toml", STARTS_POLICY)):
            with open(os.path.join(self.root, name), "w", encoding="utf-8") as f:
                f.write(text)
        node.cli("dataset", "create", "starts", "--schema",
                 os.path.join(self.root, "starts.schema.toml"))
        node.cli("dataset", "ingest", "starts", starts_csv)
        node.cli("dataset", "privacy", "starts", "--non-personal", "--reason",
                 "synthetic test starts", "--accept-higher-loss")
        node.cli("policy", "apply", os.path.join(self.root, "starts.policy.toml"))
        node.cli("dataset", "create", "sensors", "--schema", os.path.join(self.root, "schema.toml"))
        node.cli("dataset", "ingest", "sensors", data)
        node.cli("dataset", "privacy", "sensors", "--non-personal", "--reason",
                 "structural sensor readings", "--accept-higher-loss")
        policy = "policy-org-c.toml" if org == "org-c" else "policy.toml"
        node.cli("policy", "apply", os.path.join(self.root, policy))

    def rows_of(self, orgs: List[str]) -> List[Row]:
        """The readings of these organisations together."""
        return [r for org in orgs for r in self.rows[org]]

    def stop(self) -> None:
        """Stops every node and removes the folders."""
        for node in self.nodes.values():
            node.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def api_url(node: Node) -> str:
    """The local API URL the running node wrote to run/endpoints.json."""
    with open(os.path.join(node.folder, "run", "endpoints.json"), encoding="utf-8") as f:
        return json.load(f)["api_url"]


_SHARED: Optional[Federation] = None


def shared_federation() -> Federation:
    """The nodes every test module uses, started once: org-a, org-b (its API over HTTPS),
    org-c and org-d, which is stopped after set-up (so asking every peer gives a partial
    run). They are stopped when the interpreter exits."""
    global _SHARED
    if _SHARED is None:
        fed = Federation(os.environ.get("VERBIND_BINARY", "build/node/verbind"))
        atexit.register(fed.stop)
        fed.start(["org-a", "org-b", "org-c", "org-d"], tls_api=("org-b",))
        fed.nodes["org-d"].stop()
        _SHARED = fed
    return _SHARED
