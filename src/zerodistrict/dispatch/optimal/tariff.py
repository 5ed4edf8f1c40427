"""The bill as the dispatch LP's objective (``objective="bill"``): a tariff's monthly structure in the LP.

What "the bill" of the district is
----------------------------------
The LP bills the district on its **meters as the LP models them**:

* without sharing, every home has its own meter and is billed alone (one account per home);
  the community bus (community batteries, EVs, mobility stations), if it has any of these,
  is one more account on the same tariff;
* with sharing, the district trades with the grid at one connection. Its homes stay
  ``A = n_homes`` households on the tariff, and the district's import and export are
  shared **equally** among them: every monthly limit (tier widths) and every monthly
  charge is multiplied by ``A``, and net-metering credit is netted on the district's
  monthly totals. This is a linear function the LP owns. (The homes' bills reported by
  the appraisal attribute imports in proportion to what each home draws from the line, and
  bill no one for what the community's own stores import: a non-linear split the LP
  cannot own. Under a convex tariff the equal split bills at most what any other split of
  the same flows bills, Jensen's inequality.)

:func:`dispatch_bill` computes this bill after any dispatch (rule-based or optimal) with
:func:`zerodistrict.analysis.bills.monthly_bills`, every tariff feature included.

Exact in the LP (linear or convex), per account ``a`` and calendar month ``m``
-----------------------------------------------------------------------------
* flat and time-of-use prices; increasing block tiers per month (tier variables with
  monthly caps, :func:`add_tier_split`); a time-of-use table whose tier premium is the same
  in every period (``price[p, j] = price[p, 0] + δ_j``, true of TNB ToU) is exact, since
  then bills.py's pro-rata split of tiers between periods sums to
  ``Σ_p price[p, 0]·q_p + Σ_j δ_j·k_j``;
* per-kWh surcharges that are never waived; fixed charges that are never waived (constants);
* export: none, a fixed price per kWh (FIT, post-FIT buyback), or net metering
  (:func:`add_net_metering_credit`): the credit is at most the month's energy charge and, with
  a credit rate, at most rate × exports; with the 1:1 kWh offset (Solar ATAP) the credited kWh
  are valued at the first-tier energy price — exact while the month's imports stay in the first
  tier and there is no time-of-use table (the month's average rate is then that price).

Billed after dispatch only (not convex; :func:`dispatch_bill` includes them, the LP does not)
--------------------------------------------------------------------------------------------
* consumption rebates (TNB's Energy Efficiency Incentive bands): left out of the LP (rebates
  are ≥ 0, so the LP objective is at most this much above the bill);
* waivers by consumption (TNB's retail charge and fuel adjustment at ≤ 600 kWh): the LP
  charges them in every month;
* ``basis: whole`` tiers (the LP prices them incrementally), declining tiers, time-of-use
  tables whose tier premiums differ by period, net metering's average-rate credit above the
  first tier (the LP values credit at the first-tier price).

The gap between the LP objective and :func:`dispatch_bill` of its own dispatch is measured on
every preset by ``benchmarks/presets_full_year.py`` (2025, hourly): 0 to solver tolerance for
TEPCO (saitama-misono) and flat prices (kuching-north); for kuala-lumpur-wangsa-maju the LP
objective is RM 24,884 while the bill is RM 0 — the EEI rebate (up to 25 sen/kWh) plus Solar ATAP
credit exceed every month's charges, and bills.py floors a month's bill at zero — so on TNB
presets the LP minimises an upper bound of the bill, never the bill itself.

Solving: with net metering, :meth:`OptimalModel.solve <zerodistrict.dispatch.optimal.OptimalModel.solve>`
solves month regime by month regime (:func:`solve_by_regimes`, exact: the same optimum, certified),
because the month-long credit rows make HiGHS's dual simplex several times slower per iteration.

Rolling horizons do not see months: a rolling dispatch with ``objective="bill"`` minimises the
energy cost at the step prices (a note says so).
"""

from __future__ import annotations

import logging
import time as time_mod
from collections.abc import Callable
from dataclasses import dataclass

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from zerodistrict.analysis import bills as bills_mod
from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
from zerodistrict.scenario.tariff import Tariff

log = logging.getLogger(__name__)


@dataclass
class _TariffLP:
    """A tariff as the LP's arrays on a time axis (amounts per account)."""

    tariff: Tariff
    base_price: np.ndarray  # (t,) first-tier energy price of each step's period [currency/kWh]
    tier_premium: np.ndarray  # (K,) energy price of tier j above the first tier's (row 0) [currency/kWh]
    tier_width_kwh: np.ndarray  # (K,) monthly kWh of each tier per account (inf for the last)
    month: np.ndarray  # (t,) month number 0..M-1 of each step
    n_months: int
    surcharge_per_kwh: np.ndarray  # (t,) every per-kWh surcharge at its rate of the step's month, waived or not
    fixed_per_month: float  # every fixed charge, waived or not
    month_share: np.ndarray  # (M,) share of each calendar month the period covers (bills.py pro rata) [0–1]
    credit_per_kwh: float  # net metering: value of a credited kWh [currency/kWh]
    #: monthly sums as one row per month instead of running sums (:func:`_monthly`): the sizing LP's
    #: choice, solved by interior point, where running sums' free variables slow HiGHS's IPX
    dense_sums: bool = False


def tariff_lp(tariff: Tariff, index: pd.DatetimeIndex, step_hours: float) -> _TariffLP:
    """The LP's view of ``tariff`` on ``index`` (see the module docstring for what it leaves out).

    As in bills.py, a month the period covers in part has its tier widths and fixed charges
    scaled by the share it covers (:func:`~zerodistrict.analysis.bills.month_share_ratio`),
    and a surcharge dated by month is charged at that month's rate.
    """
    energy = tariff.energy
    table = np.asarray([energy.prices_per_kwh] + [p.prices_per_kwh for p in energy.time_of_use], dtype=float)
    period = bills_mod.period_of_step(energy, index)
    starts, labels = bills_mod._month_starts(index)
    month = np.zeros(len(index), dtype=np.int64)
    month[starts[1:]] = 1
    month = np.cumsum(month)
    surcharge_by_month = sum((bills_mod.surcharge_rates(c, labels, len(labels)) for c in tariff.surcharges),
                             np.zeros(len(labels)))
    limits = np.asarray(energy.tier_limits_kwh, dtype=float)
    width = np.diff(np.r_[0.0, limits, np.inf])
    scheme = tariff.export
    credit = 0.0
    if scheme.scheme == "net_metering":
        credit = float(table[:, 0].min()) if scheme.credit_per_kwh is None else float(scheme.credit_per_kwh)
    return _TariffLP(
        tariff=tariff, base_price=table[period, 0], tier_premium=table[0] - table[0, 0], tier_width_kwh=width,
        month=month, n_months=int(month[-1]) + 1 if month.size else 0,
        surcharge_per_kwh=surcharge_by_month[month],
        fixed_per_month=float(sum(c.per_month for c in tariff.fixed)), credit_per_kwh=credit,
        month_share=bills_mod.month_share_ratio(index, step_hours),
    )


#: build the monthly sums as one dense row per month (the reference formulation, for tests and
#: benchmarks/bench_lossy_bill.py) instead of running sums (:func:`_monthly`)
_DENSE_MONTHLY_SUMS = False


def _monthly_dense(expr: linopy.LinearExpression, t: _TariffLP, weights: np.ndarray) -> linopy.LinearExpression:
    """``Σ_{t∈m} w(t)·expr(t)`` for every month m (dimension ``month``), one row of the month's steps."""
    time = expr.indexes["time"]
    expr = xr.DataArray(weights, coords=[time]) * expr
    return expr.groupby(xr.DataArray(t.month, coords=[time], name="month")).sum()


def _monthly(m: linopy.Model, expr: linopy.LinearExpression, t: _TariffLP, weights: np.ndarray,
             name: str) -> linopy.LinearExpression:
    """``S(m) = Σ_{t∈m} w(t)·expr(t)`` for every month m (dimension ``month``), as running sums [kWh or currency].

    A free variable per step (and per meter, for every dimension of ``expr`` besides ``time``)
    accumulates along the month, ``a(t) = [t and t−1 in the same month]·a(t−1) + w(t)·expr(t)``,
    and ``S(m) = a(t_m)`` at the month's last step ``t_m``. By induction ``a(t)`` is the sum from
    the month's first step to ``t``, so every feasible point of the dense rows extends to exactly
    one feasible point here and back: the same LP, projected (same optimum). Each row has 2–3
    nonzeros, where the dense sum has one row of ~730 (a month hourly). Measured (benchmarks/optimal.md,
    issue 11 item 6): about as fast as the dense rows (HiGHS's presolve substitutes most running sums
    back); what made the bill LP slow was the net-metering credit's coupling, which
    :func:`solve_by_regimes` removes. ``name`` names the variables (``{name}``) and rows (``{name}_running``).
    """
    if _DENSE_MONTHLY_SUMS or t.dense_sums:
        return _monthly_dense(expr, t, weights)
    time = expr.indexes["time"]
    other = [d for d in expr.coord_dims if d != "time"]
    data = expr.data.transpose("time", *other, "_term")
    coords = [time] + [expr.indexes[d] for d in other]
    a = m.add_variables(coords=coords, name=name)
    a_lab = a.labels.transpose("time", *other).values
    same = np.r_[False, t.month[1:] == t.month[:-1]]
    prev = np.full_like(a_lab, -1)
    prev[1:] = a_lab[:-1]
    prev[~same] = -1  # a month's first step starts the sum (label -1: no term)
    w = np.asarray(weights, dtype=float).reshape((-1,) + (1,) * (a_lab.ndim - 1))
    e_vars = data["vars"].values
    e_coef = -w[..., None] * data["coeffs"].values
    shape = a_lab.shape
    vars_ = np.concatenate([a_lab[..., None], prev[..., None], e_vars], axis=-1)
    coef = np.concatenate([np.ones(shape + (1,)), -np.ones(shape + (1,)), e_coef], axis=-1)
    dims = ("time", *other, "_term")
    lhs = linopy.LinearExpression(xr.Dataset({"coeffs": (dims, coef), "vars": (dims, vars_)},
                                             coords={c.name: c for c in coords}), m)
    rhs = np.broadcast_to(w, shape) * (data["const"].values if "const" in data else 0.0)
    m.add_constraints(lhs == xr.DataArray(rhs, coords=coords), name=f"{name}_running")
    ends = np.r_[np.flatnonzero(~same)[1:] - 1, time.size - 1] if time.size else np.zeros(0, dtype=int)
    month = pd.RangeIndex(ends.size, name="month")
    last = a_lab[ends][..., None]
    mdims = ("month", *other, "_term")
    return linopy.LinearExpression(
        xr.Dataset({"coeffs": (mdims, np.ones(last.shape)), "vars": (mdims, last)},
                   coords={"month": month, **{c.name: c for c in coords[1:]}}), m)


def _energy_charge(m: linopy.Model, t: _TariffLP, imp: linopy.LinearExpression, q: linopy.LinearExpression,
                   dt: float, name: str) -> linopy.LinearExpression:
    """First-tier energy charge of each month, ``Σ_{t∈m} Δt·p_0(t)·P_imp(t)`` [currency].

    Where ``p_0`` is one price over each month (no time-of-use table) this is ``p_0(m)·Q(m)`` on the
    month's import ``Q`` (no new rows); otherwise a running sum of its own (:func:`_monthly`).
    """
    firsts = np.r_[0, np.flatnonzero(np.diff(t.month)) + 1]
    price_m = t.base_price[firsts] if t.base_price.size else np.zeros(0)
    if _DENSE_MONTHLY_SUMS or not np.array_equal(t.base_price, price_m[t.month]):
        return _monthly(m, imp, t, dt * t.base_price, f"{name}_energy_charge")
    return xr.DataArray(price_m, coords=[q.indexes["month"]]) * q


def add_tier_split(m: linopy.Model, t: _TariffLP, q: linopy.LinearExpression, accounts: float,
                   name: str) -> linopy.LinearExpression | None:
    """Monthly block tiers of a meter: ``Σ_j k_j(m) = Q(m)``, ``0 ≤ k_j(m) ≤ A·σ_m·(L_{j+1} − L_j)`` [kWh].

    ``Q(m) = Σ_{t∈m} Δt·P_imp(t)`` is the meter's import of month m, ``A`` its accounts,
    ``σ_m`` the share of month m the period covers (1 for a whole month), ``L_j`` the tier limits (``L_0 = 0``, the last tier unbounded). Returns the tier premium
    ``Σ_m Σ_j δ_j·k_j(m)`` with ``δ_j = price_j − price_0``; with prices that increase by
    tier the LP fills the cheaper tiers first, so this is bills.py's incremental charge
    exactly (None with a single tier).
    """
    n_tiers = t.tier_premium.size
    if n_tiers < 2:
        return None
    tier = pd.RangeIndex(n_tiers, name=f"{name}_tier")
    coords = [q.indexes[d] for d in q.coord_dims] + [tier]
    width = accounts * xr.DataArray(t.month_share, coords=[q.indexes["month"]]) * xr.DataArray(t.tier_width_kwh, coords=[tier])
    upper = width.broadcast_like(xr.DataArray(np.zeros(tuple(len(c) for c in coords)), coords=coords)).transpose(
        *[c.name for c in coords])
    k = m.add_variables(0.0, upper, name=f"{name}_tier_kwh")
    m.add_constraints(k.sum(tier.name) - q == 0.0, name=f"{name}_tiers")
    return (xr.DataArray(t.tier_premium, coords=[tier]) * k).sum()


def add_net_metering_credit(m: linopy.Model, t: _TariffLP, energy_charge: linopy.LinearExpression,
                            x: linopy.LinearExpression, name: str) -> linopy.LinearExpression:
    """Net-metering credit of a meter: ``0 ≤ v(m) ≤ E(m)`` and ``v(m) ≤ r·X(m)`` [currency].

    ``E(m)`` is the month's energy charge, ``X(m) = Σ_{t∈m} Δt·P_exp(t)`` its export, ``r`` the
    credit rate (the first-tier energy price for a 1:1 kWh offset). Credit beyond either
    limit is forfeited at month end. Returns ``Σ_m v(m)``.
    """
    v = m.add_variables(0.0, coords=[energy_charge.indexes[d] for d in energy_charge.coord_dims], name=f"{name}_credit")
    m.add_constraints(v - energy_charge <= 0.0, name=f"{name}_credit_le_energy_charge")
    m.add_constraints(v - t.credit_per_kwh * x <= 0.0, name=f"{name}_credit_le_exports")
    return v.sum()


def meter_bill(m: linopy.Model, t: _TariffLP, imp: linopy.LinearExpression, exp: linopy.LinearExpression,
               accounts: float, dt: float, name: str) -> tuple[linopy.LinearExpression, float]:
    """Bill of one meter (or one per home) over the period: a linear expression and a constant [currency].

    ``B = Σ_t Δt·(p_0(t) + s(t))·P_imp(t) + Σ_m Σ_j δ_j·k_j(m) − credit + Σ_m σ_m·A·F``, where ``p_0(t)``
    is the first-tier energy price of the step's period, ``s(t)`` the per-kWh surcharges of the step's
    month, ``F`` the fixed charges per month and ``σ_m`` the share of month m covered (the constant), and credit ``Σ_t Δt·x·P_exp(t)`` at a fixed export
    price ``x`` or ``Σ_m v(m)`` of :func:`add_net_metering_credit`. Sums over homes if ``imp``
    has a home dimension.
    """
    time = imp.indexes["time"]
    base = xr.DataArray(dt * t.base_price, coords=[time])
    n_tiers = t.tier_premium.size
    scheme = t.tariff.export.scheme
    q = None
    if n_tiers >= 2 or scheme == "net_metering":
        q = _monthly(m, imp, t, np.full(time.size, dt), f"{name}_import_kwh")
    premium = add_tier_split(m, t, q, accounts, name) if n_tiers >= 2 else None
    bill = (base * imp).sum() + (xr.DataArray(dt * t.surcharge_per_kwh, coords=[time]) * imp).sum()
    if premium is not None:
        bill = bill + premium
    if scheme == "fixed":
        bill = bill - (dt * float(t.tariff.export.price_per_kwh)) * exp.sum()
    elif scheme == "net_metering":
        energy_m = _energy_charge(m, t, imp, q, dt, name)
        if premium is not None:
            energy_m = energy_m + (xr.DataArray(t.tier_premium, coords=[pd.RangeIndex(n_tiers, name=f"{name}_tier")])
                                   * m.variables[f"{name}_tier_kwh"]).sum(f"{name}_tier")
        x = _monthly(m, exp, t, np.full(time.size, dt), f"{name}_export_kwh")
        bill = bill - add_net_metering_credit(m, t, energy_m, x, name)
    n_meters = int(np.prod([imp.sizes[d] for d in imp.coord_dims if d != "time"]))
    return bill, float(t.month_share.sum()) * accounts * t.fixed_per_month * n_meters


def community_account(inputs: DispatchInputs) -> bool:
    """Without sharing: whether the community bus has a meter of its own (stores or mobility load on it)."""
    return bool(inputs.stores.at_community.any() or np.any(inputs.mobility_load_kw > 0))


def dispatch_bill(inputs: DispatchInputs, result: DispatchResult) -> float:
    """The district's bill over the period on the LP's metering model, every tariff feature included [currency].

    Sharing: the district's grid import and export billed as ``n_homes`` equal accounts.
    No sharing: each home's own meter (``home_import_kw``, ``home_export_kw``) plus, when
    :func:`community_account`, the community bus's meter. Without a tariff: the energy cost
    at the step prices, ``Σ_t Δt·(c_imp(t)·P_imp(t) − c_exp(t)·P_exp(t))``.
    """
    dt = inputs.step_hours
    imp, exp = result.totals["grid_import_kw"], result.totals["grid_export_kw"]
    if inputs.tariff is None:
        return float(((imp * inputs.import_price) - exp * inputs.export_price).sum() * dt)
    if inputs.sharing:
        a = max(inputs.n_homes, 1)
        parts = bills_mod.monthly_bills(inputs.tariff, inputs.index, imp[:, None] / a, exp[:, None] / a, dt)
        return float(parts["bill"].sum() * a)
    h_imp, h_exp = result.home_import_kw, result.home_export_kw
    if community_account(inputs):
        h_imp = np.column_stack([h_imp, np.maximum(imp - h_imp.sum(axis=1), 0.0)])
        h_exp = np.column_stack([h_exp, np.maximum(exp - h_exp.sum(axis=1), 0.0)])
    return float(bills_mod.monthly_bills(inputs.tariff, inputs.index, h_imp, h_exp, dt)["bill"].sum())


def storage_credit(inputs: DispatchInputs, result: DispatchResult) -> float:
    """What a comparison adds to a dispatch's bill for its stores' drawdown [currency].

    Every store that ends below its initial energy is charged ``(initial − end)`` at the highest
    import price of the period (the most a kWh of it could have saved); a store that ends above is
    not credited (the LP ends each store at least where it started, and energy left in store has no
    value in the period's bill), so one store's rise does not offset another's drawdown. The same
    rule applies to both dispatches; the KPI ``storage_change_kwh`` is the net change of all stores.
    Hydrogen stores (with ``inputs.hydrogen``) are charged at the grey hydrogen price per kWh instead:
    what buying the missing hydrogen costs.
    """
    if inputs.stores.n == 0:
        return 0.0
    drawdown = np.maximum(inputs.stores.initial_kwh - result.store_soc_kwh[-1], 0.0)
    price = np.full(inputs.stores.n, float(np.max(inputs.import_price, initial=0.0)))
    if inputs.hydrogen is not None:
        price[inputs.stores.kind == "hydrogen"] = inputs.hydrogen.grey_price_per_kg / inputs.hydrogen.lhv_kwh_per_kg
    return float(drawdown @ price)


# --------------------------------------------------------------------------- net metering solved by regimes
#: a month's credit regime on one meter: credit = r·X (exports), = E (energy charge), or both rows in the LP
_EXPORTS, _ENERGY, _FULL = 0, 1, 2
#: rounds of guessing regimes before every month still wrong gets the rows of :func:`add_net_metering_credit`
REGIME_ROUNDS = 3
#: HiGHS's ``simplex_strategy`` for primal simplex
PRIMAL_SIMPLEX = 4
#: a solution is certified when its bill exceeds the priced LP's optimum by at most this, relative
REGIME_GAP_RATIO = 1e-9


@dataclass
class CreditMeter:
    """A meter billed with net metering in the LP: its name and its import and export variables' names."""

    name: str
    imp: str
    exp: str
    accounts: float


def regimes_apply(t: _TariffLP) -> bool:
    """Whether :func:`solve_by_regimes` applies: net metering, tier prices that never decrease, prices ≥ 0."""
    return (t.tariff.export.scheme == "net_metering" and bool(np.all(np.diff(t.tier_premium) >= 0))
            and bool(np.all(t.base_price >= 0)) and t.credit_per_kwh >= 0)


def _premium(t: _TariffLP, q: np.ndarray, accounts: float) -> np.ndarray:
    """Tier premium of monthly imports ``q`` (M, n), cheapest tier first (prices that never decrease) [currency]."""
    width = accounts * t.month_share[:, None, None] * t.tier_width_kwh[None, None, :]
    start = np.concatenate([np.zeros(width.shape[:-1] + (1,)), np.cumsum(width[..., :-1], axis=-1)], axis=-1)
    fill = np.clip(q[..., None] - start, 0.0, width)
    return fill @ t.tier_premium, fill


def _month_sum(t: _TariffLP, x: np.ndarray) -> np.ndarray:
    """(t, n) → (M, n): sums over each month's steps."""
    out = np.zeros((t.n_months, x.shape[1]))
    np.add.at(out, t.month, x)
    return out


def first_regimes(t: _TariffLP, n: int) -> np.ndarray:
    """First guess of each month's regime on a meter of ``n`` columns (M, n): *exports* in every month.

    The *energy* regime prices a month's imports at its surcharges alone (the credit pays the rest), so
    many dispatches cost the same and a cold dual simplex slows down: on penang-george-town's year the
    first round took 217–234 s from a guess by the load and PV without storage (4 of 12 months *energy*),
    and 82 s from *exports* everywhere, with the same iterations as the energy-cost LP (81 s). The months
    that belong to *energy* switch in the next rounds, by primal simplex from the optimal basis (1–2 s
    each there). Measured 2026-11-30.
    """
    return np.full((t.n_months, n), _EXPORTS)


def solve_by_regimes(m: linopy.Model, t: _TariffLP, meters: list[CreditMeter], dt: float,
                     options: dict, progress: Callable[[str], None] | None = None) -> tuple[object, dict]:
    """Solve the bill LP with net metering exactly, without its month-long credit rows where they are not needed.

    The credit of a month, ``min(E(m), r·X(m))`` (:func:`add_net_metering_credit`), couples every step of
    the month; dual simplex then costs several times as much per iteration as the same LP with a price
    per step (benchmarks/optimal.md, issue 11 item 6). Guess each month's regime instead: *exports*
    (credit ``r·X(m)``: exports priced at ``r`` per kWh, no credit rows) or *energy* (credit ``E(m)``:
    imports priced without their first-tier energy charge and tier premium). Since the credit is at most
    either term, the priced LP's optimum is a lower bound of the bill LP's; its solution with credit
    ``min(E, r·X)`` and the cheapest tier split is feasible for the bill LP and bills its optimum plus the
    gap ``Σ_m max(0, guessed − min)``. A gap ≤ ``REGIME_GAP_RATIO``·|objective| certifies it optimal (same
    optimum, exact). Otherwise the months that were wrong switch regime and HiGHS re-solves from its
    basis (by primal simplex: a change of regime changes costs, or frees a credit fixed at 0 under rows its
    point meets, so the basis stays primal feasible); a month wrong in both regimes (the optimum sits at
    ``E = r·X``) gets the credit rows back. After ``REGIME_ROUNDS`` rounds every month still wrong gets them, which is the bill LP itself.

    Returns linopy's solver and result (the credit and tier variables set to the certified point) and
    statistics (rounds, months per regime). ``progress`` hears of each round (a message; also logged at INFO).
    """
    from linopy import solvers

    from zerodistrict.dispatch.optimal.solve import warm_applies
    from zerodistrict.dispatch.optimal import warm

    solver = solvers.Solver.from_name("highs", model=m, io_api="direct", options=options)
    h = solver.solver_model
    col = np.full(int(m._xCounter), -1)
    col[solver._vlabels] = np.arange(solver._vlabels.size)
    row = np.full(int(m._cCounter), -1)
    row[solver._clabels] = np.arange(solver._clabels.size)
    base = np.asarray(h.getLp().col_cost_, dtype=float).copy()
    r, inf = t.credit_per_kwh, highspy_inf()
    parts = []
    v = m.variables

    def lab(name: str, lead: str) -> np.ndarray:
        return v[name].labels.transpose(lead, ...).values

    for cm in meters:
        imp, exp = lab(cm.imp, "time").reshape(t.month.size, -1), lab(cm.exp, "time").reshape(t.month.size, -1)
        credit = lab(f"{cm.name}_credit", "month").reshape(t.n_months, -1)
        tier = v[f"{cm.name}_tier_kwh"].labels.transpose("month", ..., f"{cm.name}_tier").values.reshape(
            *credit.shape, -1) if f"{cm.name}_tier_kwh" in v else None
        rows = [m.constraints[f"{cm.name}_credit_le_{k}"].labels.transpose("month", ...).values.reshape(credit.shape)
                for k in ("energy_charge", "exports")]
        regime = first_regimes(t, credit.shape[1])
        parts.append({"cm": cm, "imp": imp, "exp": exp, "credit": credit, "tier": tier, "rows": rows,
                      "regime": regime, "tried": [regime.copy()]})
    stats, rounds = {"rounds": 0}, 0
    while True:
        rounds += 1
        cost = base.copy()
        for pt in parts:
            g = pt["regime"]
            step = g[t.month]  # (t, n)
            cost[col[pt["exp"]]] += np.where(step == _EXPORTS, -r * dt, 0.0)
            cost[col[pt["imp"]]] += np.where(step == _ENERGY, -dt * t.base_price[:, None], 0.0)
            if pt["tier"] is not None:
                cost[col[pt["tier"]]] += np.where((g == _ENERGY)[..., None], -t.tier_premium, 0.0)
            full = (g == _FULL).ravel()
            c = col[pt["credit"].ravel()]
            h.changeColsBounds(c.size, c, np.zeros(c.size), np.where(full, inf, 0.0))
            for rr in pt["rows"]:
                ri = row[rr.ravel()]
                h.changeRowsBounds(ri.size, ri, np.full(ri.size, -inf), np.where(full, 0.0, inf))
        h.changeColsCost(cost.size, np.arange(cost.size), cost)
        if rounds == 1 and warm_applies(options):
            # the first round from the basis of its months solved apart (the year's LP: 30 s against 83 s)
            warm.warm_start(h, m, solver._vlabels, t.month, progress)
        t0 = time_mod.perf_counter()
        result = solver.solve()
        seconds = time_mod.perf_counter() - t0
        stats["rounds"] = rounds
        if str(result.status.termination_condition) != "optimal" or result.solution is None:
            return solver, {**stats, "result": result}
        sol = result.solution.primal
        gap = 0.0
        for pt in parts:
            cm, g = pt["cm"], pt["regime"]
            q = _month_sum(t, dt * sol[pt["imp"]])
            x = _month_sum(t, dt * sol[pt["exp"]])
            prem, fill = _premium(t, q, cm.accounts)
            e = _month_sum(t, dt * t.base_price[:, None] * sol[pt["imp"]]) + prem
            over = np.where(g == _EXPORTS, r * x - e, np.where(g == _ENERGY, e - r * x, 0.0))
            priced = g != _FULL
            gap += float(np.maximum(over, 0.0)[priced].sum())
            pt["wrong"] = priced & (over > 0)
            pt["values"] = (np.minimum(e, r * x), fill)
        scale = max(1.0, abs(float(result.solution.objective)))
        wrong = sum(int(pt["wrong"].sum()) for pt in parts)
        done = gap <= REGIME_GAP_RATIO * scale or not wrong
        said = (f"net-metering months, round {rounds}: solved in {seconds:.0f} s, "
                + ("certified optimal" if done else f"{wrong} meter-months to re-solve"))
        log.info("%s (gap %.3g, %.2g of the objective; %d meter-months with credit rows)", said, gap, gap / scale,
                 sum(int((pt["regime"] == _FULL).sum()) for pt in parts))
        if progress is not None:
            progress(said)
        if done:
            break
        for pt in parts:
            g, wrong = pt["regime"], pt["wrong"]
            flipped = np.where(g == _EXPORTS, _ENERGY, _EXPORTS)
            seen = np.any([flipped == old for old in pt["tried"]], axis=0)
            last = rounds >= REGIME_ROUNDS
            pt["regime"] = np.where(wrong, np.where(seen | last, _FULL, flipped), g)
            pt["tried"].append(pt["regime"].copy())
        if rounds == 1 and warm_applies(options):
            # the next rounds change costs, free credit variables fixed at 0 and bound credit rows that their
            # point meets (E ≥ 0, r·X ≥ 0), so the optimal basis stays primal feasible: primal simplex goes on
            # from it (Penang's year: round 2 in 6 s, against 79 s by dual simplex)
            h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
    # the certified point of the bill LP: credit min(E, r·X), cheapest tier split, in the priced months;
    # its objective with the bill LP's own costs
    primal = result.solution.primal
    for pt in parts:
        priced = pt["regime"] != _FULL
        credit, fill = pt["values"]
        primal[pt["credit"][priced]] = credit[priced]
        if pt["tier"] is not None:
            primal[pt["tier"]] = np.where(priced[..., None], fill, primal[pt["tier"]])
    lp = h.getLp()
    result.solution.objective = float(base @ np.nan_to_num(primal[solver._vlabels]) + lp.offset_)
    stats.update({f"months_{k}": int(sum(int((pt["regime"] == c).sum()) for pt in parts))
                  for k, c in (("exports", _EXPORTS), ("energy", _ENERGY), ("full", _FULL))})
    return solver, {**stats, "result": result}


def highspy_inf() -> float:
    import highspy

    return float(highspy.kHighsInf)
