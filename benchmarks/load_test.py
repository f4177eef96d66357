"""A bounded load test of the HTTP service on this machine's loopback interface.

It starts ``optimizer serve`` itself (a temporary job database, a free port on 127.0.0.1), sends a
fixed number of requests from a few concurrent clients, stops the service and prints one table.
Nothing is sent anywhere but 127.0.0.1, the request count is fixed, and every loop ends by itself.

    python -m benchmarks.load_test                          # 50 solves, 4 clients, 1 s each
    python -m benchmarks.load_test --requests 20 --clients 2 --time-limit 0.5

Phases, each with the same clients:

- ``POST /solve``: generated city days of ``--jobs`` jobs (seeds cycle over 5 instances), each
  solved within ``--time-limit`` seconds; every plan is checked here with the validator.
- ``POST /validate``: the plans from the first phase, checked again by the service (no solve:
  the cost of HTTP, JSON and the validator alone).
- ``GET /health`` while the solves run: that the server stays responsive when every solver worker
  is busy (solves run in worker processes, not on the event loop).

Throughput is requests over the phase's wall time; latency is per request, client side.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import optimizer
from optimizer.formats.native import instance_from_dict, instance_to_dict, solution_from_dict
from optimizer.generate import generate

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: this test never targets another address


@dataclass(frozen=True)
class Phase:
    name: str
    requests: int
    ok: int
    wall_s: float
    latencies_s: list[float]

    def row(self, clients: int, note: str) -> str:
        lat = sorted(self.latencies_s)
        return (
            f"| {self.name} | {self.requests} | {clients} | {self.ok} | {self.requests - self.ok} |"
            f" {self.requests / self.wall_s:.2f} | {_pct(lat, 50):.3f} | {_pct(lat, 90):.3f} |"
            f" {_pct(lat, 99):.3f} | {note} |"
        )


def _pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with 50 samples p99 is the slowest one)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_service(db: Path, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``optimizer serve`` on a free loopback port, in its own process group; waits for /health."""
    port = _free_port()
    cmd = [sys.executable, "-m", "optimizer.cli", "serve", "--host", HOST, "--port", str(port)]
    cmd += ["--db", str(db), "--workers", str(workers), "--max-time-limit", "60"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop_service(proc)
    raise SystemExit(f"the service did not start; see {log}")


def stop_service(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def run_phase(
    name: str, requests: int, clients: int, call: Callable[[httpx.Client, int], bool]
) -> Phase:
    """``requests`` calls spread over ``clients`` threads, each with its own connection."""
    latencies: list[float] = []
    ok = [0]
    lock = threading.Lock()
    local = threading.local()

    def one(i: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=300)
        t0 = time.perf_counter()
        good = call(client, i)
        dt = time.perf_counter() - t0
        with lock:
            latencies.append(dt)
            ok[0] += int(good)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    return Phase(name, requests, ok[0], time.perf_counter() - started, latencies)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=50, help="solve requests (default 50)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    ap.add_argument("--workers", type=int, default=2, help="solver workers of the service")
    ap.add_argument("--jobs", type=int, default=10, help="jobs per generated instance")
    ap.add_argument("--time-limit", type=float, default=1.0, help="seconds per solve")
    args = ap.parse_args(argv)
    if not (0 < args.requests <= 1000 and 0 < args.clients <= 32):
        ap.error("--requests must be 1..1000 and --clients 1..32 (a bounded test)")

    docs = [instance_to_dict(generate(args.jobs, seed)) for seed in range(1, 6)]
    instances = [instance_from_dict(d) for d in docs]
    plans: dict[int, dict[str, Any]] = {}
    invalid: list[str] = []

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_service(Path(tmp) / "jobs.sqlite3", args.workers, Path(tmp) / "log")
        try:
            # Warm-up (not measured): the workers import the solver on their first solve.
            with httpx.Client(base_url=url, timeout=300) as c:
                for d in docs[: args.workers]:
                    c.post("/solve", params={"time_limit_s": args.time_limit, "seed": 1}, json=d)

            def solve(client: httpx.Client, i: int) -> bool:
                k = i % len(docs)
                resp = client.post(
                    f"{url}/solve",
                    params={"time_limit_s": args.time_limit, "seed": 1},
                    content=json.dumps(docs[k]),
                    headers={"Content-Type": "application/json"},
                )
                if resp.status_code != 200:
                    invalid.append(f"solve {i}: HTTP {resp.status_code} {resp.text[:200]}")
                    return False
                body = resp.json()
                report = optimizer.validate(instances[k], solution_from_dict(body["plan"]))
                if not report.feasible:
                    invalid.append(f"solve {i}: invalid plan {sorted(report.codes())}")
                    return False
                plans[k] = body["plan"]
                return True

            health: list[float] = []
            done = threading.Event()

            def probe() -> None:
                with httpx.Client(timeout=30) as c:
                    while not done.is_set() and len(health) < 10 * args.requests:
                        t0 = time.perf_counter()
                        c.get(f"{url}/health")
                        health.append(time.perf_counter() - t0)
                        time.sleep(0.05)

            prober = threading.Thread(target=probe, daemon=True)
            prober.start()
            solves = run_phase("POST /solve", args.requests, args.clients, solve)
            done.set()
            prober.join(30)

            def check(client: httpx.Client, i: int) -> bool:
                k = sorted(plans)[i % len(plans)]
                resp = client.post(
                    f"{url}/validate", json={"instance": docs[k], "solution": plans[k]}
                )
                return resp.status_code == 200 and bool(resp.json()["feasible"])

            checks = run_phase("POST /validate", args.requests, args.clients, check)
        finally:
            stop_service(proc)

    print(
        f"Load test: optimizer serve on {HOST}, {args.workers} solver worker(s), {args.clients}"
        f" clients; generated {args.jobs}-job instances (5 seeds), time limit {args.time_limit:g} s"
        f" per solve, seed 1; {os.cpu_count()} CPU(s)."
    )
    print()
    print(
        "| endpoint | requests | clients | ok | errors | throughput (req/s) | p50 (s) | p90 (s) | p99 (s) | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(solves.row(args.clients, "every plan re-validated by the client"))
    print(checks.row(args.clients, "no solve: HTTP + JSON + validator"))
    print(
        f"| GET /health during the solves | {len(health)} | 1 | {len(health)} | 0 | - |"
        f" {_pct(sorted(health), 50):.3f} | {_pct(sorted(health), 90):.3f} |"
        f" {_pct(sorted(health), 99):.3f} | probed every 50 ms while all workers were busy |"
    )
    for line in invalid[:10]:
        print(f"error: {line}", file=sys.stderr)
    return 1 if invalid or solves.ok < solves.requests or checks.ok < checks.requests else 0


if __name__ == "__main__":
    raise SystemExit(main())
