"""Sizing the private line's trunk and the number of shared EVs (the ``sizing`` block's ``line_capacity_kw`` and ``evs``).

**Line.** The trunk between the community bus and the homes
(:func:`~zerodistrict.dispatch.optimal.capacity.add_line_capacity`) gets a capacity ``C`` [kW]
within the block's bounds, at ``economics.line_per_kw`` per kW of capital, annualised like PV
(``1/A + o``). The per-home part of the line (``line_per_home``) stays a fixed cost.

**Shared EVs.** A sized fleet's vehicles become one community store scaled by the number of
vehicles ``N`` (continuous in the LP; :class:`~zerodistrict.dispatch.optimal.capacity.FleetCapacity`).
The trip demand is the scenario's fleet: its ``count`` vehicles, each with the fleet's ``trips``.
A trip the sized fleet does not serve is made another way, priced per kWh of the trip's battery
energy at ``economics.ev_trip_fallback_per_kwh`` (e.g. a taxi ride instead; the mobility models
have no other mode we could price). Each vehicle has its own charger (as the scenario models a
fleet), so the chargers are counted with the vehicles: ``N × (ev_charger_per_unit +
ev_per_vehicle)`` of capital, annualised like PV. With the objective ``co2`` the fleet must serve
every trip (the fallback's CO2 is unknown).

**Rounding.** ``N`` is rounded down and up (each fleet, every combination of at most
:data:`MAX_COMBINATIONS`); each candidate is re-simulated over the whole period with the optimal
dispatch (:func:`~zerodistrict.design.sizing_run.full_year_check`) and costed the same way (bill +
annualised capital + the vehicles + the trips made another way); the cheapest that meets every
target is kept (the cheapest overall when none does, with a note).

**In sized.yaml** a fleet of ``N ≥ count`` vehicles is the scenario's fleet plus a fleet
``<name>-spare`` of ``N − count`` vehicles without trips; ``N < count`` keeps ``N`` vehicles with
the trips, and the other vehicles' trips are the fallback (in ``sizing.json``). Simplification:
the LP pools the fleet's energy (any vehicle may take any trip); sized.yaml's vehicles keep their
own batteries, so the re-simulation may cost a little more than the LP.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import linopy
import numpy as np

from zerodistrict.dispatch.common import DispatchInputs, Stores
from zerodistrict.dispatch.optimal.capacity import (
    CapacityRange,
    FleetCapacity,
    add_fleet_capacity,
    add_line_capacity,
    fleet_cost,
    line_cost,
)
from zerodistrict.errors import InputError
from zerodistrict.scenario.models import Scenario

#: at most this many floor/ceil combinations of the fleets are re-simulated (assumption: 3 fleets); with more
#: fleets each is rounded to the nearest whole vehicle
MAX_COMBINATIONS = 8
#: suffix of the fleet of spare vehicles (no trips) in sized.yaml
SPARE_SUFFIX = "-spare"


# --------------------------------------------------------------------------- the design space


def line_and_fleet_space(scenario: Scenario, big: Scenario) -> tuple[tuple[float, float] | None, list[int], np.ndarray]:
    """``(line bounds or None, sized fleets' indices in community.evs, (k, 2) count bounds)``; edits ``big``.

    ``big`` (the scenario the LP's inputs are built from) gets an unlimited line when the line is
    sized (the LP's variable holds it). InputError for a line without sharing or a fleet of no vehicles.
    """
    sz = scenario.sizing
    line = None
    if sz.line_capacity_kw is not None:
        if not scenario.community.sharing:
            raise InputError("sizing.line_capacity_kw: the homes do not share power (community.sharing: false), "
                             "so there is no line to size")
        line = (sz.line_capacity_kw.min, sz.line_capacity_kw.max)
        big.community.line_capacity_kw = None
    names = [ev.name for ev in scenario.community.evs]
    fleets, counts = [], []
    for i, item in enumerate(sz.evs):
        j = names.index(item.name)
        if scenario.community.evs[j].count < 1:
            raise InputError(f"sizing.evs[{i}]: fleet {item.name!r} has count 0; its count × trips is the trip "
                             "demand to serve, so give count ≥ 1")
        fleets.append(j)
        counts.append((item.count.min, item.count.max))
    return line, fleets, np.asarray(counts, dtype=float).reshape(-1, 2)


def check_prices(econ, line: tuple | None, fleets: list[int]) -> None:
    """InputError unless ``economics`` prices what is sized."""
    if line is not None and econ.line_per_kw is None:
        raise InputError("sizing.line_capacity_kw: economics.line_per_kw is needed to price the line's capacity")
    if fleets and econ.ev_trip_fallback_per_kwh is None:
        raise InputError("sizing.evs: economics.ev_trip_fallback_per_kwh is needed to price the trips the shared "
                         "EVs do not serve")


def fleet_store_indices(stores: Stores, scenario: Scenario, fleets: list[int]) -> list[np.ndarray]:
    """Indices in ``stores`` of each sized fleet's vehicles (EV stores are in the scenario's fleet order)."""
    if not fleets:
        return []
    ev = np.flatnonzero(stores.kind == "ev")
    counts = [e.count for e in scenario.community.evs]
    if ev.size != sum(counts):
        raise InputError("sizing.evs: the EV stores do not match the scenario's fleets")
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(int)
    return [ev[starts[j]:starts[j] + counts[j]] for j in fleets]


# --------------------------------------------------------------------------- the LP


def pooled_inputs(inputs: DispatchInputs, scenario: Scenario, fleets: list[int],
                  bounds: np.ndarray) -> tuple[DispatchInputs, dict]:
    """The inputs with each sized fleet's vehicles one store at the largest fleet, and the per-vehicle data.

    The store: ``N_max`` vehicles' energy and power, floor 0, always available, the fleet's trips summed
    (the relaxation :func:`~zerodistrict.dispatch.optimal.capacity.add_fleet_capacity` tightens).
    """
    s = inputs.stores
    groups = fleet_store_indices(s, scenario, fleets)
    drop = np.zeros(s.n, dtype=bool)
    pooled = {}
    data = {k: [] for k in ("vehicle_kwh", "vehicle_min_kwh", "charge_kw", "discharge_kw", "away", "trip_kwh")}
    for f, idx in enumerate(groups):
        first = s.select(idx[:1])
        top = float(bounds[f, 1])
        data["vehicle_kwh"].append(float(first.max_kwh[0]))
        data["vehicle_min_kwh"].append(float(first.min_kwh[0]))
        data["charge_kw"].append(float(first.charge_power_kw[0]))
        data["discharge_kw"].append(float(first.discharge_power_kw[0]))
        data["away"].append((~s.available[:, idx]).sum(axis=1).astype(float))
        data["trip_kwh"].append(s.trip_kwh[:, idx].sum(axis=1))
        one = lambda x: np.asarray([x], dtype=float)  # noqa: E731
        pooled[int(idx[0])] = replace(
            first, capacity_kwh=one(top * first.capacity_kwh[0]), charge_power_kw=one(top * first.charge_power_kw[0]),
            discharge_power_kw=one(top * first.discharge_power_kw[0]), min_soc_ratio=one(0.0),
            initial_soc_ratio=one(0.0), available=np.ones((s.available.shape[0], 1), dtype=bool),
            trip_kwh=data["trip_kwh"][-1][:, None].copy(), name=np.asarray([f"{first.name[0]} (fleet)"], dtype=object))
        drop[idx] = True
    parts, run = [], []
    for i in range(s.n):
        if i in pooled or drop[i]:
            if run:
                parts.append(s.select(np.asarray(run)))
                run = []
            if i in pooled:
                parts.append(pooled[i])
        else:
            run.append(i)
    if run:
        parts.append(s.select(np.asarray(run)))
    stores = Stores.concat(*parts)
    comm_names = list(stores.community().name)
    unit = [comm_names.index(pooled[i].name[0]) for i in sorted(pooled)]
    arrays = {k: (np.column_stack(v) if k in ("away", "trip_kwh") else np.asarray(v)) for k, v in data.items()}
    return replace(inputs, stores=stores), arrays | {"unit": np.asarray(unit)}


def add_line_and_fleets(m: linopy.Model, p, line: tuple | None, line_cost_per_kw: float, fleet: FleetCapacity | None):
    """Add the sized line and fleets to the sizing LP and their costs to its objective."""
    extra = []
    if line is not None:
        size = CapacityRange(line[0], line[1], line_cost_per_kw)
        add_line_capacity(m, p, size)
        extra.append(line_cost(m, size))
    if fleet is not None:
        add_fleet_capacity(m, p, fleet)
        extra.append(fleet_cost(m, fleet))
    for term in extra:
        m.add_objective(m.objective.expression + term, overwrite=True)


def fleet_capacity(arrays: dict, bounds: np.ndarray, per_vehicle_cost: float, fallback_per_kwh: float,
                   weights: np.ndarray | None, serve_all: bool) -> FleetCapacity:
    """The LP's :class:`FleetCapacity` (``per_vehicle_cost`` for the period in the objective's unit)."""
    trips = arrays["trip_kwh"]
    w = np.ones(trips.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if serve_all:
        short = np.flatnonzero(bounds[:, 1] < arrays["away"].max(axis=0, initial=0.0) - 1e-9)
        if short.size:
            f = int(short[0])
            raise InputError(f"sizing.evs[{f}].count.max: with the objective co2 the fleet serves every trip, which "
                             f"takes {arrays['away'][:, f].max():g} vehicles at once; the bound allows "
                             f"{bounds[f, 1]:g}")
    return FleetCapacity(
        unit=arrays["unit"], vehicle_kwh=arrays["vehicle_kwh"], vehicle_min_kwh=arrays["vehicle_min_kwh"],
        charge_kw=arrays["charge_kw"], discharge_kw=arrays["discharge_kw"], away=arrays["away"], trip_kwh=trips,
        count=CapacityRange(bounds[:, 0], bounds[:, 1], per_vehicle_cost),
        fallback_cost=fallback_per_kwh * (w @ trips), max_unserved_ratio=0.0 if serve_all else 1.0)


# --------------------------------------------------------------------------- sizes, sized.yaml, rounding


def line_and_fleet_sizes(m: linopy.Model, scenario: Scenario, fleets: list[int]) -> dict:
    """``{"line": {"trunk": {"capacity_kw"}}, "evs": {name: {"count", "trips_served_ratio"}}}`` of the solved LP."""
    out: dict = {}
    if "line_capacity" in m.variables:
        out["line"] = {"trunk": {"capacity_kw": _clean(float(m.variables["line_capacity"].solution))}}
    if fleets:
        n = np.asarray(m.variables["ev_fleet_count"].solution.values, dtype=float)
        v = np.asarray(m.variables["ev_fleet_unserved"].solution.values, dtype=float)
        out["evs"] = {scenario.community.evs[j].name: {"count": _clean(n[f]), "trips_served_ratio": _clean(1.0 - v[f])}
                      for f, j in enumerate(fleets)}
    return out


def _clean(value: float) -> float:
    return 0.0 if abs(value) < 1e-9 else float(value)


def apply_line_and_fleets(scenario: Scenario, sizes: dict) -> None:
    """Write the sized line and fleets into ``scenario`` (in place; whole vehicles, see the module docstring)."""
    if "line" in sizes:
        scenario.community.line_capacity_kw = max(float(sizes["line"]["trunk"]["capacity_kw"]), 0.0)
    evs = list(scenario.community.evs)
    for name, d in sizes.get("evs", {}).items():
        j = [e.name for e in evs].index(name)
        fleet = evs[j]
        n = int(round(float(d["count"])))
        evs[j] = fleet.model_copy(update={"count": min(n, fleet.count)})
        if n > fleet.count:
            spare = [k for k, e in enumerate(evs) if e.name == f"{name}{SPARE_SUFFIX}"]
            if spare:  # a sized scenario sized again: its spare vehicles were fixed in the LP, the new ones add
                evs[spare[0]] = evs[spare[0]].model_copy(update={"count": evs[spare[0]].count + n - fleet.count})
            else:
                evs.insert(j + 1, fleet.model_copy(update={"name": f"{name}{SPARE_SUFFIX}", "count": n - fleet.count,
                                                           "trips": []}))
    scenario.community.evs = evs


def rounding_candidates(sizes: dict, bounds: np.ndarray) -> list[dict]:
    """The sizes with every fleet's count rounded down and up (within its bounds), as distinct dicts."""
    names = list(sizes["evs"])
    options = []
    for f, name in enumerate(names):
        x = float(sizes["evs"][name]["count"])
        lo, hi = math.ceil(bounds[f, 0] - 1e-9), math.floor(bounds[f, 1] + 1e-9)
        near = round(x)
        if abs(x - near) < 1e-6:
            opts = [int(near)]
        else:
            opts = sorted({min(max(math.floor(x), lo), hi), min(max(math.ceil(x), lo), hi)})
        options.append(opts)
    if math.prod(len(o) for o in options) > MAX_COMBINATIONS:
        options = [[min(max(int(round(float(sizes["evs"][n]["count"]))), o[0]), o[-1])] for n, o in zip(names, options)]
    out = []
    for combo in itertools.product(*options):
        d = {k: v for k, v in sizes.items() if k != "evs"}
        d["evs"] = {n: sizes["evs"][n] | {"count": float(c), "count_lp": float(sizes["evs"][n]["count"])}
                    for n, c in zip(names, combo)}
        out.append(d)
    return out


def fleet_extra_cost(scenario: Scenario, sizes: dict, econ, factors, period_trip_kwh: dict) -> float:
    """What the re-simulation of a sized scenario does not cost [currency over the period]: the vehicles' own
    price (``ev_per_vehicle``, not in the appraisal) and the trips made another way."""
    total = 0.0
    for name, d in sizes.get("evs", {}).items():
        fleet = next(e for e in scenario.community.evs if e.name == name)
        n = float(d["count"])
        total += n * econ.ev_per_vehicle * factors.other * factors.period_share
        missing = max(fleet.count - n, 0.0) / fleet.count
        total += missing * period_trip_kwh[name] * econ.ev_trip_fallback_per_kwh
    return total


def given_fleet_cost(scenario: Scenario, space, factors) -> float:
    """The scenario's own sized fleets' vehicles (``ev_per_vehicle``), annualised over the period [currency].

    Added to the given design's cost so that it is costed as the sized design is.
    """
    from zerodistrict.design.sizing import economics_of

    econ = economics_of(scenario)
    vehicles = sum(scenario.community.evs[j].count for j in space.fleets)
    return vehicles * econ.ev_per_vehicle * factors.other * factors.period_share


def round_fleets(scenario: Scenario, outcome, space, inputs: DispatchInputs, factors, parsed: list, progress=None,
                 horizon_hours: int | None = None):
    """Re-simulate each rounding of the fleets' counts and keep the cheapest that meets the targets (in place).

    ``outcome``: the :class:`~zerodistrict.design.sizing_run.SizingOutcome` with the LP's continuous counts;
    ``inputs``: the whole period's inputs (the scenario's fleets, for their trip energy).
    """
    from zerodistrict.design import targets as targets_mod
    from zerodistrict.design.sizing import economics_of
    from zerodistrict.design.sizing_run import apply_sizes, full_year_check

    econ = economics_of(scenario)
    groups = fleet_store_indices(inputs.stores, scenario, space.fleets)
    trips = {scenario.community.evs[j].name: float(inputs.stores.trip_kwh[:, idx].sum())
             for j, idx in zip(space.fleets, groups)}
    rows = []
    for sizes in rounding_candidates(outcome.sizes, space.fleet_count):
        sized = apply_sizes(scenario, sizes)
        check = full_year_check(sized, factors, progress=progress, horizon_hours=horizon_hours)
        kpis = check.pop("_kpis")
        extra = fleet_extra_cost(scenario, sizes, econ, factors, trips)
        rows.append({"sizes": sizes, "sized": sized, "check": check, "extra": extra,
                     "cost": check["annual_cost"] + extra, "holds": [targets_mod.holds(t, kpis) for t in parsed]})
    ok = [r for r in rows if all(h for _, h in r["holds"])]
    best = min(ok or rows, key=lambda r: r["cost"])
    rounds = (outcome.full_year or {}).get("rounds")
    outcome.sizes, outcome.sized = best["sizes"], best["sized"]
    outcome.full_year = best["check"] | {
        "rounds": rounds, "annual_cost": best["cost"], "ev_extra_cost": best["extra"],
        "ev_rounding": [{"counts": {n: d["count"] for n, d in r["sizes"]["evs"].items()}, "annual_cost": r["cost"],
                         "targets_met": all(h for _, h in r["holds"])} for r in rows]}
    for row, (value, holds) in zip(outcome.targets, best["holds"]):
        row["full_year_value"], row["holds"] = value, holds
    if not ok:
        outcome.notes.append("shared EVs: no rounding of the fleet sizes meets every target in the re-simulation; "
                             "the cheapest is kept")
    return outcome


__all__ = ["given_fleet_cost", "round_fleets", "MAX_COMBINATIONS", "SPARE_SUFFIX", "add_line_and_fleets", "apply_line_and_fleets", "check_prices",
           "fleet_capacity", "fleet_extra_cost", "fleet_store_indices", "line_and_fleet_sizes", "line_and_fleet_space",
           "pooled_inputs", "rounding_candidates"]
