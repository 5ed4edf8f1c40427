"""Typical days: the year as a few real days with weights, for a small sizing LP (``--typical-days N``).

The days are clustered with tsam (hierarchical clustering, medoid representation: every typical
day is a real day of the year) on the district's load and PV per day; the day of the peak load
and the day of the least PV are always kept, each standing for itself. A typical day stands for
its cluster's days (its weight ``w_d``); each home's load, PV and the mobility load on the clustered
days are scaled by one factor per column so that the weighted days hold the period's energy
(tsam's ``preserve_column_means``, applied to the real days kept: medoids alone missed Misono's
year by −1.4 % of load and +1.1 % of PV at 12 days). The LP sums each step's flows and costs
times the weight of its day, and each store ends each typical day where it started it (storage does not carry
energy between typical days, which are not consecutive).

Simplifications: the days are whole days of the index (a period of whole days is required); a
day of a daylight-saving change is a day like the others; the tariff's monthly tiers do not map
onto clustered days, so the LP prices energy at the step prices.

References
----------
Hoffmann, Kotzur, Stolten, Robinius, "A review on time series aggregation methods for energy
system models", Energies 13(3), 641 (2020); tsam (FZJ-IEK3), ``tsam.aggregate``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from zerodistrict.dispatch.common import DispatchInputs
from zerodistrict.errors import InputError

#: weighted energy of a column on the clustered days below which it is not rescaled [kW·steps] (assumption: nothing
#: a district's load or PV column holds over a year)
NO_ENERGY_KWH = 1e-9


def steps_per_day(inputs: DispatchInputs) -> int:
    spd = round(24.0 / inputs.step_hours)
    if inputs.n_steps % spd:
        raise InputError(f"--typical-days: the period must be whole days of {spd} steps, got {inputs.n_steps} steps")
    return spd


def choose_days(inputs: DispatchInputs, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Days kept (indices into the period's days) and the days each stands for (sums to the period's days).

    Raises
    ------
    InputError
        ``n_days`` below 3 (two extreme days and one cluster) or not below the period's days.
    """
    try:
        import tsam
    except ImportError:
        raise ImportError("--typical-days needs tsam: pip install 'zerodistrict[design]'") from None

    spd = steps_per_day(inputs)
    n_all = inputs.n_steps // spd
    if not 3 <= n_days < n_all:
        raise InputError(f"--typical-days: give 3 to {n_all - 1} days (the peak and worst-PV days are two of them), "
                         f"got {n_days}")
    load = inputs.load_kw.sum(axis=1) + inputs.mobility_load_kw
    pv = inputs.pv_kw.sum(axis=1)
    peak = int(load.reshape(n_all, spd).max(axis=1).argmax())
    dark = int(pv.reshape(n_all, spd).sum(axis=1).argmin())
    extremes = sorted({peak, dark})
    k = n_days - len(extremes)
    index = pd.date_range("2001-01-01", periods=inputs.n_steps, freq=pd.Timedelta(hours=inputs.step_hours))
    frame = pd.DataFrame({"load": load, "pv": pv}, index=index)
    res = tsam.aggregate(frame, n_clusters=k, period_duration=24,
                         cluster=tsam.ClusterConfig(method="hierarchical", representation="medoid"),
                         preserve_column_means=False)
    assign = np.asarray(res.cluster_assignments, dtype=int)
    days = frame.to_numpy().reshape(n_all, spd * 2)
    scale = np.maximum(np.abs(days).max(axis=0), 1e-12)
    chosen, weights = [], []
    for c in np.unique(assign):
        members = np.flatnonzero(assign == c)
        rep = res.cluster_representatives.loc[c].to_numpy().reshape(-1)  # (spd, [load, pv]) row-major as `days`
        by_distance = members[np.argsort(np.abs((days[members] - rep) / scale).sum(axis=1), kind="stable")]
        kept = [int(d) for d in by_distance if d not in extremes]
        if kept:  # the real day nearest the medoid (tsam's medoid itself unless it is an extreme day)
            chosen.append(kept[0])
            weights.append(float(len(kept)))
    chosen += extremes
    weights += [1.0] * len(extremes)
    order = np.argsort(chosen)
    return np.asarray(chosen)[order], np.asarray(weights)[order]


def typical_inputs(inputs: DispatchInputs, n_days: int) -> tuple[DispatchInputs, np.ndarray, dict]:
    """The inputs on the typical days only, each step's weight (days it stands for), and a summary.

    The summary lists the days kept (ISO dates) with their weights.
    """
    days, weights = choose_days(inputs, n_days)
    spd = steps_per_day(inputs)
    steps = (days[:, None] * spd + np.arange(spd)[None, :]).ravel()
    step_weights = np.repeat(weights, spd)
    scaled = weights > 1.0  # the extreme days stand for themselves and stay as they were
    step_scaled = np.repeat(scaled, spd)
    load_kw, pv_kw, mobility_kw = (_energy_preserving(x, x[steps], step_weights, step_scaled)
                                   for x in (inputs.load_kw, inputs.pv_kw, inputs.mobility_load_kw))
    s = inputs.stores
    sub = replace(
        inputs, index=inputs.index[steps], load_kw=load_kw, pv_kw=pv_kw,
        mobility_load_kw=mobility_kw, grid_available=inputs.grid_available[steps],
        import_price=inputs.import_price[steps], export_price=inputs.export_price[steps],
        emission_factor_kg_per_kwh=np.broadcast_to(inputs.emission_factor_kg_per_kwh, (inputs.n_steps,))[steps],
        outage=None if inputs.outage is None else inputs.outage[steps],
        stores=replace(s, available=s.available[steps], trip_kwh=s.trip_kwh[steps]),
    )
    summary = {"days": [inputs.index[d * spd].date().isoformat() for d in days],
               "weights": [float(w) for w in weights], "steps_per_day": spd}
    return sub, step_weights, summary


def _energy_preserving(year: np.ndarray, kept: np.ndarray, step_weights: np.ndarray, scaled: np.ndarray) -> np.ndarray:
    """``kept`` (the typical days' steps) with each column of the clustered days scaled so the weighted sum is the year's.

    ``c_j = (Σ_t x_j(t) − Σ_{t∈extremes} x_j(t)) / Σ_{t∈clustered} w(t)·x_j(t)`` (tsam's
    ``preserve_column_means``, on the real days kept): the typical days then hold the year's load and PV
    energy, which medoids alone miss by a few % and which the self-sufficiency and the bill scale with.
    A column of (next to) no energy on the clustered days, below :data:`NO_ENERGY_KWH`, stays as it is.
    """
    out = np.array(kept, dtype=float, copy=True)
    if out.ndim == 1:
        return _energy_preserving(year[:, None], kept[:, None], step_weights, scaled)[:, 0]
    fixed = out[~scaled].sum(axis=0)
    clustered = (out[scaled] * step_weights[scaled, None]).sum(axis=0)
    some = clustered > NO_ENERGY_KWH
    factor = np.ones_like(clustered)
    factor[some] = (year.sum(axis=0)[some] - fixed[some]) / clustered[some]
    out[scaled] *= np.maximum(factor, 0.0)[None, :]
    return out
