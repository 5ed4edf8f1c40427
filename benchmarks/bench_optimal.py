"""Benchmark: zerodistrict's optimal dispatch against PyPSA, three comparisons side by side in one run.

Rows (each figure the median of ``--runs`` runs, each run in a fresh subprocess; HiGHS ``threads=1``,
``OMP_NUM_THREADS=1`` for both tools; the same objective, energy cost at each step's marginal price,
and cyclic storage, so the two LPs must agree to 1e-6 relative):

a. **PyPSA, one bus per home** (``pypsa_reference.build_pypsa_network``, the network a PyPSA user would
   write) vs our dispatch step (build + solve + results) and our whole ``zerodistrict run`` process, on a
   lossless district: the ``penang-george-town`` preset with ``--homes`` homes and no line loss.
b. **PyPSA on the network we solve** (``pypsa_reference.build_pypsa_aggregated``: our exact aggregation,
   one district bus and one battery per class) vs the same two figures of ours. This is the fair
   solver-and-modelling comparison: the aggregation is ours, PyPSA gets it for free.
c. **Lossy sharing** (``penang-george-town`` as shipped, 30 homes, 2 % line loss: no exact aggregation):
   PyPSA's per-home lossy network vs our per-home LP; plus our whole process on the preset exactly as
   shipped (objective ``bill``, storage ending at least where it started), issue 11's target (< 60 s).

PyPSA's figure is its ``optimize()`` inside its process (linopy model build, HiGHS, write-back; network
build and imports not counted) and its whole process; ours are the dispatch step inside the process and the
whole ``python -m zerodistrict.cli run`` process (imports, weather, PV, loads, dispatch, KPIs, bills,
appraisal; the outage survival analysis included, as a user gets it).

Usage: ``python benchmarks/bench_optimal.py`` (a year, 3 runs each; about an hour on 2 idle cores, most
of it PyPSA's per-home networks). Short check: ``python benchmarks/bench_optimal.py --quick`` (2 weeks, one
run). Sets the key ``optimal`` of ``benchmarks/results.json``.
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREADS = {"threads": 1}
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def scenario_yaml(kind: str, homes: int, days: int | None, folder: Path) -> Path:
    """Write the benchmark's scenario: ``lossless`` (homes, no line loss), ``lossy`` or ``shipped`` (the preset)."""
    import yaml

    from zerodistrict.scenario import dump_scenario, load_scenario

    data = yaml.safe_load(dump_scenario(load_scenario("penang-george-town")))
    if kind == "lossless":
        data["homes"][0]["count"] = homes
        data["community"]["line_loss_ratio"] = 0.0
    if kind != "shipped":
        data["community"]["storage_end"] = "cyclic"  # PyPSA's Stores are cyclic
    if days:
        data["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-03-01", "days": days}
    data["name"] = f"bench-{kind}"
    path = folder / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def _inputs(path: str):
    from zerodistrict.pipeline import build_inputs
    from zerodistrict.scenario import load_scenario

    return build_inputs(load_scenario(path))


def worker_ours(path: str, objective: str) -> dict:
    """Our dispatch step inside the process: arrays → model → HiGHS → DispatchResult, timed by stage."""
    from zerodistrict.dispatch.optimal import OptimalModel

    inputs = _inputs(path)
    t0 = time.perf_counter()
    om = OptimalModel.build(inputs, objective)
    t1 = time.perf_counter()
    om.solve(THREADS)
    t2 = time.perf_counter()
    result = om.result()
    t3 = time.perf_counter()
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "results_s": t3 - t2, "step_s": t3 - t0,
            "objective": result.objective, "columns": int(om.model.nvars), "rows": int(om.model.ncons),
            "peak_mb": _peak_mb()}


def worker_pypsa(path: str, network: str) -> dict:
    """PyPSA: build the network (not counted), then ``optimize()`` (model build + solve + write-back), timed."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    sys.path.insert(0, str(HERE))
    from pypsa_reference import _extra_functionality, build_pypsa_aggregated, build_pypsa_network

    inputs = _inputs(path)
    n = (build_pypsa_aggregated if network == "aggregated" else build_pypsa_network)(inputs, "cost")
    t0 = time.perf_counter()
    status, condition = n.optimize(solver_name="highs", solver_options={"output_flag": False, **THREADS},
                                   extra_functionality=_extra_functionality(inputs), log_to_console=False,
                                   io_api="direct", progress=False)
    t1 = time.perf_counter()
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"PyPSA: {status} {condition}")
    return {"optimize_s": t1 - t0, "objective": float(n.objective), "columns": int(n.model.nvars),
            "rows": int(n.model.ncons), "peak_mb": _peak_mb()}


def _sub(args: list[str], timeout_s: float) -> tuple[float, dict | None]:
    """Run ``args`` in a fresh process; its wall time and its last stdout line as JSON (if a worker)."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=ENV, timeout=timeout_s, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-2000:]}")
    if args[0] == __file__:
        return wall, json.loads(out.stdout.strip().splitlines()[-1])
    return wall, None


def _median_runs(args: list[str], runs: int, timeout_s: float) -> dict:
    """Median of every timing over ``runs`` runs (the other fields from the first run), with the raw walls."""
    recs = []
    for _ in range(runs):
        wall, rec = _sub(args, timeout_s)
        recs.append({**(rec or {}), "process_s": wall})
    out = dict(recs[0])
    for key in out:
        if key.endswith("_s"):
            out[key] = statistics.median(r[key] for r in recs)
    out["runs"] = runs
    out["process_s_all"] = [round(r["process_s"], 2) for r in recs]
    return out


def _ours_process(path: Path, objective: str | None, runs: int, timeout_s: float) -> dict:
    cmd = ["-m", "zerodistrict.cli", "run", str(path), "--dispatch", "optimal"]
    if objective:
        cmd += ["--objective", objective]
    return _median_runs(cmd, runs, timeout_s)


def _row(what: str, formulation: str, path: Path, network: str, runs: int, timeout_s: float) -> dict:
    ours = _median_runs([__file__, "--worker", "ours", str(path), "energy_cost"], runs, timeout_s)
    process = _ours_process(path, "energy_cost", runs, timeout_s)
    pypsa = _median_runs([__file__, "--worker", "pypsa", str(path), network], runs, timeout_s)
    rel = abs(ours["objective"] - pypsa["objective"]) / max(abs(pypsa["objective"]), 1e-12)
    return {
        "what": what, "formulation": formulation, "runs": runs,
        "ours_dispatch_step": ours, "ours_whole_process": process, "pypsa": pypsa,
        "objective_rel_diff": rel, "objectives_equal": rel <= 1e-6,
        "pypsa_optimize_over_our_step": pypsa["optimize_s"] / ours["step_s"],
        "pypsa_optimize_over_our_process": pypsa["optimize_s"] / process["process_s"],
        "pypsa_process_over_our_process": pypsa["process_s"] / process["process_s"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--homes", type=int, default=50, help="homes of the lossless district (rows a and b)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is reported)")
    ap.add_argument("--days", type=int, default=None, help="a shorter period (default: the whole year 2025)")
    ap.add_argument("--quick", action="store_true", help="2 weeks, one run: checks that the script works")
    ap.add_argument("--rows", default="abc", help="which rows to measure (default abc)")
    ap.add_argument("--key", default="optimal", help="key of results.json to record under (default optimal)")
    ap.add_argument("--skip-shipped", action="store_true",
                    help="row c without the shipped preset's whole process (objective bill; slow on this LP)")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, path, extra = args.worker
        rec = worker_ours(path, extra) if kind == "ours" else worker_pypsa(path, extra)
        print(json.dumps(rec))
        return
    if args.quick:
        args.days, args.runs = args.days or 14, 1
    timeout_s = 3600.0
    period = f"{args.days} days from 2025-03-01" if args.days else "the year 2025"
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        lossless = scenario_yaml("lossless", args.homes, args.days, Path(tmp))
        lossy = scenario_yaml("lossy", 30, args.days, Path(tmp))
        shipped = scenario_yaml("shipped", 30, args.days, Path(tmp))
        base = (f"penang-george-town, hourly, {period}; objective energy_cost (marginal price per step), cyclic "
                "storage, HiGHS threads=1")
        if "a" in args.rows:
            rows["a_per_home_pypsa"] = _row(
                f"PyPSA optimize() on one bus per home vs zerodistrict, {args.homes} homes, lossless sharing",
                f"{base}; PyPSA: per-home network (a bus, a Store and two Links per home); ours: the exact aggregation "
                "(one district bus, one battery per class)", lossless, "per_home", args.runs, timeout_s)
            print_row("a", rows["a_per_home_pypsa"])
        if "b" in args.rows:
            rows["b_aggregated_pypsa"] = _row(
                f"PyPSA optimize() on the aggregated network we solve vs zerodistrict, {args.homes} homes, lossless",
                f"{base}; both: one district bus, one battery per class (our reduction given to PyPSA)", lossless,
                "aggregated", args.runs, timeout_s)
            print_row("b", rows["b_aggregated_pypsa"])
        if "c" in args.rows:
            rows["c_lossy"] = _row(
              "PyPSA optimize() on one bus per home vs zerodistrict, 30 homes, 2 % line loss (no exact aggregation)",
                f"{base}; both: a bus per home, lines home → community with loss and community → home", lossy,
                "per_home", args.runs, timeout_s)
            if not args.skip_shipped:
                rows["c_lossy"]["ours_shipped_preset_whole_process"] = _ours_process(shipped, None, args.runs, timeout_s)
            rows["c_lossy"]["ours_shipped_preset_note"] = "not measured (--skip-shipped)" if args.skip_shipped else (
                "`zerodistrict run penang-george-town --dispatch optimal` as shipped: objective bill (TNB tiers, "
                "Solar ATAP net metering), storage ends at least where it started; issue 11 target < 60 s")
            print_row("c", rows["c_lossy"])
    from zerodistrict.dispatch.optimal import HIGHS_OPTIONS

    results_file.record(args.key, {
        "what": "optimal dispatch vs PyPSA, three rows side by side in one run (see bench_optimal.py docstring)",
        "period": period, "threads": "HiGHS threads=1, OMP_NUM_THREADS=1", "highs_options": HIGHS_OPTIONS,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"), "rows": rows,
    })


def print_row(label: str, row: dict) -> None:
    o, p, w = row["ours_dispatch_step"], row["pypsa"], row["ours_whole_process"]
    print(f"({label}) {row['what']} [median of {row['runs']}]")
    print(f"    ours: dispatch step {o['step_s']:.2f} s (build {o['build_s']:.2f}, solve {o['solve_s']:.2f}, "
          f"results {o['results_s']:.2f}; {o['rows']:,} rows, {o['columns']:,} columns), whole process "
          f"{w['process_s']:.2f} s")
    print(f"    PyPSA: optimize() {p['optimize_s']:.2f} s ({p['rows']:,} rows, {p['columns']:,} columns), whole "
          f"process {p['process_s']:.2f} s, peak {p['peak_mb']:.0f} MB")
    print(f"    PyPSA optimize() / our step ×{row['pypsa_optimize_over_our_step']:.2f}, / our whole process "
          f"×{row['pypsa_optimize_over_our_process']:.2f}; objectives differ by {row['objective_rel_diff']:.1e}")
    if "ours_shipped_preset_whole_process" in row:
        print(f"    ours, the preset as shipped (objective bill): whole process "
              f"{row['ours_shipped_preset_whole_process']['process_s']:.2f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
