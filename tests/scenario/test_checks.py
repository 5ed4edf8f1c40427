"""Every input checked: non-finite and implausible numbers, ambiguity, contradictions, limits, and the
checks of ``run`` that need no simulation (:func:`zerodistrict.pipeline.check_inputs`)."""

import copy
import re
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from zerodistrict.cli import app
from zerodistrict.errors import InputError
from zerodistrict.pipeline import run
from zerodistrict.scenario import loading, scenario_from_dict
from zerodistrict.scenario.base import MAX_HOME_GROUPS, MAX_HOMES, MAX_SCENARIO_BYTES
from zerodistrict.scenario.preflight import check_inputs
from zerodistrict.strict_yaml import read_mapping

BASE = {
    "name": "t",
    "site": {"name": "x", "latitude": 35.9, "longitude": 139.7, "timezone": "Asia/Tokyo", "country": "JP"},
    "period": {"year": 2025, "start": "2025-06-02", "days": 2},
    "homes": [{"group": "a", "count": 3, "load": {"archetype": "jp-detached", "annual_kwh": 4175},
               "pv": {"kwp": 4.4}, "battery": {"capacity_kwh": 5, "power_kw": 3}}],
    "grid": {"currency": "JPY", "import_price": 30, "emission_factor_kg_per_kwh": 0.437},
}


def changed(path: str, value):
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    node[int(last) if last.isdigit() else last] = value
    return data


def write(tmp_path, text: str, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("path", ["homes.0.pv.kwp", "homes.0.load.annual_kwh", "grid.import_price",
                                  "grid.emission_factor_kg_per_kwh", "homes.0.battery.capacity_kwh",
                                  "community.line_loss_ratio"])
def test_non_finite_numbers_are_refused_with_the_field(path, value):
    field = re.escape(re.sub(r"\.(\d+)", r"[\1]", path))
    with pytest.raises(InputError, match=rf"{field}: .*finite number"):
        scenario_from_dict(changed(path, value), source="s.yaml")


def test_yaml_nan_and_inf_literals(tmp_path):
    text = yaml.safe_dump(BASE).replace("annual_kwh: 4175", "annual_kwh: .inf")
    with pytest.raises(InputError, match=r"homes\[0\]\.load\.annual_kwh: Input should be a finite number"):
        loading.load_scenario(write(tmp_path, text))


@pytest.mark.parametrize("path, value, bound", [
    ("homes.0.pv.kwp", 1e9, "100"),
    ("homes.0.load.annual_kwh", 1e7, "100000"),
    ("homes.0.battery.capacity_kwh", 5000, "200"),
    ("homes.0.count", 1_000_000, f"{MAX_HOMES}"),
    ("grid.import_price", 1e12, "100000"),
    ("grid.emission_factor_kg_per_kwh", 50, "3"),
    ("community.line_loss_ratio", 0.9, "0.3"),
])
def test_implausible_sizes_name_the_range(path, value, bound):
    with pytest.raises(InputError, match=rf"less than or equal to {bound}"):
        scenario_from_dict(changed(path, value))


# --------------------------------------------------------------------------- ambiguity


def test_duplicate_yaml_key_names_key_and_lines(tmp_path):
    text = "name: a\nsite:\n  name: x\n  latitude: 1\n  name: y\n"
    with pytest.raises(InputError, match=re.escape("line 5, column 3: key 'name' is given twice (first on line 3)")):
        loading.load_scenario(write(tmp_path, text))


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    base = yaml.safe_dump(BASE, sort_keys=False)
    text = base + "x-defaults: &d {count: 2}\n"
    text = text.replace("- group: a\n    count: 3\n", "- <<: *d\n    group: a\n    count: 3\n")
    data = read_mapping(text, "s")
    assert data["homes"][0]["count"] == 3


@pytest.mark.parametrize("periods, message", [
    ([{"start": "08:00", "end": "12:00", "price": 40}, {"start": "11:00", "end": "13:00", "price": 50}],
     r"periods\[0\] and periods\[1\] overlap on mon"),
    ([{"start": "22:00", "end": "07:00", "price": 20}, {"start": "06:00", "end": "08:00", "price": 50}],
     r"periods\[0\] and periods\[1\] overlap on mon"),  # Sunday night wraps into Monday morning
    ([{"start": "08:00", "end": "08:00", "price": 40}], r"start 08:00 equals end 08:00"),
])
def test_ambiguous_price_periods(periods, message):
    with pytest.raises(InputError, match=message):
        scenario_from_dict(changed("grid.import_price", {"default": 30, "periods": periods}))


def test_price_periods_on_different_days_may_share_hours():
    sc = scenario_from_dict(changed("grid.import_price", {"default": 30, "periods": [
        {"start": "08:00", "end": "20:00", "price": 40, "days": ["mon", "tue"]},
        {"start": "08:00", "end": "20:00", "price": 35, "days": ["sat", "sun"]},
        {"start": "20:00", "end": "08:00", "price": 20}]}))
    assert len(sc.grid.import_price.periods) == 3


def test_overlapping_ev_trips():
    data = changed("community.evs", [{"count": 1, "battery_kwh": 40, "charger_kw": 6, "trips": [
        {"depart": "08:00", "return": "12:00", "trip_kwh": 5},
        {"depart": "11:00", "return": "13:00", "trip_kwh": 5, "days": ["mon"]}]}])
    with pytest.raises(InputError, match=r"trips\[0\] and trips\[1\] overlap on mon"):
        scenario_from_dict(data)


@pytest.mark.parametrize("grid, message", [
    ({"connected": False, "export_allowed": True}, r"connected is false .* but export_allowed is given"),
    ({"connected": False, "import_limit_kw": 100}, r"but import_limit_kw is given"),
    ({"export_limit_kw": 50}, r"export_limit_kw is given but export_allowed is false"),
])
def test_contradictory_grid_settings(grid, message):
    data = copy.deepcopy(BASE)
    data["grid"].update(grid)
    with pytest.raises(InputError, match=message):
        scenario_from_dict(data)


# --------------------------------------------------------------------------- limits


def test_file_size_is_checked_before_parsing(tmp_path, monkeypatch):
    path = write(tmp_path, yaml.safe_dump(BASE))
    monkeypatch.setattr(loading, "MAX_SCENARIO_BYTES", 100)
    with pytest.raises(InputError, match=r"s\.yaml: the scenario file has \d+ bytes; the limit is 100"):
        loading.load_scenario(path)
    assert MAX_SCENARIO_BYTES >= 1_000_000


def test_too_many_groups_refused_fast():
    data = copy.deepcopy(BASE)
    group = data["homes"][0]
    data["homes"] = [dict(group, group=f"g{i}", count=1) for i in range(4 * MAX_HOME_GROUPS)]
    start = time.perf_counter()
    with pytest.raises(InputError, match=rf"homes: 40,000 home groups; the limit is {MAX_HOME_GROUPS:,}"):
        scenario_from_dict(data)
    assert time.perf_counter() - start < 2.0


def test_many_groups_validate_fast():
    data = copy.deepcopy(BASE)
    group = data["homes"][0]
    data["homes"] = [dict(group, group=f"g{i}", count=1) for i in range(MAX_HOME_GROUPS)]
    start = time.perf_counter()
    assert scenario_from_dict(data).n_homes == MAX_HOME_GROUPS
    assert time.perf_counter() - start < 10.0  # ≈0.3 s alone


def test_homes_and_home_steps_limits():
    data = copy.deepcopy(BASE)
    data["homes"] = [dict(data["homes"][0], group=f"g{i}", count=MAX_HOMES // 2 + 1) for i in range(2)]
    with pytest.raises(InputError, match=rf"{MAX_HOMES + 2:,} homes in all; the limit is {MAX_HOMES:,}"):
        scenario_from_dict(data)
    data = changed("homes.0.count", 5000)
    data["period"] = {"year": 2025, "step_minutes": 15}
    with pytest.raises(InputError, match=r"5,000 homes × 35,040 steps = 175,200,000; the limit is 100,000,000"):
        scenario_from_dict(data)


# --------------------------------------------------------------------------- check_inputs


def test_outage_must_start_inside_the_period_and_not_overlap():
    sc = scenario_from_dict(changed("grid.outages", [{"start": "2025-07-01T00:00", "hours": 2}]))
    with pytest.raises(InputError, match=r"grid\.outages\[0\]: starts at 2025-07-01T00:00:00\+09:00, outside"):
        check_inputs(sc)
    sc = scenario_from_dict(changed("grid.outages", [{"start": "2025-06-02T10:00", "hours": 5},
                                                     {"start": "2025-06-02T12:00", "hours": 1}]))
    with pytest.raises(InputError, match=r"grid\.outages\[0\] and grid\.outages\[1\] overlap"):
        check_inputs(sc)


def test_named_climatology_far_from_the_site():
    sc = scenario_from_dict(changed("weather", {"climate": "penang"}))
    with pytest.raises(InputError, match=r"weather\.climate: climatology 'penang' is [\d,]+ km from site x .* "
                                         r"the limit is 150 km"):
        check_inputs(sc)
    check_inputs(scenario_from_dict(changed("weather", {"climate": "saitama"})))


def test_unknown_country_needs_economics_or_says_none():
    data = changed("site.country", "TH")
    with pytest.raises(InputError, match=r"site\.country: no default economics for country 'TH'.*'economics: none'"):
        check_inputs(scenario_from_dict(data))
    for skipped in (None, "none"):
        sc = scenario_from_dict(dict(data, economics=skipped))
        assert sc.economics_skipped
        check_inputs(sc)
    assert not scenario_from_dict(BASE).economics_skipped


@pytest.mark.parametrize("country", ["TH", "JP"])
def test_economics_none_runs_without_costs(country):
    sc = scenario_from_dict(dict(changed("site.country", country), economics="none"))
    assert loading.dump_scenario(sc).rstrip().endswith("economics: null")
    assert scenario_from_dict(yaml.safe_load(loading.dump_scenario(sc))).economics_skipped
    res = run(sc, resilience_hours=None)
    assert res.kpis.capex is None and res.economics is None


def _csv(tmp_path, values, name="load.csv"):
    index = pd.date_range("2025-06-02", periods=48, freq="h")
    pd.DataFrame({"time": index.strftime("%Y-%m-%dT%H:%M"), "kW": values}).to_csv(tmp_path / name, index=False)
    return tmp_path / name


@pytest.mark.parametrize("bad, message", [
    ("inf", r"value inf on data row 5 is not finite"),
    ("1e400", r"value inf on data row 5 is not finite"),
    ("9000", r"value 9000 on data row 5 is beyond the plausible 500"),
])
def test_csv_values_checked_by_validate(tmp_path, bad, message):
    values = ["1.0"] * 48
    values[4] = bad
    data = changed("homes.0.load", {"csv": str(_csv(tmp_path, values))})
    path = write(tmp_path, yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(message, result.output.replace("\n", "")), result.output


def test_validate_ok_means_run_starts(tmp_path):
    values = [str(v) for v in np.linspace(0.2, 1.5, 48)]
    data = changed("homes.0.load", {"csv": str(_csv(tmp_path, values))})
    path = write(tmp_path, yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and "ok: t" in result.output
    assert run(loading.load_scenario(path), resilience_hours=None).kpis.load_kwh > 0


def test_outage_in_a_daylight_saving_gap():
    data = changed("site", {"name": "NY", "latitude": 40.7, "longitude": -74.0, "timezone": "America/New_York",
                            "country": "US"})
    data.update(period={"year": 2025, "start": "2025-03-08", "days": 3}, economics=None)
    data["grid"]["outages"] = [{"start": "2025-03-09T02:30", "hours": 1}]
    with pytest.raises(InputError, match=r"grid\.outages\[0\]\.start: .* does not exist or is ambiguous"):
        check_inputs(scenario_from_dict(data))


def test_stdin_size_limit(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(loading, "MAX_SCENARIO_BYTES", 50)
    monkeypatch.setattr(sys, "stdin", io.StringIO(yaml.safe_dump(BASE)))
    with pytest.raises(InputError, match=r"<stdin>: the scenario is larger than the limit of 50 bytes"):
        loading.load_scenario("-")


def test_unusable_file_names_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"not a usable file name"):
        loading.load_scenario("x" * 5000 + ".yaml")
    with pytest.raises(InputError, match=r"homes\[0\]\.load\.csv: not a usable file name"):
        scenario_from_dict(changed("homes.0.load", {"csv": "y" * 5000 + ".csv"}))
