"""``zerodistrict size`` as a library call: build and solve the sizing LP, write the sizes into the scenario, re-simulate.

:func:`size` returns a :class:`SizingOutcome`: the chosen sizes, the LP's annualised cost and
its parts, each target with its value in the LP, its dual ("cost of one more unit") and whether it
holds in the full-year re-simulation of the sized scenario (``pipeline.run`` with the optimal
dispatch, which does not see the targets; a target it misses is tightened by the shortfall and the
LP solved again, :data:`MAX_ROUNDS` at most), and the same cost of the scenario's own design. An
infeasible target raises :class:`~zerodistrict.errors.InputError` naming it and the best value
reachable within the bounds (a second LP that optimises that KPI alone).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time as time_mod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from zerodistrict.design import benders
from zerodistrict.design import fleets as fleets_mod
from zerodistrict.design import outages as outages_mod
from zerodistrict.design import targets as targets_mod
from zerodistrict.design.sizing import (
    CostFactors,
    DesignSpace,
    SizingModel,
    UnitCosts,
    build_sizing,
    design_space,
    economics_of,
    fixed_annual_cost,
    fixed_capex,
    sized_annual_capital,
)
from zerodistrict.dispatch.common import DispatchInputs
from zerodistrict.dispatch.optimal.model import tiebreak
from zerodistrict.errors import InputError, SolverError
from zerodistrict.scenario.models import Battery, PVArray, Scenario

Progress = Callable[[str], None]

#: rounds of size → re-simulate → tighten a missed target by its shortfall (assumption: the bill-optimal
#: dispatch of the re-simulation differs from the LP's by little; at most two rounds on Misono, full year and
#: typical days). A target still missed after the last round is reported with ``holds: false``
MAX_ROUNDS = 4
#: a missed target is tightened by this multiple of its shortfall (assumption): the shortfall grows a little as the
#: target tightens (Misono, 12 typical days, ≥ 0.8: 0.00776 in round 1, 0.00835 in round 2), so tightening by the
#: shortfall alone took a third round (a full-year re-simulation each)
SHORTFALL_OVERSHOOT = 1.1
#: HiGHS options of the sizing LP: interior point (then crossover, for exact duals) — 1.6× faster than the dual
#: simplex on 60 days of Misono, more on a year (measured 2026 under load, /tmp script; see benchmarks/bench_sizing.py)
SIZING_HIGHS_OPTIONS = {"solver": "ipm"}
#: a sizing LP of fewer columns (12 typical days of a preset) is solved by HiGHS's simplex instead: measured
#: 2026-12-01 (idle, in one process, best of 2) on the four presets' 12-day LPs of 3,171–6,633 columns, with
#: no target, self-sufficiency ≥ 0.6 and CO2 cut ≥ 0.5, the simplex took 0.06–0.24 s against the interior
#: point's 0.12–0.34 s in all 12 cases (the same objectives to 1e-14). The 50-homes lossy fixture's 12-day LP
#: (13,265 columns) is why this stops below it: 0.41 against 1.16 s without a target, but 2.37 against
#: 1.14 s with self-sufficiency ≥ 0.8
SIMPLEX_MAX_COLUMNS = 10_000


def sizing_highs_options(sm: SizingModel, solver_options: dict | None = None) -> dict:
    """HiGHS options for solving the sizing LP ``sm``: :data:`SIZING_HIGHS_OPTIONS`, or the simplex method for
    an LP under :data:`SIMPLEX_MAX_COLUMNS` columns; the user's ``solver_options`` on top.

    The Benders decomposition's start (:func:`_typical_start`) keeps interior point: its 12-day LP's sizes and
    target duals (which price the targets' slacks) from the simplex made Misono's full-year sizing take 25
    dispatch LPs instead of 16 (43.4 s against 21.3 s, 2026-12-01).
    """
    chosen = dict(SIZING_HIGHS_OPTIONS)
    if sm.model.nvars < SIMPLEX_MAX_COLUMNS:
        chosen["solver"] = "simplex"
    return {**chosen, **(solver_options or {})}


#: typical days of the LP whose sizes start the Benders decomposition of a full-year sizing LP (assumption: as many as
#: the README suggests for --typical-days; a start near the optimum keeps each warm re-solve short)
BENDERS_START_TYPICAL_DAYS = 12


@dataclass
class SizingOutcome:
    """What ``zerodistrict size`` found (amounts in ``currency`` over the scenario's period)."""

    scenario: str
    currency: str
    objective: str
    sizes: dict
    annual_cost: float  # LP: operating cost (bill) + annualised capital, fixed assets included [currency]
    annual_capital: float  # annualised capital + O&M of the whole design [currency]
    operating_cost: float  # LP: the bill (or energy cost) with the unserved penalty [currency]
    co2_kg: float  # LP: grid CO2 over the period
    capex: float  # capital of the whole design [currency]
    life_cycle_cost: float  # annual_cost × annuity factor: the present value over the lifetime [currency]
    targets: list[dict] = field(default_factory=list)
    sized: Scenario | None = None
    full_year: dict | None = None  # the re-simulation: kpis and its own annualised cost
    given_design: dict | None = None  # the scenario's own sizes, same accounting
    typical: dict | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("scenario", "currency", "objective", "annual_cost", "annual_capital",
                                              "operating_cost", "co2_kg", "capex", "life_cycle_cost", "targets",
                                              "full_year", "given_design", "typical", "notes", "seconds")}
        out["sizes"] = _with_units(self.sizes)
        return out


def _with_units(sizes: dict) -> dict:
    unit = {"pv_kwp": "kWp per home", "battery_kwh": "kWh per home", "battery_kw": "kW per home",
            "capacity_kwh": "kWh", "power_kw": "kW", "capacity_kw": "kW", "count": "vehicles",
            "count_lp": "vehicles (LP, continuous)", "trips_served_ratio": "ratio", "outage_reserve_kwh": "kWh"}
    return {part: {name: {k: {"value": v, "unit": unit[k]} for k, v in d.items()} for name, d in items.items()}
            for part, items in sizes.items()}


def district_inputs(scenario: Scenario, progress: Progress | None = None, profiles=None) -> DispatchInputs:
    """The scenario's dispatch inputs as ``pipeline.run`` builds them (mobility charging included).

    ``profiles``: the scenario's :class:`~zerodistrict.pipeline.SiteProfiles` when already computed.
    """
    from zerodistrict import pipeline
    from zerodistrict.mobility import simulate_mobility
    from zerodistrict.profiles.prices import price_series

    pipeline.check_inputs(scenario)
    mobility_kw = None
    if scenario.mobility is not None:
        index = scenario.index()
        ef = price_series(scenario.grid.emission_factor_kg_per_kwh, index, "grid.emission_factor_kg_per_kwh")
        mobility_kw = simulate_mobility(scenario.mobility, index, ef).district_charge_kw
    return pipeline.build_inputs(scenario, progress=progress, mobility_load_kw=mobility_kw, profiles=profiles)


def _fitting(profiles, scenario: Scenario):
    """``profiles`` if they fit ``scenario`` (same site, weather, loads and PV arrays), else None (computed anew)."""
    from zerodistrict import pipeline

    return profiles if profiles is not None and profiles.key == pipeline.profiles_key(scenario) else None


def lp_objective_value(sm: SizingModel) -> float:
    """The LP's optimum without the tie-break, with the bill's fixed charges [objective unit]."""
    m, p = sm.model, sm.om._problem
    tie = tiebreak(m, p)
    return float(m.objective.value) - (0.0 if tie is None else float(tie.solution.sum())) + p.bill_constant


def lp_operating_cost(sm: SizingModel) -> float:
    """Objective ``co2``: the design's energy cost at the step prices over the LP's (weighted) steps [currency]."""
    inputs = sm.inputs
    flows = targets_mod.Flows(sm, sm.weights)
    imp = np.asarray(flows.import_expr.solution.values, dtype=float)
    exp = np.asarray(flows.export_expr.solution.values, dtype=float)
    return float(((imp * inputs.import_price - exp * inputs.export_price) * flows.w).sum() * inputs.step_hours)


def apply_sizes(scenario: Scenario, sizes: dict) -> Scenario:
    """The scenario with the chosen sizes (validated again), stores ending cyclic as in the sizing LP."""
    from zerodistrict.scenario.loading import scenario_from_dict

    out = scenario.model_copy(deep=True)
    groups = {g.group: g for g in out.homes}
    for name, d in sizes.get("homes", {}).items():
        g = groups[name]
        if "pv_kwp" in d:
            kwp = max(float(d["pv_kwp"]), 0.0)
            g.pv = PVArray(kwp=kwp) if g.pv is None else g.pv.model_copy(update={"kwp": kwp})
        if "battery_kwh" in d:
            update = {"capacity_kwh": max(d["battery_kwh"], 0.0), "power_kw": max(d["battery_kw"], 0.0),
                      "charge_power_kw": None, "discharge_power_kw": None}
            g.battery = (Battery(capacity_kwh=update["capacity_kwh"], power_kw=update["power_kw"]) if g.battery is None
                         else g.battery.model_copy(update=update))
    batteries = {b.name: i for i, b in enumerate(out.community.batteries)}
    for name, d in sizes.get("community", {}).items():
        i = batteries[name]
        if "capacity_kwh" in d:
            out.community.batteries[i] = out.community.batteries[i].model_copy(update={
                "capacity_kwh": max(d["capacity_kwh"], 0.0), "power_kw": max(d["power_kw"], 0.0),
                "charge_power_kw": None, "discharge_power_kw": None})
        if "outage_reserve_kwh" in d:
            out.community.batteries[i] = outages_mod.with_reserve(out.community.batteries[i], d["outage_reserve_kwh"])
    fleets_mod.apply_line_and_fleets(out, sizes)
    out.community.storage_end = "cyclic"
    data = out.model_dump(mode="json", by_alias=True, exclude_none=True)
    if scenario.economics_skipped:
        data["economics"] = None
    return scenario_from_dict(data, source="sized scenario")


def design_capex(scenario: Scenario, inputs: DispatchInputs) -> tuple[float, float]:
    """Capital of a scenario's design (everything fixed) and its batteries' part of it [currency]."""
    econ = economics_of(scenario)
    empty = DesignSpace([], np.zeros((0, 2)), [], np.zeros((0, 2)), np.zeros((0, 2)), [], np.zeros((0, 2)),
                        np.zeros((0, 2)))
    return fixed_capex(scenario, inputs, empty, econ, UnitCosts.from_economics(econ))


def annual_capital(capex: float, battery: float, factors: CostFactors) -> float:
    """Capital ``capex`` (of which ``battery`` in batteries) annualised over the period [currency]."""
    return ((capex - battery) * factors.other + battery * factors.battery) * factors.period_share


def design_annual_cost(scenario: Scenario, inputs: DispatchInputs, factors: CostFactors) -> tuple[float, float]:
    """Capital of a scenario's design and its annualised cost over the period [currency] (everything fixed)."""
    capex, battery = design_capex(scenario, inputs)
    return capex, annual_capital(capex, battery, factors)


def full_year_check(sized: Scenario, factors: CostFactors, progress: Progress | None = None,
                    resilience_hours: float | None = None, profiles=None, horizon_hours: int | None = None) -> dict:
    """Run the sized scenario with the optimal dispatch (as ``zerodistrict run --dispatch optimal``).

    ``resilience_hours``: run the survival analysis too (survival targets), its result under ``_resilience``.
    ``profiles``: the site profiles of the design space's scenario, reused when they fit ``sized``
    (the weather and load shapes are the same; only the sizes differ).
    ``horizon_hours``: a rolling horizon of that many hours instead of perfect foresight (as
    ``run --horizon-hours``). Its windows minimise the energy cost at the step prices, not the bill, so the
    re-simulation's operating cost is then the bill computed after dispatch (``bill_total``).
    """
    from zerodistrict import pipeline

    result = pipeline.run(sized, "optimal", progress=progress, resilience_hours=resilience_hours,
                          profiles=_fitting(profiles, sized), horizon_hours=horizon_hours)
    capex, annual_capital = design_annual_cost(sized, result.inputs, factors)
    kpis = result.kpis
    operating = result.dispatch.objective if horizon_hours is None else float(kpis.bill_total)
    command = "zerodistrict run sized.yaml --dispatch optimal" + (
        "" if horizon_hours is None else f" --horizon-hours {horizon_hours}")
    out = {"dispatch_objective": result.dispatch.objective, "annual_capital": annual_capital, "capex": capex,
           "annual_cost": operating + annual_capital,
           "dispatch": "optimal, perfect foresight over the period" if horizon_hours is None else
           f"optimal, rolling horizon of {horizon_hours} h (24 h kept from each window); operating cost = the bill "
           "after dispatch",
           "reproduce": command,
           "kpis": {k: getattr(kpis, k) for k in ("self_sufficiency_ratio", "co2_reduction_ratio", "grid_import_kwh",
                                                    "grid_export_kwh", "co2_kg", "pv_generation_kwh", "curtailed_kwh",
                                                    "unserved_kwh", "capex", "npv", "lcoe_per_kwh")}}
    return out | {"_kpis": kpis, "_resilience": result.resilience}


#: a per-home full-year LP of at least this many homes × steps takes minutes (Penang's 30 homes with batteries
#: on a lossy line: 92 s; the 50-homes sizing fixture: 528 s beside another job; measured 2026-11-30/12-01)
SLOW_PER_HOME_LP = 20 * 8760


def _per_home_lp_homes(sc: Scenario) -> int:
    """Home buses of the optimal dispatch's LP: every home on separate meters or, on a lossy line, each home
    with its own battery (storage-less homes merge exactly; a lossless line merges them all)."""
    if sc.community.sharing and sc.community.line_loss_ratio == 0:
        return 0
    return sum(g.count for g in sc.homes
               if not sc.community.sharing or (g.battery is not None and g.battery.capacity_kwh > 0))


def _slow_hint(sized: Scenario, horizon_hours: int | None) -> str:
    """A word for the progress line when the perfect-foresight re-simulation will take minutes."""
    homes = _per_home_lp_homes(sized)
    steps = len(sized.index())
    if horizon_hours is not None or homes * steps < SLOW_PER_HOME_LP:
        return ""
    return (f" (one LP of {homes} homes × {steps:,} steps: minutes; --resimulate-horizon 48 re-simulates by a "
            "rolling horizon in seconds)")


def check_resimulate_horizon(horizon_hours: int | None) -> None:
    """The re-simulation's rolling horizon: None (perfect foresight) or at least the 24 h kept of each window."""
    from zerodistrict.dispatch.optimal.problem import ROLLING_KEEP_HOURS

    if horizon_hours is not None and not horizon_hours >= ROLLING_KEEP_HOURS:
        raise InputError(f"--resimulate-horizon: must be at least {ROLLING_KEEP_HOURS:g} h (the hours kept of each "
                         f"rolling-horizon window), got {horizon_hours}")


def size(scenario: Scenario, targets: list[str] | None = None, objective: str = "cost", *,
         typical_days: int | None = None, resimulate: bool = True, compare_given: bool = True,
         progress: Progress | None = None, solver_options: dict | None = None,
         resimulate_horizon_hours: int | None = None, method: str = "auto", own_process=None) -> SizingOutcome:
    """Size the scenario's ``sizing`` block for ``targets`` at least annualised cost (or CO2).

    ``own_process``: an :class:`~zerodistrict.design.own_process.OwnDesignProcess` to cost the scenario's own
    design in (``compare_given``), else a thread beside the sizing.

    ``method``: how the sizing LP is solved. ``"auto"``: by Benders decomposition on the capacities
    (:mod:`~zerodistrict.design.benders`; the same optimum to 1e-7, certified) when the LP spans the whole
    period of at least :data:`~zerodistrict.design.benders.MIN_STEPS` steps without survival targets or
    sized fleets and no HiGHS ``solver`` is given, else as one LP (interior point; the simplex under
    :data:`SIMPLEX_MAX_COLUMNS` columns, see :func:`sizing_highs_options`); ``"benders"`` or ``"lp"`` to choose.

    ``resimulate_horizon_hours``: re-simulate the sized design (and the scenario's own, and each rounding of
    the fleets) with a rolling horizon of that many hours instead of perfect foresight: the check a
    look-ahead controller passes, and minutes faster where the full-year LP is large (homes on a lossy
    line with their own batteries).

    Raises
    ------
    InputError
        No sizing block, a bad target, no unit costs, or a target out of reach (naming it and the
        best value within the bounds).
    """
    from zerodistrict import pipeline

    say = progress or (lambda msg: None)
    parsed = targets_mod.parse_targets(targets or [])
    check_resimulate_horizon(resimulate_horizon_hours)
    check_method(method)
    clock = {}
    t0 = time_mod.perf_counter()
    space, big = design_space(scenario)
    # in a process of its own, the own design starts now: it computes its profiles there
    given = (_GivenDesign(scenario, None, resimulate_horizon_hours, process=own_process)
             if compare_given and own_process is not None else None)
    say("profiles of the largest design")
    profiles = pipeline.site_profiles(big, progress=say)
    inputs = district_inputs(big, progress=say, profiles=profiles)
    if compare_given and given is None:
        given = _GivenDesign(scenario, profiles, resimulate_horizon_hours)
    clock["inputs"] = time_mod.perf_counter() - t0
    lp_inputs, clusters, typical, notes = lp_inputs_of(inputs, typical_days)
    t1 = time_mod.perf_counter()
    sm, flows = _build_with_targets(big, lp_inputs, space, objective, parsed, clusters)
    copies = _survival_copies(sm, inputs, parsed)
    clock["build"] = time_mod.perf_counter() - t1
    lp_targets = list(parsed)
    clock["solve"] = clock["resimulate"] = 0.0
    max_rounds = MAX_ROUNDS if copies is None else max(MAX_ROUNDS, outages_mod.MAX_SURVIVAL_ROUNDS)
    benders_start = {} if copies is None and benders_applies(method, clusters, space, lp_inputs, solver_options) else None
    for round_ in range(1, max_rounds + 1):
        if given is not None:
            # from here: its LP's build (Python, holding the GIL) runs while HiGHS solves the sizing LP (without)
            given.start()
        say("solving the sizing LP" + (f" (round {round_}: targets tightened by the re-simulation's shortfall)"
                                       if round_ > 1 else ""))
        t2 = time_mod.perf_counter()
        try:
            if benders_start is not None:
                benders_start = solve_by_benders(sm, benders_start, big, inputs, space, objective, lp_targets,
                                                  solver_options, say)
            if benders_start is None:
                sm.solve(sizing_highs_options(sm, solver_options))
        except SolverError as exc:
            if exc.termination_condition not in ("infeasible", "infeasible_or_unbounded") or not parsed:
                raise
            raise InputError(_unreachable(big, lp_inputs, space, objective, parsed, clusters, solver_options)) from None
        clock["solve"] += time_mod.perf_counter() - t2
        outcome = _outcome(scenario, sm, flows, objective, parsed, lp_targets)
        outcome.typical, outcome.notes = typical, notes + sm.notes
        if not resimulate:
            break
        say("full-year re-simulation of the sized design" + _slow_hint(outcome.sized, resimulate_horizon_hours))
        t3 = time_mod.perf_counter()
        check = full_year_check(outcome.sized, sm.factors, progress=say,
                                resilience_hours=None if copies is None else copies.analysis_hours, profiles=profiles,
                                horizon_hours=resimulate_horizon_hours)
        kpis = check.pop("_kpis")
        survival_hours = _survival_hours(check.pop("_resilience"))
        clock["resimulate"] += time_mod.perf_counter() - t3
        outcome.full_year = check | {"rounds": round_}
        missed = []
        for row, t, lp_t in zip(outcome.targets, parsed, lp_targets):
            row["full_year_value"], row["holds"] = targets_mod.holds(t, kpis, survival_hours)
            if not row["holds"] and not outages_mod.is_survival(t.kpi):
                missed.append((t, lp_t, row["full_year_value"]))
        if typical is not None and objective == "cost":
            year = _energy_cost_year(check, kpis)
            typical["annual_cost_full_year"] = year
            typical["gap_ratio"] = (outcome.annual_cost - year) / abs(year) if year else None
        added = _add_violated_outages(copies, outcome, parsed, survival_hours, say) if round_ < max_rounds else 0
        if (not missed and not added) or round_ == max_rounds:
            break
        if round_ >= MAX_ROUNDS and not added:  # further rounds only for the survival targets
            break
        for t, lp_t, got in missed:
            tighter = targets_mod.tightened(lp_t, t, _overshot(t, got))
            lp_targets[lp_targets.index(lp_t)] = tighter
            sm.model.remove_constraints(t.constraint)
            targets_mod.add_target(sm, flows, tighter)
    if space.fleets and resimulate:
        say("re-simulating the shared-EV fleet sizes rounded down and up")
        t4 = time_mod.perf_counter()
        fleets_mod.round_fleets(scenario, outcome, space, inputs, sm.factors, parsed, progress=say,
                                horizon_hours=resimulate_horizon_hours)
        clock["resimulate"] += time_mod.perf_counter() - t4
    outcome.seconds = clock
    if given is not None:
        say("the scenario's own design, same accounting")
        outcome.given_design = given.result(sm.factors, say)
        if space.fleets and outcome.given_design is not None:
            outcome.given_design["annual_cost"] += fleets_mod.given_fleet_cost(scenario, space, sm.factors)
    clock["total"] = time_mod.perf_counter() - t0
    return outcome


#: ways to solve the sizing LP (``size(method=...)``, ``zerodistrict size --solve-by``)
METHODS = ("auto", "benders", "lp")


def check_method(method: str) -> None:
    """``method`` is one of :data:`METHODS` (else an InputError naming ``--solve-by``)."""
    if method not in METHODS:
        raise InputError(f"--solve-by: use {', '.join(METHODS[:-1])} or {METHODS[-1]}, got {method!r}")


def benders_applies(method: str, clusters, space: DesignSpace, lp_inputs: DispatchInputs,
                    solver_options: dict | None) -> bool:
    """Benders decomposition for a long full-period LP without sized fleets (and no survival copies: the caller),
    unless ``method`` says otherwise or the user chose a HiGHS solver."""
    return (clusters is None and not space.fleets and method != "lp" and "solver" not in (solver_options or {})
            and (method == "benders" or lp_inputs.index.size >= benders.MIN_STEPS))


def solve_by_benders(sm: SizingModel, start: dict, scenario: Scenario, inputs: DispatchInputs, space: DesignSpace,
                     objective: str, lp_targets: list, solver_options: dict | None, say: Progress,
                     elastic: tuple[str, ...] = ()) -> dict | None:
    """Solve ``sm`` by Benders decomposition; returns its sizes (the next round's start), None if it did not apply.

    The first round starts from the sizes of the same LP over :data:`BENDERS_START_TYPICAL_DAYS` typical days
    (seconds; within about 2 % of the year's optimum), a later round from the last round's sizes.
    """
    from zerodistrict.dispatch.optimal.solve import _quiet_native_stdout
    from zerodistrict.dispatch.optimal.problem import HIGHS_OPTIONS

    hint = None
    if not start:
        start, hint = _typical_start(scenario, inputs, space, objective, lp_targets, solver_options, say)
    options = dict(HIGHS_OPTIONS, **(solver_options or {}))
    options.setdefault("output_flag", False)
    options.setdefault("log_to_console", False)
    with _quiet_native_stdout():
        solved = benders.solve(sm.model, options, start, say, elastic, hint)
    if solved is None:
        say("Benders decomposition did not converge: solving the sizing LP as a whole")
        return None
    solver, result, stats, duals = solved
    status, condition = sm.model.assign_result(result, solver=solver)
    if not (status == "ok" and condition == "optimal"):
        return None
    for name, values in duals.items():
        con = sm.model.constraints[name]
        con.dual = values.reshape(con.labels.shape)
    sm.om._solved = True
    sm.notes = [n for n in sm.notes if not n.startswith("sizing LP solved by Benders")] + [stats.note()]
    return {name: np.asarray(sm.model.variables[name].solution.values, dtype=float)
            for name in benders.design_variables(sm.model)}


def _typical_start(scenario, inputs, space, objective, lp_targets, solver_options, say) -> dict | None:
    """The capacities of the sizing LP over typical days and its targets' duals (Nones for a period under 5× as many
    days, without tsam, or when it has no optimum)."""
    if inputs.n_steps * inputs.step_hours < 5 * 24 * BENDERS_START_TYPICAL_DAYS:
        return None, None
    try:
        typ_inputs, clusters, _, _ = lp_inputs_of(inputs, BENDERS_START_TYPICAL_DAYS)
    except ImportError:
        return None, None
    say(f"a first design from {BENDERS_START_TYPICAL_DAYS} typical days")
    sm, _ = _build_with_targets(scenario, typ_inputs, space, objective, lp_targets, clusters)
    try:
        sm.solve({**SIZING_HIGHS_OPTIONS, **(solver_options or {})})  # not the simplex: see sizing_highs_options
    except SolverError:
        return None, None
    duals = {name: float(np.abs(np.asarray(sm.model.constraints[name].dual.values)).sum())
             for name in sm.model.constraints if name.startswith("target_")}
    return ({name: np.asarray(sm.model.variables[name].solution.values, dtype=float)
             for name in benders.design_variables(sm.model)}, duals)


def _survival_copies(sm: SizingModel, inputs: DispatchInputs, parsed: list):
    """Survival targets: each checked against the largest design, then the reserve variable (no copy yet)."""
    for t in parsed:
        if outages_mod.is_survival(t.kpi):
            outages_mod.check_reachable(inputs, sm.space, t)
    return outages_mod.attach(sm, inputs, parsed)


def _survival_hours(resilience) -> np.ndarray | None:
    """The shared district's critical-load survival of every start step [h] (None without the analysis)."""
    return None if resilience is None else np.asarray(resilience.shared_critical_hours, dtype=float)


def _add_violated_outages(copies, outcome: SizingOutcome, parsed: list, survival_hours, say: Progress) -> int:
    """Outage copies for the violated starts of every missed survival target; the number of starts added."""
    if copies is None or survival_hours is None:
        return 0
    outcome.full_year["outage_starts"] = [copies.inputs.index[k].isoformat() for k in copies.starts]  # in this LP
    added = 0
    for row, t in zip(outcome.targets, parsed):
        if outages_mod.is_survival(t.kpi) and not row["holds"]:
            starts = copies.add_violated(t, survival_hours)
            added += len(starts)
            if starts:
                say(f"{t.text}: {row['full_year_value']:.4g} in the full survival analysis; "
                    f"{len(starts)} outage starts added as constraints ({len(copies.starts)} in all)")
    return added


def lp_inputs_of(inputs: DispatchInputs, typical_days: int | None) -> tuple[DispatchInputs, dict | None, dict | None,
                                                                          list[str]]:
    """The LP's inputs: the whole period, or its typical days with their weights (and a note saying so)."""
    if not typical_days:
        return inputs, None, None, []
    from zerodistrict.analysis.economics import annualisation_factor
    from zerodistrict.design.typical import typical_inputs

    lp_inputs, weights, typical = typical_inputs(inputs, typical_days)
    clusters = {"weights": weights, "day_steps": typical["steps_per_day"],
                "period_share": 1.0 / annualisation_factor(inputs.index, inputs.step_hours)}
    note = (f"typical days: the year clustered into {typical_days} days (tsam) with the peak-load and the worst-PV "
            "days kept, the others scaled to hold the year's load and PV energy; the operating cost is the energy cost "
            "at the step prices (a tariff's monthly tiers do not map onto clustered days)")
    notes = [note]
    export = getattr(getattr(inputs.tariff, "export", None), "scheme", None)
    if export == "net_metering":
        notes.append("typical days with net metering: the LP credits every exported kWh at the step export price, "
                     "without the scheme's monthly cap (credit at most the month's energy charge, the rest forfeited), "
                     "so it overvalues PV that exports; the full-year re-simulation bills the design with the cap, and "
                     "sizing without --typical-days holds the cap in the LP")
    return lp_inputs, clusters, typical, notes


def _outcome(scenario: Scenario, sm: SizingModel, flows, objective: str, parsed: list, lp_targets: list) -> SizingOutcome:
    """The solved LP's sizes, costs and targets (``lp_targets``: the targets as the LP holds them)."""
    sizes = outages_mod.with_reserve_sizes(sm.sizes(), sm)
    fixed_annual = fixed_annual_cost(sm)
    capital = sized_annual_capital(sm) + fixed_annual
    operating = (lp_objective_value(sm) - (capital - fixed_annual) if objective == "cost"
                 else lp_operating_cost(sm))
    annual_cost = operating + capital
    capex_expr = sm.capex_expression()
    rows = [{"target": t.text, "lp_target": lp_t.text, "lp_value": targets_mod.lp_value(sm, flows, t.kpi),
             "cost_of_one_more_unit": targets_mod.target_dual(sm, flows, lp_t),
             "unit": targets_mod.TARGETS[t.kpi][1]} for t, lp_t in zip(parsed, lp_targets)]
    return SizingOutcome(
        scenario=scenario.name, currency=scenario.grid.currency, objective=objective, sizes=sizes,
        annual_cost=annual_cost, annual_capital=capital, operating_cost=operating, co2_kg=float(flows.co2.solution),
        capex=sm.fixed_capex + (0.0 if capex_expr is None else float(capex_expr.solution)),
        life_cycle_cost=annual_cost * sm.factors.annuity_years / sm.factors.period_share,
        targets=rows, sized=apply_sizes(scenario, sizes))


def _overshot(target, achieved: float) -> float:
    """The full-year value as if it had missed ``target`` by :data:`SHORTFALL_OVERSHOOT` × its shortfall."""
    if target.kpi == "net_zero":  # achieved: the net import seen
        return achieved * SHORTFALL_OVERSHOOT
    return target.value + SHORTFALL_OVERSHOOT * (achieved - target.value)


def _energy_cost_year(check: dict, kpis) -> float:
    """The re-simulation's energy cost at step prices plus its annualised capital (typical-day comparisons)."""
    return float(kpis.net_energy_cost) + check["annual_capital"]


class _GivenDesign:
    """The scenario's own design through the same accounting: optimal cyclic dispatch + annualised capital
    (rolling over ``horizon_hours`` when given, costed by its bill as in :func:`full_year_check`).

    Its dispatch does not depend on the sizing, so with more than one core it runs in a background thread
    beside the sizing (HiGHS releases the GIL while it solves): on Misono with ``--typical-days 12`` it
    took 1.35 s of a 5.9 s sizing. It starts when the sizing LP's solve does (its LP's build, Python holding
    the GIL, then overlaps HiGHS's solve rather than the clustering and the sizing LP's build), and solves its
    months in its own thread (:func:`~zerodistrict.dispatch.optimal.warm.one_worker`): started at once and
    with two more threads, it made the sizing 1.2 s slower (2026-12-01). :meth:`result` waits for it and
    re-raises what it raised; the thread is a daemon, so a sizing that fails first does not wait for it.
    """

    def __init__(self, scenario: Scenario, profiles=None, horizon_hours: int | None = None,
                 background: bool | None = None, process=None):
        self.own = scenario.model_copy(deep=True)
        self.own.community.storage_end = "cyclic"
        self.profiles, self.horizon_hours = _fitting(profiles, self.own), horizon_hours
        self._run, self._error, self._thread = None, None, None
        self.background = len(os.sched_getaffinity(0)) > 1 if background is None else background
        #: an :class:`~zerodistrict.design.own_process.OwnDesignProcess`: the dispatch runs there, from now
        self._process = process
        if process is not None:
            process.submit(self.own, horizon_hours)

    def start(self) -> None:
        """Start the dispatch in the background (once; only with more than one core; not when a process has it)."""
        if self.background and self._thread is None and self._process is None:
            self._thread = threading.Thread(target=self._dispatch, name="zerodistrict-own-design", daemon=True)
            self._thread.start()

    def _dispatch(self, say: Progress | None = None) -> None:
        from zerodistrict import pipeline
        from zerodistrict.dispatch.optimal import warm

        try:
            # in the background its LP's months take one core, the sizing the other
            with warm.one_worker() if self._thread is not None else contextlib.nullcontext():
                self._run = pipeline.run(self.own, "optimal", progress=say, resilience_hours=None,
                                         profiles=self.profiles, horizon_hours=self.horizon_hours)
        except BaseException as exc:  # handed to result(), in the caller's thread
            self._error = exc

    def result(self, factors: CostFactors, say: Progress) -> dict:
        figures = None if self._process is None else self._process.figures()
        if figures is None:  # no process, or it died: here, now
            if self._thread is None:
                self._dispatch(say)
            else:
                self._thread.join()
            if self._error is not None:
                raise self._error
            figures = own_design_figures(self.own, self._run, self.horizon_hours)
        return _given_costs(figures, factors)


def own_design_figures(own: Scenario, result, horizon_hours: int | None) -> dict:
    """What the comparison needs of the own design's run ``result`` (plain numbers: they cross processes)."""
    capex, battery = design_capex(own, result.inputs)
    operating = result.dispatch.objective if horizon_hours is None else float(result.kpis.bill_total)
    return {"capex": float(capex), "battery_capex": float(battery), "operating": float(operating),
            "dispatch_objective": float(result.dispatch.objective),
            "self_sufficiency_ratio": float(result.kpis.self_sufficiency_ratio),
            "co2_reduction_ratio": float(result.kpis.co2_reduction_ratio)}


def run_own_design(own: Scenario, horizon_hours: int | None) -> dict:
    """The own design's optimal dispatch (``own``: the scenario with cyclic storage) and :func:`own_design_figures`
    (what :mod:`~zerodistrict.design.own_process` runs in its process)."""
    from zerodistrict import pipeline

    from zerodistrict.dispatch.optimal import warm

    with warm.one_worker():  # the sizing has the other core (in the command: 4.19 s against 4.28 s with two)
        result = pipeline.run(own, "optimal", resilience_hours=None, horizon_hours=horizon_hours)
    return own_design_figures(own, result, horizon_hours)


def _given_costs(figures: dict, factors: CostFactors) -> dict:
    capital = annual_capital(figures["capex"], figures["battery_capex"], factors)
    return {"capex": figures["capex"], "annual_capital": capital, "dispatch_objective": figures["dispatch_objective"],
            "annual_cost": figures["operating"] + capital,
            "self_sufficiency_ratio": figures["self_sufficiency_ratio"],
            "co2_reduction_ratio": figures["co2_reduction_ratio"]}


def _build_with_targets(scenario, inputs, space, objective, parsed, clusters: dict | None):
    sm = build_sizing(scenario, inputs, space, objective, tariff_objective="energy_cost" if clusters else "bill",
                      **(clusters or {}))
    flows = targets_mod.Flows(sm, sm.weights)
    for t in parsed:
        targets_mod.add_target(sm, flows, t)
    return sm, flows


def _unreachable(scenario, inputs, space, objective, parsed, clusters, solver_options) -> str:
    """One message: the first target out of reach on its own and the best value reachable; or that they conflict."""
    for t in parsed:
        sm, flows = _build_with_targets(scenario, inputs, space, objective, [], clusters)
        expr = targets_mod.best_objective(sm, flows, t)
        if expr is None:
            continue
        sm.model.add_objective(expr, overwrite=True)
        sm.solve(sizing_highs_options(sm, solver_options))
        best = targets_mod.lp_value(sm, flows, t.kpi)
        reach = best >= t.value if t.op == ">=" else best <= t.value if t.op == "<=" else best <= 0.0
        if not reach:
            what = "net import" if t.kpi == "net_zero" else t.kpi
            return (f"--target {t.text}: out of reach within the sizing bounds; the best {what} they allow is "
                    f"{best:.6g}" + (" kWh" if t.kpi == "net_zero" else ""))
    return f"--target: {', '.join(t.text for t in parsed)} cannot all hold together within the sizing bounds"
