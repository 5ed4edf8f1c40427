"""Scaling designs to a city: a tiny roadmap worked out by hand, and invariants on random adoption paths."""

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.errors import InputError
from zerodistrict.roadmap import DesignFigures, roadmap_from_dict, scale
from zerodistrict.roadmap.spec import SCurve

#: the tiny roadmap of tiny.yaml: 100 terraces of 1,000 kWh and 50 flats of 2,000 kWh a year, 10 then 20
#: terraces converted in 2026–2027, a grid of 0.5 kg/kWh in 2025 falling to 0.3 in 2027, net zero in 2027
TINY = yaml.safe_load(Path(__file__).with_name("tiny.yaml").read_text(encoding="utf-8"))


def figures(import_kwh=400.0, baseline_kwh=1000.0, capex=5000.0) -> DesignFigures:
    return DesignFigures(scenario="d", applies_to=("terrace",), homes=10, import_kwh_per_home_year=import_kwh,
                         baseline_kwh_per_home_year=baseline_kwh, capex_per_home=capex, currency="MYR",
                         dispatch="rule", period_days=365)


def test_tiny_roadmap_by_hand():
    table = scale(roadmap_from_dict(TINY), [figures()]).set_index("year")
    # 2026: factor 0.4 (halfway 0.5 → 0.3); stock 100 terraces × 1000 kWh + 50 flats × 2000 kWh = 200 MWh
    r = table.loc[2026]
    assert r["grid_co2_kg_per_kwh"] == pytest.approx(0.4)
    assert r["residential_co2_without_programme_t"] == pytest.approx(80.0)          # 200,000 kWh × 0.4
    assert r["homes_converted"] == 10 and r["homes_converted_in_year"] == 10
    assert r["residential_co2_avoided_t"] == pytest.approx(2.4)                      # 10 × 1000 × (1 − 0.4) × 0.4
    assert r["residential_co2_with_programme_t"] == pytest.approx(77.6)
    assert r["investment_myr"] == pytest.approx(50_000)
    assert r["target_co2_t"] == pytest.approx(50.0)                                  # 100 t in 2025, half cut by 2026
    assert r["gap_to_target_t"] == pytest.approx(27.6)
    r = table.loc[2027]
    assert r["residential_co2_without_programme_t"] == pytest.approx(60.0)
    assert r["homes_converted"] == 30 and r["homes_converted_in_year"] == 20
    assert r["residential_co2_with_programme_t"] == pytest.approx(60.0 - 30 * 1000 * 0.6 * 0.3 / 1000)
    assert r["investment_myr"] == pytest.approx(100_000)
    assert r["target_co2_t"] == pytest.approx(0.0)


def test_tiny_roadmap_transport_and_growth_by_hand():
    data = copy.deepcopy(TINY)
    data["city"]["housing"][0]["growth_ratio_per_year"] = 0.1
    data["shared_mobility"] = {"vehicle_km_per_year": [{"year": 2026, "value": 1000}, {"year": 2027, "value": 2000}],
                               "co2_kg_per_km_avoided": 0.2, "electricity_kwh_per_km": 0.1, "source": "assumption"}
    data["hydrogen_transport"] = {"kg_per_day": [{"year": 2027, "value": 10}], "co2_kg_per_kg_avoided": 10,
                                  "source": "assumption: test"}
    table = scale(roadmap_from_dict(data), [figures()]).set_index("year")
    r = table.loc[2026]
    assert r["homes_total"] == pytest.approx(110 + 50)                               # 100 × 1.1
    assert r["residential_co2_without_programme_t"] == pytest.approx((110 * 1000 + 50 * 2000) * 0.4 / 1000)
    assert r["mobility_tailpipe_co2_avoided_t"] == pytest.approx(0.2)                # 1000 km × 0.2 kg
    assert r["mobility_charging_co2_t"] == pytest.approx(0.04)                       # 1000 × 0.1 kWh × 0.4
    assert r["hydrogen_co2_avoided_t"] == 0.0                                        # before its first point
    r = table.loc[2027]
    assert r["hydrogen_kg"] == pytest.approx(3650)
    assert r["hydrogen_co2_avoided_t"] == pytest.approx(36.5)
    expected_net = r["residential_co2_with_programme_t"] - (0.4 - 2000 * 0.1 * 0.3 / 1000) - 36.5
    assert r["net_co2_t"] == pytest.approx(expected_net)
    # target: the base year 2025's stock (100 terraces) at 0.5 kg/kWh
    assert table.loc[2026, "target_co2_t"] == pytest.approx((100 * 1000 + 50 * 2000) * 0.5 / 1000 * 0.5)


def test_yearly_numbers_above_the_stock_are_an_error():
    data = copy.deepcopy(TINY)
    data["designs"][0]["adoption"]["homes_per_year"] = {2026: 60, 2027: 50}
    with pytest.raises(InputError, match=r"designs\[0\]\.adoption\.homes_per_year: by 2027 the converted homes "
                                         r"\(110\) exceed the 100 homes of terrace"):
        scale(roadmap_from_dict(data), [figures()])


def test_s_curve_starts_at_zero_and_stays_below_saturation():
    curve = SCurve(start_year=2026, midpoint_year=2035, steepness_per_year=0.5, saturation_ratio=0.6)
    share = curve.share(np.arange(2020, 2101))
    assert share[:6].tolist() == [0.0] * 6 and share[6] > 0                          # 2020–2025 nothing
    assert np.all(np.diff(share) >= 0) and share.max() <= 0.6
    assert share[-1] == pytest.approx(0.6, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(homes=st.floats(0, 1e6), growth=st.floats(-0.05, 0.1), start=st.integers(2020, 2040),
       mid=st.floats(2020, 2060), k=st.floats(0.05, 3), sat=st.floats(0.01, 1.0),
       import_ratio=st.floats(0, 1), factors=st.lists(st.floats(0, 1.5), min_size=3, max_size=3))
def test_s_curve_adoption_never_exceeds_the_stock_and_never_raises_co2(homes, growth, start, mid, k, sat,
                                                                        import_ratio, factors):
    data = copy.deepcopy(TINY)
    data["end_year"] = 2050
    data["city"]["housing"][0].update(homes=homes, growth_ratio_per_year=growth)
    data["designs"][0]["adoption"] = {"s_curve": {"start_year": start, "midpoint_year": mid,
                                                  "steepness_per_year": k, "saturation_ratio": sat},
                                      "source": "assumption"}
    data["grid"]["points"] = [{"year": y, "value": f} for y, f in zip((2025, 2035, 2050), factors)]
    table = scale(roadmap_from_dict(data), [figures(import_kwh=1000.0 * import_ratio)])
    terraces = homes * (1 + growth) ** (table["year"] - 2025)
    assert np.all(table["homes_converted"] <= terraces * (1 + 1e-9) + 1e-9)
    assert np.all(table["homes_converted_in_year"] >= 0)
    tol = 1e-9 * (1 + table["residential_co2_without_programme_t"])
    assert np.all(table["residential_co2_with_programme_t"] <= table["residential_co2_without_programme_t"] + tol)
    assert np.all(table["residential_co2_with_programme_t"] >= -tol)


@settings(max_examples=60, deadline=None)
@given(per_year=st.lists(st.floats(0, 50), min_size=25, max_size=25), growth=st.floats(-0.02, 0.05))
def test_yearly_adoption_within_the_stock_or_an_error(per_year, growth):
    data = copy.deepcopy(TINY)
    data["end_year"] = 2050
    data["grid"]["points"].append({"year": 2050, "value": 0.1})
    data["city"]["housing"][0]["growth_ratio_per_year"] = growth
    data["designs"][0]["adoption"]["homes_per_year"] = dict(zip(range(2026, 2051), per_year))
    roadmap = roadmap_from_dict(data)
    stock = 100 * (1 + growth) ** (np.arange(2026, 2051) - 2025)
    if np.any(np.cumsum(per_year) > stock * (1 + 1e-12)):
        with pytest.raises(InputError, match=r"designs\[0\]\.adoption\.homes_per_year: by \d{4}"):
            scale(roadmap, [figures()])
        return
    table = scale(roadmap, [figures()])
    assert np.all(table["homes_converted"].to_numpy() <= stock * (1 + 1e-12))
    # absolute tolerances: a subnormal count of homes (hypothesis draws 5e-324) is lost in the yearly differences
    np.testing.assert_allclose(table["homes_converted"], np.cumsum(per_year), atol=1e-9)
    np.testing.assert_allclose(table["investment_myr"], np.array(per_year) * 5000.0, atol=1e-6)
