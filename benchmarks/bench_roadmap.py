"""Benchmark: ``zerodistrict roadmap PRESET --out DIR``, whole processes as a planner runs them.

Each roadmap preset runs RUNS times in a fresh interpreter (``python -m
zerodistrict.cli roadmap NAME --out DIR``, imports, the design's full-year rule
dispatch, scaling and the HTML report included); reported are the median wall
time and the median CPU time (user + system of the child). Target (issue 15):
``kuala-lumpur-2050`` in under a minute. No peer: planners do this in
spreadsheets, which we cannot time.

Run: ``python benchmarks/bench_roadmap.py`` (writes key "roadmap" of results.json).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 3
PRESETS = ("kuala-lumpur-2050", "penang-2030", "kuching-2050")


def time_process(name: str) -> tuple[float, float]:
    """Wall and CPU time [s] of one fresh ``zerodistrict roadmap NAME --out TMP`` (it must exit 0)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-roadmap-"))
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zerodistrict.cli", "roadmap", name, "--out", str(folder / "out")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    load_before = os.getloadavg()[0]
    cases = []
    for name in PRESETS:
        walls, cpus = zip(*(time_process(name) for _ in range(RUNS)))
        cases.append({"command": f"zerodistrict roadmap {name} --out DIR", "runs": RUNS,
                      "wall_median_s": statistics.median(walls), "cpu_median_s": statistics.median(cpus),
                      "wall_max_s": max(walls)})
        print(f"{name}: wall {cases[-1]['wall_median_s']:.2f} s, CPU {cases[-1]['cpu_median_s']:.2f} s")
    results_file.record("roadmap", {
        "what": "whole-process roadmap command (python -m zerodistrict.cli roadmap NAME --out DIR), median of "
                f"{RUNS} fresh processes each; one full-year rule dispatch per design, scaling, roadmap.csv, report.html",
        "machine": f"2 cores, 1-minute load average {load_before:.1f} before the runs",
        "target": "kuala-lumpur-2050 in under a minute (issue 15)",
        "cases": cases,
    })


if __name__ == "__main__":
    main()
