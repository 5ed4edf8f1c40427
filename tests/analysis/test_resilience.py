"""Outage survival: hand-checkable cases, a step-by-step reference, and sharing never hurts."""

from __future__ import annotations

import json

import factories as F
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.common import DispatchResult
from zerodistrict.errors import InputError
from zerodistrict.analysis.resilience import (
    TOL_KWH,
    analyse,
    islanded_survival_steps,
    max_steps_for,
    pool_storage,
    shared_net_kw,
    survival_curve,
    survival_hours,
)


def _reference_steps(net_kw, soc0_kwh, storage, step_hours, max_steps):
    """Plain loops over starts and steps: the model of the module docstring, written the obvious way."""
    n_t, n = net_kw.shape
    out = np.zeros((n_t, n), dtype=int)
    for h in range(n):
        has = storage.capacity_kwh[h] > 0 and storage.charge_power_kw[h] > 0
        cap = storage.capacity_kwh[h] if has else 0.0
        power = storage.charge_power_kw[h] if has else 0.0
        floor = storage.min_kwh[h] if has else 0.0
        for s in range(n_t):
            energy = min(max(soc0_kwh[s, h], floor), cap) if has else 0.0
            served = 0
            for d in range(max_steps):
                net = net_kw[(s + d) % n_t, h]
                if net >= 0:
                    energy = min(energy + min(net, power) * storage.charge_efficiency[h] * step_hours, cap)
                else:
                    draw = -net * step_hours / storage.discharge_efficiency[h]
                    if -net > power + 1e-6 or energy - draw < floor - TOL_KWH:
                        break
                    energy -= draw
                served += 1
            out[s, h] = served
    return out


def _constant(n_t, n_h, value):
    return np.full((n_t, n_h), float(value))


# --------------------------------------------------------------------------- hand-checkable cases


@pytest.mark.parametrize(
    ("capacity_kwh", "min_ratio", "eta_d", "load_kw", "step_hours", "expected_h"),
    [
        (12.0, 0.25, 0.9, 2.0, 1.0, 4.0),  # usable 9 kWh * 0.9 / 2 kW = 4.05 h -> 4 h
        (10.0, 0.0, 0.9, 1.0, 1.0, 9.0),  # exactly 9 h: rounding of 1/0.9 must not lose the last hour
        (6.0, 0.0, 0.95, 0.57, 1.0, 10.0),  # exactly 10 h, same
        (12.0, 0.25, 0.9, 2.0, 0.5, 4.0),  # 4.05 h in half-hour steps -> 8 steps = 4 h
        (9.0, 0.0, 1.0, 2.0, 1.0, 4.0),  # 4.5 h in hourly steps -> 4 h
        (9.0, 0.0, 1.0, 2.0, 0.5, 4.5),  # 4.5 h in half-hour steps -> 9 steps
        (8.0, 0.0, 1.0, 2.0, 0.25, 4.0),  # 4 h whatever the step
    ],
)
def test_constant_load_no_pv_lasts_floor_of_usable_energy_over_load(capacity_kwh, min_ratio, eta_d, load_kw,
                                                                     step_hours, expected_h):
    n_t = int(48 / step_hours)
    battery = F.storage(1, capacity_kwh, 5.0, 0.95, eta_d, min_ratio, 1.0)
    soc0 = _constant(n_t, 1, capacity_kwh)
    for shared in (False, True):
        hours = survival_hours(_constant(n_t, 1, load_kw), _constant(n_t, 1, 0.0), soc0, battery, step_hours,
                               max_hours=24.0, shared=shared)
        assert np.all(hours == expected_h), (shared, np.unique(hours))


def test_power_cap_below_load_survives_zero_hours():
    battery = F.storage(1, 100.0, 1.5, 1.0, 1.0, 0.0, 1.0)
    hours = survival_hours(_constant(24, 1, 2.0), _constant(24, 1, 0.0), _constant(24, 1, 100.0), battery, 1.0,
                           shared=False)
    assert np.all(hours == 0.0)


def test_pv_covering_the_load_survives_the_maximum_without_any_battery():
    hours = survival_hours(_constant(30, 3, 1.0), _constant(30, 3, 1.5), _constant(30, 3, 0.0), F.storage(3), 1.0,
                           shared=False)
    assert hours.shape == (30, 3)
    assert np.all(hours == 168.0)


def test_charging_respects_power_efficiency_and_capacity():
    # step 0: +2 kW surplus charges min(2, 1 kW) * 0.5 = 0.5 kWh; then 0.25 kWh per step is drawn
    net = np.array([[2.0], [-0.25], [-0.25], [-0.25]])
    soc0 = np.zeros((4, 1))
    big = F.storage(1, 10.0, 1.0, 0.5, 1.0, 0.0, 0.0)
    assert islanded_survival_steps(net, soc0, big, 1.0, 10)[0, 0] == 3  # 0.5 -> 0.25 -> 0 -> fails
    small = F.storage(1, 0.4, 1.0, 0.5, 1.0, 0.0, 0.0)  # full at 0.4 kWh
    assert islanded_survival_steps(net, soc0, small, 1.0, 10)[0, 0] == 2  # 0.4 -> 0.15 -> fails


def test_outages_wrap_around_the_end_of_the_period():
    net = np.array([[-1.0], [0.0], [0.0], [0.0]])  # the only deficit is at step 0
    steps = islanded_survival_steps(net, np.zeros((4, 1)), F.storage(1), 1.0, 10)[:, 0]
    assert steps.tolist() == [0, 3, 2, 1]  # the start at step 3 meets step 0 again after one step


@pytest.mark.parametrize("max_hours", [0.5, float("nan"), float("inf")])
def test_max_hours_shorter_than_a_step_or_not_finite_is_an_input_error(max_hours):
    with pytest.raises(InputError, match=r"max_hours: .* h is shorter than one step \(1.0 h\) or not finite"):
        max_steps_for(max_hours, 1.0)
    assert max_steps_for(1.0, 1.0) == 1 and max_steps_for(168.0, 0.25) == 672


# --------------------------------------------------------------------------- the sharing district


def test_community_battery_adds_survival():
    load, pv, soc0 = _constant(24, 2, 1.0), _constant(24, 2, 0.0), _constant(24, 2, 0.0)
    community = F.storage(1, 10.0, 5.0, 1.0, 1.0, 0.0, 1.0)
    without = survival_hours(load, pv, soc0, F.storage(2), 1.0, shared=True)
    with_it = survival_hours(load, pv, soc0, F.storage(2), 1.0, shared=True, community=community,
                             community_soc0_kwh=np.full(24, 10.0))
    assert np.all(without == 0.0)
    assert np.all(with_it == 5.0)  # 10 kWh over 2 homes x 1 kW


def test_parked_bidirectional_ev_serves_and_an_away_ev_contributes_nothing():
    n_t = 72
    load, pv, soc0 = _constant(n_t, 1, 1.0), _constant(n_t, 1, 0.0), _constant(n_t, 1, 0.0)
    parked = F.evs(n_t, 1)  # 40 kWh, floor 0.2, discharge efficiency 0.92
    ev_soc0 = np.full((n_t, 1), 40.0)
    hours = survival_hours(load, pv, soc0, F.storage(1), 1.0, 48.0, shared=True, evs=parked, ev_soc0_kwh=ev_soc0)
    assert np.all(hours == 29.0)  # 32 kWh * 0.92 / 1 kW = 29.4 h
    away = F.evs(n_t, 1)
    away.available[:] = False
    hours = survival_hours(load, pv, soc0, F.storage(1), 1.0, 48.0, shared=True, evs=away, ev_soc0_kwh=ev_soc0)
    assert np.all(hours == 0.0)


def test_line_loss_decides_whether_shared_pv_covers_a_neighbour():
    load = np.array([[0.0, 1.0]] * 6)
    pv = np.array([[2.0, 0.0]] * 6)
    assert shared_net_kw(load, pv, 0.4) == pytest.approx(np.full(6, 2.0 - 1.0 / 0.6))  # 1 kW delivered: 1.67 kW sent
    assert shared_net_kw(load, pv, 0.6) == pytest.approx(np.full(6, -0.2))  # all 2 kW sent, 0.8 kW arrive
    enough = survival_hours(load, pv, np.zeros((6, 2)), F.storage(2), 1.0, shared=True, line_loss_ratio=0.4)
    short = survival_hours(load, pv, np.zeros((6, 2)), F.storage(2), 1.0, shared=True, line_loss_ratio=0.6)
    assert np.all(enough == 168.0) and np.all(short == 0.0)


def test_pool_keeps_units_with_energy_and_power_and_weights_efficiency_by_capacity():
    homes = F.storage(3, [10.0, 0.0, 30.0], [5.0, 5.0, 0.0], [0.9, 0.5, 0.5], [0.8, 0.5, 0.5], 0.1)
    community = F.storage(1, 30.0, 10.0, 0.98, 0.96, 0.2)
    pooled = pool_storage(homes, community)
    assert pooled.capacity_kwh[0] == 40.0 and pooled.charge_power_kw[0] == pooled.discharge_power_kw[0] == 15.0
    assert pooled.min_kwh[0] == pytest.approx(1.0 + 6.0)
    assert pooled.charge_efficiency[0] == pytest.approx(0.25 * 0.9 + 0.75 * 0.98)


def _random_district(seed, n_h, n_t, eta_c, eta_d, with_community):
    rng = np.random.default_rng(seed)
    hour = np.arange(n_t) % 24
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0.0, None)[:, None]
    pv = sun * rng.uniform(0.0, 5.0, n_h) * rng.uniform(0.2, 1.0, (n_t, 1))
    load = rng.uniform(0.0, 2.5, (n_t, n_h))
    cap = rng.uniform(0.0, 15.0, n_h) * (rng.random(n_h) > 0.2)
    batteries = F.storage(n_h, cap, rng.uniform(0.0, 5.0, n_h), eta_c, eta_d, rng.uniform(0.0, 0.3, n_h), 0.5)
    soc0 = batteries.min_kwh + rng.random((n_t, n_h)) * (cap - batteries.min_kwh)
    community = F.storage(1, rng.uniform(0.0, 30.0), rng.uniform(0.0, 10.0), eta_c, eta_d, 0.1) if with_community \
        else None
    community_soc0 = community.capacity_kwh[0] * rng.uniform(0.1, 1.0, n_t) if with_community else None
    return load, pv, soc0, batteries, community, community_soc0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_h=st.integers(1, 10), days=st.integers(1, 3),
       eta_c=st.floats(0.8, 1.0), eta_d=st.floats(0.8, 1.0), with_community=st.booleans(),
       max_steps=st.integers(1, 40))
def test_sharing_never_shortens_the_districts_survival(seed, n_h, days, eta_c, eta_d, with_community, max_steps):
    load, pv, soc0, batteries, community, community_soc0 = _random_district(seed, n_h, 24 * days, eta_c, eta_d,
                                                                            with_community)
    alone = survival_hours(load, pv, soc0, batteries, 1.0, float(max_steps), shared=False)
    shared = survival_hours(load, pv, soc0, batteries, 1.0, float(max_steps), shared=True, line_loss_ratio=0.0,
                            community=community, community_soc0_kwh=community_soc0)
    assert np.all(shared >= alone.min(axis=1))
    assert np.all(alone <= max_steps) and np.all(shared <= max_steps)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_h=st.integers(1, 5), max_steps=st.integers(1, 40))
def test_step_by_step_ev_path_equals_the_lifting_when_evs_cannot_help(seed, n_h, max_steps):
    # a bidirectional EV forces the step-by-step path; always away, it must change nothing
    load, pv, soc0, batteries, community, community_soc0 = _random_district(seed, n_h, 48, 0.9, 0.95, True)
    away = F.evs(48, 1)
    away.available[:] = False
    kwargs = {"shared": True, "community": community, "community_soc0_kwh": community_soc0}
    plain = survival_hours(load, pv, soc0, batteries, 1.0, float(max_steps), **kwargs)
    with_ev = survival_hours(load, pv, soc0, batteries, 1.0, float(max_steps), evs=away,
                             ev_soc0_kwh=np.full((48, 1), 40.0), **kwargs)
    assert np.array_equal(plain, with_ev)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), n_t=st.integers(2, 40), max_steps=st.integers(1, 70),
       step_hours=st.sampled_from([0.25, 1.0]))
def test_lifting_matches_step_by_step_reference(seed, n, n_t, max_steps, step_hours):
    rng = np.random.default_rng(seed)
    net = rng.normal(0.0, 2.0, (n_t, n)) * (rng.random((n_t, n)) > 0.2)
    cap = rng.uniform(0.0, 10.0, n) * (rng.random(n) > 0.2)
    storage = F.storage(n, cap, rng.uniform(0.0, 4.0, n), rng.uniform(0.7, 1.0, n), rng.uniform(0.7, 1.0, n),
                        rng.uniform(0.0, 0.3, n), 0.5)
    soc0 = rng.random((n_t, n)) * cap
    expected = _reference_steps(net, soc0, storage, step_hours, max_steps)
    assert np.array_equal(islanded_survival_steps(net, soc0, storage, step_hours, max_steps), expected)
    assert np.array_equal(islanded_survival_steps(net, soc0, storage, step_hours, max_steps, dtype=np.float64),
                          expected)


# --------------------------------------------------------------------------- analyse() and its outputs


def _tiny_run(n_t=48):
    """One home, no PV, 1 kW load (0.5 kW critical), 20 kWh battery starting at 5 kWh; dispatch SOC given."""
    inputs = F.inputs(_constant(n_t, 1, 1.0), _constant(n_t, 1, 0.0),
                      home_battery=F.storage(1, 20.0, 5.0, 1.0, 1.0, 0.0, 0.25), critical_load_ratio=0.5)
    end_soc = np.zeros((n_t, 1))
    end_soc[:3, 0] = [4.0, 3.0, 0.0]
    end_soc[3:, 0] = np.arange(n_t - 3) % 21  # 0..20 kWh
    result = DispatchResult(
        index=inputs.index, step_hours=1.0, totals={}, home_import_kw=np.zeros((n_t, 1)),
        home_export_kw=np.zeros((n_t, 1)), home_unserved_kw=np.zeros((n_t, 1)), home_totals_kwh={},
        store_soc_kwh=end_soc)
    return inputs, result


def test_analyse_starts_from_the_previous_steps_soc_and_stats_match_the_arrays(tmp_path):
    inputs, result = _tiny_run()
    res = analyse(inputs, result, max_hours=30.0)
    # starts: initial 5 kWh, then the end of steps 0, 1, 2 -> 4, 3, 0 kWh; 0.5 kW critical, 1 kW full
    assert res.shared_critical_hours[:4].tolist() == [10.0, 8.0, 6.0, 0.0]
    assert res.alone_full_hours[:4].tolist() == [5.0, 4.0, 3.0, 0.0]
    assert np.array_equal(res.alone_mean_home_critical_hours, res.alone_critical_hours)  # one home
    doc = res.to_json_dict()
    json.dumps(doc)  # serialisable as is
    for case, crit, full in (("shared", res.shared_critical_hours, res.shared_full_hours),
                             ("alone", res.alone_critical_hours, res.alone_full_hours)):
        stats = doc[case]
        assert stats["critical_survival_hours_p50"] == pytest.approx(np.percentile(crit, 50))
        assert stats["critical_survival_hours_p10"] == pytest.approx(np.percentile(crit, 10))
        assert stats["full_survival_hours_p90"] == pytest.approx(np.percentile(full, 90))
        assert stats["critical_survival_hours_mean"] == pytest.approx(crit.mean())
        assert stats["survive_24h_probability"] == pytest.approx((crit >= 24).mean())
        assert stats["full_survive_24h_probability"] == pytest.approx((full >= 24).mean())
        assert stats["survive_72h_probability"] is None  # longer than max_hours: not observable
    assert doc["max_hours"] == 30.0 and doc["critical_load_ratio_mean"] == 0.5
    assert 0.0 < doc["shared"]["survive_24h_probability"] < 1.0  # only starts with >= 12 kWh last 24 h
    assert doc["shared"]["full_survive_24h_probability"] == 0.0  # 20 kWh at 1 kW: 20 h at most

    csv = pd.read_csv(res.write_survival_csv(tmp_path / "survival.csv"))
    assert list(csv.columns) == ["time", "shared_critical_hours", "alone_critical_hours", "shared_full_hours",
                                 "alone_full_hours", "alone_mean_home_critical_hours"]
    assert csv["time"][0] == "2025-01-01T00:00:00+09:00" and len(csv) == 48
    png = res.plot_survival_curves(tmp_path / "survival.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_survival_curve_is_the_share_of_starts_lasting_at_least_each_duration():
    grid, prob = survival_curve(np.array([0.0, 1.0, 1.0, 3.0]), 3.0, 1.0)
    assert grid.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert prob.tolist() == [1.0, 0.75, 0.25, 0.25]
