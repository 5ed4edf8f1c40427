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
    assert jp.pv_per_kwp == 288_000.0 and jp.battery_per_kwh == 139_000.0 and jp.currency == "JPY"
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
