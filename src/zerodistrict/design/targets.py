"""Targets of a design as linear constraints on the sizing LP's flows, their duals, and the best value reachable.

A target is written ``KPI>=x`` or ``KPI<=x`` (or ``net_zero``) and means the same KPI as the
full-year run reports (:mod:`zerodistrict.analysis.kpis`). Over the LP's steps, each weighted by
``w(t)`` (1, or the days a typical day stands for) and the step length ``Δt``:

* ``self_sufficiency_ratio>=x``: ``I + U ≤ (1 − x)·(D + D_ev)`` with ``D`` the homes' and the
  mobility stations' load, ``D_ev`` the energy the shared EVs' trips take
  (:func:`~zerodistrict.analysis.kpis.ev_baseline_charge_kw`), ``I`` the import and ``U`` the
  unserved load [kWh]: the KPI exactly, whose demand is the baseline's ``D + D_ev`` (energy an EV
  gives back to the homes is storage, not demand);
* ``co2_reduction_ratio>=x``: ``Σ w·Δt·ef(t)·P_imp(t) ≤ (1 − x)·B`` with ``B`` the baseline's CO2
  (:func:`~zerodistrict.analysis.kpis.baseline_demand_kw` at the emission factor) [kg];
* ``capex<=x``: capital of the design ≤ x [currency];
* ``grid_export_kwh<=x``: ``Σ w·Δt·P_exp ≤ x``; ``net_zero``: ``Σ w·Δt·(P_imp − P_exp) ≤ 0``;
* ``hydrogen_served_ratio>=x`` (a scenario with ``community.hydrogen``): ``Σ w·u ≤ (1 − x)·Σ w·trip``
  with ``u`` the grey hydrogen bought and ``trip`` the offtake drawn from the tanks [kWh LHV per step]
  (:func:`zerodistrict.dispatch.optimal.hydrogen.add_served_ratio_target`, weighted).
* survival of the critical load in outages, as the full survival analysis reports it (shared district):
  ``critical_survival_hours_p50>=H`` (median over the start steps, [h]), ``critical_survival_hours>=H``
  (every start step survives H hours) and ``survive_24h_probability>=x`` (share of start steps
  surviving 24 h): not one constraint but outage copies added round by round
  (:mod:`zerodistrict.design.outages`); they have no dual and no LP value.

Each is tightened by :data:`TARGET_MARGIN` (of its scale) so that the full-year re-simulation,
which does not see the target, meets it despite solver tolerances. The "cost of one more unit" of
a target is the dual of its constraint times the constraint's derivative in the target's value
(the envelope theorem): the change of the optimum per percentage point (ratios), per currency
unit of capex less, per kWh of export less or per kWh of net export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import xarray as xr

from zerodistrict.analysis.emissions import co2_kg
from zerodistrict.analysis.kpis import baseline_demand_kw, ev_baseline_charge_kw
from zerodistrict.errors import InputError

#: KPI → (operator allowed, what one unit of the dual report is)
TARGETS = {
    "self_sufficiency_ratio": (">=", "per percentage point more"),
    "co2_reduction_ratio": (">=", "per percentage point more"),
    "capex": ("<=", "per currency unit less"),
    "grid_export_kwh": ("<=", "per kWh less"),
    "net_zero": ("", "per kWh more exported than imported"),
    "hydrogen_served_ratio": (">=", "per percentage point more"),
    "critical_survival_hours_p50": (">=", "per hour more"),
    "critical_survival_hours": (">=", "per hour more"),
    "survive_24h_probability": (">=", "per percentage point more"),
}
#: survival targets ([h] or a share of start steps); they act through design/outages.py, not add_target
SURVIVAL_TARGETS = ("critical_survival_hours_p50", "critical_survival_hours", "survive_24h_probability")
#: longest survival a target may ask [h] (assumption: a year; the analysis wraps the same year round)
MAX_SURVIVAL_HOURS = 8760.0
#: a target is met with this much to spare in the LP (relative to its scale: 1 for ratios) — assumption:
#: above HiGHS's feasibility tolerance (1e-7), below any figure a report shows
TARGET_MARGIN = 1e-6

_EXPR = re.compile(r"^\s*([a-z_0-9]+)\s*(>=|<=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Target:
    """One target: ``kpi op value`` (``net_zero``: op and value empty)."""

    kpi: str
    op: str = ""
    value: float = 0.0

    @property
    def text(self) -> str:
        if self.kpi == "net_zero":
            return self.kpi if self.value == 0 else f"net_zero (net export ≥ {self.value:g} kWh)"
        return f"{self.kpi}{self.op}{self.value:.6g}"

    @property
    def constraint(self) -> str:
        return f"target_{self.kpi}"


def parse_target(expr: str) -> Target:
    """``"self_sufficiency_ratio>=0.8"`` → :class:`Target`; InputError naming what is allowed."""
    allowed = ("self_sufficiency_ratio>=x, co2_reduction_ratio>=x, capex<=x, grid_export_kwh<=x, net_zero, "
               "hydrogen_served_ratio>=x, critical_survival_hours_p50>=H, critical_survival_hours>=H, "
               "survive_24h_probability>=x")
    if expr.strip() == "net_zero":
        return Target("net_zero")
    match = _EXPR.match(expr)
    if match is None:
        raise InputError(f"--target {expr!r}: write KPI>=x or KPI<=x; one of {allowed}")
    kpi, op, raw = match.groups()
    if kpi not in TARGETS or kpi == "net_zero":
        raise InputError(f"--target {expr!r}: unknown target {kpi!r}; one of {allowed}")
    if op != TARGETS[kpi][0]:
        raise InputError(f"--target {expr!r}: {kpi} takes {TARGETS[kpi][0]}")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"--target {expr!r}: {raw!r} is not a number") from None
    if (kpi.endswith("_ratio") or kpi.endswith("_probability")) and not 0.0 <= value <= 1.0:
        raise InputError(f"--target {expr!r}: a ratio lies between 0 and 1, got {value:g}")
    if kpi.startswith("critical_survival_hours") and not 0.0 < value <= MAX_SURVIVAL_HOURS:
        raise InputError(f"--target {expr!r}: give hours above 0 and at most {MAX_SURVIVAL_HOURS:g}, got {value:g}")
    if not kpi.endswith("_ratio") and value < 0:
        raise InputError(f"--target {expr!r}: must be ≥ 0, got {value:g}")
    return Target(kpi, op, value)


def parse_targets(exprs: list[str]) -> list[Target]:
    targets = [parse_target(e) for e in exprs]
    seen = set()
    for t in targets:
        if t.kpi in seen:
            raise InputError(f"--target: {t.kpi} is given twice")
        seen.add(t.kpi)
    return targets


# --------------------------------------------------------------------------- flows of the LP


class Flows:
    """Weighted period totals of the sizing LP's flows [kWh, kg] as linear expressions (and constants)."""

    def __init__(self, sm, weights: np.ndarray | None = None) -> None:
        self.sm = sm
        inputs = sm.inputs
        m = sm.model
        dt = inputs.step_hours
        self.w = np.ones(inputs.n_steps) if weights is None else np.asarray(weights, dtype=float)
        time = m.variables["grid_import"].indexes["time"]
        self._wt = xr.DataArray(self.w * dt, coords=[time])
        v = m.variables
        imp, exp = 1.0 * v["grid_import"], 1.0 * v["grid_export"]
        if "home_grid_import" in v:
            imp = imp + v["home_grid_import"].sum("home")
            exp = exp + v["home_grid_export"].sum("home")
        self.import_expr, self.export_expr = imp, exp
        self.demand_kwh = float(((inputs.load_kw.sum(axis=1) + inputs.mobility_load_kw) * self.w).sum() * dt)
        self.ev_least_kwh = float((ev_baseline_charge_kw(inputs.stores, dt) * self.w).sum() * dt)
        self.unserved = self.total((v["shed"] + v["shed_critical"]).sum("home") + v["shed_mobility"])
        base = baseline_demand_kw(inputs)
        self.co2_baseline_kg = float(co2_kg(base * self.w, inputs.emission_factor_kg_per_kwh, dt))
        ef = xr.DataArray(np.broadcast_to(inputs.emission_factor_kg_per_kwh, (inputs.n_steps,)) * self.w * dt,
                          coords=[time])
        self.co2 = (ef * imp).sum()
        h2 = inputs.stores.kind == "hydrogen"
        self.hydrogen_demand_kwh = float((inputs.stores.trip_kwh[:, h2].sum(axis=1) * self.w).sum()) if h2.any() else 0.0
        self.hydrogen_bought = None
        if "hydrogen_unserved" in v:
            u = v["hydrogen_unserved"]
            per_step = u.sum([d for d in u.dims if d != "time"])
            self.hydrogen_bought = (xr.DataArray(self.w, coords=[time]) * per_step).sum()

    def total(self, expr):
        """``Σ_t w(t)·Δt·expr(t)``."""
        return (self._wt * expr).sum()

    @property
    def imports(self):
        return self.total(self.import_expr)

    @property
    def exports(self):
        return self.total(self.export_expr)


def add_target(sm, flows: Flows, target: Target) -> None:
    """The target's constraint on ``sm.model`` (module docstring), named ``target_<kpi>``."""
    m, name = sm.model, target.constraint
    x = target.value
    if target.kpi in SURVIVAL_TARGETS:  # outage copies, design/outages.py
        return
    if target.kpi == "self_sufficiency_ratio":
        x = min(x + TARGET_MARGIN, 1.0)
        m.add_constraints(flows.imports + flows.unserved <= (1.0 - x) * (flows.demand_kwh + flows.ev_least_kwh),
                          name=name)
    elif target.kpi == "co2_reduction_ratio":
        x = min(x + TARGET_MARGIN, 1.0)
        m.add_constraints(flows.co2 <= (1.0 - x) * flows.co2_baseline_kg, name=name)
    elif target.kpi == "capex":
        expr = sm.capex_expression()
        if expr is None:
            return
        m.add_constraints(expr <= x * (1.0 - TARGET_MARGIN) - sm.fixed_capex, name=name)
    elif target.kpi == "grid_export_kwh":
        m.add_constraints(flows.exports <= max(x - TARGET_MARGIN * max(x, 1.0), 0.0), name=name)
    elif target.kpi == "hydrogen_served_ratio":
        if flows.hydrogen_bought is None or flows.hydrogen_demand_kwh <= 0:
            raise InputError(f"--target {target.text}: the scenario has no hydrogen offtake (community.hydrogen)")
        x = min(x + TARGET_MARGIN, 1.0)
        m.add_constraints(flows.hydrogen_bought <= (1.0 - x) * flows.hydrogen_demand_kwh, name=name)
    else:  # net_zero; value: net export required [kWh] (0 unless tightened)
        m.add_constraints(flows.imports - flows.exports <= -x, name=name)


def target_dual(sm, flows: Flows, target: Target) -> float | None:
    """Change of the optimum when the target is tightened by one unit (module docstring) [objective unit]."""
    if target.constraint not in sm.model.constraints:
        return None
    dual = float(np.asarray(sm.model.constraints[target.constraint].dual.values).sum())
    if target.kpi == "self_sufficiency_ratio":
        return abs(dual) * (flows.demand_kwh + flows.ev_least_kwh) * 0.01
    if target.kpi == "co2_reduction_ratio":
        return abs(dual) * flows.co2_baseline_kg * 0.01
    if target.kpi == "hydrogen_served_ratio":
        return abs(dual) * flows.hydrogen_demand_kwh * 0.01
    return abs(dual)


def lp_value(sm, flows: Flows, kpi: str) -> float | None:
    """The KPI of the LP's solution (over its weighted steps); self-sufficiency with the EVs' least charging.

    None for a survival target (the LP holds chosen outages, not the KPI over every start).
    """
    if kpi in SURVIVAL_TARGETS:
        return None
    imp, exp = float(flows.imports.solution), float(flows.exports.solution)
    if kpi == "self_sufficiency_ratio":
        d = flows.demand_kwh + flows.ev_least_kwh  # as the constraint holds it (module docstring)
        return (d - imp - float(flows.unserved.solution)) / d if d > 0 else 0.0
    if kpi == "co2_reduction_ratio":
        b = flows.co2_baseline_kg
        return 1.0 - float(flows.co2.solution) / b if b > 0 else 0.0
    if kpi == "capex":
        expr = sm.capex_expression()
        return sm.fixed_capex + (0.0 if expr is None else float(expr.solution))
    if kpi == "grid_export_kwh":
        return exp
    if kpi == "hydrogen_served_ratio":
        d = flows.hydrogen_demand_kwh
        return 1.0 - float(flows.hydrogen_bought.solution) / d if d > 0 else 0.0
    return imp - exp  # net_zero: net import [kWh]


def best_objective(sm, flows: Flows, target: Target):
    """The expression to minimise for the best value of the target's KPI within the bounds.

    Self-sufficiency: the import plus unserved energy (the numerator of the ratio the constraint
    holds), CO2, capex, export, net import; None for a survival target (design/outages.py has its own).
    """
    if target.kpi in SURVIVAL_TARGETS:
        return None
    if target.kpi == "self_sufficiency_ratio":
        return flows.imports + flows.unserved
    if target.kpi == "co2_reduction_ratio":
        return flows.co2
    if target.kpi == "capex":
        return sm.capex_expression()
    if target.kpi == "grid_export_kwh":
        return flows.exports
    if target.kpi == "hydrogen_served_ratio":
        return flows.hydrogen_bought
    return flows.imports - flows.exports


def holds(target: Target, kpis, survival_hours: np.ndarray | None = None) -> tuple[float, bool]:
    """The KPI of a full-year run and whether the target holds there (to 1e-6 of its scale).

    A survival target reads ``survival_hours``: the shared district's critical-load survival of every
    start step of the full survival analysis [h] (not in ``kpis``).
    """
    if target.kpi in SURVIVAL_TARGETS:
        if survival_hours is None:
            return float("nan"), False
        from zerodistrict.design.outages import survival_value

        value = survival_value(target.kpi, survival_hours)
        return value, value >= target.value - 1e-9
    if target.kpi == "net_zero":
        value = float(kpis.grid_import_kwh - kpis.grid_export_kwh)
        return value, value <= 1e-6 * max(kpis.grid_import_kwh, 1.0)
    value = getattr(kpis, target.kpi)
    if value is None:
        return float("nan"), False
    value = float(value)
    if target.op == ">=":
        return value, value >= target.value - 1e-6
    return value, value <= target.value + 1e-6 * max(abs(target.value), 1.0)


def tightened(lp_target: Target, target: Target, achieved: float) -> Target:
    """The LP's target moved past the asked one by the full-year shortfall (and 10⁻⁴ of its scale) for another round.

    The full-year dispatch minimises the bill without seeing the target, so it may stop short of
    what the LP's own dispatch reached (e.g. it does not charge the EVs from PV it would curtail).
    """
    if target.kpi in SURVIVAL_TARGETS:  # tightened by more outage copies instead
        return lp_target
    if target.kpi == "net_zero":  # ask for a net export as large as the net import seen
        return Target("net_zero", "", lp_target.value + max(achieved, 0.0) * 1.0001 + 1e-3)
    scale = 1.0 if target.kpi.endswith("_ratio") else max(abs(target.value), 1.0)
    if target.op == ">=":
        return Target(target.kpi, ">=", min(lp_target.value + (target.value - achieved) + 1e-4 * scale, 1.0))
    return Target(target.kpi, "<=", max(lp_target.value - (achieved - target.value) - 1e-4 * scale, 0.0))
