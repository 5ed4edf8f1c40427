"""The typed Result of a run and its output files: contents, and all-or-nothing writing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from zerodistrict.analysis.economics import EconomicsResult
from zerodistrict.analysis.resilience import ResilienceResult
from zerodistrict.mobility import MobilityResult
from zerodistrict.pipeline import run
from zerodistrict.results.writers import (
    staged_output,
    write_comparison_outputs,
    write_outputs,
    write_resilience_outputs,
    write_text_output,
)
from zerodistrict.scenario import dump_scenario, load_scenario, scenario_from_dict


def _short(preset: str, days: int = 3):
    data = yaml.safe_load(dump_scenario(load_scenario(preset)))
    data["period"] = {"year": 2025, "start": "2025-07-01", "days": days}
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def misono():
    return run(_short("saitama-misono"), resilience_hours=24)


@pytest.fixture(scope="module")
def omiya():
    """Mobility only: no homes, so no resilience, economics or bills."""
    return run(_short("saitama-omiya-trial", days=2))


def test_each_analysis_has_its_typed_field(misono, omiya):
    assert isinstance(misono.mobility, MobilityResult)
    assert isinstance(misono.resilience, ResilienceResult)
    assert isinstance(misono.economics, EconomicsResult)
    assert isinstance(misono.bills, pd.DataFrame)  # Misono has a TEPCO tariff: monthly bills of its 51 homes
    assert sorted(misono.bills["home"].unique()) == list(range(51))
    assert misono.kpis.bill_total == misono.economics.bill_total  # a 3-day run: bills of the period
    assert misono.resilience.max_hours == 24
    assert isinstance(omiya.mobility, MobilityResult)
    assert (omiya.resilience, omiya.economics, omiya.bills) == (None, None, None)
    assert run(_short("saitama-misono", days=2), resilience_hours=None).resilience is None


def test_run_files_read_back_as_the_result(misono, tmp_path):
    written = write_outputs(misono, tmp_path / "out")
    assert sorted(p.name for p in written) == ["homes.csv", "kpis.json", "stations.csv", "timeseries.csv"]
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text(encoding="utf-8"))
    assert kpis == misono.kpis.to_json_dict()
    ts = pd.read_csv(tmp_path / "out" / "timeseries.csv", index_col="time")
    np.testing.assert_allclose(ts["grid_import_kw"], misono.dispatch.totals["grid_import_kw"], rtol=1e-12)
    assert pd.Timestamp(ts.index[0]) == misono.inputs.index[0]  # ISO 8601 with the UTC offset
    stations = pd.read_csv(tmp_path / "out" / "stations.csv")
    assert list(stations["station_id"]) == list(misono.mobility.stations["station_id"])


def test_resilience_files_read_back_as_the_analysis(misono, tmp_path):
    written = write_resilience_outputs(misono.resilience, tmp_path / "res")
    assert sorted(p.name for p in written) == ["resilience.json", "survival.csv", "survival.png"]
    stats = json.loads((tmp_path / "res" / "resilience.json").read_text())
    assert stats == json.loads(json.dumps(misono.resilience.to_json_dict()))
    csv = pd.read_csv(tmp_path / "res" / "survival.csv")
    np.testing.assert_allclose(csv["shared_critical_hours"], misono.resilience.shared_critical_hours, rtol=1e-5)
    assert (tmp_path / "res" / "survival.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failing_writer_leaves_the_folder_as_it_was(misono, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kpis.json").write_text("old")

    def broken(result, folder):
        (folder / "report.html").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_outputs(misono, out, extra_writers=[broken])
    assert [p.name for p in out.iterdir()] == ["kpis.json"] and (out / "kpis.json").read_text() == "old"
    with pytest.raises(OSError, match="disk full"):
        write_comparison_outputs(pd.DataFrame({"a": [1]}), tmp_path / "cmp",
                                 extra_writers=[lambda folder: broken(None, folder)])
    assert not (tmp_path / "cmp").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_staged_output_replaces_folders_whole(tmp_path):
    out = tmp_path / "out"
    (out / "png").mkdir(parents=True)
    (out / "png" / "stale.png").write_text("x")
    with staged_output(out, force=True) as (tmp, written):
        (tmp / "png").mkdir()
        (tmp / "png" / "new.png").write_text("y")
    assert written == [out / "png"] and [p.name for p in (out / "png").iterdir()] == ["new.png"]


def test_text_output_is_all_or_nothing(tmp_path):
    path = write_text_output("mobility: {}\n", tmp_path / "a" / "m.yaml")
    assert path.read_text(encoding="utf-8") == "mobility: {}\n"
    with pytest.raises(TypeError):
        write_text_output(None, path)  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == "mobility: {}\n"
    assert [p.name for p in path.parent.iterdir()] == ["m.yaml"]


def test_outputs_get_ordinary_modes_and_replace_the_folder_whole(misono, tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        text = write_text_output("mobility: {}\n", tmp_path / "m.yaml")
        out = tmp_path / "out"
        out.mkdir()
        (out / "stale.txt").write_text("from an earlier run")
        written = write_outputs(misono, out, force=True)
    finally:
        os.umask(mask)
    assert text.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)  # stale.txt is gone
    assert out.stat().st_mode & 0o777 == 0o755
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in written)


def test_a_non_empty_folder_is_kept_without_force(misono, tmp_path):
    from zerodistrict.errors import InputError

    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="the folder is not empty"):
        write_outputs(misono, out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
