"""The whole chain on random small scenarios: scenario → profiles → dispatch → KPIs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.common import balance_residual_kw
from zerodistrict.scenario import scenario_from_dict
from zerodistrict.pipeline import build_inputs, price_series, run

SITES = [
    {"name": "Misono", "latitude": 35.893, "longitude": 139.730, "timezone": "Asia/Tokyo", "country": "JP"},
    {"name": "Wangsa Maju", "latitude": 3.205, "longitude": 101.732, "timezone": "Asia/Kuala_Lumpur", "country": "MY"},
]


@st.composite
def scenarios(draw):
    site = draw(st.sampled_from(SITES))
    jp = site["country"] == "JP"
    n_groups = draw(st.integers(1, 3))
    homes = []
    for g in range(n_groups):
        group = {
            "group": f"g{g}",
            "count": draw(st.integers(1, 7)),
            "load": {"archetype": "jp-detached" if jp else "my-terrace",
                     "annual_kwh": draw(st.floats(1500, 8000)), "seed": draw(st.integers(0, 99))},
        }
        if draw(st.booleans()):
            group["pv"] = {"kwp": draw(st.floats(0, 10)), "tilt_deg": draw(st.floats(0, 45)),
                           "azimuth_deg": draw(st.floats(90, 270))}
        if draw(st.booleans()):
            group["battery"] = {"capacity_kwh": draw(st.floats(0, 15)), "power_kw": draw(st.floats(0, 6)),
                                "charge_efficiency": draw(st.floats(0.8, 1)), "min_soc_ratio": 0.1,
                                "initial_soc_ratio": draw(st.floats(0.1, 1))}
        homes.append(group)
    community = {"sharing": draw(st.booleans()), "line_loss_ratio": draw(st.sampled_from([0.0, 0.03]))}
    if draw(st.booleans()):
        community["batteries"] = [{"name": f"b{k}", "capacity_kwh": draw(st.floats(1, 150)),
                                   "power_kw": draw(st.floats(1, 60))} for k in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        community["evs"] = [{"count": draw(st.integers(1, 2)), "battery_kwh": 40, "charger_kw": 6,
                             "bidirectional": draw(st.booleans()),
                             "trips": [{"days": ["sat", "sun", "wed"], "depart": "09:00", "return": "15:00",
                                        "trip_kwh": draw(st.floats(0, 20))}]}]
    days = draw(st.integers(2, 5))
    grid = {"currency": "JPY" if jp else "MYR", "import_price": 30.0 if jp else 0.44,
            "export_price": 8.5 if jp else 0.27, "export_allowed": draw(st.booleans()),
            "emission_factor_kg_per_kwh": 0.437 if jp else 0.78}
    if draw(st.booleans()):
        grid["outages"] = [{"start": f"2025-06-0{draw(st.integers(2, 3))}T{draw(st.integers(0, 23)):02d}:00",
                            "hours": draw(st.floats(1, 30))}]
    return {
        "name": "random",
        "site": site,
        "period": {"year": 2025, "start": "2025-06-02", "days": days, "step_minutes": draw(st.sampled_from([60, 15]))},
        "homes": homes,
        "community": community,
        "grid": grid,
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_scenarios_obey_physics(data):
    sc = scenario_from_dict(data)
    res = run(sc)
    t = res.dispatch.totals
    assert np.abs(balance_residual_kw(t)).max() <= 1e-6
    assert min(v.min() for k, v in t.items() if k.endswith("_kw")) >= -1e-9
    s = res.inputs.stores
    assert (res.dispatch.store_soc_kwh >= s.min_kwh - 1e-9).all()
    assert (res.dispatch.store_soc_kwh <= s.max_kwh + 1e-9).all()
    if res.inputs.outage is not None:
        out = res.inputs.outage
        assert t["grid_import_kw"][out].max() == 0 and t["grid_export_kw"][out].max() == 0
        assert res.kpis.outage_hours == pytest.approx(out.sum() * sc.period.step_hours)
    k = res.kpis
    for name in ("self_consumption_ratio", "self_sufficiency_ratio", "co2_reduction_ratio"):
        assert 0.0 <= getattr(k, name) <= 1.0
    assert k.load_kwh >= 0 and k.unserved_kwh >= 0 and k.critical_unserved_kwh <= k.unserved_kwh + 1e-9


def _misono(step_minutes: int):
    from zerodistrict.scenario import dump_scenario, load_scenario
    import yaml

    data = yaml.safe_load(dump_scenario(load_scenario("saitama-misono")))
    data["period"] = {"year": 2025, "step_minutes": step_minutes, "start": "2025-04-01", "days": 28}
    return scenario_from_dict(data)


def test_hourly_and_15_minute_runs_agree():
    """Time-resolution test (after oemof-solph's storage test): the same month at 60 and 15 minutes."""
    hourly, quarter = run(_misono(60)).kpis, run(_misono(15)).kpis
    assert quarter.pv_generation_kwh == pytest.approx(hourly.pv_generation_kwh, rel=0.01)
    assert quarter.load_kwh == pytest.approx(hourly.load_kwh, rel=1e-6)
    assert quarter.self_sufficiency_ratio == pytest.approx(hourly.self_sufficiency_ratio, abs=0.03)
    assert quarter.grid_import_kwh == pytest.approx(hourly.grid_import_kwh, rel=0.08)


def test_ev_schedule_and_outage_mask():
    sc = _misono(60)
    inputs = build_inputs(sc)
    ev = inputs.stores.of_kind("ev")
    assert list(ev.name) == ["shared-ev 1", "shared-ev 2"] and (ev.location == -1).all()
    avail = ev.available[:, 0]
    idx = inputs.index
    # away on weekend days 10:00–16:00 only, one trip taking 9 kWh each such day
    away = ~avail
    assert set(idx[away].day_of_week) == {5, 6}
    assert set(idx[away].hour) == set(range(10, 16))
    assert ev.trip_kwh[:, 0].sum() == pytest.approx(9.0 * 8)  # 8 weekend days in 28 days of April


def test_time_of_use_prices_wrap_midnight():
    from zerodistrict.scenario import PeriodPrice

    sc = _misono(60)
    idx = sc.index()[:24]
    price = PeriodPrice(default=35.76, periods=[{"start": "01:00", "end": "06:00", "price": 27.86}])
    assert price_series(price, idx, "x").tolist() == [35.76] + [27.86] * 5 + [35.76] * 18
    price = PeriodPrice(default=1.0, periods=[{"start": "22:00", "end": "02:00", "price": 2.0}])
    assert price_series(price, idx, "x").tolist() == [2.0, 2.0] + [1.0] * 20 + [2.0, 2.0]


def test_mobility_charging_is_part_of_the_district_balance():
    """Misono's shared bikes charge in the charge area: that power is district load, served by the dispatch."""
    sc = _misono(60)
    res = run(sc)
    mob = res.mobility
    assert mob.district_charge_kw.sum() > 0
    np.testing.assert_allclose(res.inputs.mobility_load_kw, mob.district_charge_kw)
    t = res.dispatch.totals
    assert (t["ev_charge_kw"] >= mob.district_charge_kw - 1e-9).all()
    assert np.abs(balance_residual_kw(t)).max() <= 1e-6
    assert res.kpis.mobility_trips == mob.kpis["mobility_trips"] > 0
