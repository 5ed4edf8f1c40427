"""Designing a district: the sizes of PV, batteries, the line and shared EVs at least life-cycle cost (or CO2).

One LP (linopy + HiGHS) holds the year's dispatch and the sizes the scenario's ``sizing`` block
lets vary (:mod:`zerodistrict.scenario.sizing`):

* PV kWp per home of each sized group, ``k_g`` within ``[min, roof limit]``
  (:class:`~zerodistrict.dispatch.optimal.capacity.PVCapacity`);
* home battery kWh and kW per home of each sized group; each sized community battery's kWh and
  kW (:class:`~zerodistrict.dispatch.optimal.capacity.StoreCapacity`);
* the private line's trunk capacity and the number of vehicles of each shared-EV fleet (with a
  priced fallback for the trips a smaller fleet does not serve; rounded to whole vehicles by
  re-simulation): :mod:`zerodistrict.design.fleets`;

everything else is fixed at the scenario's size.

Objective ``cost``: ``Σ_i f_i·capex_i(x) + bill(dispatch)`` over the period, where
``capex_i`` is the capital cost of asset i at size x (unit costs of ``economics`` through
:func:`~zerodistrict.analysis.economics.capex_items`) and the annualisation factor
``f_i = (1 + R_i)/A + o`` (``A`` the annuity factor of the discount rate over the lifetime,
``R_i`` the present value of battery replacements per unit of cost, ``o`` the O&M ratio), times
the share of a year the period covers. The bill is the optimal dispatch's (``bill`` objective:
the tariff's monthly tiers; ``energy_cost`` with typical days). The same annualisation applied
to the appraisal's cash flows gives its LCOE numerator, so the annualised cost here is the
appraisal's life-cycle cost divided by ``A``. Objective ``co2``: the grid CO2 of the period,
with the annualised cost × :data:`CO2_COST_TIEBREAK` so that among designs of equal CO2 the
cheaper wins.

Homes: with sharing (one meter for the district) the homes of a group are one bus with the
group's summed load, PV and batteries — exact with lossless sharing (every home of a group is
sized alike and the district balances at one bus anyway); with a lossy line it ignores the
losses between homes of one group (an optimistic approximation, noted in the result). Without
sharing every home keeps its own bus and meter and the homes of a group are tied to one size.

Simplifications: the dispatch is cyclic (each store ends where it starts, its level free), so
the sized scenario is written with ``community.storage_end: cyclic``; battery power costs
nothing beyond the battery's kWh (``economics`` prices batteries per kWh installed) but a
tie-break (:data:`POWER_TIEBREAK_RATIO`) that picks the least power doing the same; EV
chargers are one per vehicle (as the scenario models a fleet), so they are sized with the
vehicles, and the fleets not sized keep their chargers as a fixed cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr

from zerodistrict.analysis import economics as econ_mod
from zerodistrict.design import fleets as fleets_mod
from zerodistrict.dispatch.common import DispatchInputs, Stores
from zerodistrict.dispatch.optimal.capacity import (
    CapacityRange,
    PVCapacity,
    StoreCapacity,
    add_pv_capacity,
    pv_cost,
    sum_terms,
    unit_inputs,
)
from zerodistrict.dispatch.optimal.capacity import (
    sizing as check_capacities,
)
from zerodistrict.dispatch.optimal.model import OptimalModel, _build
from zerodistrict.dispatch.optimal.problem import _problem
from zerodistrict.dispatch.optimal.solve import _check
from zerodistrict.errors import InputError
from zerodistrict.scenario.economics import default_economics
from zerodistrict.scenario.models import Battery, PVArray, Scenario
from zerodistrict.scenario.sizing import check_sizing_names

#: cost of a kW of battery power as a share of a kWh's (assumption): economics prices batteries per kWh only,
#: so without it any power up to the bound is optimal; this picks the least power that does the same
POWER_TIEBREAK_RATIO = 1e-6

#: objective ``co2``: weight of the annualised cost [kg-CO2 per currency unit] that breaks ties between
#: designs of equal CO2 in favour of the cheaper (assumption: small against any district's CO2)
CO2_COST_TIEBREAK = 1e-9


@dataclass(frozen=True)
class CostFactors:
    """Annualised cost of one currency unit of capital [1/yr]: ``(1 + R)/A + o``, batteries with replacements."""

    battery: float
    other: float
    annuity_years: float  # A [yr]
    period_share: float  # share of a year the period covers

    @classmethod
    def from_economics(cls, econ, period_share: float) -> CostFactors:
        r, n = econ.discount_rate, econ.lifetime_years
        a = econ_mod.annuity_factor(r, n)
        repl = econ_mod.replacement_factor(r, n, econ.battery_lifetime_years)
        om = econ.om_ratio_per_year
        return cls(battery=(1.0 + repl) / a + om, other=1.0 / a + om, annuity_years=a, period_share=period_share)


@dataclass(frozen=True)
class UnitCosts:
    """Capital per unit of size [currency]: PV per kWp, battery per kWh (``economics``)."""

    pv_per_kwp: float
    battery_per_kwh: float

    @classmethod
    def from_economics(cls, econ) -> UnitCosts:
        items = econ_mod.capex_items(econ, econ_mod.Assets(pv_kwp=1.0, battery_kwh=1.0))
        return cls(pv_per_kwp=float(items["pv"]), battery_per_kwh=float(items["battery"]))


def economics_of(scenario: Scenario):
    """The scenario's unit costs (or its country's); InputError when it has none."""
    if scenario.economics_skipped:
        raise InputError("economics: sizing needs unit costs; the scenario says 'economics: none'")
    return scenario.economics or default_economics(scenario.site.country)


# --------------------------------------------------------------------------- the design space


@dataclass
class DesignSpace:
    """The sizes the LP chooses, in the scenario's terms (per home of a group, per community battery)."""

    pv_groups: list[int]  # home-group index of each sized PV size
    pv_bounds_kwp: np.ndarray  # (k, 2) per home
    battery_groups: list[int]  # home-group index of each sized home battery
    battery_kwh: np.ndarray  # (k, 2) per home
    battery_kw: np.ndarray | None  # (k, 2) per home; None: power fixed at the scenario's
    community: list[int]  # index in community.batteries of each sized store
    community_kwh: np.ndarray  # (c, 2); rows of unsized energy: the scenario's size
    community_kw: np.ndarray  # (c, 2)
    line_kw: tuple[float, float] | None = None  # the line's trunk (None: the scenario's); design/fleets.py
    fleets: list[int] = field(default_factory=list)  # index in community.evs of each sized fleet
    fleet_count: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (k, 2) vehicles


def design_space(scenario: Scenario) -> tuple[DesignSpace, Scenario]:
    """What the ``sizing`` block lets vary, and the scenario at its largest PV with every sized battery present.

    The second is what the LP's inputs are built from: a sized PV group at its roof limit (an
    array with the scenario's geometry, or a default south-facing 30° array when the group has
    none), a sized home battery present (the default :class:`Battery` at 0 kWh when the group
    has none).
    """
    if scenario.sizing is None or scenario.sizing.empty:
        raise InputError("sizing: the scenario has no 'sizing' block saying what may be sized (see docs/scenario.md)")
    check_sizing_names(scenario.sizing, [g.group for g in scenario.homes],
                       [b.name for b in scenario.community.batteries], [e.name for e in scenario.community.evs])
    big = scenario.model_copy(deep=True)
    by_name = {g.group: i for i, g in enumerate(big.homes)}
    pv_groups, pv_b, bat_groups, bat_kwh, bat_kw = [], [], [], [], []
    for i, item in enumerate(scenario.sizing.homes):
        g = by_name[item.group]
        group = big.homes[g]
        if item.pv_kwp is not None:
            top = float(item.pv_max_kwp)
            if item.pv_kwp.min > top:
                raise InputError(f"sizing.homes[{i}].pv_kwp.min {item.pv_kwp.min} exceeds the roof limit {top:g} kWp")
            group.pv = (PVArray(kwp=top) if group.pv is None else group.pv.model_copy(update={"kwp": top}))
            pv_groups.append(g)
            pv_b.append((item.pv_kwp.min, top))
        if item.battery_kwh is not None or item.battery_kw is not None:
            if group.battery is None:
                if item.battery_kw is None or item.battery_kwh is None:
                    raise InputError(f"sizing.homes[{i}]: group {item.group!r} has no battery; give both battery_kwh "
                                     "and battery_kw")
                group.battery = Battery(capacity_kwh=0.0, power_kw=0.0)
            b = group.battery
            bat_groups.append(g)
            bat_kwh.append((item.battery_kwh.min, item.battery_kwh.max) if item.battery_kwh is not None
                           else (b.capacity_kwh, b.capacity_kwh))
            bat_kw.append((item.battery_kw.min, item.battery_kw.max) if item.battery_kw is not None
                          else (b.charge_kw, b.charge_kw))
    names = [b.name for b in scenario.community.batteries]
    comm, c_kwh, c_kw = [], [], []
    for item in scenario.sizing.community:
        j = names.index(item.name)
        b = scenario.community.batteries[j]
        comm.append(j)
        c_kwh.append((item.capacity_kwh.min, item.capacity_kwh.max) if item.capacity_kwh is not None
                     else (b.capacity_kwh, b.capacity_kwh))
        c_kw.append((item.power_kw.min, item.power_kw.max) if item.power_kw is not None else (b.charge_kw, b.charge_kw))
    space = DesignSpace(
        pv_groups=pv_groups, pv_bounds_kwp=np.asarray(pv_b, dtype=float).reshape(-1, 2),
        battery_groups=bat_groups, battery_kwh=np.asarray(bat_kwh, dtype=float).reshape(-1, 2),
        battery_kw=np.asarray(bat_kw, dtype=float).reshape(-1, 2),
        community=comm, community_kwh=np.asarray(c_kwh, dtype=float).reshape(-1, 2),
        community_kw=np.asarray(c_kw, dtype=float).reshape(-1, 2),
    )
    space.line_kw, space.fleets, space.fleet_count = fleets_mod.line_and_fleet_space(scenario, big)
    return space, big


# --------------------------------------------------------------------------- homes of a group as one bus


def group_inputs(inputs: DispatchInputs, counts: list[int]) -> DispatchInputs:
    """The district with each home group as one bus: summed load and PV, one battery of the summed size.

    Exact with lossless sharing when the homes of a group are sized alike (see the module docstring).
    Every home of a group must have a battery or none (true of a scenario: batteries are per group).
    """
    n_g = len(counts)
    onehot = np.zeros((inputs.n_homes, n_g))
    onehot[np.arange(inputs.n_homes), inputs.home_group] = 1.0
    s = inputs.stores
    home_stores = s.at_homes()
    group_of = inputs.home_group[home_stores.location]
    parts = []
    for g in range(n_g):
        members = np.flatnonzero(group_of == g)
        if members.size == 0:
            continue
        if members.size != counts[g]:
            raise InputError(f"sizing: home group {inputs.group_names[g]!r} has a battery in some homes only")
        first = home_stores.select(members[:1])
        add = lambda x: np.asarray([float(x[members].sum())])
        parts.append(replace(first, name=np.asarray([f"{inputs.group_names[g]} batteries"], dtype=object),
                             location=np.asarray([g]), capacity_kwh=add(home_stores.capacity_kwh),
                             charge_power_kw=add(home_stores.charge_power_kw),
                             discharge_power_kw=add(home_stores.discharge_power_kw)))
    stores = Stores.concat(*parts, s.community()) if parts else s.community()
    ratio = np.asarray([inputs.critical_load_ratio[inputs.home_group == g][0] for g in range(n_g)])
    return replace(inputs, load_kw=inputs.load_kw @ onehot, pv_kw=inputs.pv_kw @ onehot, home_group=np.arange(n_g),
                   critical_load_ratio=ratio, stores=stores)


# --------------------------------------------------------------------------- the LP


@dataclass
class SizingModel:
    """The sizing LP of one district: the OptimalModel with capacity variables, and how to read its sizes.

    Attributes
    ----------
    om : OptimalModel
        The dispatch LP with the capacity variables (``pv_capacity``, ``home_battery_*_capacity``,
        ``community_storage_*_capacity``); add constraints to ``om.model`` before :meth:`solve`.
    inputs : DispatchInputs
        The LP's inputs (homes of a group merged into one bus under sharing).
    """

    om: OptimalModel
    inputs: DispatchInputs
    space: DesignSpace
    scenario: Scenario
    counts: np.ndarray  # (G,) homes per group
    grouped: bool
    factors: CostFactors
    units: UnitCosts
    objective: str
    fixed_capex: float  # capital of everything not sized [currency]
    fixed_battery_capex: float  # the batteries' part of it (replaced) [currency]
    capex_weights: dict  # store group → (n,) capital per kWh of each unit's energy capacity (0: not sized)
    pv: PVCapacity | None = None
    weights: np.ndarray | None = None  # typical days: (t,) days each step stands for
    line_capex_per_kw: float = 0.0  # sized line: capital per kW of trunk [currency]
    fleet_capex_per_vehicle: float = 0.0  # sized fleets: capital per vehicle with its charger [currency]
    notes: list[str] = field(default_factory=list)

    @property
    def model(self):
        return self.om.model

    def capex_expression(self):
        """Capital cost of the sized parts [currency] as a linear expression (None: no cost); add :attr:`fixed_capex`."""
        m = self.model
        terms = []
        if self.space.pv_groups:
            k = m.variables["pv_capacity"]
            w = self.units.pv_per_kwp * self.counts[self.space.pv_groups]
            terms.append((_da1(w, k) * k).sum())
        for name, w in self.capex_weights.items():
            e = m.variables[f"{name}_energy_capacity"]
            terms.append((_da1(w, e) * e).sum())
        if "line_capacity" in m.variables:
            terms.append(self.line_capex_per_kw * m.variables["line_capacity"])
        if "ev_fleet_count" in m.variables:
            terms.append((self.fleet_capex_per_vehicle * m.variables["ev_fleet_count"]).sum())
        return sum_terms(terms)

    def solve(self, solver_options: dict | None = None) -> SizingModel:
        self.om.solve(solver_options)
        return self

    def sizes(self) -> dict:
        """Chosen sizes per home of each group and per community battery, with units."""
        m, sp, sc = self.model, self.space, self.scenario
        out: dict = {"homes": {}, "community": {}}
        if sp.pv_groups:
            k = np.asarray(m.variables["pv_capacity"].solution.values, dtype=float)
            for g, value in zip(sp.pv_groups, k):
                out["homes"].setdefault(sc.homes[g].group, {})["pv_kwp"] = _clean(value)
        if sp.battery_groups:
            caps = self.om.capacities()["home_battery"]
            slot = self._home_slots()
            for g in sp.battery_groups:
                i = slot[g]
                d = out["homes"].setdefault(sc.homes[g].group, {})
                d["battery_kwh"] = _clean(caps["energy_kwh"][i] / self._homes_per_unit(g))
                d["battery_kw"] = _clean(caps["power_kw"][i] / self._homes_per_unit(g))
        if sp.community:
            caps = self.om.capacities()["community_storage"]
            for j in sp.community:
                out["community"][sc.community.batteries[j].name] = {
                    "capacity_kwh": _clean(caps["energy_kwh"][j]), "power_kw": _clean(caps["power_kw"][j])}
        return out | fleets_mod.line_and_fleet_sizes(m, sc, sp.fleets)

    def _home_slots(self) -> np.ndarray:
        """(G,) the LP's home-battery unit of each group (its first home's without grouping)."""
        if self.grouped:
            return np.arange(self.counts.size)
        return np.r_[0, np.cumsum(self.counts)[:-1]]

    def _homes_per_unit(self, g: int) -> float:
        return float(self.counts[g]) if self.grouped else 1.0


def _clean(value: float) -> float:
    """A size as the solver returns it, with noise below 1e-9 (and −0) set to 0."""
    return 0.0 if abs(value) < 1e-9 else float(value)


def _da1(values: np.ndarray, var) -> xr.DataArray:
    dim = var.dims[0]
    return xr.DataArray(np.asarray(values, dtype=float), coords=[var.indexes[dim]])


def _ranges(bounds: np.ndarray, fixed: np.ndarray, sized: list[int], scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit ``(lower, upper)``: sized units within ``bounds × scale``, the others fixed at ``fixed``."""
    lower, upper = fixed.astype(float).copy(), fixed.astype(float).copy()
    for row, u in enumerate(sized):
        lower[u], upper[u] = bounds[row, 0] * scale[u], bounds[row, 1] * scale[u]
    return lower, upper


def _store_capacity(energy: tuple, power: tuple, capex_per_kwh: np.ndarray, annual: float) -> StoreCapacity:
    return StoreCapacity(energy_kwh=CapacityRange(*energy, cost_per_unit=capex_per_kwh * annual),
                         power_kw=CapacityRange(*power, cost_per_unit=POWER_TIEBREAK_RATIO * capex_per_kwh * annual))


def build_sizing(scenario: Scenario, inputs: DispatchInputs, space: DesignSpace, objective: str = "cost",
                 tariff_objective: str = "bill", *, weights: np.ndarray | None = None, day_steps: int | None = None,
                 period_share: float | None = None) -> SizingModel:
    """The sizing LP over ``inputs`` (built from :func:`design_space`'s scenario), ready for targets and solving.

    ``tariff_objective``: the operating cost, ``bill`` (the tariff's monthly structure) or
    ``energy_cost`` (step prices; typical days, whose clustered days have no months).
    Typical days (:mod:`~zerodistrict.design.typical`): ``weights`` (t,) the days each step stands
    for, ``day_steps`` the steps of a day (each store ends each day where it started it) and
    ``period_share`` the share of a year the whole period covers (default: from ``inputs.index``).
    """
    if objective not in ("cost", "co2"):
        raise InputError(f"--objective: use cost or co2, got {objective!r}")
    econ = economics_of(scenario)
    fleets_mod.check_prices(econ, space.line_kw, space.fleets)
    fixed_inputs = inputs
    if space.fleets:
        inputs, fleet_arrays = fleets_mod.pooled_inputs(inputs, scenario, space.fleets, space.fleet_count)
    counts = np.asarray([g.count for g in scenario.homes])
    grouped = bool(inputs.sharing)
    notes = []
    if grouped and inputs.line_loss_ratio > 0:
        notes.append("lossy line: the homes of a group are one bus in the sizing LP, so the losses between them are "
                     "left out (the full-year re-simulation has them)")
    if not grouped:
        notes.append("without sharing every home keeps its own bus and meter (a large LP); a battery's PV-only "
                     "charging is bounded by the roof limit's PV, not the PV built")
    lp_inputs = group_inputs(inputs, list(counts)) if grouped else inputs
    if period_share is None:
        period_share = 1.0 / econ_mod.annualisation_factor(inputs.index, inputs.step_hours)
    factors = CostFactors.from_economics(econ, period_share)
    units = UnitCosts.from_economics(econ)
    annual = period_share * (CO2_COST_TIEBREAK if objective == "co2" else 1.0)
    lp_objective = _check(lp_inputs, "co2" if objective == "co2" else tariff_objective)
    group_of_unit = np.arange(counts.size) if grouped else inputs.home_group
    capacities: dict[str, StoreCapacity] = {}
    capex_weights: dict[str, np.ndarray] = {}
    home = lp_inputs.stores.per_home(lp_inputs.n_homes, steps=False)
    if space.battery_groups:
        units_of = [int(u) for g in space.battery_groups for u in np.flatnonzero(group_of_unit == g)]
        rows = [space.battery_groups.index(int(group_of_unit[u])) for u in units_of]
        scale = counts.astype(float) if grouped else np.ones(lp_inputs.n_homes)
        capex_weights["home_battery"] = np.zeros(home.n)
        capex_weights["home_battery"][units_of] = units.battery_per_kwh
        capacities["home_battery"] = _store_capacity(
            _ranges(space.battery_kwh[rows], home.capacity_kwh, units_of, scale),
            _ranges(space.battery_kw[rows], home.charge_power_kw, units_of, scale),
            capex_weights["home_battery"], factors.battery * annual)
    if space.community:
        comm = lp_inputs.stores.community()
        capex_weights["community_storage"] = np.zeros(comm.n)
        capex_weights["community_storage"][space.community] = units.battery_per_kwh
        ones = np.ones(comm.n)
        capacities["community_storage"] = _store_capacity(
            _ranges(space.community_kwh, comm.capacity_kwh, space.community, ones),
            _ranges(space.community_kw, comm.charge_power_kw, space.community, ones),
            capex_weights["community_storage"], factors.battery * annual)
    p = _problem(lp_inputs, lp_objective, aggregate=False)
    p.accounts = float(max(inputs.n_homes, 1))  # the district's households, whatever the buses
    if weights is not None:
        if p.tariff is not None:
            raise InputError("typical days: use the energy_cost operating cost (a tariff's months do not map onto them)")
        p.import_weight = p.import_weight * weights
        p.export_weight = p.export_weight * weights
    sized = check_capacities(capacities, p, _problem(unit_inputs(lp_inputs), lp_objective, aggregate=False))
    m = _build(p, sized)
    if day_steps:
        add_daily_cycles(m, day_steps)
    line_per_kw = econ.line_per_kw or 0.0
    per_vehicle = econ.ev_charger_per_unit + econ.ev_per_vehicle
    fleet = None if not space.fleets else fleets_mod.fleet_capacity(
        fleet_arrays, space.fleet_count, per_vehicle * factors.other * annual,
        (econ.ev_trip_fallback_per_kwh or 0.0) * (CO2_COST_TIEBREAK if objective == "co2" else 1.0), weights,
        serve_all=objective == "co2")
    fleets_mod.add_line_and_fleets(m, p, space.line_kw, line_per_kw * factors.other * annual, fleet)
    if space.pv_groups:
        pv_index = {g: i for i, g in enumerate(space.pv_groups)}
        bus_group = np.asarray([pv_index.get(int(g), -1) for g in group_of_unit])
        top = space.pv_bounds_kwp[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            unit_kw = np.where(bus_group[None, :] >= 0,
                               lp_inputs.pv_kw / np.where(bus_group >= 0, top[np.maximum(bus_group, 0)], 1.0), 0.0)
        unit_kw = np.nan_to_num(unit_kw)
        # cost per kWp of one home × the homes of the group
        pv = PVCapacity(group=bus_group, unit_kw=unit_kw, size=CapacityRange(
            lower=space.pv_bounds_kwp[:, 0], upper=top,
            cost_per_unit=units.pv_per_kwp * factors.other * annual * counts[space.pv_groups]))
        add_pv_capacity(m, p, pv)
        m.add_objective(m.objective.expression + pv_cost(m, pv), overwrite=True)
    else:
        pv = None
    om = OptimalModel(lp_inputs, p, m, sized, whole_period=True)
    fixed, fixed_battery = fixed_capex(scenario, fixed_inputs, space, econ, units)
    return SizingModel(om=om, inputs=lp_inputs, space=space, scenario=scenario, counts=counts, grouped=grouped,
                       factors=factors, units=units, objective=objective, fixed_capex=fixed,
                       fixed_battery_capex=fixed_battery, capex_weights=capex_weights, pv=pv, weights=weights,
                       notes=notes, line_capex_per_kw=line_per_kw, fleet_capex_per_vehicle=per_vehicle)


def add_daily_cycles(m, day_steps: int) -> None:
    """Typical days: every store ends each day where it started it, ``e_s(end of day d) = e_s(end of day d+1)``.

    (The LP's cyclic condition closes the last day on the first.) One constraint per store group over
    the days, not one per day: linopy builds a constraint in milliseconds of overhead each.
    """
    for name in ("home_battery_soc", "community_storage_soc"):
        if name not in m.variables:
            continue
        soc = m.variables[name]
        ends = np.arange(day_steps - 1, soc.sizes["time"] - day_steps, day_steps)  # each day's end but the last
        if ends.size:
            # fillna: no end in ``ends`` reaches past the last step; it only tells linopy so (no semantics warning)
            m.add_constraints((soc - soc.shift(time=-day_steps).fillna(0)).isel(time=ends) == 0.0,
                              name=f"{name}_daily_cyclic")


def sized_annual_capital(sm: SizingModel) -> float:
    """The sized capacities' annualised capital and O&M over the period [currency] (whatever the objective)."""
    f, m, total = sm.factors, sm.model, 0.0
    if sm.space.pv_groups:
        k = np.asarray(m.variables["pv_capacity"].solution.values, dtype=float)
        total += float((k * sm.counts[sm.space.pv_groups]).sum()) * sm.units.pv_per_kwp * f.other
    for name, w in sm.capex_weights.items():
        e = np.asarray(m.variables[f"{name}_energy_capacity"].solution.values, dtype=float)
        total += float((w * e).sum()) * f.battery
    if "line_capacity" in m.variables:
        total += float(m.variables["line_capacity"].solution) * sm.line_capex_per_kw * f.other
    if "ev_fleet_count" in m.variables:
        total += float(m.variables["ev_fleet_count"].solution.sum()) * sm.fleet_capex_per_vehicle * f.other
    return total * f.period_share


def fixed_capex(scenario: Scenario, inputs: DispatchInputs, space: DesignSpace, econ,
                units: UnitCosts) -> tuple[float, float]:
    """Capital cost of what is not sized, and the batteries' part of it [currency].

    Fixed PV, fixed batteries, EV chargers (:func:`~zerodistrict.analysis.economics.store_capex`) and the line;
    ``inputs`` one column per home.
    """
    kwp = np.asarray([g.pv.kwp if g.pv is not None else 0.0 for g in scenario.homes], dtype=float)
    kwp[space.pv_groups] = 0.0
    counts = np.asarray([g.count for g in scenario.homes])
    stores = inputs.stores
    group = np.where(stores.at_community, -1, inputs.home_group[np.maximum(stores.location, 0)])
    sized = ~stores.at_community & np.isin(group, space.battery_groups)
    sized[np.flatnonzero(stores.at_community)[space.community]] = True
    for idx in fleets_mod.fleet_store_indices(stores, scenario, space.fleets):
        sized[idx] = True
    store = econ_mod.store_capex(econ, stores.select(~sized))
    line = econ_mod.line_capex(econ, inputs.n_homes, inputs.sharing, inputs.line_capacity_kw)
    total = units.pv_per_kwp * (kwp * counts).sum() + sum(v.sum() for v in store.values()) + float(line)
    return float(total), float(store["battery"].sum())


def fixed_annual_cost(sm: SizingModel) -> float:
    """Annualised cost of the fixed capital over the period [currency] (its batteries with replacements)."""
    f = sm.factors
    other = sm.fixed_capex - sm.fixed_battery_capex
    return (other * f.other + sm.fixed_battery_capex * f.battery) * f.period_share


__all__ = ["CostFactors", "DesignSpace", "SizingModel", "UnitCosts", "build_sizing", "design_space",
           "economics_of", "fixed_annual_cost", "fixed_capex", "group_inputs"]
