"""Small DispatchInputs built directly from arrays, for dispatch and analysis tests; the Misono preset with a sizing block."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from zerodistrict.dispatch.common import COMMUNITY_BUS, DispatchInputs, Stores
from zerodistrict.scenario.loading import load_scenario, scenario_from_dict


def storage(n: int, capacity_kwh=0.0, power_kw=0.0, eta_c=0.95, eta_d=0.95, min_ratio=0.1, init_ratio=0.5,
            grid_charging=True, *, charge_power_kw=None, discharge_power_kw=None, max_ratio=1.0,
            kind="battery", names=None) -> Stores:
    """n stores of one kind (no time axis yet: :func:`inputs` places them and makes them always available)."""
    charge = power_kw if charge_power_kw is None else charge_power_kw
    discharge = power_kw if discharge_power_kw is None else discharge_power_kw
    return Stores.create(0, name=names or [f"{kind} {i}" for i in range(n)], kind=kind, capacity_kwh=capacity_kwh,
                         charge_power_kw=charge, discharge_power_kw=discharge, charge_efficiency=eta_c,
                         discharge_efficiency=eta_d, min_soc_ratio=min_ratio, max_soc_ratio=max_ratio,
                         initial_soc_ratio=init_ratio, grid_charging=grid_charging)


def evs(n_t: int, n_e: int = 0, battery_kwh=40.0, charger_kw=6.0, bidirectional=True, trip_every=0,
        trip_kwh=8.0, away_steps=4) -> Stores:
    """n_e shared EVs on the community bus, each leaving every ``trip_every`` steps for ``away_steps``."""
    available = np.ones((n_t, n_e), dtype=bool)
    trips = np.zeros((n_t, n_e))
    if trip_every and n_e:
        for start in range(trip_every, n_t, trip_every):
            trips[start, :] = trip_kwh
            available[start:start + away_steps, :] = False
    return Stores.create(n_t, name=[f"ev {i}" for i in range(n_e)], kind="ev", capacity_kwh=battery_kwh,
                         charge_power_kw=charger_kw, discharge_power_kw=np.where(bidirectional, charger_kw, 0.0),
                         charge_efficiency=0.92, discharge_efficiency=0.92, min_soc_ratio=0.2, initial_soc_ratio=0.8,
                         available=available, trip_kwh=trips)


def _placed(s: Stores, n_t: int, location, names: list[str]) -> Stores:
    """``s`` located at ``location``, named ``names``, with ``n_t`` steps (always available if it had none)."""
    n = s.n
    if s.available.shape[0] != n_t:
        s = replace(s, available=np.ones((n_t, n), dtype=bool), trip_kwh=np.zeros((n_t, n)))
    return replace(s, location=np.broadcast_to(np.asarray(location, dtype=int), (n,)).copy(),
                   name=np.array(names, dtype=object))


def inputs(load_kw, pv_kw, *, step_hours=1.0, home_battery=None, community_battery=None, ev=None,
           community_batteries=(), stores=None,
           sharing=True, line_loss_ratio=0.0, grid_available=None, export_allowed=True,
           import_limit_kw=np.inf, export_limit_kw=np.inf, import_price=30.0, export_price=10.0,
           emission=0.5, critical_load_ratio=0.5, outage=None, mobility_load_kw=None) -> DispatchInputs:
    load_kw = np.asarray(load_kw, dtype=float)
    pv_kw = np.asarray(pv_kw, dtype=float)
    n_t, n_h = load_kw.shape
    index = pd.date_range("2025-01-01", periods=n_t, freq=f"{int(step_hours * 60)}min", tz="Asia/Tokyo")
    series = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n_t,)).copy()  # noqa: E731
    if stores is None:
        # home_battery: one store per home (capacity 0: a store of no size, e.g. one to be sized); then the bus
        homes = (_placed(home_battery, n_t, np.arange(n_h), [f"home {h}" for h in range(n_h)])
                 if home_battery is not None else Stores.empty(n_t))
        bus = [community_battery, *community_batteries] if community_battery is not None else list(community_batteries)
        bus = Stores.concat(Stores.empty(n_t), *(_placed(b, n_t, COMMUNITY_BUS, list(b.name)) for b in bus))
        stores = Stores.concat(
            homes,
            _placed(bus, n_t, COMMUNITY_BUS, [f"community battery {k}" for k in range(bus.n)]),
            _placed(ev, n_t, COMMUNITY_BUS, [f"ev {k}" for k in range(ev.n)]) if ev is not None else Stores.empty(n_t),
        )
    return DispatchInputs(
        index=index,
        step_hours=step_hours,
        load_kw=load_kw,
        pv_kw=pv_kw,
        home_group=np.zeros(n_h, dtype=int),
        group_names=["g"],
        critical_load_ratio=np.full(n_h, critical_load_ratio),
        stores=stores,
        mobility_load_kw=series(0.0 if mobility_load_kw is None else mobility_load_kw),
        sharing=sharing,
        line_loss_ratio=line_loss_ratio,
        grid_available=np.ones(n_t, dtype=bool) if grid_available is None else np.asarray(grid_available, dtype=bool),
        export_allowed=export_allowed,
        import_limit_kw=import_limit_kw,
        export_limit_kw=export_limit_kw,
        import_price=series(import_price),
        export_price=series(export_price),
        emission_factor_kg_per_kwh=series(emission),
        currency="JPY",
        outage=None if outage is None else np.asarray(outage, dtype=bool),
    )


def random_district(seed: int, n_t: int = 48, n_h: int = 3, **kw):
    """A small random community: loads, PV with a daily shape, batteries of mixed sizes, ToU prices."""
    rng = np.random.default_rng(seed)
    hour = np.arange(n_t) % 24
    sun = np.clip(np.sin(np.pi * (hour - 6) / 12), 0, None)
    load = rng.uniform(0.2, 2.0, (n_t, n_h))
    pv = sun[:, None] * rng.uniform(0.0, 5.0, n_h)[None, :]
    cap = rng.choice([0.0, 5.0, 10.0], n_h)
    battery = storage(n_h, cap, cap * rng.choice([0.5, 0.3], n_h), eta_c=0.95, eta_d=0.9, min_ratio=0.1)
    price = np.where((hour >= 8) & (hour < 22), 35.0, 20.0)
    defaults = dict(home_battery=battery, import_price=price, export_price=8.0, emission=0.45)
    defaults.update(kw)
    return inputs(load, pv, **defaults)


MISONO_SIZING = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 8},
                            "battery_kwh": {"min": 0, "max": 10}, "battery_kw": {"min": 0, "max": 5}}],
                 "community": [{"name": "central", "capacity_kwh": {"min": 0, "max": 400}, "power_kw": {"min": 0, "max": 150}}]}


def sized_misono(days: int = 7, sizing: dict | None = None, start: str = "2025-05-01", mobility: bool = False, **changes):
    """The Misono preset over a few days (without its bicycles unless asked), with a sizing block."""
    d = load_scenario("saitama-misono").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": start, "days": days}
    d["sizing"] = MISONO_SIZING if sizing is None else sizing
    if not mobility:
        d.pop("mobility", None)
    d.update(changes)
    return scenario_from_dict(d)
