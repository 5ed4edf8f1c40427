"""Tariffs and bills: hand-checked months of known consumption, and invariants of the bill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from zerodistrict.errors import InputError
from zerodistrict.analysis.bills import (
    BILL_COLUMNS,
    bill_homes,
    bill_per_home,
    bill_total,
    marginal_prices,
    month_charges,
    month_share_ratio,
    monthly_bills,
    period_of_step,
    prorated_month_charges,
)
from zerodistrict.scenario.base import Model
from zerodistrict.scenario.tariff import EXPORT_SCHEMES, TARIFFS, Tariff, scheme_in_year, scheme_phases, tariff_currency

DT = 0.25  # 15-minute steps


def month_index(start: str, months: int = 1, tz: str = "Asia/Tokyo", step_minutes: int = 15) -> pd.DatetimeIndex:
    begin = pd.Timestamp(start)
    end = begin + pd.DateOffset(months=months)
    return pd.date_range(begin, end, freq=f"{step_minutes}min", inclusive="left", tz=tz)


def spread(index: pd.DatetimeIndex, kwh_by_month: dict[str, float], step_hours: float = DT) -> np.ndarray:
    """(t,) kW that puts the given kWh evenly over each month (YYYY-MM)."""
    kw = np.zeros(len(index))
    labels = np.asarray([f"{t.year:04d}-{t.month:02d}" for t in index])
    for month, kwh in kwh_by_month.items():
        mask = labels == month
        kw[mask] = kwh / (mask.sum() * step_hours)
    return kw


def one_bill(tariff: Tariff, index, import_kw, export_kw=None, step_hours=DT) -> pd.DataFrame:
    imp = np.asarray(import_kw, dtype=float)
    exp = np.zeros_like(imp) if export_kw is None else np.asarray(export_kw, dtype=float)
    return bill_homes(tariff, index, imp, exp, step_hours)


# --------------------------------------------------------------------------- TEPCO 従量電灯B


@pytest.mark.parametrize(
    "kwh, expected_yen",
    [
        # 120×30.00 + 180×36.60 + 100×40.69 + basic 935.25 + 400×3.98
        (400.0, 3600.0 + 6588.0 + 4069.0 + 935.25 + 1592.0),
        (120.0, 3600.0 + 935.25 + 477.6),
        (300.0, 3600.0 + 6588.0 + 935.25 + 1194.0),
        (0.0, 935.25),
    ],
)
def test_tepco_month_of_known_consumption(kwh, expected_yen):
    idx = month_index("2025-06-01")  # a month of the FY2025 surcharge (¥3.98 from May 2025 bills)
    bills = one_bill(TARIFFS["tepco-juryo-dento-b-2023"], idx, spread(idx, {"2025-06": kwh}))
    assert len(bills) == 1
    row = bills.iloc[0]
    assert row["import_kwh"] == pytest.approx(kwh, rel=1e-12)
    assert row["bill"] == pytest.approx(expected_yen, rel=1e-12)
    assert row["fixed_charge"] == 935.25
    assert row["currency"] == "JPY"


def test_tepco_month_boundary_is_local_time():
    # 100 kWh in the last hour of January in Tokyo: 14:00–15:00 UTC on 31 January
    idx = month_index("2025-01-01", months=2)
    kw = np.zeros(len(idx))
    last_hour = (idx >= pd.Timestamp("2025-01-31 23:00", tz="Asia/Tokyo")) & (idx < pd.Timestamp("2025-02-01", tz="Asia/Tokyo"))
    kw[last_hour] = 100.0
    bills = one_bill(TARIFFS["tepco-juryo-dento-b-2023"], idx, kw).set_index("month")
    assert bills.loc["2025-01", "import_kwh"] == pytest.approx(100.0)
    assert bills.loc["2025-02", "import_kwh"] == 0.0
    assert list(bills.columns) == list(BILL_COLUMNS[:1] + BILL_COLUMNS[2:])


# --------------------------------------------------------------------------- TNB 2025


@pytest.mark.parametrize(
    "kwh, energy, surcharges, fixed, rebate",
    [
        # retail waived; energy-efficiency incentive 12.00 sen (451–500 kWh)
        (500.0, 500 * 0.2703, 500 * 0.1740, 0.0, 500 * 0.12),
        # exactly 600 kWh: still waived, incentive 9.00 sen
        (600.0, 600 * 0.2703, 600 * 0.1740, 0.0, 600 * 0.09),
        # retail RM10 charged; incentive 5.50 sen (651–700 kWh)
        (700.0, 700 * 0.2703, 700 * 0.1740, 10.0, 700 * 0.055),
        # energy tier split: 1,500 kWh at 27.03 sen + 100 kWh at 37.03 sen; no incentive above 1,000 kWh
        (1600.0, 1500 * 0.2703 + 100 * 0.3703, 1600 * 0.1740, 10.0, 0.0),
    ],
)
def test_tnb_domestic_month(kwh, energy, surcharges, fixed, rebate):
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    row = one_bill(TARIFFS["tnb-domestic-2025"], idx, spread(idx, {"2025-07": kwh})).iloc[0]
    assert row["energy_charge"] == pytest.approx(energy, rel=1e-12)
    assert row["surcharges"] == pytest.approx(surcharges, rel=1e-12)
    assert row["fixed_charge"] == fixed
    assert row["rebate"] == pytest.approx(rebate, rel=1e-12)
    assert row["bill"] == pytest.approx(energy + surcharges + fixed - rebate, rel=1e-12)
    assert row["currency"] == "MYR"


def test_tnb_1600_kwh_hand_total():
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    row = one_bill(TARIFFS["tnb-domestic-2025"], idx, spread(idx, {"2025-07": 1600.0})).iloc[0]
    assert row["bill"] == pytest.approx(405.45 + 37.03 + 278.40 + 10.0, abs=1e-9)


def test_whole_basis_charges_every_kwh_at_the_months_tier():
    tariff = Tariff.model_validate(
        {"preset": "tnb-domestic-2025", "energy": {"tier_limits_kwh": [1500], "prices_per_kwh": [0.2703, 0.3703], "basis": "whole"}}
    )
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    row = one_bill(tariff, idx, spread(idx, {"2025-07": 1600.0})).iloc[0]
    assert row["energy_charge"] == pytest.approx(1600 * 0.3703, rel=1e-12)


def test_tnb_tou_splits_weekday_peak_hours():
    # 1 kW all of July 2025 (23 weekdays): peak 23 × 8 h = 184 kWh, off-peak 744 − 184 = 560 kWh
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    row = one_bill(TARIFFS["tnb-tou-2025"], idx, np.ones(len(idx))).iloc[0]
    assert row["import_kwh"] == pytest.approx(744.0)
    assert row["energy_charge"] == pytest.approx(184 * 0.2852 + 560 * 0.2443, rel=1e-12)
    assert row["surcharges"] == pytest.approx(744 * 0.1740, rel=1e-12)
    assert row["fixed_charge"] == 10.0
    assert row["rebate"] == 0.0


def test_tou_periods_by_clock_and_weekday():
    energy = TARIFFS["tnb-tou-2025"].energy
    idx = pd.DatetimeIndex(
        [
            "2025-07-04 13:45",  # Friday, before peak
            "2025-07-04 14:00",  # Friday, peak starts
            "2025-07-04 21:45",  # Friday, last peak quarter
            "2025-07-04 22:00",  # Friday, off-peak again
            "2025-07-05 15:00",  # Saturday: off-peak all day
        ]
    ).tz_localize("Asia/Kuala_Lumpur")
    np.testing.assert_array_equal(period_of_step(energy, idx), [0, 1, 1, 0, 0])


def test_tepco_tou_period_wraps_midnight_rule():
    energy = TARIFFS["tepco-tou-example"].energy
    idx = pd.date_range("2025-01-01 00:00", periods=8, freq="1h", tz="Asia/Tokyo")
    np.testing.assert_array_equal(period_of_step(energy, idx), [0, 1, 1, 1, 1, 1, 0, 0])


# --------------------------------------------------------------------------- export schemes


def test_solar_atap_month_offsets_only_energy_and_forfeits_credit():
    tariff = Tariff.model_validate({"preset": "tnb-domestic-2025", "rebates": [], "export": "my-solar-atap-2026"})
    idx = month_index("2025-07-01", months=2, tz="Asia/Kuala_Lumpur")
    imp = spread(idx, {"2025-07": 300.0, "2025-08": 300.0})
    exp = spread(idx, {"2025-07": 500.0, "2025-08": 0.0})
    bills = one_bill(tariff, idx, imp, exp).set_index("month")
    july, aug = bills.loc["2025-07"], bills.loc["2025-08"]
    assert july["energy_charge"] == pytest.approx(300 * 0.2703)
    assert july["export_credit"] == pytest.approx(300 * 0.2703)  # capped at the energy charge
    assert july["bill"] == pytest.approx(300 * 0.1740)  # capacity + network still paid
    # the 200 kWh of unused credit are forfeited: August pays in full
    assert aug["export_credit"] == 0.0
    assert aug["bill"] == pytest.approx(300 * (0.2703 + 0.1740))


def test_solar_atap_partial_offset_with_incentive():
    tariff = Tariff.model_validate({"preset": "tnb-domestic-2025", "export": "my-solar-atap-2026"})
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    row = one_bill(tariff, idx, spread(idx, {"2025-07": 500.0}), spread(idx, {"2025-07": 200.0})).iloc[0]
    # (500 − 200) × 27.03 sen + 500 × 17.40 sen − 500 × 12.00 sen
    assert row["bill"] == pytest.approx(81.09 + 87.0 - 60.0, abs=1e-9)


def test_fit_export_revenue_is_kwh_times_price():
    tariff = Tariff.model_validate({"preset": "tepco-juryo-dento-b-2023", "export": "jp-fit-2024"})
    idx = month_index("2025-05-01")
    row = one_bill(tariff, idx, spread(idx, {"2025-05": 100.0}), spread(idx, {"2025-05": 300.0})).iloc[0]
    assert row["export_credit"] == pytest.approx(300 * 16.0)
    charges = 100 * 30.00 + 935.25 + 100 * 3.98
    assert row["bill"] == pytest.approx(charges - 4800.0)
    assert row["bill"] < 0  # FIT revenue above the charges: net cash flow to the household


def test_no_export_scheme_earns_nothing():
    idx = month_index("2025-05-01")
    row = one_bill(TARIFFS["tepco-juryo-dento-b-2023"], idx, np.zeros(len(idx)), np.ones(len(idx))).iloc[0]
    assert row["export_kwh"] == pytest.approx(744.0)
    assert row["export_credit"] == 0.0
    assert row["bill"] == 935.25


# --------------------------------------------------------------------------- homes, totals


def test_homes_are_billed_independently_and_summed():
    idx = month_index("2025-01-01", months=2)
    rng = np.random.default_rng(1)
    imp = rng.uniform(0, 1.5, size=(len(idx), 4))
    exp = rng.uniform(0, 0.5, size=(len(idx), 4))
    tariff = Tariff.model_validate({"preset": "tepco-juryo-dento-b-2023", "export": "jp-post-fit-tepco"})
    together = bill_homes(tariff, idx, imp, exp, DT)
    assert list(together["home"]) == [0, 0, 1, 1, 2, 2, 3, 3]
    per_home = bill_per_home(together)
    for h in range(4):
        alone = bill_homes(tariff, idx, imp[:, h], exp[:, h], DT)
        assert per_home[h] == pytest.approx(alone["bill"].sum(), rel=1e-12)
    assert bill_total(together) == pytest.approx(per_home.sum(), rel=1e-12)


def test_hourly_and_quarter_hourly_steps_bill_the_same():
    idx_h = month_index("2025-07-01", tz="Asia/Kuala_Lumpur", step_minutes=60)
    idx_q = month_index("2025-07-01", tz="Asia/Kuala_Lumpur", step_minutes=15)
    kw_h = np.random.default_rng(2).uniform(0, 2, size=len(idx_h))
    kw_q = np.repeat(kw_h, 4)
    b_h = bill_homes(TARIFFS["tnb-tou-2025"], idx_h, kw_h, np.zeros_like(kw_h), 1.0)
    b_q = bill_homes(TARIFFS["tnb-tou-2025"], idx_q, kw_q, np.zeros_like(kw_q), 0.25)
    assert b_h["bill"].iloc[0] == pytest.approx(b_q["bill"].iloc[0], rel=1e-12)


# --------------------------------------------------------------------------- marginal prices


def test_marginal_prices_tier_of_estimate():
    idx = month_index("2025-06-01")  # FY2025 surcharge month
    imp, exp = marginal_prices(TARIFFS["tepco-juryo-dento-b-2023"], idx, 400.0)
    assert np.allclose(imp, 40.69 + 3.98) and np.all(exp == 0.0)
    imp0, _ = marginal_prices(TARIFFS["tepco-juryo-dento-b-2023"], idx, None)
    assert np.allclose(imp0, 30.00 + 3.98)


def test_marginal_prices_tnb_with_incentive_and_atap():
    tariff = Tariff.model_validate({"preset": "tnb-domestic-2025", "export": "my-solar-atap-2026"})
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    imp, exp = marginal_prices(tariff, idx, 500.0)
    assert np.allclose(imp, 0.2703 + 0.0455 + 0.1285 - 0.12)
    assert np.allclose(exp, 0.2703)


def test_marginal_prices_follow_time_of_use():
    idx = pd.date_range("2025-07-04 13:00", periods=3, freq="1h", tz="Asia/Kuala_Lumpur")  # Friday
    imp, _ = marginal_prices(TARIFFS["tnb-tou-2025"], idx, 700.0)
    np.testing.assert_allclose(imp, [0.2443 + 0.1740, 0.2852 + 0.1740, 0.2852 + 0.1740])


# --------------------------------------------------------------------------- validation


class _Grid(Model):
    tariff: Tariff


def test_scenario_may_name_a_tariff_or_spell_one_out():
    assert _Grid.model_validate({"tariff": "tnb-tou-2025"}).tariff.name == "tnb-tou-2025"
    spelled = _Grid.model_validate(
        {"tariff": {"energy": {"prices_per_kwh": [25.0]}, "export": {"scheme": "fixed", "price_per_kwh": 9.0}}}
    ).tariff
    assert spelled.export.scheme == "fixed" and spelled.export.price_per_kwh == 9.0
    named = _Grid.model_validate({"tariff": {"preset": "tnb-domestic-2025", "export": "my-solar-atap-2026"}}).tariff
    assert named.export.scheme == "net_metering" and named.export.credit_per_kwh is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"tariff": "tnb-2099"}, "unknown tariff preset 'tnb-2099'"),
        ({"tariff": {"preset": "tnb-domestic-2025", "export": "nem-9"}}, "unknown export scheme 'nem-9'"),
        ({"tariff": {"energy": {"tier_limits_kwh": [120, 300], "prices_per_kwh": [1.0, 2.0]}}}, "needs 3 prices"),
        ({"tariff": {"energy": {"tier_limits_kwh": [300, 120], "prices_per_kwh": [1, 2, 3]}}}, "strictly increasing"),
        ({"tariff": {"energy": {"prices_per_kwh": [1.0]}, "tax": 0.1}}, "Extra inputs are not permitted"),
        ({"tariff": {"energy": {"prices_per_kwh": [1.0]}, "export": {"scheme": "fixed"}}}, "scheme 'fixed' needs price_per_kwh"),
        (
            {"tariff": {"energy": {"prices_per_kwh": [1.0]}, "export": {"scheme": "net_metering", "price_per_kwh": 1}}},
            "price_per_kwh applies to scheme 'fixed' only, not 'net_metering'",
        ),
        (
            {"tariff": {"energy": {"prices_per_kwh": [1.0]}, "rebates": [{"name": "x", "up_to_kwh": [100, 200], "rates_per_kwh": [0.1, 0.2]}]}},
            "must not increase with consumption",
        ),
    ],
)
def test_bad_tariffs_are_rejected_with_the_reason(data, message):
    with pytest.raises(ValidationError, match=message):
        _Grid.model_validate(data)


def test_currency_must_match_the_scenario():
    with pytest.raises(InputError, match=r"grid.tariff: tariff 'tnb-domestic-2025' is in MYR but the scenario's currency is JPY"):
        tariff_currency(TARIFFS["tnb-domestic-2025"], "jpy")
    assert tariff_currency(Tariff(energy={"prices_per_kwh": [1.0]}), "myr") == "MYR"


def test_bill_rejects_mismatched_arrays():
    idx = month_index("2025-01-01")
    with pytest.raises(ValueError, match="must both be"):
        bill_homes(TARIFFS["tepco-juryo-dento-b-2023"], idx, np.zeros((len(idx), 2)), np.zeros((len(idx), 3)), DT)


# --------------------------------------------------------------------------- invariants

IDX2 = month_index("2025-06-01", months=2, tz="Asia/Kuala_Lumpur", step_minutes=60)
SCHEMES = [None, *EXPORT_SCHEMES]


def _tariff(name: str, scheme: str | None) -> Tariff:
    data = {"preset": name}
    if scheme is not None:
        data["export"] = scheme
    return Tariff.model_validate(data)


def _profile(seed: int, scale: float, n_homes: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    on = rng.random((len(IDX2), n_homes)) < rng.uniform(0.1, 1.0)
    return on * rng.exponential(scale, size=(len(IDX2), n_homes))


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(TARIFFS)),
    scheme=st.sampled_from(SCHEMES),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.01, 5.0),
    extra_seed=st.integers(0, 2**32 - 1),
)
def test_more_import_never_lowers_the_bill(name, scheme, seed, scale, extra_seed):
    tariff = _tariff(name, scheme)
    imp = _profile(seed, scale)
    exp = _profile(seed + 1, scale)
    more = imp + _profile(extra_seed, scale)
    base = monthly_bills(tariff, IDX2, imp, exp, 1.0)["bill"]
    higher = monthly_bills(tariff, IDX2, more, exp, 1.0)["bill"]
    assert np.all(higher >= base - 1e-9 * np.maximum(1.0, np.abs(base)))


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(TARIFFS)),
    scheme=st.sampled_from(SCHEMES),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.0, 5.0),
)
def test_bills_are_not_negative_unless_exports_are_paid_out(name, scheme, seed, scale):
    tariff = _tariff(name, scheme)
    parts = monthly_bills(tariff, IDX2, _profile(seed, scale), _profile(seed + 7, 3 * scale), 1.0)
    if tariff.export.scheme == "fixed":
        assert np.all(parts["bill"] + parts["export_credit"] >= 0.0)
        # a simulated year is year 1 of operation: the price of year 1's phase
        np.testing.assert_allclose(parts["export_credit"], parts["export_kwh"] * scheme_in_year(tariff.export, 1).price_per_kwh)
    else:
        assert np.all(parts["bill"] >= 0.0)
        assert np.all(parts["export_credit"] <= parts["energy_charge"] + 1e-12)


# --------------------------------------------------------------------------- rates by billed month (再エネ賦課金)


TEPCO = "tepco-juryo-dento-b-2023"


@pytest.mark.parametrize(
    "month, surcharge_yen",
    [
        ("2025-04", 300 * 3.49),  # FY2024 rate, billed until April 2025
        ("2025-05", 300 * 3.98),  # FY2025 rate from May 2025
        ("2024-04", 300 * 1.40),  # FY2023 rate, May 2023 – April 2024
        ("2024-05", 300 * 3.49),
        ("2023-04", 300 * 3.45),  # FY2022
    ],
)
def test_renewable_surcharge_of_the_billed_month(month, surcharge_yen):
    idx = month_index(f"{month}-01")
    row = one_bill(TARIFFS[TEPCO], idx, spread(idx, {month: 300.0})).iloc[0]
    assert row["surcharges"] == pytest.approx(surcharge_yen, rel=1e-12)
    # 120×30.00 + 180×36.60 + basic 935.25 + the month's surcharge
    assert row["bill"] == pytest.approx(3600.0 + 6588.0 + 935.25 + surcharge_yen, rel=1e-12)


def test_april_and_may_2025_in_one_run_bill_at_their_own_rates():
    idx = month_index("2025-04-01", months=2)
    bills = one_bill(TARIFFS[TEPCO], idx, spread(idx, {"2025-04": 300.0, "2025-05": 300.0})).set_index("month")
    assert bills.loc["2025-04", "bill"] == pytest.approx(12170.25, rel=1e-12)  # 3600 + 6588 + 935.25 + 1047
    assert bills.loc["2025-05", "bill"] == pytest.approx(12317.25, rel=1e-12)  # 3600 + 6588 + 935.25 + 1194


def test_months_outside_every_dated_rate_pay_the_undated_one():
    idx = month_index("2026-05-01")  # after FY2025: the catalog lets the FY2025 rate stand in
    row = one_bill(TARIFFS[TEPCO], idx, spread(idx, {"2026-05": 100.0})).iloc[0]
    assert row["surcharges"] == pytest.approx(398.0)
    custom = Tariff.model_validate({
        "currency": "JPY",
        "energy": {"prices_per_kwh": [10.0]},
        "surcharges": [{"name": "levy", "price_per_kwh": 2.0,
                        "by_month": [{"first_month": "2025-03", "last_month": "2025-03", "price_per_kwh": 5.0}]}],
    })
    idx = month_index("2025-02-01", months=3)
    bills = one_bill(custom, idx, spread(idx, {"2025-02": 10.0, "2025-03": 10.0, "2025-04": 10.0}))
    assert list(bills["surcharges"]) == pytest.approx([20.0, 50.0, 20.0])


def test_marginal_import_price_follows_the_month_of_the_step():
    idx = month_index("2025-04-01", months=2)
    imp, _ = marginal_prices(TARIFFS[TEPCO], idx, None)
    april = np.asarray(idx.month) == 4
    assert np.allclose(imp[april], 30.00 + 3.49) and np.allclose(imp[~april], 30.00 + 3.98)


@pytest.mark.parametrize(
    "by_month, message",
    [
        ([{"first_month": "2025-05", "last_month": "2025-04", "price_per_kwh": 1.0}], "last_month 2025-04 is before"),
        ([{"first_month": "2025-13", "price_per_kwh": 1.0}], "first_month"),
        ([{"first_month": "2025-01", "last_month": "2025-06", "price_per_kwh": 1.0},
          {"first_month": "2025-06", "price_per_kwh": 2.0}], "by_month ranges overlap"),
        ([{"first_month": "2025-01", "price_per_kwh": 1.0},
          {"first_month": "2026-01", "price_per_kwh": 2.0}], "by_month ranges overlap"),
    ],
)
def test_bad_dated_rates_are_rejected(by_month, message):
    with pytest.raises(ValidationError, match=message):
        Tariff.model_validate({"energy": {"prices_per_kwh": [1.0]},
                               "surcharges": [{"name": "x", "price_per_kwh": 1.0, "by_month": by_month}]})


# --------------------------------------------------------------------------- export prices by year of operation


def test_fit_from_october_2025_by_year_of_operation():
    fit = EXPORT_SCHEMES["jp-fit-2025h2"]
    prices = {year: scheme_in_year(fit, year).price_per_kwh for year in (1, 4, 5, 10, 11, 25)}
    assert prices == {1: 24.0, 4: 24.0, 5: 8.3, 10: 8.3, 11: 8.5, 25: 8.5}
    assert [(a, b, s.price_per_kwh) for a, b, s in scheme_phases(fit, 20)] == [(1, 4, 24.0), (5, 10, 8.3), (11, 20, 8.5)]
    assert [(a, b) for a, b, _ in scheme_phases(fit, 3)] == [(1, 3)]
    # the older FITs pay their price for 10 years, then the buyback
    assert [(a, b, s.price_per_kwh) for a, b, s in scheme_phases(EXPORT_SCHEMES["jp-fit-2024"], 15)] == [
        (1, 10, 16.0), (11, 15, 8.5)]


def test_a_simulated_year_is_billed_as_year_one_and_later_years_with_tariff_in_year():
    from zerodistrict.analysis.bills import tariff_in_year

    tariff = Tariff.model_validate({"preset": TEPCO, "export": "jp-fit-2025h2"})
    idx = month_index("2025-06-01")
    imp, exp = spread(idx, {"2025-06": 100.0}), spread(idx, {"2025-06": 300.0})
    charges = 100 * 30.00 + 935.25 + 100 * 3.98
    assert one_bill(tariff, idx, imp, exp).iloc[0]["bill"] == pytest.approx(charges - 300 * 24.0)
    assert one_bill(tariff_in_year(tariff, 5), idx, imp, exp).iloc[0]["bill"] == pytest.approx(charges - 300 * 8.3)
    assert one_bill(tariff_in_year(tariff, 11), idx, imp, exp).iloc[0]["bill"] == pytest.approx(charges - 300 * 8.5)
    assert marginal_prices(tariff, idx)[1] == pytest.approx(np.full(len(idx), 24.0))


def test_solar_atap_credits_exports_for_ten_years_only():
    from zerodistrict.analysis.bills import tariff_in_year

    tariff = Tariff.model_validate({"preset": "tnb-domestic-2025", "rebates": [], "export": "my-solar-atap-2026"})
    idx = month_index("2025-07-01", tz="Asia/Kuala_Lumpur")
    imp, exp = spread(idx, {"2025-07": 500.0}), spread(idx, {"2025-07": 200.0})
    other = 500 * (0.0455 + 0.1285)  # capacity + network; retail waived at ≤ 600 kWh
    for year in (1, 10):
        row = one_bill(tariff_in_year(tariff, year), idx, imp, exp).iloc[0]
        assert row["bill"] == pytest.approx((500 - 200) * 0.2703 + other, abs=1e-9)
    for year in (11, 25):
        row = one_bill(tariff_in_year(tariff, year), idx, imp, exp).iloc[0]
        assert row["export_credit"] == 0.0
        assert row["bill"] == pytest.approx(500 * 0.2703 + other, abs=1e-9)


@pytest.mark.parametrize(
    "scheme, message",
    [
        ({"scheme": "net_metering", "by_year": [{"first_year": 1, "price_per_kwh": 1.0}]}, "by_year applies to scheme 'fixed'"),
        ({"scheme": "fixed", "price_per_kwh": 1.0, "by_year": [{"first_year": 1, "last_year": 5, "price_per_kwh": 2.0},
                                                              {"first_year": 5, "price_per_kwh": 3.0}]}, "by_year phases overlap"),
        ({"scheme": "fixed", "price_per_kwh": 1.0, "by_year": [{"first_year": 4, "last_year": 2, "price_per_kwh": 2.0}]},
         "last_year 2 is before first_year 4"),
        ({"scheme": "fixed", "price_per_kwh": 1.0, "by_year": [{"first_year": 0, "price_per_kwh": 2.0}]}, "greater than or equal to 1"),
        ({"scheme": "net_metering", "credit_years": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_export_phases_are_rejected(scheme, message):
    with pytest.raises(ValidationError, match=message):
        Tariff.model_validate({"energy": {"prices_per_kwh": [1.0]}, "export": scheme})


# --------------------------------------------------------------------------- months covered in part (pro rata)

#: a tariff spelled out here, so that the hand-checked numbers do not move with the catalog's facts
PRO_RATA_TARIFF = Tariff(
    energy={"tier_limits_kwh": [120.0], "prices_per_kwh": [30.0, 40.0]},
    fixed=[{"name": "basic", "per_month": 1000.0}, {"name": "retail", "per_month": 10.0, "waived_up_to_kwh": 600.0}],
    currency="JPY",
)


def test_half_a_month_pays_half_the_fixed_charge_and_half_of_each_tier_block():
    # 1–15 June 2025 (UTC): 15 of June's 30 days
    idx = pd.date_range("2025-06-01", "2025-06-16", freq="1h", inclusive="left", tz="UTC")
    assert month_share_ratio(idx, 1.0) == pytest.approx([0.5], rel=1e-15)
    # 100 kWh in half a month: the first block is 60 kWh (half of 120) at 30, then 40 kWh at 40;
    # basic charge 1000/2; retail waived (100 kWh ≤ 600/2)
    row = one_bill(PRO_RATA_TARIFF, idx, np.full(len(idx), 100.0 / len(idx)), step_hours=1.0).iloc[0]
    assert row["import_kwh"] == pytest.approx(100.0, rel=1e-12)
    assert row["fixed_charge"] == pytest.approx(500.0, rel=1e-12)
    assert row["energy_charge"] == pytest.approx(60 * 30.0 + 40 * 40.0, rel=1e-12)  # 3,400
    assert row["bill"] == pytest.approx(3900.0, rel=1e-12)
    # 400 kWh in half a month is over half the waiver limit (300): retail 10/2 applies
    row = one_bill(PRO_RATA_TARIFF, idx, np.full(len(idx), 400.0 / len(idx)), step_hours=1.0).iloc[0]
    assert row["fixed_charge"] == pytest.approx(505.0, rel=1e-12)
    assert row["bill"] == pytest.approx(505.0 + 60 * 30.0 + 340 * 40.0, rel=1e-12)


def test_a_period_across_two_months_bills_each_part_by_its_own_share():
    # 14 days from 25 February 2025 (Tokyo): 4 of February's 28 days, 10 of March's 31
    idx = pd.date_range("2025-02-25", "2025-03-11", freq="15min", inclusive="left", tz="Asia/Tokyo")
    assert month_share_ratio(idx, DT) == pytest.approx([4 / 28, 10 / 31], rel=1e-12)
    bills = one_bill(PRO_RATA_TARIFF, idx, np.zeros(len(idx)))
    assert bills["fixed_charge"].tolist() == pytest.approx([1000.0 * 4 / 28, 1000.0 * 10 / 31], rel=1e-12)


def test_whole_months_are_billed_as_before_and_dst_months_count_their_hours():
    idx = month_index("2025-03-01", months=2, tz="Europe/Berlin")  # March has 743 hours there
    assert month_share_ratio(idx, DT).tolist() == [1.0, 1.0]
    assert one_bill(PRO_RATA_TARIFF, idx, np.zeros(len(idx)))["fixed_charge"].tolist() == [1000.0, 1000.0]  # retail waived at 0 kWh


@settings(max_examples=40, deadline=None)
@given(kwh=st.floats(0.0, 2000.0), export=st.floats(0.0, 500.0), share=st.floats(0.05, 1.0),
       name=st.sampled_from(["tepco-juryo-dento-b-2023", "tnb-domestic-2025"]))
def test_pro_rata_bill_is_the_share_of_a_full_month_at_the_full_month_rate(kwh, export, share, name):
    tariff = TARIFFS[name].model_copy(update={"export": EXPORT_SCHEMES["my-solar-atap-2026"]})
    part = prorated_month_charges(tariff, np.array([[kwh * share]]), np.array([export * share]), share)
    full = month_charges(tariff, np.array([[kwh]]), np.array([export]))
    for key in full:
        assert part[key][0] == pytest.approx(share * full[key][0], rel=1e-9, abs=1e-9), key
