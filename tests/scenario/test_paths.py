"""Scenario field paths (zerodistrict.scenario.paths): parsing, setting values, errors naming the path."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.errors import InputError
from zerodistrict.scenario.loading import PRESET_DIR, scenario_from_dict
from zerodistrict.scenario.paths import apply_parameters, parse_path

BASE = yaml.safe_load((PRESET_DIR / "saitama-misono.yaml").read_text(encoding="utf-8"))


def test_parse_path():
    assert parse_path("homes[0].pv.kwp") == ["homes", 0, "pv", "kwp"]
    assert parse_path("community.evs[1].trips[0].return") == ["community", "evs", 1, "trips", 0, "return"]


@settings(max_examples=25, deadline=None)
@given(kwp=st.floats(0.5, 20), capacity_kwh=st.floats(0, 500), seed=st.integers(0, 10_000))
def test_values_reach_the_validated_scenario(kwp, capacity_kwh, seed):
    data = apply_parameters(BASE, {"homes[0].pv.kwp": kwp, "community.batteries[0].capacity_kwh": capacity_kwh,
                                   "weather.seed": seed})
    scenario = scenario_from_dict(data, base_dir=PRESET_DIR)
    assert scenario.homes[0].pv.kwp == kwp
    assert scenario.community.batteries[0].capacity_kwh == capacity_kwh
    assert scenario.weather.seed == seed
    assert BASE["homes"][0]["pv"]["kwp"] == 4.4  # the base is left as it was


def test_a_section_the_base_leaves_out_is_added():
    data = apply_parameters(BASE, {"economics.battery_per_kwh": 90_000})
    assert data["economics"] == {"battery_per_kwh": 90_000}
    assert "economics" not in BASE


@pytest.mark.parametrize(("path", "message"), [
    ("homes[3].pv.kwp", r"homes\[3\]\.pv\.kwp: the base scenario's homes has 1 item\(s\), so no homes\[3\]"),
    ("homes[0].pv.kwpp", r"homes\[0\]\.pv\.kwpp: homes\[0\]\.pv has no field 'kwpp'; its fields: .*kwp"),
    ("economics.battery_cost_per_kwh", r"economics has no field 'battery_cost_per_kwh'; its fields: .*battery_per_kwh"),
    ("homes.0", r"homes\.0: not a scenario field path"),
    ("grid.currency.code", r"grid\.currency\.code: grid\.currency is 'JPY' in the base scenario, not a section"),
    ("community.evs[0].trips[0].distance_km", r"community\.evs\[0\]\.trips\[0\] has no field 'distance_km'"),
])
def test_bad_paths_are_named(path, message):
    with pytest.raises(InputError, match=message):
        apply_parameters(BASE, {path: 1})
