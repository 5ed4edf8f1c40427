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
    python benchmarks/bench_sweep.py --cpu [--resilience-designs 200] [--runs 5]   # CPU seconds per design
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


def _whole_runs(folder: Path, path: Path, runs: int, *extra: str) -> dict:
    """``zerodistrict run [extra]`` as a fresh process on the first ``runs`` designs of the sweep, one after another."""
    from zerodistrict.design.sweep_spec import plan_sweep
    from zerodistrict.scenario.loading import dump_scenario

    plan = plan_sweep(path)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    times = []
    for i, scenario in enumerate(plan.scenarios[:runs]):
        file = folder / f"design{i}.yaml"
        file.write_text(dump_scenario(scenario), encoding="utf-8")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zerodistrict.cli", "run", str(file), *extra], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return {"runs": runs, "seconds": [round(t, 3) for t in times], "median_s": round(statistics.median(times), 3),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def _cpu_case(folder: Path, n: int, runs: int, resilience_hours: float = 168) -> dict:
    """CPU seconds per design, like with like (both with the 168 h survival analysis): robust to a busy machine.

    The sweep's CPU is its two workers' process time (imports, shared profiles' use, every design) plus the
    client's; a whole run's is the child process's user + system time.
    """
    from dask.distributed import Client, LocalCluster

    from zerodistrict.design.sweep import run_sweep
    from zerodistrict.design.sweep_spec import plan_sweep

    path = _sweep_file(folder, n, resilience_hours, "bench-cpu")
    plan = plan_sweep(path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        workers_before = sum(client.run(time.process_time).values())
        client_before = time.process_time()
        t0 = time.perf_counter()
        outcome = run_sweep(plan, f"sqlite:///{folder / 'cpu.db'}", client=client)
        wall = time.perf_counter() - t0
        cpu = sum(client.run(time.process_time).values()) - workers_before + time.process_time() - client_before
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run_cpu, run_wall = [], []
    for i, scenario in enumerate(plan.scenarios[:runs]):
        from zerodistrict.scenario.loading import dump_scenario

        file = folder / f"cpu{i}.yaml"
        file.write_text(dump_scenario(scenario), encoding="utf-8")
        before, t0 = os.times(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "zerodistrict.cli", "run", str(file)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = os.times()
        run_wall.append(time.perf_counter() - t0)
        run_cpu.append(after.children_user - before.children_user + after.children_system - before.children_system)
    per_design = cpu / len(outcome.computed_keys)
    return {"designs": len(outcome.computed_keys), "sweep_wall_s": round(wall, 2), "sweep_cpu_s": round(cpu, 2),
            "sweep_cpu_s_per_design": round(per_design, 4),
            "run_cpu_s": [round(c, 3) for c in run_cpu], "run_wall_s": [round(w, 3) for w in run_wall],
            "run_cpu_s_median": round(statistics.median(run_cpu), 3),
            "cpu_ratio_run_over_sweep_per_design": round(statistics.median(run_cpu) / per_design, 2),
            "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resilience-designs", type=int, default=200)
    parser.add_argument("--key", default="sweep", help="key of results.json to write (e.g. sweep_200 for a smaller N)")
    parser.add_argument("--cpu", action="store_true", help="only the CPU-time comparison (key sweep_cpu)")
    parser.add_argument("--cpu-resilience-hours", type=float, default=168,
                        help="survival analysis of the sweep's designs in --cpu (0: off, key sweep_cpu_no_survival)")
    args = parser.parse_args()
    if args.cpu:
        with tempfile.TemporaryDirectory() as tmp:
            case = _cpu_case(Path(tmp), args.resilience_designs, args.runs, args.cpu_resilience_hours)
        print(case)
        hours = args.cpu_resilience_hours
        key, what = ("sweep_cpu", "both with the 168 h survival analysis") if hours else (
            "sweep_cpu_no_survival", "the sweep WITHOUT the survival analysis (its default), the runs with it "
            "(what `zerodistrict run` does): not like with like")
        what = "CPU seconds per design, sweep (2 workers + client) against `zerodistrict run` as a whole process; " + what
        print(f"wrote {record(key, {'what': what, **case})}")
        return
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
        whole_plain = _whole_runs(folder, plain, args.runs, "--resilience-hours", "0")
        print("zerodistrict run --resilience-hours 0", whole_plain, flush=True)
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
        "zerodistrict_run_whole_process_no_survival": whole_plain,
        "extrapolated": {
            "note": "EXTRAPOLATED from the median of the measured whole-process runs (each runs the 168 h "
                    "survival analysis, as `zerodistrict run` does by default)",
            "run_loop_sequential_s": round(whole["median_s"] * n, 1),
            "run_loop_two_at_a_time_ideal_s": round(whole["median_s"] * n / 2, 1),
            "sweep_resilience_168h_s_for_n": round(per_design_res_s * n, 1),
            "speedup_like_with_like_vs_sequential_loop": round(whole["median_s"] / per_design_res_s, 2),
            "speedup_like_with_like_vs_two_at_a_time_loop": round(whole["median_s"] / 2 / per_design_res_s, 2),
            "speedup_sweep_without_survival_vs_sequential_loop": round(whole["median_s"] * n / two["sweep_s"], 2),
            "run_loop_no_survival_sequential_s": round(whole_plain["median_s"] * n, 1),
            "speedup_like_with_like_no_survival_vs_sequential_loop":
                round(whole_plain["median_s"] * n / two["sweep_s"], 2),
        },
    }
    path = record(args.key, result)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
