"""What each city should build: ``zerodistrict size`` on every preset with a ``sizing`` block (key "size_presets").

For each such preset, the full year (bill-exact LP, no typical days), two questions: the least
annualised cost with no target, and the least cost for ``--target self_sufficiency_ratio>=0.6``
(a target in reach of every city's bounds, an assumption of this script). Each is a fresh
``python -m zerodistrict.cli size PRESET … --out DIR`` process (whole process, one run; the default
perfect-foresight re-simulation and the scenario's own design costed the same way), and its
``sizing.json`` gives the sizes, the costs and whether the target holds in the full-year re-simulation.
The unit costs are each preset's (or its country's defaults), so the designs say what those costs make
of PV and batteries, not what a city should pay for them.

Run: ``python benchmarks/size_presets.py`` (about 10 minutes on 2 idle cores).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zerodistrict.scenario import list_presets, load_scenario

TARGETS = {"least cost": [], "self-sufficiency ≥ 0.6": ["--target", "self_sufficiency_ratio>=0.6"]}


def _size(preset: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "zerodistrict.cli", "size", preset, *extra, "--out", str(out)]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, COLUMNS="160"))
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1], "process_s": round(seconds, 1)}
        data = json.loads((out / "sizing.json").read_text())
    sizes = {f"{name}.{key}": f"{d['value']:.3g} {d['unit']}" for part in data["sizes"].values()
             for name, items in part.items() for key, d in items.items()}
    full = data.get("full_year") or {}
    return {"sizes": sizes, "currency": data["currency"], "annual_cost": round(data["annual_cost"]),
            "own_design_annual_cost": round((data.get("given_design") or {}).get("annual_cost", float("nan"))),
            "full_year_annual_cost": round(full.get("annual_cost", float("nan"))),
            "self_sufficiency_full_year": round(full.get("kpis", {}).get("self_sufficiency_ratio", float("nan")), 4),
            "targets_hold": [t.get("holds") for t in data["targets"]], "process_s": round(seconds, 1)}


def main() -> None:
    presets = [p for p in list_presets() if load_scenario(p).sizing is not None]
    rows = {}
    for preset in presets:
        for label, extra in TARGETS.items():
            row = _size(preset, extra)
            rows.setdefault(preset, {})[label] = row
            print(f"{preset:<26} {label:<24} " + (row.get("error") or
                  f"{row['annual_cost']:>12,} {row['currency']} (own design {row['own_design_annual_cost']:,}), "
                  f"self-sufficiency {row['self_sufficiency_full_year']:.3f}, {row['process_s']:.1f} s; "
                  + ", ".join(f"{k} {v}" for k, v in row["sizes"].items())), flush=True)
    results_file.record("size_presets", {
        "what": "zerodistrict size on every preset with a sizing block, full year, least cost and "
                "self_sufficiency_ratio>=0.6 (whole process, one run each)",
        "load_average_before": os.getloadavg()[0], "presets": rows})


if __name__ == "__main__":
    main()
