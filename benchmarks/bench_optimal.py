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
run). Sets the key ``optimal`` of ``benchmarks/results.json``. Every process is timed in wall and CPU
time (user + system, all threads); row b also times our whole process by stage (``--worker stages``).

Issue 11 item 7: ``python benchmarks/bench_optimal.py --whole-before REV`` runs row b's whole
``zerodistrict run`` process at git ``REV`` and now, and PyPSA's ``optimize()`` on the same network,
interleaved run by run (key ``optimal_item7``).
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
# every process computes its profiles (weather, PV, loads) unless a figure says "cached": then the profile
# cache (zerodistrict.profiles.cache) is a fresh folder, filled by one untimed run before the timed ones
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", ZERODISTRICT_CACHE="off")


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
    t0, c0 = time.perf_counter(), time.process_time()
    om = OptimalModel.build(inputs, objective)
    t1 = time.perf_counter()
    om.solve(THREADS)
    t2 = time.perf_counter()
    result = om.result()
    t3, c3 = time.perf_counter(), time.process_time()
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "results_s": t3 - t2, "step_s": t3 - t0, "step_cpu_s": c3 - c0,
            "objective": result.objective, "columns": int(om.model.nvars), "rows": int(om.model.ncons),
            "peak_mb": _peak_mb()}


def worker_stages(path: str, objective: str) -> dict:
    """Our whole ``run`` inside one fresh process, timed by stage (issue 11 item 7's profile).

    Mirrors ``zerodistrict run PATH --dispatch optimal --objective OBJECTIVE`` (no ``--out``): the CLI module,
    the run's imports, the scenario, then :func:`zerodistrict.pipeline.run` with each stage's function wrapped
    in a timer (the wrappers only time; the run is unchanged). ``interpreter_s`` is not measured here: it is
    the whole process's wall time minus ``total_s`` (the caller has both).
    """
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU time of the whole process (every thread), next to each stage's wall time
    import zerodistrict.cli  # noqa: F401  (typer, rich: what every command loads)

    t_cli, c_cli = time.perf_counter(), time.process_time()
    from zerodistrict import pipeline
    from zerodistrict.analysis import resilience
    from zerodistrict.dispatch.optimal import OptimalModel
    from zerodistrict.profiles import loads, pv, weather
    from zerodistrict.scenario import load_scenario

    t_imports, c_imports = time.perf_counter(), time.process_time()
    spent: dict[str, float] = {}

    def timed(owner, name: str, label: str) -> None:
        func = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
                cpu = label.removesuffix("_s") + "_cpu_s"
                spent[cpu] = spent.get(cpu, 0.0) + time.process_time() - c

        # a classmethod comes back bound to its class: keep it bound, as a staticmethod of the wrapper
        bound_to_class = isinstance(owner, type) and isinstance(owner.__dict__.get(name), classmethod)
        setattr(owner, name, staticmethod(wrapper) if bound_to_class else wrapper)

    timed(weather, "weather_for", "weather_s")
    timed(loads, "group_load", "loads_s")
    timed(pv, "pv_ac_kw_per_kwp", "pv_s")
    timed(OptimalModel, "build", "lp_build_s")
    timed(OptimalModel, "solve", "lp_solve_s")
    timed(OptimalModel, "result", "lp_results_s")
    timed(pipeline, "compute_kpis", "kpis_s")
    timed(pipeline, "homes_table", "homes_table_s")
    timed(resilience, "analyse", "survival_s")
    timed(pipeline, "appraise", "appraisal_s")
    sc = load_scenario(path)
    t_load, c_load = time.perf_counter(), time.process_time()
    pipeline.run(sc, dispatch="optimal", objective=objective)
    t_end, c_end = time.perf_counter(), time.process_time()
    stages = {"cli_import_s": t_cli - t0, "cli_import_cpu_s": c_cli - c0, "run_imports_s": t_imports - t_cli,
              "run_imports_cpu_s": c_imports - c_cli, "scenario_s": t_load - t_imports,
              "scenario_cpu_s": c_load - c_imports, **spent}
    stages["other_s"] = (t_end - t0) - sum(v for k, v in stages.items() if not k.endswith("_cpu_s"))
    stages["other_cpu_s"] = (c_end - c0) - sum(v for k, v in stages.items() if k.endswith("_cpu_s"))
    return {**stages, "total_s": t_end - t0, "total_cpu_s": c_end - c0}


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
    t0, c0 = time.perf_counter(), time.process_time()
    status, condition = n.optimize(solver_name="highs", solver_options={"output_flag": False, **THREADS},
                                   extra_functionality=_extra_functionality(inputs), log_to_console=False,
                                   io_api="direct", progress=False)
    t1, c1 = time.perf_counter(), time.process_time()
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"PyPSA: {status} {condition}")
    return {"optimize_s": t1 - t0, "optimize_cpu_s": c1 - c0, "objective": float(n.objective), "columns": int(n.model.nvars),
            "rows": int(n.model.ncons), "peak_mb": _peak_mb()}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sub(args: list[str], timeout_s: float, env: dict | None = None) -> tuple[float, float, dict | None]:
    """Run ``args`` in a fresh process; its wall time, its CPU time (user + system, all its threads) and its
    last stdout line as JSON (if a worker)."""
    t0, c0 = time.perf_counter(), _children_cpu_s()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env or ENV, timeout=timeout_s,
                         check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu_s() - c0
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-2000:]}")
    if args[0] == __file__:
        return wall, cpu, json.loads(out.stdout.strip().splitlines()[-1])
    return wall, cpu, None


def _median_runs(args: list[str], runs: int, timeout_s: float, env: dict | None = None) -> dict:
    """Median of every timing over ``runs`` runs (the other fields from the first run), with the raw walls."""
    recs = []
    for _ in range(runs):
        wall, cpu, rec = _sub(args, timeout_s, env)
        recs.append({**(rec or {}), "process_s": wall, "process_cpu_s": cpu})
    out = dict(recs[0])
    for key in out:
        if key.endswith("_s"):
            out[key] = statistics.median(r[key] for r in recs)
    out["runs"] = runs
    out["process_s_all"] = [round(r["process_s"], 2) for r in recs]
    out["process_cpu_s_all"] = [round(r["process_cpu_s"], 2) for r in recs]
    return out


def _ours_process(path: Path, objective: str | None, runs: int, timeout_s: float) -> dict:
    cmd = ["-m", "zerodistrict.cli", "run", str(path), "--dispatch", "optimal"]
    if objective:
        cmd += ["--objective", objective]
    return _median_runs(cmd, runs, timeout_s)


def _ours_process_cached(path: Path, objective: str | None, runs: int, timeout_s: float) -> dict:
    """:func:`_ours_process` with the profile cache on, in a fresh folder that one untimed run fills first."""
    cmd = ["-m", "zerodistrict.cli", "run", str(path), "--dispatch", "optimal"] + (
        ["--objective", objective] if objective else [])
    with tempfile.TemporaryDirectory(prefix="bench-profile-cache-") as folder:
        env = dict(ENV, ZERODISTRICT_CACHE=folder)
        _sub(cmd, timeout_s, env)
        return _median_runs(cmd, runs, timeout_s, env)


def _row(what: str, formulation: str, path: Path, network: str, runs: int, timeout_s: float,
         stages: bool = False) -> dict:
    ours = _median_runs([__file__, "--worker", "ours", str(path), "energy_cost"], runs, timeout_s)
    process = _ours_process(path, "energy_cost", runs, timeout_s)
    cached = _ours_process_cached(path, "energy_cost", runs, timeout_s)
    if stages:  # where the whole process's time goes (issue 11 item 7)
        staged = _median_runs([__file__, "--worker", "stages", str(path), "energy_cost"], runs, timeout_s)
        staged["interpreter_and_rest_s"] = process["process_s"] - staged["total_s"]
        staged["interpreter_and_rest_cpu_s"] = process["process_cpu_s"] - staged["total_cpu_s"]
        process["stages"] = staged
    pypsa = _median_runs([__file__, "--worker", "pypsa", str(path), network], runs, timeout_s)
    rel = abs(ours["objective"] - pypsa["objective"]) / max(abs(pypsa["objective"]), 1e-12)
    return {
        "what": what, "formulation": formulation, "runs": runs,
        "ours_dispatch_step": ours, "ours_whole_process": process, "ours_whole_process_cached_profiles": cached,
        "pypsa": pypsa, "pypsa_optimize_over_our_cached_process": pypsa["optimize_s"] / cached["process_s"],
        "objective_rel_diff": rel, "objectives_equal": rel <= 1e-6,
        "pypsa_optimize_over_our_step": pypsa["optimize_s"] / ours["step_s"],
        "pypsa_optimize_over_our_process": pypsa["optimize_s"] / process["process_s"],
        "pypsa_process_over_our_process": pypsa["process_s"] / process["process_s"],
        "our_process_over_pypsa_optimize": process["process_s"] / pypsa["optimize_s"],
    }


def _source_at(rev: str, folder: Path) -> Path:
    """``src/`` of the repository at ``rev`` (``git archive``), to run the package as it was."""
    repo = HERE.parent
    archive = subprocess.run(["git", "-C", str(repo), "archive", rev, "src"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def whole_before_after(path: Path, before: str, runs: int, timeout_s: float, folder: Path) -> dict:
    """Issue 11 item 7: our whole ``run`` process at ``before`` and now, and PyPSA's ``optimize()`` on row b's
    network, interleaved run by run (so that both see the same load), each the median of ``runs``."""
    old_src = _source_at(before, folder)
    now_src = HERE.parent / "src"
    cmd = ["-m", "zerodistrict.cli", "run", str(path), "--dispatch", "optimal", "--objective", "energy_cost"]
    recs: dict[str, list] = {"before": [], "now": [], "pypsa": []}
    global ENV
    base_env = ENV
    try:
        for _ in range(runs):
            for label, src in (("before", old_src), ("now", now_src)):
                ENV = dict(base_env, PYTHONPATH=str(src))
                wall, cpu, _ = _sub(cmd, timeout_s)
                recs[label].append({"process_s": wall, "process_cpu_s": cpu})
            ENV = dict(base_env, PYTHONPATH=str(now_src))
            wall, cpu, rec = _sub([__file__, "--worker", "pypsa", str(path), "aggregated"], timeout_s)
            recs["pypsa"].append({**rec, "process_s": wall, "process_cpu_s": cpu})
    finally:
        ENV = base_env
    out = {}
    for label, items in recs.items():
        out[label] = {key: statistics.median(r[key] for r in items) for key in items[0] if key.endswith("_s")}
        out[label]["all"] = [{k: round(v, 3) for k, v in r.items() if k.endswith("_s")} for r in items]
    out["before_rev"] = before
    out["now_over_before"] = out["now"]["process_s"] / out["before"]["process_s"]
    out["now_over_pypsa_optimize"] = out["now"]["process_s"] / out["pypsa"]["optimize_s"]
    out["now_over_pypsa_optimize_cpu"] = out["now"]["process_cpu_s"] / out["pypsa"]["optimize_cpu_s"]
    out["load_average"] = os.getloadavg()
    return out


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
    ap.add_argument("--shipped-only", action="store_true",
                    help="only row c's shipped preset (objective bill), whole process, median of --runs (key "
                    "optimal_shipped unless --key)")
    ap.add_argument("--whole-before", metavar="REV",
                    help="issue 11 item 7 only: row b's whole process at git REV and now, with PyPSA's optimize(), "
                    "interleaved (key optimal_item7)")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, path, extra = args.worker
        worker = {"ours": worker_ours, "stages": worker_stages, "pypsa": worker_pypsa}[kind]
        rec = worker(path, extra)
        print(json.dumps(rec))
        return
    if args.quick:
        args.days, args.runs = args.days or 14, 1
    timeout_s = 3600.0
    period = f"{args.days} days from 2025-03-01" if args.days else "the year 2025"
    rows = {}
    if args.whole_before:
        with tempfile.TemporaryDirectory() as tmp:
            lossless = scenario_yaml("lossless", args.homes, args.days, Path(tmp))
            rec = whole_before_after(lossless, args.whole_before, args.runs, timeout_s, Path(tmp))
        b, n, p = rec["before"], rec["now"], rec["pypsa"]
        print(f"(item 7) whole `run --dispatch optimal`, {args.homes} homes lossless, {period} [median of {args.runs}, "
              f"interleaved; load average {rec['load_average'][0]:.1f}]")
        print(f"    before ({args.whole_before}): {b['process_s']:.2f} s wall, {b['process_cpu_s']:.2f} s CPU")
        print(f"    now: {n['process_s']:.2f} s wall, {n['process_cpu_s']:.2f} s CPU (×{rec['now_over_before']:.2f})")
        print(f"    PyPSA optimize() on the aggregated network: {p['optimize_s']:.2f} s wall, {p['optimize_cpu_s']:.2f} s "
              f"CPU (its process {p['process_s']:.2f} s wall, {p['process_cpu_s']:.2f} s CPU); our whole process / its "
              f"optimize() ×{rec['now_over_pypsa_optimize']:.2f} wall, ×{rec['now_over_pypsa_optimize_cpu']:.2f} CPU")
        results_file.record(args.key if args.key != "optimal" else "optimal_item7", {
            "what": "issue 11 item 7: our whole `zerodistrict run --dispatch optimal --objective energy_cost` process "
                    "before and now, against PyPSA optimize() on the same aggregated network (row b)",
            "period": period, "homes": args.homes, "runs": args.runs, "date": time.strftime("%Y-%m-%d"), **rec})
        return
    if args.shipped_only:
        with tempfile.TemporaryDirectory() as tmp:
            rec = _ours_process(scenario_yaml("shipped", 30, args.days, Path(tmp)), None, args.runs, timeout_s)
        print(f"(c) the preset as shipped (objective bill), {period}: whole process {rec['process_s']:.2f} s "
              f"(CPU {rec['process_cpu_s']:.2f} s) [median of {args.runs}]")
        results_file.record(args.key if args.key != "optimal" else "optimal_shipped", {
            "what": "`zerodistrict run penang-george-town --dispatch optimal` as shipped (row c's preset): objective "
                    "bill (TNB tiers, Solar ATAP net metering by month regimes), storage ends at least where it "
                    "started; issue 11 item 6 target < 60 s", "period": period, "date": time.strftime("%Y-%m-%d"),
            "ours_shipped_preset_whole_process": rec})
        return
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
                "aggregated", args.runs, timeout_s, stages=True)
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
          f"{w['process_s']:.2f} s (CPU {w['process_cpu_s']:.2f} s)")
    c = row["ours_whole_process_cached_profiles"]
    print(f"    ours, whole process with the profiles from the cache: {c['process_s']:.2f} s (CPU {c['process_cpu_s']:.2f} s)")
    if "stages" in w:
        print("    ours, whole process by stage [s]: " + ", ".join(
            f"{k.removesuffix('_s')} {v:.2f}" for k, v in w["stages"].items()
            if k.endswith("_s") and k not in ("process_s", "process_cpu_s")))
    print(f"    PyPSA: optimize() {p['optimize_s']:.2f} s ({p['rows']:,} rows, {p['columns']:,} columns), whole "
          f"process {p['process_s']:.2f} s (CPU {p['process_cpu_s']:.2f} s), peak {p['peak_mb']:.0f} MB")
    print(f"    PyPSA optimize() / our step ×{row['pypsa_optimize_over_our_step']:.2f}, / our whole process "
          f"×{row['pypsa_optimize_over_our_process']:.2f} (cached profiles ×{row['pypsa_optimize_over_our_cached_process']:.2f}); "
          f"objectives differ by {row['objective_rel_diff']:.1e}")
    if "ours_shipped_preset_whole_process" in row:
        print(f"    ours, the preset as shipped (objective bill): whole process "
              f"{row['ours_shipped_preset_whole_process']['process_s']:.2f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
