"""Benchmark: start-up of the command line, whole processes as a person runs them.

``zerodistrict --help``, ``zerodistrict presets`` and ``zerodistrict validate
saitama-misono`` each run RUNS times in a fresh interpreter (``python -m
zerodistrict.cli``, imports included); reported are the median wall time and
the median CPU time (user + system of the child, from ``RUSAGE_CHILDREN``).
The peer is a bare interpreter (``python -c pass``) on the same machine, the
floor no command can go below. Target (issue 9): each command well under 1 s.

Run: ``python benchmarks/bench_startup.py`` (writes key "startup" of results.json).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import os
import resource
import statistics
import subprocess
import sys
import time

RUNS = 7
COMMANDS = {
    "python -c pass (peer: bare interpreter)": ["-c", "pass"],
    "zerodistrict --help": ["-m", "zerodistrict.cli", "--help"],
    "zerodistrict presets": ["-m", "zerodistrict.cli", "presets"],
    "zerodistrict validate saitama-misono": ["-m", "zerodistrict.cli", "validate", "saitama-misono"],
}


def time_process(args: list[str]) -> tuple[float, float]:
    """Wall and CPU time [s] of one fresh ``python ARGS`` process (it must exit 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "COLUMNS": "120"})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    time_process(COMMANDS["zerodistrict --help"])  # warm the file cache (bytecode, shared libraries)
    load_before = os.getloadavg()[0]
    cases = []
    for label, args in COMMANDS.items():
        walls, cpus = zip(*(time_process(args) for _ in range(RUNS)))
        row = {"command": label, "runs": RUNS, "wall_median_s": statistics.median(walls),
               "cpu_median_s": statistics.median(cpus), "wall_min_s": min(walls), "wall_max_s": max(walls)}
        cases.append(row)
        print(f"{label:<42} wall {row['wall_median_s']:.3f} s (min {row['wall_min_s']:.3f}, "
              f"max {row['wall_max_s']:.3f}), cpu {row['cpu_median_s']:.3f} s", flush=True)
    summary = {
        "what": "whole-process start-up of the CLI (python -m zerodistrict.cli), median of "
                f"{RUNS} fresh processes each",
        "machine": f"{os.cpu_count()} cores, 1-minute load average {load_before:.1f} before the runs "
                   "(wall time grows with other load on the machine; CPU time much less)",
        "target": "each command well under 1 s (issue 9)",
        "cases": cases,
    }
    path = results_file.record("startup", summary)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
