"""``zerodistrict results list|show|export|report`` over a small store (SQLite; the store's own tests cover
PostgreSQL): output, files written atomically, and one-line errors for bad ids, empty or missing stores."""

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from zerodistrict.cli import app
from zerodistrict.results.result import Kpis
from zerodistrict.results.store import DesignRecord, open_store

runner = CliRunner()
PATHS = ["homes[0].pv.kwp", "community.batteries[0].capacity_kwh"]
KWP = [3.0, 4.4, 6.0]
CAPACITY_KWH = [0, 125, 250]


def _kpis(kwp: float, capacity_kwh: float) -> dict:
    data = {name: 1.0 for name, f in Kpis.model_fields.items() if f.is_required()}
    data.update(scenario="s", dispatch="rule", n_homes=51, period_start="2025-01-01", period_end="2025-12-31",
                step_minutes=60, currency="JPY",
                # a cost–CO2 trade-off: more PV costs more and emits less; the battery has an optimum at 125 kWh
                npv=-1e6 * kwp - 1e3 * (capacity_kwh - 125) ** 2 / 100, co2_kg=1e5 - 1e4 * kwp - 10 * capacity_kwh)
    return data


@pytest.fixture
def store_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with open_store(url) as store:
        sweep_id = store.ensure_sweep("key", "misono PV × battery", {"base": "saitama-misono"}, PATHS)
        store.add_designs(sweep_id, [
            DesignRecord(f"d{i}{j}", {PATHS[0]: kwp, PATHS[1]: cap}, f"h{i}{j}", _kpis(kwp, cap))
            for i, kwp in enumerate(KWP) for j, cap in enumerate(CAPACITY_KWH)])
    return url


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_list_and_show(store_url):
    listed = invoke("results", "list", "--store", store_url)
    assert listed.exit_code == 0, listed.output
    assert re.search(r"│\s+1 │ misono PV × battery\s+│\s+9 │", listed.output)
    shown = invoke("results", "show", "latest", "--store", store_url)
    assert shown.exit_code == 0, shown.output
    assert re.search(r"homes\[0\]\.pv\.kwp\s+│\s+3 │ 3 … 6", shown.output)
    # NPV: -1e6·kwp - 10·(cap-125)²: min at 6 kWp and 0 or 250 kWh, max at 3 kWp and 125 kWh
    assert re.search(r"NPV\s+│ -6,156,250 │ .* │ -3,000,000 │ JPY", shown.output)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_round_trips(store_url, tmp_path, suffix):
    path = tmp_path / "out" / f"designs{suffix}"
    result = invoke("results", "export", "latest", "--out", path, "--store", store_url)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(table.columns[:3]) == ["design", *PATHS]
    assert len(table) == 9
    for row in table.itertuples(index=False):
        expected = _kpis(row[1], row[2])
        assert row.npv == expected["npv"] and row.co2_kg == expected["co2_kg"]  # exact through CSV too
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_report_is_self_contained_with_runnable_best_designs(store_url, tmp_path):
    out = tmp_path / "report"
    result = invoke("results", "report", "1", "--out", out, "--store", store_url)
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page)
    assert page.count("Plotly.newPlot") == 3  # front, parallel coordinates, tornado (no survival KPI here)
    # at each kWp, 125 kWh has the best NPV and 250 kWh the lowest CO2 (0 kWh is dominated by 125 kWh); more kWp
    # costs more and emits less: the front is d?1 and d?2, by NPV d01 d02 d11 d12 d21 d22, the first five written
    best = sorted(p.name for p in (out / "best").iterdir())
    assert best == ["d01.yaml", "d02.yaml", "d11.yaml", "d12.yaml", "d21.yaml"]
    check = invoke("validate", out / "best" / "d21.yaml")
    assert check.exit_code == 0, check.output
    assert "kwp: 6.0" in (out / "best" / "d21.yaml").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["show", "7"], r"sweep 7: no such sweep in the store"),
    (["show", "seven"], r"SWEEP_ID seven: give a sweep's id"),
    (["export", "7", "--out", "x.csv"], r"sweep 7: no such sweep"),
    (["export", "1", "--out", "x.xlsx"], r"--out x.xlsx: give a .csv or .parquet file name"),
    (["report", "9", "--out", "rep"], r"sweep 9: no such sweep"),
])
def test_bad_ids_and_files(store_url, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke("results", *args, "--store", store_url)
    assert result.exit_code == 1
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.db", "r.db-shm", "r.db-wal"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["r.db"]


def test_an_empty_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(url).close()
    listed = invoke("results", "list", "--store", url)
    assert listed.exit_code == 0 and "no sweeps stored yet" in listed.output
    for args in (["show"], ["export", "--out", tmp_path / "x.csv"], ["report", "latest", "--out", tmp_path / "r"]):
        result = invoke("results", *args, "--store", url)
        assert result.exit_code == 1 and "the store holds no sweeps yet" in result.output, result.output
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", [["list"], ["show"], ["export", "--out", "x.csv"], ["report", "1", "--out", "r"]])
def test_a_missing_database_is_not_created(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = invoke("results", *command)  # the default store, zerodistrict.db here
    assert result.exit_code == 1
    assert "--store sqlite:///zerodistrict.db: no such database file" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_bad_store_url():
    result = invoke("results", "list", "--store", "oracle://x")
    assert result.exit_code == 1 and "unsupported database 'oracle'" in result.output
