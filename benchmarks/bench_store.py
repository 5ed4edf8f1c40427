"""Benchmark: the results store's cost of writing a sweep's KPIs (zerodistrict.results.store).

1,000 designs, every KPI field of ``Kpis`` filled, written as 20 calls of ``Store.add_designs`` with 50
designs each (one transaction per call) into a fresh SQLite file — what a sweep's batches cost the store.
Reported: the median over RUNS fresh databases of the wall and CPU (this process) time of the 20 calls,
and per design. ``open_store`` (schema creation with Alembic) and ``ensure_sweep`` are timed apart, once
per database. With ``ZERODISTRICT_TEST_POSTGRES_URL`` set, the same against that PostgreSQL (its tables
emptied first; server on the same machine, Unix socket).

Run: ``python benchmarks/bench_store.py`` (writes key "store" of results.json).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from zerodistrict.results.result import Kpis
from zerodistrict.results.store import DesignRecord, drop_store, open_store

RUNS = 5
N_DESIGNS = 1000
BATCH = 50
PATHS = ["homes[0].pv.kwp", "community.batteries[0].capacity_kwh", "grid.import_price.default"]


def designs() -> list[DesignRecord]:
    rows = []
    for i in range(N_DESIGNS):
        kpis = {}
        for n, (name, field) in enumerate(Kpis.model_fields.items()):
            if field.annotation is str:
                kpis[name] = f"{name}-{i % 7}"
            elif field.annotation in (int, int | None):
                kpis[name] = i + n
            else:
                kpis[name] = (i + 1) * 1234.5678 / (n + 1)
        rows.append(DesignRecord(key=f"{i:064x}", parameters={PATHS[0]: 3 + i % 10 * 0.5, PATHS[1]: 25 * (i // 10 % 10),
                                                              PATHS[2]: 20 + i // 100},
                                 scenario_hash=f"{i * 7919:064x}", kpis=kpis))
    return rows


def one_run(url: str, rows: list[DesignRecord]) -> dict:
    t0 = time.perf_counter()
    store = open_store(url)
    opened = time.perf_counter() - t0
    sweep_id = store.ensure_sweep("bench", "bench", {"base": "saitama-misono"}, PATHS)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for start in range(0, len(rows), BATCH):
        store.add_designs(sweep_id, rows[start:start + BATCH])
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert len(store.stored_designs(sweep_id)) == len(rows)
    store.close()
    return {"open_store_s": opened, "wall_s": wall, "cpu_s": cpu}


def measure(backend: str, url_of_run) -> dict:
    rows = designs()
    runs = [one_run(url_of_run(i), rows) for i in range(RUNS)]
    wall = statistics.median(r["wall_s"] for r in runs)
    row = {"backend": backend, "runs": RUNS, "designs": N_DESIGNS, "batch": BATCH,
           "wall_median_s": wall, "cpu_median_s": statistics.median(r["cpu_s"] for r in runs),
           "wall_min_s": min(r["wall_s"] for r in runs), "wall_max_s": max(r["wall_s"] for r in runs),
           "wall_per_design_ms": 1000 * wall / N_DESIGNS,
           "open_store_new_database_median_s": statistics.median(r["open_store_s"] for r in runs)}
    print(f"{backend:<10} {N_DESIGNS} designs in batches of {BATCH}: wall {wall:.3f} s "
          f"({row['wall_per_design_ms']:.2f} ms per design), cpu {row['cpu_median_s']:.3f} s; "
          f"open_store on a new database {row['open_store_new_database_median_s']:.3f} s", flush=True)
    return row


def main() -> None:
    load_before = os.getloadavg()[0]
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        cases.append(measure("sqlite", lambda i: f"sqlite:///{Path(tmp) / f'bench{i}.db'}"))
    pg = os.environ.get("ZERODISTRICT_TEST_POSTGRES_URL")
    if pg:
        def fresh(_i: int) -> str:
            drop_store(pg)
            return pg
        cases.append(measure("postgresql", fresh))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    results_file.record("store", {
        "what": f"results store: {N_DESIGNS} designs' KPI rows (every Kpis field) written by "
                f"Store.add_designs in batches of {BATCH}, one transaction each; median of {RUNS} fresh databases; "
                "inner part (this process), not a whole sweep",
        "machine": f"{os.cpu_count()} cores, 1-minute load average {load_before:.1f} before the runs",
        "commit": commit,
        "cases": cases,
    })


if __name__ == "__main__":
    main()
