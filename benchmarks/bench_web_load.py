"""Benchmark: latency of the web service's status and list endpoints while two year-long runs compute.

``zerodistrict serve`` is started as its own process on a free loopback port (127.0.0.1 only) with a
fresh SQLite store and ``--workers 2``; two whole-year runs (saitama-misono and kuala-lumpur-wangsa-maju,
rule dispatch, report and PNGs written) are submitted and, once both are running, CLIENTS concurrent
clients (httpx, asyncio) each poll in turn ``GET /api/runs/{id}`` (the status of one of the two runs)
and ``GET /api/runs`` (the list), pausing PAUSE_S between requests as the web page does, until the first
of the two runs finishes (at most MAX_S). Only requests made while both runs were computing count. The
clients start spread over one pause, and each client's first request (opening its connection) is not
counted: with all 50 connecting in the same millisecond and a window of a few seconds on an idle machine,
that one burst was 1 request in 7 of the sample and set the p95 (≈500 ms, measured 2026-11-30).

Reported per endpoint: requests, p50 and p95 latency [ms] (wall time from send to the full answer, on
the client), and errors (any answer but 200, or a failed request). Target: p95 < 200 ms, 0 errors.

Run: ``python benchmarks/bench_web_load.py`` (writes key "web_load" of results.json).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CLIENTS = 50
PAUSE_S = 0.25
MAX_S = 120.0
PRESETS = ("saitama-misono", "kuala-lumpur-wangsa-maju")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    log = open(folder / "serve.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from zerodistrict.cli import app; app()", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--store", f"sqlite:///{folder / 'store.db'}", "--workers", "2", "--per-client", "2"],
        stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/meta", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("zerodistrict serve did not start")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _client(n: int, base: str, run_ids: list[str], until: asyncio.Event, samples: dict) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        i = n
        # the clients' polls are spread over one pause, as pages opened at different moments are; each client's
        # first request (its connection set-up) is not counted
        await asyncio.sleep(PAUSE_S * n / CLIENTS)
        first = True
        while not until.is_set():
            endpoint = "status" if i % 2 == 0 else "list"
            path = f"/api/runs/{run_ids[i % len(run_ids)]}" if endpoint == "status" else "/api/runs"
            start = time.perf_counter()
            try:
                response = await client.get(path)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed = time.perf_counter() - start
            if not until.is_set() and not first:
                samples[endpoint].append((elapsed, ok))
            first = False
            i += 1
            await asyncio.sleep(PAUSE_S)


async def _watch(base: str, run_ids: list[str], until: asyncio.Event, started: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() - started < MAX_S:
            states = [(await client.get(f"/api/runs/{i}")).json()["status"] for i in run_ids]
            if any(s != "running" for s in states):
                break
            await asyncio.sleep(0.2)
    until.set()


async def _measure(base: str, run_ids: list[str]) -> tuple[dict, float]:
    samples: dict[str, list] = {"status": [], "list": []}
    until = asyncio.Event()
    started = time.monotonic()
    await asyncio.gather(_watch(base, run_ids, until, started),
                         *[_client(n, base, run_ids, until, samples) for n in range(CLIENTS)])
    return samples, time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="zerodistrict-bench-web-") as tmp:
        process, base = _start(Path(tmp))
        try:
            run_ids = [httpx.post(base + "/api/runs", json={"scenario": p}, timeout=60).json()["id"] for p in PRESETS]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # both computing (worker start-up imports the library)
                if all(httpx.get(f"{base}/api/runs/{i}").json()["status"] == "running" for i in run_ids):
                    break
                time.sleep(0.1)
            samples, window_s = asyncio.run(_measure(base, run_ids))
            final = [httpx.get(f"{base}/api/runs/{i}", timeout=30).json()["status"] for i in run_ids]
            while any(s in ("queued", "running") for s in final):
                time.sleep(0.5)
                final = [httpx.get(f"{base}/api/runs/{i}", timeout=30).json()["status"] for i in run_ids]
        finally:
            process.terminate()
            process.wait(timeout=30)
    figures = {}
    for endpoint, rows in samples.items():
        latencies_ms = [1000 * s for s, _ in rows]
        figures[endpoint] = {"requests": len(rows), "errors": sum(1 for _, ok in rows if not ok),
                             "p50_ms": round(statistics.median(latencies_ms), 1),
                             "p95_ms": round(_percentile(latencies_ms, 0.95), 1)}
    result = {
        "what": f"{CLIENTS} concurrent clients polling GET /api/runs/{{id}} and GET /api/runs (pause {PAUSE_S} s) "
                "against zerodistrict serve on 127.0.0.1 while two year-long rule runs compute (--workers 2)",
        "window_s": round(window_s, 1), "runs_finished": final, "target": "p95 < 200 ms, 0 errors",
        "machine": f"{os.cpu_count()} cores" + (f"; {os.environ['BENCH_NOTE']}" if os.environ.get("BENCH_NOTE") else ""),
        **figures}
    print(result)
    results_file.record("web_load", result)


if __name__ == "__main__":
    main()
