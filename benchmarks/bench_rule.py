"""Benchmark: a year of the rule-based CEMS at hourly steps for 10 … 10,000 homes.

Each size runs in its own process so that peak memory (ru_maxrss) is its
own. The district is the Misono preset scaled to N homes, each with a 5 kWh
home battery added, with its central battery and two shared EVs. Reported:
profile build time (weather, PV, loads), dispatch time, homes-years per second
of dispatch, peak memory and its growth per home. The peer is the same rules
written as plain Python loops (benchmarks/naive_rule.py, no EVs), run on the
same inputs for the sizes where it finishes in reasonable time.

Run: ``python benchmarks/bench_rule.py`` (writes key "rule" of results.json).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import os
import resource
import time
from pathlib import Path

HERE = Path(__file__).parent
SIZES = (10, 100, 1_000, 10_000)
NAIVE_SIZES = (10, 100)


def one_case(n_homes: int, naive: bool) -> dict:
    import numpy as np  # noqa: F401  (imports before the memory baseline)

    from zerodistrict.dispatch.rule import dispatch_rule
    from zerodistrict.scenario import dump_scenario, load_scenario, scenario_from_dict
    import yaml

    base = yaml.safe_load(dump_scenario(load_scenario("saitama-misono")))
    base["homes"][0]["count"] = n_homes
    base["homes"][0]["battery"] = {"capacity_kwh": 5.0, "power_kw": 2.5}
    sc = scenario_from_dict(base)
    from zerodistrict.pipeline import build_inputs

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    inputs = build_inputs(sc)
    t1 = time.perf_counter()
    result = dispatch_rule(inputs)
    t2 = time.perf_counter()
    out = {
        "homes": n_homes,
        "steps": len(inputs.index),
        "profiles_s": t1 - t0,
        "dispatch_s": t2 - t1,
        "homes_years_per_s": n_homes / (t2 - t1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": rss0 / 1024,
        "import_kwh": float(result.totals["grid_import_kw"].sum()),
    }
    if naive:
        from naive_rule import naive_rule
        from dataclasses import replace

        plain = replace(inputs, stores=inputs.stores.select(inputs.stores.kind != "ev"))
        t3 = time.perf_counter()
        naive_rule(plain)
        t4 = time.perf_counter()
        t5 = time.perf_counter()
        dispatch_rule(plain)
        t6 = time.perf_counter()
        out["naive_s"] = t4 - t3
        out["vectorised_same_inputs_s"] = t6 - t5
        out["speedup_vs_naive"] = (t4 - t3) / (t6 - t5)
    return out


def main() -> None:
    rows = []
    for n in SIZES:
        row = results_file.run_case(__file__, n, n in NAIVE_SIZES, extra_path=str(HERE))
        rows.append(row)
        naive = f"  naive {row['naive_s']:.2f} s → ×{row['speedup_vs_naive']:.0f}" if "naive_s" in row else ""
        print(f"{n:>6} homes: profiles {row['profiles_s']:.2f} s, dispatch {row['dispatch_s']:.3f} s "
              f"({row['homes_years_per_s']:,.0f} homes-years/s), peak {row['peak_rss_mb']:,.0f} MB{naive}", flush=True)
    big, small = rows[-1], rows[-2]
    per_home = (big["peak_rss_mb"] - small["peak_rss_mb"]) / (big["homes"] - small["homes"])
    summary = {
        "what": "rule-based CEMS, a year at hourly steps, Misono preset scaled to N homes (+5 kWh home batteries)",
        "machine": f"{os.cpu_count()} cores, one thread (OMP_NUM_THREADS=1)",
        "cases": rows,
        "memory_mb_per_home": per_home,
    }
    path = results_file.record("rule", summary)
    print(f"memory grows {per_home:.3f} MB per home; wrote {path}")


if __name__ == "__main__":
    results_file.main_or_case(one_case, main)
