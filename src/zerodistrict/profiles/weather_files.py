"""Readers of typical-year weather files: EPW and TMY3, through pvlib.iotools.

Both formats hold one hourly "typical" year whose rows may carry different
years (each month is picked from a different real year). The readers here
only parse and check; :func:`zerodistrict.profiles.weather.weather_for` places the
rows onto a scenario's year and time zone.

Time-label convention
---------------------
Every returned row is labelled with the START of its hour, in the file's own
fixed UTC offset (standard time, no daylight saving):

* EPW: field "hour" 1..24 is the hour *ending* at that clock hour, so hour 1
  is 00:00–01:00 (EnergyPlus Auxiliary Programs, "Weather Converter", 2023).
  :func:`pvlib.iotools.read_epw` already labels hour ``h`` as ``h-1``:00, i.e.
  the interval start, and localises to the header's TZ field; kept as is.
* TMY3: "Time (HH:MM)" is hour-ending local standard time (Wilcox & Marion,
  NREL/TP-581-43156, 2008). :func:`pvlib.iotools.read_tmy3` labels rows with
  that end time (24:00 → next day 00:00), so one hour is subtracted here.

Checks (each failure is one :class:`~zerodistrict.errors.InputError` naming
the file): the file exists and parses as the format, the columns ``ghi, dni,
dhi, temp_air, wind_speed`` exist, no value is NaN, infinite or a missing-value code
(EPW writes 9999 / 99.9 / 999; caught as out of range), and the rows are one
complete hourly year: every hour of a 365- or 366-day year exactly once.
"""

from __future__ import annotations

import calendar
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

# pvlib (and scipy.special) are imported where used: a run whose profiles come from the cache
# (zerodistrict.profiles.cache) never loads them, 0.3 s of its start
from zerodistrict.errors import InputError

WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")

# Physical bounds used to catch missing-value codes (EPW: 9999 for
# irradiance, 99.9 for temperature, 999 for wind; EnergyPlus Auxiliary
# Programs, 2023). Irradiance above 1,500 W/m² or air outside -90..70 °C
# cannot be real surface weather.
_BOUNDS = {
    "ghi": (0.0, 1500.0),
    "dni": (0.0, 1500.0),
    "dhi": (0.0, 1500.0),
    "temp_air": (-90.0, 70.0),
    "wind_speed": (0.0, 80.0),
}

_PARSE_ERRORS = (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError, pd.errors.ParserError)


def weather_kind(path: Path) -> Literal["epw", "tmy"]:
    """The format of a weather file from its suffix: ``.epw`` → epw, ``.csv`` → tmy (TMY3)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".epw":
        return "epw"
    if suffix == ".csv":
        return "tmy"
    raise InputError(
        f"{path}: cannot tell the weather format from the suffix {suffix!r}; use .epw (EPW) or .csv (TMY3)"
    )


def _read_epw(path: Path) -> tuple[pd.DataFrame, dict]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    if not first.upper().startswith("LOCATION"):
        raise InputError(f"{path}: not an EPW file (the first line should start with 'LOCATION', got {first[:40]!r})")
    try:
        import pvlib
        data, meta = pvlib.iotools.read_epw(path)
    except _PARSE_ERRORS as exc:
        raise InputError(
            f"{path}: not a readable EPW file ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        ) from None
    return data, meta


def _read_tmy3(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        import pvlib
        data, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
    except _PARSE_ERRORS as exc:
        raise InputError(
            f"{path}: not a readable TMY3 file ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        ) from None
    # hour-ending labels → interval starts
    data.index = data.index - pd.Timedelta(hours=1)
    return data, meta


def _check_values(data: pd.DataFrame, path: Path) -> None:
    missing = [c for c in WEATHER_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(missing)}")
    for column in WEATHER_COLUMNS:
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values)
        if bad.any():
            raise InputError(
                f"{path}: {int(bad.sum())} missing (NaN) values in column {column}, first at {data.index[bad.argmax()]}"
            )
        bad = np.isinf(values)
        if bad.any():
            raise InputError(
                f"{path}: {int(bad.sum())} infinite values in column {column}, first at {data.index[bad.argmax()]}"
            )
        lo, hi = _BOUNDS[column]
        out = (values < lo) | (values > hi)
        if out.any():
            i = int(out.argmax())
            raise InputError(
                f"{path}: {int(out.sum())} values of {column} outside {lo:g}..{hi:g} (a missing-value code?), "
                f"first {values[i]:g} at {data.index[i]}"
            )


def hour_of_leap_year(index: pd.DatetimeIndex) -> np.ndarray:
    """Position of each timestamp in a 366-day calendar: (day of leap year − 1)·24 + hour.

    Uses only the wall-clock month, day and hour, so rows labelled with
    different years land on one calendar.
    """
    # day of year in a leap year (2000): cumulative month starts + day − 1
    month_start = np.cumsum([0] + [calendar.monthrange(2000, m)[1] for m in range(1, 12)])
    doy0 = month_start[index.month.to_numpy() - 1] + index.day.to_numpy() - 1
    return doy0 * 24 + index.hour.to_numpy()


FEB29_HOURS = np.arange(59 * 24, 60 * 24)  # hours of 29 Feb in the 366-day calendar


def _check_complete_year(data: pd.DataFrame, path: Path) -> None:
    off_hour = data.index.minute != 0
    if off_hour.any():
        first = data.index[off_hour.argmax()]
        raise InputError(f"{path}: expected hourly rows on the hour; found sub-hourly timestamps such as {first}")
    pos = hour_of_leap_year(data.index)
    counts = np.bincount(pos, minlength=366 * 24)
    dup = np.flatnonzero(counts > 1)
    if dup.size:
        raise InputError(f"{path}: hour {data.index[np.flatnonzero(pos == dup[0])[1]]} appears more than once")
    has_feb29 = counts[FEB29_HOURS].any()
    needed = np.ones(366 * 24, dtype=bool)
    if not has_feb29:
        needed[FEB29_HOURS] = False
    gaps = np.flatnonzero(needed & (counts == 0))
    if gaps.size:
        day, hour = divmod(int(gaps[0]), 24)
        when = (pd.Timestamp("2000-01-01") + pd.Timedelta(days=day, hours=hour)).strftime("%m-%d %H:00")
        raise InputError(
            f"{path}: not one complete hourly year: {gaps.size} hours are missing (first {when}); "
            f"found {len(data)} rows, expected {int(needed.sum())}"
        )


def read_weather_file(path: Path | str, kind: Literal["epw", "tmy"] | None = None) -> tuple[pd.DataFrame, dict]:
    """Read an EPW or TMY3 file and check it is one complete hourly year.

    Parameters
    ----------
    path : Path or str
        The weather file.
    kind : {"epw", "tmy"}, optional
        Its format; by default from the suffix (``.epw`` or ``.csv``).

    Returns
    -------
    data : pandas.DataFrame
        Columns ``ghi, dni, dhi`` [W/m^2], ``temp_air`` [°C], ``wind_speed``
        [m/s], one row per hour in file order, indexed by the START of each
        hour in the file's fixed UTC offset (years as labelled in the file).
    meta : dict
        pvlib's metadata (``latitude``, ``longitude``, ``altitude`` [m],
        ``TZ`` [h from UTC], ...) plus ``kind`` and ``path``.

    Raises
    ------
    InputError
        The file is missing, is not of the format, lacks a column, holds
        NaN or missing-value codes, or is not one complete hourly year.

    References
    ----------
    .. [1] EnergyPlus Auxiliary Programs, "Weather Converter Program", EPW
       data dictionary, U.S. DOE, 2023.
    .. [2] S. Wilcox and W. Marion, "Users Manual for TMY3 Data Sets",
       NREL/TP-581-43156, 2008.
    """
    path = Path(path)
    if kind is None:
        kind = weather_kind(path)
    if kind not in ("epw", "tmy"):
        raise InputError(f"{path}: unknown weather format {kind!r}; use 'epw' or 'tmy'")
    if not path.is_file():
        raise InputError(f"{path}: weather file not found")
    data, meta = _read_epw(path) if kind == "epw" else _read_tmy3(path)
    if len(data) == 0:
        raise InputError(f"{path}: the weather file has no data rows")
    _check_values(data, path)
    _check_complete_year(data, path)
    out = data.loc[:, list(WEATHER_COLUMNS)].astype(float)
    meta = dict(meta, kind=kind, path=str(path))
    return out, meta
