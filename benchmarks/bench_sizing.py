"""Benchmark and cross-check: zerodistrict's sizing LP vs the same capacity-expansion problem in PyPSA.

The PyPSA side is built independently from the sizing LP's inputs with the dispatch reference
(``benchmarks/pypsa_reference.py``) and then made extendable: each sized PV a Generator with
``p_nom_extendable`` (``p_nom`` = kWp per home of the group, ``p_max_pu`` = the bus's output per
unit), each sized battery a Store with ``e_nom_extendable`` and charge/discharge Links with
``p_nom_extendable`` tied by ``p_nom(discharge) = p_nom(charge)/η_d`` (our one power capacity);
capital costs are the same annualised costs (``capital_cost``); PV-only charging bounded by the
PV built (``extra_functionality``). Operating cost: energy at the step prices (``energy_cost``;
PyPSA has no monthly tariff). The optimum must agree to 1e-6 relative.

LP rows (inner part: build + solve in this process, HiGHS with ``threads=1``, same solver options on
both sides, the median of ``--runs``):

* Misono (51 homes as one group bus, its central battery, two shared EVs) over 14 and 90 days,
  sizing PV, home batteries and the central battery;
* Misono's 12 typical days (:mod:`zerodistrict.design.typical` on the whole year): PyPSA gets the
  same days with ``snapshot_weightings.objective`` = the days each stands for, and each store ends
  each day where it started it (``extra_functionality``), as our LP;
* the fixture ``fixtures/sizing-50-homes-lossy.yaml`` (issue 12's "50 homes with lossy sharing and
  home batteries": five groups of ten homes, a battery in each, 5 % line losses) on its 12 typical
  days: both LPs hold one bus per group (our sizing LP's grouping) with the lossy line between them;
* Misono over ``--line-days`` sizing the line's trunk too (in PyPSA the homes' line Links meet at a
  trunk bus joined to the community bus by one extendable Link).

Whole-process rows (issue 12's speed targets; a fresh ``python -m zerodistrict.cli size`` each,
``--no-compare``, median of ``--runs``; the full year once unless ``--year-runs``):
``size saitama-misono --target self_sufficiency_ratio>=0.8`` on the full year and with
``--typical-days 12`` (the gap between the typical-day LP and the full-year re-simulation, and
between it and the full-year LP, from its ``sizing.json``), and ``size`` of the 50-homes fixture with
``--typical-days 12``, its full-year re-simulations by perfect foresight (the default; stopped after
``--fifty-timeout`` s) and by a 48 h rolling horizon (``--resimulate-horizon 48``, median of ``--runs``).
PyPSA has no whole-process counterpart (it has no sizing command); the LP rows
are the side-by-side comparison. Measured under load from other jobs on a 2-core machine unless
re-run idle.

``--year-only``: Misono's full year (``--target self_sufficiency_ratio>=0.8``) solved by Benders decomposition
on the capacities (the default, :mod:`zerodistrict.design.benders`) against the same LP as a whole
(``--solve-by lp``), whole process each, median of ``--year-runs``; key ``sizing_year``.

``--typical-before REV``: the issue's command ``size saitama-misono --typical-days 12`` at git ``REV`` and now,
interleaved run by run (both on the same machine state), median of ``--runs``; key ``sizing_typical_before_after``.

Usage: ``python benchmarks/bench_sizing.py [--days 14 90] [--runs 3] [--year-runs 1] [--no-year] [--year-only]``;
records key ``sizing`` in results.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import results_file

HERE = Path(__file__).resolve().parent
FIFTY_HOMES = HERE / "fixtures" / "sizing-50-homes-lossy.yaml"
TYPICAL_DAYS = 12
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


def typical_case(scenario, n_days: int = TYPICAL_DAYS):
    """A scenario's typical days (whole year): its largest design, space, LP inputs and the clusters."""
    from zerodistrict.design.sizing import design_space
    from zerodistrict.design.sizing_run import district_inputs, lp_inputs_of
    from zerodistrict.scenario.loading import load_scenario

    sc = load_scenario(str(scenario))
    space, big = design_space(sc)
    lp_inputs, clusters, _typical, _notes = lp_inputs_of(district_inputs(big), n_days)
    return big, space, lp_inputs, clusters


def ours(big, space, inputs, clusters: dict | None = None) -> tuple[float, object]:
    """Our sizing LP (energy-cost operation): its optimum without the tie-break, and the model."""
    from zerodistrict.design.sizing import build_sizing
    from zerodistrict.design.sizing_run import lp_objective_value

    sm = build_sizing(big, inputs, space, tariff_objective="energy_cost", **(clusters or {})).solve(THREADS)
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
    """The optimum of the extendable PyPSA network of ``sm`` (energy cost + annualised capital).

    Typical days (``sm.weights``): each snapshot's objective weight is its step length × the days it
    stands for, and every store ends each typical day where it started it.
    """
    n, _caps, ranges, sized_pv = pypsa_network(sm)
    inputs = sm.inputs
    weights = sm.weights
    day_steps = round(24.0 / inputs.step_hours)
    if weights is not None:
        n.snapshot_weightings["objective"] = inputs.step_hours * np.asarray(weights, dtype=float)
    s = inputs.stores
    no_grid = [f"store {s.name[i]} charge" for i in range(s.n) if not s.grid_charging[i]]

    def extra(net, snapshots) -> None:
        m = net.model
        p_nom = m["Link-p_nom"]
        if weights is not None:
            e = m["Store-e"]
            ends = np.arange(day_steps - 1, len(snapshots) - day_steps, day_steps)
            this = e.isel(snapshot=ends)
            nxt = e.isel(snapshot=ends + day_steps).assign_coords(snapshot=this.coords["snapshot"])
            m.add_constraints(this - nxt == 0.0, name="typical_days_cyclic")
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


def _lp_row(label: str, case: tuple, runs: int) -> dict:
    t_ours, (ours_obj, sm) = _median_time(lambda: ours(*case), runs)
    t_pypsa, theirs = _median_time(lambda: solve_pypsa_sizing(sm), runs)
    rel = abs(ours_obj - theirs) / abs(theirs)
    row = {"case": label, "steps": sm.inputs.n_steps, "buses": sm.inputs.n_homes, "ours_s": round(t_ours, 2),
           "pypsa_s": round(t_pypsa, 2), "objective": ours_obj, "pypsa_objective": theirs,
           "relative_difference": rel}
    print(f"{label:>34}: ours {t_ours:7.2f} s  PyPSA optimize() {t_pypsa:7.2f} s  "
          f"objective {ours_obj:,.2f} vs {theirs:,.2f} (rel. diff {rel:.1e})", flush=True)
    return row


def _cli_size(scenario: str, extra: list[str], runs: int, timeout_s: float | None = None,
              cache: str = "off") -> tuple[float, dict]:
    """Median wall time of ``zerodistrict size`` in a fresh process (whole process) and its sizing.json.

    A run past ``timeout_s`` is stopped: ``(inf, {})``. ``cache``: ``off`` (every run computes its weather, PV
    and loads) or a folder for the profile cache (:mod:`zerodistrict.profiles.cache`), filled by one untimed
    run first.
    """
    times, data = [], {}
    env = dict(os.environ, ZERODISTRICT_CACHE=cache)
    for k in range(runs + (cache != "off")):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            cmd = [sys.executable, "-m", "zerodistrict.cli", "size", scenario, "--no-compare", "--out", str(out),
                   *extra]
            t = time.perf_counter()
            try:
                subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s, env=env)
            except subprocess.TimeoutExpired:
                return float("inf"), {}
            if cache == "off" or k > 0:
                times.append(time.perf_counter() - t)
            data = json.loads((out / "sizing.json").read_text())
    return statistics.median(times), data


def _whole_process(runs: int, year_runs: int, fifty_timeout_s: float) -> dict:
    target = ["--target", "self_sufficiency_ratio>=0.8"]
    t_year, year = _cli_size("saitama-misono", target, year_runs)
    print(f"size saitama-misono {target[1]} (whole process, full year): {t_year:.1f} s, "
          f"annual cost {year['annual_cost']:,.0f}", flush=True)
    t_typ, typ = _cli_size("saitama-misono", target + ["--typical-days", str(TYPICAL_DAYS)], runs)
    resim = typ["full_year"]["annual_cost"]
    gaps = {"typical_lp_vs_full_year_lp": (typ["annual_cost"] - year["annual_cost"]) / abs(year["annual_cost"]),
            "typical_design_resimulated_vs_full_year_lp": (resim - year["annual_cost"]) / abs(year["annual_cost"]),
            "typical_lp_vs_its_resimulation_energy_cost": typ["typical"]["gap_ratio"]}
    print(f"... --typical-days {TYPICAL_DAYS}: {t_typ:.1f} s, rounds {typ['full_year']['rounds']}, gaps "
          + ", ".join(f"{k} {100 * v:+.2f} %" for k, v in gaps.items()), flush=True)
    t_fifty, fifty = _cli_size(str(FIFTY_HOMES), target + ["--typical-days", str(TYPICAL_DAYS)], 1,
                               timeout_s=fifty_timeout_s)
    print(f"size {FIFTY_HOMES.name} --typical-days {TYPICAL_DAYS} (whole process, 1 run): "
          + (f"{t_fifty:.1f} s, rounds {fifty['full_year']['rounds']}" if fifty else
             f"stopped after {fifty_timeout_s:.0f} s"), flush=True)
    rolling = ["--resimulate-horizon", "48"]
    t_roll, roll = _cli_size(str(FIFTY_HOMES), target + ["--typical-days", str(TYPICAL_DAYS)] + rolling, runs)
    print(f"... {' '.join(rolling)}: {t_roll:.1f} s, rounds {roll['full_year']['rounds']}, self-sufficiency "
          f"{roll['full_year']['kpis']['self_sufficiency_ratio']:.4f}", flush=True)

    def kpis(d: dict) -> dict | None:
        if not d:
            return None
        return {"self_sufficiency_ratio": d["full_year"]["kpis"]["self_sufficiency_ratio"],
                "annual_cost": d["annual_cost"], "resimulated_annual_cost": d["full_year"]["annual_cost"],
                "rounds": d["full_year"]["rounds"], "seconds": d["seconds"]}

    return {"misono_full_year_s": round(t_year, 1), "misono_typical_days_12_s": round(t_typ, 1),
            "fifty_homes_lossy_typical_days_12_s": round(t_fifty, 1) if fifty else f"> {fifty_timeout_s:.0f}",
            "misono_typical_gaps": gaps,
            "misono_full_year": kpis(year), "misono_typical_days_12": kpis(typ),
            "fifty_homes_lossy_typical_days_12": kpis(fifty),
            "fifty_homes_lossy_typical_days_12_resimulate_horizon_48_s": round(t_roll, 1),
            "fifty_homes_lossy_typical_days_12_resimulate_horizon_48": kpis(roll),
            "runs": {"full_year": year_runs, "typical_days": runs, "fifty_homes": 1,
                     "fifty_homes_resimulate_horizon_48": runs}, "flags": "--no-compare --out DIR"}


def _year_by_method(runs: int) -> dict:
    """Misono's full year whole process solved by Benders decomposition (the default) against the same LP as a whole
    (``--solve-by lp``, HiGHS interior point): our own peer, the same optimum, in one run, median of ``runs``."""
    target = ["--target", "self_sufficiency_ratio>=0.8"]
    rows = {}
    for method in ("lp", "benders"):
        t, data = _cli_size("saitama-misono", target + ["--solve-by", method], runs)
        row = data["targets"][0]
        rows[method] = {"seconds": round(t, 1), "annual_cost": data["annual_cost"],
                        "cost_of_one_more_unit": row["cost_of_one_more_unit"], "lp_value": row["lp_value"],
                        "full_year_value": row["full_year_value"], "in_process_seconds": data["seconds"],
                        "notes": [n for n in data.get("notes", []) if "Benders" in n]}
        print(f"size saitama-misono {target[1]} --solve-by {method} (whole process, full year, median of {runs}): "
              f"{t:.1f} s, annual cost {data['annual_cost']:,.2f}, one more point "
              f"{row['cost_of_one_more_unit']:,.0f}", flush=True)
    lp, bd = rows["lp"], rows["benders"]
    rows["ratio_lp_to_benders"] = round(lp["seconds"] / bd["seconds"], 2)
    rows["relative_cost_difference"] = abs(bd["annual_cost"] - lp["annual_cost"]) / abs(lp["annual_cost"])
    rows["runs"] = runs
    return rows


def _typical_commands(runs: int, fifty_timeout_s: float) -> dict:
    """``--typical-days 12`` whole process as users type it: Misono with no target (the issue's command, with
    and without the own design's comparison, which now runs in a background thread beside the sizing), with
    the 0.8 self-sufficiency target (two re-simulation rounds), and the 50 lossy homes re-simulated by perfect
    foresight and by a 48 h rolling horizon (issue 12's < 60 s)."""
    typical = ["--typical-days", str(TYPICAL_DAYS)]
    target = ["--target", "self_sufficiency_ratio>=0.8"]
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-profile-cache-") as folder:
        for name, scenario, extra, n, cache in (
                ("misono_compare", "saitama-misono", typical + ["--compare"], runs, "off"),
                ("misono_compare_cached_profiles", "saitama-misono", typical + ["--compare"], runs, folder),
                ("misono_no_compare", "saitama-misono", typical, runs, "off"),
                ("misono_no_compare_cached_profiles", "saitama-misono", typical, runs, folder),
                ("misono_target_no_compare", "saitama-misono", typical + target, runs, "off"),
                ("fifty_homes_lossy_target_no_compare", str(FIFTY_HOMES), typical + target, 1, "off"),
                ("fifty_homes_lossy_target_no_compare_resimulate_horizon_48", str(FIFTY_HOMES),
                 typical + target + ["--resimulate-horizon", "48"], 1, "off")):
            t, data = _cli_size(scenario, extra, n, timeout_s=fifty_timeout_s if n == 1 else None, cache=cache)
            out[name] = {"seconds": round(t, 2), "runs": n, "rounds": data.get("full_year", {}).get("rounds"),
                         "annual_cost": data.get("annual_cost"), "in_process_seconds": data.get("seconds"),
                         "flags": " ".join(extra), "profiles": "computed" if cache == "off" else "from the cache"}
            print(f"size {Path(scenario).stem} {' '.join(extra)} (whole process, median of {n}, profiles "
                  f"{out[name]['profiles']}): {t:.2f} s", flush=True)
    return out


def _typical_before_after(before: str, runs: int) -> dict:
    """``size saitama-misono --typical-days 12`` (the default comparison, profiles computed) at git ``before`` and
    now, interleaved run by run so that both see the same machine, each the median of ``runs``."""
    with tempfile.TemporaryDirectory(prefix="bench-before-") as folder:
        archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", before, "src"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        sources = {"before": Path(folder) / "src", "now": HERE.parent / "src"}
        times: dict[str, list[float]] = {k: [] for k in sources}
        for _ in range(runs):
            for label, src in sources.items():
                with tempfile.TemporaryDirectory() as tmp:
                    env = dict(os.environ, PYTHONPATH=str(src), ZERODISTRICT_CACHE="off")
                    t = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "zerodistrict.cli", "size", "saitama-misono",
                                    "--typical-days", str(TYPICAL_DAYS), "--out", str(Path(tmp) / "out")],
                                   check=True, capture_output=True, env=env)
                    times[label].append(time.perf_counter() - t)
    out = {label: {"seconds": round(statistics.median(v), 2), "all": [round(x, 2) for x in v]}
           for label, v in times.items()}
    out["before_rev"] = before
    out["now_over_before"] = round(out["now"]["seconds"] / out["before"]["seconds"], 3)
    out["load_average"] = os.getloadavg()
    print(f"size saitama-misono --typical-days {TYPICAL_DAYS}, interleaved, median of {runs}: {before} "
          f"{out['before']['seconds']:.2f} s, now {out['now']['seconds']:.2f} s (×{out['now_over_before']:.2f})")
    return out


def main() -> None:
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, nargs="*", default=[14, 90])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--year-runs", type=int, default=1)
    parser.add_argument("--no-year", action="store_true", help="skip the whole-process rows")
    parser.add_argument("--fifty-timeout", type=float, default=600.0,
                        help="stop the 50-homes whole process after this many seconds (its full-year lossy "
                        "re-simulation is the long part)")
    parser.add_argument("--line-days", type=int, nargs="*", default=[14],
                        help="cases that size the line's trunk too (an extendable Link in PyPSA)")
    parser.add_argument("--year-only", action="store_true",
                        help="only Misono's full year by Benders decomposition and as one LP (key sizing_year)")
    parser.add_argument("--typical-only", action="store_true",
                        help="only the --typical-days 12 commands as users type them (key sizing_typical)")
    parser.add_argument("--typical-before", metavar="REV",
                        help="only `size saitama-misono --typical-days 12` at git REV and now, interleaved run by run "
                        "(median of --runs; key sizing_typical_before_after)")
    args = parser.parse_args()
    if args.typical_before:
        results_file.record("sizing_typical_before_after", _typical_before_after(args.typical_before, args.runs))
        return
    if args.typical_only:
        results_file.record("sizing_typical", {**_typical_commands(args.runs, args.fifty_timeout),
                                               "threads": "as the CLI runs (HiGHS defaults)"})
        return
    if args.year_only:
        results_file.record("sizing_year", {"misono_full_year": _year_by_method(args.year_runs), "threads": "as the CLI "
                                            "runs (HiGHS defaults)"})
        return
    rows = [_lp_row(f"misono {days} days", misono_case(days), args.runs) for days in args.days]
    line = dict(SIZING, line_capacity_kw={"min": 0, "max": 500})
    rows += [_lp_row(f"misono {days} days with the line", misono_case(days, sizing=line), args.runs)
             for days in args.line_days]
    rows.append(_lp_row(f"misono {TYPICAL_DAYS} typical days", typical_case("saitama-misono"), args.runs))
    rows.append(_lp_row(f"50 homes lossy {TYPICAL_DAYS} typical days", typical_case(FIFTY_HOMES), args.runs))
    whole = None if args.no_year else _whole_process(args.runs, args.year_runs, args.fifty_timeout)
    results_file.record("sizing", {"cases": rows, "whole_process": whole, "threads": 1,
                                   "measured": "under load (2 shared cores, other jobs running) unless re-run on an "
                                   "idle machine"})


if __name__ == "__main__":
    main()
