"""Outage survival: for every start step, how long the district keeps its loads served when the grid fails.

Modelled, in the manner of REopt's outage simulator [1]_: an outage is assumed
to start at every step ``s`` of the period, starting from the state of charge
the normal dispatch had at that step (the energy at the end of step ``s-1``;
the initial state for ``s = 0``). From there the district runs islanded — no
import, no export — for up to ``max_steps`` steps. In each step PV serves the
load, surplus charges storage (power cap, charge efficiency, up to capacity)
and deficits are drawn from storage (power cap, discharge efficiency, down to
the minimum state of charge). The survival of a start is the number of steps
fully served before the first step in which a load is left unserved, times
the step length [h]; it is capped at the maximum duration. Outages that run
past the end of the period wrap around to its start, as REopt does [1]_, so
that every start gets the same maximum duration (the period is treated as
one typical, repeating year).

Two configurations are compared:

``alone``
    Each home is an island with its own PV and its own store only (no
    line, no community stores). Each home's island is a single
    store and its survival is *exact* for the model above. The district
    "alone" survives until the first home fails; the mean home's survival is
    reported too.
``shared``
    The homes pool PV over the private line (``line_loss_ratio`` of what one
    home sends to another is lost) and every store — home stores, the
    community bus's batteries (any number) and its parked bidirectional EVs
    (stores of kind ``ev``) — serves any home.

Loads: the *critical* load of a home is ``critical_load_ratio`` times its load
(non-critical load is shed for the whole outage); *full* load is the whole
home load. Mobility stations and EV charging are not served in an outage.

Simplifications (all of them in ``shared``):

* The stationary stores (homes' and the community bus's stores other than
  EVs) act as **one pooled store** with the summed energy, floor, ceiling and
  charge and discharge power, and capacity-weighted efficiencies.
  This is exact when the units have equal efficiencies and the controller can
  route power so that no single unit's power cap binds before the pooled one;
  otherwise it is optimistic (a unit that is empty still counts with its
  power). With equal efficiencies and no line loss the pooled store is a
  relaxation of the homes alone, so ``shared`` survival ≥ ``alone`` for every
  start (tested as a property).
* Line loss applies to PV passed directly from surplus homes to deficit homes
  in the same step; storage flows are treated as local (no line loss), which
  is optimistic for energy that a battery at one home delivers to another.
* EVs: each keeps its own state of charge; trips leave as scheduled (their
  energy leaves at departure, down to the EV's floor), a vehicle away serves
  nothing, a parked bidirectional EV is discharged after the stationary store
  (pro rata to what each can give) down to its minimum state of charge — not
  its next trip's reserve — and is charged from surplus the stationary store
  cannot take. Non-bidirectional EVs take no part.
* A shortfall below ``TOL_KWH`` in a step counts as served, so that rounding
  (float32 in the per-home computation) never decides a survival hour.

Algorithms: ``alone`` uses binary lifting over block summaries of each
battery's step map (each block of ``2**l`` steps is summarised by the energy
it needs on entry, its net energy change and its exit cap), so the cost is
``O(log max_steps)`` array passes over (start, home) instead of
``max_steps`` — exact, not an approximation. ``shared`` first solves the
pooled store without EVs the same way; EVs can only add survival, so only the
starts that then fail before the maximum are simulated step by step with EVs.

References
----------
.. [1] NREL, REopt.jl, ``src/outagesim/outage_simulator.jl`` (``simulate_outage``
   / ``simulate_outages``: an outage starting at every time step, wrapping
   around the end of the year), https://github.com/NREL/REopt.jl, accessed 2025.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult, Stores
from zerodistrict.errors import InputError

#: default maximum outage duration [h]: 7 days, the maximum asked for in issue 4
DEFAULT_MAX_HOURS = 168.0
#: a shortfall at or below this in one step counts as served [kWh] (1 Wh: rounding, not physics)
TOL_KWH = 1e-3
#: a deficit at most this much above a power cap counts as within it [kW]
TOL_KW = 1e-6
#: marker of a step no stored energy can get through (deficit above the power cap) [kWh]
_BIG_KWH = 1e30
#: homes per block in the per-home computation: keeps each array pass inside the L2 cache
_HOMES_PER_BLOCK = 16
#: outage durations whose survival probability is reported [h]
REPORTED_DURATIONS_H = (24, 72)


# --------------------------------------------------------------------------- core: one battery per column


def _usable(storage: Stores) -> np.ndarray:
    """(n,) True for stores with energy and power (the others never move energy).

    A hydrogen tank serves an outage only through a fuel cell: without one (no discharge power) it is left
    out, since its energy cannot reach the homes and its electrolyser's intake does not keep them lit.
    """
    powered = (storage.charge_power_kw > 0) | (storage.discharge_power_kw > 0)
    powered &= (storage.kind != "hydrogen") | (storage.discharge_power_kw > 0)
    return (storage.capacity_kwh > 0) & powered


def step_energy_kwh(net_kw: np.ndarray, storage: Stores, step_hours: float) -> np.ndarray:
    """Change of each battery's stored energy in each islanded step, if the island gets through it.

    Surplus charges ``min(net, charge power) * charge_efficiency * step`` (the
    ceiling is applied later, it depends on the state); a deficit draws
    ``-net * step / discharge_efficiency``; a deficit above the discharge power
    cap can never be served and is marked ``-1e30``.

    Parameters
    ----------
    net_kw : np.ndarray
        (t, n) PV minus load of each island. [kW]
    storage : Stores
        n stores, one per island (capacity 0 where none).
    step_hours : float
        Step length. [h]

    Returns
    -------
    np.ndarray
        (t, n) energy change. [kWh]
    """
    net_kw = np.asarray(net_kw)
    dtype = net_kw.dtype if net_kw.dtype.kind == "f" else np.dtype(float)
    has = _usable(storage)
    charge_kw = np.where(has, storage.charge_power_kw, 0.0).astype(dtype)
    discharge_kw = np.where(has, storage.discharge_power_kw, 0.0).astype(dtype)
    charge_per_kw = (storage.charge_efficiency * step_hours).astype(dtype)
    draw_per_kw = (step_hours / np.where(has, storage.discharge_efficiency, 1.0)).astype(dtype)
    out = np.where(net_kw >= 0.0, np.minimum(net_kw, charge_kw) * charge_per_kw, net_kw * draw_per_kw)
    np.copyto(out, dtype.type(-_BIG_KWH), where=net_kw < -(discharge_kw + dtype.type(TOL_KW)))
    return out


def _block_tables(tables: np.ndarray, n_levels: int) -> None:
    """Fill the lifting tables: summaries of every block of ``2**l`` steps, l = 1..n_levels-1, in place.

    ``tables[l]`` holds ``(sum, need, top)`` of level l, each (rows, n); level 0
    (the single steps: ``need = max(-step, 0) - TOL_KWH``, ``top = usable``)
    is filled by the caller. A block maps the energy above the floor on entry,
    ``y``, to ``min(y + sum, top)`` and is got through iff ``y >= need``
    (``need = 1e30`` when no entry state gets through: a fall from full deeper
    than the usable energy). Row p summarises steps p .. p + 2**l - 1; for a
    block X followed by Y::

        sum  = sum_X + sum_Y
        need = max(need_X, need_Y - sum_X)   if top_X >= need_Y, else 1e30
        top  = min(top_X + sum_Y, top_Y)

    Rows whose block would run past the last row get ``need = 1e30``.
    """
    n_rows = tables.shape[2]
    big = tables.dtype.type(_BIG_KWH)
    for level in range(1, n_levels):
        half = 1 << (level - 1)
        rows = n_rows - (1 << level) + 1
        sum_x, need_x, top_x = (a[:rows] for a in tables[level - 1])
        sum_y, need_y, top_y = (a[half:half + rows] for a in tables[level - 1])
        sum_n, need_n, top_n = (a[:rows] for a in tables[level])
        np.subtract(need_y, sum_x, out=need_n)
        np.maximum(need_n, need_x, out=need_n)
        # branch-free (copyto(where=) is ~10x slower): add 1e30 where Y cannot be entered even from X's top.
        # (Adding, not max(): a need may be slightly negative within the tolerance and must stay so.)
        need_n += (top_x < need_y) * big
        np.add(top_x, sum_y, out=top_n)
        np.minimum(top_n, top_y, out=top_n)
        np.add(sum_x, sum_y, out=sum_n)
        tables[level, :, rows:] = 0.0
        tables[level, 1, rows:] = big


def _lift(tables: np.ndarray, start_kwh: np.ndarray, n_levels: int) -> np.ndarray:
    """Steps got through from every start (up to ``2**n_levels - 1``), descending the lifting tables.

    Greedy from the longest block down: a block is taken when the energy on
    hand meets its ``need``; the energy then becomes ``min(y + sum, top)``.
    Returns (n_t, n) int32.
    """
    n_t, n = start_kwh.shape
    energy = start_kwh.copy()
    # flat index of (start + steps so far, column) into one level's (rows, n) table
    base = (np.arange(n_t, dtype=np.intp) * n)[:, None] + np.arange(n, dtype=np.intp)[None, :]  # intp: take is fastest
    flat = base.copy()
    ok = np.empty((n_t, n), dtype=bool)
    got = np.empty((n_t, n), dtype=energy.dtype)
    for level in range(n_levels - 1, -1, -1):
        sum_l, need_l, top_l = tables[level]
        if level == n_levels - 1:  # nothing taken yet: the rows are the starts themselves
            need, total, top = need_l[:n_t], sum_l[:n_t], top_l[:n_t]
        else:
            need, total, top = need_l.take(flat), sum_l.take(flat), top_l.take(flat)
        np.greater_equal(energy, need, out=ok)
        np.add(energy, total, out=got)
        np.minimum(got, top, out=got)
        got -= energy  # energy += ok * (got - energy): branch-free blend
        got *= ok
        energy += got
        np.add(flat, (1 << level) * n, out=flat, where=ok)
    flat -= base
    flat //= n
    return flat.astype(np.int32)


def islanded_survival_steps(net_kw: np.ndarray, soc0_kwh: np.ndarray, storage: Stores,
                            step_hours: float, max_steps: int, dtype=np.float32) -> np.ndarray:
    """Steps each island serves its load, for an outage starting at every step (one battery per island).

    Exact for the model of the module docstring: each column is an island of
    PV (``net_kw`` = PV − load) and one battery. Computed by binary lifting
    (:func:`_block_tables`, :func:`_lift`) over a horizon of ``2**k - 1 >=
    max_steps`` steps, then capped; columns go in blocks of
    ``_HOMES_PER_BLOCK`` so that each array pass stays in cache.

    Parameters
    ----------
    net_kw : np.ndarray
        (t, n) PV minus load of each island. [kW]
    soc0_kwh : np.ndarray
        (t, n) stored energy at the start of each start step. [kWh]
    storage : Stores
        n stores, one per island (capacity 0 where an island has none).
    step_hours : float
        Step length. [h]
    max_steps : int
        Longest outage simulated; survivals are capped here. [steps]
    dtype : numpy dtype, optional
        Float type of the computation; float32 (default) keeps rounding well below ``TOL_KWH``.

    Returns
    -------
    np.ndarray
        (t, n) int32: steps fully served before the first unserved step, at most ``max_steps``.
    """
    net_kw = np.asarray(net_kw)
    dtype = np.dtype(dtype)
    n_t, n = net_kw.shape
    if np.shape(soc0_kwh) != (n_t, n) or storage.n != n:
        raise ValueError(f"shapes disagree: net_kw {net_kw.shape}, soc0_kwh {np.shape(soc0_kwh)}, "
                         f"storage n={storage.n}")
    max_steps = int(max_steps)
    out = np.zeros((n_t, n), dtype=np.int32)
    if max_steps < 1 or n == 0:
        return out
    n_levels = max_steps.bit_length()
    n_rows = n_t + (1 << n_levels) - 1
    wrap_rows = np.arange(n_t, n_rows) % n_t
    has = _usable(storage)
    floor_kwh = np.where(has, storage.min_kwh, 0.0)
    usable_all = np.where(has, storage.max_kwh - floor_kwh, 0.0)
    soc0_kwh = np.asarray(soc0_kwh)
    def solve_block(c0: int) -> None:
        cols = slice(c0, min(c0 + _HOMES_PER_BLOCK, n))
        tables = np.empty((n_levels, 3, n_rows, cols.stop - cols.start), dtype=dtype)
        step = tables[0, 0]
        step[:n_t] = step_energy_kwh(np.ascontiguousarray(net_kw[:, cols], dtype=dtype),
                                     storage.select(np.arange(cols.start, cols.stop)), step_hours)
        step[n_t:] = step[wrap_rows]
        np.negative(step, out=tables[0, 1])
        np.maximum(tables[0, 1], 0.0, out=tables[0, 1])
        tables[0, 1] -= dtype.type(TOL_KWH)
        tables[0, 2] = usable_all[cols]
        _block_tables(tables, n_levels)
        start = np.clip(soc0_kwh[:, cols] - floor_kwh[cols], 0.0, usable_all[cols]).astype(dtype)
        out[:, cols] = _lift(tables, start, n_levels)

    # column blocks are independent: numpy releases the GIL in these array passes, so threads use every core
    blocks = range(0, n, _HOMES_PER_BLOCK)
    workers = min(len(blocks), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(solve_block, blocks))
    else:
        for c0 in blocks:
            solve_block(c0)
    np.minimum(out, max_steps, out=out)
    return out


# --------------------------------------------------------------------------- shared: pooled store + EVs


def _in_pool(storage: Stores) -> np.ndarray:
    """(n,) 1.0 for units that have both energy and power (the ones :func:`pool_storage` keeps), else 0.0."""
    return _usable(storage).astype(float)


def pool_storage(*stores: Stores) -> Stores:
    """One store holding every unit of ``stores`` that has energy and power (see module simplifications).

    Capacity, floor, ceiling and charge and discharge power are summed; efficiencies are
    capacity-weighted means.

    Returns
    -------
    Stores
        n = 1 (capacity 0 when no unit qualifies), no time axis.
    """
    pooled = Stores.create(0, name=["pooled"], charge_efficiency=1.0, discharge_efficiency=1.0)
    parts = [s.select(_usable(s)) for s in stores]
    cap = np.concatenate([s.capacity_kwh for s in parts]) if parts else np.zeros(0)
    total = float(cap.sum())
    if total <= 0.0:
        return pooled
    weights = cap / total
    cat = lambda name: np.concatenate([getattr(s, name) for s in parts])  # noqa: E731
    pooled.capacity_kwh[0] = total
    pooled.charge_power_kw[0] = float(cat("charge_power_kw").sum())
    pooled.discharge_power_kw[0] = float(cat("discharge_power_kw").sum())
    pooled.charge_efficiency[0] = float(weights @ cat("charge_efficiency"))
    pooled.discharge_efficiency[0] = float(weights @ cat("discharge_efficiency"))
    pooled.min_soc_ratio[0] = float(cat("min_kwh").sum()) / total
    pooled.max_soc_ratio[0] = float(cat("max_kwh").sum()) / total
    return pooled


def shared_net_kw(load_kw: np.ndarray, pv_kw: np.ndarray, line_loss_ratio: float) -> np.ndarray:
    """District PV minus load after passing surplus to deficit homes over the line [kW], shape (t,).

    Homes net their own PV first; surplus homes send to deficit homes and
    ``line_loss_ratio`` of what is sent is lost. Positive: surplus left for
    storage; negative: deficit left for storage.
    """
    return _line_net_kw(np.asarray(pv_kw) - np.asarray(load_kw), line_loss_ratio)


def _line_net_kw(home_net_kw: np.ndarray, line_loss_ratio: float) -> np.ndarray:
    """:func:`shared_net_kw` from each home's PV minus load (t, h) [kW]."""
    surplus = np.maximum(home_net_kw, 0.0).sum(axis=1)
    deficit = surplus - home_net_kw.sum(axis=1)
    keep = 1.0 - float(line_loss_ratio)
    delivered = np.minimum(surplus * keep, deficit)
    sent = np.divide(delivered, keep, out=np.zeros_like(delivered), where=keep > 0)
    return (surplus - sent) - (deficit - delivered)


def _ev_survival_steps(net_kw: np.ndarray, soc0_kwh: np.ndarray, store: Stores, evs: Stores,
                       ev_soc0_kwh: np.ndarray, starts: np.ndarray, step_hours: float, max_steps: int) -> np.ndarray:
    """Steps served by the pooled store plus EVs, simulated step by step for the starts ``starts``.

    The store alone behaves exactly as in :func:`islanded_survival_steps`
    (same tolerances); EVs take the surplus it cannot and serve the deficit it
    cannot. Starts that fail are dropped from the arrays as they fail.
    """
    n_t = net_kw.shape[0]
    dt = float(step_hours)
    has = bool(_usable(store)[0])
    cap = float(store.max_kwh[0]) if has else 0.0
    power_in = float(store.charge_power_kw[0]) if has else 0.0
    power_out = float(store.discharge_power_kw[0]) if has else 0.0
    floor = float(store.min_kwh[0]) if has else 0.0
    eta_c, eta_d = float(store.charge_efficiency[0]), float(store.discharge_efficiency[0])
    ev_floor, ev_cap = evs.min_kwh, evs.max_kwh
    ev_power_in, ev_power_out = evs.charge_power_kw, evs.discharge_power_kw
    ev_in, ev_out = evs.charge_efficiency * dt, dt / evs.discharge_efficiency
    ev_bidir = evs.discharge_power_kw > 0
    first = np.asarray(starts)
    row = np.arange(first.size)  # position of each live start in the output
    energy = np.clip(soc0_kwh[first], floor, cap)
    ev = ev_soc0_kwh[first].astype(float)
    steps = np.full(first.size, max_steps, dtype=np.int32)
    for d in range(max_steps):
        tau = (first + d) % n_t
        net = net_kw[tau]
        ev -= np.minimum(evs.trip_kwh[tau], np.maximum(ev - ev_floor, 0.0))
        parked = evs.available[tau] & ev_bidir
        # surplus: pooled store first, then parked bidirectional EVs pro rata to their room
        surplus = np.maximum(net, 0.0)
        charge = np.minimum(surplus, np.minimum(power_in, (cap - energy) / (eta_c * dt)))
        energy = np.minimum(energy + charge * eta_c * dt, cap)
        room = np.where(parked, np.minimum(ev_power_in, np.maximum(ev_cap - ev, 0.0) / ev_in), 0.0)
        ev = np.minimum(ev + room * _share(surplus - charge, room)[:, None] * ev_in, ev_cap)
        # deficit: pooled store first (down to TOL_KWH below its floor, as in the lifting), then EVs pro rata
        need = np.maximum(-net, 0.0)
        give = np.minimum(need, np.minimum(power_out + TOL_KW, np.maximum(energy - floor + TOL_KWH, 0.0) * eta_d / dt))
        energy = energy - give * dt / eta_d
        need -= give
        can = np.where(parked, np.minimum(ev_power_out, np.maximum(ev - ev_floor, 0.0) / ev_out), 0.0)
        frac = _share(need, can)
        ev -= can * frac[:, None] * ev_out
        failed = (need - can.sum(axis=1) * frac) * dt > 1e-9
        if failed.any():
            steps[row[failed]] = d
            live = ~failed
            first, row, energy, ev = first[live], row[live], energy[live], ev[live]
            if not first.size:
                break
    return steps


def _share(amount: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """(n,) fraction of each row's ``capacity`` (n, e) used to cover ``amount`` (n,), at most 1."""
    total = capacity.sum(axis=1)
    return np.minimum(1.0, np.divide(amount, total, out=np.zeros_like(amount), where=total > 0))


def shared_survival_steps(net_kw: np.ndarray, soc0_kwh: np.ndarray, store: Stores, step_hours: float,
                          max_steps: int, evs: Stores | None = None,
                          ev_soc0_kwh: np.ndarray | None = None) -> np.ndarray:
    """Steps the sharing district serves its load from every start: pooled store, then parked EVs.

    Parameters
    ----------
    net_kw : np.ndarray
        (t,) district PV minus load after line sharing (:func:`shared_net_kw`). [kW]
    soc0_kwh : np.ndarray
        (t,) pooled stored energy at the start of each start step. [kWh]
    store : Stores
        The pooled store, n = 1 (:func:`pool_storage`).
    step_hours : float
        Step length. [h]
    max_steps : int
        Longest outage simulated. [steps]
    evs : Stores, optional
        Community EVs (availability, trips; bidirectional = discharge power above 0).
    ev_soc0_kwh : np.ndarray, optional
        (t, e) each EV's energy at the start of each start step. [kWh]

    Returns
    -------
    np.ndarray
        (t,) int32 steps served, at most ``max_steps``.
    """
    net_kw = np.asarray(net_kw, dtype=float)
    soc0_kwh = np.asarray(soc0_kwh, dtype=float)
    steps = islanded_survival_steps(net_kw[:, None], soc0_kwh[:, None], store, step_hours, max_steps,
                                    dtype=np.float64)[:, 0]
    if evs is None or evs.n == 0 or not (evs.discharge_power_kw > 0).any():
        return steps
    # EVs only add energy after the store, so starts that already reach the maximum are done
    todo = np.flatnonzero(steps < max_steps)
    if todo.size:
        steps[todo] = _ev_survival_steps(net_kw, soc0_kwh, store, evs, np.asarray(ev_soc0_kwh, dtype=float),
                                         todo, step_hours, max_steps)
    return steps


# --------------------------------------------------------------------------- the district, both ways


def start_soc_kwh(end_soc_kwh: np.ndarray, initial_kwh: np.ndarray) -> np.ndarray:
    """(t, n) energy at the start of each step: the initial energy, then the end of the previous step [kWh]."""
    end_soc_kwh = np.asarray(end_soc_kwh, dtype=float)
    return np.concatenate([np.asarray(initial_kwh, dtype=float)[None, :], end_soc_kwh[:-1]], axis=0)


def survival_hours(load_kw: np.ndarray, pv_kw: np.ndarray, soc0_kwh: np.ndarray, home_batteries: Stores,
                   step_hours: float, max_hours: float = DEFAULT_MAX_HOURS, *, shared: bool,
                   line_loss_ratio: float = 0.0, community: Stores | None = None,
                   community_soc0_kwh: np.ndarray | None = None, evs: Stores | None = None,
                   ev_soc0_kwh: np.ndarray | None = None) -> np.ndarray:
    """Hours the homes serve ``load_kw`` islanded, for an outage starting at every step.

    Parameters
    ----------
    load_kw, pv_kw : np.ndarray
        (t, h) load to serve (critical or full) and PV of each home. [kW]
    soc0_kwh : np.ndarray
        (t, h) each home battery's energy at the start of each start step. [kWh]
    home_batteries : Stores
        One store per home (capacity 0 where none; :meth:`Stores.per_home`).
    step_hours : float
        Step length. [h]
    max_hours : float, optional
        Longest outage simulated (default 168 h = 7 days). [h]
    shared : bool
        True: the homes share over the line with the community battery and
        parked bidirectional EVs; False: each home alone.
    line_loss_ratio : float, optional
        Share of the power sent between homes that the line loses. [0–1]
    community, community_soc0_kwh : optional
        Stationary stores on the community bus (any number) and their energy at each start step,
        (t, c) or (t,) for one. [kWh]
    evs, ev_soc0_kwh : optional
        Community EVs and their energy at each start step (t, e). [kWh]

    Returns
    -------
    np.ndarray
        ``shared``: (t,) hours the district serves every home's load; ``alone``:
        (t, h) hours each home serves its own load. At most ``max_hours``.
    """
    max_steps = max_steps_for(max_hours, step_hours)
    steps = _survival_steps(np.asarray(pv_kw) - np.asarray(load_kw), soc0_kwh, home_batteries, step_hours, max_steps,
                            shared, line_loss_ratio, community, community_soc0_kwh, evs, ev_soc0_kwh)
    return steps * float(step_hours)


def _survival_steps(home_net_kw, soc0_kwh, home_batteries, step_hours, max_steps, shared, line_loss_ratio=0.0,
                    community=None, community_soc0_kwh=None, evs=None, ev_soc0_kwh=None) -> np.ndarray:
    """:func:`survival_hours` in steps, from each home's PV minus load (t, h) [kW]."""
    if not shared:
        return islanded_survival_steps(home_net_kw, soc0_kwh, home_batteries, step_hours, max_steps)
    stores = [home_batteries]
    soc0_total = np.asarray(soc0_kwh, dtype=float) @ _in_pool(home_batteries)
    if community is not None and community.n:
        stores.append(community)
        comm_soc0 = np.asarray(community_soc0_kwh, dtype=float).reshape(soc0_total.shape[0], community.n)
        soc0_total = soc0_total + comm_soc0 @ _in_pool(community)
    return shared_survival_steps(_line_net_kw(home_net_kw, line_loss_ratio), soc0_total, pool_storage(*stores),
                                 step_hours, max_steps, evs, ev_soc0_kwh)


def max_steps_for(max_hours: float, step_hours: float) -> int:
    """Whole steps in ``max_hours``; raises InputError when that is not at least one step."""
    if not np.isfinite(max_hours) or float(max_hours) < float(step_hours) - 1e-9:
        raise InputError(f"max_hours: {max_hours} h is shorter than one step ({step_hours} h) or not finite; "
                         "give a finite duration of at least one step")
    return int(np.floor(float(max_hours) / float(step_hours) + 1e-9))


# --------------------------------------------------------------------------- statistics and outputs


def survival_stats(hours: np.ndarray, max_hours: float, prefix: str) -> dict[str, float | None]:
    """p10/p50/p90/mean of survival hours and the probabilities of lasting 24 h and 72 h.

    A probability for a duration longer than ``max_hours`` cannot be observed and is None.
    Keys: ``{prefix}survival_hours_p10`` … ``_mean``; ``{prefix}survive_24h_probability`` with
    ``prefix`` "critical_" giving the issue's ``survive_24h_probability`` (no prefix).
    """
    hours = np.asarray(hours, dtype=float)
    p10, p50, p90 = np.percentile(hours, [10, 50, 90])
    out: dict[str, float | None] = {
        f"{prefix}survival_hours_p10": float(p10),
        f"{prefix}survival_hours_p50": float(p50),
        f"{prefix}survival_hours_p90": float(p90),
        f"{prefix}survival_hours_mean": float(hours.mean()),
    }
    prob_prefix = "" if prefix == "critical_" else prefix
    for dur in REPORTED_DURATIONS_H:
        out[f"{prob_prefix}survive_{dur}h_probability"] = (
            float((hours >= dur - 1e-9).mean()) if dur <= max_hours + 1e-9 else None)
    return out


def survival_curve(hours: np.ndarray, max_hours: float, step_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Probability that an outage starting at a random step is survived for at least each duration.

    Returns
    -------
    (np.ndarray, np.ndarray)
        Durations 0, step, …, max_hours [h] and P(survival ≥ duration) [0–1].
    """
    grid = np.arange(max_steps_for(max_hours, step_hours) + 1) * float(step_hours)
    ordered = np.sort(np.asarray(hours, dtype=float))
    prob = 1.0 - np.searchsorted(ordered, grid - 1e-9, side="left") / ordered.size
    return grid, prob


@dataclass
class ResilienceResult:
    """Survival for an outage starting at every step [h], with the sharing district and with each home alone."""

    index: pd.DatetimeIndex
    step_hours: float
    max_hours: float
    critical_load_ratio_mean: float  # mean over homes [0–1]
    shared_critical_hours: np.ndarray  # (t,)
    shared_full_hours: np.ndarray  # (t,)
    alone_critical_hours: np.ndarray  # (t,) until the first home fails
    alone_full_hours: np.ndarray  # (t,)
    alone_mean_home_critical_hours: np.ndarray  # (t,) mean over homes of each home's own survival
    alone_mean_home_full_hours: np.ndarray  # (t,)

    def to_json_dict(self) -> dict[str, Any]:
        """The contents of ``resilience.json``."""
        m = self.max_hours

        def case(critical: np.ndarray, full: np.ndarray) -> dict[str, float | None]:
            return {**survival_stats(critical, m, "critical_"), **survival_stats(full, m, "full_")}

        alone = case(self.alone_critical_hours, self.alone_full_hours)
        mean_home = {**survival_stats(self.alone_mean_home_critical_hours, m, "critical_"),
                     **survival_stats(self.alone_mean_home_full_hours, m, "full_")}
        alone.update({f"mean_home_{k}": v for k, v in mean_home.items() if "survival_hours" in k})
        return {
            "shared": case(self.shared_critical_hours, self.shared_full_hours),
            "alone": alone,
            "max_hours": m,
            "step_hours": self.step_hours,
            "n_start_steps": int(self.shared_critical_hours.size),
            "critical_load_ratio_mean": self.critical_load_ratio_mean,
        }

    def survival_table(self) -> pd.DataFrame:
        """Survival by start step [h], indexed by the start time."""
        return pd.DataFrame({
            "shared_critical_hours": self.shared_critical_hours,
            "alone_critical_hours": self.alone_critical_hours,
            "shared_full_hours": self.shared_full_hours,
            "alone_full_hours": self.alone_full_hours,
            "alone_mean_home_critical_hours": self.alone_mean_home_critical_hours,
        }, index=self.index.rename("time"))

    def write_survival_csv(self, path: str | Path) -> Path:
        """Write :meth:`survival_table` as CSV (``time`` in ISO 8601 with its UTC offset)."""
        table = self.survival_table()
        table.index = table.index.map(lambda t: t.isoformat())
        table.to_csv(path, index_label="time", float_format="%.6g")
        return Path(path)

    def plot_survival_curves(self, path: str | Path) -> Path:
        """Save a PNG of P(survival ≥ duration), shared vs alone, critical and full load."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7.5, 4.5), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        series = (
            (self.shared_critical_hours, "shared, critical load", "tab:blue", "-"),
            (self.alone_critical_hours, "each home alone, critical load", "tab:blue", "--"),
            (self.shared_full_hours, "shared, full load", "tab:orange", "-"),
            (self.alone_full_hours, "each home alone, full load", "tab:orange", "--"),
        )
        for hours, label, colour, style in series:
            grid, prob = survival_curve(hours, self.max_hours, self.step_hours)
            ax.step(grid, prob, where="post", color=colour, linestyle=style, label=label)
        ax.set_xlabel("outage duration [h]")
        ax.set_ylabel("probability of surviving at least this long [-]")
        ax.set_title("Outage survival over all start hours (district: until the first home is unserved)")
        ax.set_xlim(0, self.max_hours)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize="small")
        fig.tight_layout()
        fig.savefig(path)
        return Path(path)


def analyse(inputs: DispatchInputs, result: DispatchResult, max_hours: float = DEFAULT_MAX_HOURS) -> ResilienceResult:
    """Survival for an outage starting at every step, from the states of charge of a normal dispatch.

    Parameters
    ----------
    inputs : DispatchInputs
        The district as arrays.
    result : DispatchResult
        The normal (grid-connected) dispatch whose states of charge start each outage.
    max_hours : float, optional
        Longest outage simulated (default 168 h = 7 days). [h]

    Returns
    -------
    ResilienceResult
        Per start step and summary statistics, shared and alone, critical and full load.
    """
    dt = float(inputs.step_hours)
    max_steps = max_steps_for(max_hours, dt)
    load = np.asarray(inputs.load_kw, dtype=float)
    pv = np.asarray(inputs.pv_kw, dtype=float)
    ratio = np.asarray(inputs.critical_load_ratio, dtype=float)
    # home stores: one island each; the bus's EVs step by step; its other stores pool with the homes'
    stores = inputs.stores
    n_h = inputs.n_homes
    slots = stores.home_slots(n_h)
    hb = stores.per_home(n_h)
    soc = np.asarray(result.store_soc_kwh, dtype=float)
    home_end = np.zeros((soc.shape[0], n_h))
    home_end[:, slots >= 0] = soc[:, slots[slots >= 0]]
    soc0 = start_soc_kwh(home_end, hb.initial_kwh)
    del home_end
    bus_ev = stores.at_community & (stores.kind == "ev")
    bus_other = stores.at_community & ~bus_ev
    comm = stores.select(bus_other)
    comm_soc0 = start_soc_kwh(soc[:, bus_other], comm.initial_kwh) if comm.n else None
    evs = stores.select(bus_ev)
    ev_soc0 = start_soc_kwh(soc[:, bus_ev], evs.initial_kwh) if evs.n else None
    hours = {}
    for kind in ("critical", "full"):
        home_net = pv - load * ratio[None, :] if kind == "critical" else pv - load
        hours[f"shared_{kind}"] = dt * _survival_steps(
            home_net, soc0, hb, dt, max_steps, True, inputs.line_loss_ratio, comm, comm_soc0, evs, ev_soc0)
        per_home = _survival_steps(home_net, soc0, hb, dt, max_steps, False)
        hours[f"alone_{kind}"] = dt * per_home.min(axis=1)
        hours[f"alone_mean_home_{kind}"] = dt * per_home.mean(axis=1)
        del per_home, home_net
    return ResilienceResult(
        index=inputs.index,
        step_hours=dt,
        max_hours=max_steps * dt,
        critical_load_ratio_mean=float(ratio.mean()) if ratio.size else 0.0,
        shared_critical_hours=hours["shared_critical"],
        shared_full_hours=hours["shared_full"],
        alone_critical_hours=hours["alone_critical"],
        alone_full_hours=hours["alone_full"],
        alone_mean_home_critical_hours=hours["alone_mean_home_critical"],
        alone_mean_home_full_hours=hours["alone_mean_home_full"],
    )
