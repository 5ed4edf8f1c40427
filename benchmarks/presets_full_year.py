"""Every preset for a full year, rule-based and optimal: KPIs side by side (key "presets_full_year").

Run: ``python benchmarks/presets_full_year.py``. Optimal costs are compared with the rule-based
ones after crediting the rules' net storage drawdown at the highest import price (the LP's storage
is cyclic: it ends where it starts; the rules may end lower).
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import json
import resource
import time
from pathlib import Path

from zerodistrict.scenario import list_presets, load_scenario
from zerodistrict.pipeline import run

HERE = Path(__file__).parent
KEYS = ("pv_specific_yield_kwh_per_kwp", "self_sufficiency_ratio", "self_consumption_ratio", "co2_reduction_ratio",
        "net_energy_cost", "net_energy_cost_baseline", "annual_bill_total", "payback_years", "unserved_kwh",
        "critical_survival_hours_mean", "mobility_trips_served_ratio")


def drawdown_kwh(res) -> float:
    inp, d = res.inputs, res.dispatch
    start = inp.stores.initial_kwh.sum()
    end = d.store_soc_kwh[-1].sum()
    return float(max(start - end, 0.0))


def main() -> None:
    rows = {}
    for name in list_presets():
        sc = load_scenario(name)
        if not sc.n_homes:
            continue
        row = {}
        for kind in ("rule", "optimal"):
            t0 = time.perf_counter()
            res = run(sc, dispatch=kind, resilience_hours=168.0 if kind == "rule" else None)
            row[kind] = {k: getattr(res.kpis, k) for k in KEYS} | {"seconds": time.perf_counter() - t0}
            if kind == "rule":
                row["rule_storage_drawdown_kwh"] = drawdown_kwh(res)
                row["max_import_price"] = float(res.inputs.import_price.max())
        credit = row["rule_storage_drawdown_kwh"] * row["max_import_price"]
        row["optimal_le_rule_with_credit"] = row["optimal"]["net_energy_cost"] <= row["rule"]["net_energy_cost"] + credit
        rows[name] = row
        print(name, json.dumps({k: (round(v["net_energy_cost"]), round(v["seconds"], 1)) for k, v in row.items()
                                if isinstance(v, dict)}), "ok" if row["optimal_le_rule_with_credit"] else "NOT ≤",
              flush=True)
    results_file.record("presets_full_year", {"what": __doc__.splitlines()[0], "presets": rows,
                                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


if __name__ == "__main__":
    main()
