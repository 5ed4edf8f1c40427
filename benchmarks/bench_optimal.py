"""Benchmark: zerodistrict's optimal dispatch vs the same LP in PyPSA, a year at hourly steps.

Cases: 10, 50 and 200 homes, each with PV and a battery, sharing on (lossless), a
community battery and two shared bidirectional EVs. Profiles are synthetic and
deterministic (clear-sky-shaped PV with seeded day-to-day clearness, two-peak loads with
seeded noise, a time-of-use import price). Each (tool, case) runs in its own subprocess
so its peak memory (ru_maxrss) is its own; HiGHS runs with ``threads=1`` and the
subprocess with ``OMP_NUM_THREADS=1`` for fairness. Objectives must agree to 1e-6
relative. Prints a table and sets the key ``optimal`` in ``benchmarks/results.json``.

Usage: ``python benchmarks/bench_optimal.py [--homes 10 50 200] [--pypsa-max-homes 50]``
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
THREADS = {"threads": 1}


def year_inputs(n_homes: int, year: int = 2025):
    """A deterministic synthetic district year at hourly steps."""
    from zerodistrict.dispatch.common import COMMUNITY_BUS, DispatchInputs, Stores

    index = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", tz="Asia/Tokyo", inclusive="left")
    n_t = len(index)
    rng = np.random.default_rng(42)
    hour = index.hour.to_numpy() + 0.5
    doy = index.dayofyear.to_numpy()
    # PV per kWp: half-sine between sunrise and sunset, day length and peak vary with the season
    half_day = 6.0 + 1.2 * np.cos(2 * np.pi * (doy - 172) / 365.0)
    shape = np.clip(np.cos(np.pi * (hour - 12.0) / (2 * half_day)), 0.0, None)
    clear = rng.uniform(0.3, 1.0, size=n_t // 24 + 1)[doy - 1]
    pv_per_kwp = 0.8 * shape * clear
    kwp = rng.choice([3.5, 4.4, 5.5], size=n_homes)
    pv = pv_per_kwp[:, None] * kwp[None, :]
    base = 0.3 + 0.6 * np.exp(-((hour - 7.5) ** 2) / 2.0) + 1.0 * np.exp(-((hour - 19.5) ** 2) / 4.0)
    load = base[:, None] * rng.uniform(0.7, 1.3, size=(1, n_homes)) * rng.lognormal(0.0, 0.25, size=(n_t, n_homes))

    def storage(names, kind, location, cap, power, eta=0.95, floor=0.1, init=0.5, **kw):
        return Stores.create(n_t, name=names, kind=kind, location=location, capacity_kwh=cap, charge_power_kw=power,
                             charge_efficiency=eta, discharge_efficiency=eta, min_soc_ratio=floor,
                             initial_soc_ratio=init, grid_charging=True, **kw)

    cap = rng.choice([6.5, 9.8, 13.0], size=n_homes)
    homes = storage([f"home {h}" for h in range(n_homes)], "battery", np.arange(n_homes), cap, cap * 0.5)
    n_ev = 2
    available = np.ones((n_t, n_ev), dtype=bool)
    trips = np.zeros((n_t, n_ev))
    weekend = index.dayofweek.to_numpy() >= 5
    depart = (index.hour.to_numpy() == 10) & weekend
    for k in range(n_ev):
        trips[depart, k] = 8.0
        for off in range(6):
            available[np.flatnonzero(depart) + off, k] = False
    evs = storage([f"ev {k}" for k in range(n_ev)], "ev", COMMUNITY_BUS, 40.0, 6.0, eta=0.92, floor=0.2, init=0.8,
                  available=available, trip_kwh=trips)
    central = storage(["central"], "battery", COMMUNITY_BUS, 125.0, 50.0)
    price = np.where((index.hour >= 8) & (index.hour < 22), 35.0, 25.0)
    return DispatchInputs(
        index=index, step_hours=1.0, load_kw=load, pv_kw=pv, home_group=np.zeros(n_homes, int), group_names=["g"],
        critical_load_ratio=np.full(n_homes, 0.5), stores=Stores.concat(homes, central, evs),
        mobility_load_kw=np.zeros(n_t), sharing=True,
        line_loss_ratio=0.0, grid_available=np.ones(n_t, bool), export_allowed=True, import_limit_kw=np.inf,
        export_limit_kw=np.inf, import_price=price, export_price=np.full(n_t, 8.5),
        emission_factor_kg_per_kwh=np.full(n_t, 0.45), currency="JPY",
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def run_zerodistrict(n_homes: int, aggregate: bool = True) -> dict:
    """Arrays → model → HiGHS → DispatchResult, timed by stage."""
    import warnings

    warnings.simplefilter("ignore")
    from zerodistrict.dispatch import optimal as opt

    inputs = year_inputs(n_homes)
    t0 = time.perf_counter()
    p = opt._problem(inputs, "cost", aggregate)
    m = opt._build(p)
    t1 = time.perf_counter()
    opt._solve(m, THREADS)
    t2 = time.perf_counter()
    result = opt._result(inputs, p, m)
    t3 = time.perf_counter()
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "results_s": t3 - t2, "total_s": t3 - t0,
            "objective": result.objective, "variables": int(m.nvars), "constraints": int(m.ncons),
            "peak_mb": _peak_mb()}


def run_pypsa(n_homes: int) -> dict:
    """Network build, then PyPSA's optimize() (model build + solve + write-back), timed."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    sys.path.insert(0, str(HERE))
    from pypsa_reference import _extra_functionality, build_pypsa_network

    inputs = year_inputs(n_homes)
    t0 = time.perf_counter()
    n = build_pypsa_network(inputs)
    t1 = time.perf_counter()
    status, condition = n.optimize(solver_name="highs", solver_options={"output_flag": False, **THREADS},
                                   extra_functionality=_extra_functionality(inputs), log_to_console=False,
                                   io_api="direct", progress=False)
    t2 = time.perf_counter()
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"PyPSA: {status} {condition}")
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "total_s": t2 - t0, "objective": float(n.objective),
            "variables": int(n.model.nvars), "constraints": int(n.model.ncons), "peak_mb": _peak_mb()}


def _subprocess(tool: str, n_homes: int, timeout_s: float) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--worker", tool, str(n_homes)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout_s)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"{tool} {n_homes} homes failed:\n{out.stderr[-2000:]}")
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["process_wall_s"] = wall
    return rec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--homes", type=int, nargs="+", default=[10, 50, 200])
    ap.add_argument("--pypsa-max-homes", type=int, default=50,
                    help="skip PyPSA above this size (its year-long LP for 200 homes takes too long)")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        tool, n = args.worker[0], int(args.worker[1])
        rec = {"zerodistrict": run_zerodistrict, "pypsa": run_pypsa,
               "zerodistrict_unaggregated": lambda k: run_zerodistrict(k, aggregate=False)}[tool](n)
        print(json.dumps(rec))
        return
    cases = {}
    for n in args.homes:
        case = {"zerodistrict": _subprocess("zerodistrict", n, 600)}
        if n <= args.pypsa_max_homes:
            case["pypsa"] = _subprocess("pypsa", n, 900)
            z, p = case["zerodistrict"]["objective"], case["pypsa"]["objective"]
            case["objective_rel_diff"] = abs(z - p) / abs(p)
            case["objectives_equal"] = case["objective_rel_diff"] <= 1e-6
            case["speedup_total"] = case["pypsa"]["total_s"] / case["zerodistrict"]["total_s"]
            case["speedup_process"] = case["pypsa"]["process_wall_s"] / case["zerodistrict"]["process_wall_s"]
        else:
            case["pypsa_skipped"] = (f"PyPSA skipped above {args.pypsa_max_homes} homes: its per-home LP "
                                     "grows linearly with homes and its solve would exceed the 10-minute budget")
        cases[str(n)] = case
    _print_table(cases)
    record = {
        "what": "optimal dispatch, a year hourly (8760 steps), homes with PV + battery, sharing on, "
                "community battery + 2 EVs; zerodistrict (aggregated linopy LP, HiGHS) vs PyPSA optimize() "
                "on the per-home network, same objective",
        "threads": "HiGHS threads=1, OMP_NUM_THREADS=1",
        "highs_options": __import__("zerodistrict.dispatch.optimal", fromlist=["x"]).HIGHS_OPTIONS,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "cases": cases,
    }
    results_file.record("optimal", record)


def _print_table(cases: dict) -> None:
    head = f"{'homes':>5} {'tool':<13} {'build s':>8} {'solve s':>8} {'total s':>8} {'process s':>9} {'peak MB':>8} " \
           f"{'vars':>9} {'objective':>16}"
    print(head)
    print("-" * len(head))
    for n, case in cases.items():
        for tool in ("zerodistrict", "pypsa"):
            if tool not in case:
                continue
            r = case[tool]
            print(f"{n:>5} {tool:<13} {r['build_s']:8.2f} {r['solve_s']:8.2f} {r['total_s']:8.2f} "
                  f"{r['process_wall_s']:9.2f} {r['peak_mb']:8.0f} {r['variables']:9d} {r['objective']:16.6f}")
        if "pypsa" in case:
            print(f"{'':>5} speed-up {case['speedup_total']:.1f}x (in-process), {case['speedup_process']:.1f}x "
                  f"(whole process); objectives differ by {case['objective_rel_diff']:.1e} relative")
        else:
            print(f"{'':>5} {case['pypsa_skipped']}")


if __name__ == "__main__":
    main()
