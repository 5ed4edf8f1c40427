"""Survival targets in sizing: the sized design meets them in the full survival analysis (issue 12, Done-when 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zerodistrict import pipeline
from zerodistrict.analysis import resilience as res_mod
from zerodistrict.design import outages
from zerodistrict.design.sizing_run import size
from zerodistrict.errors import InputError
from zerodistrict.scenario.loading import load_scenario, scenario_from_dict

SIZING = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 8},
                     "battery_kwh": {"min": 0, "max": 10}, "battery_kw": {"min": 0, "max": 5}}],
          "community": [{"name": "central", "capacity_kwh": {"min": 0, "max": 150}, "power_kw": {"min": 0, "max": 60}}]}


def small(days: int = 7, homes: int = 6, start: str = "2025-01-10", sizing: dict | None = None):
    """Misono with a few homes and a small battery over a few winter days, no EVs or bicycles: sizes in seconds."""
    d = load_scenario("saitama-misono").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": start, "days": days}
    d["homes"][0]["count"] = homes
    d["community"]["batteries"][0]["capacity_kwh"] = 20
    d["community"]["batteries"][0]["power_kw"] = 10
    d["sizing"] = SIZING if sizing is None else sizing
    d["community"]["evs"] = []
    d.pop("mobility", None)
    return scenario_from_dict(d)


def _survival(scenario) -> res_mod.ResilienceResult:
    """The full survival analysis of an independent run (as `zerodistrict run sized.yaml --dispatch optimal`)."""
    return pipeline.run(scenario, "optimal", resilience_hours=168).resilience


def test_median_survival_target_holds_in_the_full_survival_analysis():
    sc = small()
    before = _survival(sc).to_json_dict()["shared"]["critical_survival_hours_p50"]
    assert before < 24  # the target is not met by the scenario's own design
    outcome = size(sc, ["critical_survival_hours_p50>=24"], compare_given=False)
    row = outcome.targets[0]
    assert row["holds"] is True and row["full_year_value"] >= 24
    after = _survival(outcome.sized)
    assert after.to_json_dict()["shared"]["critical_survival_hours_p50"] >= 24
    reserve = outcome.sized.community.batteries[0].outage_reserve_kwh
    assert reserve == pytest.approx(outcome.sizes["community"]["central"]["outage_reserve_kwh"], abs=1e-9)
    # every outage start the LP held survives the target in the analysis (the copies are conservative)
    table = after.survival_table()["shared_critical_hours"]
    starts = pd.DatetimeIndex(outcome.full_year["outage_starts"])
    assert len(starts) > 0 and (table.loc[starts] >= 24 - 1e-9).all()


def test_every_start_target_and_probability_target():
    sc = small(days=4)
    outcome = size(sc, ["critical_survival_hours>=8"], compare_given=False)
    assert outcome.targets[0]["holds"] is True
    hours = _survival(outcome.sized).shared_critical_hours
    assert hours.min() >= 8 - 1e-9
    outcome = size(sc, ["survive_24h_probability>=0.6"], compare_given=False)
    hours = _survival(outcome.sized).shared_critical_hours
    assert (hours >= 24 - 1e-9).mean() >= 0.6


def test_sized_yaml_reproduces_the_reserve(tmp_path):
    from zerodistrict.scenario.loading import dump_scenario
    from zerodistrict.scenario.loading import load_scenario as load

    sc = small(days=4)
    outcome = size(sc, ["critical_survival_hours_p50>=24"], compare_given=False)
    path = tmp_path / "sized.yaml"
    path.write_text(dump_scenario(outcome.sized), encoding="utf-8")
    again = load(str(path))
    bat = again.community.batteries[0]
    assert bat.outage_reserve_kwh == pytest.approx(outcome.sized.community.batteries[0].outage_reserve_kwh)
    assert bat.initial_soc_ratio * bat.capacity_kwh >= bat.min_soc_ratio * bat.capacity_kwh + bat.outage_reserve_kwh - 1e-6
    hours = _survival(again).shared_critical_hours
    assert np.percentile(hours, 50) >= 24


def test_unreachable_survival_target_names_it_and_the_best_value():
    sizing = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 2}}],
              "community": [{"name": "central", "capacity_kwh": {"min": 0, "max": 10}, "power_kw": {"min": 0, "max": 5}}]}
    sc = small(days=4, sizing=sizing)
    with pytest.raises(InputError, match=r"^--target critical_survival_hours_p50>=100: out of reach within the sizing "
                                         r"bounds; the best critical_survival_hours_p50 they allow is [0-9.]+ h"):
        size(sc, ["critical_survival_hours_p50>=100"], compare_given=False)


@pytest.mark.parametrize("expr, message", [
    ("critical_survival_hours_p50>24", "write KPI>=x or KPI<=x"),
    ("critical_survival_hours_p50<=24", "critical_survival_hours_p50 takes >="),
    ("critical_survival_hours>=0", "give hours above 0 and at most 8760"),
    ("critical_survival_hours>=9000", "give hours above 0 and at most 8760"),
    ("survive_24h_probability>=1.5", "a ratio lies between 0 and 1"),
    ("survive_48h_probability>=0.5", "unknown target 'survive_48h_probability'"),
])
def test_bad_survival_targets(expr, message):
    with pytest.raises(InputError, match=message):
        size(small(days=2), [expr], compare_given=False)


def test_pick_starts_worst_first_for_every_start_nearest_first_for_a_share():
    hours = np.array([30.0, 2.0, 20.0, 23.0, 5.0, 40.0, 22.0, 1.0])
    assert outages.pick_starts(hours, 24.0, 1.0, set(), 1.0, limit=8)[0] == 7
    assert outages.pick_starts(hours, 24.0, 0.5, set(), 1.0, limit=8)[0] == 3
    # one outage's worth apart (24 steps: one start here), never one taken before
    assert outages.pick_starts(hours, 24.0, 1.0, set(), 1.0, limit=8) == [7]
    assert outages.pick_starts(hours, 6.0, 1.0, {7}, 1.0, limit=8) == [1]
    assert outages.pick_starts(hours, 7.0, 1.0, set(), 1.0, limit=8) == [7]
    assert outages.pick_starts(hours, 2.5, 1.0, set(), 1.0, limit=8) == [7, 1]


def test_pareto_front_trades_cost_for_survival():
    from zerodistrict.design.pareto import pareto_front

    sc = small(days=4)
    front = pareto_front(sc, "cost,survival", points=3)
    assert len(front) >= 2
    hours = front["survival_hours"].to_numpy()
    cost = front["annual_cost"].to_numpy()
    assert np.all(np.diff(hours) > 0) and np.all(np.diff(cost) >= -1e-6 * abs(cost[0]))
    # each point after the first meets the survival it asked, in the full survival analysis
    asked = front["survival_asked"].to_numpy()[1:]
    assert np.all(hours[1:] >= asked - 1e-9)
    assert front["average_cost_per_hour"].iloc[1:].gt(0).all()


def test_size_command_writes_the_reserve_and_the_survival_front(tmp_path):
    """`size --target critical_survival_hours_p50>=24 --pareto cost,survival`, then `resilience sized.yaml` meets it."""
    import json

    from typer.testing import CliRunner

    from zerodistrict.cli import app
    from zerodistrict.scenario import dump_scenario

    runner = CliRunner()
    scenario = tmp_path / "small.yaml"
    scenario.write_text(dump_scenario(small(days=4)))
    out = tmp_path / "sized"
    done = runner.invoke(app, ["size", str(scenario), "--target", "critical_survival_hours_p50>=24", "--out", str(out),
                               "--no-compare", "--lang", "ms", "--pareto", "cost,survival", "--pareto-points", "2"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["pareto.csv", "sized.yaml", "sizing.html", "sizing.json"]
    data = json.loads((out / "sizing.json").read_text())
    assert data["targets"][0]["holds"] is True and data["targets"][0]["lp_value"] is None
    assert data["sizes"]["community"]["central"]["outage_reserve_kwh"]["unit"] == "kWh"
    html = (out / "sizing.html").read_text(encoding="utf-8")
    assert "Rizab gangguan bekalan" in html and "tempoh bertahan beban kritikal" in html
    front = pd.read_csv(out / "pareto.csv")
    assert {"survival_hours", "annual_cost", "average_cost_per_hour"} <= set(front.columns)
    run_dir = tmp_path / "run"
    ran = runner.invoke(app, ["resilience", str(out / "sized.yaml"), "--dispatch", "optimal", "--out", str(run_dir)])
    assert ran.exit_code == 0, ran.output
    stats = json.loads((run_dir / "resilience.json").read_text())
    assert stats["shared"]["critical_survival_hours_p50"] >= 24
