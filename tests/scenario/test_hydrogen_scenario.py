"""The hydrogen section (community.hydrogen): validation with readable messages, offtake profiles."""

import copy

import numpy as np
import pandas as pd
import pytest

from zerodistrict.errors import InputError
from zerodistrict.scenario import load_scenario, scenario_from_dict

BASE = {
    "name": "t",
    "site": {"name": "x", "latitude": 1.6, "longitude": 110.3, "timezone": "Asia/Kuching", "country": "my"},
    "period": {"year": 2025, "days": 3},
    "homes": [{"group": "a", "count": 3, "load": {"archetype": "my-terrace", "annual_kwh": 5293},
               "pv": {"kwp": 4.0}}],
    "community": {"hydrogen": {
        "electrolyser": {"power_kw": 10},
        "tank": {"capacity_kg": 20},
        "offtake": {"vehicles": 2, "km_per_day": 50, "kg_per_100km": 10, "refuel_start": "22:00", "refuel_hours": 4},
        "grey_hydrogen": {"price_per_kg": 40, "source": "assumption"},
    }},
    "grid": {"currency": "myr", "import_price": 0.33, "emission_factor_kg_per_kwh": 0.21},
}


def hydrogen(**change):
    data = copy.deepcopy(BASE)
    for path, value in change.items():
        node = data["community"]["hydrogen"]
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return data


def test_defaults_and_derived_efficiency():
    h = scenario_from_dict(BASE).community.hydrogen
    assert h.electrolyser.kwh_per_kg == 55.0 and h.tank.pressure_class == "350bar" and h.fuel_cell is None
    assert h.charge_efficiency == pytest.approx(33.33 / 55.0)
    assert h.offtake.kg_per_day == pytest.approx(10.0)  # 2 × 50 km × 10 kg/100 km


@pytest.mark.parametrize("path, value, message", [
    ("electrolyser__kwh_per_kg", 30, r"community.hydrogen.electrolyser.kwh_per_kg: Input should be greater than or equal to 39.4"),
    ("electrolyser__min_load_ratio", 1.0, r"community.hydrogen.electrolyser.min_load_ratio: Input should be less than 1"),
    ("electrolyser__water_l_per_kg", 5, r"community.hydrogen.electrolyser.water_l_per_kg: Input should be greater than or equal to 9"),
    ("tank__capacity_kg", -1, r"community.hydrogen.tank.capacity_kg: Input should be greater than or equal to 0"),
    ("tank__pressure_class", "900bar", r"community.hydrogen.tank.pressure_class: Input should be '200bar'"),
    ("tank__loss_ratio_per_day", 0.2, r"community.hydrogen.tank.loss_ratio_per_day: Input should be less than or equal to 0.05"),
    ("offtake__kg_per_100km", 80, r"community.hydrogen.offtake.TransportDemand.kg_per_100km: Input should be less than or equal to 50"),
    ("grey_hydrogen__co2_kg_per_kg", 50, r"community.hydrogen.grey_hydrogen.co2_kg_per_kg: Input should be less than or equal to 40"),
    ("priority", "first", r"community.hydrogen.priority: Input should be 'after_batteries', 'before_batteries' or 'last'"),
    ("electrolyser__stack", 3, r"community.hydrogen.electrolyser.stack: unknown field"),
])
def test_bad_values_name_the_field(path, value, message):
    with pytest.raises(InputError, match=message):
        scenario_from_dict(hydrogen(**{path: value}))


def test_fuel_cell_needs_a_tank():
    data = hydrogen(tank__capacity_kg=0, fuel_cell={"power_kw": 5})
    with pytest.raises(InputError, match=r"community.hydrogen: .*a fuel cell needs a tank"):
        scenario_from_dict(data)


def test_the_store_name_is_unique_in_the_community():
    data = hydrogen(name="central")
    data["community"]["batteries"] = [{"name": "central", "capacity_kwh": 10, "power_kw": 5}]
    with pytest.raises(InputError, match=r"the name 'central' is used by two community batteries, EV fleets or the "
                                         r"hydrogen store"):
        scenario_from_dict(data)


def test_transport_offtake_is_drawn_evenly_in_the_refuelling_window():
    h = scenario_from_dict(BASE).community.hydrogen
    index = pd.date_range("2025-01-01", periods=72, freq="h", tz="Asia/Kuching")
    kg = h.offtake_kg(index, 1.0)
    hours = index.hour
    inside = (hours >= 22) | (hours < 2)
    np.testing.assert_allclose(kg[inside], 2.5)  # 10 kg over 4 h
    assert (kg[~inside] == 0).all()
    # 15-minute steps draw the same per day
    index15 = pd.date_range("2025-01-02", periods=96, freq="15min", tz="Asia/Kuching")
    assert h.offtake_kg(index15, 0.25).sum() == pytest.approx(10.0)


def test_offtake_days_belong_to_the_day_the_window_opens():
    data = hydrogen(offtake__days=["fri"])  # 2025-01-03 is a Friday
    h = scenario_from_dict(data).community.hydrogen
    index = pd.date_range("2025-01-03", periods=48, freq="h", tz="Asia/Kuching")
    kg = h.offtake_kg(index, 1.0)
    drawn = index[kg > 0]
    assert list(drawn.strftime("%a %H")) == ["Fri 22", "Fri 23", "Sat 00", "Sat 01"]


def test_csv_offtake(tmp_path):
    index = pd.date_range("2025-01-01", periods=72, freq="h", tz="Asia/Kuching")
    path = tmp_path / "offtake.csv"
    pd.DataFrame({"time": index.strftime("%Y-%m-%dT%H:%M:%S%z"), "kg": np.arange(72) % 3}).to_csv(path, index=False)
    data = hydrogen(offtake={"csv": str(path)})
    h = scenario_from_dict(data).community.hydrogen
    np.testing.assert_allclose(h.offtake_kg(index, 1.0), np.arange(72) % 3)


def test_depot_preset_cites_its_sizes_and_loads():
    sc = load_scenario("kuching-north-h2-depot")
    h = sc.community.hydrogen
    assert h.offtake.vehicles == 1 and h.offtake.kg_per_100km == 21.5
    assert h.fuel_cell.outage_only
