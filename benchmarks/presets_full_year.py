"""Every preset for a full year, rule-based and optimal (objective bill): KPIs and bills side by side (key "presets_full_year").

Run: ``python benchmarks/presets_full_year.py``. Bills are ``dispatch_bill`` (the tariff on the meters
as the LP models them, every feature included); each dispatch is charged for its stores' drawdown
below their initial energy at the highest import price (``storage_credit``; the LP ends every store
at least where it started). ``lp_gap`` is the LP objective minus the post-dispatch bill of its own
dispatch: zero for convex tariffs, the non-convex features (TNB's EEI rebate, waivers) otherwise.
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import json
import resource
import time
from pathlib import Path

from zerodistrict.dispatch.optimal import dispatch_bill, storage_credit
from zerodistrict.scenario import list_presets, load_scenario
from zerodistrict.pipeline import run

HERE = Path(__file__).parent
KEYS = ("pv_specific_yield_kwh_per_kwp", "self_sufficiency_ratio", "self_consumption_ratio", "co2_reduction_ratio",
        "net_energy_cost", "net_energy_cost_baseline", "annual_bill_total", "payback_years", "unserved_kwh",
        "critical_survival_hours_mean", "mobility_trips_served_ratio", "storage_change_kwh",
        "battery_discharge_kwh", "grid_import_kwh", "grid_export_kwh", "curtailed_kwh")


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
            seconds = time.perf_counter() - t0
            bill = dispatch_bill(res.inputs, res.dispatch)
            row[kind] = {k: getattr(res.kpis, k) for k in KEYS} | {
                "seconds": seconds, "bill": bill, "storage_drawdown_charge": storage_credit(res.inputs, res.dispatch)}
            if kind == "optimal":
                row[kind]["lp_objective"] = res.dispatch.objective
                row[kind]["lp_gap"] = res.dispatch.objective - bill
        credited = {k: row[k]["bill"] + row[k]["storage_drawdown_charge"] for k in ("rule", "optimal")}
        row["optimal_bill_le_rule_bill_credited"] = credited["optimal"] <= credited["rule"] + 1e-6
        rows[name] = row
        print(name, json.dumps({k: {"bill": round(v["bill"], 2), "credited": round(credited[k], 2),
                                    "appraisal": v["annual_bill_total"], "s": round(v["seconds"], 1)}
                                for k, v in row.items() if isinstance(v, dict)}),
              "lp_gap", round(row["optimal"]["lp_gap"], 2),
              "ok" if row["optimal_bill_le_rule_bill_credited"] else "NOT ≤", flush=True)
    results_file.record("presets_full_year", {"what": __doc__.splitlines()[0], "presets": rows,
                                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


if __name__ == "__main__":
    main()
