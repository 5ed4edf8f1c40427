"""Appraisal of a dispatched design: bills of the design and its baseline, capital cost, NPV, payback.

Bills are those of the homes' own meters (``DispatchResult.home_import_kw``
and ``home_export_kw``); the baseline's are the same homes' simulated load,
all bought from the grid under the same tariff. The community's own imports
(EV chargers, mobility stations, grid-charged community batteries) are not on
the homes' meters in either case; they count in the KPIs' ``energy_cost``
(:func:`zerodistrict.analysis.kpis.compute_kpis`).

Periods: bills are for the run's period (months covered in part are billed
pro rata, :mod:`zerodistrict.analysis.bills`). NPV, payback and LCOE need a
year of cash flows: a run of one calendar year gives them directly; a shorter
run gives them scaled up from its days, flagged by ``annualised_from_days``
and a warning (:func:`period_warnings`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from zerodistrict.analysis import bills as tariff_mod
from zerodistrict.analysis import economics as econ_mod
from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS, default_economics
from zerodistrict.scenario.models import Scenario
from zerodistrict.scenario.tariff import scheme_phases


def _home_kwp(scenario: Scenario) -> np.ndarray:
    """(h,) installed PV of each home [kWp]."""
    return np.repeat([g.pv.kwp if g.pv is not None else 0.0 for g in scenario.homes], [g.count for g in scenario.homes])


def appraise(scenario: Scenario, inputs: DispatchInputs, result: DispatchResult):
    """Bills (design and baseline), capital cost, NPV and payback; None for a country without cost defaults.

    Without a tariff, a home's bill is its import at the marginal import
    price minus its export at the export price. Stores cost by kind
    (:data:`~zerodistrict.analysis.economics.KIND_COSTS`); a home's own stores are
    its own, and shared assets (line, the community bus's batteries and EV
    chargers) are split equally among the homes.
    """
    if scenario.economics is None and scenario.site.country not in ECONOMICS_DEFAULTS:
        return None
    econ = scenario.economics or default_economics(scenario.site.country)
    dt = inputs.step_hours
    days = econ_mod.period_days(inputs.index, dt)
    whole_year = econ_mod.is_calendar_year(inputs.index, dt)
    per_year = 1.0 if whole_year else econ_mod.annualisation_factor(inputs.index, dt)
    tariff = scenario.grid.tariff
    baseline_import = inputs.load_kw
    if tariff is not None:
        bills = tariff_mod.bill_homes(tariff, inputs.index, result.home_import_kw, result.home_export_kw, dt,
                                      scenario.grid.currency)
        base = tariff_mod.bill_homes(tariff, inputs.index, baseline_import, np.zeros_like(baseline_import), dt,
                                     scenario.grid.currency)
        period_bill_h = tariff_mod.bill_per_home(bills, inputs.n_homes)
        period_base_h = tariff_mod.bill_per_home(base, inputs.n_homes)
    else:
        bills = None
        period_bill_h = (result.home_import_kw.T @ inputs.import_price - result.home_export_kw.T @ inputs.export_price) * dt
        period_base_h = baseline_import.T @ inputs.import_price * dt
    bill_h, base_h = period_bill_h * per_year, period_base_h * per_year
    if tariff is not None:  # (years, h) where the export scheme changes with the year of operation
        bill_h = _bills_by_year(scenario, inputs, result, econ.lifetime_years, bill_h, per_year)
    energy_h = inputs.load_kw.sum(axis=0) * dt * per_year
    # stores cost by kind (economics.KIND_COSTS); home stores are their home's, the bus's are shared
    store_cost = econ_mod.store_capex(econ, inputs.stores)
    at_home = ~inputs.stores.at_community
    homes = inputs.stores.location[at_home]
    own_stores = {k: np.bincount(homes, weights=v[at_home], minlength=inputs.n_homes) for k, v in store_cost.items()}
    shared_stores = {k: float(v[~at_home].sum()) for k, v in store_cost.items()}
    line = econ_mod.line_capex(econ, inputs.n_homes, inputs.sharing, inputs.line_capacity_kw)
    store_items = {k: float(np.sum(own_stores[k]) + shared_stores[k]) for k in store_cost}
    items = {
        "pv": float(np.sum(econ_mod.capex_items(econ, econ_mod.Assets(pv_kwp=_home_kwp(scenario)))["pv"])),
        "battery": store_items.pop("battery"),
        "line": float(line),
        **store_items,
    }
    district_bill = bill_h.sum(axis=-1) if bill_h.ndim == 2 else float(bill_h.sum())
    summary = econ_mod.evaluate(econ, items, district_bill, float(base_h.sum()), float(energy_h.sum()),
                                scenario.grid.currency)
    summary = replace(summary, bill_total=float(period_bill_h.sum()), bill_total_baseline=float(period_base_h.sum()),
                      period_days=days, annualised_from_days=None if whole_year else days)
    per_home = econ_mod.evaluate_homes(
        econ, econ_mod.Assets(pv_kwp=_home_kwp(scenario)), bill_h, base_h, energy_h,
        shared_capex=0.0 + shared_stores["battery"] + float(line)
        + sum(v for k, v in shared_stores.items() if k != "battery"),
        shared_battery_capex=shared_stores["battery"],
        own_store_capex=own_stores,
    )
    per_home.insert(1, "bill", period_bill_h)
    per_home.insert(2, "bill_baseline", period_base_h)
    if not whole_year:  # the homes' annual bills would be scaled up, not billed: only the period's are kept
        per_home = per_home.drop(columns=["annual_bill", "annual_bill_baseline"])
    return summary, per_home, bills


def _bills_by_year(scenario: Scenario, inputs: DispatchInputs, result: DispatchResult, years: int,
                   bill_h: np.ndarray, per_year: float) -> np.ndarray:
    """(h,) the simulated year's bills when every year of the lifetime bills alike, else (years, h).

    An export scheme that changes with the year of operation (a FIT's phases,
    Solar ATAP's 10 years) is billed once per phase: the same energy flows
    under the scheme of that phase (``bill_h`` is year 1's, already billed).
    """
    tariff = scenario.grid.tariff
    phases = scheme_phases(tariff.export, years)
    if len(phases) == 1:
        return bill_h
    out = np.empty((years, bill_h.shape[0]))
    for first, last, _ in phases:
        if first == 1:
            year_bill = bill_h
        else:
            bills = tariff_mod.bill_homes(tariff_mod.tariff_in_year(tariff, first), inputs.index, result.home_import_kw,
                                          result.home_export_kw, inputs.step_hours, scenario.grid.currency)
            year_bill = tariff_mod.bill_per_home(bills, inputs.n_homes) * per_year
        out[first - 1:last] = year_bill
    return out


def economics_kpis(economics: econ_mod.EconomicsResult) -> dict[str, float | None]:
    """The appraisal's fields of :class:`~zerodistrict.results.Kpis`.

    ``bill_total`` and ``bill_total_baseline`` are for the run's period;
    ``annual_bill_total`` and ``annual_bill_total_baseline`` appear only for a
    run of one calendar year. NPV, payback and LCOE of a shorter run are
    scaled up from its days and carry ``annualised_from_days``.
    """
    year = economics.annualised_from_days is None
    return {
        "bill_total": economics.bill_total,
        "bill_total_baseline": economics.bill_total_baseline,
        "annual_bill_total": economics.annual_bill_total if year else None,
        "annual_bill_total_baseline": economics.annual_bill_total_baseline if year else None,
        "capex": economics.capex,
        "npv": economics.npv,
        "payback_years": economics.payback_years,
        "lcoe_per_kwh": economics.lcoe_per_kwh,
        "annualised_from_days": economics.annualised_from_days,
    }


def period_warnings(economics: econ_mod.EconomicsResult) -> list[str]:
    """Warnings a reader of the appraisal must see: NPV, payback and LCOE scaled up from a short run."""
    days = economics.annualised_from_days
    if days is None:
        return []
    return [f"NPV, payback and LCOE are annualised from {days:g} days: the period's bills were scaled up to a "
            "year, so this season stands for the whole year; run a full calendar year for an appraisal"]


def period_notes(inputs: DispatchInputs, bills) -> list[str]:
    """Notes on the bills: months the period covers only in part are billed pro rata."""
    if bills is None:
        return []
    share = tariff_mod.month_share_ratio(inputs.index, inputs.step_hours)
    if np.all(share == 1.0):
        return []
    labels = bills["month"].unique()  # each home's months, in order
    parts = ", ".join(f"{m} ({r:.0%})" for m, r in zip(labels, share) if r < 1.0)
    return [f"bills: months the period covers in part are billed pro rata (fixed charges and tier blocks "
            f"scaled by the share of the month covered): {parts}"]
