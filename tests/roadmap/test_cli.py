"""``zerodistrict roadmap`` end to end: a preset to roadmap.csv and report.html, files with paths, bad input."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from zerodistrict.cli import app
from zerodistrict.roadmap import list_roadmap_presets
from zerodistrict.scenario import dump_scenario, load_scenario

runner = CliRunner()
TINY = yaml.safe_load(Path(__file__).with_name("tiny.yaml").read_text(encoding="utf-8"))


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_kuala_lumpur_preset_writes_the_contract(tmp_path):
    out = tmp_path / "D"
    started = time.perf_counter()
    res = invoke("roadmap", "kuala-lumpur-2050", "--out", out)
    seconds = time.perf_counter() - started
    assert res.exit_code == 0, res.output
    assert seconds < 60, f"{seconds:.0f} s"
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "roadmap.csv"]
    table = pd.read_csv(out / "roadmap.csv")
    assert table["year"].tolist() == list(range(2026, 2051))
    without, with_ = table["residential_co2_without_programme_t"], table["residential_co2_with_programme_t"]
    assert (with_ <= without).all() and (with_ < without).iloc[-1]
    assert table["homes_converted"].is_monotonic_increasing
    assert (table["homes_converted"] <= table["homes_total"]).all()
    page = (out / "report.html").read_text(encoding="utf-8")
    for text in ("I.1.2", "II.1.1", "II.1.2", "location-based", "Kuala Lumpur: the road to 2050"):
        assert text in page, text
    assert "<script src=" not in page  # self-contained


def test_roadmap_file_with_a_design_path_in_malay(tmp_path):
    design = load_scenario("kuching-north")
    (tmp_path / "design.yaml").write_text(dump_scenario(design), encoding="utf-8")
    data = {**TINY, "designs": [{**TINY["designs"][0], "scenario": "design.yaml", "days": 14}]}
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("roadmap", tmp_path / "city.yaml", "--out", out, "--lang", "ms")
    assert res.exit_code == 0, res.output
    assert "simulated 14 days, scaled to 365" in res.output
    table = pd.read_csv(out / "roadmap.csv")
    assert table["year"].tolist() == [2026, 2027]
    np.testing.assert_allclose(table["homes_converted"], [10, 30])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'lang="ms"' in page and "berasaskan lokasi" in page and "Tinytown: hala tuju ke 2027" in page


@pytest.mark.parametrize("change, message", [
    ({"designs": [{**TINY["designs"][0], "scenario": "saitama-misono"}]},
     r"designs\[0\]\.scenario: saitama-misono counts money in JPY, the city in MYR \(city\.currency\)"),
    ({"designs": [{**TINY["designs"][0], "scenario": "missing.yaml"}]},
     r"designs\[0\]\.scenario: .*missing\.yaml: scenario file not found"),
    ({"start_year": "soon"}, r"start_year: Input should be a valid integer"),
])
def test_bad_roadmaps_exit_1_and_write_nothing(tmp_path, change, message):
    (tmp_path / "city.yaml").write_text(yaml.safe_dump({**TINY, **change}), encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("roadmap", tmp_path / "city.yaml", "--out", out)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert re.search(message, " ".join(res.output.split())), res.output
    assert not out.exists()


def test_options_that_need_out(tmp_path):
    res = invoke("roadmap", "kuching-2050", "--lang", "ja")
    assert res.exit_code == 1 and "--lang: needs --out DIR" in res.output
    res = invoke("roadmap", "kuching-2050", "--out", tmp_path / "x", "--lang", "fr")
    assert res.exit_code == 1 and "--lang: 'fr' is not one of en, ja, ms" in res.output


def test_presets_lists_the_roadmaps_whole_at_80_columns():
    done = subprocess.run([sys.executable, "-m", "zerodistrict.cli", "presets"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "80"}, check=True)
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    table = done.stdout.split("Roadmaps (zerodistrict roadmap NAME)")[1]
    first_cells = [line.split("│")[1].strip() for line in table.splitlines()
                   if line.startswith("│") and line.split("│")[1].strip()]
    assert first_cells == list_roadmap_presets()  # each name whole on one line
    assert "Kuala Lumpur to 2050: the Wangsa Maju terrace design" in " ".join(table.replace("│", " ").split())
