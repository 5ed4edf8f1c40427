"""Scenario validation: every bad input gets one message naming the field or file."""

import copy
import io
import sys
from pathlib import Path

import pytest
import yaml

from zerodistrict.errors import InputError
from zerodistrict.scenario import dump_scenario, list_presets, load_scenario, scenario_from_dict

BASE = {
    "name": "t",
    "site": {"name": "x", "latitude": 35.9, "longitude": 139.7, "timezone": "Asia/Tokyo", "country": "jp"},
    "period": {"year": 2025},
    "homes": [{"group": "a", "count": 3, "load": {"archetype": "jp-detached", "annual_kwh": 4175},
               "pv": {"kwp": 4.4}, "battery": {"capacity_kwh": 5, "power_kw": 3}}],
    "grid": {"currency": "jpy", "import_price": 30, "emission_factor_kg_per_kwh": 0.437},
}


def with_change(path: str, value):
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


def test_valid_scenario_defaults():
    sc = scenario_from_dict(BASE)
    assert sc.n_homes == 3
    assert sc.grid.currency == "JPY" and sc.site.country == "JP"
    assert sc.weather.source == "synthetic"
    assert len(sc.index()) == 8760
    assert sc.homes[0].battery.charge_efficiency == 0.95


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("grid.bogus", 1, r"grid\.bogus: unknown field"),
        ("homes.0.pv.kwp", -1, r"homes\[0\]\.pv\.kwp: Input should be greater than or equal to 0 \(got -1\)"),
        ("homes.0.battery.charge_efficiency", 1.2, r"homes\[0\]\.battery\.charge_efficiency: .*less than or equal to 1"),
        ("site.latitude", 95, r"site\.latitude: .*less than or equal to 90"),
        ("site.timezone", "Mars/Olympus", r"site\.timezone: unknown time zone 'Mars/Olympus'"),
        ("homes", [], r"homes: at least one home group is needed"),
        ("homes.0.count", 0, r"homes\[0\]\.count: .*greater than or equal to 1"),
        ("homes.0.load", {"csv": "missing.csv"}, r"homes\[0\]\.load\.csv: file not found"),
        ("period.step_minutes", 30, r"period\.step_minutes"),
        ("grid.currency", KeyError, r"grid\.currency: required field is missing"),
        ("homes.0.battery.initial_soc_ratio", 0.05, r"initial_soc_ratio 0\.05 is below min_soc_ratio 0\.1"),
    ],
)
def test_bad_fields_are_named(path, value, message):
    with pytest.raises(InputError, match=message):
        scenario_from_dict(with_change(path, value), source="s.yaml")


def test_duplicate_group_names():
    data = copy.deepcopy(BASE)
    data["homes"].append(copy.deepcopy(data["homes"][0]))
    with pytest.raises(InputError, match="home group name 'a' is used twice"):
        scenario_from_dict(data)


def test_malformed_yaml_names_file_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\nsite: [unclosed\n")
    with pytest.raises(InputError, match=r"bad\.yaml: line \d+, column \d+: malformed YAML"):
        load_scenario(f)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(InputError, match=r"unknown preset 'atlantis'.*saitama-misono"):
        load_scenario("atlantis")


def test_paths_resolve_against_the_yaml_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "load.csv").write_text("time,kw\n")
    data = with_change("homes.0.load", {"csv": "load.csv"})
    f = tmp_path / "sub" / "s.yaml"
    f.write_text(yaml.safe_dump(data))
    sc = load_scenario(f)
    assert sc.homes[0].load.csv == (tmp_path / "sub" / "load.csv").resolve()


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(yaml.safe_dump(BASE)))
    assert load_scenario("-").name == "t"


@pytest.mark.parametrize("name", list_presets())
def test_presets_validate_and_round_trip(name):
    sc = load_scenario(name)
    again = scenario_from_dict(yaml.safe_load(dump_scenario(sc)), base_dir=Path("/"))
    assert again == sc


def test_presets_exist():
    assert {"saitama-misono", "kuala-lumpur-wangsa-maju", "penang-george-town", "kuching-north"} <= set(list_presets())


def test_period_days_and_dst_zone():
    sc = scenario_from_dict(with_change("period", {"year": 2024, "start": "2024-03-30", "days": 2, "step_minutes": 15}))
    assert len(sc.index()) == 192
    with pytest.raises(InputError, match=r"period: .*run past the end of 2024"):
        scenario_from_dict(with_change("period", {"year": 2024, "start": "2024-12-30", "days": 5}))


def test_a_folder_named_like_a_preset_does_not_hide_the_preset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "saitama-misono").mkdir()  # an earlier `--out saitama-misono`
    assert load_scenario("saitama-misono").name == "saitama-misono"
    (tmp_path / "results").mkdir()
    with pytest.raises(InputError, match=r"^results: a folder, not a scenario file"):
        load_scenario("results")
