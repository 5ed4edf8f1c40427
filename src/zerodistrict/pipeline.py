"""From a scenario to a result: profiles → dispatch → analyses.

This module wires the stages; each stage stays callable on its own.
:func:`build_inputs` turns a validated :class:`~zerodistrict.scenario.Scenario`
into :class:`~zerodistrict.dispatch.common.DispatchInputs` (weather, PV,
loads, EV schedules, prices, emission factors, outages); :func:`run` adds the
dispatch and the analyses and returns a :class:`~zerodistrict.results.Result`.
``run`` first calls :func:`~zerodistrict.scenario.preflight.check_inputs`
(every check that needs no simulation; ``zerodistrict validate`` calls it too).

:func:`build_inputs` works in two steps: :func:`site_profiles` computes what
every design at one site shares (weather, PV per kWp of each array, each
group's load shapes), then the scenario's sizes scale them. A sweep computes
the first step once per :func:`profiles_key` and passes it to :func:`run` of
each design (``profiles=``); a single run computes both.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import pandas as pd

from zerodistrict.analysis import resilience as resilience_mod
from zerodistrict.analysis.appraisal import _home_kwp, appraise, economics_kpis, period_notes, period_warnings
from zerodistrict.analysis.kpis import compute_kpis, homes_table
from zerodistrict.dispatch.common import COMMUNITY_BUS, DispatchInputs, HydrogenInputs, Stores
from zerodistrict.dispatch.rule import dispatch_rule
from zerodistrict.errors import InputError
from zerodistrict.mobility import simulate_mobility
from zerodistrict.profiles import cache as profile_cache
from zerodistrict.profiles import loads as loads_mod
from zerodistrict.profiles import pv as pv_mod
from zerodistrict.profiles import weather as weather_mod
from zerodistrict.profiles.csv_files import read_profile_csv
from zerodistrict.profiles.prices import _clock_mask, grid_prices, price_series
from zerodistrict.results import Result
from zerodistrict.scenario.models import ArchetypeLoad, PVArray, Scenario
from zerodistrict.scenario.preflight import check_inputs, needs_weather

Progress = Callable[[str], None]


def _outage_mask(scenario: Scenario, index: pd.DatetimeIndex) -> np.ndarray:
    mask = np.zeros(len(index), dtype=bool)
    tz = scenario.site.timezone
    step = pd.Timedelta(minutes=scenario.period.step_minutes)
    for i, outage in enumerate(scenario.grid.outages):
        start = pd.Timestamp(outage.start)
        start = start.tz_localize(tz) if start.tzinfo is None else start.tz_convert(tz)
        end = start + pd.Timedelta(hours=outage.hours)
        if end <= index[0] or start >= index[-1] + step:
            raise InputError(f"grid.outages[{i}]: {start.isoformat()} + {outage.hours} h lies outside the period")
        # a step is out when any part of it is inside the outage
        mask |= (index + step > start) & (index < end)
    return mask


def _battery_columns(batteries: list, n_t: int, names: list[str], locations) -> Stores:
    """Stores of kind battery from scenario Battery models, one per item."""
    return Stores.create(
        n_t, name=names, kind="battery", location=locations,
        capacity_kwh=[b.capacity_kwh for b in batteries],
        charge_power_kw=[b.charge_kw for b in batteries], discharge_power_kw=[b.discharge_kw for b in batteries],
        charge_efficiency=[b.charge_efficiency for b in batteries],
        discharge_efficiency=[b.discharge_efficiency for b in batteries],
        min_soc_ratio=[b.min_soc_ratio for b in batteries], max_soc_ratio=[b.max_soc_ratio for b in batteries],
        initial_soc_ratio=[b.initial_soc_ratio for b in batteries],
        grid_charging=[b.grid_charging for b in batteries],
        outage_reserve_kwh=[getattr(b, "outage_reserve_kwh", 0.0) for b in batteries],  # community batteries only
    )


def _ev_stores(scenario: Scenario, index: pd.DatetimeIndex) -> Stores:
    """One store per community vehicle (at the bus): its battery, and when it is away and what each trip takes."""
    fleets = [(ev, k) for ev in scenario.community.evs for k in range(ev.count)]
    n_t = len(index)
    available = np.ones((n_t, len(fleets)), dtype=bool)
    trip_kwh = np.zeros((n_t, len(fleets)))
    for e, (ev, _) in enumerate(fleets):
        for trip in ev.trips:
            away = _clock_mask(index, trip.depart, trip.return_, trip.days)
            available[away, e] = False
            # the trip takes its energy at the first step of each absence
            starts = away & ~np.concatenate([[False], away[:-1]])
            trip_kwh[starts, e] += trip.trip_kwh
    cars = [ev for ev, _ in fleets]
    return Stores.create(
        n_t, name=[f"{ev.name} {k + 1}" for ev, k in fleets], kind="ev", location=COMMUNITY_BUS,
        capacity_kwh=[ev.battery_kwh for ev in cars], charge_power_kw=[ev.charger_kw for ev in cars],
        discharge_power_kw=[ev.charger_kw if ev.bidirectional else 0.0 for ev in cars],
        charge_efficiency=[ev.charge_efficiency for ev in cars],
        discharge_efficiency=[ev.discharge_efficiency for ev in cars],
        min_soc_ratio=[ev.min_soc_ratio for ev in cars], initial_soc_ratio=[ev.initial_soc_ratio for ev in cars],
        grid_charging=True, available=available, trip_kwh=trip_kwh,
    )


def hydrogen_parts(scenario: Scenario, index: pd.DatetimeIndex) -> tuple[Stores, HydrogenInputs | None]:
    """The hydrogen store (energy = hydrogen LHV [kWh]; offtake as its trip energy) and its chain's parameters."""
    from zerodistrict.scenario.hydrogen import H2_LHV_KWH_PER_KG

    h = scenario.community.hydrogen
    n_t = len(index)
    if h is None:
        return Stores.empty(n_t), None
    dt = scenario.period.step_hours
    fc = h.fuel_cell
    store = Stores.create(
        n_t, name=[h.name], kind="hydrogen", location=COMMUNITY_BUS,
        capacity_kwh=h.tank.capacity_kg * H2_LHV_KWH_PER_KG, charge_power_kw=h.electrolyser.power_kw,
        discharge_power_kw=0.0 if fc is None else fc.power_kw, charge_efficiency=h.charge_efficiency,
        discharge_efficiency=1.0 if fc is None else fc.efficiency, min_soc_ratio=0.0,
        initial_soc_ratio=h.tank.initial_ratio, grid_charging=h.grid_charging,
        trip_kwh=(h.offtake_kg(index, dt) * H2_LHV_KWH_PER_KG)[:, None],
    )
    chain = HydrogenInputs(
        min_load_ratio=np.array([h.electrolyser.min_load_ratio]),
        loss_ratio_per_step=np.array([1.0 - (1.0 - h.tank.loss_ratio_per_day) ** (dt / 24.0)]),
        discharge_outage_only=np.array([fc is not None and fc.outage_only]),
        grey_price_per_kg=h.grey_hydrogen.price_per_kg, grey_co2_kg_per_kg=h.grey_hydrogen.co2_kg_per_kg,
        lhv_kwh_per_kg=H2_LHV_KWH_PER_KG, priority=h.priority,
        water_l_per_kg=np.array([h.electrolyser.water_l_per_kg]),
    )
    return store, chain


def _stores(scenario: Scenario, index: pd.DatetimeIndex) -> Stores:
    """Every store: home batteries at their home (homes without one have none), then the community's
    batteries and EVs at the bus, in the scenario's order."""
    n_t = len(index)
    homes = [(g, k, h) for h, (g, k) in enumerate((g, k) for g in scenario.homes for k in range(g.count))]
    with_bat = [(g, k, h) for g, k, h in homes if g.battery is not None]
    comm = scenario.community.batteries
    return Stores.concat(
        _battery_columns([g.battery for g, _, _ in with_bat], n_t,
                         [f"{g.group} {k + 1} battery" for g, k, _ in with_bat], [h for _, _, h in with_bat]),
        _battery_columns(comm, n_t, [b.name for b in comm], COMMUNITY_BUS),
        _ev_stores(scenario, index),
        hydrogen_parts(scenario, index)[0],
    )


@dataclass(frozen=True)
class SiteProfiles:
    """What every design of one site shares: the weather, PV per kWp of each array, each group's load shapes.

    Built once by :func:`site_profiles` and scaled to a design by
    :func:`build_inputs`; a sweep computes it once per distinct :func:`profiles_key`
    and sends it to every worker.

    Attributes
    ----------
    key : str
        :func:`profiles_key` of the scenarios these profiles fit.
    index : pandas.DatetimeIndex
        Step starts in local time.
    weather : pandas.DataFrame or None
        The weather of the period (None when nothing needs it).
    pv_kw_per_kwp : dict
        :func:`_array_key` of a PV array or profile → its AC output [kW per kWp], shape (t,).
    load_kw : dict
        :func:`_load_key` of a home group → its homes' loads [kW], shape (t, count), without water heaters.
    space_conditioning_kw : dict
        :func:`_load_key` of a group with a building → its (heating, cooling) electricity [kW], each
        (t, count), included in ``load_kw``.
    """

    key: str
    index: pd.DatetimeIndex
    weather: pd.DataFrame | None
    pv_kw_per_kwp: dict[str, np.ndarray] = field(default_factory=dict)
    load_kw: dict[str, np.ndarray] = field(default_factory=dict)
    space_conditioning_kw: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _json_key(data) -> str:
    return json.dumps(data, sort_keys=True, default=str)


def _array_key(pv) -> str:
    """A PV array's geometry, losses and inverter (everything but ``kwp``), or a profile's file."""
    return _json_key(pv.model_dump(mode="json", exclude={"kwp"}))


def _load_key(gi: int, group) -> str:
    """What a group's load shapes depend on: its position (the seed offset), size, load model, building, household."""
    extra = [None if part is None else part.model_dump(mode="json") for part in (group.building, group.household)]
    return _json_key([gi, group.count, group.load.model_dump(mode="json")] + (extra if any(extra) else []))


def _profiles_key_data(scenario: Scenario, weather_path: Path | None = None) -> list:
    return [scenario.site.model_dump(mode="json"), scenario.period.model_dump(mode="json"),
            scenario.weather.model_dump(mode="json"), None if weather_path is None else str(weather_path),
            [_load_key(gi, g) for gi, g in enumerate(scenario.homes)],
            sorted({_array_key(g.pv) for g in scenario.homes if g.pv is not None and g.pv.kwp > 0})]


def profiles_key(scenario: Scenario, weather_path: Path | None = None) -> str:
    """Scenarios with equal keys share their :class:`SiteProfiles` (site, period, weather, loads, PV arrays)."""
    return hashlib.sha256(_json_key(_profiles_key_data(scenario, weather_path)).encode()).hexdigest()[:16]


def _cache_key_data(scenario: Scenario, weather_path: Path | None) -> list:
    """:func:`profiles_key`'s data with the groups' and arrays' keys parsed, so that the files they name show."""
    data = _profiles_key_data(scenario, weather_path)
    return data[:4] + [[json.loads(k) for k in data[4]], [json.loads(k) for k in data[5]]]


def _cached_profiles(scenario: Scenario, weather_path: Path | None, index: pd.DatetimeIndex) -> SiteProfiles | None:
    """The :mod:`~zerodistrict.profiles.cache`'s copy of these profiles, or None."""
    got = profile_cache.load(_cache_key_data(scenario, weather_path), len(index))
    if got is None:
        return None
    man, arr = got["manifest"], got["arrays"]
    weather = None if man["weather"] is None else pd.DataFrame(arr["weather"], index=index, columns=man["weather"])
    profiles = SiteProfiles(key=profiles_key(scenario, weather_path), index=index, weather=weather)
    for i, k in enumerate(man["pv"]):
        profiles.pv_kw_per_kwp[k] = arr[f"pv_{i}"]
    for i, k in enumerate(man["load"]):
        profiles.load_kw[k] = arr[f"load_{i}"]
    for i, k in enumerate(man["space_conditioning"]):
        profiles.space_conditioning_kw[k] = (arr[f"heating_{i}"], arr[f"cooling_{i}"])
    return profiles


def _store_profiles(scenario: Scenario, weather_path: Path | None, profiles: SiteProfiles) -> None:
    """Keep ``profiles`` in the cache (only when its weather is plain floats on the period's steps)."""
    weather = profiles.weather
    if weather is not None and not (weather.index.equals(profiles.index) and weather.index.name == profiles.index.name
                                    and all(dt == np.float64 for dt in weather.dtypes)):
        return
    arrays: dict[str, np.ndarray] = {}
    if weather is not None:
        arrays["weather"] = weather.to_numpy()
    man = {"steps": len(profiles.index), "weather": None if weather is None else [str(c) for c in weather.columns],
           "pv": list(profiles.pv_kw_per_kwp), "load": list(profiles.load_kw),
           "space_conditioning": list(profiles.space_conditioning_kw)}
    for i, v in enumerate(profiles.pv_kw_per_kwp.values()):
        arrays[f"pv_{i}"] = v
    for i, v in enumerate(profiles.load_kw.values()):
        arrays[f"load_{i}"] = v
    for i, (heat, cool) in enumerate(profiles.space_conditioning_kw.values()):
        arrays[f"heating_{i}"], arrays[f"cooling_{i}"] = heat, cool
    profile_cache.store(_cache_key_data(scenario, weather_path), man, arrays)


def site_profiles(scenario: Scenario, weather_path: Path | None = None, progress: Progress | None = None) -> SiteProfiles:
    """Weather, PV per kWp of each array and the load shapes of each home group of the scenario."""
    say = progress or (lambda msg: None)
    index = scenario.index()
    cached = _cached_profiles(scenario, weather_path, index)
    if cached is not None:
        say("weather, loads and PV from the cache")
        return cached
    site = scenario.site
    weather = None
    if weather_path is not None or needs_weather(scenario):
        say("weather")
        weather = weather_mod.weather_for(scenario.weather, site, index, override_path=weather_path)
    profiles = SiteProfiles(key=profiles_key(scenario, weather_path), index=index, weather=weather)
    for gi, group in enumerate(scenario.homes):
        say(f"loads and PV of group {group.group} ({group.count} homes)")
        key = _load_key(gi, group)
        if key not in profiles.load_kw:
            if isinstance(group.load, ArchetypeLoad):
                loads = loads_mod.group_load(group, gi, site, weather, index)
                profiles.load_kw[key] = loads.load_kw
                if group.building is not None:
                    profiles.space_conditioning_kw[key] = (loads.heating_kw, loads.cooling_kw)
            else:
                profiles.load_kw[key] = np.repeat(read_profile_csv(group.load.csv, index, "load [kW]")[:, None],
                                                  group.count, axis=1)
        if group.pv is not None and group.pv.kwp > 0:
            key = _array_key(group.pv)
            if key not in profiles.pv_kw_per_kwp:
                if isinstance(group.pv, PVArray):
                    profiles.pv_kw_per_kwp[key] = pv_mod.pv_ac_kw_per_kwp(
                        weather, site.latitude, site.longitude, site.altitude_m, group.pv)
                else:
                    profiles.pv_kw_per_kwp[key] = read_profile_csv(group.pv.profile_csv, index, "PV [kW per kWp]")
    _store_profiles(scenario, weather_path, profiles)
    return profiles


def build_inputs(
    scenario: Scenario,
    weather_path: Path | None = None,
    progress: Progress | None = None,
    mobility_load_kw: np.ndarray | None = None,
    profiles: SiteProfiles | None = None,
) -> DispatchInputs:
    """Profiles and parameters of every home, as arrays ready for a dispatch.

    ``profiles`` are the scenario's :class:`SiteProfiles` when already computed
    (a sweep shares them between designs); they must have the scenario's
    :func:`profiles_key` (ValueError otherwise); None computes them here.
    """
    say = progress or (lambda msg: None)
    if profiles is None:
        profiles = site_profiles(scenario, weather_path, progress=say)
    elif profiles.key != profiles_key(scenario, weather_path):
        raise ValueError("these site profiles were computed for another site, period, weather or load")
    index = profiles.index
    n_t = len(index)
    dt = scenario.period.step_hours
    n_h = scenario.n_homes
    load = np.empty((n_t, n_h))
    pv = np.zeros((n_t, n_h))
    col = 0
    buildings = any(g.building is not None for g in scenario.homes)
    heating_kw, cooling_kw = (np.zeros(n_t), np.zeros(n_t)) if buildings else (None, None)
    for gi, group in enumerate(scenario.homes):
        sl = slice(col, col + group.count)
        load[:, sl] = profiles.load_kw[_load_key(gi, group)]
        if group.building is not None:
            heat, cool = profiles.space_conditioning_kw[_load_key(gi, group)]
            heating_kw += heat.sum(axis=1)
            cooling_kw += cool.sum(axis=1)
        if group.water_heater is not None:
            wh = group.water_heater
            load[:, sl] += loads_mod.water_heater_kw(wh.power_kw, wh.hours_per_day, wh.start, index)[:, None]
        if group.pv is not None and group.pv.kwp > 0:
            pv[:, sl] = (profiles.pv_kw_per_kwp[_array_key(group.pv)] * group.pv.kwp)[:, None]
        col += group.count
    home_group = np.repeat(np.arange(len(scenario.homes)), [g.count for g in scenario.homes])
    grid = scenario.grid
    outage = _outage_mask(scenario, index) if grid.outages else np.zeros(n_t, dtype=bool)
    grid_available = np.full(n_t, grid.connected) & ~outage
    import_price, export_price = grid_prices(scenario, index, load)
    return DispatchInputs(
        index=index,
        step_hours=dt,
        load_kw=load,
        pv_kw=pv,
        home_group=home_group,
        group_names=[g.group for g in scenario.homes],
        critical_load_ratio=np.repeat([g.critical_load_ratio for g in scenario.homes], [g.count for g in scenario.homes]).astype(float),
        stores=_stores(scenario, index),
        mobility_load_kw=np.zeros(n_t) if mobility_load_kw is None else np.asarray(mobility_load_kw, dtype=float),
        sharing=scenario.community.sharing,
        line_loss_ratio=scenario.community.line_loss_ratio,
        line_capacity_kw=np.inf if scenario.community.line_capacity_kw is None else scenario.community.line_capacity_kw,
        grid_available=grid_available,
        export_allowed=grid.export_allowed,
        import_limit_kw=np.inf if grid.import_limit_kw is None else grid.import_limit_kw,
        export_limit_kw=np.inf if grid.export_limit_kw is None else grid.export_limit_kw,
        import_price=import_price,
        export_price=export_price,
        emission_factor_kg_per_kwh=price_series(grid.emission_factor_kg_per_kwh, index, "grid.emission_factor_kg_per_kwh"),
        heating_kw=heating_kw,
        cooling_kw=cooling_kw,
        currency=grid.currency,
        outage=outage if outage.any() else None,
        tariff=grid.tariff,
        storage_end=scenario.community.storage_end,
        hydrogen=hydrogen_parts(scenario, index)[1],
    )


def _hydrogen_kpis(scenario: Scenario, inputs: DispatchInputs, result, period_days: float) -> dict:
    """Hydrogen KPIs, with the levelised cost when costs (scenario or catalog) and an appraisal are at hand."""
    from zerodistrict.analysis.hydrogen import hydrogen_kpis
    from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS
    from zerodistrict.scenario.hydrogen import default_hydrogen_costs

    h = scenario.community.hydrogen
    costs = h.costs or default_hydrogen_costs(scenario.site.country)
    econ = scenario.economics
    if econ is None and not scenario.economics_skipped:
        econ = ECONOMICS_DEFAULTS.get(scenario.site.country.upper())
    if costs is None or econ is None or costs.currency != inputs.currency:
        return hydrogen_kpis(inputs, result, period_days)
    return hydrogen_kpis(inputs, result, period_days, costs, econ.discount_rate, econ.om_ratio_per_year)


#: the optimal dispatch's objectives (:data:`zerodistrict.dispatch.optimal.problem.OBJECTIVES`; written out so that a
#: rule-based run does not import linopy)
OBJECTIVES = ("bill", "energy_cost", "cost", "co2")
#: the options each dispatch accepts, with the values allowed (None: any)
DISPATCH_OPTIONS = {"rule": {}, "optimal": {"objective": OBJECTIVES, "horizon_hours": None}}


def check_dispatch_options(dispatch: str, **options) -> dict:
    """Check the options given for a dispatch before any work; return those that were set (not None).

    An option that the chosen dispatch does not use is an error rather than
    silently ignored (``objective`` or ``horizon_hours`` with ``"rule"``).

    Raises
    ------
    InputError
        An unknown dispatch, an option it does not take, or a value it does not accept.
    """
    if dispatch not in DISPATCH_OPTIONS:
        raise InputError(f"--dispatch: unknown dispatch {dispatch!r}; use rule or optimal")
    allowed = DISPATCH_OPTIONS[dispatch]
    given = {name: value for name, value in options.items() if value is not None}
    for name, value in given.items():
        flag = "--" + name.replace("_", "-")
        if name not in allowed:
            users = [kind for kind, names in DISPATCH_OPTIONS.items() if name in names]
            where = f"applies to --dispatch {' or '.join(users)} only" if users else "is not a dispatch option"
            raise InputError(f"{flag}: {where}, not to --dispatch {dispatch}")
        choices = allowed[name]
        if choices is not None and value not in choices:
            raise InputError(f"{flag}: {value!r} is not one of {', '.join(choices)}")
    if given.get("horizon_hours") is not None:
        from zerodistrict.dispatch.optimal.problem import ROLLING_KEEP_HOURS

        if given["horizon_hours"] < ROLLING_KEEP_HOURS:
            raise InputError(f"--horizon-hours: must be at least {ROLLING_KEEP_HOURS:g} (the hours kept of "
                             f"each window), got {given['horizon_hours']}")
    return given


def run(
    scenario: Scenario,
    dispatch: Literal["rule", "optimal"] = "rule",
    weather_path: Path | None = None,
    progress: Progress | None = None,
    resilience_hours: float | None = 168.0,
    profiles: SiteProfiles | None = None,
    **dispatch_options,
) -> Result:
    """Simulate the scenario over its period and compute its KPIs.

    ``resilience_hours`` is the longest outage of the survival analysis run
    alongside (None or 0 skips it). ``profiles``: the scenario's
    :class:`SiteProfiles` when already computed (see :func:`build_inputs`).
    """
    dispatch_options = check_dispatch_options(dispatch, **dispatch_options)
    say = progress or (lambda msg: None)
    say("checking inputs")
    check_inputs(scenario, weather_path=weather_path)
    mobility = None
    if scenario.mobility is not None:
        say("shared mobility")
        index = scenario.index()
        ef = price_series(scenario.grid.emission_factor_kg_per_kwh, index, "grid.emission_factor_kg_per_kwh")
        mobility = simulate_mobility(scenario.mobility, index, ef)
    inputs = build_inputs(scenario, weather_path=weather_path, progress=say, profiles=profiles,
                          mobility_load_kw=None if mobility is None else mobility.district_charge_kw)
    say(f"{dispatch} dispatch")
    if dispatch == "rule":
        result = dispatch_rule(inputs)
    else:
        from zerodistrict.dispatch.optimal import dispatch_optimal

        result = dispatch_optimal(inputs, **dispatch_options, progress=lambda msg: say(f"optimal dispatch: {msg}"))
    say("KPIs, bills and economics")
    kpis = compute_kpis(inputs, result, scenario.name, float(_home_kwp(scenario).sum()))
    homes = homes_table(inputs, result)
    if mobility is not None:
        kpis = kpis.model_copy(update=mobility.kpis)
    if scenario.community.hydrogen is not None:
        kpis = kpis.model_copy(update=_hydrogen_kpis(scenario, inputs, result, kpis.period_days))
    survival = None
    if inputs.n_homes and resilience_hours:
        say("outage survival for every start hour")
        survival = resilience_mod.analyse(inputs, result, max_hours=resilience_hours)
        kpis = kpis.model_copy(update={
            "critical_survival_hours_mean":
                survival.to_json_dict()["shared" if inputs.sharing else "alone"]["critical_survival_hours_mean"]})
    appraisal = appraise(scenario, inputs, result) if inputs.n_homes and not scenario.economics_skipped else None
    economics = bills = None
    if appraisal is not None:
        economics, per_home, bills = appraisal
        kpis = kpis.model_copy(update=economics_kpis(economics))
        homes = homes.merge(per_home, on="home", how="left")
    notes = [] if economics is None else [*economics.notes, *period_notes(inputs, bills)]
    warnings = [] if economics is None else period_warnings(economics)
    return Result(scenario=scenario, inputs=inputs, dispatch=result, kpis=kpis, homes=homes,
                  mobility=mobility, resilience=survival, economics=economics, bills=bills,
                  notes=notes, warnings=warnings)
