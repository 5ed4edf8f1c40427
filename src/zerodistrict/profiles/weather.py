"""Weather of a site over a scenario's steps: a synthetic typical year or a file.

Two sources, one output: a DataFrame on the scenario's index (tz-aware local
time, each label the START of its interval) with ``ghi, dni, dhi`` [W/m^2],
``temp_air`` [°C] and ``wind_speed`` [m/s], every value an interval mean.

**Synthetic year** (:func:`synthetic_year`, the offline default) from an
embedded monthly climatology (:data:`CLIMATOLOGIES`):

1. Sun at each interval's midpoint; Ineichen clear sky with pvlib's bundled
   Linke turbidity climatology (Ineichen & Perez 2002; Remund et al. 2003).
2. A daily clear-sky index per local day: a Gaussian AR(1) series (day-to-day
   persistence) mapped through a Beta distribution whose mean is the month's
   climatological clear-sky index (Gaussian copula; an assumption in the
   spirit of the Markov daily-clearness models of Aguiar et al. 1988).
3. Intra-day variability: a multiplicative log-normal AR(1) factor, largest
   on partly cloudy days and zero on clear or overcast ones (assumption).
4. Each month is rescaled so its mean daily GHI equals the climatology's
   exactly, never exceeding 1.1× clear sky in a step (cloud enhancement cap,
   an assumption; brief enhancements above it are averaged out at 15 min).
5. DNI/DHI from the Erbs et al. (1982) diffuse fraction, DNI capped at the
   clear-sky DNI, DHI = GHI − DNI·cos(zenith) so the closure holds exactly.
6. Air temperature: smooth daily means through the monthly means (mean-
   preserving interpolation), day-to-day anomalies (AR(1), partly correlated
   with the day's clearness, recentred to keep each monthly mean), and a
   two-piece cosine diurnal cycle: minimum at sunrise, maximum 1.86 h after
   solar noon (Parton & Logan 1981), range scaled with the day's clearness.
7. Wind: the climatology's mean speed with a Gamma day factor and an
   afternoon peak (assumption; only the cell temperature uses it).

Simplifications: no inter-annual variability, no spatial correlation, no
rain/humidity; irradiance statistics beyond monthly means are assumptions.

**Files** (:func:`weather_for` with an EPW or TMY3 file): the file's typical
year is placed on the scenario's year by calendar position (month, day,
hour, whatever year each row is labelled with), in the file's own UTC offset,
then read at the scenario's actual instants, wrapping around the year end, so
a UTC+7 file serves a UTC+8 site correctly. A leap scenario year with a
8,760-row file repeats 28 February for 29 February; a non-leap year drops a
file's 29 February. Hourly data go to 15-minute steps by a cos(zenith)
shape within each hour (each hour's energy kept exactly) for irradiance and
linear interpolation for temperature and wind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# pvlib (and scipy.special) are imported where used: a run whose profiles come from the cache
# (zerodistrict.profiles.cache) never loads them, 0.3 s of its start
from zerodistrict import catalog
from zerodistrict.errors import InputError
from zerodistrict.geo import great_circle_km
from zerodistrict.profiles.loads import first_order_filter
from zerodistrict.profiles.weather_files import (
    FEB29_HOURS,
    hour_of_leap_year,
    read_weather_file,
)
from zerodistrict.scenario.preflight import CLIMATOLOGY_RADIUS_KM

WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")

#: a synthetic year's annual GHI may differ from its climatology's published annual normal by this share
#: at most (issue 16: "within 3 %"; checked by tests/profiles/test_weather_normals.py)
ANNUAL_GHI_TOLERANCE_RATIO = 0.03

#: [km] the farthest climatology used for a site (the rule checked before a run: scenario.preflight)
SEARCH_RADIUS_KM = CLIMATOLOGY_RADIUS_KM

# Synthetic-year parameters. All are our assumptions unless a source is named.
CLEAR_SKY_CAP_RATIO = 1.1  # step GHI ≤ 1.1 × clear sky (assumption: cloud enhancement)
DAILY_KC_MAX = 1.0  # daily clear-sky index bounded by 1 (assumption)
DAILY_KC_CONCENTRATION = 6.0  # Beta a+b; std ≈ 0.17 at mean 0.7 (assumption)
DAILY_KC_PERSISTENCE = 0.4  # lag-1 autocorrelation of daily clearness (assumption; cf. Aguiar et al. 1988)
INTRADAY_SIGMA = 0.35  # log-std of the intra-day factor at kc = 0.5 (assumption)
INTRADAY_HOURLY_AUTOCORR = 0.6  # hour-to-hour autocorrelation of that factor (assumption)
TEMP_PERSISTENCE = 0.7  # lag-1 autocorrelation of daily mean temperature anomalies (assumption)
TEMP_CLEARNESS_CORR = 0.3  # correlation of temperature anomaly with clearness (assumption)
TEMP_RANGE_CLEARNESS_WEIGHT = 0.5  # share of the diurnal range that follows clearness (assumption)
TEMP_MAX_AFTER_NOON_H = 1.86  # Parton & Logan (1981), lag of the daily maximum after solar noon
WIND_DAY_SHAPE = 4.0  # Gamma shape of the daily wind factor, cv = 0.5 (assumption)
WIND_DIURNAL_AMPLITUDE = 0.3  # afternoon wind peak, ±30 % around 15:00 solar time (assumption)


@dataclass(frozen=True)
class Climatology:
    """Monthly climate normals of one place, enough to synthesise a typical year.

    Attributes
    ----------
    key : str
        Identifier used in scenarios (``weather.climate``).
    name : str
        Place the normals describe.
    latitude, longitude : float
        Of that place [deg], north and east positive.
    ghi_kwh_per_m2_day : tuple of 12 float
        Monthly mean daily global horizontal irradiation, Jan…Dec [kWh/m^2/day].
    temp_air_c : tuple of 12 float
        Monthly mean air temperature [°C].
    temp_range_c : tuple of 12 float or float
        Mean diurnal temperature range (daily max − min) [°C].
    source : str
        Where each series comes from, with its year; approximations say so.
    wind_speed_m_s : float
        Mean wind speed [m/s].
    temp_anomaly_std_c : float
        Standard deviation of daily mean temperature about the smooth
        seasonal cycle [°C].
    ghi_annual_normal_kwh_per_m2 : float, optional
        A published annual global horizontal irradiation of the place
        [kWh/m^2], sourced apart from the monthly series: the synthetic year
        must match it within :data:`ANNUAL_GHI_TOLERANCE_RATIO`
        (tests/profiles/test_weather_normals.py; docs/validation.md).
    """

    key: str
    name: str
    latitude: float
    longitude: float
    ghi_kwh_per_m2_day: tuple[float, ...]
    temp_air_c: tuple[float, ...]
    temp_range_c: tuple[float, ...] | float
    source: str
    wind_speed_m_s: float = 2.0
    temp_anomaly_std_c: float = 1.0
    ghi_annual_normal_kwh_per_m2: float | None = None

    def __post_init__(self) -> None:
        if np.ndim(self.temp_range_c) == 0:
            object.__setattr__(self, "temp_range_c", (float(self.temp_range_c),) * 12)
        for name in ("ghi_kwh_per_m2_day", "temp_air_c", "temp_range_c"):
            values = tuple(float(v) for v in getattr(self, name))
            if len(values) != 12:
                raise ValueError(f"climatology {self.key}: {name} needs 12 monthly values, got {len(values)}")
            object.__setattr__(self, name, values)
        if min(self.ghi_kwh_per_m2_day) <= 0 or min(self.temp_range_c) < 0:
            raise ValueError(f"climatology {self.key}: irradiation must be > 0 and temperature ranges ≥ 0")
        if self.ghi_annual_normal_kwh_per_m2 is not None and self.ghi_annual_normal_kwh_per_m2 <= 0:
            raise ValueError(f"climatology {self.key}: ghi_annual_normal_kwh_per_m2 must be > 0")

    @property
    def annual_ghi_kwh_per_m2(self) -> float:
        """Annual global horizontal irradiation of a 365-day year [kWh/m^2]."""
        days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        return float(np.dot(days, self.ghi_kwh_per_m2_day))


#: Embedded climatologies by key, read on first use from ``catalog/data/climatologies.yaml``
#: (every series with its source and year; see docs/sources.md).
CLIMATOLOGIES: Mapping[str, Climatology] = catalog.LazyTable(catalog.climatologies)


# --------------------------------------------------------------------------- choosing a climatology


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [km] (:func:`zerodistrict.geo.great_circle_km`)."""
    return float(great_circle_km(lat1, lon1, lat2, lon2))


def climatology_for(site, key: str | None = None) -> Climatology:
    """The embedded climatology named ``key``, else the nearest within 150 km of the site.

    Parameters
    ----------
    site : zerodistrict.scenario.Site
        Needs ``name``, ``latitude`` and ``longitude`` [deg].
    key : str, optional
        A key of :data:`CLIMATOLOGIES` (scenario field ``weather.climate``).

    Raises
    ------
    InputError
        Unknown key, or no climatology within 150 km.
    """
    if key is not None:
        if key not in CLIMATOLOGIES:
            raise InputError(f"weather.climate: unknown climatology {key!r}; known: {', '.join(sorted(CLIMATOLOGIES))}")
        return CLIMATOLOGIES[key]
    distances = {
        k: _distance_km(site.latitude, site.longitude, c.latitude, c.longitude) for k, c in CLIMATOLOGIES.items()
    }
    nearest = min(distances, key=distances.get)
    if distances[nearest] > SEARCH_RADIUS_KM:
        raise InputError(
            f"site {site.name} ({site.latitude:g}, {site.longitude:g}): no embedded climatology within 150 km; "
            "give weather: {source: epw, path: FILE} or --weather FILE (an EPW or TMY3 file)"
        )
    return CLIMATOLOGIES[nearest]


# --------------------------------------------------------------------------- time helpers


def step_of(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The step of a regular index (its most common spacing)."""
    if len(index) < 2:
        raise ValueError("the index needs at least two timestamps to define a step")
    if index.freq is not None:
        return pd.Timedelta(index.freq)
    return pd.Timedelta((index[1:] - index[:-1]).value_counts().idxmax())


def _solar_hour(times: pd.DatetimeIndex, longitude: float) -> np.ndarray:
    """Apparent solar time of day [h] (Spencer 1971 equation of time)."""
    utc = times.tz_convert("UTC")
    hours = utc.hour.to_numpy() + utc.minute.to_numpy() / 60 + utc.second.to_numpy() / 3600
    import pvlib
    eot_min = pvlib.solarposition.equation_of_time_spencer71(utc.day_of_year.to_numpy())
    return np.mod(hours + longitude / 15.0 + eot_min / 60.0, 24.0)


#: the last :func:`solar_position` computed in this process: (its arguments, its table)
_LAST_SOLAR_POSITION: list = []


def solar_position(times: pd.DatetimeIndex, latitude: float, longitude: float, altitude_m: float) -> pd.DataFrame:
    """``pvlib.solarposition.get_solarposition(times, latitude, longitude, altitude=altitude_m)`` (NREL SPA).

    The synthetic year and the façade irradiance of the buildings' loads ask for the same sun at the same
    steps; the second asks again of the last table computed in this process (a copy, when every argument is
    equal), rather than running SPA over the year again (about 0.05 s).
    """
    key = (times.asi8.tobytes(), str(times.tz), float(latitude), float(longitude), float(altitude_m))
    if _LAST_SOLAR_POSITION and _LAST_SOLAR_POSITION[0] == key:
        return _LAST_SOLAR_POSITION[1].copy()
    import pvlib
    table = pvlib.solarposition.get_solarposition(times, latitude, longitude, altitude=altitude_m)
    _LAST_SOLAR_POSITION[:] = [key, table.copy()]
    return table


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary unit-variance Gaussian AR(1) series of length ``n``."""
    white = rng.standard_normal(n)
    series = np.empty(n)
    series[0] = white[0]  # start in the stationary distribution
    series[1:] = first_order_filter(math.sqrt(1 - phi**2), -phi, white[1:], phi * white[0])
    return series


def _beta_ppf(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``scipy.stats.beta.ppf(q, a, b)`` for shapes ``a, b > 0``: the same Boost quantile (tested to the bit)
    without importing scipy.stats (about 0.2 s); 0 at ``q = 0``, 1 at ``q = 1``, NaN outside [0, 1]."""
    try:
        from scipy.special._ufuncs import _beta_ppf as quantile
    except ImportError:  # a scipy that moved it: the public route
        from scipy.stats import beta

        return beta.ppf(q, a, b)
    q = np.asarray(q, dtype=float)
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    out = np.where(q == 0, 0.0, np.where(q == 1, 1.0, np.nan))
    inside = (q > 0) & (q < 1)
    out[inside] = quantile(q[inside], a[inside], b[inside])
    return out


def _month_coordinate(local_naive: pd.DatetimeIndex) -> np.ndarray:
    """Position in the seasonal cycle [months], 0 = 1 Jan 00:00, 12 = next 1 Jan."""
    days_in_month = local_naive.days_in_month.to_numpy()
    time_of_day = np.asarray((local_naive - local_naive.normalize()) / pd.Timedelta(days=1), dtype=float)
    day_fraction = (local_naive.day.to_numpy() - 1 + time_of_day) / days_in_month
    return local_naive.month.to_numpy() - 1 + day_fraction


def _smooth_monthly(values12: np.ndarray, coord: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Periodic piecewise-linear curve through mid-month anchors whose monthly means equal ``values12``.

    The anchors solve a 12×12 linear system (monthly mean of the
    interpolant = target), so the curve is smooth yet mean-preserving.
    """
    anchors_x = np.arange(12) + 0.5
    basis = np.empty((12, 12))
    for j in range(12):
        unit = np.zeros(12)
        unit[j] = 1.0
        curve = np.interp(coord, anchors_x, unit, period=12)
        basis[:, j] = np.bincount(month, curve, minlength=12) / np.maximum(np.bincount(month, minlength=12), 1)
    present = np.bincount(month, minlength=12) > 0
    anchors = np.linalg.lstsq(basis[present], np.asarray(values12, dtype=float)[present], rcond=None)[0]
    return np.interp(coord, anchors_x, anchors, period=12)


# --------------------------------------------------------------------------- synthetic year


def _daily_clearness(cs_ghi, day, month, step_h, climatology, rng) -> tuple[np.ndarray, np.ndarray]:
    """Daily clear-sky index (per local day) and its standard-normal driver."""
    n_days = int(day.max()) + 1
    cs_energy = np.bincount(month, cs_ghi, minlength=12) * step_h / 1000.0  # [kWh/m²]
    covered_days = np.bincount(month, minlength=12) * step_h / 24.0
    with np.errstate(invalid="ignore", divide="ignore"):
        kc_month = np.asarray(climatology.ghi_kwh_per_m2_day) * covered_days / cs_energy
    mu = np.clip(np.nan_to_num(kc_month, nan=0.5) / DAILY_KC_MAX, 0.05, 0.95)
    day_month = np.zeros(n_days, dtype=int)
    day_month[day] = month
    z = _ar1(rng, n_days, DAILY_KC_PERSISTENCE)
    a = mu[day_month] * DAILY_KC_CONCENTRATION
    b = (1 - mu[day_month]) * DAILY_KC_CONCENTRATION
    from scipy.special import ndtr
    kc_day = DAILY_KC_MAX * _beta_ppf(ndtr(z), a, b)
    return kc_day, z


def _intraday_factor(kc_day, day, step_h, rng) -> np.ndarray:
    """Mean-one log-normal factor, largest on partly cloudy days."""
    sigma = INTRADAY_SIGMA * 4 * kc_day * (1 - kc_day)
    sigma_t = np.clip(sigma, 0, None)[day]
    eps = _ar1(rng, len(day), INTRADAY_HOURLY_AUTOCORR**step_h)
    return np.exp(sigma_t * eps - sigma_t**2 / 2)


def _rescale_capped(ghi, cap, month, target_kwh, step_h, climatology) -> np.ndarray:
    """Scale each month to its target energy with ``ghi ≤ cap`` (fixed-point iteration)."""
    target_wh = target_kwh * 1000.0 / step_h  # target as a sum of W/m² values
    room = np.bincount(month, cap, minlength=12)
    present = np.bincount(month, minlength=12) > 0
    short = present & (room < target_wh * (1 + 1e-9))
    if short.any():
        m = int(np.flatnonzero(short)[0])
        raise InputError(
            f"weather.climate: climatology {climatology.key!r} month {m + 1}: mean daily GHI "
            f"{climatology.ghi_kwh_per_m2_day[m]} kWh/m²/day exceeds {CLEAR_SKY_CAP_RATIO}× the clear-sky "
            "irradiation at this site; a typical year cannot be synthesised"
        )
    total = np.bincount(month, ghi, minlength=12)
    scale = np.where(total > 0, target_wh / np.where(total > 0, total, 1), 0.0)
    out = ghi
    for _ in range(200):
        out = np.minimum(ghi * scale[month], cap)
        total = np.bincount(month, out, minlength=12)
        ratio = np.where(total > 0, target_wh / np.where(total > 0, total, 1), 1.0)
        if np.all(np.abs(ratio[present] - 1) < 1e-10):
            break
        scale *= ratio
    return out


def _decompose(ghi, zenith, times, dni_clear) -> tuple[np.ndarray, np.ndarray]:
    """DNI and DHI from GHI (Erbs et al. 1982), DNI ≤ clear-sky DNI, exact closure."""
    import pvlib
    dni = pvlib.irradiance.erbs(ghi, zenith, times)["dni"].to_numpy()
    dni = np.clip(np.nan_to_num(dni), 0.0, dni_clear)
    cosz = np.cos(np.radians(zenith))
    dni = np.where(cosz > 0, dni, 0.0)
    dhi = ghi - dni * np.clip(cosz, 0, None)
    return dni, np.clip(dhi, 0.0, None)


def _diurnal_shape(solar_h: np.ndarray, sunrise_h: np.ndarray) -> np.ndarray:
    """Two-piece cosine in [−½, ½]: −½ at sunrise, +½ at solar noon + 1.86 h; daily mean 0."""
    t_max = 12.0 + TEMP_MAX_AFTER_NOON_H
    rise_len = t_max - sunrise_h
    since_rise = np.mod(solar_h - sunrise_h, 24.0)
    rising = since_rise < rise_len
    fall_len = 24.0 - rise_len
    return np.where(
        rising,
        -0.5 * np.cos(np.pi * since_rise / rise_len),
        0.5 * np.cos(np.pi * (since_rise - rise_len) / fall_len),
    )


def _temperature(mid, days, day, month, kc_day, z_kc, latitude, longitude, climatology, rng) -> np.ndarray:
    """Air temperature [°C] at each step; ``days`` are the local dates (naive midnights) ``day`` codes into."""
    n_days = len(kc_day)
    day_month = np.zeros(n_days, dtype=int)
    day_month[day] = month
    # seasonal curves per day, anchored at local noon
    noon = days + pd.Timedelta(hours=12)
    day_coord = _month_coordinate(noon)
    day_mean = _smooth_monthly(np.asarray(climatology.temp_air_c), day_coord, day_month)
    day_range = _smooth_monthly(np.asarray(climatology.temp_range_c), day_coord, day_month)
    # anomalies: correlated with clearness, recentred per month
    z = TEMP_CLEARNESS_CORR * z_kc + math.sqrt(1 - TEMP_CLEARNESS_CORR**2) * _ar1(rng, n_days, TEMP_PERSISTENCE)
    z -= (np.bincount(day_month, z, minlength=12) / np.maximum(np.bincount(day_month, minlength=12), 1))[day_month]
    day_mean = day_mean + climatology.temp_anomaly_std_c * z
    kc_mean = np.bincount(day_month, kc_day, minlength=12) / np.maximum(np.bincount(day_month, minlength=12), 1)
    w = TEMP_RANGE_CLEARNESS_WEIGHT
    day_range = day_range * ((1 - w) + w * kc_day / np.where(kc_mean > 0, kc_mean, 1)[day_month])
    # interpolate daily values through the day (centres at noon) to avoid midnight steps
    origin = days[0]
    pos = np.asarray((mid.tz_localize(None) - origin) / pd.Timedelta(days=1), dtype=float)
    centres = np.asarray((noon - origin) / pd.Timedelta(days=1), dtype=float)
    mean_t = np.interp(pos, centres, day_mean)
    range_t = np.interp(pos, centres, day_range)
    doy = mid.day_of_year.to_numpy()
    import pvlib
    decl = pvlib.solarposition.declination_spencer71(doy)
    cos_w0 = np.clip(-np.tan(np.radians(latitude)) * np.tan(decl), -1.0, 1.0)
    sunrise = 12.0 - np.degrees(np.arccos(cos_w0)) / 15.0
    sunrise = np.minimum(sunrise, 12.0 + TEMP_MAX_AFTER_NOON_H - 1.0)  # polar night: keep a rising limb
    return mean_t + range_t * _diurnal_shape(_solar_hour(mid, longitude), sunrise)


def _wind(mid, day, n_days, longitude, climatology, rng) -> np.ndarray:
    """Wind speed [m/s]: Gamma day factor × afternoon-peaked diurnal cycle."""
    day_factor = rng.gamma(WIND_DAY_SHAPE, 1.0 / WIND_DAY_SHAPE, n_days)
    diurnal = 1 + WIND_DIURNAL_AMPLITUDE * np.cos(2 * np.pi * (_solar_hour(mid, longitude) - 15.0) / 24.0)
    return climatology.wind_speed_m_s * day_factor[day] * diurnal


def synthetic_year(
    index: pd.DatetimeIndex,
    latitude: float,
    longitude: float,
    altitude_m: float,
    climatology: Climatology,
    seed: int,
) -> pd.DataFrame:
    """A stochastic typical year whose monthly mean daily GHI equals the climatology's.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Tz-aware local steps (60 or 15 min); each label is the start of its
        interval, and the sun is evaluated at the interval midpoint.
    latitude, longitude : float
        Site [deg], north and east positive.
    altitude_m : float
        Site altitude [m].
    climatology : Climatology
        Monthly normals to match.
    seed : int
        Seed of the numpy Generator; the same seed gives the same year.

    Returns
    -------
    pandas.DataFrame
        On ``index``: ``ghi, dni, dhi`` [W/m^2], ``temp_air`` [°C],
        ``wind_speed`` [m/s].

    Raises
    ------
    InputError
        A month's climatological GHI exceeds 1.1× the site's clear sky.

    References
    ----------
    .. [1] P. Ineichen and R. Perez, "A new airmass independent formulation
       for the Linke turbidity coefficient", Solar Energy 73(3), 2002.
    .. [2] J. Remund et al., "Worldwide Linke turbidity information",
       ISES Solar World Congress, 2003.
    .. [3] D. G. Erbs, S. A. Klein and J. A. Duffie, "Estimation of the
       diffuse radiation fraction for hourly, daily and monthly-average
       global radiation", Solar Energy 28(4), 1982.
    .. [4] R. Aguiar, M. Collares-Pereira and J. P. Conde, "Simple procedure
       for generating sequences of daily radiation values using a library of
       Markov transition matrices", Solar Energy 40(3), 1988.
    .. [5] W. J. Parton and J. A. Logan, "A model for diurnal variation in
       soil and air temperature", Agricultural Meteorology 23, 1981.
    """
    if index.tz is None:
        raise ValueError("synthetic_year needs a tz-aware index")
    step = step_of(index)
    step_h = step / pd.Timedelta(hours=1)
    mid = index + step / 2
    solpos = solar_position(mid, latitude, longitude, altitude_m)
    import pvlib
    location = pvlib.location.Location(latitude, longitude, tz="UTC", altitude=altitude_m)
    clear = location.get_clearsky(mid, model="ineichen", solar_position=solpos)
    cs_ghi = clear["ghi"].to_numpy()
    zenith = solpos["apparent_zenith"].to_numpy()

    day, days = pd.factorize(index.tz_localize(None).normalize())
    month = index.month.to_numpy() - 1
    day_rng, step_rng, temp_rng, wind_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))

    kc_day, z_kc = _daily_clearness(cs_ghi, day, month, step_h, climatology, day_rng)
    raw = cs_ghi * kc_day[day] * _intraday_factor(kc_day, day, step_h, step_rng)
    covered_days = np.bincount(month, minlength=12) * step_h / 24.0
    target_kwh = np.asarray(climatology.ghi_kwh_per_m2_day) * covered_days
    ghi = _rescale_capped(raw, CLEAR_SKY_CAP_RATIO * cs_ghi, month, target_kwh, step_h, climatology)
    dni, dhi = _decompose(ghi, zenith, mid, clear["dni"].to_numpy())
    temp = _temperature(mid, days, day, month, kc_day, z_kc, latitude, longitude, climatology, temp_rng)
    wind = _wind(mid, day, len(kc_day), longitude, climatology, wind_rng)
    return pd.DataFrame({"ghi": ghi, "dni": dni, "dhi": dhi, "temp_air": temp, "wind_speed": wind}, index=index)


# --------------------------------------------------------------------------- files onto the scenario's year


def _typical_year_hours(data: pd.DataFrame, year: int) -> np.ndarray:
    """The file's rows as one calendar year (hour 0 = 1 Jan 00:00 file time), shape (8760|8784, 5)."""
    pos = hour_of_leap_year(data.index)
    hours = np.full((366 * 24, len(WEATHER_COLUMNS)), np.nan)
    hours[pos] = data.loc[:, list(WEATHER_COLUMNS)].to_numpy(dtype=float)
    if np.isnan(hours[FEB29_HOURS]).all():
        hours[FEB29_HOURS] = hours[FEB29_HOURS - 24]  # 29 Feb repeats 28 Feb
    if not pd.Timestamp(year, 1, 1).is_leap_year:
        hours = np.delete(hours, FEB29_HOURS, axis=0)
    return hours


def _quarter_weights(
    start: pd.Timestamp, n_hours: int, latitude: float, longitude: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mean-one weights of the four quarters of each hour: cos(zenith) shape and sun-up shape."""
    times = start + pd.to_timedelta((np.arange(4 * n_hours) + 0.5) * 15, unit="min")
    utc = times.tz_convert("UTC")
    doy = utc.day_of_year.to_numpy()
    import pvlib
    hour_angle = pvlib.solarposition.hour_angle(utc, longitude, pvlib.solarposition.equation_of_time_spencer71(doy))
    zenith = pvlib.solarposition.solar_zenith_analytical(
        np.radians(latitude), np.radians(hour_angle), pvlib.solarposition.declination_spencer71(doy)
    )
    cosz = np.clip(np.cos(zenith), 0.0, None).reshape(n_hours, 4)
    up = (cosz > 0).astype(float)

    def mean_one(w):
        m = w.mean(axis=1, keepdims=True)
        return np.where(m > 0, w / np.where(m > 0, m, 1), 1.0).ravel()

    return mean_one(cosz), mean_one(up)


def map_typical_year(data: pd.DataFrame, meta: dict, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Place a file's hourly typical year onto ``index`` by calendar position and actual instants.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`~zerodistrict.profiles.weather_files.read_weather_file`:
        hourly rows labelled by interval start in the file's fixed offset.
    meta : dict
        Its metadata (``latitude``, ``longitude`` [deg]).
    index : pandas.DatetimeIndex
        Target steps (tz-aware, interval starts, a whole number of 15-min
        quarters; 60- or 15-minute steps).

    Returns
    -------
    pandas.DataFrame
        ``ghi, dni, dhi, temp_air, wind_speed`` on ``index``. Irradiance is
        the mean of the file's hours over each target interval (hour energy
        kept exactly when split into quarters); temperature and wind are
        interpolated linearly between hour centres at interval midpoints.
    """
    year = index[0].year
    hours = _typical_year_hours(data, year)
    n = len(hours)
    start = pd.Timestamp(year, 1, 1).tz_localize(data.index.tz)
    step = step_of(index)
    quarter = pd.Timedelta(minutes=15)
    q_float = np.asarray((index - start) / quarter, dtype=float)
    q = np.round(q_float).astype(np.int64)
    per_step = step / quarter
    if not (np.allclose(q_float, q) and float(per_step).is_integer()):
        raise ValueError("map_typical_year needs an index on whole 15-minute boundaries")
    per_step = int(per_step)
    out = {}
    if per_step == 4 and np.all(q % 4 == 0):
        rows = np.mod(q // 4, n)
        for j, col in enumerate(("ghi", "dni", "dhi")):
            out[col] = hours[rows, j]
    else:
        w_cos, w_up = _quarter_weights(start, n, meta["latitude"], meta["longitude"])
        offsets = np.mod(q[:, None] + np.arange(per_step)[None, :], 4 * n)
        for j, col in enumerate(("ghi", "dni", "dhi")):
            weights = w_up if col == "dni" else w_cos
            fine = np.repeat(hours[:, j], 4) * weights
            out[col] = fine[offsets].mean(axis=1)
    mid_h = np.mod(np.asarray(((index + step / 2) - start) / pd.Timedelta(hours=1), dtype=float), n)
    centres = np.arange(n) + 0.5
    for j, col in ((3, "temp_air"), (4, "wind_speed")):
        out[col] = np.interp(mid_h, centres, hours[:, j], period=n)
    return pd.DataFrame(out, index=index).loc[:, list(WEATHER_COLUMNS)]


def weather_for(source, site, index: pd.DatetimeIndex, override_path: Path | None = None) -> pd.DataFrame:
    """Weather on the scenario's steps from its weather source (or a file given on the CLI).

    Parameters
    ----------
    source : zerodistrict.scenario.WeatherSource
        ``synthetic`` (climate key, seed) or ``epw``/``tmy`` (path).
    site : zerodistrict.scenario.Site
        Latitude, longitude [deg], altitude [m], name.
    index : pandas.DatetimeIndex
        The scenario's steps (tz-aware local, interval starts).
    override_path : Path, optional
        ``--weather FILE``: an EPW (``.epw``) or TMY3 (``.csv``) file that
        wins over ``source``.

    Returns
    -------
    pandas.DataFrame
        ``ghi, dni, dhi`` [W/m^2], ``temp_air`` [°C], ``wind_speed`` [m/s] on ``index``.
    """
    if override_path is not None:
        data, meta = read_weather_file(override_path)
        return map_typical_year(data, meta, index)
    if source.source in ("epw", "tmy"):
        data, meta = read_weather_file(source.path, kind=source.source)
        return map_typical_year(data, meta, index)
    climatology = climatology_for(site, source.climate)
    return synthetic_year(index, site.latitude, site.longitude, site.altitude_m, climatology, source.seed)
