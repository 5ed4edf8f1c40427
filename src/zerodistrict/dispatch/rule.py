"""Rule-based dispatch: the community energy management system (CEMS).

Vectorised over homes with numpy, sequential over time (only the states of
charge carry from one step to the next). Each step follows a fixed order.

Stores (``inputs.stores``) are of two places: a store located at a home (at
most one per home) serves that home; stores on the community bus serve the
line. At the bus, stores are taken by kind in the order of
:data:`KIND_PRIORITY` (batteries, then hydrogen, then EVs), and within a kind
in their list order; "in order" below means this order.

Surplus of a home (its PV above its own load):

1. serves its own load (netting, done for the whole year at once);
2. with ``sharing``, flows over the private line to the other homes' deficits
   that remain after their own stores (pro rata to each home's surplus and
   deficit; ``line_loss_ratio`` of what is sent is lost on the line);
3. charges the home's own store;
4. with ``sharing``, the remainder reaches the community bus (less
   ``line_loss_ratio``; power from the bus to a home arrives whole; at most
   the line trunk's ``line_capacity_kw``, the rest curtailed at the homes,
   :func:`trunk_caps`), where it
   serves district-powered mobility stations, then charges the bus stores
   that are below their trip reserve (EVs about to leave), then charges every
   available bus store in order up to its ceiling;
5. is exported if the grid is available and ``export_allowed`` (up to the
   export limit), else curtailed.

Deficit of a home (its load above its own PV):

1. is met from the home's own store;
2. then, with ``sharing``, from other homes' surplus (step 2 above);
3. then, with ``sharing``, from the available bus stores in order, each down
   to its trip reserve (its floor plus the energy its next trip needs; a
   one-way EV has no discharge power);
4. then from grid import (if the grid is available, up to the import limit;
   3 and 4 together at most the trunk's ``line_capacity_kw``);
5. whatever is left is unserved.

Bus stores below their trip reserve while available also charge from the
grid (the CEMS makes sure a shared car can leave), after homes' imports and
mobility stations within the import limit, unless their ``grid_charging`` is
off. With ``sharing: false`` each home trades only with its own store and the
grid; bus stores then serve nothing but their own trips.

A store's charge and discharge power share its converter within a step: power
used one way reduces what is left the other way in proportion to the two caps.

Outage reserve (``Stores.outage_reserve_kwh``, community batteries): while the grid is up
(``inputs.grid_available``) a bus store keeps that energy above its floor as well — it discharges only
down to floor + trip reserve + outage reserve, and a store below it (after an outage) refills it first,
like a trip reserve (from the grid too when its ``grid_charging`` allows); when the grid is down
the reserve is released.

During a grid outage (``inputs.outage``) the district is islanded: stores
serve only the critical part of each home's deficit (``critical_load_ratio``
of its load, served first by its own PV); the non-critical rest is met only
by PV and shared surplus, and is shed first.

Hydrogen stores (kind ``hydrogen``, with ``inputs.hydrogen``): the electrolyser
takes surplus at the bus in its place among the kinds (``HydrogenInputs.priority``:
after the batteries by default), and only at or above its minimum load (below it,
nothing: the surplus passes on to the next store, export or curtailment); the offtake
(the store's trip energy) is drawn at the start of its step from what the tank holds,
the rest is bought as grey hydrogen (``store_unserved_kwh``) and is no reserve to
charge for; standing losses take their share of the tank at the start of each step;
the fuel cell feeds the bus like a battery, only in an outage when
``discharge_outage_only``; electrolyser and fuel cell are separate converters.

Simplifications: no grid charging of stores beyond trip reserves (a rule
controller without price foresight); power at the community bus is allocated
to homes pro rata to their remaining deficits; a trip's energy leaves the
store at departure; a trip that finds too little energy uses what is there
down to the floor (the shortfall is reported in ``notes``); home stores are
always available and take no trips (the rule CEMS raises InputError otherwise).
"""

from __future__ import annotations

import numpy as np

from zerodistrict.dispatch.common import KINDS, DispatchInputs, DispatchResult, HydrogenInputs, Stores
from zerodistrict.errors import InputError

#: order of use of the community bus's stores by kind (lower first), both to charge and to discharge.
#: Our assumption: batteries cycle cheaply and efficiently; hydrogen's round trip loses more; EVs last,
#: so that shared cars are not worn by the district (their trip reserves are charged before anything).
KIND_PRIORITY = {"battery": 0, "hydrogen": 1, "ev": 2}
assert set(KIND_PRIORITY) == set(KINDS)
#: the order of kinds for each ``HydrogenInputs.priority`` (``after_batteries`` is :data:`KIND_PRIORITY`)
HYDROGEN_ORDER = {"after_batteries": KIND_PRIORITY, "before_batteries": {"hydrogen": 0, "battery": 1, "ev": 2},
                  "last": {"battery": 0, "ev": 1, "hydrogen": 2}}


def kind_priority(hydrogen: HydrogenInputs | None) -> dict[str, int]:
    """Order of use of the bus's stores by kind, with the hydrogen chain's configured place."""
    return KIND_PRIORITY if hydrogen is None else HYDROGEN_ORDER[hydrogen.priority]


class _Group:
    """Bus stores of one kind as plain floats (they are few; per-store numpy calls would cost more)."""

    def __init__(self, s: Stores, dt: float, hydrogen: HydrogenInputs | None = None,
                 outage: np.ndarray | None = None, grid_up: np.ndarray | None = None):
        self.n = s.n
        self.dt = dt
        has = s.capacity_kwh > 0
        self.cap = s.max_kwh.tolist()  # ceiling [kWh]
        self.pc = np.where(has, s.charge_power_kw, 0.0).tolist()
        self.pd = np.where(has, s.discharge_power_kw, 0.0).tolist()
        # converter shared by both directions: kW of one way used per kW of the other
        self.d_per_c = [d / c if c > 0 else 0.0 for c, d in zip(self.pc, self.pd)]
        self.c_per_d = [c / d if d > 0 else 0.0 for c, d in zip(self.pc, self.pd)]
        self.ec = s.charge_efficiency.tolist()
        self.ed = s.discharge_efficiency.tolist()
        self.emin = s.min_kwh.tolist()
        self.grid_ok = s.grid_charging.astype(bool).tolist()
        self.soc = s.initial_kwh.astype(float).tolist()
        # per-step rows as Python lists once, so that a step reads them without numpy calls
        self.always = bool(s.available.all())
        self.avail = None if self.always else s.available.tolist()
        self.trip = s.trip_kwh
        self.trip_steps = s.trip_kwh.any(axis=1).tolist() if self.n and s.trip_kwh.any() else None
        self.reserve = s.reserve_kwh().tolist() if self.trip_steps is not None else None
        # outage reserve: kept above the floor while the grid is up (grid_up), released when it is down
        held = s.outage_reserve_kwh > 0
        self.outage_reserve = s.outage_reserve_kwh.tolist() if held.any() and grid_up is not None else None
        self.grid_up = None if self.outage_reserve is None else np.asarray(grid_up, dtype=bool).tolist()
        self.shortfall_kwh = 0.0
        self.unserved = [0.0] * self.n  # trip energy short this step [kWh]
        self.min_on = [0.0] * self.n  # minimum charging power when charging at all [kW]
        self.retain = None  # share of the stored energy kept from one step to the next (None: all)
        self.dis_steps = None  # (t,) steps when discharging is allowed (None: always)
        if hydrogen is not None:
            self._hydrogen(hydrogen, outage)
        self.short = False
        self.ch = [0.0] * self.n
        self.dis = [0.0] * self.n

    def _hydrogen(self, h: HydrogenInputs, outage: np.ndarray | None) -> None:
        """Hydrogen stores: electrolyser minimum load, standing losses, a separate fuel cell, no trip reserve.

        The offtake is not a reserve to charge for (what the tank lacks is bought as grey hydrogen);
        the electrolyser and the fuel cell are two converters, so one does not use up the other's power.
        """
        self.min_on = (np.asarray(h.min_load_ratio, dtype=float) * np.asarray(self.pc)).tolist()
        loss = np.asarray(h.loss_ratio_per_step, dtype=float)
        self.retain = (1.0 - loss).tolist() if loss.any() else None
        self.d_per_c = [0.0] * self.n
        self.c_per_d = [0.0] * self.n
        self.reserve = None
        blocked = np.asarray(h.discharge_outage_only, dtype=bool)
        if blocked.any():
            in_outage = np.zeros(len(self.trip), dtype=bool) if outage is None else np.asarray(outage, dtype=bool)
            # (t, k) allowed: not outage-only, or in an outage
            self.dis_steps = (~blocked[None, :] | in_outage[:, None]).tolist()

    def start(self, t: int) -> None:
        """Standing losses; departures take their trip energy; note who is available and how much each must keep."""
        if self.retain is not None:
            self.soc = [soc * r for soc, r in zip(self.soc, self.retain)]
        self.unserved = [0.0] * self.n
        if self.trip_steps is not None and self.trip_steps[t]:
            for e, kwh in enumerate(self.trip[t].tolist()):
                if kwh > 0.0:
                    used = min(kwh, max(self.soc[e] - self.emin[e], 0.0))
                    self.shortfall_kwh += kwh - used
                    self.unserved[e] = kwh - used
                    self.soc[e] -= used
        self.parked = [True] * self.n if self.always else self.avail[t]
        self.keep = self.emin if self.reserve is None else self.reserve[t]
        holding = self.outage_reserve is not None and self.grid_up[t]
        if holding:
            self.keep = [k + r for k, r in zip(self.keep, self.outage_reserve)]
        self.hc = [p if ok else 0.0 for p, ok in zip(self.pc, self.parked)]  # charge kW left this step
        self.hd = [p if ok else 0.0 for p, ok in zip(self.pd, self.parked)]  # discharge kW left this step
        if self.dis_steps is not None:
            self.hd = [p if ok else 0.0 for p, ok in zip(self.hd, self.dis_steps[t])]
        self.ch = [0.0] * self.n
        self.dis = [0.0] * self.n
        self.short = (self.reserve is not None or holding) and any(
            ok and soc < keep for ok, soc, keep in zip(self.parked, self.soc, self.keep))

    def _charge(self, e: int, kw: float) -> None:
        self.soc[e] = min(self.soc[e] + kw * self.ec[e] * self.dt, self.cap[e])
        self.hc[e] -= kw
        self.hd[e] -= kw * self.d_per_c[e]
        self.ch[e] += kw

    def need_kw(self, e: int) -> float:
        """Charging power that brings store e towards its trip reserve this step."""
        if not self.parked[e] or self.soc[e] >= self.keep[e]:
            return 0.0
        return min(self.hc[e], (self.keep[e] - self.soc[e]) / (self.ec[e] * self.dt))

    def charge(self, avail_kw: float, to_reserve: bool, from_grid: bool = False) -> float:
        """Charge available stores in order from ``avail_kw``; up to the reserve or up to the ceiling."""
        used = 0.0
        if to_reserve and not self.short:
            return used
        for e in range(self.n):
            if avail_kw - used <= 0.0:
                break
            if from_grid and not self.grid_ok[e]:
                continue
            if to_reserve:
                want = self.need_kw(e)
            else:
                want = min(self.hc[e], max(self.cap[e] - self.soc[e], 0.0) / (self.ec[e] * self.dt)) if self.parked[e] else 0.0
            kw = min(want, avail_kw - used)
            if kw > 0.0 and kw >= self.min_on[e]:
                self._charge(e, kw)
                used += kw
        if to_reserve:
            self.short = any(self.need_kw(e) > 0.0 for e in range(self.n))
        return used

    def discharge(self, need_kw: float) -> float:
        """Available stores with discharge power feed the bus in order, keeping their trip reserve."""
        given = 0.0
        for e in range(self.n):
            if need_kw - given <= 0.0:
                break
            if not self.parked[e] or self.hd[e] <= 0.0:
                continue
            kw = min(need_kw - given, self.hd[e], max(self.soc[e] - self.keep[e], 0.0) * self.ed[e] / self.dt)
            if kw > 0.0:
                self.soc[e] = max(self.soc[e] - kw * self.dt / self.ed[e], self.emin[e])
                self.hd[e] -= kw
                self.hc[e] -= kw * self.c_per_d[e]
                self.dis[e] += kw
                given += kw
        return given


class _Bus:
    """The community bus's stores: one :class:`_Group` per kind, in :data:`KIND_PRIORITY` order."""

    def __init__(self, stores: Stores, dt: float, hydrogen: HydrogenInputs | None = None,
                 outage: np.ndarray | None = None, grid_up: np.ndarray | None = None):
        cols = np.flatnonzero(stores.at_community)
        kinds = sorted(set(stores.kind[cols]), key=kind_priority(hydrogen).__getitem__)
        self.cols = [cols[stores.kind[cols] == k] for k in kinds]  # positions in inputs.stores
        self.is_ev = [k == "ev" for k in kinds]
        self.kinds = kinds
        if hydrogen is not None:
            hydrogen.check(stores)
        self.groups = [_Group(stores.select(c), dt, hydrogen if k == "hydrogen" else None, outage, grid_up)
                       for c, k in zip(self.cols, kinds)]
        self.n = len(cols)

    def start(self, t: int) -> None:
        for g in self.groups:
            g.start(t)

    def charge(self, avail_kw: float, to_reserve: bool, from_grid: bool = False) -> float:
        used = 0.0
        for g in self.groups:
            if avail_kw <= 0.0:
                break
            kw = g.charge(avail_kw, to_reserve, from_grid)
            avail_kw -= kw
            used += kw
        return used

    def discharge(self, need_kw: float) -> float:
        given = 0.0
        for g in self.groups:
            if need_kw <= 0.0:
                break
            kw = g.discharge(need_kw)
            need_kw -= kw
            given += kw
        return given

    def flows(self) -> tuple[float, float, float, float]:
        """This step's charge and discharge [kW] of the bus's batteries (kinds other than EV) and EVs."""
        b_ch = b_dis = e_ch = e_dis = 0.0
        for g, ev in zip(self.groups, self.is_ev):
            if ev:
                e_ch += sum(g.ch)
                e_dis += sum(g.dis)
            else:
                b_ch += sum(g.ch)
                b_dis += sum(g.dis)
        return b_ch, b_dis, e_ch, e_dis

    @property
    def shortfall_kwh(self) -> float:
        """EV (and battery) trip energy short over the period; hydrogen offtake short is bought, not a shortfall."""
        return sum(g.shortfall_kwh for g, k in zip(self.groups, self.kinds) if k != "hydrogen")


def _home_arrays(inputs: DispatchInputs) -> tuple[Stores, np.ndarray]:
    """One column per home (zero-capacity where none) and each home's position in ``inputs.stores`` (-1: none)."""
    stores = inputs.stores
    slots = stores.home_slots(inputs.n_homes)
    moving = ~stores.available.all(axis=0) | stores.trip_kwh.any(axis=0) | (stores.kind == "ev")
    bad = np.flatnonzero(moving & ~stores.at_community)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"stores[{i}] ({stores.name[i]}) at home {stores.location[i]}: the rule CEMS models "
                         "home stores as batteries, always available without trips; put EVs on the community bus")
    return stores.per_home(inputs.n_homes, steps=False), slots


def trunk_caps(line_capacity_kw: float, keep: float) -> tuple[float, float]:
    """What the line's trunk lets through in a step [kW]: homes' surplus sent (home side), and power to the homes.

    The trunk joins the community bus (grid connection, bus stores, mobility) to the homes; homes share
    among themselves (step 2) on their side of it. It carries at most ``C`` either way at the bus:
    surplus sent ``S ≤ C / (1 − loss)`` (the rest is curtailed at the homes, before it loses on the
    line) and bus stores' discharge plus import for the homes ``≤ C`` (the rest of the deficit is
    unserved). ``C = inf``: no limit.
    """
    if not np.isfinite(line_capacity_kw):
        return np.inf, np.inf
    return float(line_capacity_kw) / keep, float(line_capacity_kw)


def dispatch_rule(inputs: DispatchInputs) -> DispatchResult:
    """Run the CEMS rules over the period (see the module docstring for the order).

    Parameters
    ----------
    inputs : DispatchInputs
        The district as arrays.

    Returns
    -------
    DispatchResult
        Flows per step [kW], states of charge at the end of each step [kWh].
    """
    n_t, n_h = inputs.load_kw.shape
    dt = float(inputs.step_hours)
    load = np.asarray(inputs.load_kw, dtype=float)
    pv = np.asarray(inputs.pv_kw, dtype=float)
    surplus = pv - load  # (t, h) after own-load netting
    deficit = np.negative(surplus)
    np.maximum(surplus, 0.0, out=surplus)
    np.maximum(deficit, 0.0, out=deficit)
    outage = inputs.outage if inputs.outage is not None else np.zeros(n_t, dtype=bool)
    # in an outage, batteries serve only the critical deficit (critical load first served by own PV)
    crit_ratio = np.asarray(inputs.critical_load_ratio, dtype=float)

    hb, slots = _home_arrays(inputs)
    has_cap = hb.capacity_kwh > 0
    has_bat = has_cap & ((hb.charge_power_kw > 0) | (hb.discharge_power_kw > 0))
    p_ch_h = np.where(has_cap, hb.charge_power_kw, 0.0)
    p_dis_h = np.where(has_cap, hb.discharge_power_kw, 0.0)
    emin_h = hb.min_kwh.astype(float)
    room_h = hb.max_kwh - emin_h  # usable energy [kWh]
    dis_gain = hb.discharge_efficiency / dt  # kW out per kWh above floor
    dis_cost = dt / hb.discharge_efficiency  # kWh drawn per kW out
    ch_gain = hb.charge_efficiency * dt  # kWh stored per kW in
    ch_room = 1.0 / ch_gain
    # state: energy above each home's floor [kWh]
    e = hb.initial_kwh - emin_h
    any_home_bat = bool(has_bat.any())
    bus = _Bus(inputs.stores, dt, inputs.hydrogen, outage, inputs.grid_available)
    n_b = bus.n
    mobility = (np.zeros(n_t) if inputs.mobility_load_kw is None
                else np.asarray(inputs.mobility_load_kw, dtype=float))

    sharing = bool(inputs.sharing)
    keep = 1.0 - float(inputs.line_loss_ratio)
    imp_lim = float(inputs.import_limit_kw)
    exp_lim = float(inputs.export_limit_kw) if inputs.export_allowed else 0.0
    send_cap, feed_cap = trunk_caps(inputs.line_capacity_kw, keep)

    # per-home energy above the floor at the end of each step; per-step shares turn totals into per-home flows
    # surplus and deficit rows are updated in place to what is left after each stage (no extra (t, h) arrays)
    # each store's columns, in the order of inputs.stores; home stores written in place when they are one
    # block of columns in home order (as the pipeline builds them), else copied at the end
    n_s = inputs.stores.n
    store_soc, store_ch, store_dis = np.zeros((n_t, n_s)), np.zeros((n_t, n_s)), np.zeros((n_t, n_s))
    homes = np.flatnonzero(slots >= 0)
    first = int(slots[0]) if n_h else 0
    in_place = homes.size == n_h > 0 and bool((slots == np.arange(first, first + n_h)).all())
    if in_place:
        block = slice(first, first + n_h)
        home_soc, home_ch, home_dis = store_soc[:, block], store_ch[:, block], store_dis[:, block]
    else:
        home_soc = np.empty((n_t, n_h)) if any_home_bat else None
        home_ch = np.zeros((n_t, n_h)) if any_home_bat else None
        home_dis = np.zeros((n_t, n_h)) if any_home_bat else None
    acc_ch, acc_dis, acc_in, acc_out = (np.zeros(n_h) for _ in range(4))
    f_in = np.zeros(n_t)  # share of each home's deficit (after its battery) met by sharing
    f_out = np.zeros(n_t)  # share of each home's surplus sent over the line
    f_import = np.zeros(n_t)  # share of the deficit left at the bus/meter met by import
    f_unserved = np.zeros(n_t)
    f_export = np.zeros(n_t)
    f_curtail = np.zeros(n_t)
    cols = ("battery_charge_kw", "battery_discharge_kw", "battery_soc_kwh", "shared_kw", "grid_import_kw",
            "grid_export_kw", "curtailed_kw", "unserved_kw", "ev_charge_kw", "ev_discharge_kw", "ev_soc_kwh",
            "line_loss_kw", "critical_unserved_kw")
    out = {c: np.zeros(n_t) for c in cols}
    bus_soc = [np.zeros((n_t, g.n)) for g in bus.groups]
    bus_ch = [np.zeros((n_t, g.n)) for g in bus.groups]
    bus_dis = [np.zeros((n_t, g.n)) for g in bus.groups]
    bus_unserved = [np.zeros((n_t, g.n)) for g in bus.groups]
    surplus_total = surplus.sum(axis=1)
    deficit_total = deficit.sum(axis=1)
    crit_def = None

    for t in range(n_t):
        grid_ok = bool(inputs.grid_available[t])
        in_outage = bool(outage[t])
        if in_outage:
            # critical deficit: critical load not covered by own PV (PV serves the critical part first)
            crit_def = np.minimum(np.maximum(crit_ratio * load[t] - pv[t], 0.0), deficit[t])
        if n_b:
            bus.start(t)
        S = float(surplus_total[t])
        D = float(deficit_total[t])
        # --- 1. own battery serves own deficit
        bat_dis_h = 0.0
        if any_home_bat and D > 0.0:
            dis = np.minimum(crit_def if in_outage else deficit[t], p_dis_h, out=home_dis[t])
            np.minimum(dis, e * dis_gain, out=dis)
            e -= dis * dis_cost
            np.maximum(e, 0.0, out=e)
            bat_dis_h = float(dis.sum())
            acc_dis += dis
            np.subtract(deficit[t], dis, out=deficit[t])
            if in_outage:
                crit_def = crit_def - dis
        D1 = D - bat_dis_h
        # --- 2. sharing over the private line (pro rata to surpluses and remaining deficits)
        if sharing and S > 0.0 and D1 > 1e-12:
            sent = min(S, D1 / keep)
            delivered = sent * keep
            f_out[t] = sent / S
            f_in[t] = delivered / D1
            acc_in += deficit[t] * f_in[t]
            deficit[t] *= 1.0 - f_in[t]
            acc_out += surplus[t] * f_out[t]
            surplus[t] *= 1.0 - f_out[t]
            if in_outage:
                crit_def = crit_def * (1.0 - f_in[t])
            out["shared_kw"][t] = delivered
            out["line_loss_kw"][t] = sent - delivered
            S1 = S - sent
            D2 = D1 - delivered
        else:
            S1, D2 = S, D1
        # --- 3. own battery takes own surplus
        bat_ch_h = 0.0
        if any_home_bat and S1 > 0.0:
            room = (room_h - e) * ch_room
            ch = np.minimum(surplus[t], p_ch_h, out=home_ch[t])
            np.minimum(ch, room, out=ch)
            e += ch * ch_gain
            np.minimum(e, room_h, out=e)
            bat_ch_h = float(ch.sum())
            acc_ch += ch
            np.subtract(surplus[t], ch, out=surplus[t])
        if any_home_bat:
            home_soc[t] = e
        S2 = max(S1 - bat_ch_h, 0.0)

        # --- 4. the community bus: what homes can pool there (surplus sent into the line loses its share)
        blocked = max(S2 - send_cap, 0.0) if sharing else 0.0  # held back by the trunk: curtailed at the homes
        bus_surplus = (S2 - blocked) * keep if sharing else 0.0
        if sharing and S2 > 0.0 and keep < 1.0:
            out["line_loss_kw"][t] += S2 - blocked - bus_surplus
        bus_deficit = D2 if sharing else 0.0
        crit_bus = float(crit_def.sum()) if (in_outage and sharing) else 0.0
        # loads of the bus itself: EVs below their trip reserve, district-powered mobility stations
        mob_need = float(mobility[t])
        mob_in = min(mob_need, bus_surplus)
        bus_surplus -= mob_in
        mob_need -= mob_in
        if n_b and bus_surplus > 0.0:
            bus_surplus -= bus.charge(bus_surplus, to_reserve=True)
            if bus_surplus > 0.0:
                bus_surplus -= bus.charge(bus_surplus, to_reserve=False)
        # deficits at the bus: bus stores in order, each above its trip reserve
        servable_bus = min(bus_deficit, crit_bus, feed_cap) if in_outage else min(bus_deficit, feed_cap)
        given = bus.discharge(servable_bus) if (n_b and servable_bus > 0.0) else 0.0
        bus_deficit = max(bus_deficit - given, 0.0)
        # --- 5. the grid: homes first, then the bus's own loads, within the import limit
        home_need = bus_deficit if sharing else D2
        home_spill = max(bus_surplus, 0.0) if sharing else S2
        imp_homes = imp_mob = imp_bus = exp = 0.0
        if grid_ok:
            imp_homes = min(home_need, imp_lim, feed_cap - given) if sharing else min(home_need, imp_lim)
            imp_mob = min(mob_need, imp_lim - imp_homes)
            if n_b:
                imp_bus = bus.charge(imp_lim - imp_homes - imp_mob, to_reserve=True, from_grid=True)
            exp = min(home_spill, exp_lim)
        c_ch = c_dis = ev_ch = ev_dis = 0.0
        if n_b:
            c_ch, c_dis, ev_ch, ev_dis = bus.flows()
            for k, g in enumerate(bus.groups):
                bus_soc[k][t] = g.soc
                bus_ch[k][t] = g.ch
                bus_dis[k][t] = g.dis
                bus_unserved[k][t] = g.unserved
        unserved = home_need - imp_homes
        curtail = home_spill - exp
        if sharing and curtail > 0.0 and keep < 1.0:
            # what nobody can use is curtailed at the homes, before it is sent (and loses) on the line
            out["line_loss_kw"][t] -= curtail / keep - curtail
            curtail /= keep
        curtail += blocked
        # shares of each home's remaining deficit / surplus (for per-home attribution)
        if D2 > 1e-12:
            f_import[t] = imp_homes / D2
            f_unserved[t] = unserved / D2
        if S2 > 1e-12:  # shares of what each home sent, measured where it is exported or curtailed
            f_export[t] = exp / S2
            f_curtail[t] = curtail / S2

        out["battery_charge_kw"][t] = bat_ch_h + c_ch
        out["battery_discharge_kw"][t] = bat_dis_h + c_dis + ev_dis
        out["ev_discharge_kw"][t] = ev_dis
        out["ev_charge_kw"][t] = ev_ch + float(mobility[t])
        out["grid_import_kw"][t] = imp_homes + imp_mob + imp_bus
        out["grid_export_kw"][t] = exp
        out["curtailed_kw"][t] = curtail
        out["unserved_kw"][t] = unserved + (mob_need - imp_mob)

    # per-home flows from per-step shares of what was left at the bus (surplus/deficit now hold those rests)
    if any_home_bat:
        home_soc += emin_h
    elif in_place:
        home_soc[:] = hb.initial_kwh
    else:
        home_soc = np.broadcast_to(hb.initial_kwh.astype(float), (n_t, n_h)).copy()
    rem_def = deficit
    rem_sur = np.maximum(surplus, 0.0, out=surplus)
    community_soc = np.zeros(n_t)
    for k, ev in enumerate(bus.is_ev):
        if ev:
            out["ev_soc_kwh"] = bus_soc[k].sum(axis=1)
        else:
            community_soc += bus_soc[k].sum(axis=1)
    out["battery_soc_kwh"] = home_soc.sum(axis=1) + community_soc
    out["load_kw"] = load.sum(axis=1) + out["line_loss_kw"]
    out["pv_kw"] = pv.sum(axis=1)
    # per-home unserved, import, export: in place where possible (fresh arrays of zeros cost nothing until written)
    home_unserved = rem_def * f_unserved[:, None] if f_unserved.any() else np.zeros(rem_def.shape)
    if out["unserved_kw"].any():
        # what is unserved counts as non-critical first (its own PV serves critical load first)
        non_critical_def = np.maximum(load - pv, 0.0) - np.maximum(crit_ratio * load - pv, 0.0)
        out["critical_unserved_kw"] = np.maximum(home_unserved - non_critical_def, 0.0).sum(axis=1)
    curtailed_h = rem_sur.T @ f_curtail * dt
    home_import = np.multiply(rem_def, f_import[:, None], out=rem_def)
    home_export = np.multiply(rem_sur, f_export[:, None], out=rem_sur) if f_export.any() else np.zeros(rem_sur.shape)
    notes = []
    if bus.shortfall_kwh > 1e-9:
        notes.append(f"EV trips lacked {bus.shortfall_kwh:.1f} kWh of charge over the period")
    if not in_place and homes.size:
        store_soc[:, slots[homes]] = home_soc[:, homes]
        if any_home_bat:
            store_ch[:, slots[homes]] = home_ch[:, homes]
            store_dis[:, slots[homes]] = home_dis[:, homes]
    store_unserved = np.zeros((n_t, n_s))
    for cols, soc_k, ch_k, dis_k, un_k in zip(bus.cols, bus_soc, bus_ch, bus_dis, bus_unserved):
        store_soc[:, cols], store_ch[:, cols], store_dis[:, cols], store_unserved[:, cols] = soc_k, ch_k, dis_k, un_k
    return DispatchResult(
        index=inputs.index,
        step_hours=dt,
        totals=out,
        home_import_kw=home_import,
        home_export_kw=home_export,
        home_unserved_kw=home_unserved,
        home_totals_kwh={
            "shared_in": acc_in * dt,
            "shared_out": acc_out * dt,
            "battery_charge": acc_ch * dt,
            "battery_discharge": acc_dis * dt,
            "curtailed": curtailed_h,
        },
        store_soc_kwh=store_soc,
        method="rule",
        notes=notes,
        store_charge_kw=store_ch,
        store_discharge_kw=store_dis,
        store_unserved_kwh=store_unserved,
    )
