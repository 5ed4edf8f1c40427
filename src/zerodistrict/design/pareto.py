"""Pareto fronts of annualised cost by the ε-constraint method (``zerodistrict size --pareto cost,co2|cost,survival``).

``cost,co2``: the two ends are the least-cost design (CO2 ``E_max``) and the least-CO2 design
(CO2 ``E_min``, found lexicographically: least CO2, then least cost at that CO2). Between them,
``N`` evenly spaced caps ``ε_k`` on the period's CO2, each solved at least cost subject to
``Σ w·Δt·ef·P_imp ≤ ε_k`` and the targets given. Each point's cost of a further kg of CO2 cut is
the dual of its cap; the CSV also gives the average cost per kg between neighbouring points.
The points are the LP's (no full-year re-simulation per point).

``cost,survival``: ε over the survival hours ``H``. The survival KPI is the median critical-load
survival over every start step (``critical_survival_hours_p50``), or the kind of a survival target
given with ``--target`` (its value is then replaced point by point). The ends: the least-cost
design (its survival ``H_0`` from the full survival analysis) and the best survival the bounds
allow (:func:`~zerodistrict.design.outages.best_reachable`, at most the analysis's 168 h unless
the target asks more). Between them ``N − 1`` evenly spaced ``H_k``, each sized at least cost with
the target ``KPI ≥ H_k`` by :func:`~zerodistrict.design.sizing_run.size` (outage copies, full-year
re-simulation and survival analysis each round), so every point's survival is the full analysis's,
not the LP's. A survival target has no single dual: the CSV gives the average cost of one more hour
between neighbouring points (``average_cost_per_hour``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zerodistrict.design import outages
from zerodistrict.design import targets as targets_mod
from zerodistrict.design.sizing import design_space
from zerodistrict.design.sizing_run import (
    _build_with_targets,
    _outcome,
    benders_applies,
    district_inputs,
    lp_inputs_of,
    sizing_highs_options,
    solve_by_benders,
)
from zerodistrict.errors import InputError
from zerodistrict.scenario.models import Scenario

#: the pairs of objectives a front can trade
PAIRS = ("cost,co2", "cost,survival")
CAP = "pareto_co2_cap"


def parse_pair(text: str) -> str:
    pair = text.replace(" ", "")
    if pair not in PAIRS:
        raise InputError(f"--pareto {text!r}: use {' or '.join(PAIRS)}")
    return pair


def _row(scenario: Scenario, sm, flows, parsed) -> dict:
    o = _outcome(scenario, sm, flows, "cost", parsed, parsed)
    row = {"annual_cost": o.annual_cost, "capex": o.capex, "co2_kg": o.co2_kg,
           "co2_reduction_ratio": targets_mod.lp_value(sm, flows, "co2_reduction_ratio"),
           "self_sufficiency_ratio": targets_mod.lp_value(sm, flows, "self_sufficiency_ratio")}
    for items in o.sizes.values():
        for name, d in items.items():
            for key, value in d.items():
                row[f"{name}.{key}"] = value
    if CAP in sm.model.constraints:
        row["cost_per_kg_cut"] = abs(float(sm.model.constraints[CAP].dual))
    return row


def pareto_front(scenario: Scenario, pair: str = "cost,co2", points: int = 6, targets: list[str] | None = None,
                 typical_days: int | None = None, progress=None, solver_options: dict | None = None,
                 resimulate_horizon_hours: int | None = None, method: str = "auto") -> pd.DataFrame:
    """The front as a table, cheapest first: costs [currency over the period], CO2 [kg], sizes, marginal costs.

    ``method``: as :func:`~zerodistrict.design.sizing_run.size`'s (Benders decomposition over a long full period,
    each point starting from the last point's sizes).

    ``resimulate_horizon_hours``: the survival front's re-simulations by rolling horizon (see
    :func:`~zerodistrict.design.sizing_run.size`); the cost–CO2 front re-simulates nothing.
    """
    pair = parse_pair(pair)
    if points < 2:
        raise InputError(f"--pareto-points: give at least 2, got {points}")
    if pair == "cost,survival":
        return survival_front(scenario, points, targets, typical_days, progress, solver_options,
                              resimulate_horizon_hours)
    say = progress or (lambda msg: None)
    parsed = targets_mod.parse_targets(targets or [])
    space, big = design_space(scenario)
    inputs = district_inputs(big, progress=say)
    lp_inputs, clusters, _, _ = lp_inputs_of(inputs, typical_days)
    sm, flows = _build_with_targets(big, lp_inputs, space, "cost", parsed, clusters)
    by_benders = benders_applies(method, clusters, space, lp_inputs, solver_options)
    last: dict = {}

    def solve(objective: str) -> None:
        """Each point by Benders decomposition from the last point's sizes where it applies, else as one LP."""
        nonlocal last
        if by_benders:
            found = solve_by_benders(sm, last, big, inputs, space, objective, parsed, solver_options, say,
                                     elastic=(CAP,))
            if found is not None:
                last = found
                return
        sm.solve(sizing_highs_options(sm, solver_options))

    cost = sm.model.objective.expression
    say("pareto: least cost")
    solve("cost")
    cheapest = _row(scenario, sm, flows, parsed)
    say("pareto: least CO2")
    sm.model.add_objective(flows.co2, overwrite=True)
    solve("co2")
    e_min = float(flows.co2.solution)
    sm.model.add_objective(cost, overwrite=True)
    rows = [cheapest]
    caps = np.linspace(cheapest["co2_kg"], e_min, points)[1:]
    for k, eps in enumerate(caps):
        say(f"pareto: point {k + 2} of {points} (CO2 ≤ {eps:,.0f} kg)")
        if CAP in sm.model.constraints:
            sm.model.remove_constraints(CAP)
        sm.model.add_constraints(flows.co2 <= eps + 1e-6 * max(abs(eps), 1.0), name=CAP)
        solve("cost")
        rows.append(_row(scenario, sm, flows, parsed))
    table = pd.DataFrame(rows)
    table.insert(0, "point", np.arange(1, len(table) + 1))
    cut = -np.diff(table["co2_kg"].to_numpy())
    extra = np.diff(table["annual_cost"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        table["average_cost_per_kg_cut"] = np.r_[np.nan, np.where(cut > 0, extra / cut, np.nan)]
    return table


def _survival_kpi(parsed: list) -> tuple[str, list]:
    """The front's survival KPI (a survival target's kind, else the median) and the other targets."""
    survival = [t for t in parsed if outages.is_survival(t.kpi)]
    if len(survival) > 1:
        raise InputError("--pareto cost,survival: give at most one survival target (its kind sets the front's KPI)")
    kpi = survival[0].kpi if survival else "critical_survival_hours_p50"
    return kpi, [t for t in parsed if not outages.is_survival(t.kpi)]


def _survival_row(outcome, kpi: str, asked: float | None, value: float) -> dict:
    row = {"survival_asked": asked, "survival_hours" if kpi != "survive_24h_probability" else "survival_value": value,
           "survival_kpi": kpi, "annual_cost": outcome.annual_cost, "capex": outcome.capex, "co2_kg": outcome.co2_kg}
    if outcome.full_year is not None:
        row["annual_cost_full_year"] = outcome.full_year["annual_cost"]
    for items in outcome.sizes.values():
        for name, d in items.items():
            for key, v in d.items():
                row[f"{name}.{key}"] = v
    return row


def survival_front(scenario: Scenario, points: int = 6, targets: list[str] | None = None,
                   typical_days: int | None = None, progress=None, solver_options: dict | None = None,
                   resimulate_horizon_hours: int | None = None) -> pd.DataFrame:
    """The cost–survival front (module docstring), cheapest first: cost [currency over the period], survival, sizes."""
    from zerodistrict import pipeline
    from zerodistrict.design.sizing_run import size

    say = progress or (lambda msg: None)
    kpi, others = _survival_kpi(targets_mod.parse_targets(targets or []))
    other_text = [t.text for t in others]
    space, big = design_space(scenario)
    inputs = district_inputs(big, progress=say)
    top_asked = max((outages.hours_and_share(t.kpi, t.value)[0] for t in targets_mod.parse_targets(targets or [])
                     if outages.is_survival(t.kpi)), default=0.0)
    hours = max(top_asked, 168.0)
    say("pareto: least cost")
    cheapest = size(scenario, other_text, typical_days=typical_days, compare_given=False, progress=say,
                    solver_options=solver_options, resimulate_horizon_hours=resimulate_horizon_hours)
    run = pipeline.run(cheapest.sized, "optimal", resilience_hours=hours, horizon_hours=resimulate_horizon_hours)
    low = outages.survival_value(kpi, run.resilience.shared_critical_hours)
    high = outages.best_reachable(inputs, space, kpi, 0.0 if kpi == "survive_24h_probability" else hours)
    rows = [_survival_row(cheapest, kpi, None, low)]
    unit = "" if kpi == "survive_24h_probability" else " h"
    for k, goal in enumerate(np.linspace(low, high, points)[1:]):
        if goal <= rows[-1].get("survival_hours", rows[-1].get("survival_value")) + 1e-9:
            continue  # already met by the previous point
        say(f"pareto: point {k + 2} of {points} ({kpi} ≥ {goal:.4g}{unit})")
        text = f"{kpi}>={goal:.6g}"
        try:
            outcome = size(scenario, [*other_text, text], typical_days=typical_days, compare_given=False,
                           progress=say, solver_options=solver_options,
                           resimulate_horizon_hours=resimulate_horizon_hours)
        except InputError as exc:  # the copies start from the reserve: the very top may be out of their reach
            say(f"pareto: the front stops before {text} ({exc})")
            break
        row = next(r for r in outcome.targets if r["target"].startswith(kpi + ">="))
        rows.append(_survival_row(outcome, kpi, float(goal), float(row["full_year_value"])) | {"holds": row["holds"]})
    table = pd.DataFrame(rows)
    table.insert(0, "point", np.arange(1, len(table) + 1))
    col = "survival_hours" if "survival_hours" in table else "survival_value"
    gain = np.diff(table[col].to_numpy(dtype=float))
    extra = np.diff(table["annual_cost"].to_numpy(dtype=float))
    name = "average_cost_per_hour" if col == "survival_hours" else "average_cost_per_point"
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(gain > 0, extra / gain, np.nan)
        table[name] = np.r_[np.nan, per / (100.0 if col == "survival_value" else 1.0)]
    return table
