"""Sweep throughput: N Misono-sized designs (a year hourly, rule dispatch) on Dask into SQLite.

Measures, on this machine (whole wall time of each call, including starting the LocalCluster):

* the sweep on 2 workers and on 1 worker (speed-up), and the store's share of the sweep's time;
* the same sweep with the outage-survival analysis on (``resilience_hours: 168``, what ``zerodistrict run``
  does by default) on a subset of the designs — the like-with-like row against whole ``zerodistrict run``
  processes;
* ``zerodistrict run DESIGN.yaml`` as a whole process for ``--runs`` designs (median), extrapolated to N
  designs: labelled extrapolated, once run one after another and once ideally two at a time.

The load average is recorded beside the figures (the machine may be shared).

    python benchmarks/bench_sweep.py [--designs 1000] [--runs 5] [--resilience-designs 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from results_file import record

REPO = Path(__file__).resolve().parents[1]


def _sweep_file(folder: Path, n: int, resilience_hours: float, name: str) -> Path:
    """N designs: 5 roof sizes × N/5 central battery capacities (10 kWh apart) on the Misono preset."""
    if n % 5:
        raise SystemExit("--designs must be a multiple of 5")
    per = n // 5
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "name": name, "base": "saitama-misono", "dispatch": "rule", "resilience_hours": resilience_hours,
        "parameters": {"community.batteries[0].capacity_kwh": {"start": 0, "stop": 10 * (per - 1), "step": 10},
                       "homes[0].pv.kwp": [3.0, 3.5, 4.0, 4.5, 5.0]}}))
    return path


def _sweep(path: Path, db: Path, workers: int) -> dict:
    from zerodistrict.design.sweep import run_sweep
    from zerodistrict.design.sweep_spec import plan_sweep

    t0 = time.perf_counter()
    plan = plan_sweep(path)
    plan_s = time.perf_counter() - t0
    marks = {}
    load_before = os.getloadavg()
    outcome = run_sweep(plan, f"sqlite:///{db}", workers=workers,
                        on_start=lambda info: marks.setdefault("start", time.perf_counter()),
                        on_progress=lambda done, total: marks.__setitem__("end", time.perf_counter()))
    end = marks["end"]  # the last batch stored (closing the cluster afterwards is not counted here)
    n = len(outcome.computed_keys)
    return {
        "designs": n, "workers": workers, "plan_s": round(plan_s, 3), "sweep_s": round(outcome.seconds, 3),
        "startup_s": round(marks["start"] - t0 - plan_s, 3),  # store, cluster start, site profiles + scatter
        "batches_s": round(end - marks["start"], 3),  # first task submitted → last batch stored
        "store_s": round(outcome.store_seconds, 3),
        "store_share_of_sweep": round(outcome.store_seconds / outcome.seconds, 4),
        "designs_per_s": round(n / outcome.seconds, 3),
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
    }


def _whole_runs(folder: Path, path: Path, runs: int) -> dict:
    """``zerodistrict run`` as a fresh process on the first ``runs`` designs of the sweep, one after another."""
    from zerodistrict.design.sweep_spec import plan_sweep
    from zerodistrict.scenario.loading import dump_scenario

    plan = plan_sweep(path)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    times = []
    for i, scenario in enumerate(plan.scenarios[:runs]):
        file = folder / f"design{i}.yaml"
        file.write_text(dump_scenario(scenario), encoding="utf-8")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zerodistrict.cli", "run", str(file)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return {"runs": runs, "seconds": [round(t, 3) for t in times], "median_s": round(statistics.median(times), 3),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resilience-designs", type=int, default=200)
    args = parser.parse_args()
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = _sweep_file(folder, args.designs, 0, "bench")
        two = _sweep(plain, folder / "two.db", 2)
        print("2 workers", two, flush=True)
        one = _sweep(plain, folder / "one.db", 1)
        print("1 worker", one, flush=True)
        with_res = _sweep(_sweep_file(folder, args.resilience_designs, 168, "bench-res"), folder / "res.db", 2)
        print("2 workers, resilience 168 h", with_res, flush=True)
        whole = _whole_runs(folder, plain, args.runs)
        print("zerodistrict run", whole, flush=True)
    n = args.designs
    per_design_res_s = with_res["sweep_s"] / with_res["designs"]
    result = {
        "what": f"{n} Misono designs (51 homes, a year hourly, rule dispatch, mobility on): 5 roof sizes × "
                f"{n // 5} central battery sizes, into SQLite, LocalCluster of single-threaded worker processes",
        "machine": f"{os.cpu_count()} cores, shared with other jobs (load averages beside each figure)",
        "commit": commit, "python": platform.python_version(),
        "sweep_2_workers": two,
        "sweep_1_worker": one,
        "speedup_1_to_2_workers": round(one["sweep_s"] / two["sweep_s"], 3),
        "speedup_1_to_2_workers_batches_only": round(one["batches_s"] / two["batches_s"], 3),
        "sweep_2_workers_resilience_168h": with_res,
        "zerodistrict_run_whole_process": whole,
        "extrapolated": {
            "note": "EXTRAPOLATED from the median of the measured whole-process runs (each runs the 168 h "
                    "survival analysis, as `zerodistrict run` does by default)",
            "run_loop_sequential_s": round(whole["median_s"] * n, 1),
            "run_loop_two_at_a_time_ideal_s": round(whole["median_s"] * n / 2, 1),
            "sweep_resilience_168h_s_for_n": round(per_design_res_s * n, 1),
            "speedup_like_with_like_vs_sequential_loop": round(whole["median_s"] / per_design_res_s, 2),
            "speedup_like_with_like_vs_two_at_a_time_loop": round(whole["median_s"] / 2 / per_design_res_s, 2),
            "speedup_sweep_without_survival_vs_sequential_loop": round(whole["median_s"] * n / two["sweep_s"], 2),
        },
    }
    path = record("sweep", result)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
