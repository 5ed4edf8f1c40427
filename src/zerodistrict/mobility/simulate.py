"""Event simulation of a shared fleet: who gets a vehicle, where it goes, what charging it needs.

Model
-----
Requests (:mod:`zerodistrict.mobility.demand`) are processed in time order
together with a heap of events (arrivals, nightly rebalancing, retries):

* **Pick-up.** A request for vehicle type τ at port o is served by the docked
  vehicle of type τ at o with the most charge, if that charge covers the ride
  (``distance · consumption``) plus the type's reserve. Otherwise the rider
  tries ports within ``walk_to_nearby_km`` (nearest first), then — if
  ``wait_minutes`` > 0 — comes back once after that many minutes (a
  simplification of "waits until a vehicle turns up"); else the request is
  unmet and counted at o.
* **Ride.** Takes ``distance / speed``; the ride energy leaves the battery at
  pick-up. One passenger per ride.
* **Arrival.** The vehicle docks at the destination. If the port is full
  (``dock_full = "redirect"``) it rides on to the nearest port with a free
  dock (extra road distance ``circuity · haversine``, its energy and time
  added to the ride); if it lacks the charge for that leg, or no port has a
  free dock, or ``dock_full = "overflow"``, it parks beside the full port.
* **Charging.** A docked vehicle charges at constant AC power
  ``min(charger_kw, max_charge_kw)`` until full; the battery gains
  ``charge_efficiency`` of it. Charging is lazy: each stay is one session
  ``[dock, min(full, undock)]`` at constant power, recorded when the vehicle
  leaves (or at the period end); the per-step power is summed from the
  sessions exactly (partial first/last steps plus a difference array for the
  whole steps between). Dock chargers are not shared (one per dock).
* **Rebalancing** (optional, nightly at a local hour): per vehicle type,
  vehicles are moved instantly from ports above their initial count to ports
  below it (van time and energy are ignored). Vehicles in use are not moved.

Work per served request is O(log n) heap operations (one heap per port and
type, keyed so that the fullest vehicle is on top: with a common charging rate
r the order of ``soc₀ − r·t₀`` never changes while vehicles charge); nothing
loops over the fleet per step.

Time is model hours since the start of the first step (see
:mod:`~zerodistrict.mobility.demand`). Simplifications: no battery ageing,
no charging losses beyond one efficiency, no vehicle faults, stations have no
power limit beyond their docks, arrivals after the period end are not docked.
"""

from __future__ import annotations

import heapq
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from zerodistrict.analysis.emissions import co2_kg, mode_shift_co2_kg
from zerodistrict.errors import InputError
from zerodistrict.scenario.mobility import Mobility
from zerodistrict.mobility.demand import (
    TripRequests,
    distance_matrix_km,
    generate_requests,
    step_hours_of,
)

#: KPI keys of a mobility run (kpis.json)
KPI_KEYS = (
    "mobility_trips",
    "mobility_trips_served_ratio",
    "mobility_km",
    "mobility_energy_kwh",
    "mobility_co2_avoided_kg",
    "mobility_revenue",
    "mobility_vehicle_utilisation_ratio",
)

_ARRIVE, _REBALANCE, _RETRY = 0, 1, 2


@dataclass
class MobilityResult:
    """Outcome of :func:`simulate_mobility`. Arrays are (t,) over ``index``."""

    index: pd.DatetimeIndex
    district_charge_kw: np.ndarray  # [kW] AC charging at district_powered ports (→ ev_charge_kw)
    total_charge_kw: np.ndarray  # [kW] AC charging at all ports
    stations: pd.DataFrame  # one row per port (stations.csv)
    vehicles: pd.DataFrame  # one row per vehicle: start/end port and energy
    trips: pd.DataFrame  # one row per request (model hours), served or not
    kpis: dict[str, float]  # KPI_KEYS
    currency: str | None
    stored_initial_kwh: float  # [kWh] fleet battery energy at the start
    stored_final_kwh: float  # [kWh] at the period end (vehicles in use: after their ride's energy)
    trip_energy_kwh: float  # [kWh] battery energy of all rides (redirect legs included)
    charged_stored_kwh: float  # [kWh] energy that entered the batteries (AC energy · efficiency)
    rebalancing_moves: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Fleet:
    """Per-vehicle static arrays and per-(port, type) charging rates."""

    vtype: np.ndarray  # (v,) type index
    capacity_kwh: np.ndarray  # (v,)
    start_station: np.ndarray  # (v,)
    rate_kw: np.ndarray  # (s·T,) AC charging power of a type-τ vehicle at port s, index s·T + τ
    targets: np.ndarray  # (s, T) initial counts (rebalancing targets)


def simulate_mobility(
    mobility: Mobility,
    index: pd.DatetimeIndex,
    emission_factor_kg_per_kwh: np.ndarray,
    seed: int | None = None,
) -> MobilityResult:
    """Simulate the shared fleet over ``index``.

    Parameters
    ----------
    mobility : Mobility
        Validated ``mobility`` section.
    index : pandas.DatetimeIndex
        tz-aware steps of the period (hourly or 15-min).
    emission_factor_kg_per_kwh : numpy.ndarray
        (t,) grid emission factor of charging energy. [kg-CO2/kWh]
    seed : int, optional
        Overrides ``mobility.seed``; the same seed gives the same result.

    Returns
    -------
    MobilityResult
    """
    n_steps = len(index)
    ef = np.asarray(emission_factor_kg_per_kwh, dtype=float)
    if ef.ndim == 0:
        ef = np.full(n_steps, float(ef))
    elif ef.shape != (n_steps,):
        raise InputError(
            f"emission_factor_kg_per_kwh: has shape {ef.shape}, the period has {n_steps} steps"
        )
    dt_h = step_hours_of(index)
    rng = np.random.default_rng(mobility.seed if seed is None else seed)
    requests = generate_requests(mobility, index, rng)
    fleet = _fleet_arrays(mobility)
    log = _run(mobility, index, dt_h, requests, fleet)
    t_end = n_steps * dt_h
    total_kw = _sessions_to_power(log["sess_start"], log["sess_end"], log["sess_kw"], n_steps, dt_h)
    district = np.array([s.district_powered for s in mobility.stations], dtype=bool)
    in_district = district[log["sess_station"]] if log["sess_station"].size else np.zeros(0, dtype=bool)
    district_kw = _sessions_to_power(
        log["sess_start"][in_district], log["sess_end"][in_district], log["sess_kw"][in_district], n_steps, dt_h
    )
    trips = _trip_table(mobility, requests, log)
    charge_kwh = np.bincount(
        log["sess_station"], weights=log["sess_kw"] * (log["sess_end"] - log["sess_start"]),
        minlength=len(mobility.stations),
    ).astype(float)
    stations = _station_table(mobility, log, fleet, charge_kwh, t_end)
    currency = mobility.prices.currency if mobility.prices is not None else None
    result = MobilityResult(
        index=index,
        district_charge_kw=district_kw,
        total_charge_kw=total_kw,
        stations=stations,
        vehicles=_vehicle_table(mobility, fleet, log),
        trips=trips,
        kpis={},
        currency=currency,
        stored_initial_kwh=float(log["soc_initial"].sum()),
        stored_final_kwh=float(log["soc_final"].sum()),
        trip_energy_kwh=float(trips["energy_kwh"].sum()),
        charged_stored_kwh=float(total_kw.sum() * dt_h * mobility.charge_efficiency),
        rebalancing_moves=int(log["moves"]),
    )
    result.kpis = mobility_kpis(mobility, result, ef, dt_h, t_end)
    return result


def mobility_kpis(mobility: Mobility, result: MobilityResult, ef: np.ndarray, dt_h: float, t_end_h: float) -> dict:
    """The seven ``mobility_*`` KPIs of a result (see :data:`KPI_KEYS`).

    Parameters
    ----------
    mobility : Mobility
    result : MobilityResult
    ef : numpy.ndarray
        (t,) emission factor of charging energy. [kg-CO2/kWh]
    dt_h : float
        Step length. [h]
    t_end_h : float
        Period length in model hours. [h]

    Notes
    -----
    CO2 avoided = served km · Σ(share · factor) of the replaced modes (one
    passenger per ride) − Σ charging kW · ef · Δt. All charging is charged at
    the grid factor, also at district-powered ports (conservative: PV-fed
    charging would emit less). Vehicle manufacture is not counted. Both terms
    come from :mod:`zerodistrict.analysis.emissions` (``mode_shift_co2_kg``,
    ``co2_kg``).
    Utilisation = in-use vehicle-hours within the period / (vehicles · period hours).
    """
    trips = result.trips
    served = trips["served"].to_numpy()
    n_req = len(trips)
    km = float(trips["distance_km"].to_numpy()[served].sum())
    replaced_kg = mode_shift_co2_kg(km, np.array([m.share for m in mobility.mode_shift], dtype=float),
                                    np.array([m.co2_kg_per_passenger_km for m in mobility.mode_shift], dtype=float))
    charging_kg = co2_kg(result.total_charge_kw, ef, dt_h)
    start = trips["start_h"].to_numpy()[served]
    end = np.minimum(trips["end_h"].to_numpy()[served], t_end_h)
    n_vehicles = len(result.vehicles)
    available_h = n_vehicles * t_end_h
    return {
        "mobility_trips": int(n_req),
        "mobility_trips_served_ratio": float(served.sum() / n_req) if n_req else 0.0,
        "mobility_km": km,
        "mobility_energy_kwh": float(result.total_charge_kw.sum() * dt_h),
        "mobility_co2_avoided_kg": replaced_kg - charging_kg,
        "mobility_revenue": float(trips["fare"].sum()),
        "mobility_vehicle_utilisation_ratio": float((end - start).sum() / available_h) if available_h > 0 else 0.0,
    }


def write_stations_csv(result: MobilityResult, path: str | Path) -> Path:
    """Write the per-port table (``stations.csv``) and return its path."""
    path = Path(path)
    result.stations.to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- set-up


def _fleet_arrays(mobility: Mobility) -> _Fleet:
    types = mobility.vehicle_types
    n_s, n_t = len(mobility.stations), len(types)
    counts = np.array([v.count for v in types], dtype=np.int64)
    targets = mobility.initial_counts()
    vtype = np.repeat(np.arange(n_t), counts)
    # vehicles of a type are numbered port by port, in station order
    start_station = np.concatenate(
        [np.repeat(np.arange(n_s), targets[:, j]) for j in range(n_t)]
    ).astype(np.int64) if n_t else np.zeros(0, dtype=np.int64)
    cap = np.array([v.battery_kwh for v in types], dtype=float)
    charger = np.array([s.charger_kw for s in mobility.stations], dtype=float)
    limit = np.array([v.max_charge_kw or np.inf for v in types], dtype=float)
    rate = np.minimum(charger[:, None], limit[None, :]) * (cap[None, :] > 0)
    return _Fleet(vtype, cap[vtype], start_station, rate.ravel(), targets)


def _neighbours(dist_km: np.ndarray, limit_km: float) -> list[list[int]]:
    """For each port, the other ports within ``limit_km``, nearest first (ties by index)."""
    order = np.argsort(dist_km, axis=1, kind="stable")
    out = []
    for s in range(dist_km.shape[0]):
        row = [int(k) for k in order[s] if k != s and dist_km[s, k] <= limit_km]
        out.append(row)
    return out


# --------------------------------------------------------------------------- event loop


def _run(mobility: Mobility, index: pd.DatetimeIndex, dt_h: float, req: TripRequests, fleet: _Fleet) -> dict:
    """The event loop (see module docstring). Returns plain arrays and counters."""
    stations = mobility.stations
    types = mobility.vehicle_types
    n_s, n_t, n_v = len(stations), len(types), int(fleet.vtype.shape[0])
    t_end = len(index) * dt_h
    eff = mobility.charge_efficiency
    lat = np.array([s.latitude for s in stations])
    lon = np.array([s.longitude for s in stations])
    dist = distance_matrix_km(lat, lon)
    walk = _neighbours(dist, mobility.walk_to_nearby_km) if mobility.walk_to_nearby_km > 0 else [[] for _ in stations]
    by_distance = _neighbours(dist, np.inf)
    circuity = mobility.demand.distance.circuity
    redirect = mobility.dock_full == "redirect"
    wait_h = mobility.wait_minutes / 60.0

    cons = [v.consumption_kwh_per_km for v in types]
    speed = [v.speed_km_h for v in types]
    reserve = [v.reserve_soc_ratio * v.battery_kwh for v in types]
    rate_kw = fleet.rate_kw.tolist()
    rate_b = [r * eff for r in rate_kw]  # battery-side kW
    docks = [s.docks for s in stations]

    # vehicle state
    vt = fleet.vtype.tolist()
    cap = fleet.capacity_kwh.tolist()
    soc = [c * types[j].initial_soc_ratio for c, j in zip(cap, vt)]
    soc_initial = list(soc)
    t_dock = [0.0] * n_v
    at = fleet.start_station.tolist()  # port, or -1 while riding
    heaps: list[list] = [[] for _ in range(n_s * n_t)]
    for v in range(n_v):
        k = at[v] * n_t + vt[v]
        heaps[k].append((-soc[v], v))
    for h in heaps:
        heapq.heapify(h)
    count = fleet.targets.sum(axis=1).tolist() if n_t else [0] * n_s

    # per-port counters
    started = [0] * n_s
    ended = [0] * n_s
    unmet = [0] * n_s
    redirected = [0] * n_s
    overflow = [0] * n_s
    dwell = [0.0] * n_s
    sessions = array("d")  # flat: start, end, kW, port, ...

    # per-request log: typed arrays (8 bytes a value) keep a million requests small
    n = req.n
    r_time = _doubles(req.time_h)
    r_orig = _ints(req.origin)
    r_dest = _ints(req.destination)
    r_dist = _doubles(req.distance_km)
    r_type = _ints(req.vehicle_type)
    served = bytearray(n)
    used_origin = _ints(np.full(n, -1))
    final_dest = _ints(np.full(n, -1))
    vehicle = _ints(np.full(n, -1))
    start_h = _doubles(np.full(n, np.nan))
    end_h = _doubles(np.full(n, np.nan))
    soc_start = _doubles(np.full(n, np.nan))
    soc_end = _doubles(np.full(n, np.nan))
    energy = _doubles(np.zeros(n))
    extra_km = _doubles(np.zeros(n))

    events: list[tuple] = []
    seq = 0
    if mobility.rebalancing.nightly and n_t:
        steps = np.flatnonzero((np.asarray(index.hour) == mobility.rebalancing.hour) & (np.asarray(index.minute) == 0))
        for k in steps.tolist():
            events.append((k * dt_h, _REBALANCE, seq, -1, -1, -1, 0))
            seq += 1
        heapq.heapify(events)
    moves = 0

    def undock(v: int, s: int, t: float) -> float:
        """Take v off port s at t; close its charging session; return its charge then."""
        k = s * n_t + vt[v]
        r = rate_b[k]
        s0 = soc[v]
        t0 = t_dock[v]
        if r > 0.0:
            t_full = t0 + (cap[v] - s0) / r
            stop = t if t < t_full else t_full  # noqa: FURB136 (hot loop: no call)
            if stop > t0:
                sessions.extend((t0, stop, rate_kw[k], s))
            cur = s0 + r * (t - t0)
            if cur > cap[v]:  # noqa: PLR1730 (hot loop: no call)
                cur = cap[v]
        else:
            cur = s0
        count[s] -= 1
        dwell[s] += t - t0
        at[v] = -1
        return cur

    def dock(v: int, s: int, t: float) -> None:
        k = s * n_t + vt[v]
        at[v] = s
        t_dock[v] = t
        heapq.heappush(heaps[k], (rate_b[k] * t - soc[v], v))
        count[s] += 1

    def pick(i: int, s: int, t: float) -> bool:
        """Serve request i from port s at t if the fullest vehicle there has the charge."""
        nonlocal seq
        j = r_type[i]
        h = heaps[s * n_t + j]
        if not h:
            return False
        v = h[0][1]
        d = r_dist[i]
        need = d * cons[j]
        r = rate_b[s * n_t + j]
        cur = soc[v] + r * (t - t_dock[v]) if r > 0.0 else soc[v]
        if cur > cap[v]:  # noqa: PLR1730 (hot loop: no call)
            cur = cap[v]
        if cur < need + reserve[j]:
            return False
        heapq.heappop(h)
        cur = undock(v, s, t)
        soc_start[i] = cur
        soc[v] = cur - need
        energy[i] = need
        served[i] = 1
        used_origin[i] = s
        vehicle[i] = v
        start_h[i] = t
        started[s] += 1
        heapq.heappush(events, (t + d / speed[j], _ARRIVE, seq, v, r_dest[i], i, 0))
        seq += 1
        return True

    def request(i: int, t: float, may_retry: bool) -> None:
        nonlocal seq
        o = r_orig[i]
        j = r_type[i]
        if j >= 0:
            # an empty heap is the common miss: test it before paying for a call
            if heaps[o * n_t + j] and pick(i, o, t):
                return
            for s in walk[o]:
                if heaps[s * n_t + j] and pick(i, s, t):
                    return
        if may_retry and wait_h > 0.0 and t + wait_h < t_end:
            heapq.heappush(events, (t + wait_h, _RETRY, seq, -1, -1, i, 0))
            seq += 1
        else:
            unmet[o] += 1

    def arrive(t: float, v: int, s: int, i: int, again: int) -> None:
        nonlocal seq
        if count[s] >= docks[s] and redirect and not again:
            j = vt[v]
            for s2 in by_distance[s]:
                if count[s2] < docks[s2]:
                    leg = circuity * float(dist[s, s2])
                    leg_kwh = leg * cons[j]
                    if soc[v] >= leg_kwh:
                        soc[v] -= leg_kwh
                        energy[i] += leg_kwh
                        extra_km[i] += leg
                        redirected[s] += 1
                        heapq.heappush(events, (t + leg / speed[j], _ARRIVE, seq, v, s2, i, 1))
                        seq += 1
                        return
                    break
        if count[s] >= docks[s]:
            overflow[s] += 1
        dock(v, s, t)
        ended[s] += 1
        final_dest[i] = s
        end_h[i] = t
        soc_end[i] = soc[v]

    def rebalance(t: float) -> int:
        moved = 0
        for j in range(n_t):
            give = []
            take = []
            for s in range(n_s):
                diff = len(heaps[s * n_t + j]) - int(fleet.targets[s, j])
                if diff > 0:
                    give.append((s, diff))
                elif diff < 0:
                    take.append((s, -diff))
            ti = 0
            for s, extra in give:
                h = heaps[s * n_t + j]
                for _ in range(extra):
                    while ti < len(take) and (take[ti][1] == 0 or count[take[ti][0]] >= docks[take[ti][0]]):
                        ti += 1
                    if ti >= len(take):
                        break
                    s2, want = take[ti]
                    _, v = heapq.heappop(h)
                    soc[v] = undock(v, s, t)
                    dock(v, s2, t)
                    take[ti] = (s2, want - 1)
                    moved += 1
        return moved

    def run_events_until(t: float) -> int:
        """Handle every queued arrival, retry and rebalancing up to time ``t``; return vehicles moved."""
        moved = 0
        while events and events[0][0] <= t:
            te, kind, _, v, s, ii, again = heapq.heappop(events)
            if kind == _ARRIVE:
                arrive(te, v, s, ii, again)
            elif kind == _RETRY:
                request(ii, te, False)
            else:
                moved += rebalance(te)
        return moved

    for i in range(n):
        t = r_time[i]
        moves += run_events_until(t)
        request(i, t, True)
    moves += run_events_until(t_end)
    # rides still under way at the end: log their planned arrival; they are not docked
    for te, kind, _, v, s, ii, _again in events:
        if kind == _ARRIVE:
            final_dest[ii] = s
            end_h[ii] = te
            soc_end[ii] = soc[v]
        elif kind == _RETRY:
            unmet[r_orig[ii]] += 1

    # close the charging sessions of docked vehicles at the period end
    final_at = list(at)
    for v in range(n_v):
        s = at[v]
        if s >= 0:
            soc[v] = undock(v, s, t_end)

    sess = np.frombuffer(sessions, dtype=float).reshape(-1, 4).copy()
    return {
        "served": np.frombuffer(served, dtype=np.uint8).astype(bool),
        "used_origin": np.frombuffer(used_origin, dtype=np.int64),
        "final_dest": np.frombuffer(final_dest, dtype=np.int64),
        "vehicle": np.frombuffer(vehicle, dtype=np.int64),
        "start_h": np.frombuffer(start_h, dtype=float),
        "end_h": np.frombuffer(end_h, dtype=float),
        "soc_start": np.frombuffer(soc_start, dtype=float),
        "soc_end": np.frombuffer(soc_end, dtype=float),
        "energy": np.frombuffer(energy, dtype=float),
        "extra_km": np.frombuffer(extra_km, dtype=float),
        "soc_initial": np.array(soc_initial),
        "soc_final": np.array(soc),
        "final_station": np.array(final_at, dtype=np.int64),
        "sess_start": sess[:, 0],
        "sess_end": sess[:, 1],
        "sess_kw": sess[:, 2],
        "sess_station": sess[:, 3].astype(np.int64),
        "started": np.array(started),
        "ended": np.array(ended),
        "unmet": np.array(unmet),
        "redirected": np.array(redirected),
        "overflow": np.array(overflow),
        "dwell_h": np.array(dwell),
        "moves": moves,
    }


def _doubles(values: np.ndarray) -> array:
    return array("d", np.ascontiguousarray(values, dtype=np.float64).tobytes())


def _ints(values: np.ndarray) -> array:
    return array("q", np.ascontiguousarray(values, dtype=np.int64).tobytes())


# --------------------------------------------------------------------------- outputs


def _sessions_to_power(start_h: np.ndarray, end_h: np.ndarray, kw: np.ndarray, n_steps: int, dt_h: float) -> np.ndarray:
    """Mean power of each step [kW] from constant-power sessions ``[start, end)`` [h].

    Energy of a session in step k is ``kw · |[start, end) ∩ [k·Δt, (k+1)·Δt)|``:
    partial first and last steps go in with ``np.bincount``, the whole steps
    between through a difference array of power.
    """
    if n_steps == 0:
        return np.zeros(0)
    ka = np.clip(np.floor(start_h / dt_h).astype(np.int64), 0, n_steps - 1)
    kb = np.clip(np.floor(end_h / dt_h).astype(np.int64), 0, n_steps - 1)
    same = ka == kb
    energy = np.zeros(n_steps)  # bincount of nothing is int64: start from floats
    energy += np.bincount(ka[same], weights=kw[same] * (end_h[same] - start_h[same]), minlength=n_steps)
    a, b, p, sa, eb = ka[~same], kb[~same], kw[~same], start_h[~same], end_h[~same]
    energy += np.bincount(a, weights=p * ((a + 1) * dt_h - sa), minlength=n_steps)
    energy += np.bincount(b, weights=p * (eb - b * dt_h), minlength=n_steps)
    rate = np.bincount(a + 1, weights=p, minlength=n_steps + 1) - np.bincount(b, weights=p, minlength=n_steps + 1)
    rate = rate.astype(float)
    energy += np.cumsum(rate)[:n_steps] * dt_h
    return energy / dt_h


def _fares(mobility: Mobility, vehicle_type: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Fare of each ride [currency]; 0 for types without a price."""
    fare = np.zeros(minutes.shape[0])
    if mobility.prices is None:
        return fare
    ids = {v.id: j for j, v in enumerate(mobility.vehicle_types)}
    for price in mobility.prices.by_type:
        sel = vehicle_type == ids[price.vehicle_type]
        m = minutes[sel]
        f = price.unlock + price.per_minute * m + price.first_block_price
        if price.block_minutes is not None and price.block_price > 0:
            # 1e-9 min: a ride of exactly 30 min does not start a new block through rounding
            blocks = np.ceil(np.maximum(m - price.first_block_minutes - 1e-9, 0.0) / price.block_minutes)
            f = f + blocks * price.block_price
        fare[sel] = f
    return fare


def _trip_table(mobility: Mobility, req: TripRequests, log: dict) -> pd.DataFrame:
    served = log["served"]
    km = np.where(served, req.distance_km + log["extra_km"], 0.0)
    speed = np.array([v.speed_km_h for v in mobility.vehicle_types] or [1.0])
    minutes = np.where(served, km / speed[np.maximum(req.vehicle_type, 0)] * 60.0, 0.0)
    fare = np.where(served, _fares(mobility, req.vehicle_type, minutes), 0.0)
    return pd.DataFrame(
        {
            "time_h": req.time_h,
            "requested_origin": req.origin,
            "requested_destination": req.destination,
            "vehicle_type": req.vehicle_type,
            "requested_km": req.distance_km,
            "served": served,
            "origin": log["used_origin"],
            "destination": log["final_dest"],
            "vehicle": log["vehicle"],
            "start_h": log["start_h"],
            "end_h": log["end_h"],
            "distance_km": km,
            "minutes": minutes,
            "energy_kwh": log["energy"],
            "soc_start_kwh": log["soc_start"],
            "soc_end_kwh": log["soc_end"],
            "fare": fare,
        },
        copy=False,
    )


def _station_table(mobility: Mobility, log: dict, fleet: _Fleet, charge_kwh: np.ndarray, t_end_h: float) -> pd.DataFrame:
    st = mobility.stations
    docks = np.array([s.docks for s in st], dtype=float)
    return pd.DataFrame(
        {
            "station_id": [s.id for s in st],
            "name": [s.name for s in st],
            "latitude": [s.latitude for s in st],
            "longitude": [s.longitude for s in st],
            "docks": [s.docks for s in st],
            "charger_kw": [s.charger_kw for s in st],
            "district_powered": [s.district_powered for s in st],
            "vehicles_initial": fleet.targets.sum(axis=1) if fleet.targets.size else np.zeros(len(st), dtype=int),
            "trips_started": log["started"],
            "trips_ended": log["ended"],
            "unmet": log["unmet"],
            "redirected_away": log["redirected"],
            "overflow_arrivals": log["overflow"],
            "charge_kwh": charge_kwh,
            "dock_occupancy_ratio": log["dwell_h"] / (docks * t_end_h) if t_end_h > 0 else np.zeros(len(st)),
        }
    )


def _vehicle_table(mobility: Mobility, fleet: _Fleet, log: dict) -> pd.DataFrame:
    ids = [s.id for s in mobility.stations]
    type_ids = [v.id for v in mobility.vehicle_types]
    final = log["final_station"]
    return pd.DataFrame(
        {
            "vehicle_type": [type_ids[j] for j in fleet.vtype],
            "capacity_kwh": fleet.capacity_kwh,
            "start_station": [ids[s] for s in fleet.start_station],
            "end_station": [ids[s] if s >= 0 else "" for s in final],
            "soc_initial_kwh": log["soc_initial"],
            "soc_final_kwh": log["soc_final"],
            "trips": np.bincount(log["vehicle"][log["served"]], minlength=len(fleet.vtype)),
        }
    )
