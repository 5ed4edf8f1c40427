"""Economics: closed-form NPV and payback, replacements, per-home appraisal, defaults."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from zerodistrict.analysis.economics import (
    Assets,
    annualisation_factor,
    annuity_factor,
    capex_items,
    evaluate,
    evaluate_homes,
    replacement_factor,
)
from zerodistrict.errors import InputError
from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS, Economics, default_economics


def econ(**changes) -> Economics:
    base = dict(
        currency="JPY",
        discount_rate=0.05,
        lifetime_years=10,
        pv_per_kwp=100.0,
        battery_per_kwh=10.0,
        battery_lifetime_years=30,
        line_per_home=5.0,
        ev_charger_per_unit=50.0,
        om_ratio_per_year=0.0,
    )
    return Economics(**{**base, **changes})


def test_npv_and_payback_match_the_closed_form_annuity():
    # capex 1,000, saving 150 a year for 10 years at 5 %
    a = (1 - 1.05**-10) / 0.05  # 7.721734929...
    res = evaluate(econ(), {"pv": 1000.0}, annual_bill=850.0, annual_bill_baseline=1000.0, annual_energy_kwh=1000.0)
    assert annuity_factor(0.05, 10) == pytest.approx(a, rel=1e-15)
    assert res.npv == pytest.approx(-1000 + 150 * a, rel=1e-12)  # 158.2602...
    assert res.npv == pytest.approx(158.26, abs=0.005)
    assert res.payback_years == pytest.approx(1000 / 150, rel=1e-12)
    assert res.discounted_payback_years == pytest.approx(-math.log(1 - 1000 * 0.05 / 150) / math.log(1.05), rel=1e-12)
    assert res.discounted_payback_years == pytest.approx(8.3104, abs=1e-4)
    # HOMER's cost of energy: (capex + A × bill) / (A × energy)
    assert res.lcoe_per_kwh == pytest.approx((1000 + a * 850) / (a * 1000), rel=1e-12)
    assert res.lcoe_baseline_per_kwh == pytest.approx(1.0)
    assert res.capex == 1000.0 and res.currency == "JPY"


def test_zero_discount_rate_is_undiscounted():
    res = evaluate(econ(discount_rate=0.0), {"pv": 1000.0}, 850.0, 1000.0, 1000.0)
    assert res.npv == pytest.approx(-1000 + 1500)
    assert res.discounted_payback_years == pytest.approx(1000 / 150)


def test_om_reduces_the_saving():
    res = evaluate(econ(om_ratio_per_year=0.02), {"pv": 1000.0}, 850.0, 1000.0, 1000.0)
    assert res.annual_om == pytest.approx(20.0)
    assert res.payback_years == pytest.approx(1000 / 130)
    assert res.npv == pytest.approx(-1000 + 130 * annuity_factor(0.05, 10))


def test_battery_is_replaced_at_its_lifetime():
    e = econ(lifetime_years=20, battery_lifetime_years=8)
    assert replacement_factor(0.05, 20, 8) == pytest.approx(1.05**-8 + 1.05**-16)
    assert replacement_factor(0.05, 20, 10) == pytest.approx(1.05**-10)  # none at year 20, the end
    res = evaluate(e, {"pv": 600.0, "battery": 400.0}, 850.0, 1000.0, 1000.0)
    assert res.npv == pytest.approx(-1000 - 400 * (1.05**-8 + 1.05**-16) + 150 * annuity_factor(0.05, 20))


def test_never_paying_back_is_none_with_a_note():
    res = evaluate(econ(), {"pv": 1000.0}, annual_bill=1000.0, annual_bill_baseline=990.0, annual_energy_kwh=1000.0)
    assert res.payback_years is None and res.discounted_payback_years is None
    assert res.npv == pytest.approx(-1000 - 10 * annuity_factor(0.05, 10))
    assert res.notes == ["the design never pays back: its annual saving does not exceed its O&M"]


def test_discounted_payback_beyond_reach_is_none():
    # saving 40 at 5 %: the annuity never exceeds 40 / 0.05 = 800 < capex
    res = evaluate(econ(), {"pv": 1000.0}, 960.0, 1000.0, 1000.0)
    assert res.payback_years == pytest.approx(25.0)
    assert res.discounted_payback_years is None


def test_no_energy_has_no_lcoe():
    res = evaluate(econ(), {}, 0.0, 0.0, 0.0)
    assert res.lcoe_per_kwh is None and res.capex == 0.0 and res.payback_years == 0.0


def test_capex_items_from_quantities():
    items = capex_items(econ(), Assets(pv_kwp=4.4, battery_kwh=125.0, line_homes=51, ev_chargers=2))
    assert float(items["pv"]) == pytest.approx(440.0)
    assert float(items["battery"]) == pytest.approx(1250.0)
    assert float(items["line"]) == pytest.approx(255.0)
    assert float(items["ev_chargers"]) == pytest.approx(100.0)


def test_per_home_appraisal_equals_the_district_one_home_at_a_time():
    e = econ(om_ratio_per_year=0.01, battery_lifetime_years=6)
    pv = np.array([4.4, 0.0, 3.0])
    batt = np.array([0.0, 5.0, 10.0])
    bill = np.array([700.0, 950.0, 990.0])
    base = np.array([1000.0, 1000.0, 980.0])
    kwh = np.array([4000.0, 4100.0, 0.0])
    df = evaluate_homes(e, Assets(pv_kwp=pv, battery_kwh=batt), bill, base, kwh, shared_capex=30.0, shared_battery_capex=12.0)
    assert list(df["home"]) == [0, 1, 2]
    for h in range(3):
        one = evaluate(
            e,
            {"pv": pv[h] * 100.0, "battery": batt[h] * 10.0 + 4.0, "shared": 10.0 - 4.0},
            bill[h],
            base[h],
            kwh[h],
        )
        assert df["capex"][h] == pytest.approx(one.capex)
        assert df["npv"][h] == pytest.approx(one.npv)
        expected_payback = np.nan if one.payback_years is None else one.payback_years
        np.testing.assert_allclose(df["payback_years"][h], expected_payback)
    assert np.isnan(df["payback_years"][2])  # home 2 pays more than its baseline
    assert np.isnan(df["lcoe_per_kwh"][2])


def test_defaults_per_country_and_presets():
    jp = default_economics("jp")
    assert jp.pv_per_kwp == 288_000.0 and jp.battery_per_kwh == 111_000.0 and jp.currency == "JPY"
    my = default_economics("MY")
    assert my.pv_per_kwp * 5 == pytest.approx(20_000.0)  # RM20,000 for an assumed 5 kWp
    assert my.currency == "MYR"
    merged = Economics.model_validate({"preset": "my", "discount_rate": 0.08})
    assert merged.discount_rate == 0.08 and merged.pv_per_kwp == 4_000.0
    for item in ECONOMICS_DEFAULTS.values():
        assert "assumption" in item.source


def test_unknown_country_names_the_field():
    with pytest.raises(InputError, match=r"site.country: no default economics for country 'TH'"):
        default_economics("TH")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"preset": "XX"}, "unknown economics preset 'XX'"),
        ({"preset": "JP", "discount_rate": -0.01}, "greater than or equal to 0"),
        ({"preset": "JP", "salvage": 1}, "Extra inputs are not permitted"),
        ({"currency": "JPY"}, "Field required"),
    ],
)
def test_bad_economics_are_rejected(data, message):
    with pytest.raises(ValidationError, match=message):
        Economics.model_validate(data)


def test_currency_must_match_the_scenario():
    with pytest.raises(InputError, match="economics.currency: unit costs are in MYR but the scenario's currency is JPY"):
        evaluate(default_economics("MY"), {"pv": 1.0}, 1.0, 2.0, 3.0, currency="JPY")


def test_annualisation_factor():
    full = pd.date_range("2025-01-01", "2026-01-01", freq="1h", inclusive="left", tz="Asia/Tokyo")
    assert annualisation_factor(full, 1.0) == pytest.approx(1.0)
    leap = pd.date_range("2024-01-01", "2025-01-01", freq="15min", inclusive="left", tz="Asia/Tokyo")
    assert annualisation_factor(leap, 0.25) == pytest.approx(1.0)
    week = full[: 7 * 24]
    assert annualisation_factor(week, 1.0) == pytest.approx(365 / 7)


@settings(max_examples=50, deadline=None)
@given(
    capex=st.floats(0.0, 1e6),
    saving=st.floats(-1e4, 1e5),
    rate=st.floats(0.0, 0.2),
    years=st.integers(1, 40),
)
def test_npv_is_non_negative_exactly_when_discounted_payback_is_within_the_lifetime(capex, saving, rate, years):
    e = econ(discount_rate=rate, lifetime_years=years)
    res = evaluate(e, {"pv": capex}, annual_bill=1e5 - saving, annual_bill_baseline=1e5, annual_energy_kwh=1e4)
    tol = 1e-6 * max(1.0, capex)
    if res.npv > tol:
        assert res.discounted_payback_years is not None and res.discounted_payback_years <= years + 1e-9
    elif res.npv < -tol:
        assert res.discounted_payback_years is None or res.discounted_payback_years >= years - 1e-9
    if res.payback_years is not None and res.discounted_payback_years is not None:
        assert res.discounted_payback_years >= res.payback_years - 1e-9
    # a larger saving never lowers the NPV
    better = evaluate(e, {"pv": capex}, annual_bill=1e5 - saving - 1.0, annual_bill_baseline=1e5, annual_energy_kwh=1e4)
    assert better.npv > res.npv


# --------------------------------------------------------------------------- cash flows that change by year


THREE_PHASES = [700.0] * 4 + [900.0] * 6 + [950.0] * 2  # design bill of years 1–4, 5–10, 11–12; baseline 1,000


def test_three_phase_appraisal_against_a_direct_sum():
    e = econ(lifetime_years=12)
    res = evaluate(e, {"pv": 1000.0}, annual_bill=THREE_PHASES, annual_bill_baseline=1000.0, annual_energy_kwh=1000.0)
    # NPV: −1000 + Σ_y 1.05^-y (1000 − B_y), written out
    npv = -1000.0
    for y, bill in enumerate(THREE_PHASES, start=1):
        npv += (1000.0 - bill) / 1.05**y
    assert res.npv == pytest.approx(npv, rel=1e-12)
    # the same with the annuity factors A(5 %, 4 / 10 / 12) = 3.545951 / 7.721735 / 8.863252
    assert npv == pytest.approx(-1000 + 300 * 3.545951 + 100 * (7.721735 - 3.545951) + 50 * (8.863252 - 7.721735), rel=1e-6)
    # simple payback: 300 a year → 900 after 3 years, the last 100 a third into year 4
    assert res.payback_years == pytest.approx(3 + 100 / 300, rel=1e-12)
    # discounted: 816.97 after 3 years; year 4's 300 accrues evenly, worth 300·1.05^-3·(1 − 1.05^-t)/0.05
    left = 1000.0 - 300 * (1 / 1.05 + 1 / 1.05**2 + 1 / 1.05**3)
    t = -math.log(1 - left * 1.05**3 / 300 * 0.05) / math.log(1.05)
    assert res.discounted_payback_years == pytest.approx(3 + t, rel=1e-12)
    assert 3.7 < res.discounted_payback_years < 3.8
    # LCOE: (capex + Σ_y 1.05^-y B_y) / (A × energy)
    a = (1 - 1.05**-12) / 0.05
    cost = 1000.0 + sum(b / 1.05**y for y, b in enumerate(THREE_PHASES, start=1))
    assert res.lcoe_per_kwh == pytest.approx(cost / (a * 1000.0), rel=1e-12)
    assert res.annual_bill_total == 700.0 and res.annual_saving == 300.0
    assert res.annual_bill_by_year == THREE_PHASES


def test_payback_in_a_later_phase_and_after_the_lifetime():
    e = econ(lifetime_years=12, discount_rate=0.0)
    # 4 × 300 = 1,200, then 100 a year: 1,500 is reached at the end of year 7
    res = evaluate(e, {"pv": 1500.0}, THREE_PHASES, 1000.0, 1000.0)
    assert res.payback_years == pytest.approx(7.0, rel=1e-12)
    assert res.npv == pytest.approx(1200 + 600 + 100 - 1500.0)
    # 2,000: 1,900 after the 12 years, then year 12's 50 a year goes on: 2 more years
    res = evaluate(e, {"pv": 2000.0}, THREE_PHASES, 1000.0, 1000.0)
    assert res.payback_years == pytest.approx(14.0, rel=1e-12)
    assert res.npv < 0
    # a last year that saves nothing never pays back
    res = evaluate(e, {"pv": 2000.0}, THREE_PHASES[:-1] + [1000.0], 1000.0, 1000.0)
    assert res.payback_years is None and res.notes


def test_bills_by_year_need_one_bill_per_year():
    with pytest.raises(ValueError, match="one bill per year of the lifetime \\(10\\), got 3"):
        evaluate(econ(), {"pv": 1.0}, [1.0, 2.0, 3.0], 5.0, 10.0)


@settings(max_examples=60, deadline=None)
@given(
    capex=st.floats(0.0, 1e5),
    saving=st.floats(-1e3, 1e4),
    rate=st.sampled_from([0.0, 1e-12, 0.03, 0.08]),
    years=st.integers(1, 40),
    om=st.sampled_from([0.0, 0.01]),
)
def test_the_same_bill_every_year_gives_the_closed_forms(capex, saving, rate, years, om):
    e = econ(discount_rate=rate, lifetime_years=years, om_ratio_per_year=om)
    flat = evaluate(e, {"pv": capex}, 1e4 - saving, 1e4, 1e3)
    by_year = evaluate(e, {"pv": capex}, [1e4 - saving] * years, 1e4, 1e3)
    assert by_year.npv == pytest.approx(flat.npv, rel=1e-9, abs=1e-6)
    assert by_year.lcoe_per_kwh == pytest.approx(flat.lcoe_per_kwh, rel=1e-9)
    for field in ("payback_years", "discounted_payback_years"):
        a, b = getattr(flat, field), getattr(by_year, field)
        assert (a is None) == (b is None), field
        if a is not None:
            assert b == pytest.approx(a, rel=1e-7, abs=1e-9), field


def test_per_home_bills_by_year_equal_the_district_one_home_at_a_time():
    e = econ(lifetime_years=12)
    bills = np.stack([np.asarray(THREE_PHASES), np.asarray(THREE_PHASES) * 0.5, np.full(12, 990.0)], axis=1)  # (N, h)
    base = np.array([1000.0, 800.0, 1000.0])
    df = evaluate_homes(e, Assets(pv_kwp=np.array([10.0, 5.0, 0.0])), bills, base, np.full(3, 1000.0))
    assert list(df["annual_bill"]) == list(bills[0])
    for h in range(3):
        one = evaluate(e, {"pv": [1000.0, 500.0, 0.0][h]}, list(bills[:, h]), base[h], 1000.0)
        assert df["npv"][h] == pytest.approx(one.npv, rel=1e-12)
        for field in ("payback_years", "discounted_payback_years"):
            expected = getattr(one, field)
            assert (np.isnan(df[field][h]) if expected is None else df[field][h] == pytest.approx(expected)), field


# --------------------------------------------------------------------------- the appraisal bills each phase


def _one_month(tariff_spec: dict, currency: str, tz: str, month: str, imp_kwh: float, exp_kwh: float):
    from types import SimpleNamespace

    from zerodistrict.scenario.tariff import Tariff

    index = pd.date_range(f"{month}-01", periods=24 * pd.Period(month).days_in_month, freq="1h", tz=tz)
    n = len(index)
    scenario = SimpleNamespace(grid=SimpleNamespace(tariff=Tariff.model_validate(tariff_spec), currency=currency))
    inputs = SimpleNamespace(index=index, step_hours=1.0, n_homes=1)
    result = SimpleNamespace(home_import_kw=np.full((n, 1), imp_kwh / n), home_export_kw=np.full((n, 1), exp_kwh / n))
    return scenario, inputs, result


def test_appraisal_stops_crediting_solar_atap_exports_after_year_ten():
    from zerodistrict.analysis.appraisal import _bills_by_year

    scenario, inputs, result = _one_month({"preset": "tnb-domestic-2025", "rebates": [], "export": "my-solar-atap-2026"},
                                          "MYR", "Asia/Kuala_Lumpur", "2025-07", 500.0, 200.0)
    other = 500 * (0.0455 + 0.1285)  # capacity + network; retail waived at ≤ 600 kWh
    year1 = (500 - 200) * 0.2703 + other
    out = _bills_by_year(scenario, inputs, result, 15, np.array([year1]), 1.0)
    assert out.shape == (15, 1)
    np.testing.assert_allclose(out[:10, 0], year1)
    np.testing.assert_allclose(out[10:, 0], 500 * 0.2703 + other, rtol=1e-12)  # no export credit from year 11
    # within the 10 years nothing changes: the simulated year's bills are used as they are
    same = np.array([year1])
    assert _bills_by_year(scenario, inputs, result, 10, same, 1.0) is same


def test_appraisal_bills_the_fit_of_each_phase():
    from zerodistrict.analysis.appraisal import _bills_by_year

    scenario, inputs, result = _one_month({"preset": "tepco-juryo-dento-b-2023", "export": "jp-fit-2025h2"},
                                          "JPY", "Asia/Tokyo", "2025-06", 100.0, 300.0)
    charges = 100 * 30.00 + 935.25 + 100 * 3.98
    out = _bills_by_year(scenario, inputs, result, 12, np.array([charges - 300 * 24.0]), 1.0)[:, 0]
    np.testing.assert_allclose(out[:4], charges - 300 * 24.0)
    np.testing.assert_allclose(out[4:10], charges - 300 * 8.3, rtol=1e-12)
    np.testing.assert_allclose(out[10:], charges - 300 * 8.5, rtol=1e-12)
