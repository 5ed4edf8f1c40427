"""``zerodistrict size``: the files it writes, and `run DIR/sized.yaml --dispatch optimal` meeting the target."""

from __future__ import annotations

import json

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
    done = runner.invoke(app, ["size", "kuching-north"])
    assert done.exit_code == 1 and "sizing: the scenario has no 'sizing' block" in done.output
    done = runner.invoke(app, ["size", "saitama-misono", "--objective", "money"])
    assert done.exit_code == 1 and "--objective: use cost or co2" in done.output
