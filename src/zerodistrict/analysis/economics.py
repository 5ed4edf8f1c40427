"""Investment appraisal: capital cost, NPV, payback and cost of energy against the baseline.

The design (PV, batteries, the private line, EV chargers) is compared with
its baseline — the same homes with no PV and no batteries, buying all their
energy under the same tariff. Each year of the appraisal the design saves
``annual_bill_baseline − annual_bill`` and costs O&M; it costs its capital at
year 0 and a new battery whenever a battery reaches its lifetime before the
end of the appraisal.

Definitions (r discount rate, N lifetime in years, A = Σ_{y=1..N} (1+r)^-y)
-----------------------------------------------------------------------------
* ``capex`` = Σ quantity × unit cost, at year 0. [currency]
* ``npv`` = −capex − PV(battery replacements) + A × (savings − O&M). [currency]
* ``payback_years``: simple payback, capex / (savings − O&M), undiscounted
  and without replacements; None when the net saving is ≤ 0 (never pays
  back). ``discounted_payback_years`` solves Σ_{y≤n} (1+r)^-y (savings − O&M)
  = capex in closed form.
* Runs shorter than a calendar year: the period's bills, savings and energy
  are scaled up to a year by :func:`annualisation_factor` before these
  formulas, and the result says so (``annualised_from_days``); the season of
  the period then stands for the whole year.
* ``lcoe_per_kwh``: levelised cost of the energy the homes use, as HOMER's
  cost of energy (total annualised cost / energy served): (capex + PV(battery
  replacements) + A × (O&M + annual bill)) / (A × annual energy). The
  baseline's is its annual bill / annual energy, so the two compare directly.

Export prices by year of operation
----------------------------------
A feed-in tariff is a price by year of operation (Japan's FIT from October
2025: ¥24/kWh in years 1–4, ¥8.3 in years 5–10, then the retailer's
buyback), and Solar ATAP credits exports for 10 years only. The simulated
year is billed as year 1; when the scheme changes over the lifetime the
appraisal bills the same energy flows once per phase of the scheme
(:func:`zerodistrict.scenario.tariff.scheme_phases`) and its cash flows use
each year's bill B_y: npv = −capex − PV(battery replacements) + Σ_y (1+r)^-y
(baseline − B_y − O&M); paybacks and the LCOE likewise
(:func:`payback_by_year`, ``_appraise_by_year``; a payback beyond the
lifetime assumes the last year's saving goes on). With one bill for every
year these are the closed forms above. ``annual_bill_total`` and
``annual_saving`` are then year 1's, and ``annual_bill_by_year`` lists B_y.

Simplifications
---------------
* Real terms: constant prices and tariffs over the lifetime (no escalation,
  no PV degradation); the discount rate is real.
* One appraisal lifetime for every asset except batteries, which are replaced
  at their own lifetime at today's price; no salvage value at the end.
* No subsidies, taxes or financing costs; the shared EVs themselves are
  mobility assets, not counted here (their chargers are).
* Per home, shared assets (community battery, line, chargers) are split
  equally among the homes (our assumption).
* The private line costs ``line_per_home`` per home, plus ``line_per_kw`` per
  kW of its trunk when the scenario gives a finite ``line_capacity_kw``
  (:func:`line_capex`).

References
----------
.. [1] Japan residential PV ≈¥288,000/kW (new build, 2023); home batteries
   ≈¥139,000/kWh installed (FY2022); docs/sources.md [S10].
.. [2] Malaysia: ≈RM20,000 for a family rooftop PV system (2023); docs/sources.md [K8].
.. [3] HOMER Pro manual, "Levelized Cost of Energy": COE = total annualized
   cost / total electrical load served (homerenergy.com).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from zerodistrict.dispatch.common import Stores
from zerodistrict.errors import InputError
from zerodistrict.scenario.economics import Economics


@dataclass
class Assets:
    """Quantities that cost capital; floats for a district, (h,) arrays per home."""

    pv_kwp: float | np.ndarray = 0.0
    battery_kwh: float | np.ndarray = 0.0
    line_homes: float | np.ndarray = 0.0
    ev_chargers: float | np.ndarray = 0.0


def capex_items(economics: Economics, assets: Assets) -> dict[str, float | np.ndarray]:
    """Capital cost of each kind of asset [currency]: keys pv, battery, line, ev_chargers."""
    return {
        "pv": np.asarray(assets.pv_kwp, dtype=float) * economics.pv_per_kwp,
        "battery": np.asarray(assets.battery_kwh, dtype=float) * economics.battery_per_kwh,
        "line": np.asarray(assets.line_homes, dtype=float) * economics.line_per_home,
        "ev_chargers": np.asarray(assets.ev_chargers, dtype=float) * economics.ev_charger_per_unit,
    }


def line_capex(economics: Economics, n_homes: int, sharing: bool, line_capacity_kw: float = np.inf) -> float:
    """Capital cost of the private line [currency]: ``line_per_home`` × homes + ``line_per_kw`` × trunk capacity.

    Nothing without sharing (no line); the per-kW part only for a finite capacity with ``line_per_kw`` given
    (an unlimited trunk is priced per home alone, as before the capacity existed).
    """
    if not sharing:
        return 0.0
    total = float(capex_items(economics, Assets(line_homes=n_homes))["line"])
    if economics.line_per_kw is not None and np.isfinite(line_capacity_kw):
        total += float(line_capacity_kw) * economics.line_per_kw
    return total


#: capital cost of a store by its kind: (capex item, Economics unit-cost field, quantity of each store).
#: Batteries cost per kWh installed; an EV costs its charger (the vehicle itself is a mobility asset).
#: Hydrogen stores (a transport depot's electrolyser, tank, fuel cell) are appraised apart, by their levelised cost
#: of hydrogen (:mod:`zerodistrict.analysis.hydrogen`), not in the homes' capex; any other kind without an entry
#: cannot be appraised.
KIND_COSTS: dict[str, tuple[str, str, Callable[[Stores], np.ndarray]]] = {
    "battery": ("battery", "battery_per_kwh", lambda s: s.capacity_kwh),
    "ev": ("ev_chargers", "ev_charger_per_unit", lambda s: np.ones(s.n)),
}


def store_capex(economics: Economics, stores: Stores) -> dict[str, np.ndarray]:
    """Capital cost of each store [currency], (n,) per capex item (``battery``, ``ev_chargers``).

    Raises
    ------
    InputError
        A store of a kind with no cost in :data:`KIND_COSTS`.
    """
    out = {item: np.zeros(stores.n) for item, _, _ in KIND_COSTS.values()}
    for kind in dict.fromkeys(stores.kind):
        if kind == "hydrogen":  # appraised apart (lcoh_per_kg)
            continue
        if kind not in KIND_COSTS:
            raise InputError(f"stores: no capital cost for stores of kind {kind!r}; "
                             f"economics prices {', '.join(KIND_COSTS)}")
        item, unit_cost, quantity = KIND_COSTS[kind]
        mask = stores.kind == kind
        out[item][mask] = quantity(stores.select(mask)) * getattr(economics, unit_cost)
    return out


# --------------------------------------------------------------------------- discounting


def annuity_factor(discount_rate: float, years: int) -> float:
    """A = Σ_{y=1..N} (1+r)^-y = (1 − (1+r)^-N) / r; N when r = 0. [yr]"""
    if discount_rate == 0:
        return float(years)
    # expm1/log1p keep precision for tiny rates, where 1 − (1+r)^-N cancels to 0
    return float(-np.expm1(-years * np.log1p(discount_rate)) / discount_rate)


def replacement_factor(discount_rate: float, years: int, asset_life_years: int) -> float:
    """Σ_k (1+r)^-(k·L) over replacements at k·L < N: present value of replacing an asset, per unit of its cost."""
    ks = np.arange(asset_life_years, years, asset_life_years, dtype=float)
    return float(((1.0 + discount_rate) ** -ks).sum())


def simple_payback_years(capex: np.ndarray, net_saving: np.ndarray) -> np.ndarray:
    """capex / net annual saving [yr]; NaN where the saving is ≤ 0 (never); 0 with no capex and no loss."""
    capex = np.asarray(capex, dtype=float)
    s = np.asarray(net_saving, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s > 0, capex / s, np.nan)
    return np.where(capex <= 0, np.where(s >= 0, 0.0, np.nan), out)


def discounted_payback_years(capex: np.ndarray, net_saving: np.ndarray, discount_rate: float) -> np.ndarray:
    """n with A(r, n) × saving = capex: n = −ln(1 − capex·r/saving) / ln(1+r) [yr]; NaN if never."""
    if discount_rate < 1e-9:  # the limit r → 0 (and no underflow of capex·r/saving for tiny rates)
        return simple_payback_years(capex, net_saving)
    capex = np.asarray(capex, dtype=float)
    s = np.asarray(net_saving, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = capex * discount_rate / s  # the annuity must reach capex/s, which it can only while y < 1
        ok = (s > 0) & (y < 1)
        out = np.where(ok, -np.log1p(-np.where(ok, y, 0.0)) / np.log1p(discount_rate), np.nan)
    return np.where(capex <= 0, np.where(s >= 0, 0.0, np.nan), out)


def discount_factors(discount_rate: float, years: int) -> np.ndarray:
    """(N,) (1+r)^-y for the years y = 1 … N of the appraisal."""
    return (1.0 + discount_rate) ** -np.arange(1, years + 1, dtype=float)


def payback_by_year(capex: np.ndarray, net_saving_by_year: np.ndarray, discount_rate: float) -> np.ndarray:
    """Payback [yr] of cash flows that change from year to year; NaN if never.

    Parameters
    ----------
    capex : np.ndarray
        (...) capital at year 0. [currency]
    net_saving_by_year : np.ndarray
        (N, ...) net saving of each year 1 … N; the last year's goes on after N. [currency/yr]
    discount_rate : float
        r; 0 gives the simple payback.

    Notes
    -----
    A year's saving s_k accrues evenly over the year, as in
    :func:`discounted_payback_years`: the part of year k up to t ∈ [0, 1] is
    worth s_k (1+r)^-(k-1) A(r, t) with A(r, t) = (1 − (1+r)^-t) / r (t with
    r = 0). Payback is the first k − 1 + t at which the value of the savings
    reaches capex. With the same saving every year it equals the closed forms
    capex / s and −ln(1 − capex·r/s) / ln(1+r).
    """
    r = 0.0 if discount_rate < 1e-9 else float(discount_rate)
    capex = np.asarray(capex, dtype=float)
    net = np.asarray(net_saving_by_year, dtype=float)
    n_years = net.shape[0]
    remaining = capex.copy()
    out = np.full(np.broadcast_shapes(capex.shape, net.shape[1:]), np.nan)
    found = np.zeros(out.shape, dtype=bool)
    for k in range(n_years + 1):  # k = n_years: the last year's saving for ever after
        s = net[min(k, n_years - 1)]
        v = (1.0 + r) ** -k
        with np.errstate(divide="ignore", invalid="ignore"):
            x = remaining / (s * v)  # A(r, t) the year must reach
            ok = (s > 0) & (x * r < 1)
            t = x if r == 0 else -np.log1p(-np.where(ok, x * r, 0.0)) / np.log1p(r)
        hit = ~found & ok & ((t <= 1.0) | (k == n_years))
        out = np.where(hit, k + t, out)
        found |= hit
        remaining = remaining - s * (1.0 + r) ** -(k + 1)
    first = net[0]
    return np.where(capex <= 0, np.where(first >= 0, 0.0, np.nan), out)


# --------------------------------------------------------------------------- appraisal


@dataclass
class EconomicsResult:
    """Appraisal of a district design against its baseline (amounts in ``currency``)."""

    currency: str
    capex: float
    capex_breakdown: dict[str, float]
    annual_bill_total: float
    annual_bill_total_baseline: float
    annual_saving: float  # baseline bill − design bill [currency/yr]
    annual_om: float  # [currency/yr]
    npv: float
    payback_years: float | None  # simple; None = never
    discounted_payback_years: float | None  # None = never
    lcoe_per_kwh: float | None  # [currency/kWh]; None when the homes use no energy
    lcoe_baseline_per_kwh: float | None  # [currency/kWh]
    notes: list[str] = field(default_factory=list)
    #: the design's bill in each year 1 … N of the appraisal when it changes from year to year
    #: (an export price by year of operation); empty when every year bills as the simulated one
    annual_bill_by_year: list[float] = field(default_factory=list)
    #: bills of the homes over the run's period, design and baseline [currency] (= the annual ones for a year)
    bill_total: float | None = None
    bill_total_baseline: float | None = None
    #: length of the run [d]
    period_days: float | None = None
    #: None for a run of one calendar year; else the run's days, from which every ``annual_*`` figure,
    #: NPV, payback and LCOE were scaled up to a year (:func:`annualisation_factor`)
    annualised_from_days: float | None = None


def _appraise(
    economics: Economics,
    capex: np.ndarray,
    battery_capex: np.ndarray,
    annual_bill: np.ndarray,
    annual_bill_baseline: np.ndarray,
    annual_energy_kwh: np.ndarray,
    bill_by_year: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The appraisal formulas of the module docstring, broadcast over arrays.

    ``bill_by_year`` (N, ...) replaces the constant ``annual_bill`` in the
    cash flows of years 1 … N (:func:`_appraise_by_year`).
    """
    r, n = economics.discount_rate, economics.lifetime_years
    a = annuity_factor(r, n)
    repl = battery_capex * replacement_factor(r, n, economics.battery_lifetime_years)
    om = capex * economics.om_ratio_per_year
    if bill_by_year is not None:
        return _appraise_by_year(economics, capex, repl, om, bill_by_year, annual_bill_baseline, annual_energy_kwh)
    saving = annual_bill_baseline - annual_bill
    with np.errstate(divide="ignore", invalid="ignore"):
        lcoe = np.where(annual_energy_kwh > 0, (capex + repl + a * (om + annual_bill)) / (a * annual_energy_kwh), np.nan)
        lcoe_base = np.where(annual_energy_kwh > 0, annual_bill_baseline / annual_energy_kwh, np.nan)
    return {
        "capex": capex,
        "annual_om": om,
        "annual_saving": saving,
        "npv": -capex - repl + a * (saving - om),
        "payback_years": simple_payback_years(capex, saving - om),
        "discounted_payback_years": discounted_payback_years(capex, saving - om, r),
        "lcoe_per_kwh": lcoe,
        "lcoe_baseline_per_kwh": lcoe_base,
    }


def _appraise_by_year(
    economics: Economics,
    capex: np.ndarray,
    repl: np.ndarray,
    om: np.ndarray,
    bill_by_year: np.ndarray,
    annual_bill_baseline: np.ndarray,
    annual_energy_kwh: np.ndarray,
) -> dict[str, np.ndarray]:
    """The appraisal with the design's bill B_y of each year y = 1 … N (baseline bill B0 constant).

    npv = −capex − PV(replacements) + Σ_y (1+r)^-y (B0 − B_y − O&M);
    paybacks from the year-by-year net savings (:func:`payback_by_year`);
    LCOE = (capex + PV(replacements) + Σ_y (1+r)^-y (O&M + B_y)) / (A × energy).
    ``annual_saving`` is year 1's.
    """
    r, n = economics.discount_rate, economics.lifetime_years
    bills = np.asarray(bill_by_year, dtype=float)
    if bills.shape[0] != n:
        raise ValueError(f"bill_by_year needs one bill per year of the lifetime ({n}), got {bills.shape[0]}")
    d = discount_factors(r, n).reshape((-1,) + (1,) * (bills.ndim - 1))
    a = annuity_factor(r, n)
    net = annual_bill_baseline - bills - om  # (N, ...)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = capex + repl + a * om + (d * bills).sum(axis=0)
        lcoe = np.where(annual_energy_kwh > 0, cost / (a * annual_energy_kwh), np.nan)
        lcoe_base = np.where(annual_energy_kwh > 0, annual_bill_baseline / annual_energy_kwh, np.nan)
    return {
        "capex": capex,
        "annual_om": om,
        "annual_saving": annual_bill_baseline - bills[0],
        "npv": -capex - repl + (d * net).sum(axis=0),
        "payback_years": payback_by_year(capex, net, 0.0),
        "discounted_payback_years": payback_by_year(capex, net, r),
        "lcoe_per_kwh": lcoe,
        "lcoe_baseline_per_kwh": lcoe_base,
    }


def _none_if_nan(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def evaluate(
    economics: Economics,
    capex_by_item: dict[str, float],
    annual_bill: float,
    annual_bill_baseline: float,
    annual_energy_kwh: float,
    currency: str | None = None,
) -> EconomicsResult:
    """Appraise a district design.

    Parameters
    ----------
    economics : Economics
    capex_by_item : dict
        Capital cost by asset kind [currency], e.g. from :func:`capex_items`;
        the ``battery`` entry is replaced at the battery lifetime.
    annual_bill, annual_bill_baseline : float
        Sum of the homes' bills over a year, design and baseline. [currency/yr]
        ``annual_bill`` may be a sequence of the bills of years 1 … N of the
        lifetime (an export price by year of operation); the cash flows then
        use each year's, and ``annual_bill_total`` is year 1's.
    annual_energy_kwh : float
        Energy the homes use in a year (load served). [kWh/yr]
    currency : str, optional
        The scenario's currency; must equal ``economics.currency``.

    Returns
    -------
    EconomicsResult
    """
    cur = _check_currency(economics, currency)
    breakdown = {k: float(np.sum(v)) for k, v in capex_by_item.items()}
    capex = sum(breakdown.values())
    by_year = np.asarray(annual_bill, dtype=float) if np.ndim(annual_bill) == 1 else None
    year1 = float(by_year[0]) if by_year is not None else float(annual_bill)
    out = _appraise(
        economics,
        np.asarray(capex),
        np.asarray(breakdown.get("battery", 0.0)),
        np.asarray(year1),
        np.asarray(float(annual_bill_baseline)),
        np.asarray(float(annual_energy_kwh)),
        bill_by_year=by_year,
    )
    notes = []
    if not np.isfinite(out["payback_years"]):
        notes.append("the design never pays back: its annual saving does not exceed its O&M"
                     if by_year is None else "the design never pays back: its savings do not repay its capital")
    return EconomicsResult(
        currency=cur,
        capex=float(capex),
        capex_breakdown=breakdown,
        annual_bill_by_year=[] if by_year is None else [float(b) for b in by_year],
        annual_bill_total=year1,
        annual_bill_total_baseline=float(annual_bill_baseline),
        annual_saving=float(out["annual_saving"]),
        annual_om=float(out["annual_om"]),
        npv=float(out["npv"]),
        payback_years=_none_if_nan(float(out["payback_years"])),
        discounted_payback_years=_none_if_nan(float(out["discounted_payback_years"])),
        lcoe_per_kwh=_none_if_nan(float(out["lcoe_per_kwh"])),
        lcoe_baseline_per_kwh=_none_if_nan(float(out["lcoe_baseline_per_kwh"])),
        notes=notes,
    )


def evaluate_homes(
    economics: Economics,
    assets: Assets,
    annual_bill: np.ndarray,
    annual_bill_baseline: np.ndarray,
    annual_energy_kwh: np.ndarray,
    shared_capex: float = 0.0,
    shared_battery_capex: float = 0.0,
    own_store_capex: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Appraisal of every home, vectorised: one row per home.

    Parameters
    ----------
    economics : Economics
    assets : Assets
        (h,) each home's own PV [kWp] and battery [kWh] (other fields ignored).
    annual_bill, annual_bill_baseline, annual_energy_kwh : np.ndarray
        (h,) per home. [currency/yr], [kWh/yr] ``annual_bill`` may be (N, h),
        each home's bill in years 1 … N of the lifetime; the ``annual_bill``
        column is then year 1's.
    shared_capex : float
        Capital cost of shared assets (line, community battery, chargers),
        split equally among the homes. [currency]
    shared_battery_capex : float
        The part of ``shared_capex`` that is batteries (replaced). [currency]
    own_store_capex : dict, optional
        (h,) capital cost of each home's own stores per capex item (:func:`store_capex` summed per
        home); when given it replaces the cost of ``assets.battery_kwh``. [currency]

    Returns
    -------
    pd.DataFrame
        Columns ``home``, ``capex``, ``annual_bill``, ``annual_bill_baseline``,
        ``npv``, ``payback_years`` (NaN = never), ``discounted_payback_years``,
        ``lcoe_per_kwh``. [currency], [yr], [currency/kWh]
    """
    by_year = np.asarray(annual_bill, dtype=float)
    bill = by_year[0] if by_year.ndim == 2 else by_year
    n = bill.shape[0]
    own = capex_items(economics, Assets(pv_kwp=assets.pv_kwp, battery_kwh=assets.battery_kwh))
    stores = own_store_capex if own_store_capex is not None else {"battery": own["battery"]}
    share = 1.0 / n if n else 0.0
    capex = np.broadcast_to(own["pv"] + sum(stores.values()), (n,)) + shared_capex * share
    battery = np.broadcast_to(stores["battery"], (n,)) + shared_battery_capex * share
    out = _appraise(
        economics,
        capex,
        battery,
        bill,
        np.asarray(annual_bill_baseline, dtype=float),
        np.asarray(annual_energy_kwh, dtype=float),
        bill_by_year=by_year if by_year.ndim == 2 else None,
    )
    return pd.DataFrame(
        {
            "home": np.arange(n),
            "capex": capex,
            "annual_bill": bill,
            "annual_bill_baseline": np.asarray(annual_bill_baseline, dtype=float),
            "npv": out["npv"],
            "payback_years": out["payback_years"],
            "discounted_payback_years": out["discounted_payback_years"],
            "lcoe_per_kwh": out["lcoe_per_kwh"],
        }
    )


def period_days(index: pd.DatetimeIndex, step_hours: float) -> float | int:
    """Length of the run in days of the site's calendar [d]: an int when whole (14, 365, 366).

    Measured on the local clock from the first step to the end of the last, so a
    day with a daylight-saving change counts as one day; derived from the index,
    never from an assumed number of steps.
    """
    if len(index) == 0:
        raise ValueError("empty index")
    start = index[0]
    end = index[-1] + pd.Timedelta(hours=step_hours)
    if start.tzinfo is not None:
        start, end = start.tz_localize(None), end.tz_localize(None)
    days = (end - start) / pd.Timedelta(days=1)
    return int(round(days)) if abs(days - round(days)) < 1e-9 else float(days)


def _days_in_year(year: int) -> int:
    return 366 if pd.Timestamp(year=year, month=12, day=31).dayofyear == 366 else 365


def is_calendar_year(index: pd.DatetimeIndex, step_hours: float) -> bool:
    """True when the run covers exactly one calendar year of local time (1 January 00:00 to the next)."""
    if len(index) == 0:
        return False
    start = index[0]
    local_start = start.tz_localize(None) if start.tzinfo is not None else start
    return (local_start == pd.Timestamp(year=start.year, month=1, day=1)
            and period_days(index, step_hours) == _days_in_year(start.year))


def annualisation_factor(index: pd.DatetimeIndex, step_hours: float) -> float:
    """Days in the calendar year of the run's first step / days the run covers (1 for a full-year run).

    Only for the appraisal of a run shorter than a year, which then says so
    (``annualised_from_days``): NPV, payback and LCOE need yearly cash flows.
    """
    days = period_days(index, step_hours)  # raises on an empty index
    return _days_in_year(index[0].year) / days


def _check_currency(economics: Economics, currency: str | None, field: str = "economics.currency") -> str:
    if currency and economics.currency != currency.upper():
        raise InputError(
            f"{field}: unit costs are in {economics.currency} but the scenario's currency is {currency.upper()}"
        )
    return economics.currency
