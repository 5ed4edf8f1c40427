"""Pareto front of annualised cost against grid CO2 by the ε-constraint method (``zerodistrict size --pareto cost,co2``).

The two ends: the least-cost design (CO2 ``E_max``) and the least-CO2 design (CO2 ``E_min``,
found lexicographically: least CO2, then least cost at that CO2). Between them, ``N`` evenly
spaced caps ``ε_k`` on the period's CO2, each solved at least cost subject to
``Σ w·Δt·ef·P_imp ≤ ε_k`` and the targets given. Each point's cost of a further kg of CO2 cut is
the dual of its cap; the CSV also gives the average cost per kg between neighbouring points.
The points are the LP's (no full-year re-simulation per point).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zerodistrict.design import targets as targets_mod
from zerodistrict.design.sizing import design_space
from zerodistrict.design.sizing_run import (
    SIZING_HIGHS_OPTIONS,
    _build_with_targets,
    _outcome,
    district_inputs,
    lp_inputs_of,
)
from zerodistrict.errors import InputError
from zerodistrict.scenario.models import Scenario

#: the pairs of objectives a front can trade
PAIRS = ("cost,co2",)
CAP = "pareto_co2_cap"


def parse_pair(text: str) -> str:
    pair = text.replace(" ", "")
    if pair not in PAIRS:
        raise InputError(f"--pareto {text!r}: use {', '.join(PAIRS)} (cost,survival is not built yet)")
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
                 typical_days: int | None = None, progress=None, solver_options: dict | None = None) -> pd.DataFrame:
    """The front as a table, cheapest first: costs [currency over the period], CO2 [kg], sizes, marginal costs."""
    parse_pair(pair)
    if points < 2:
        raise InputError(f"--pareto-points: give at least 2, got {points}")
    say = progress or (lambda msg: None)
    parsed = targets_mod.parse_targets(targets or [])
    space, big = design_space(scenario)
    inputs = district_inputs(big, progress=say)
    lp_inputs, clusters, _, _ = lp_inputs_of(inputs, typical_days)
    sm, flows = _build_with_targets(big, lp_inputs, space, "cost", parsed, clusters)
    options = {**SIZING_HIGHS_OPTIONS, **(solver_options or {})}
    cost = sm.model.objective.expression
    say("pareto: least cost")
    sm.solve(options)
    cheapest = _row(scenario, sm, flows, parsed)
    say("pareto: least CO2")
    sm.model.add_objective(flows.co2, overwrite=True)
    sm.solve(options)
    e_min = float(flows.co2.solution)
    sm.model.add_objective(cost, overwrite=True)
    rows = [cheapest]
    caps = np.linspace(cheapest["co2_kg"], e_min, points)[1:]
    for k, eps in enumerate(caps):
        say(f"pareto: point {k + 2} of {points} (CO2 ≤ {eps:,.0f} kg)")
        if CAP in sm.model.constraints:
            sm.model.remove_constraints(CAP)
        sm.model.add_constraints(flows.co2 <= eps + 1e-6 * max(abs(eps), 1.0), name=CAP)
        sm.solve(options)
        rows.append(_row(scenario, sm, flows, parsed))
    table = pd.DataFrame(rows)
    table.insert(0, "point", np.arange(1, len(table) + 1))
    cut = -np.diff(table["co2_kg"].to_numpy())
    extra = np.diff(table["annual_cost"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        table["average_cost_per_kg_cut"] = np.r_[np.nan, np.where(cut > 0, extra / cut, np.nan)]
    return table
