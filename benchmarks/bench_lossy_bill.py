"""Lossy perfect foresight on ``penang-george-town`` (issue 11 item 6): the bill LP against the energy-cost LP.

One command (``python benchmarks/bench_lossy_bill.py``; default 21 and 61 days from 2025-03-01, then the
shipped preset over its year with ``--year``): for each horizon, each objective (``bill`` as shipped,
``energy_cost``) and each way of solving the bill (``regimes``: what ``OptimalModel.solve`` does, net
metering month regime by month regime, :func:`zerodistrict.dispatch.optimal.tariff.solve_by_regimes`;
``full``: the bill LP with its credit rows in every month and running monthly sums; ``dense``: the same
with one dense row a month for each monthly sum, the formulation before issue 11 item 6), a fresh process builds the
LP (30 homes, 2 % line loss, storage ending at least at its initial level), solves it with HiGHS
(``threads=1``) and reports build and solve time, simplex iterations, rows, columns and the objective.
``--whole`` also times the whole ``zerodistrict run --dispatch optimal`` process on the preset (the year).
Figures go to ``benchmarks/results.json`` under ``optimal_lossy``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def scenario_yaml(days: int | None, folder: Path) -> Path:
    """The preset as shipped, over ``days`` from 2025-03-01 (None: its year)."""
    import yaml

    from zerodistrict.scenario import dump_scenario, load_scenario

    data = yaml.safe_load(dump_scenario(load_scenario("penang-george-town")))
    if days:
        data["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-03-01", "days": days}
    path = folder / f"penang-{days or 'year'}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def worker(path: str, objective: str, formulation: str, options: str) -> dict:
    """Build and solve in this process; timed by stage."""
    from zerodistrict.dispatch.optimal import OptimalModel
    from zerodistrict.dispatch.optimal import tariff as tariff_mod
    from zerodistrict.pipeline import build_inputs
    from zerodistrict.scenario import load_scenario

    from zerodistrict.dispatch.optimal.solve import _solve

    tariff_mod._DENSE_MONTHLY_SUMS = formulation == "dense"
    inputs = build_inputs(load_scenario(path))
    t0, c0 = time.perf_counter(), time.process_time()
    om = OptimalModel.build(inputs, objective)
    t1 = time.perf_counter()
    if formulation in ("full", "dense"):  # the bill LP as built, credit rows in every month
        _solve(om.model, {"threads": 1, **json.loads(options)})
        om._solved = True
    else:
        om.solve({"threads": 1, **json.loads(options)})
    t2, c2 = time.perf_counter(), time.process_time()
    result = om.result()
    info = om.model.solver_model.getInfo()
    return {"build_s": round(t1 - t0, 2), "solve_s": round(t2 - t1, 2), "build_and_solve_cpu_s": round(c2 - c0, 2),
            "objective_value": result.objective,
            "simplex_iterations": int(info.simplex_iteration_count), "ipm_iterations": int(info.ipm_iteration_count),
            "rows": int(om.model.ncons), "columns": int(om.model.nvars), "regimes": om.regimes}


def _sub(args: list[str], timeout_s: float) -> tuple[float, dict | None]:
    t0 = time.perf_counter()
    try:
        done = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, None
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    lines = done.stdout.strip().splitlines()
    return wall, json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, nargs="*", default=[21, 61], help="horizons from 2025-03-01 [days]")
    ap.add_argument("--year", action="store_true", help="also the preset's whole year")
    ap.add_argument("--objectives", nargs="*", default=["bill", "energy_cost"])
    ap.add_argument("--formulations", nargs="*", default=["regimes", "full"],
                    help="of the bill: regimes (shipped: OptimalModel.solve), full (credit rows in every month, running "
                         "sums), dense (full, one row a month for each monthly sum)")
    ap.add_argument("--options", default="{}", help="HiGHS options as JSON, on top of the defaults")
    ap.add_argument("--whole", action="store_true", help="time the whole `zerodistrict run` process (the year)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="per case [s]; a case stopped is recorded as such")
    ap.add_argument("--no-record", action="store_true", help="do not write results.json")
    args = ap.parse_args()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for days in args.days + ([None] if args.year else []):
            path = scenario_yaml(days, Path(tmp))
            for objective in args.objectives:
                for formulation in (args.formulations if objective == "bill" else ["-"]):
                    wall, res = _sub([sys.executable, __file__, "--worker", str(path), objective, formulation,
                                      args.options], args.timeout)
                    case = {"days": days or 365, "objective": objective, "formulation": formulation,
                            "process_s": round(wall, 2), **(res or {"stopped_after_s": args.timeout})}
                    cases.append(case)
                    print(json.dumps(case), flush=True)
        if args.whole:
            path = scenario_yaml(None, Path(tmp))
            out = Path(tmp) / "out"
            wall, _ = _sub([sys.executable, "-c", "from zerodistrict.cli import app; app()", "run", str(path),
                            "--dispatch", "optimal", "--out", str(out)], args.timeout)
            cases.append({"days": 365, "whole_process_s": round(wall, 2)})
            print(json.dumps(cases[-1]), flush=True)
    if not args.no_record:
        sys.path.insert(0, str(HERE))
        from results_file import record

        load = os.getloadavg()
        record("optimal_lossy", {
            "what": "penang-george-town as shipped (30 homes, 2 % line loss, storage ending ≥ initial), hourly from "
                    "2025-03-01; build and solve inside a fresh process, HiGHS threads=1; bill: regimes (shipped), full "
                    "(credit rows in every month), dense (full with one row a month per monthly sum)",
            "highs_options": json.loads(args.options), "load_average_at_end": [round(x, 2) for x in load],
            "cases": cases})


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:6])))
    else:
        main()
