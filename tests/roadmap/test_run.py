"""Running designs for a roadmap: one run per design is enough, also for the optimal dispatch's co2 objective."""

from pathlib import Path

import pytest
import yaml

from zerodistrict.errors import InputError
from zerodistrict.pipeline import run
from zerodistrict.roadmap import roadmap_from_dict, run_roadmap
from zerodistrict.roadmap.spec import PRESET_DIR
from zerodistrict.scenario import load_scenario
from zerodistrict.scenario.loading import PRESET_DIR as PRESETS

TINY = yaml.safe_load(Path(__file__).with_name("tiny.yaml").read_text(encoding="utf-8"))


def test_co2_objective_imports_the_same_under_any_constant_factor():
    """Why run.py runs a co2-objective design once: scaling the factor does not move the optimum's imports."""
    scenario = load_scenario("kuching-north")
    # as run.py simulates a design: without its own mobility and hydrogen chain (the roadmap counts those); with
    # grey hydrogen's CO2 in the objective the grid factor would no longer be its only weight
    scenario = scenario.model_copy(update={"period": scenario.period.model_copy(update={"days": 2}), "mobility": None,
                                           "community": scenario.community.model_copy(update={"hydrogen": None})})
    imports = []
    for factor in (0.05, 0.9):
        grid = scenario.grid.model_copy(update={"emission_factor_kg_per_kwh": factor})
        result = run(scenario.model_copy(update={"grid": grid}), dispatch="optimal", objective="co2",
                     resilience_hours=None)
        imports.append(result.kpis.grid_import_kwh)
    assert imports[0] == pytest.approx(imports[1], rel=1e-6, abs=1e-6)


def test_optimal_design_runs_and_its_figures_are_per_home():
    data = {**TINY, "designs": [{**TINY["designs"][0], "scenario": "kuching-north", "dispatch": "optimal",
                                 "objective": "co2", "days": 2}]}
    result = run_roadmap(roadmap_from_dict(data), PRESET_DIR)
    fig = result.designs[0]
    assert fig.dispatch == "optimal" and fig.homes == 36 and fig.period_days == 2
    assert 0 < fig.import_ratio < 1
    assert result.notes == ["kuching-north: simulated 2 days, scaled to 365"]
    # the table's avoided CO2 uses that ratio: 10 terraces × 1000 kWh × (1 − r) × 0.4 kg/kWh in 2026
    assert result.table.loc[0, "residential_co2_avoided_t"] == pytest.approx(10 * 1000 * (1 - fig.import_ratio) * 0.4e-3)


def test_a_design_without_capital_cost_is_an_error(tmp_path):
    scenario = yaml.safe_load((PRESETS / "kuching-north.yaml").read_text(encoding="utf-8"))
    scenario["economics"] = None
    scenario["period"]["days"] = 2
    (tmp_path / "free.yaml").write_text(yaml.safe_dump(scenario), encoding="utf-8")
    data = {**TINY, "designs": [{**TINY["designs"][0], "scenario": "free.yaml"}]}
    with pytest.raises(InputError, match=r"designs\[0\]\.scenario: kuching-north has no capital cost \(economics: null\)"):
        run_roadmap(roadmap_from_dict(data), tmp_path)
