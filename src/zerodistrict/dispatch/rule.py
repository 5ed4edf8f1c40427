"""Rule-based dispatch: the community energy management system (CEMS).

Vectorised over homes with numpy, sequential over time (only the states of
charge carry from one step to the next). Each step follows a fixed order.

Surplus of a home (its PV above its own load):

1. serves its own load (netting, done for the whole year at once);
2. with ``sharing``, flows over the private line to the other homes' deficits
   that remain after their own batteries (pro rata to each home's surplus and
   deficit; ``line_loss_ratio`` of what is sent is lost on the line);
3. charges the home's own battery;
4. with ``sharing``, the remainder reaches the community bus, where it first
   charges EVs that are below their trip reserve, then the community battery,
   then the other parked EVs (vehicles in order); what a home sends into the
   line reaches the bus less ``line_loss_ratio`` (power from the bus to a home
   arrives whole);
5. is exported if the grid is available and ``export_allowed`` (up to the
   export limit), else curtailed.

Deficit of a home (its load above its own PV):

1. is met from the home's own battery;
2. then, with ``sharing``, from other homes' surplus (step 2 above);
3. then, with ``sharing``, from the community battery;
4. then from bidirectional EVs that are parked, keeping the energy their next
   trip needs (their trip reserve);
5. then from grid import (if the grid is available, up to the import limit);
6. whatever is left is unserved.

EVs below their trip reserve while parked also charge from the grid (the CEMS
makes sure a shared car can leave), after homes' imports within the import
limit. With ``sharing: false`` each home trades only with its own battery
and the grid; community assets then serve nothing but the EVs' own trips.

During a grid outage (``inputs.outage``) the district is islanded: batteries
and EVs serve only the critical part of each home's deficit
(``critical_load_ratio`` of its load, served first by its own PV); the
non-critical rest is met only by PV and shared surplus, and is shed first.

Simplifications: no grid charging of stationary batteries (a rule controller
without price foresight); power at the community bus is allocated to homes
pro rata to their remaining deficits; a trip's energy leaves the EV battery at
departure; a trip that finds too little energy uses what is there down to the
floor (the shortfall is reported in ``notes``).
"""

from __future__ import annotations

import numpy as np

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult, StorageArrays


def _pro_rata(values: np.ndarray, total: float, amount: float) -> tuple[np.ndarray, float]:
    """Scale ``values`` (summing to ``total``) by the share ``amount/total`` (clipped to 1)."""
    if total <= 0.0 or amount <= 0.0:
        return np.zeros_like(values), 0.0
    frac = min(amount / total, 1.0)
    return values * frac, frac


class _Scalar:
    """One stationary battery as plain floats (the community battery): cheaper than 1-element arrays."""

    def __init__(self, s: StorageArrays, dt: float):
        has = s.n > 0 and s.capacity_kwh[0] > 0 and s.power_kw[0] > 0
        self.cap = float(s.capacity_kwh[0]) if has else 0.0
        self.p = float(s.power_kw[0]) if has else 0.0
        self.ec = float(s.charge_efficiency[0]) if has else 1.0
        self.ed = float(s.discharge_efficiency[0]) if has else 1.0
        self.emin = float(s.min_kwh[0]) if has else 0.0
        self.soc = float(s.initial_kwh[0]) if has else 0.0
        self.dt = dt

    def charge(self, avail_kw: float) -> float:
        if self.p <= 0.0 or avail_kw <= 0.0:
            return 0.0
        kw = min(avail_kw, self.p, max(self.cap - self.soc, 0.0) / (self.ec * self.dt))
        self.soc = min(self.soc + kw * self.ec * self.dt, self.cap)
        return kw

    def discharge(self, need_kw: float) -> float:
        if self.p <= 0.0 or need_kw <= 0.0:
            return 0.0
        kw = min(need_kw, self.p, max(self.soc - self.emin, 0.0) * self.ed / self.dt)
        self.soc = max(self.soc - kw * self.dt / self.ed, self.emin)
        return kw


class _Fleet:
    """Community EVs as plain floats (fleets are small; per-vehicle numpy calls would cost more)."""

    def __init__(self, ev, dt: float):
        self.n = ev.n
        self.dt = dt
        self.cap = ev.capacity_kwh.tolist()
        self.p = ev.power_kw.tolist()
        self.ec = ev.charge_efficiency.tolist()
        self.ed = ev.discharge_efficiency.tolist()
        self.emin = ev.min_kwh.tolist()
        self.bidir = ev.bidirectional.astype(bool).tolist()
        self.soc = ev.initial_kwh.astype(float).tolist()
        # per-step rows as Python lists once, so that a step reads them without numpy calls
        self.avail = ev.available.tolist()
        self.trip = ev.trip_kwh
        self.trip_steps = ev.trip_kwh.any(axis=1).tolist() if self.n else []
        self.reserve = ev.reserve_kwh().tolist()
        self.shortfall_kwh = 0.0
        self.short = False

    def start(self, t: int) -> None:
        """Departures take their trip energy; note who is parked and how much each must keep."""
        if self.trip_steps[t]:
            for e, kwh in enumerate(self.trip[t].tolist()):
                if kwh > 0.0:
                    used = min(kwh, max(self.soc[e] - self.emin[e], 0.0))
                    self.shortfall_kwh += kwh - used
                    self.soc[e] -= used
        self.parked = self.avail[t]
        self.keep = self.reserve[t]
        self.headroom = [p if ok else 0.0 for p, ok in zip(self.p, self.parked)]  # kW left this step
        self.short = any(ok and soc < keep for ok, soc, keep in zip(self.parked, self.soc, self.keep))

    def _charge(self, e: int, kw: float) -> None:
        self.soc[e] = min(self.soc[e] + kw * self.ec[e] * self.dt, self.cap[e])
        self.headroom[e] -= kw

    def need_kw(self, e: int) -> float:
        """Charging power that brings vehicle e towards its trip reserve this step."""
        if not self.parked[e] or self.soc[e] >= self.keep[e]:
            return 0.0
        return min(self.headroom[e], (self.keep[e] - self.soc[e]) / (self.ec[e] * self.dt))

    def charge(self, avail_kw: float, to_reserve: bool) -> float:
        """Charge parked vehicles in order from ``avail_kw``; up to the reserve or up to full."""
        used = 0.0
        if to_reserve and not self.short:
            return used
        for e in range(self.n):
            if avail_kw - used <= 0.0:
                break
            if to_reserve:
                want = self.need_kw(e)
            else:
                want = min(self.headroom[e], max(self.cap[e] - self.soc[e], 0.0) / (self.ec[e] * self.dt)) if self.parked[e] else 0.0
            kw = min(want, avail_kw - used)
            if kw > 0.0:
                self._charge(e, kw)
                used += kw
        if to_reserve:
            self.short = any(self.need_kw(e) > 0.0 for e in range(self.n))
        return used

    def discharge(self, need_kw: float) -> float:
        """Bidirectional parked vehicles feed the bus, keeping their trip reserve."""
        given = 0.0
        for e in range(self.n):
            if need_kw - given <= 0.0:
                break
            if not (self.parked[e] and self.bidir[e]) or self.headroom[e] <= 0.0:
                continue
            kw = min(need_kw - given, self.headroom[e], max(self.soc[e] - self.keep[e], 0.0) * self.ed[e] / self.dt)
            if kw > 0.0:
                self.soc[e] = max(self.soc[e] - kw * self.dt / self.ed[e], self.emin[e])
                self.headroom[e] -= kw
                given += kw
        return given


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

    hb = inputs.home_batteries
    has_bat = (hb.capacity_kwh > 0) & (hb.power_kw > 0)
    p_h = np.where(has_bat, hb.power_kw, 0.0)
    emin_h = hb.min_kwh.astype(float)
    room_h = hb.capacity_kwh - emin_h  # usable energy [kWh]
    dis_gain = hb.discharge_efficiency / dt  # kW out per kWh above floor
    dis_cost = dt / hb.discharge_efficiency  # kWh drawn per kW out
    ch_gain = hb.charge_efficiency * dt  # kWh stored per kW in
    ch_room = 1.0 / ch_gain
    # state: energy above each home's floor [kWh]
    e = hb.initial_kwh - emin_h
    any_home_bat = bool(has_bat.any())
    comm = _Scalar(inputs.community_battery, dt)
    fleet = _Fleet(inputs.evs, dt)
    n_e = fleet.n
    mobility = (np.zeros(n_t) if inputs.mobility_load_kw is None
                else np.asarray(inputs.mobility_load_kw, dtype=float))

    sharing = bool(inputs.sharing)
    keep = 1.0 - float(inputs.line_loss_ratio)
    imp_lim = float(inputs.import_limit_kw)
    exp_lim = float(inputs.export_limit_kw) if inputs.export_allowed else 0.0

    # per-home energy above the floor at the end of each step; per-step shares turn totals into per-home flows
    # surplus and deficit rows are updated in place to what is left after each stage (no extra (t, h) arrays)
    home_soc = np.empty((n_t, n_h)) if any_home_bat else None
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
    community_soc = np.zeros(n_t)
    ev_soc_hist = np.zeros((n_t, n_e))
    surplus_total = surplus.sum(axis=1)
    deficit_total = deficit.sum(axis=1)
    crit_def = None

    for t in range(n_t):
        grid_ok = bool(inputs.grid_available[t])
        in_outage = bool(outage[t])
        if in_outage:
            # critical deficit: critical load not covered by own PV (PV serves the critical part first)
            crit_def = np.minimum(np.maximum(crit_ratio * load[t] - pv[t], 0.0), deficit[t])
        if n_e:
            fleet.start(t)
        S = float(surplus_total[t])
        D = float(deficit_total[t])
        # --- 1. own battery serves own deficit
        bat_dis_h = 0.0
        if any_home_bat and D > 0.0:
            dis = np.minimum(crit_def if in_outage else deficit[t], p_h)
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
            ch = np.minimum(surplus[t], p_h)
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
        bus_surplus = S2 * keep if sharing else 0.0
        if sharing and S2 > 0.0 and keep < 1.0:
            out["line_loss_kw"][t] += S2 - bus_surplus
        bus_deficit = D2 if sharing else 0.0
        crit_bus = float(crit_def.sum()) if (in_outage and sharing) else 0.0
        # loads of the bus itself: EVs below their trip reserve, district-powered mobility stations
        mob_need = float(mobility[t])
        mob_in = min(mob_need, bus_surplus)
        bus_surplus -= mob_in
        mob_need -= mob_in
        ev_in = fleet.charge(bus_surplus, to_reserve=True) if n_e else 0.0
        bus_surplus -= ev_in
        c_ch = comm.charge(bus_surplus) if sharing else 0.0
        bus_surplus -= c_ch
        if n_e and bus_surplus > 0.0:
            take = fleet.charge(bus_surplus, to_reserve=False)
            ev_in += take
            bus_surplus -= take
        # deficits at the bus: community battery, then bidirectional EVs above their reserve
        servable_bus = min(bus_deficit, crit_bus) if in_outage else bus_deficit
        c_dis = comm.discharge(servable_bus) if sharing else 0.0
        servable_bus -= c_dis
        ev_dis = fleet.discharge(servable_bus) if (n_e and servable_bus > 0.0) else 0.0
        bus_deficit = max(bus_deficit - c_dis - ev_dis, 0.0)
        # --- 5. the grid: homes first, then the bus's own loads, within the import limit
        home_need = bus_deficit if sharing else D2
        home_spill = max(bus_surplus, 0.0) if sharing else S2
        imp_homes = imp_mob = imp_ev = exp = 0.0
        if grid_ok:
            imp_homes = min(home_need, imp_lim)
            imp_mob = min(mob_need, imp_lim - imp_homes)
            if n_e:
                imp_ev = fleet.charge(imp_lim - imp_homes - imp_mob, to_reserve=True)
            exp = min(home_spill, exp_lim)
        ev_ch = ev_in + imp_ev
        if n_e:
            ev_soc_hist[t] = fleet.soc
        unserved = home_need - imp_homes
        curtail = home_spill - exp
        if sharing and curtail > 0.0 and keep < 1.0:
            # what nobody can use is curtailed at the homes, before it is sent (and loses) on the line
            out["line_loss_kw"][t] -= curtail / keep - curtail
            curtail /= keep
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
        out["grid_import_kw"][t] = imp_homes + imp_mob + imp_ev
        out["grid_export_kw"][t] = exp
        out["curtailed_kw"][t] = curtail
        out["unserved_kw"][t] = unserved + (mob_need - imp_mob)
        community_soc[t] = comm.soc

    # per-home flows from per-step shares of what was left at the bus (surplus/deficit now hold those rests)
    if any_home_bat:
        home_soc += emin_h
    else:
        home_soc = np.broadcast_to(hb.initial_kwh.astype(float), (n_t, n_h)).copy()
    rem_def = deficit
    rem_sur = np.maximum(surplus, 0.0, out=surplus)
    out["battery_soc_kwh"] = home_soc.sum(axis=1) + community_soc
    if n_e:
        out["ev_soc_kwh"] = ev_soc_hist.sum(axis=1)
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
    if fleet.shortfall_kwh > 1e-9:
        notes.append(f"EV trips lacked {fleet.shortfall_kwh:.1f} kWh of charge over the period")
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
        home_soc_kwh=home_soc,
        community_soc_kwh=community_soc,
        ev_soc_kwh=ev_soc_hist,
        method="rule",
        notes=notes,
    )
