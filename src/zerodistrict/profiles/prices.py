"""Prices and emission factors as time series on the scenario's time axis.

A price (or emission factor) is a constant, a default with time-of-day
periods, or a CSV series; with a tariff, the marginal price of each step
comes from :func:`zerodistrict.analysis.bills.marginal_prices`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zerodistrict.analysis import bills
from zerodistrict.profiles.csv_files import read_profile_csv
from zerodistrict.scenario.base import WEEKDAYS, clock_hours
from zerodistrict.scenario.models import CsvSeries, PeriodPrice, Scenario


def _clock_mask(index: pd.DatetimeIndex, start: str, end: str, days: list[str] | None) -> np.ndarray:
    """Steps whose local clock is in [start, end) (wrapping midnight when end ≤ start) on ``days``."""
    hours = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
    a, b = clock_hours(start), clock_hours(end)
    mask = (hours >= a) & (hours < b) if a < b else (hours >= a) | (hours < b)
    if days:
        wanted = np.isin(index.day_of_week.to_numpy(), [WEEKDAYS.index(d) for d in days])
        mask &= wanted
    return mask


def price_series(price, index: pd.DatetimeIndex, field: str) -> np.ndarray:
    """A constant, time-of-day or CSV price (or factor) as an array on ``index``."""
    if isinstance(price, (int, float)):
        return np.full(len(index), float(price))
    if isinstance(price, PeriodPrice):
        out = np.full(len(index), float(price.default))
        for period in price.periods:  # later periods win where they overlap
            out[_clock_mask(index, period.start, period.end, period.days)] = period.price
        return out
    if isinstance(price, CsvSeries):
        return read_profile_csv(price.csv, index, field, allow_negative=field.endswith("price"))
    raise TypeError(f"unsupported price {price!r}")


def grid_prices(scenario: Scenario, index: pd.DatetimeIndex, load_kw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Marginal import and export price of every step [currency/kWh].

    With a tariff, its marginal price at the tier of the mean home's monthly
    consumption (see :func:`zerodistrict.analysis.bills.marginal_prices`); otherwise
    the scenario's ``import_price`` and ``export_price`` (default 0).
    """
    grid = scenario.grid
    if grid.tariff is not None:
        period_hours = len(index) * scenario.period.step_hours
        monthly_kwh = float(load_kw.sum()) * scenario.period.step_hours / max(load_kw.shape[1], 1) / (period_hours / 730.5)
        return bills.marginal_prices(grid.tariff, index, monthly_kwh)
    export = grid.export_price if grid.export_price is not None else 0.0
    return (price_series(grid.import_price, index, "grid.import_price"),
            price_series(export, index, "grid.export_price"))
