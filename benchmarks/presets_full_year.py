"""Every preset for a full year, rule-based and optimal (objective bill): KPIs and bills side by side (key "presets_full_year").

Run: ``python benchmarks/presets_full_year.py`` (a year of every preset; ``--days 14`` for a short check,
which records under the key ``presets_short`` so the year's figures stay). Prints, per preset, both
dispatches' bill, self-sufficiency and CO2 side by side. Bills are ``dispatch_bill`` (the tariff on the meters
as the LP models them, every feature included); each dispatch is charged for its stores' drawdown
below their initial energy at the highest import price (``storage_credit``; the LP ends every store
at least where it started) and, with a hydrogen chain, for the grey hydrogen bought where the tank fell short
(the LP trades the households' bill against it; with hydrogen a third row holds the LP to the rules' hydrogen
service and its storage end and minimises the bill alone, the like-for-like comparison of the households' bill). ``lp_gap`` is the LP objective minus the post-dispatch bill of its own
dispatch: zero for convex tariffs, the non-convex features (TNB's EEI rebate, waivers) otherwise.
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import argparse
import resource
import time
from pathlib import Path

from zerodistrict.dispatch.optimal import dispatch_bill, storage_credit
from zerodistrict.dispatch.optimal.hydrogen import dispatch_at_service, grey_cost
from zerodistrict.scenario import dump_scenario, list_presets, load_scenario, scenario_from_dict
from zerodistrict.pipeline import run

HERE = Path(__file__).parent
KEYS = ("pv_specific_yield_kwh_per_kwp", "self_sufficiency_ratio", "co2_kg", "co2_baseline_kg", "self_consumption_ratio", "co2_reduction_ratio",
        "net_energy_cost", "net_energy_cost_baseline", "bill_total", "annual_bill_total", "payback_years", "unserved_kwh",
        "critical_survival_hours_mean", "mobility_trips_served_ratio", "storage_change_kwh",
        "battery_discharge_kwh", "grid_import_kwh", "grid_export_kwh", "curtailed_kwh")


def _scenario(name: str, days: int | None):
    sc = load_scenario(name)
    if not days:
        return sc
    import yaml

    data = yaml.safe_load(dump_scenario(sc))
    data["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-03-01", "days": days}
    return scenario_from_dict(data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=None, help="a short period from 2025-03-01 (default: the year)")
    ap.add_argument("--skip-optimal", nargs="*", default=[], metavar="PRESET",
                    help="presets whose optimal dispatch is not run (recorded as skipped)")
    args = ap.parse_args()
    rows = {}
    print(f"{'preset':<26} {'dispatch':<8} {'bill':>14} {'bill+drawdown+H2':>16} {'self-suff.':>10} {'CO2 kg':>12} "
          f"{'CO2 cut':>8} {'s':>6}")
    for name in list_presets():
        sc = _scenario(name, args.days)
        if not sc.n_homes:
            continue
        row = {}
        kinds = ("rule",) if name in args.skip_optimal else ("rule", "optimal")
        for kind in kinds:
            t0 = time.perf_counter()
            res = run(sc, dispatch=kind, resilience_hours=168.0 if kind == "rule" else None)
            seconds = time.perf_counter() - t0
            bill = dispatch_bill(res.inputs, res.dispatch)
            row[kind] = {k: getattr(res.kpis, k) for k in KEYS} | {
                "seconds": seconds, "bill": bill, "storage_drawdown_charge": storage_credit(res.inputs, res.dispatch),
                "grey_hydrogen_cost": grey_cost(res.inputs, res.dispatch.store_unserved_kwh, "energy_cost")}
            if kind == "rule" and res.inputs.hydrogen is not None:
                row["_rule_inputs"] = res.inputs
                row["_rule_end_kwh"] = res.dispatch.store_soc_kwh[-1]
                row["_rule_grey_kwh"] = float(res.dispatch.store_unserved_kwh[:, res.inputs.stores.kind == "hydrogen"].sum())
            if kind == "optimal":
                row[kind]["lp_objective"] = res.dispatch.objective
                row[kind]["lp_gap"] = res.dispatch.objective - bill
        # what the district pays: the bill, its stores' drawdown, and the grey hydrogen bought where the tank fell short
        credited = {k: row[k]["bill"] + row[k]["storage_drawdown_charge"] + row[k]["grey_hydrogen_cost"] for k in kinds}
        rule_inputs, rule_grey_kwh = row.pop("_rule_inputs", None), row.pop("_rule_grey_kwh", 0.0)
        rule_end_kwh = row.pop("_rule_end_kwh", None)
        rows[name] = row
        row["currency"] = sc.grid.currency
        if "optimal" not in kinds:
            row["optimal"] = "skipped (--skip-optimal)"
        for kind in kinds:
            r = row[kind]
            print(f"{name:<26} {kind:<8} {r['bill']:14,.2f} {credited[kind]:16,.2f} {r['self_sufficiency_ratio']:10.1%} "
                  f"{r['co2_kg']:12,.0f} {r['co2_reduction_ratio']:8.1%} {r['seconds']:6.1f}")
        if "optimal" not in kinds:
            continue
        row["optimal_bill_le_rule_bill_credited"] = credited["optimal"] <= credited["rule"] + 1e-6
        if sc.community.hydrogen is not None:
            # like for like on the households' bill: the LP held to the rules' hydrogen service, bill alone
            h2 = rule_inputs.stores.kind == "hydrogen"
            at = dispatch_at_service(rule_inputs, rule_grey_kwh, end_kwh=rule_end_kwh)
            bill = dispatch_bill(rule_inputs, at)
            row["optimal_at_rule_hydrogen_service"] = {
                "bill": bill, "grey_hydrogen_kwh": float(at.store_unserved_kwh[:, h2].sum()),
                "rule_grey_hydrogen_kwh": rule_grey_kwh}
            row["optimal_at_service_bill_le_rule_bill"] = bill <= row["rule"]["bill"] + 1e-6
            print(f"{'':<26} LP at the rules' hydrogen service and storage end (bill alone): bill {bill:,.2f} "
                  f"{sc.grid.currency}; ≤ rules': {'yes' if row['optimal_at_service_bill_le_rule_bill'] else 'NO'}")
        print(f"{'':<26} LP objective − bill {row['optimal']['lp_gap']:,.2f} {sc.grid.currency}; optimal bill ≤ rules' "
              f"(drawdown charged): {'yes' if row['optimal_bill_le_rule_bill_credited'] else 'NO'}", flush=True)
    key = "presets_full_year" if not args.days else "presets_short"
    results_file.record(key, {"what": __doc__.splitlines()[0], "period": f"{args.days} days from 2025-03-01"
                              if args.days else "the year 2025", "presets": rows,
                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


if __name__ == "__main__":
    main()
