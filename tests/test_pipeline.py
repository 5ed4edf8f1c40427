"""The whole chain on random small scenarios: scenario → profiles → dispatch → KPIs."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.common import balance_residual_kw
from zerodistrict.analysis.economics import annuity_factor
from zerodistrict.scenario import Period, load_scenario, scenario_from_dict
from zerodistrict.scenario.economics import default_economics
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
    # archetype loads, normalised to their energy at any step (the building model's own 60/15-minute
    # agreement is tests/profiles/test_thermal.py::test_hourly_and_quarter_hourly_steps_agree)
    home = data["homes"][0]
    home.pop("building"), home.pop("household")
    home["load"]["annual_kwh"] = 4175
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


# --------------------------------------------------------------------------- periods and baselines (issue 10)


def _small_district(period: dict) -> dict:
    return {
        "name": "small", "site": SITES[0], "period": {"year": 2025, **period},
        "homes": [{"group": "a", "count": 2, "load": {"archetype": "jp-detached", "annual_kwh": 4000},
                   "pv": {"kwp": 4.0}, "battery": {"capacity_kwh": 5.0, "power_kw": 2.5}}],
        "community": {"sharing": True},
        "grid": {"currency": "JPY", "tariff": "tepco-juryo-dento-b-2023", "emission_factor_kg_per_kwh": 0.437},
    }


def test_a_14_day_run_says_so_and_flags_what_it_annualised():
    res = run(scenario_from_dict(_small_district({"start": "2025-03-01", "days": 14})), resilience_hours=None)
    k = res.kpis.to_json_dict()
    assert k["period_days"] == 14 and isinstance(k["period_days"], int)
    assert len(res.inputs.index) == 14 * 24
    # the period's bills, never an annual one it did not compute
    assert "annual_bill_total" not in k and "annual_bill_total_baseline" not in k
    assert k["bill_total"] == pytest.approx(res.bills["bill"].sum(), rel=1e-12)
    assert "annual_bill" not in res.homes and "bill" in res.homes
    # NPV, payback and LCOE are there, flagged as scaled up from 14 days, with a warning
    assert k["annualised_from_days"] == 14 and "npv" in k and "lcoe_per_kwh" in k
    assert res.economics.annual_bill_total == pytest.approx(k["bill_total"] * 365 / 14, rel=1e-12)
    assert any("annualised from 14 days" in w for w in res.warnings)
    # March is billed pro rata: 14 of its 31 days of the basic charge
    assert any("2025-03 (45%)" in n for n in res.notes)
    per_month = sum(c.per_month for c in res.scenario.grid.tariff.fixed if c.waived_up_to_kwh is None)
    fixed = res.bills.groupby("home")["fixed_charge"].sum().to_numpy()
    assert per_month > 0 and fixed == pytest.approx(np.full(2, per_month * 14 / 31), rel=1e-12)


def test_a_calendar_year_has_its_days_and_no_annualisation():
    res = run(scenario_from_dict(_small_district({})), resilience_hours=None)
    k = res.kpis.to_json_dict()
    assert k["period_days"] == 365 and "annualised_from_days" not in k
    assert k["annual_bill_total"] == k["bill_total"] == pytest.approx(res.bills["bill"].sum(), rel=1e-12)
    assert res.warnings == [] and res.notes == []
    leap = run(scenario_from_dict({**_small_district({}), "period": {"year": 2024, "step_minutes": 15}}),
               resilience_hours=None)
    assert leap.kpis.period_days == 366 and leap.kpis.annualised_from_days is None


@pytest.mark.parametrize("preset", ["saitama-misono", "kuala-lumpur-wangsa-maju", "kuching-north"])
@pytest.mark.parametrize("sharing", [True, False])
def test_a_design_without_pv_and_storage_saves_nothing(preset, sharing):
    """Stripped of PV, batteries and EVs, a district is its own baseline: no CO2 cut, no saving, and an NPV
    that is only the line's cost (nothing at all without sharing)."""
    sc = load_scenario(preset)
    sc = sc.model_copy(update={
        "period": Period(year=2025, start=dt.date(2025, 3, 1), days=14),
        "homes": [g.model_copy(update={"pv": None, "battery": None}) for g in sc.homes],
        "community": sc.community.model_copy(update={"batteries": [], "evs": [], "sharing": sharing}),
    })
    res = run(sc, resilience_hours=None)
    k, econ = res.kpis, res.economics
    assert k.co2_reduction_ratio == pytest.approx(0.0, abs=1e-12)
    assert k.co2_kg == pytest.approx(k.co2_baseline_kg, rel=1e-12)
    assert k.net_energy_cost == pytest.approx(k.net_energy_cost_baseline, rel=1e-12)
    assert k.bill_total == pytest.approx(k.bill_total_baseline, rel=1e-12)
    assert econ.annual_saving == pytest.approx(0.0, abs=1e-9 * econ.annual_bill_total_baseline)
    assumptions = sc.economics or default_economics(sc.site.country)
    a = annuity_factor(assumptions.discount_rate, assumptions.lifetime_years)
    assert k.npv == pytest.approx(-(econ.capex + a * econ.annual_om), rel=1e-9, abs=1e-6)
    if not sharing:
        assert econ.capex == 0.0 and k.npv == pytest.approx(0.0, abs=1e-6)
