"""Results of a solved dispatch LP: per-home matrices and district totals, split back from any reduction.

Every flow in the totals is the LP's own variable (curtailment from ``curtail``,
unserved load from ``shed``, ``shed_critical`` and ``shed_mobility``), split back to
homes in proportion where homes were merged; nothing is re-derived to close the energy
balance, so :func:`~zerodistrict.dispatch.common.check_balance` on a result tests the
solver's solution. The only cleaning (:func:`_values`, and clipping per-home shares to
the PV and load they come from) moves a flow by at most HiGHS's feasibility tolerance
(``primal_feasibility_tolerance``, 1e-7 by default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import linopy
import numpy as np

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
from zerodistrict.dispatch.optimal.problem import NOISE_KW, _netted_parts, _Problem, _Stores

@dataclass
class SolvedArrays:
    """A solution held as arrays (the rolling horizon's reused HiGHS model, :mod:`.window`).

    ``values``: each variable's solution, time first; ``objective``: the LP objective.
    """

    values: dict[str, np.ndarray]
    objective: float


def _values(m: linopy.Model | SolvedArrays, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Solution of a variable as an array, with values within ``NOISE_KW`` of zero set to zero.

    HiGHS may leave a variable at ``−1e-12`` or so of its bound 0; callers also clip the
    flows at 0 (a bound violation within the solver's feasibility tolerance). Neither is
    chosen to make the balance hold.
    """
    if isinstance(m, SolvedArrays):
        if name not in m.values:
            return np.zeros(shape)
        x = np.asarray(m.values[name], dtype=float).reshape(shape)
    elif name not in m.variables:
        return np.zeros(shape)
    else:
        x = np.asarray(m.variables[name].solution.transpose("time", ...).values, dtype=float).reshape(shape)
    x = np.where(np.abs(x) < NOISE_KW, 0.0, x)
    return x


def _clip_soc(soc: np.ndarray, s: _Stores) -> np.ndarray:
    return np.clip(soc, s.min_kwh[None, :], s.capacity_kwh[None, :])


def _split(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(t,) total → (t, h) in proportion to (t, h) weights (0 where the weights are 0)."""
    w_sum = weights.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w_sum > 0, total[:, None] * weights / w_sum, 0.0)


def _pro_rata(amount: np.ndarray, weights: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Attribute ``amount`` (t,) to columns of ``weights`` (t, h), at most ``scale·weights`` each."""
    w_sum = weights.sum(axis=1) * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(w_sum > 0, np.minimum(amount / w_sum, 1.0), 0.0)
    return weights * scale * frac[:, None]


def _result(inputs: DispatchInputs, p: _Problem, m: linopy.Model | SolvedArrays,
            keep: int | None = None) -> DispatchResult:
    """Per-home matrices and district totals from a solved model (its first ``keep`` steps if given)."""
    n_t, n_h = inputs.n_steps, inputs.n_homes
    dt = p.step_hours
    loss = p.loss_ratio
    n_b = p.load_kw.shape[1]
    curt = np.maximum(_values(m, "curtail", (n_t, n_b)), 0.0)
    shed = np.maximum(_values(m, "shed", (n_t, n_b)), 0.0)
    shed_c = np.maximum(_values(m, "shed_critical", (n_t, n_b)), 0.0)
    hb_ch = np.maximum(_values(m, "home_battery_charge", (n_t, p.home.n)), 0.0)
    hb_dis = np.maximum(_values(m, "home_battery_discharge", (n_t, p.home.n)), 0.0)
    hb_soc = _clip_soc(_values(m, "home_battery_soc", (n_t, p.home.n)), p.home)
    cs_ch = np.maximum(_values(m, "community_storage_charge", (n_t, p.community.n)), 0.0)
    cs_dis = np.maximum(_values(m, "community_storage_discharge", (n_t, p.community.n)), 0.0)
    cs_soc = _clip_soc(_values(m, "community_storage_soc", (n_t, p.community.n)), p.community)
    cs_unserved = np.maximum(_values(m, "hydrogen_unserved", (n_t, p.community.n)), 0.0)  # grey hydrogen bought
    imp = np.maximum(_values(m, "grid_import", (n_t,)), 0.0)
    exp = np.maximum(_values(m, "grid_export", (n_t,)), 0.0)
    shed_mob = np.maximum(_values(m, "shed_mobility", (n_t,)), 0.0)
    load, pv = inputs.load_kw.astype(float), inputs.pv_kw.astype(float)
    # line losses from the LP's own flows (the model's tie-break makes it curtail worthless surplus rather than
    # burn it as the loss of a flow into and out of one bus; had it not, the balance check would show it)
    lost = loss * np.maximum(_values(m, "line_out", (n_t, n_b)), 0.0).sum(axis=1)
    if p.mode == "merged":
        cols = np.where(p.home_class >= 0, p.home_class, 0)
        has = (p.home_class >= 0)[None, :] * p.home_share[None, :]
        ch_h, dis_h, soc_h = (x[:, cols] * has if p.home.n else np.zeros((n_t, n_h)) for x in (hb_ch, hb_dis, hb_soc))
        critical = load * inputs.critical_load_ratio[None, :]
        curt_h = _split(curt[:, 0], pv)
        shed_h = _split(shed[:, 0], load - critical) + _split(shed_c[:, 0], critical)
        shed_c_h = _split(shed_c[:, 0], critical)
    elif p.netted is not None:
        ch_h, dis_h, soc_h, curt_h, shed_h, shed_c_h, line_in_h, line_out_h = _expand_netted(
            p, inputs, hb_ch, hb_dis, hb_soc, curt, shed, shed_c,
            np.maximum(_values(m, "line_in", (n_t, n_b)), 0.0), np.maximum(_values(m, "line_out", (n_t, n_b)), 0.0))
    else:
        ch_h, dis_h, soc_h = hb_ch, hb_dis, hb_soc
        curt_h, shed_h, shed_c_h = curt, shed + shed_c, shed_c
    curt_h = np.minimum(curt_h, pv)
    shed_h = np.minimum(shed_h, load)
    if p.mode == "meters":
        h_imp = np.maximum(_values(m, "home_grid_import", (n_t, n_h)), 0.0)
        h_exp = np.maximum(_values(m, "home_grid_export", (n_t, n_h)), 0.0)
        line_in = line_out = np.zeros((n_t, n_h))
    else:
        if p.mode == "line" and p.netted is not None:
            line_in, line_out = line_in_h, line_out_h
        elif p.mode == "line":
            line_in = np.maximum(_values(m, "line_in", (n_t, n_h)), 0.0)
            line_out = np.maximum(_values(m, "line_out", (n_t, n_h)), 0.0)
        else:
            deficit = load - shed_h + ch_h - dis_h - pv + curt_h
            line_in, line_out = np.maximum(deficit, 0.0), np.maximum(-deficit, 0.0)
        h_imp = _pro_rata(imp, line_in)
        h_exp = _pro_rata(exp, line_out, 1.0 - loss)
    if keep is not None:
        sl = slice(0, keep)
        (ch_h, dis_h, soc_h, curt_h, shed_h, shed_c_h, h_imp, h_exp, line_in, line_out, cs_ch, cs_dis, cs_soc, imp, exp,
         shed_mob, load, pv, lost, cs_unserved) = (
            x[sl] for x in (ch_h, dis_h, soc_h, curt_h, shed_h, shed_c_h, h_imp, h_exp, line_in, line_out, cs_ch,
                            cs_dis, cs_soc, imp, exp, shed_mob, load, pv, lost, cs_unserved))
        inputs = _window_view(inputs, keep)
    sent = (1.0 - loss) * line_out.sum(axis=1)
    drawn = line_in.sum(axis=1)
    shared = np.minimum(sent, drawn)
    stores = inputs.stores
    ev = stores.community().kind == "ev"  # community group: kinds other than EV count as batteries
    bat = ~ev
    home_ev = stores.per_home(n_h).kind == "ev"
    if home_ev.any():  # home-located EVs count as EVs in the totals too
        ev_h = lambda x: x[:, home_ev].sum(axis=1)  # noqa: E731
        h_ch, h_soc = (x[:, ~home_ev] for x in (ch_h, soc_h))
    else:
        ev_h = lambda x: 0.0  # noqa: E731
        h_ch, h_soc = ch_h, soc_h
    totals = {
        "load_kw": load.sum(axis=1) + lost,
        "ev_charge_kw": cs_ch[:, ev].sum(axis=1) + ev_h(ch_h) + inputs.mobility_load_kw,
        "pv_kw": pv.sum(axis=1),
        "battery_charge_kw": h_ch.sum(axis=1) + cs_ch[:, bat].sum(axis=1),
        "battery_discharge_kw": dis_h.sum(axis=1) + cs_dis.sum(axis=1),
        "battery_soc_kwh": h_soc.sum(axis=1) + cs_soc[:, bat].sum(axis=1),
        "shared_kw": shared,
        "grid_import_kw": imp + h_imp.sum(axis=1) * (p.mode == "meters"),
        "grid_export_kw": exp + h_exp.sum(axis=1) * (p.mode == "meters"),
        "unserved_kw": shed_h.sum(axis=1) + shed_mob,
        "ev_discharge_kw": cs_dis[:, ev].sum(axis=1) + ev_h(dis_h),
        "ev_soc_kwh": cs_soc[:, ev].sum(axis=1) + ev_h(soc_h),
        "line_loss_kw": lost,
        "critical_unserved_kw": shed_c_h.sum(axis=1),
    }
    totals["curtailed_kw"] = curt_h.sum(axis=1)
    return DispatchResult(
        index=inputs.index,
        step_hours=dt,
        totals=totals,
        home_import_kw=h_imp,
        home_export_kw=h_exp,
        home_unserved_kw=shed_h,
        home_totals_kwh={
            "shared_in": _pro_rata(shared, line_in).sum(axis=0) * dt,
            "shared_out": _pro_rata(shared, line_out, 1.0 - loss).sum(axis=0) * dt,
            "curtailed": curt_h.sum(axis=0) * dt,
            "battery_charge": ch_h.sum(axis=0) * dt,
            "battery_discharge": dis_h.sum(axis=0) * dt,
        },
        store_soc_kwh=_per_store(stores, soc_h, cs_soc),
        method="optimal",
        objective=m.objective if isinstance(m, SolvedArrays) else float(m.objective.value),
        store_charge_kw=_per_store(stores, ch_h, cs_ch),
        store_discharge_kw=_per_store(stores, dis_h, cs_dis),
        store_unserved_kwh=_per_store(stores, np.zeros_like(soc_h), cs_unserved),
    )


def _per_store(stores, per_home: np.ndarray, community: np.ndarray) -> np.ndarray:
    """(t, n) columns in the order of ``stores`` from per-home (t, h) and community-group (t, c) arrays."""
    out = np.zeros((per_home.shape[0], stores.n))
    at_home = ~stores.at_community
    out[:, at_home] = per_home[:, stores.location[at_home]]
    out[:, stores.at_community] = community
    return out


def _expand_netted(p: _Problem, inputs: DispatchInputs, hb_ch, hb_dis, hb_soc, curt, shed, shed_c, line_in, line_out):
    """Per-home arrays (t, h) from a model whose storage-less homes were merged (:func:`_net_storage_less_homes`).

    The surplus bus's curtailment is split in proportion to each home's surplus, the deficit
    bus's shedding in proportion to each home's non-critical and critical deficit.
    """
    n_t, n_h = inputs.n_steps, inputs.n_homes
    netted, kept = p.netted, ~p.netted
    k = int(kept.sum())
    critical = inputs.load_kw * inputs.critical_load_ratio[None, :]
    surplus, deficit, crit_def = _netted_parts(inputs.load_kw[:, netted], inputs.pv_kw[:, netted], critical[:, netted])

    def full(kept_values: np.ndarray, netted_values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_t, n_h))
        out[:, kept] = kept_values
        out[:, netted] = netted_values
        return out

    zero = np.zeros((n_t, int(netted.sum())))
    curt_n = np.minimum(_split(curt[:, k], surplus), surplus)
    shed_nc = _split(shed[:, k + 1], deficit - crit_def)
    shed_cn = np.minimum(_split(shed_c[:, k + 1], crit_def), crit_def)
    shed_n = np.minimum(shed_nc + shed_cn, deficit)
    idle_soc = np.broadcast_to(inputs.stores.per_home(n_h).initial_kwh[netted], zero.shape)  # no power: stays put
    return (full(hb_ch[:, :k], zero), full(hb_dis[:, :k], zero), full(hb_soc[:, :k], idle_soc),
            full(curt[:, :k], curt_n), full(shed[:, :k] + shed_c[:, :k], shed_n), full(shed_c[:, :k], shed_cn),
            full(line_in[:, :k], deficit - shed_n), full(line_out[:, :k], surplus - curt_n))


def _window_view(inputs: DispatchInputs, keep: int) -> DispatchInputs:
    """The first ``keep`` steps of the time-indexed inputs the results read."""
    return replace(inputs, index=inputs.index[:keep], mobility_load_kw=inputs.mobility_load_kw[:keep])
