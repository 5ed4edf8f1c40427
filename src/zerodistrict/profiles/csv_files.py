"""Readers of profile CSVs: measured loads, PV per kWp, prices, emission factors.

Format: a header row, first column ``time`` (ISO 8601, with or without a UTC
offset; without one it is local time of the site), then one value column.
The profile must cover the scenario's steps exactly: same step, no gap, no
duplicate, no NaN or infinity, and (unless negative values are allowed, e.g.
prices) no negative value; with ``max_abs`` no value beyond a plausible bound. Every problem is one :class:`InputError` naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from zerodistrict.errors import InputError


def read_profile_csv(path: Path, index: pd.DatetimeIndex, what: str, allow_negative: bool = False,
                     max_abs: float | None = None) -> np.ndarray:
    """Read a one-column profile onto ``index``.

    Parameters
    ----------
    path : Path
        The CSV file.
    index : pandas.DatetimeIndex
        The scenario's steps (tz-aware, interval starts).
    what : str
        What the values are, for messages (e.g. ``"load [kW]"``).
    allow_negative : bool
        Accept negative values (prices).
    max_abs : float, optional
        Refuse a value whose magnitude exceeds this (same unit as the values).

    Returns
    -------
    numpy.ndarray
        Values on ``index``, shape (len(index),).
    """
    name = str(path)
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    if df.shape[1] < 2 or str(df.columns[0]).strip().lower() != "time":
        raise InputError(f"{name}: expected a header with 'time' first and one value column ({what})")
    if df.shape[1] > 2:
        raise InputError(f"{name}: expected one value column after 'time', found {df.shape[1] - 1}")
    try:
        times = pd.to_datetime(df.iloc[:, 0], format="ISO8601", utc=False)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}: column 'time' is not ISO 8601 ({exc})") from None
    if getattr(times.dt, "tz", None) is None:
        try:
            times = times.dt.tz_localize(index.tz, ambiguous="NaT", nonexistent="NaT")
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}: times without offset cannot be read as local time ({exc})") from None
    else:
        times = times.dt.tz_convert(index.tz)
    values = pd.to_numeric(df.iloc[:, 1], errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy())
    if bad.size:
        raise InputError(f"{name}: value on data row {bad[0] + 1} is missing or not a number ({what})")
    infinite = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
    if infinite.size:
        row = int(infinite[0])
        raise InputError(f"{name}: value {values.iloc[row]} on data row {row + 1} is not finite ({what})")
    if max_abs is not None and (values.abs() > max_abs).any():
        row = int(np.flatnonzero((values.abs() > max_abs).to_numpy())[0])
        raise InputError(f"{name}: value {values.iloc[row]:g} on data row {row + 1} is beyond the plausible "
                         f"{'±' if allow_negative else ''}{max_abs:g} ({what})")
    if not allow_negative and (values < 0).any():
        row = int(np.flatnonzero((values < 0).to_numpy())[0])
        raise InputError(f"{name}: negative value {values.iloc[row]} on data row {row + 1} ({what} must be ≥ 0)")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise InputError(f"{name}: time on data row {row + 1} is missing or does not exist in {index.tz}")
    if times.duplicated().any():
        row = int(np.flatnonzero(times.duplicated().to_numpy())[0])
        raise InputError(f"{name}: time {times.iloc[row]} appears twice")
    series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(times)).sort_index()
    if len(series) != len(index):
        raise InputError(
            f"{name}: has {len(series)} rows but the scenario has {len(index)} steps "
            f"({index[0].isoformat()} to {index[-1].isoformat()}, every {index.freqstr or 'step'})"
        )
    aligned = series.reindex(index)
    missing = np.flatnonzero(aligned.isna().to_numpy())
    if missing.size:
        raise InputError(f"{name}: no value for {index[missing[0]].isoformat()} (a gap or a different time step)")
    return aligned.to_numpy()
