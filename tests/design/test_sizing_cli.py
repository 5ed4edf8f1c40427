"""``zerodistrict size``: the files it writes, and `run DIR/sized.yaml --dispatch optimal` meeting the target."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from design.test_sizing import misono
from zerodistrict.cli import app
from zerodistrict.scenario import dump_scenario

runner = CliRunner()


def test_size_writes_files_and_the_sized_scenario_meets_the_target(tmp_path):
    scenario = tmp_path / "misono.yaml"
    scenario.write_text(dump_scenario(misono(4)))
    out = tmp_path / "sized"
    done = runner.invoke(app, ["size", str(scenario), "--target", "self_sufficiency_ratio>=0.7", "--out", str(out),
                               "--no-compare", "--lang", "ja", "--pareto", "cost,co2", "--pareto-points", "3"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["pareto.csv", "sized.yaml", "sizing.html", "sizing.json"]
    data = json.loads((out / "sizing.json").read_text())
    assert data["targets"][0]["holds"] is True
    assert data["sizes"]["homes"]["garden-site"]["pv_kwp"]["unit"] == "kWp per home"
    assert "選ばれた容量" in (out / "sizing.html").read_text(encoding="utf-8")
    assert yaml.safe_load((out / "sized.yaml").read_text())["community"]["storage_end"] == "cyclic"
    run_dir = tmp_path / "run"
    ran = runner.invoke(app, ["run", str(out / "sized.yaml"), "--dispatch", "optimal", "--out", str(run_dir)])
    assert ran.exit_code == 0, ran.output
    assert json.loads((run_dir / "kpis.json").read_text())["self_sufficiency_ratio"] >= 0.7


def test_size_errors_are_one_message(tmp_path):
    done = runner.invoke(app, ["size", "saitama-misono", "--target", "happiness>=1"])
    assert done.exit_code == 1 and "unknown target 'happiness'" in done.output
    done = runner.invoke(app, ["size", "kuching-north-h2-depot"])
    assert done.exit_code == 1 and "sizing: the scenario has no 'sizing' block" in done.output
    done = runner.invoke(app, ["size", "saitama-misono", "--objective", "money"])
    assert done.exit_code == 1 and "--objective: use cost or co2" in done.output


def test_size_resimulates_with_a_rolling_horizon_that_run_reproduces(tmp_path):
    """--resimulate-horizon: the full-year check is `run sized.yaml --dispatch optimal --horizon-hours H`, exactly."""
    scenario = tmp_path / "misono.yaml"
    scenario.write_text(dump_scenario(misono(5)))
    out = tmp_path / "sized"
    done = runner.invoke(app, ["size", str(scenario), "--target", "self_sufficiency_ratio>=0.7", "--out", str(out),
                               "--resimulate-horizon", "48"])
    assert done.exit_code == 0, done.output
    data = json.loads((out / "sizing.json").read_text())
    full = data["full_year"]
    assert full["reproduce"] == "zerodistrict run sized.yaml --dispatch optimal --horizon-hours 48"
    assert "rolling horizon of 48 h" in full["dispatch"]
    assert data["targets"][0]["holds"] is (full["kpis"]["self_sufficiency_ratio"] >= 0.7 - 1e-9)
    run_dir = tmp_path / "run"
    ran = runner.invoke(app, ["run", str(out / "sized.yaml"), "--dispatch", "optimal", "--horizon-hours", "48",
                              "--out", str(run_dir)])
    assert ran.exit_code == 0, ran.output
    kpis = json.loads((run_dir / "kpis.json").read_text())
    for key in ("self_sufficiency_ratio", "grid_import_kwh", "co2_kg"):
        assert kpis[key] == pytest.approx(full["kpis"][key], rel=1e-9), key
    # the operating cost of a rolling re-simulation is its bill (the windows do not see the tariff's months)
    assert full["annual_cost"] == pytest.approx(kpis["bill_total"] + full["annual_capital"], rel=1e-9)
    assert data["given_design"]["annual_cost"] > 0


def test_size_resimulate_horizon_too_short_is_one_message(tmp_path):
    done = runner.invoke(app, ["size", "saitama-misono", "--resimulate-horizon", "12"])
    assert done.exit_code == 1 and "--resimulate-horizon: must be at least 24 h" in done.output
    assert "Traceback" not in done.output


def test_size_solve_by_unknown_is_one_message(tmp_path):
    done = runner.invoke(app, ["size", "saitama-misono", "--solve-by", "magic", "--out", str(tmp_path / "o")])
    assert done.exit_code == 1 and "--solve-by: use auto, benders or lp, got 'magic'" in done.output
    assert "Traceback" not in done.output and not (tmp_path / "o").exists()


def test_the_progress_line_warns_of_a_slow_per_home_re_simulation():
    from pathlib import Path

    from zerodistrict.design.sizing_run import _slow_hint
    from zerodistrict.scenario import load_scenario

    fifty = load_scenario(Path(__file__).parents[2] / "benchmarks" / "fixtures" / "sizing-50-homes-lossy.yaml")
    assert "50 homes × 8,760 steps" in _slow_hint(fifty, None) and "--resimulate-horizon 48" in _slow_hint(fifty, None)
    assert _slow_hint(fifty, 48) == ""
    assert _slow_hint(load_scenario("saitama-misono"), None) == ""  # a lossless line: one district bus
