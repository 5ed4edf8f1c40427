"""Benchmark: the rolling horizon on ``penang-george-town`` (30 homes, lossy sharing, a battery in every home).

Three measurements, one command:

1. **Whole process**: ``zerodistrict run penang-george-town --dispatch optimal --horizon-hours 48``
   in a fresh subprocess (a year, hourly; 48 h windows moving by 24 h), wall and CPU time
   (user + system of the child), median of ``--runs`` (3).
2. **Where the time goes** inside the dispatch step (in this process, CPU time): the window
   data (``_window`` + ``_problem``), building the window model (linopy + HiGHS, once per
   structure), writing each window's data into HiGHS, HiGHS's solves, reading the solution,
   and extracting the kept 24 h (``_result``). With ``--rebuild-days N`` also the former path
   (every window's linopy model rebuilt and solved cold) on the first N days.
3. **Cost gap against perfect foresight** with the same objective (``energy_cost``: a rolling
   window cannot see a month, so the rolling ``bill`` objective minimises the energy cost too)
   on the first ``--gap-days`` days (56 by default: perfect foresight on the lossy year takes
   minutes; ``--gap-days 365`` for the year). Also the bill of both dispatches under the tariff.

Prints a summary and sets the key ``rolling`` in ``benchmarks/results.json``.

Usage: ``python benchmarks/bench_rolling.py [--runs 3] [--gap-days 56] [--rebuild-days 0]``
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PRESET = "penang-george-town"
HORIZON_HOURS = 48


def whole_process(runs: int) -> dict:
    """Median wall and CPU seconds of the CLI run in fresh subprocesses."""
    src = HERE.parent / "src"
    env = {**os.environ, "PYTHONPATH": str(src) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "zerodistrict.cli", "run", PRESET, "--dispatch", "optimal",
           "--horizon-hours", str(HORIZON_HOURS)]
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"command": "zerodistrict " + " ".join(cmd[3:]), "runs": runs,
            "wall_s_median": round(statistics.median(walls), 2), "cpu_s_median": round(statistics.median(cpus), 2),
            "wall_s": [round(w, 2) for w in walls], "cpu_s": [round(c, 2) for c in cpus]}


def _inputs(days: int | None):
    from zerodistrict.dispatch.optimal.rolling import _window
    from zerodistrict.pipeline import build_inputs
    from zerodistrict.scenario.loading import load_scenario

    inputs = build_inputs(load_scenario(PRESET))
    if days is not None and 24 * days < inputs.n_steps:
        inputs = _window(inputs, 0, int(24 * days / inputs.step_hours), inputs.stores.initial_kwh)
    return inputs


def breakdown(inputs) -> dict:
    """CPU seconds of each part of the rolling dispatch step (reused window model)."""
    from zerodistrict.dispatch.optimal import rolling, window

    spent = {"window_data": 0.0, "extract": 0.0}
    calls = {"window_data": 0, "extract": 0}
    models: list = []

    def timed(fn, key):
        def inner(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - t
                calls[key] += 1
        return inner

    class Counted(window.WindowLP):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            models.append(self)

    saved = rolling._window, rolling._problem, rolling._result, rolling.WindowLP
    rolling._window, rolling._problem = timed(rolling._window, "window_data"), timed(rolling._problem, "window_data")
    rolling._result, rolling.WindowLP = timed(rolling._result, "extract"), Counted
    try:
        t = time.process_time()
        w = time.perf_counter()
        rolling._rolling(inputs, "energy_cost", HORIZON_HOURS, True, None)
        total, wall = time.process_time() - t, time.perf_counter() - w
    finally:
        rolling._window, rolling._problem, rolling._result, rolling.WindowLP = saved
    parts = {k: sum(m.seconds[k] for m in models) for k in ("build", "write", "solve", "read")}
    parts.update(spent)
    out = {"dispatch_cpu_s": round(total, 2), "dispatch_wall_s": round(wall, 2), "models_built": len(models),
           "windows": calls["extract"],
           **{f"{k}_cpu_s": round(v, 2) for k, v in parts.items()}}
    out["other_cpu_s"] = round(total - sum(parts.values()), 2)
    return out


def rebuild(inputs) -> dict:
    """CPU seconds of the former path: every window's linopy model rebuilt and solved cold."""
    from zerodistrict.dispatch.optimal import rolling

    t = time.process_time()
    rolling._rolling(inputs, "energy_cost", HORIZON_HOURS, True, None, reuse=False)
    return {"rebuild_dispatch_cpu_s": round(time.process_time() - t, 2)}


def gap(inputs) -> dict:
    """Rolling against perfect foresight, objective ``energy_cost``; the bills of both dispatches."""
    from zerodistrict.dispatch.optimal import dispatch_bill, dispatch_optimal

    t = time.process_time()
    pf = dispatch_optimal(inputs, "energy_cost")
    pf_cpu = time.process_time() - t
    t = time.process_time()
    roll = dispatch_optimal(inputs, "energy_cost", horizon_hours=HORIZON_HOURS)
    roll_cpu = time.process_time() - t
    denominator = max(abs(pf.objective), 1e-9)
    pf_bill, roll_bill = dispatch_bill(inputs, pf), dispatch_bill(inputs, roll)
    return {"objective": "energy_cost", "perfect_foresight": round(pf.objective, 4), "rolling": round(roll.objective, 4),
            "gap_ratio": (roll.objective - pf.objective) / denominator,
            "perfect_foresight_bill": round(pf_bill, 2), "rolling_bill": round(roll_bill, 2),
            "perfect_foresight_cpu_s": round(pf_cpu, 2), "rolling_cpu_s": round(roll_cpu, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="whole-process runs (median)")
    ap.add_argument("--gap-days", type=int, default=56, help="days of the perfect-foresight comparison")
    ap.add_argument("--rebuild-days", type=int, default=0, help="also time the rebuild-every-window path on N days")
    ap.add_argument("--note", default="", help="a word on the conditions (e.g. 'under load')")
    args = ap.parse_args()

    whole = whole_process(args.runs)
    print(f"whole process, a year: median {whole['wall_s_median']} s wall, {whole['cpu_s_median']} s CPU "
          f"({args.runs} runs: {whole['wall_s']})")
    year = _inputs(None)
    parts = breakdown(year)
    print("dispatch step, a year (CPU s): " + ", ".join(f"{k} {v}" for k, v in parts.items()))
    record = {"preset": PRESET, "horizon_hours": HORIZON_HOURS, "kept_hours": 24, "whole_process": whole,
              "dispatch_year": parts}
    if args.rebuild_days:
        short = _inputs(args.rebuild_days)
        before = rebuild(short)
        after = breakdown(short)["dispatch_cpu_s"]
        record["rebuild_every_window"] = {"days": args.rebuild_days, **before, "reused_dispatch_cpu_s": after}
        print(f"rebuild every window, {args.rebuild_days} days: {before['rebuild_dispatch_cpu_s']} s CPU "
              f"(reused model: {after} s)")
    g = gap(_inputs(args.gap_days))
    record["gap"] = {"days": args.gap_days, **g}
    print(f"gap against perfect foresight over {args.gap_days} days ({g['objective']}): {100 * g['gap_ratio']:.4f} % "
          f"(rolling {g['rolling']}, perfect foresight {g['perfect_foresight']}); bills {g['rolling_bill']} vs "
          f"{g['perfect_foresight_bill']}")
    record["machine"] = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                         f"Python {platform.python_version()}")
    if args.note:
        record["note"] = args.note
    results_file.record("rolling", record)


if __name__ == "__main__":
    main()
