"""Benchmark and cross-check: zerodistrict's sizing LP vs the same capacity-expansion problem in PyPSA.

The PyPSA side is built independently from the sizing LP's inputs with the dispatch reference
(``benchmarks/pypsa_reference.py``) and then made extendable: each sized PV a Generator with
``p_nom_extendable`` (``p_nom`` = kWp per home of the group, ``p_max_pu`` = the bus's output per
unit), each sized battery a Store with ``e_nom_extendable`` and charge/discharge Links with
``p_nom_extendable`` tied by ``p_nom(discharge) = p_nom(charge)/η_d`` (our one power capacity);
capital costs are the same annualised costs (``capital_cost``); PV-only charging bounded by the
PV built (``extra_functionality``). Operating cost: energy at the step prices (``energy_cost``;
PyPSA has no monthly tariff). The optimum must agree to 1e-6 relative.

Cases: Misono (51 homes as one group bus, its central battery, two shared EVs) over 14 days and
over 90 days, both sizing PV, home batteries and the central battery; and over 14 days sizing the
line's trunk too (``--line-days``: in PyPSA the homes' line Links meet at a trunk bus joined to the
community bus by one extendable Link). Each tool builds and solves
in this process, HiGHS with ``threads=1``; three runs, the median. Measured under load from other
jobs on a 2-core machine unless re-run idle. Also times ``zerodistrict size saitama-misono`` on the
whole year (whole process, one run) unless ``--no-year``.

Usage: ``python benchmarks/bench_sizing.py [--days 14 90] [--no-year]``; records key ``sizing`` in results.json.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import results_file

HERE = Path(__file__).resolve().parent
THREADS = {"threads": 1}
SIZING = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 8},
                     "battery_kwh": {"min": 0, "max": 10}, "battery_kw": {"min": 0, "max": 5}}],
          "community": [{"name": "central", "capacity_kwh": {"min": 0, "max": 400}, "power_kw": {"min": 0, "max": 150}}]}


def misono_case(days: int, start: str = "2025-04-01", sizing: dict | None = None):
    """The Misono preset over ``days`` (no bicycles), with :data:`SIZING` (or ``sizing``): its scenario, space and
    LP inputs."""
    from zerodistrict.design.sizing import design_space
    from zerodistrict.design.sizing_run import district_inputs
    from zerodistrict.scenario.loading import load_scenario, scenario_from_dict

    d = load_scenario("saitama-misono").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": start, "days": days}
    d["sizing"] = SIZING if sizing is None else sizing
    d.pop("mobility", None)
    sc = scenario_from_dict(d)
    space, big = design_space(sc)
    return big, space, district_inputs(big)


def ours(big, space, inputs) -> tuple[float, object]:
    """Our sizing LP (energy-cost operation): its optimum without the tie-break, and the model."""
    from zerodistrict.design.sizing import build_sizing
    from zerodistrict.design.sizing_run import lp_objective_value

    sm = build_sizing(big, inputs, space, tariff_objective="energy_cost").solve(THREADS)
    return lp_objective_value(sm), sm


def pypsa_network(sm):
    """The sizing problem of ``sm`` (a built :class:`SizingModel`) as an extendable PyPSA network."""
    import pypsa_reference as ref

    inputs = sm.inputs
    s = inputs.stores
    caps = {name: z for name, z in sm.om._sized.items()}
    groups = {"home_battery": np.flatnonzero(~s.at_community), "community_storage": np.flatnonzero(s.at_community)}
    # sized units (lower < upper): (store index, position in its group); fixed ones stay as the reference builds them
    ranges = {name: [(int(i), j) for j, i in enumerate(groups[name]) if z.energy[0][j] < z.energy[1][j]
                     or z.power[0][j] < z.power[1][j]] for name, z in caps.items()}
    sized = np.zeros(s.n, dtype=bool)
    for units in ranges.values():
        sized[[i for i, _ in units]] = True
    # every sized store present in the reference network: capacity and power 1 (then made extendable)
    unit = replace(s, capacity_kwh=np.where(sized, 1.0, s.capacity_kwh),
                   charge_power_kw=np.where(sized, 1.0, s.charge_power_kw),
                   discharge_power_kw=np.where(sized, 1.0, s.discharge_power_kw))
    n = ref.build_pypsa_network(replace(inputs, stores=unit), "cost")
    for name, z in caps.items():
        for i, j in ranges[name]:
            st = f"store {s.name[i]}"
            lo, hi, cost = (r[j] for r in z.energy)
            n.stores.loc[st, ["e_nom_extendable", "e_nom_min", "e_nom_max", "capital_cost"]] = [True, lo, hi, cost]
            plo, phi, pcost = (r[j] for r in z.power)
            eta_d = float(s.discharge_efficiency[i])
            n.links.loc[f"{st} charge", ["p_nom_extendable", "p_nom_min", "p_nom_max", "capital_cost"]] = [
                True, plo, phi, pcost]
            n.links.loc[f"{st} discharge", ["p_nom_extendable", "p_nom_min", "p_nom_max"]] = [
                True, plo / eta_d, phi / eta_d]
    pv = sm.pv
    sized_pv = []
    if pv is not None:
        lower, upper, cost = (np.broadcast_to(np.asarray(getattr(pv.size, f), float), (upper_len(pv),))
                              for f in ("lower", "upper", "cost_per_unit"))
        for b, g in enumerate(pv.group):
            if g < 0:
                continue
            gen = f"home{b} pv"
            n.generators.loc[gen, ["p_nom_extendable", "p_nom_min", "p_nom_max", "capital_cost"]] = [
                True, lower[g], upper[g], cost[g]]
            n.generators_t.p_max_pu[gen] = pv.unit_kw[:, b]
            sized_pv.append((gen, b))
    if "line_capacity" in sm.model.variables:
        _extendable_trunk(n, sm)
    return n, caps, ranges, sized_pv


def _extendable_trunk(n, sm) -> None:
    """The line's trunk as an extendable Link: the homes' line Links meet at a ``trunk`` bus (the homes' side),
    which one Link joins to the community bus (``p_nom`` = the trunk capacity, either way)."""
    v = sm.model.variables["line_capacity"]
    lower, upper = float(v.lower), float(v.upper)
    cost = sm.line_capex_per_kw * sm.factors.other * sm.factors.period_share
    n.add("Bus", ["trunk"])
    links = n.links
    n.links.loc[links.index[links.bus1 == "community"].intersection(
        links.index[links.index.str.contains(" line")]), "bus1"] = "trunk"
    n.links.loc[links.index[links.bus0 == "community"].intersection(
        links.index[links.index.str.contains(" line")]), "bus0"] = "trunk"
    n.add("Link", ["trunk"], bus0="trunk", bus1="community", p_nom_extendable=True, p_nom_min=lower,
          p_nom_max=upper, p_min_pu=-1.0, capital_cost=cost)


def upper_len(pv) -> int:
    return int(np.max(pv.group)) + 1


def solve_pypsa_sizing(sm) -> float:
    """The optimum of the extendable PyPSA network of ``sm`` (energy cost + annualised capital)."""
    n, _caps, ranges, sized_pv = pypsa_network(sm)
    inputs = sm.inputs
    s = inputs.stores
    no_grid = [f"store {s.name[i]} charge" for i in range(s.n) if not s.grid_charging[i]]

    def extra(net, snapshots) -> None:
        m = net.model
        p_nom = m["Link-p_nom"]
        for units in ranges.values():
            for i, _ in units:
                st = f"store {s.name[i]}"
                eta_d = float(s.discharge_efficiency[i])
                m.add_constraints(p_nom.sel(name=f"{st} discharge", drop=True) * eta_d
                                  - p_nom.sel(name=f"{st} charge", drop=True) == 0.0, name=f"tie {st}")
        if no_grid:
            fixed = inputs.pv_kw.copy()
            built = 0
            for gen, b in sized_pv:
                fixed[:, b] = 0.0
                unit = pd.Series(sm.pv.unit_kw[:, b], index=snapshots)
                built = built + m["Generator-p_nom"].sel(name=gen, drop=True) * unit
            lhs = m["Link-p"].sel(name=no_grid).sum("name")
            m.add_constraints(lhs - built <= pd.Series(fixed.sum(axis=1), index=snapshots), name="no_grid_charging")

    status, condition = n.optimize(solver_name="highs", solver_options={"output_flag": False, **THREADS},
                                   include_objective_constant=False,
                                   extra_functionality=extra, log_to_console=False)
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"PyPSA: no optimum ({status}, {condition})")
    return float(n.objective) + float(getattr(n, "objective_constant", 0.0))


def _median_time(fn, runs: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(runs):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def main() -> None:
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, nargs="+", default=[14, 90])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--line-days", type=int, nargs="*", default=[14],
                        help="cases that size the line's trunk too (an extendable Link in PyPSA)")
    parser.add_argument("--no-year", action="store_true")
    args = parser.parse_args()
    rows = []
    line = dict(SIZING, line_capacity_kw={"min": 0, "max": 500})
    for days, sizing in [(d, None) for d in args.days] + [(d, line) for d in args.line_days]:
        case = misono_case(days, sizing=sizing)
        t_ours, (ours_obj, sm) = _median_time(lambda case=case: ours(*case), args.runs)
        t_pypsa, theirs = _median_time(lambda sm=sm: solve_pypsa_sizing(sm), args.runs)
        rel = abs(ours_obj - theirs) / abs(theirs)
        rows.append({"case": f"misono {days} days" + (" with the line" if sizing else ""), "ours_s": round(t_ours, 2), "pypsa_s": round(t_pypsa, 2),
                     "objective": ours_obj, "pypsa_objective": theirs, "relative_difference": rel})
        print(f"{rows[-1]['case']:>18}: ours {t_ours:7.2f} s  PyPSA optimize() {t_pypsa:7.2f} s  "
              f"objective {ours_obj:,.2f} vs {theirs:,.2f} (rel. diff {rel:.1e})", flush=True)
    year = None
    if not args.no_year:
        cmd = [sys.executable, "-c", "from zerodistrict.cli import app; app()", "size", "saitama-misono",
               "--target", "self_sufficiency_ratio>=0.8", "--no-compare"]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        year = round(time.perf_counter() - t, 1)
        print(f"zerodistrict size saitama-misono --target self_sufficiency_ratio>=0.8 (whole process): {year} s")
        t = time.perf_counter()
        subprocess.run(cmd + ["--typical-days", "12"], check=True, capture_output=True)
        year12 = round(time.perf_counter() - t, 1)
        print(f"... with --typical-days 12 (whole process, with the full-year re-simulation): {year12} s")
        year = {"full_year_s": year, "typical_days_12_s": year12}
    results_file.record("sizing", {"cases": rows, "year": year, "measured": "under load (2 shared cores) unless "
                                   "re-run on an idle machine", "threads": 1})


if __name__ == "__main__":
    main()
