"""Household electricity load profiles from archetypes.

What is modelled
----------------
Each home's average power in every step [kW] is the sum of three components
times a noise factor,

.. math::

    P_{t,j} = \\left[ B_w(h_t - s_j) + \\kappa^{heat}_j \\, HDH_t \\, w^{heat}(h_t - s_j)
               + \\kappa^{cool}_j \\, CDH_t \\, w^{cool}(h_t - s_j) \\right] \\, \\varepsilon_{t,j}

then scaled per home so that the column's energy equals the requested annual
energy pro rata of the period:

* :math:`B_w(h)` — appliance base by hour of day, a weekday and a weekend
  table [kW] (fridge, standby, cooking, lighting, TV, washing, fans);
* :math:`HDH_t = \\max(T^{heat}_{b} - \\tilde T_t, 0)` and
  :math:`CDH_t = \\max(\\tilde T_t - T^{cool}_{b}, 0)` — heating and cooling
  degree-hours [K] of the air temperature smoothed by the building's thermal
  lag (:math:`\\tilde T` is an exponential moving average of ``temp_air_c``);
* :math:`w^{heat}(h), w^{cool}(h)` — the share of homes heating or cooling at
  that hour of day (mornings and evenings for a Japanese house, the sleeping
  hours for a Malaysian terrace house), and :math:`\\kappa` the sensitivities
  [kW/K];
* per home :math:`j`: a shift :math:`s_j` of all routines (±1 h on a
  15-minute grid), a log-normal appliance level and log-normal heating and
  cooling sensitivities, and a smooth multiplicative noise
  :math:`\\varepsilon_{t,j} = \\exp(\\sigma z_{t,j})`, z an AR(1) series of unit
  variance (uniform innovations, see :func:`_smooth_noise`).

Main simplifications
--------------------
* Hour-of-day tables are step means; a step takes the piecewise-linear
  interpolation between hour centres at its midpoint, so 15-minute steps
  are a smoothed version of the hourly shape (the mean day of 200 homes agrees
  with the hourly run to within 1.5 % at every hour).
* Weekday/weekend only: public holidays (Golden Week, Obon, Hari Raya) are
  treated as the weekday they fall on.
* Heating/cooling respond to outdoor air temperature only (no sun, humidity
  or occupancy feedback); the thermal lag is one time constant per archetype.
* Every home is normalised to the same annual energy, so per-home "scale"
  only changes the mix of base and heating/cooling, not the annual total.
* The noise is a statistical texture, not appliance switching events: single
  homes are smoother than real 1-minute data (peaks of kettles, ovens).

The archetypes' numbers are in ``catalog/data/load_archetypes.yaml``, each
with its source and year or marked ``assumption``; the sources ([S3] Japanese
household survey FY2021, [L1] ANRE saving menus, [L2] GfK HEMS study 2015,
[K1] Aqilah et al., [K6] Kubota et al. 2011) are in docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from zerodistrict import catalog
from zerodistrict.errors import InputError
from zerodistrict.scenario.base import clock_hours, parse_clock

if TYPE_CHECKING:  # pandas loads where a profile is built: validating an archetype name stays light
    import pandas as pd

__all__ = [
    "ARCHETYPES",
    "Archetype",
    "GroupLoad",
    "appliance_load_kw",
    "archetype_load_kw",
    "building_zone",
    "daily_profile_shape",
    "get_archetype",
    "group_load",
    "water_heater_kw",
]

#: per-home routine shifts are drawn on this grid [h] within ±SHIFT_MAX_H
SHIFT_STEP_H = 0.25
SHIFT_MAX_H = 1.0  # the brief's "±1 h"; assumption


@dataclass(frozen=True)
class Archetype:
    """Parameters of one household archetype; ``sources`` cites every field.

    Hour-of-day tables have 24 entries: entry ``h`` is the mean over the
    local clock hour ``h:00``–``h+1:00``.
    """

    name: str
    description: str
    annual_kwh: float  #: [kWh/yr] typical annual use of one home
    base_weekday_kw: tuple[float, ...]  #: [kW] appliance base by hour, Mon–Fri
    base_weekend_kw: tuple[float, ...]  #: [kW] appliance base by hour, Sat–Sun
    heat_balance_c: float  #: [°C] heating starts below this smoothed air temperature
    heat_kw_per_k: float  #: [kW/K] heating power per degree below balance, at schedule weight 1
    heat_schedule: tuple[float, ...]  #: [0–1] share of homes heating, by hour
    cool_balance_c: float  #: [°C] cooling starts above this smoothed air temperature
    cool_kw_per_k: float  #: [kW/K] cooling power per degree above balance, at schedule weight 1
    cool_schedule: tuple[float, ...]  #: [0–1] share of homes cooling, by hour
    thermal_lag_h: float  #: [h] time constant of the air-temperature smoothing
    level_sigma: float  #: log-normal sigma of a home's appliance level
    hvac_sigma: float  #: log-normal sigma of a home's heating / cooling sensitivity
    noise_sigma: float  #: log-normal sigma of the smooth multiplicative noise
    noise_corr_h: float  #: [h] correlation time of that noise
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in ("base_weekday_kw", "base_weekend_kw", "heat_schedule", "cool_schedule"):
            table = getattr(self, name)
            if len(table) != 24 or min(table) < 0:
                raise ValueError(f"archetype {self.name}: {name} needs 24 values ≥ 0")
        if min(self.base_weekday_kw) <= 0 or min(self.base_weekend_kw) <= 0:
            raise ValueError(f"archetype {self.name}: the appliance base must be > 0 at every hour")
        missing = {f.name for f in fields(self)} - {"name", "description", "sources"} - set(self.sources)
        if missing:
            raise ValueError(f"archetype {self.name}: no source given for {sorted(missing)}")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


#: the built-in archetypes by name, read on first use from ``catalog/data/load_archetypes.yaml``
ARCHETYPES: Mapping[str, Archetype] = catalog.LazyTable(catalog.archetypes)


# --------------------------------------------------------------------------- lookup


def get_archetype(name: str, field: str = "homes[].load.archetype") -> Archetype:
    """The archetype called ``name``; an :class:`InputError` naming ``field`` if unknown."""
    try:
        return ARCHETYPES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(ARCHETYPES))
        raise InputError(f"{field}: unknown archetype {name!r}; known: {known}") from None


def daily_profile_shape(archetype: str) -> pd.DataFrame:
    """The archetype's hour-of-day tables, for documentation and plots.

    Returns
    -------
    pandas.DataFrame
        Indexed by hour 0–23, columns ``base_weekday_kw``, ``base_weekend_kw``
        [kW] and ``heat_schedule``, ``cool_schedule`` [0–1].
    """
    import pandas as pd

    arch = get_archetype(archetype)
    return pd.DataFrame(
        {
            "base_weekday_kw": arch.base_weekday_kw,
            "base_weekend_kw": arch.base_weekend_kw,
            "heat_schedule": arch.heat_schedule,
            "cool_schedule": arch.cool_schedule,
        },
        index=pd.RangeIndex(24, name="hour"),
    )


# --------------------------------------------------------------------------- time helpers


def _step_hours(index: pd.DatetimeIndex) -> float:
    """Step length [h], the median spacing of the index (its ``freq`` if it has one step)."""
    if len(index) >= 2:
        # timedeltas, not asi8: the index's unit may be ns, us, ms or s
        step_s = float(np.median((index[1:] - index[:-1]).total_seconds()))
    elif len(index) == 1 and index.freq is not None:
        import pandas as pd

        step_s = pd.Timedelta(index.freq).total_seconds()
    else:
        raise ValueError("index: need at least two time steps (or a freq) to derive the step length")
    if step_s <= 0:
        raise ValueError("index: time steps must increase")
    return step_s / 3600.0


def _clock_hours(index: pd.DatetimeIndex) -> np.ndarray:
    """Local clock time of each step start [h after midnight]."""
    return np.asarray(index.hour + index.minute / 60.0 + index.second / 3600.0, dtype=np.float64)


def _period_fraction(index: pd.DatetimeIndex, step_h: float) -> float:
    """Sum over steps of step length / length of the step's calendar year [-]."""
    year_h = np.where(np.asarray(index.is_leap_year), 8784.0, 8760.0)
    return float(np.sum(step_h / year_h))


def _interp_daily(table: tuple[float, ...], hour: np.ndarray) -> np.ndarray:
    """Piecewise-linear value of an hourly table at clock ``hour`` [h], knots at hour centres."""
    values = np.asarray(table, dtype=np.float64)
    u = np.mod(hour - 0.5, 24.0)
    i0 = np.floor(u).astype(np.intp) % 24
    frac = u - np.floor(u)
    return values[i0] * (1.0 - frac) + values[(i0 + 1) % 24] * frac


def first_order_filter(b0: float, a1: float, x: np.ndarray, z0: float) -> np.ndarray:
    """The first-order recursive filter ``y[n] = b0·x[n] − a1·y[n−1]``, ``y[−1]`` given through ``z0``.

    Step for step the floating-point operations of ``scipy.signal.lfilter([b0], [1, a1], x, zi=[z0])[0]``
    (transposed direct form II: ``y[n] = z + b0·x[n]``, then ``z = x[n]·0 − a1·y[n]``), so the result is
    the same to the last bit (tested), without importing scipy.signal (about 0.3 s, with scipy.stats).

    Parameters
    ----------
    b0, a1 : float
        Feed-forward gain and feedback coefficient [-].
    x : numpy.ndarray
        Input, shape (t,).
    z0 : float
        Initial state: the first output is ``z0 + b0·x[0]``.

    Returns
    -------
    numpy.ndarray
        Output, shape (t,).
    """
    out = np.empty(len(x))
    z = float(z0)
    b0, a1 = float(b0), float(a1)
    for n, xn in enumerate(np.asarray(x, dtype=np.float64).tolist()):
        y = z + b0 * xn
        out[n] = y
        z = xn * 0.0 - y * a1
    return out


def _smoothed_temperature(temp_air_c: np.ndarray, step_h: float, lag_h: float) -> np.ndarray:
    """Exponential moving average of air temperature [°C], started at the first day's mean."""
    alpha = 1.0 - np.exp(-step_h / lag_h)
    first_day = temp_air_c[: max(1, round(24.0 / step_h))].mean()
    return first_order_filter(alpha, alpha - 1.0, temp_air_c, (1.0 - alpha) * first_day)


# --------------------------------------------------------------------------- components


def _shift_grid_h() -> np.ndarray:
    n = round(SHIFT_MAX_H / SHIFT_STEP_H)
    return np.arange(-n, n + 1) * SHIFT_STEP_H


def _component_tables(
    arch: Archetype, index: pd.DatetimeIndex, temp_air_c: np.ndarray, step_h: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base, heating and cooling power for each routine shift [kW], each (t, n_shifts).

    Heating and cooling are for a home of the archetype's nominal sensitivity.
    """
    midpoint_h = _clock_hours(index) + step_h / 2.0
    hour = midpoint_h[:, None] - _shift_grid_h()[None, :]
    weekend = np.asarray(index.day_of_week >= 5)[:, None]
    base = np.where(weekend, _interp_daily(arch.base_weekend_kw, hour), _interp_daily(arch.base_weekday_kw, hour))
    temp_c = _smoothed_temperature(temp_air_c, step_h, arch.thermal_lag_h)[:, None]
    heat = arch.heat_kw_per_k * np.maximum(arch.heat_balance_c - temp_c, 0.0) * _interp_daily(arch.heat_schedule, hour)
    cool = arch.cool_kw_per_k * np.maximum(temp_c - arch.cool_balance_c, 0.0) * _interp_daily(arch.cool_schedule, hour)
    return base, heat, cool


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], sigma: float, corr_h: float, step_h: float
) -> np.ndarray:
    """A smooth multiplicative factor exp(σ z) of shape (t, n), float32.

    z is an AR(1) series of unit variance and correlation time ``corr_h``,
    z_t = φ z_{t-1} + √(1-φ²) e_t, started stationary. The innovations e are
    uniform of unit variance rather than Gaussian: four times cheaper to draw,
    and after the filter and the per-home normalisation the difference does
    not matter. The recursion runs over time (the state forces it) and is
    vectorised over homes, in place.
    """
    phi = np.float32(np.exp(-step_h / corr_h))
    gain = np.float32(np.sqrt(1.0 - phi * phi))
    z = rng.random(shape, dtype=np.float32)
    z -= np.float32(0.5)
    z *= np.float32(np.sqrt(12.0))
    for i in range(1, shape[0]):
        row = z[i]
        row *= gain
        row += phi * z[i - 1]
    z *= np.float32(sigma)
    return np.exp(z, out=z)


# --------------------------------------------------------------------------- public


def archetype_load_kw(
    archetype: str,
    annual_kwh: float,
    count: int,
    index: pd.DatetimeIndex,
    temp_air_c: np.ndarray,
    seed: int,
) -> np.ndarray:
    """Electricity load of ``count`` homes of one archetype.

    Parameters
    ----------
    archetype : str
        Name in :data:`ARCHETYPES` (``jp-detached``, ``my-terrace``).
    annual_kwh : float
        Energy of each home over a full calendar year. [kWh]
    count : int
        Number of homes (columns).
    index : pandas.DatetimeIndex
        Step starts in local time (tz-aware); the step length is derived
        from the index (e.g. 60 or 15 minutes).
    temp_air_c : numpy.ndarray
        Outdoor air temperature of each step, shape (t,). [°C]
    seed : int
        Seed of the homes' random variation; equal seeds give equal homes.

    Returns
    -------
    numpy.ndarray
        Shape (t, count), float64: average power of each step of each home
        [kW], ≥ 0. Each column's energy is exactly ``annual_kwh`` × the sum
        over steps of (step length / length of the step's calendar year), i.e.
        ``annual_kwh`` for a full year, leap or not.

    Raises
    ------
    InputError
        If ``archetype`` is unknown.
    """
    arch = get_archetype(archetype)
    if count < 0 or annual_kwh < 0:
        raise ValueError(f"count ({count}) and annual_kwh ({annual_kwh}) must be ≥ 0")
    temp_air_c = np.asarray(temp_air_c, dtype=np.float64)
    if temp_air_c.shape != (len(index),):
        raise ValueError(f"temp_air_c: shape {temp_air_c.shape} does not match the index ({len(index)},)")
    if not np.all(np.isfinite(temp_air_c)):
        raise ValueError("temp_air_c: contains NaN or infinite values")
    step_h = _step_hours(index)
    base, heat, cool = _component_tables(arch, index, temp_air_c, step_h)

    rng = np.random.default_rng(seed)
    shift_idx = rng.integers(0, base.shape[1], size=count)
    level = rng.lognormal(0.0, arch.level_sigma, size=count)
    # a home's level scales all components alike before normalisation, so it acts through its ratio to HVAC
    heat_ratio = rng.lognormal(0.0, arch.hvac_sigma, size=count) / level
    cool_ratio = rng.lognormal(0.0, arch.hvac_sigma, size=count) / level

    # every home is one weighted sum of the shifted component columns: a single (t, 3K) @ (3K, n) product
    n_shift = base.shape[1]
    weights = np.zeros((3, n_shift, count))
    homes = np.arange(count)
    weights[0, shift_idx, homes] = 1.0
    weights[1, shift_idx, homes] = heat_ratio
    weights[2, shift_idx, homes] = cool_ratio
    components = np.concatenate([base, heat, cool], axis=1)
    load_kw = components @ weights.reshape(3 * n_shift, count)
    load_kw *= _smooth_noise(rng, load_kw.shape, arch.noise_sigma, arch.noise_corr_h, step_h)

    target_kwh = annual_kwh * _period_fraction(index, step_h)
    energy_kwh = load_kw.sum(axis=0) * step_h
    load_kw *= target_kwh / energy_kwh
    return load_kw


def _parse_start_h(start: str) -> float:
    try:
        return clock_hours(parse_clock(start)) % 24.0
    except ValueError as exc:
        raise InputError(f"homes[].water_heater.start: {exc}") from None


def water_heater_kw(power_kw: float, hours_per_day: float, start: str, index: pd.DatetimeIndex) -> np.ndarray:
    """A water heater run as one daily block of constant power.

    Parameters
    ----------
    power_kw : float
        Electric input while running. [kW]
    hours_per_day : float
        Length of the daily run, 0–24; the block may cross midnight. [h]
    start : str
        Local clock time the run starts, ``"HH:MM"``.
    index : pandas.DatetimeIndex
        Step starts in local time.

    Returns
    -------
    numpy.ndarray
        Shape (t,): average power of each step [kW]; a step partly inside the
        block gets ``power_kw`` × the covered fraction, so each day's energy is
        ``power_kw × hours_per_day`` [kWh] (on days without a clock change).

    References
    ----------
    Misono phase 3: 100 L hybrid water heater drawing ≈400 W (looop.co.jp 2021,
    docs/sources.md [S2]); its timing is the caller's assumption.
    """
    if power_kw < 0:
        raise InputError(f"homes[].water_heater.power_kw: must be ≥ 0, got {power_kw}")
    if not 0 <= hours_per_day <= 24:
        raise InputError(f"homes[].water_heater.hours_per_day: must be between 0 and 24, got {hours_per_day}")
    start_h = _parse_start_h(start)
    if len(index) == 0:
        return np.zeros(0)
    step_h = _step_hours(index)
    step_start = _clock_hours(index)
    step_end = step_start + step_h
    covered_h = np.zeros(len(index))
    # the block and its copies a day before and after, so every crossing of midnight is seen
    for day in (-24.0, 0.0, 24.0):
        lo = np.maximum(step_start, start_h + day)
        hi = np.minimum(step_end, start_h + day + hours_per_day)
        covered_h += np.maximum(hi - lo, 0.0)
    return power_kw * np.minimum(covered_h / step_h, 1.0)


# --------------------------------------------------------------------------- homes as buildings, households


def appliance_load_kw(archetype: str, annual_kwh: np.ndarray, index: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """Appliance electricity of homes of one archetype: its base tables only (no heating, no cooling).

    Each home gets a routine shift and the smooth noise of :func:`archetype_load_kw`;
    column ``j`` is scaled so its energy is ``annual_kwh[j]`` pro rata of the period.

    Parameters
    ----------
    archetype : str
        Name in :data:`ARCHETYPES`.
    annual_kwh : numpy.ndarray
        Appliance energy of each home over a calendar year, shape (n,). [kWh]
    index : pandas.DatetimeIndex
        Step starts in local time.
    seed : int
        Seed of the homes' shifts and noise.

    Returns
    -------
    numpy.ndarray
        Shape (t, n): average power of each step [kW], ≥ 0.
    """
    arch = get_archetype(archetype)
    annual = np.asarray(annual_kwh, dtype=np.float64).reshape(-1)
    if np.any(annual < 0) or not np.all(np.isfinite(annual)):
        raise InputError("homes[].household.appliance_kwh: every home's energy must be finite and ≥ 0")
    step_h = _step_hours(index)
    midpoint_h = _clock_hours(index) + step_h / 2.0
    hour = midpoint_h[:, None] - _shift_grid_h()[None, :]
    weekend = np.asarray(index.day_of_week >= 5)[:, None]
    base = np.where(weekend, _interp_daily(arch.base_weekend_kw, hour), _interp_daily(arch.base_weekday_kw, hour))
    rng = np.random.default_rng(seed)
    load_kw = base[:, rng.integers(0, base.shape[1], size=annual.size)]
    load_kw *= _smooth_noise(rng, load_kw.shape, arch.noise_sigma, arch.noise_corr_h, step_h)
    load_kw *= annual * _period_fraction(index, step_h) / (load_kw.sum(axis=0) * step_h)
    return load_kw


@dataclass(frozen=True)
class GroupLoad:
    """A home group's electricity [kW], each (t, count); heating and cooling are zero without a building."""

    load_kw: np.ndarray  #: everything but the water heater: appliances + heating + cooling
    heating_kw: np.ndarray
    cooling_kw: np.ndarray


def group_load(group, group_index: int, site, weather: pd.DataFrame, index: pd.DatetimeIndex) -> GroupLoad:
    """The electricity of a home group with an archetype load, a household and/or a building.

    Without building or household: :func:`archetype_load_kw` (every home its
    ``annual_kwh``). With a household: each home's energy is drawn by
    :func:`~zerodistrict.profiles.households.appliance_kwh_per_home`. With a
    building: appliances (:func:`appliance_load_kw`) plus the heating and
    cooling electricity of :func:`~zerodistrict.profiles.thermal.simulate_5r1c`
    with the air conditioner's COP (:func:`~zerodistrict.profiles.thermal.heat_pump_cop`);
    the appliances' heat and the occupants' are internal gains.
    """
    from zerodistrict.profiles import households

    load = group.load
    temp_c = weather["temp_air"].to_numpy(dtype=np.float64)
    seed = load.seed * 7919 + group_index
    n = group.count
    if group.building is None and group.household is None:
        load_kw = archetype_load_kw(load.archetype, load.annual_kwh, n, index, temp_c, seed=seed)
        zeros = np.zeros_like(load_kw)
        return GroupLoad(load_kw, zeros, zeros)
    building, hh = group.building, group.household
    dwelling = catalog.dwellings()[building.dwelling] if building is not None else None
    size = (hh.size if hh is not None else None) or (dwelling.household_size if dwelling is not None else 4)
    mean_kwh = (hh.appliance_kwh if hh is not None else None) or load.annual_kwh
    cv = hh.appliance_cv if hh is not None else None
    if mean_kwh is None or cv is None:
        defaults = households.get_household_defaults(site.country)
        if mean_kwh is None:
            mean_kwh = households.typical_kwh(defaults, size, appliances_only=building is not None)
        if cv is None:
            cv = defaults.appliance_cv
    home_kwh = households.appliance_kwh_per_home(mean_kwh, cv, n, seed=(hh.seed if hh else 0) * 7919 + group_index)
    if building is None:
        load_kw = archetype_load_kw(load.archetype, 1.0, n, index, temp_c, seed=seed) * home_kwh
        zeros = np.zeros_like(load_kw)
        return GroupLoad(load_kw, zeros, zeros)
    appliances_kw = appliance_load_kw(load.archetype, home_kwh, index, seed)
    heating_kw, cooling_kw = _space_conditioning_kw(building, dwelling, size, appliances_kw, site, weather, index)
    return GroupLoad(appliances_kw + heating_kw + cooling_kw, heating_kw, cooling_kw)


def building_zone(building):
    """The :class:`~zerodistrict.profiles.thermal.ThermalZone` of a scenario's ``homes[].building``."""
    from zerodistrict.profiles import thermal

    dwelling = catalog.dwellings()[building.dwelling]
    envelope = catalog.envelopes()[building.envelope or dwelling.envelope]
    return thermal.zone_for(dwelling, envelope, building.floor_area_m2, building.orientation_deg,
                            building.air_changes_per_h, building.shading_factor, building.thermal_mass,
                            building.conditioned_ratio)


def _space_conditioning_kw(building, dwelling, size: int, appliances_kw: np.ndarray, site, weather, index):
    """Heating and cooling electricity [kW] of the homes, each (t, n)."""
    from zerodistrict.profiles import thermal

    zone = building_zone(building)
    ratio = building.conditioned_ratio if building.conditioned_ratio is not None else dwelling.conditioned_ratio
    step_h = _step_hours(index)
    temp_c = weather["temp_air"].to_numpy(dtype=np.float64)
    irradiance = thermal.facade_irradiance_w_m2(weather, site.latitude, site.longitude, site.altitude_m,
                                                zone.facade_azimuth_deg)
    phi_sol_w = thermal.solar_gains_w(zone, irradiance)
    occupants_w = size * thermal.PERSON_HEAT_W * thermal.occupancy_ratio(index, step_h)
    phi_int_w = ratio * (occupants_w[:, None] + thermal.APPLIANCE_HEAT_RATIO * 1000.0 * appliances_kw)
    ac = building.air_conditioner

    def pick(name: str):  # the scenario's air-conditioner field, else the dwelling's default
        value = getattr(ac, name)
        return getattr(dwelling, name) if value is None else value

    heat_c, cool_c = pick("heating_setpoint_c"), pick("cooling_setpoint_c")
    if heat_c > cool_c:
        raise InputError(f"homes[].building.air_conditioner: heating_setpoint_c {heat_c} is above "
                         f"cooling_setpoint_c {cool_c}")
    heat_set = thermal.schedule_setpoints(index, step_h, heat_c, pick("heating_hours"), -np.inf)
    cool_set = thermal.schedule_setpoints(index, step_h, cool_c, pick("cooling_hours"), np.inf)
    capacity_w = pick("capacity_w_m2") * float(zone.floor_m2)
    warmup = min(len(index), round(7 * 24 / step_h))
    result = thermal.simulate_5r1c(zone, temp_c, phi_int_w, phi_sol_w, heat_set, cool_set, capacity_w, capacity_w,
                                   step_h, warmup_steps=warmup)
    cop_heat = thermal.heat_pump_cop(temp_c, heat_c, pick("heating_cop"), "heating")
    cop_cool = thermal.heat_pump_cop(temp_c, cool_c, pick("cooling_cop"), "cooling")
    return result.heating_w / 1000.0 / cop_heat[:, None], result.cooling_w / 1000.0 / cop_cool[:, None]
