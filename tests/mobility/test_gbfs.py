"""GBFS import: the 2.3 and 3.0 fixtures (four ports near Omiya) and bad feeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from paths import TEST_DATA
from zerodistrict.errors import InputError
from zerodistrict.mobility import Demand, Mobility, simulate_mobility
from zerodistrict.mobility.gbfs import load_gbfs

DATA = TEST_DATA / "gbfs"


def test_v23_and_v30_load_to_the_same_ports_and_fleet():
    stations_23, types_23 = load_gbfs(DATA / "v2.3")
    stations_30, types_30 = load_gbfs(DATA / "v3.0")
    assert stations_23 == stations_30
    assert types_23 == types_30


def test_fixture_values():
    stations, types = load_gbfs(DATA / "v3.0", charger_kw=0.5, district_powered=["shintoshin"])
    by_id = {s.id: s for s in stations}
    assert list(by_id) == ["omiya-east", "shintoshin", "super-arena", "hikawa"]
    assert by_id["omiya-east"].name == "大宮駅東口"
    assert (by_id["omiya-east"].latitude, by_id["omiya-east"].longitude) == (35.9063, 139.6238)
    assert by_id["omiya-east"].docks == 20
    assert by_id["omiya-east"].charger_kw == 0.5  # is_charging_station: true
    assert by_id["hikawa"].charger_kw == 0.0
    assert [s.district_powered for s in stations] == [False, True, False, False]
    kinds = {t.id: (t.kind, t.count) for t in types}
    assert kinds == {"assist": ("e-bike", 18), "kick": ("e-scooter", 7), "cpod": ("small-ev", 2)}
    kick = next(t for t in types if t.id == "kick")
    assert kick.consumption_kwh_per_km == pytest.approx(0.55 / 45.0)  # 551 Wh over max_range_meters 45,000
    assert kick.initial == {"omiya-east": 3, "shintoshin": 2, "super-arena": 2}


def test_v30_localized_names_follow_the_language():
    stations, _ = load_gbfs(DATA / "v3.0", language="en")
    assert stations[0].name == "Omiya Station East Exit"
    stations, _ = load_gbfs(DATA / "v3.0", language="fr")  # not offered: first entry
    assert stations[0].name == "Omiya Station East Exit"


def test_imported_feed_runs_in_the_simulation():
    stations, types = load_gbfs(DATA / "v2.3")
    m = Mobility(stations=stations, vehicle_types=types, demand=Demand(trips_per_day=40))
    index = pd.date_range("2025-04-01", periods=48, freq="h", tz="Asia/Tokyo")
    r = simulate_mobility(m, index, np.full(48, 0.437), seed=1)
    assert r.kpis["mobility_trips_served_ratio"] > 0
    assert r.vehicles.groupby("vehicle_type").size().to_dict() == {"assist": 18, "cpod": 2, "kick": 7}


# --------------------------------------------------------------------------- bad feeds


@pytest.fixture
def feed(tmp_path):
    """A writable copy of the 3.0 fixture and a helper that edits one of its files."""
    folder = tmp_path / "feed"
    shutil.copytree(DATA / "v3.0", folder)

    def edit(name: str, change) -> Path:
        path = folder / name
        doc = json.loads(path.read_text(encoding="utf-8"))
        change(doc)
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return folder

    return folder, edit


def test_missing_file(feed):
    folder, _ = feed
    (folder / "vehicle_types.json").unlink()
    with pytest.raises(InputError, match=r"vehicle_types\.json: GBFS file not found"):
        load_gbfs(folder)


def test_malformed_json(feed):
    folder, _ = feed
    (folder / "station_status.json").write_text('{"data": {', encoding="utf-8")
    with pytest.raises(InputError, match=r"station_status\.json: malformed JSON: .*line 1"):
        load_gbfs(folder)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("station_information.json", lambda d: d["data"]["stations"][1].pop("lat"),
         r"station_information\.json: data\.stations\[1\]\.lat: required field is missing"),
        ("station_information.json", lambda d: d["data"]["stations"][0].update(lon="139.6"),
         r"station_information\.json: data\.stations\[0\]\.lon: wrong type, got '139\.6'"),
        ("station_information.json", lambda d: d["data"]["stations"][0].update(lat=135.0),
         r"station_information\.json: data\.stations\[0\]\.lat: Input should be less than or equal to 90"),
        ("station_information.json", lambda d: d["data"]["stations"][2].update(name=42),
         r"station_information\.json: data\.stations\[2\]\.name: expected a string \(2\.3\) or a list"),
        ("station_information.json", lambda d: d["data"]["stations"][0].update(capacity=-3),
         r"station_information\.json: data\.stations\[0\]\.capacity: expected a whole number ≥ 0, got -3"),
        ("station_information.json", lambda d: d.update(version="1.1"),
         r"station_information\.json: version: GBFS 1\.1 is not supported; use 2\.3 or 3\.0"),
        ("station_information.json", lambda d: d["data"].pop("stations"),
         r"station_information\.json: data\.stations: required list is missing"),
        ("station_status.json", lambda d: d["data"]["stations"][0]["vehicle_types_available"][0].update(
            vehicle_type_id="tram"),
         r"station_status\.json: data\.stations\[0\]\.vehicle_types_available\[0\]\.vehicle_type_id: 'tram' is not"),
        ("station_status.json", lambda d: d["data"]["stations"][1].pop("vehicle_types_available"),
         r"station_status\.json: data\.stations\[1\]\.vehicle_types_available: required when the feed has 3"),
        ("station_status.json", lambda d: d["data"]["stations"][0].update(station_id="urawa"),
         r"station_status\.json: station_id 'urawa' is not in station_information\.json"),
        ("vehicle_types.json", lambda d: d["data"]["vehicle_types"][2].update(propulsion_type="combustion"),
         r"vehicle_types\.json: data\.vehicle_types\[2\]: form_factor 'car' with propulsion_type 'combustion'"),
        ("vehicle_types.json", lambda d: d["data"]["vehicle_types"][0].update(max_range_meters=0),
         r"vehicle_types\.json: data\.vehicle_types\[0\]\.max_range_meters: expected a number > 0, got 0"),
        ("vehicle_types.json", lambda d: d.pop("data"),
         r"vehicle_types\.json: data: required object is missing"),
    ],
)
def test_bad_feed_names_file_and_field(feed, name, change, message):
    _, edit = feed
    folder = edit(name, change)
    with pytest.raises(InputError, match=message):
        load_gbfs(folder)
