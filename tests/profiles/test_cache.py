"""The disk cache of a site's profiles (:mod:`zerodistrict.profiles.cache`): a run from the cache is the run
without it, bit for bit; any change of what the profiles depend on is a new entry; a bad cache is passed over."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from zerodistrict import pipeline
from zerodistrict.profiles import cache
from zerodistrict.scenario import dump_scenario, load_scenario
from zerodistrict.scenario.loading import scenario_from_dict


def short(name: str, days: int = 4, **changes):
    data = yaml.safe_load(dump_scenario(load_scenario(name)))
    data["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-07-01", "days": days}
    for key, value in changes.items():
        data[key] = value
    return scenario_from_dict(data)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "profiles"


def entries(folder) -> list:
    return sorted(folder.glob("*.npz")) if folder.is_dir() else []


def refuse(*args, **kwargs):
    raise AssertionError("computed although cached")


def same_profiles(a, b) -> None:
    assert a.key == b.key and a.index.equals(b.index)
    if a.weather is None:
        assert b.weather is None
    else:
        assert list(a.weather.columns) == list(b.weather.columns) and a.weather.index.equals(b.weather.index)
        assert np.array_equal(a.weather.to_numpy(), b.weather.to_numpy())
    for name in ("pv_kw_per_kwp", "load_kw"):
        x, y = getattr(a, name), getattr(b, name)
        assert list(x) == list(y) and all(np.array_equal(x[k], y[k]) for k in x)
    assert list(a.space_conditioning_kw) == list(b.space_conditioning_kw)
    for k, (heat, cool) in a.space_conditioning_kw.items():
        assert np.array_equal(heat, b.space_conditioning_kw[k][0]) and np.array_equal(cool, b.space_conditioning_kw[k][1])


@pytest.mark.parametrize("preset", ["saitama-misono", "kuala-lumpur-wangsa-maju-retrofit", "kuching-north"])
def test_the_second_run_reads_the_first_runs_profiles_bit_for_bit(cache_dir, monkeypatch, preset):
    sc = short(preset)
    computed = pipeline.site_profiles(sc)
    assert len(entries(cache_dir)) == 1
    monkeypatch.setattr(pipeline.weather_mod, "weather_for", refuse)
    monkeypatch.setattr(pipeline.pv_mod, "pv_ac_kw_per_kwp", refuse)
    monkeypatch.setattr(pipeline.loads_mod, "group_load", refuse)
    said = []
    again = pipeline.site_profiles(sc, progress=said.append)
    assert said == ["weather, loads and PV from the cache"]
    same_profiles(computed, again)


def test_a_whole_run_from_the_cache_equals_the_run_without_it(cache_dir, monkeypatch):
    sc = short("saitama-misono", days=3)
    monkeypatch.setenv(cache.ENV, "off")
    plain = pipeline.run(sc, dispatch="rule", resilience_hours=24)
    assert entries(cache_dir) == []  # off writes nothing
    monkeypatch.setenv(cache.ENV, str(cache_dir.parent))
    pipeline.run(sc, dispatch="rule", resilience_hours=24)
    monkeypatch.setattr(pipeline.pv_mod, "pv_ac_kw_per_kwp", refuse)
    cached = pipeline.run(sc, dispatch="rule", resilience_hours=24)
    assert cached.kpis.model_dump() == plain.kpis.model_dump()
    assert np.array_equal(cached.dispatch.home_import_kw, plain.dispatch.home_import_kw)


def test_what_the_profiles_depend_on_makes_a_new_entry(cache_dir):
    base = short("saitama-misono")
    pipeline.site_profiles(base)
    data = yaml.safe_load(dump_scenario(base))
    data["homes"][0]["pv"]["tilt_deg"] = data["homes"][0]["pv"]["tilt_deg"] + 5
    pipeline.site_profiles(scenario_from_dict(data))
    pipeline.site_profiles(short("saitama-misono", days=5))
    assert len(entries(cache_dir)) == 3
    # what they do not depend on (a battery) shares the entry
    data = yaml.safe_load(dump_scenario(base))
    data["name"] = "another name"
    pipeline.site_profiles(scenario_from_dict(data))
    assert len(entries(cache_dir)) == 3


def test_a_changed_file_the_scenario_names_is_a_new_entry(cache_dir, tmp_path, monkeypatch):
    sc = short("saitama-misono", days=2)
    csv = tmp_path / "load.csv"
    times = sc.index()
    csv.write_text("time,kW\n" + "".join(f"{t.isoformat()},{0.5 + (i % 24) / 48}\n" for i, t in enumerate(times)))
    data = yaml.safe_load(dump_scenario(sc))
    data["homes"] = [dict(data["homes"][0], load={"csv": str(csv)}, building=None, household=None)]
    with_csv = scenario_from_dict(data)
    first = pipeline.site_profiles(with_csv)
    csv.write_text("time,kW\n" + "".join(f"{t.isoformat()},{1.5}\n" for t in times))
    second = pipeline.site_profiles(with_csv)
    assert len(entries(cache_dir)) == 2
    (key,) = first.load_kw
    assert not np.array_equal(first.load_kw[key], second.load_kw[key])
    assert np.all(second.load_kw[key] == 1.5)


def test_a_damaged_entry_is_computed_again_and_replaced(cache_dir):
    sc = short("saitama-misono", days=2)
    computed = pipeline.site_profiles(sc)
    (entry,) = entries(cache_dir)
    entry.write_bytes(entry.read_bytes()[:100])
    again = pipeline.site_profiles(sc)
    same_profiles(computed, again)
    assert entry.stat().st_size > 100


def test_an_unwritable_cache_is_passed_over(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(cache.ENV, str(blocker))
    assert pipeline.site_profiles(short("saitama-misono", days=2)).load_kw


def test_the_entries_read_least_recently_go_first(cache_dir, monkeypatch):
    first = short("saitama-misono", days=2)
    pipeline.site_profiles(first)
    (kept,) = entries(cache_dir)
    monkeypatch.setattr(cache, "MAX_BYTES", int(kept.stat().st_size * 3.6))  # about 3.5 days of entries
    pipeline.site_profiles(short("saitama-misono", days=3))
    pipeline.site_profiles(first)  # read again: now the most recent
    pipeline.site_profiles(short("saitama-misono", days=4))
    names = {p.name for p in entries(cache_dir)}
    assert kept.name in names and len(names) == 2
    assert sum(p.stat().st_size for p in entries(cache_dir)) <= cache.MAX_BYTES
    assert cache.clear() == 2 and entries(cache_dir) == []


def test_a_run_from_the_cache_does_not_load_pvlib(cache_dir, tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(dump_scenario(short("penang-george-town", days=3)))
    probe = ("import json, sys\nfrom zerodistrict.cli import app\ntry:\n    app(['run', {p!r}, '--resilience-hours', '0'])\n"
             "except SystemExit as exc:\n    assert not exc.code, exc.code\nprint(json.dumps('pvlib' in sys.modules))")
    env = {**__import__("os").environ, cache.ENV: str(cache_dir.parent)}
    loaded = [json.loads(subprocess.run([sys.executable, "-c", probe.format(p=str(path))], env=env, check=True,
                                        capture_output=True, text=True).stdout.strip().splitlines()[-1])
              for _ in range(2)]
    assert loaded == [True, False]


def test_the_default_folder_is_the_users_cache_or_none(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "zerodistrict" / "profiles"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(cache.Path, "home", classmethod(lambda cls: (_ for _ in ()).throw(RuntimeError("no home"))))
    assert cache.cache_dir() is None
    monkeypatch.setenv(cache.ENV, "OFF")
    assert cache.cache_dir() is None
