"""Issue 12, Done-when 3: ``zerodistrict size saitama-misono --target critical_survival_hours_p50>=24``.

Runs the command (whole process, one run each: with ``--typical-days 12``, and on the full year
unless ``--no-year``), then checks the sized design independently: ``sized.yaml`` is loaded and run
with the optimal dispatch and the full survival analysis (an outage starting at every hour, 168 h
at most), and with the rule CEMS too (which holds the same outage reserve). Records the wall
times, the sizes, the rounds and outage starts the sizing used, and the median survival of each
run under key ``sizing_survival`` in results.json. Measured under load unless re-run on an idle machine.

Usage: ``python benchmarks/bench_sizing_survival.py [--no-year]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results_file

TARGET = "critical_survival_hours_p50>=24"


def one(typical_days: int | None) -> dict:
    """One ``size`` run and the independent survival analysis of its sized.yaml."""
    from zerodistrict import pipeline
    from zerodistrict.scenario.loading import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "D"
        cmd = [sys.executable, "-m", "zerodistrict.cli", "size", "saitama-misono", "--target", TARGET,
               "--out", str(out), "--no-compare"]
        if typical_days:
            cmd += ["--typical-days", str(typical_days)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        data = json.loads((out / "sizing.json").read_text(encoding="utf-8"))
        sized = load_scenario(out / "sized.yaml")
    medians = {}
    for dispatch in ("optimal", "rule"):
        res = pipeline.run(sized, dispatch, resilience_hours=168.0).resilience
        medians[dispatch] = res.to_json_dict()["shared"]["critical_survival_hours_p50"]
    row = data["targets"][0]
    return {"typical_days": typical_days, "wall_s": round(wall, 1), "sizes": data["sizes"],
            "annual_cost": data["annual_cost"], "capex": data["capex"],
            "rounds": data["full_year"]["rounds"], "outage_starts": len(data["full_year"].get("outage_starts", [])),
            "p50_in_sizing_h": row["full_year_value"], "holds": row["holds"],
            "p50_run_sized_yaml_optimal_h": medians["optimal"], "p50_run_sized_yaml_rule_h": medians["rule"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-year", action="store_true", help="only --typical-days 12")
    args = parser.parse_args()
    from zerodistrict.scenario.loading import load_scenario
    from zerodistrict import pipeline

    own = pipeline.run(load_scenario("saitama-misono"), "optimal", resilience_hours=168.0).resilience
    cases = [one(12)] + ([] if args.no_year else [one(None)])
    value = {"target": TARGET, "preset_p50_optimal_h": own.to_json_dict()["shared"]["critical_survival_hours_p50"],
             "cases": cases, "note": "whole process, one run each; measured under load unless re-run idle"}
    print(json.dumps(value, indent=2, ensure_ascii=False))
    results_file.record("sizing_survival", value)


if __name__ == "__main__":
    main()
