"""The optimal-dispatch LP of zerodistrict built independently in PyPSA (reference for tests and benchmarks).

One bus per home and one community bus; no aggregation. Components:

- every home: a Load, a PV Generator (``p_max_pu`` = its profile, curtailable at zero cost),
  two unserved-load Generators (non-critical at VOLL, critical at k·VOLL), and
  - with sharing: a Link home ⇄ community (one bidirectional lossless Link, or with line
    losses a Link home → community with efficiency ``1 − loss`` and one community → home);
  - without sharing: its own grid import / export Generators (the district limits, if finite,
    bind the sum of meters through ``extra_functionality``);
- every store of ``inputs.stores`` (home battery at its home's bus, community battery or EV
  at the community bus): its own bus with a Store (``e_cyclic``, ``e_min_pu``, ``e_max_pu``),
  a charge Link (``p_nom`` = charge power, efficiency η_c) and a discharge Link
  (``p_nom`` = discharge power/η_d, efficiency η_d, so the AC output is capped at the
  discharge power); the Links follow availability and a Load on the store's bus takes each
  trip's energy at departure;
- the community bus: grid import Generator (marginal cost = import price or emission
  factor), export Generator with negative output (``p_min_pu = −min(limit, PV)/p_nom``,
  marginal cost = export price), mobility Load with its unserved Generator.

``grid_charging: false`` becomes a bound on the charge Link without sharing and a
``extra_functionality`` constraint (Σ charge ≤ district PV) with sharing. PyPSA is a
dev/bench dependency only; the package never imports this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa

from zerodistrict.dispatch.common import DispatchInputs, Stores
from zerodistrict.dispatch.optimal import CRITICAL_PENALTY_MULTIPLE, value_of_lost_load

pypsa.options.api.legacy_string_dtype = True


def _series(n: pypsa.Network, values: np.ndarray, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(values, dtype=float).reshape(len(n.snapshots), len(names)),
                        index=n.snapshots, columns=names)


def _big_kw(inputs: DispatchInputs) -> float:
    """A finite p_nom standing in for 'unlimited' that no optimal flow can reach [kW]."""
    powers = inputs.stores.charge_power_kw.sum() + inputs.stores.discharge_power_kw.sum()
    peak = (inputs.load_kw.sum(axis=1) + inputs.pv_kw.sum(axis=1) + inputs.mobility_load_kw).max()
    return float(2.0 * (peak + powers) + 1.0)


def _add_bounded_generator(n, names, buses, profile_kw, marginal_cost) -> None:
    """Generators whose output is bounded by ``profile_kw`` (t, k) at a constant cost."""
    p_nom = np.maximum(profile_kw.max(axis=0), 1e-9)
    n.add("Generator", names, bus=buses, p_nom=p_nom, marginal_cost=marginal_cost,
          p_max_pu=_series(n, profile_kw / p_nom, names))


def _add_storage(n, at_bus: list[str], b: Stores, charge_pu: np.ndarray, step_hours: float = 1.0) -> list[str]:
    """Store + charge/discharge Links per store with capacity > 0; returns the charge Link names of
    stores that may not charge from the grid."""
    idx = np.flatnonzero(b.capacity_kwh > 0)
    if idx.size == 0:
        return []
    names = [f"store {b.name[i]}" for i in idx]
    buses = [f"{nm} bus" for nm in names]
    n.add("Bus", buses)
    n.add("Store", names, bus=buses, e_nom=b.capacity_kwh[idx], e_min_pu=b.min_soc_ratio[idx],
          e_max_pu=b.max_soc_ratio[idx], e_cyclic=True)
    ch = [f"{nm} charge" for nm in names]
    dis = [f"{nm} discharge" for nm in names]
    avail = b.available[:, idx].astype(float)
    n.add("Link", ch, bus0=[at_bus[i] for i in idx], bus1=buses, p_nom=b.charge_power_kw[idx],
          efficiency=b.charge_efficiency[idx], p_max_pu=_series(n, charge_pu[:, idx], ch))
    eta_d = b.discharge_efficiency[idx]
    n.add("Link", dis, bus0=buses, bus1=[at_bus[i] for i in idx], p_nom=b.discharge_power_kw[idx] / eta_d,
          efficiency=eta_d, p_max_pu=_series(n, avail, dis))
    if b.trip_kwh[:, idx].any():
        trips = [f"{nm} trip" for nm in names]
        n.add("Load", trips, bus=buses, p_set=_series(n, b.trip_kwh[:, idx] / step_hours, trips))
    return [c for c, i in zip(ch, idx) if not b.grid_charging[i]]


def _add_meter(n, name: str, bus: str, inputs: DispatchInputs, weights, pv_kw: np.ndarray, big: float) -> None:
    """Grid import and export Generators at ``bus``; export bounded by the PV behind the meter."""
    grid = inputs.grid_available.astype(float)
    imp_nom = inputs.import_limit_kw if np.isfinite(inputs.import_limit_kw) else big
    n.add("Generator", [f"{name} import"], bus=bus, p_nom=imp_nom,
          p_max_pu=_series(n, grid, [f"{name} import"]),
          marginal_cost=_series(n, weights[0], [f"{name} import"]))
    export_kw = np.minimum(inputs.export_limit_kw, pv_kw) * grid * float(inputs.export_allowed)
    if export_kw.max(initial=0.0) > 0:
        p_nom = export_kw.max()
        n.add("Generator", [f"{name} export"], bus=bus, p_nom=p_nom, p_min_pu=_series(n, -export_kw / p_nom,
              [f"{name} export"]), p_max_pu=0.0, marginal_cost=_series(n, weights[1], [f"{name} export"]))


def build_pypsa_network(inputs: DispatchInputs, objective: str = "cost") -> pypsa.Network:
    """The dispatch problem of ``inputs`` as a PyPSA network (see module docstring)."""
    n = pypsa.Network()
    n.set_snapshots(pd.RangeIndex(inputs.n_steps, name="snapshot"))
    n.snapshot_weightings.loc[:, :] = inputs.step_hours
    dt = inputs.step_hours
    n_h = inputs.n_homes
    voll = value_of_lost_load(inputs, objective)
    big = _big_kw(inputs)
    weights = ((inputs.emission_factor_kg_per_kwh, np.zeros(inputs.n_steps)) if objective == "co2"
               else (inputs.import_price, inputs.export_price))
    homes = [f"home{i}" for i in range(n_h)]
    n.add("Bus", ["community"] + homes)
    n.add("Load", [f"{h} load" for h in homes], bus=homes,
          p_set=_series(n, inputs.load_kw, [f"{h} load" for h in homes]))
    _add_bounded_generator(n, [f"{h} pv" for h in homes], homes, inputs.pv_kw, 0.0)
    critical = inputs.load_kw * inputs.critical_load_ratio[None, :]
    _add_bounded_generator(n, [f"{h} shed" for h in homes], homes, inputs.load_kw - critical, voll)
    _add_bounded_generator(n, [f"{h} shed critical" for h in homes], homes, critical,
                           CRITICAL_PENALTY_MULTIPLE * voll)
    if inputs.mobility_load_kw.any():
        n.add("Load", ["mobility"], bus="community", p_set=_series(n, inputs.mobility_load_kw, ["mobility"]))
        _add_bounded_generator(n, ["mobility shed"], ["community"], inputs.mobility_load_kw[:, None], voll)
    loss = float(inputs.line_loss_ratio)
    if inputs.sharing and loss == 0.0:
        n.add("Link", [f"{h} line" for h in homes], bus0=homes, bus1="community", p_nom=big, p_min_pu=-1.0)
    elif inputs.sharing:
        n.add("Link", [f"{h} line out" for h in homes], bus0=homes, bus1="community", p_nom=big,
              efficiency=1.0 - loss)
        n.add("Link", [f"{h} line in" for h in homes], bus0="community", bus1=homes, p_nom=big)
    if inputs.sharing:
        _add_meter(n, "grid", "community", inputs, weights, inputs.pv_kw.sum(axis=1), big)
    else:
        for i, h in enumerate(homes):
            _add_meter(n, f"{h} grid", h, inputs, weights, inputs.pv_kw[:, i], big)
        _add_meter(n, "grid", "community", inputs, weights, np.zeros(inputs.n_steps), big)
    b = inputs.stores
    charge_pu = b.available.astype(float)
    if not inputs.sharing:  # no grid charging on its own meter: a home store charges ≤ own PV, the bus's not at all
        home = np.maximum(b.location, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = b.charge_power_kw
            own = np.where(p > 0, np.minimum(1.0, inputs.pv_kw[:, home] / np.where(p > 0, p, 1)), 0)
        own = np.where(b.at_community[None, :], 0.0, own)
        charge_pu = charge_pu * np.where(b.grid_charging[None, :], 1.0, own)
    at_bus = [homes[i] if i >= 0 else "community" for i in b.location]
    no_grid = _add_storage(n, at_bus, b, charge_pu, step_hours=dt)
    n.meta["zerodistrict"] = {"no_grid_charging_links": no_grid if inputs.sharing else [],
                              "separate_meters": not inputs.sharing}
    return n


def build_pypsa_aggregated(inputs: DispatchInputs, objective: str = "cost") -> pypsa.Network:
    """The network zerodistrict itself solves under lossless sharing, in PyPSA: one district bus.

    Our exact reduction (:func:`zerodistrict.dispatch.optimal.problem._problem`, mode ``merged``)
    gives the district's load, PV, critical load and the battery classes; PyPSA gets them as one
    bus with one Load, one PV Generator, the unserved-load Generators (their bounds as in our
    LP, zero where shedding is never optimal), the grid import and export Generators and a
    Store with charge and discharge Links per battery class and per community store (the same
    components as :func:`build_pypsa_network`). It needs lossless sharing and a cyclic storage end.
    """
    from zerodistrict.dispatch.optimal.problem import _problem

    if not inputs.sharing or inputs.line_loss_ratio > 0:
        raise ValueError("the aggregated network needs lossless sharing")
    p = _problem(inputs, "co2" if objective == "co2" else "energy_cost", aggregate=True)
    n = pypsa.Network()
    n.set_snapshots(pd.RangeIndex(p.n_steps, name="snapshot"))
    n.snapshot_weightings.loc[:, :] = p.step_hours
    big = _big_kw(inputs)
    bus = "district"
    n.add("Bus", [bus])
    load = p.load_kw[:, 0] + p.mobility_kw
    n.add("Load", ["load"], bus=bus, p_set=_series(n, load, ["load"]))
    _add_bounded_generator(n, ["pv"], [bus], p.pv_kw, 0.0)
    _add_bounded_generator(n, ["shed"], [bus], (p.load_kw[:, 0] - p.critical_kw[:, 0] + p.mobility_kw)[:, None], p.voll)
    _add_bounded_generator(n, ["shed critical"], [bus], p.critical_kw, CRITICAL_PENALTY_MULTIPLE * p.voll)
    grid = (p.import_ub_kw > 0).astype(float)
    imp_nom = float(np.max(np.where(np.isfinite(p.import_ub_kw), p.import_ub_kw, big), initial=big))
    n.add("Generator", ["grid import"], bus=bus, p_nom=imp_nom,
          p_max_pu=_series(n, np.minimum(p.import_ub_kw, imp_nom) / imp_nom * grid, ["grid import"]),
          marginal_cost=_series(n, p.import_weight, ["grid import"]))
    if p.export_ub_kw.max(initial=0.0) > 0:
        x_nom = float(p.export_ub_kw.max())
        n.add("Generator", ["grid export"], bus=bus, p_nom=x_nom, p_max_pu=0.0,
              p_min_pu=_series(n, -p.export_ub_kw / x_nom, ["grid export"]),
              marginal_cost=_series(n, p.export_weight, ["grid export"]))
    no_grid = []
    for group, s in (("class", p.home), ("community", p.community)):
        idx = np.flatnonzero(s.capacity_kwh > 0)
        if idx.size == 0:
            continue
        names = [f"{group} {i}" for i in idx]
        buses = [f"{nm} bus" for nm in names]
        n.add("Bus", buses)
        n.add("Store", names, bus=buses, e_nom=s.capacity_kwh[idx], e_min_pu=s.min_kwh[idx] / s.capacity_kwh[idx],
              e_cyclic=True)
        ch, dis = [f"{nm} charge" for nm in names], [f"{nm} discharge" for nm in names]
        c_nom = np.maximum(s.charge_kw[:, idx].max(axis=0), 1e-9)
        d_nom = np.maximum(s.discharge_kw[:, idx].max(axis=0), 1e-9)
        n.add("Link", ch, bus0=bus, bus1=buses, p_nom=c_nom, efficiency=s.eta_c[idx],
              p_max_pu=_series(n, s.charge_kw[:, idx] / c_nom, ch))
        n.add("Link", dis, bus0=buses, bus1=bus, p_nom=d_nom / s.eta_d[idx], efficiency=s.eta_d[idx],
              p_max_pu=_series(n, s.discharge_kw[:, idx] / d_nom, dis))
        if s.trip_kwh[:, idx].any():
            trips = [f"{nm} trip" for nm in names]
            n.add("Load", trips, bus=buses, p_set=_series(n, s.trip_kwh[:, idx] / p.step_hours, trips))
        no_grid += [c for c, i in zip(ch, idx) if not s.grid_charging[i]]
    n.meta["zerodistrict"] = {"no_grid_charging_links": no_grid, "separate_meters": False}
    return n


def _extra_functionality(inputs: DispatchInputs):
    """Constraints PyPSA has no attribute for: shared no-grid-charging and district limits over meters."""

    def extra(n: pypsa.Network, snapshots) -> None:
        m = n.model
        info = n.meta["zerodistrict"]
        links = info["no_grid_charging_links"]
        if links:
            p = m["Link-p"].sel(name=links).sum("name")
            m.add_constraints(p <= pd.Series(inputs.pv_kw.sum(axis=1), index=snapshots), name="no_grid_charging")
        if info["separate_meters"]:
            gens = n.generators.index
            for kind, limit in (("import", inputs.import_limit_kw), ("export", inputs.export_limit_kw)):
                names = [g for g in gens if g.endswith(f"grid {kind}")]
                if np.isfinite(limit) and names:
                    total = m["Generator-p"].sel(name=names).sum("name")
                    if kind == "import":
                        m.add_constraints(total <= limit, name="district_import_limit")
                    else:
                        m.add_constraints(total >= -limit, name="district_export_limit")

    return extra


def solve_pypsa(inputs: DispatchInputs, objective: str = "cost", solver_options: dict | None = None,
                network: pypsa.Network | None = None) -> float:
    """Optimise the PyPSA network of ``inputs`` with HiGHS; return its objective value.

    Raises RuntimeError unless the solve is optimal.
    """
    n = build_pypsa_network(inputs, objective) if network is None else network
    options = {"output_flag": False, **(solver_options or {})}
    status, condition = n.optimize(solver_name="highs", solver_options=options,
                                   extra_functionality=_extra_functionality(inputs), log_to_console=False)
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"PyPSA: HiGHS did not find an optimum (status {status!r}, {condition!r})")
    return float(n.objective)
