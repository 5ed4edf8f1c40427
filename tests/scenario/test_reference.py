"""The scenario reference: docs/scenario.md is the generated text, and both it and the JSON Schema cover every field."""

import json
import re

import pytest
from typer.testing import CliRunner

from paths import REPO
from zerodistrict.cli import app
from zerodistrict.scenario import Scenario
from zerodistrict.scenario.reference import REGENERATE, _sections, json_schema, markdown_reference

DOC = REPO / "docs" / "scenario.md"


@pytest.fixture(scope="module")
def reference() -> str:
    return markdown_reference()


def test_docs_scenario_md_is_the_generated_reference(reference):
    written = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
    if written != reference:
        old, new = written.splitlines(), reference.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        pytest.fail(f"docs/scenario.md differs from the models (first at line {first + 1}); "
                    f"regenerate it from the repository root with: {REGENERATE}")


def _section_text(reference: str, anchor: str) -> str:
    start = reference.index(f'<a id="{anchor}"></a>')
    end = reference.find("<a id=", start + 1)
    return reference[start:end if end > 0 else None]


def test_every_field_of_every_section_has_a_row(reference):
    sections = _sections(Scenario)
    assert len(sections) >= 30
    for model in sections:
        text = _section_text(reference, model.__name__.lower())
        for name, info in model.model_fields.items():
            row = re.search(rf"^\| `{re.escape(info.alias or name)}` \|(.*)\|$", text, re.MULTILINE)
            assert row, f"{model.__name__}.{name} has no row"
            assert row.group(1).count(" | ") == 5, f"{model.__name__}.{name}: not 7 cells"


@pytest.mark.parametrize("heading", [
    "## `site` — Site", "## `period` — Period", "## `weather` — WeatherSource", "## `homes[]` — HomeGroup",
    "## `homes[].load` — ArchetypeLoad", "## `homes[].load` — CsvLoad", "## `homes[].pv` — PVArray",
    "## `homes[].pv` — PVProfile", "— Battery", "## `homes[].water_heater` — WaterHeater",
    "## `community` — Community", "## `community.evs[]` — EV", "## `community.evs[].trips[]` — EVTrip",
    "## `grid` — Grid", "## `grid.import_price` — PeriodPrice", "— CsvSeries", "## `grid.tariff` — Tariff",
    "## `grid.outages[]` — Outage", "## `economics` — Economics", "## `mobility` — Mobility",
])
def test_each_section_has_a_table(reference, heading):
    assert heading in reference


def test_cells_come_from_the_constraints_and_descriptions(reference):
    battery = _section_text(reference, "battery")
    assert "| `min_soc_ratio` | number | ratio | `0.1` | ≥ 0, < 1 | reserve floor; 0.1 is our assumption |" in battery
    assert ("| `capacity_kwh` | number | kWh | **required** | ≥ 0, ≤ 200 | usable nameplate energy; ≤ 200 "
            "(assumption: beyond any residential design) |") in battery
    period = _section_text(reference, "period")
    assert "| `step_minutes` | integer | min | `60` | `60`, `15` |" in period
    trip = _section_text(reference, "evtrip")
    assert "| `return` | time of day `HH:MM` |" in trip  # by alias, as written in YAML
    assert "`mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`" in trip
    load = _section_text(reference, "archetypeload")
    assert "`jp-detached`, `my-terrace`" in load and "(saitama-misono)" in load
    assert "recognised by its field `csv`" in _section_text(reference, "csvload")


def test_json_schema_by_alias_and_strict():
    schema = json_schema()
    defs = schema["$defs"]
    assert set(schema["required"]) >= {"name", "site", "period", "grid"}
    assert "return" in defs["EVTrip"]["properties"] and "return_" not in defs["EVTrip"]["properties"]
    assert all(d.get("additionalProperties") is False for d in defs.values() if d.get("type") == "object")
    assert defs["Battery"]["properties"]["min_soc_ratio"]["exclusiveMaximum"] == 1


def test_cli_schema_prints_the_schema_and_the_reference(reference):
    runner = CliRunner()
    done = runner.invoke(app, ["schema"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == json_schema()
    done = runner.invoke(app, ["schema", "--markdown"])
    assert done.exit_code == 0, done.output
    assert done.stdout == reference
