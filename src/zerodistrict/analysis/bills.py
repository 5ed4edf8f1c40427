"""Electricity tariffs and export schemes: what a household pays each month.

A :class:`Tariff` is a scenario sub-model (``grid.tariff``) made of

* an **energy charge** [currency/kWh]: monthly tiers (blocks of kWh a month,
  e.g. TEPCO 従量電灯B), optionally time-of-use periods with their own tier
  prices (e.g. TNB ToU), priced ``incremental`` (each block at its price) or
  ``whole`` (every kWh of the month at the price of the tier its total falls
  in);
* **surcharges** per kWh (renewable levy, capacity, network, fuel adjustment),
  each optionally waived in months of low consumption, and optionally at a
  rate that depends on the billed month (``by_month``: Japan's 再エネ賦課金
  changes every May);
* **fixed charges** per month (basic charge, retail charge), each optionally
  waived in months of low consumption;
* **rebates** per kWh whose rate depends on the month's consumption band
  (TNB's energy-efficiency incentive);
* an **export scheme**: none, a fixed price per kWh (Japanese FIT and post-FIT
  buyback) or net metering whose monthly credit offsets only the energy charge
  and is forfeited at month end (Malaysia's Solar ATAP). A scheme may change
  with the year of operation (a FIT's phases, ATAP's 10 years of credit); the
  simulated period is billed as year 1 and :func:`tariff_in_year` gives the
  tariff of a later year (the appraisal bills each phase once).

Bills are computed after dispatch, per home and per calendar month of the
site's local time (:func:`bill_homes`). The LP and the rule-based dispatch
cannot see monthly tiers; they use :func:`marginal_prices`, the price of the
next kWh at an estimated monthly consumption.

Ready-made tariffs are in :data:`TARIFFS` and export schemes in
:data:`EXPORT_SCHEMES`; a scenario names one or spells one out, and may start
from a preset and override fields (``{preset: tnb-domestic-2025, export:
my-solar-atap-2026}``). Amounts are in the scenario's currency unit (yen,
ringgit: 27.03 sen = 0.2703 MYR).

Simplifications
---------------
* A month is a calendar month of local time. A month the period covers only
  in part is billed **pro rata** (:func:`month_share_ratio`,
  :func:`prorated_month_charges`): its fixed charges, tier blocks, waiver
  limits and rebate bands are scaled by the share of the month covered (half
  a month: half the basic charge, half of each tier block), as utilities bill
  the first and last month of a contract. A 14-day run therefore bills
  14 days, not a whole month's fixed charges.
* Tiers with time-of-use: the kWh of each tier are split between periods in
  proportion to each period's share of the month's consumption.
* Consumption bands (tiers of a ``whole`` charge, waivers, rebates) are read
  from the month's gross grid import; exports do not reduce them.
* Rebates never make a bill negative (the bill before export credits is
  floored at zero). A fixed-price export credit is paid out separately in
  reality (Japan's FIT); here it is subtracted, so ``bill`` is the household's
  net cash flow for electricity and may be negative.
* A rate of a billed month (``by_month``) applies to the calendar month of
  use with that label; in Japan a month's bill covers use since the previous
  meter reading, so a new rate really starts about half a month earlier.
* Not modelled: consumption tax / sales and service tax on top of the charges,
  TEPCO's half basic charge in a month without use, fuel-cost adjustments that
  change month by month (a constant per-kWh value stands in), public holidays
  in time-of-use calendars, TNB's KWTBB levy.

References
----------
The ready-made tariffs (``catalog/data/tariffs_*.yaml``) cite these by their
keys in docs/sources.md, given in brackets after each.

.. [1] TEPCO Energy Partner, 従量電灯B electricity rates from 1 June 2023:
   ¥30.00 / 36.60 / 40.69 per kWh (0–120 / 120–300 / >300 kWh a month),
   from a secondary source (docs/sources.md [S5]).
.. [2] Basic charge ¥311.75 per 10 A of contract current (30 A: ¥935.25),
   TEPCO-equivalent basic charges listed by toell.co.jp (tariff of 1 May 2024)
   [S6].
.. [3] 再エネ賦課金 (renewable energy surcharge) by fiscal year, billed May to
   April: ¥3.45 FY2022, ¥1.40 FY2023, ¥3.49 FY2024, ¥3.98/kWh FY2025 (METI;
   docs/sources.md [S7]).
.. [4] Japan FIT for residential PV < 10 kW: ¥16/kWh FY2023–24, ¥15/kWh
   April–September 2025, each for 10 years; certified from October 2025 ¥24/kWh
   in years 1–4 and ¥8.3/kWh in years 5–10 (docs/sources.md [S13]); after the
   10-year FIT period TEPCO buys at ¥8.5/kWh (docs/sources.md [S9]).
.. [5] Suruhanjaya Tenaga / TNB domestic tariff from 1 July 2025 (RP4):
   energy 27.03 sen/kWh up to 1,500 kWh a month, 37.03 sen above; capacity
   4.55 sen/kWh; network 12.85 sen/kWh; retail RM10 a month waived at
   ≤ 600 kWh; automatic fuel adjustment ±3 sen/kWh; ToU peak weekdays
   14:00–22:00 28.52 sen, off-peak 24.43 sen (≤ 1,500 kWh); 38.52 / 34.43 sen
   above 1,500 kWh. docs/sources.md [K2], [K9];
   paultan.org/2025/06/21/tnb-new-electricity-tariff-calculation-from-july-2025.
.. [6] TNB energy-efficiency incentive (Insentif Cekap Tenaga), sen/kWh by
   monthly consumption band, 25.00 (≤200 kWh) down to 0.50 (901–1,000 kWh),
   none above 1,000 kWh: table in newpages.asia/vn/vi/news/169869 (2025),
   secondary source; paultan.org (2025) confirms the 25 sen maximum and the
   1,000 kWh limit [K5].
.. [7] Solar ATAP (Malaysia, from 2026): domestic exports offset only the
   energy charge, unused credit forfeited monthly, for 10 years from the
   commencement date; caps 5 kW single-phase, 15 kW three-phase
   (docs/sources.md [K3]).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from zerodistrict.scenario.base import WEEKDAYS, clock_hours
from zerodistrict.scenario.tariff import (
    EnergyCharge,
    PerKwhCharge,
    Tariff,
    scheme_in_year,
    tariff_currency,
)

BILL_COLUMNS = (
    "home",
    "month",
    "import_kwh",
    "export_kwh",
    "energy_charge",
    "surcharges",
    "fixed_charge",
    "rebate",
    "export_credit",
    "bill",
    "currency",
)


def _month_starts(index: pd.DatetimeIndex) -> tuple[np.ndarray, list[str]]:
    """Positions where a new calendar month (local time) begins, and the month labels ``YYYY-MM``."""
    code = np.asarray(index.year, dtype=np.int64) * 12 + np.asarray(index.month, dtype=np.int64) - 1
    if code.size and np.any(np.diff(code) < 0):
        raise ValueError("index must be sorted in time")
    starts = np.flatnonzero(np.r_[True, np.diff(code) != 0]) if code.size else np.zeros(0, dtype=np.int64)
    labels = [f"{c // 12:04d}-{c % 12 + 1:02d}" for c in code[starts]]
    return starts, labels


def period_of_step(energy: EnergyCharge, index: pd.DatetimeIndex) -> np.ndarray:
    """(t,) int: 0 outside every time-of-use period, p + 1 inside ``energy.time_of_use[p]`` (last listed wins).

    A step belongs to a period by its start time (local clock and weekday).
    """
    hours = np.asarray(index.hour, dtype=float) + np.asarray(index.minute, dtype=float) / 60.0
    weekday = np.asarray(index.day_of_week)
    out = np.zeros(len(index), dtype=np.int64)
    for p, period in enumerate(energy.time_of_use):
        start, end = clock_hours(period.start), clock_hours(period.end)
        in_clock = (hours >= start) & (hours < end) if end > start else (hours >= start) | (hours < end)
        if period.days is not None:
            in_clock &= np.isin(weekday, [WEEKDAYS.index(d) for d in period.days])
        out[in_clock] = p + 1
    return out


def _price_table(energy: EnergyCharge) -> np.ndarray:
    """(periods, tiers) [currency/kWh]: row 0 outside periods, row p + 1 for time_of_use[p]."""
    rows = [energy.prices_per_kwh] + [p.prices_per_kwh for p in energy.time_of_use]
    return np.asarray(rows, dtype=float)


# --------------------------------------------------------------------------- charges of monthly amounts

#: monthly kWh are rounded to this many decimals before they are compared with tier, band and waiver
#: limits, so that a month summed from steps to 499.99999999 kWh is billed as the 500 kWh a meter shows
_BAND_DECIMALS = 6


def _band_kwh(monthly_kwh: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(monthly_kwh, dtype=float), _BAND_DECIMALS)


def tier_of(energy: EnergyCharge, monthly_kwh: np.ndarray) -> np.ndarray:
    """Tier index of each monthly consumption (a total equal to a limit stays in the lower tier)."""
    return np.searchsorted(np.asarray(energy.tier_limits_kwh, dtype=float), _band_kwh(monthly_kwh), side="left")


def energy_charge(energy: EnergyCharge, period_kwh: np.ndarray) -> np.ndarray:
    """Energy charge of months [currency] from kWh per time-of-use period.

    Parameters
    ----------
    energy : EnergyCharge
    period_kwh : np.ndarray
        (periods, ...) kWh of each month in each period, row 0 outside every
        period (as :func:`period_of_step`). [kWh]

    Returns
    -------
    np.ndarray
        (...) the charge of each month. [currency]

    Notes
    -----
    With total q and tier limits L_0 = 0 < L_1 < … < L_K = ∞, tier j holds
    k_j = clip(q − L_j, 0, L_{j+1} − L_j) kWh (incremental). The kWh of
    each tier are split between periods by their shares q_p / q, so the
    charge is Σ_p Σ_j k_j (q_p / q) price[p, j]. With ``basis: whole`` it is
    Σ_p q_p price[p, j*] where j* is the tier of q.
    """
    prices = _price_table(energy)  # (P, K)
    period_kwh = np.asarray(period_kwh, dtype=float)
    total = period_kwh.sum(axis=0)
    if energy.basis == "whole":
        tier = tier_of(energy, total)
        price_at_tier = np.take(prices, tier, axis=1)  # (P, ...)
        return (period_kwh * price_at_tier).sum(axis=0)
    edges = np.r_[0.0, energy.tier_limits_kwh, np.inf]
    tier_kwh = np.clip(total[None, ...] - edges[:-1].reshape((-1,) + (1,) * total.ndim), 0.0, None)
    tier_kwh = np.minimum(tier_kwh, np.diff(edges).reshape((-1,) + (1,) * total.ndim))  # (K, ...)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, period_kwh / total, 0.0)  # (P, ...)
    # Σ_p Σ_j share_p k_j price[p, j]
    return np.einsum("p...,j...,pj->...", share, tier_kwh, prices)


def surcharge_rates(charge: PerKwhCharge, months: Sequence[str] | None, n: int = 1) -> np.ndarray:
    """(months,) rate of a per-kWh charge in each billed month ``YYYY-MM`` [currency/kWh].

    A month inside one of ``charge.by_month``'s ranges pays that range's
    rate, any other month (and every month when ``months`` is None, ``n``
    of them) ``charge.price_per_kwh``.
    """
    if months is None:
        return np.full(n, charge.price_per_kwh)
    labels = np.asarray(months, dtype=str)
    out = np.full(labels.shape, charge.price_per_kwh, dtype=float)
    for rate in charge.by_month:  # YYYY-MM labels order as strings
        inside = labels >= rate.first_month
        if rate.last_month is not None:
            inside &= labels <= rate.last_month
        out[inside] = rate.price_per_kwh
    return out


def surcharges(tariff: Tariff, monthly_kwh: np.ndarray, months: Sequence[str] | None = None) -> np.ndarray:
    """Per-kWh surcharges of months [currency], each waived where the month's import is at most its limit.

    ``monthly_kwh`` is (months, ...); ``months`` their labels ``YYYY-MM``
    pick each month's rate of a dated charge (:func:`surcharge_rates`);
    None: every month at the undated ``price_per_kwh``.
    """
    q = np.asarray(monthly_kwh, dtype=float)
    out = np.zeros_like(q)
    n = q.shape[0] if q.ndim else 1
    for charge in tariff.surcharges:
        applies = _band_kwh(q) > charge.waived_up_to_kwh if charge.waived_up_to_kwh is not None else np.ones_like(q, dtype=bool)
        rate = surcharge_rates(charge, months, n).reshape((-1,) + (1,) * max(q.ndim - 1, 0)) if q.ndim else charge.price_per_kwh
        out = out + np.where(applies, q * rate, 0.0)
    return out


def fixed_charges(tariff: Tariff, monthly_kwh: np.ndarray) -> np.ndarray:
    """Fixed charges of months [currency], each waived where the month's import is at most its limit."""
    q = np.asarray(monthly_kwh, dtype=float)
    out = np.zeros_like(q)
    for charge in tariff.fixed:
        applies = _band_kwh(q) > charge.waived_up_to_kwh if charge.waived_up_to_kwh is not None else np.ones_like(q, dtype=bool)
        out = out + np.where(applies, charge.per_month, 0.0)
    return out


def rebate_rate(tariff: Tariff, monthly_kwh: np.ndarray) -> np.ndarray:
    """Sum of the rebate rates [currency/kWh] that months of this consumption get."""
    q = np.asarray(monthly_kwh, dtype=float)
    out = np.zeros_like(q)
    for rebate in tariff.rebates:
        rates = np.r_[rebate.rates_per_kwh, 0.0]
        band = np.searchsorted(np.asarray(rebate.up_to_kwh, dtype=float), _band_kwh(q), side="left")
        out = out + np.where(q > 0, rates[band], 0.0)
    return out


def export_credit(tariff: Tariff, import_kwh: np.ndarray, export_kwh: np.ndarray, energy_kwh_charge: np.ndarray) -> np.ndarray:
    """Credit of months' exports [currency].

    None: 0. Fixed price: export × price. Net metering: export × credit rate,
    at most the month's energy charge (the rest is forfeited); the credit rate
    defaults to the month's average energy-charge rate (energy charge / import).
    The scheme is that of year 1 of operation (:func:`tariff_in_year` bills a
    later year).
    """
    scheme = scheme_in_year(tariff.export, 1)
    export_kwh = np.asarray(export_kwh, dtype=float)
    if scheme.scheme == "fixed":
        return export_kwh * scheme.price_per_kwh
    if scheme.scheme == "net_metering":
        if scheme.credit_per_kwh is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(import_kwh > 0, energy_kwh_charge / import_kwh, 0.0)
        else:
            rate = scheme.credit_per_kwh
        return np.minimum(export_kwh * rate, energy_kwh_charge)
    return np.zeros_like(export_kwh)


# --------------------------------------------------------------------------- bills


def _check_arrays(index: pd.DatetimeIndex, import_kw: np.ndarray, export_kw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    imp = np.asarray(import_kw, dtype=float)
    exp = np.asarray(export_kw, dtype=float)
    if imp.ndim == 1:
        imp = imp[:, None]
    if exp.ndim == 1:
        exp = exp[:, None]
    if len(index) == 0:
        raise ValueError("cannot bill an empty period: index has no steps")
    if imp.shape != exp.shape or imp.shape[0] != len(index):
        raise ValueError(
            f"import_kw {imp.shape} and export_kw {exp.shape} must both be (t, h) with t = len(index) = {len(index)}"
        )
    if (imp < 0).any() or (exp < 0).any():
        raise ValueError("import_kw and export_kw must be ≥ 0")
    return imp, exp


def monthly_bills(
    tariff: Tariff, index: pd.DatetimeIndex, import_kw: np.ndarray, export_kw: np.ndarray, step_hours: float
) -> dict[str, np.ndarray]:
    """Bill components as (months, homes) arrays, plus ``months`` (labels) — the array form of :func:`bill_homes`."""
    imp, exp = _check_arrays(index, import_kw, export_kw)
    starts, labels = _month_starts(index)
    imp_kwh = imp * step_hours
    period = period_of_step(tariff.energy, index)
    n_periods = len(tariff.energy.time_of_use) + 1
    # (P, months, h): monthly kWh in each time-of-use period; steps are contiguous per month
    period_kwh = np.stack(
        [np.add.reduceat(np.where((period == p)[:, None], imp_kwh, 0.0), starts, axis=0) for p in range(n_periods)]
    )
    q = period_kwh.sum(axis=0)
    x = np.add.reduceat(exp * step_hours, starts, axis=0)
    share = month_share_ratio(index, step_hours)[:, None]
    return {"months": np.asarray(labels), "import_kwh": q, "export_kwh": x,
            **prorated_month_charges(tariff, period_kwh, x, share, labels)}


def month_charges(tariff: Tariff, period_kwh: np.ndarray, export_kwh: np.ndarray,
                  labels: list[str] | None = None) -> dict[str, np.ndarray]:
    """Charges of whole months [currency] from their kWh per time-of-use period and their exports.

    ``labels`` are the months' ``YYYY-MM`` (for rates that depend on the billed month, see
    :func:`surcharges`); without them every surcharge is at its undated price.

    Returns the arrays ``energy_charge``, ``surcharges``, ``fixed_charge``, ``rebate``,
    ``export_credit`` and ``bill``, each shaped like ``export_kwh``.
    """
    q = period_kwh.sum(axis=0)
    x = export_kwh
    energy = energy_charge(tariff.energy, period_kwh)
    sur = surcharges(tariff, q, labels)
    fixed = fixed_charges(tariff, q)
    charges = energy + sur + fixed
    rebate = np.minimum(q * rebate_rate(tariff, q), charges)
    credit = export_credit(tariff, q, x, energy)
    if scheme_in_year(tariff.export, 1).scheme == "fixed":
        bill = charges - rebate - credit
    else:
        bill = np.maximum(charges - rebate - credit, 0.0)
    return {
        "energy_charge": energy,
        "surcharges": sur,
        "fixed_charge": fixed,
        "rebate": rebate,
        "export_credit": credit,
        "bill": bill,
    }


# --------------------------------------------------------------------------- months covered in part


def month_share_ratio(index: pd.DatetimeIndex, step_hours: float) -> np.ndarray:
    """(months,) share of each calendar month of the index that its steps cover [0–1]; 1 for a whole month.

    Hours of the steps in the month / hours of the local calendar month (743 or
    745 in a month with a daylight-saving change).
    """
    starts, labels = _month_starts(index)
    counts = np.diff(np.r_[starts, len(index)])
    tz = index.tz
    out = np.empty(len(labels))
    for m, label in enumerate(labels):
        first = pd.Timestamp(f"{label}-01")
        last = first + pd.offsets.MonthBegin(1)
        if tz is not None:
            first, last = first.tz_localize(tz), last.tz_localize(tz)
        month_hours = (last - first) / pd.Timedelta(hours=1)
        out[m] = min(counts[m] * step_hours / month_hours, 1.0)
    return out


def prorated_month_charges(
    tariff: Tariff, period_kwh: np.ndarray, export_kwh: np.ndarray, share_ratio: np.ndarray,
    labels: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Charges of months covered in part: the month's rules pro rata [currency].

    Parameters
    ----------
    tariff : Tariff
    period_kwh : np.ndarray
        (periods, months, ...) import of each month in each time-of-use period. [kWh]
    export_kwh : np.ndarray
        (months, ...) export of each month. [kWh]
    share_ratio : np.ndarray
        Share of each month covered, broadcastable to ``export_kwh`` (:func:`month_share_ratio`). [0–1]
    labels : list of str, optional
        The months' ``YYYY-MM``, as for :func:`month_charges`.

    Returns
    -------
    dict
        As :func:`month_charges`.

    Notes
    -----
    Scaling a month's fixed charges and every kWh limit (tier blocks, waivers,
    rebate bands) by its share s is the same as billing the full-month
    equivalent (q/s, x/s) and scaling the result by s: every charge, the
    rebate, the export credit and the floor at zero are homogeneous of degree
    one in (q, x, limits, fixed charges). So the bill of half a month with
    q kWh is half the bill of a whole month with 2q kWh. A whole month (s = 1)
    is billed exactly as :func:`month_charges` bills it.
    """
    s = np.asarray(share_ratio, dtype=float)
    if np.all(s == 1.0):
        return month_charges(tariff, period_kwh, export_kwh, labels)
    full = month_charges(tariff, period_kwh / s, export_kwh / s, labels)
    return {k: v * s for k, v in full.items()}


def bill_homes(
    tariff: Tariff,
    index: pd.DatetimeIndex,
    import_kw: np.ndarray,
    export_kw: np.ndarray,
    step_hours: float,
    currency: str | None = None,
) -> pd.DataFrame:
    """Monthly bill of every home.

    Parameters
    ----------
    tariff : Tariff
    index : pd.DatetimeIndex
        Start of every step, tz-aware local time of the site, sorted.
    import_kw, export_kw : np.ndarray
        (t, h) grid import and export attributed to each home (or (t,) for
        one meter). [kW]
    step_hours : float
        Length of a step. [h]
    currency : str, optional
        The scenario's currency; must agree with ``tariff.currency`` if both
        are given.

    Returns
    -------
    pd.DataFrame
        One row per (home, month), sorted by home then month, with columns
        :data:`BILL_COLUMNS`: kWh of the month, ``energy_charge``,
        ``surcharges``, ``fixed_charge``, ``rebate`` (all ≥ 0, what the
        tariff charges/grants before exports), ``export_credit`` and ``bill``
        = energy + surcharges + fixed − rebate − credit [currency]. With net
        metering or no export the bill is ≥ 0 (unused credit is forfeited);
        with a fixed export price it is the net cash flow and may be negative.
    """
    cur = tariff_currency(tariff, currency)
    parts = monthly_bills(tariff, index, import_kw, export_kw, step_hours)
    n_months, n_homes = parts["bill"].shape
    data: dict[str, Any] = {
        "home": np.repeat(np.arange(n_homes), n_months),
        "month": np.tile(parts["months"], n_homes),
    }
    for col in BILL_COLUMNS[2:-1]:
        data[col] = parts[col].T.reshape(-1)
    data["currency"] = cur
    return pd.DataFrame(data, columns=list(BILL_COLUMNS))


def tariff_in_year(tariff: Tariff, year: int) -> Tariff:
    """The tariff with its export scheme as it stands in ``year`` of operation (1 = first; flat, no phases).

    Bills of a simulated year are those of year 1; billing the same energy
    flows with ``tariff_in_year(tariff, y)`` gives year y's bills (a FIT's later
    phase, no export credit after Solar ATAP's 10 years).
    """
    return tariff.model_copy(update={"export": scheme_in_year(tariff.export, year)})


def bill_per_home(bills: pd.DataFrame, n_homes: int | None = None) -> np.ndarray:
    """(h,) sum of ``bill`` over the months of each home [currency]."""
    n = int(bills["home"].max()) + 1 if n_homes is None else n_homes
    return np.bincount(bills["home"].to_numpy(), weights=bills["bill"].to_numpy(), minlength=n)


def bill_total(bills: pd.DataFrame) -> float:
    """Sum of every home's bills over the period [currency]."""
    return float(bills["bill"].sum())


# --------------------------------------------------------------------------- prices for dispatch


def marginal_prices(
    tariff: Tariff, index: pd.DatetimeIndex, monthly_kwh_estimate: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Price of the next kWh imported and exported at every step, for the LP and the rule-based dispatch.

    Parameters
    ----------
    tariff : Tariff
    index : pd.DatetimeIndex
        Start of every step, local time.
    monthly_kwh_estimate : float, optional
        Expected monthly import of one home. [kWh/month] It picks the tier,
        the surcharges that are not waived and the rebate band. None: the
        first tier, every surcharge applies, rebates are ignored.

    Returns
    -------
    import_price, export_price : np.ndarray
        (t,) [currency/kWh]. Import: energy price of the step's period at the
        estimated tier + per-kWh surcharges − rebate rate (fixed charges do
        not change at the margin). Export: 0 with no scheme, the fixed price,
        or with net metering the step's energy price at that tier (a kWh
        exported offsets a kWh of energy charge — only while the month's
        exports stay below its imports, which a per-step price cannot see).
    """
    period = period_of_step(tariff.energy, index)
    prices = _price_table(tariff.energy)
    if monthly_kwh_estimate is None:
        tier = 0
        q = None
    else:
        q = np.asarray([float(monthly_kwh_estimate)])
        tier = int(tier_of(tariff.energy, q)[0])
    energy_price = prices[period, tier]
    extra = _surcharge_per_step(tariff, index, q)
    rebate = 0.0 if q is None else float(rebate_rate(tariff, q)[0])
    import_price = energy_price + extra - rebate
    scheme = scheme_in_year(tariff.export, 1)
    if scheme.scheme == "fixed":
        export_price = np.full(len(index), scheme.price_per_kwh)
    elif scheme.scheme == "net_metering":
        export_price = energy_price.copy() if scheme.credit_per_kwh is None else np.full(len(index), scheme.credit_per_kwh)
    else:
        export_price = np.zeros(len(index))
    return import_price.astype(float), export_price.astype(float)


def _surcharge_per_step(tariff: Tariff, index: pd.DatetimeIndex, q: np.ndarray | None) -> np.ndarray | float:
    """Sum of the per-kWh surcharges at each step [currency/kWh], at the rate of the step's month."""
    applying = [c for c in tariff.surcharges if q is None or c.waived_up_to_kwh is None or q[0] > c.waived_up_to_kwh]
    if not any(c.by_month for c in applying):
        return sum(c.price_per_kwh for c in applying)
    starts, labels = _month_starts(index)
    lengths = np.diff(np.r_[starts, len(index)])
    return sum(np.repeat(surcharge_rates(c, labels), lengths) for c in applying)
