"""Fuzzing the front door: mutated presets through ``zerodistrict validate`` and ``run``.

Each example takes a built-in preset cut to two days, breaks one to three of
its fields (wrong types, NaN and infinity, sizes far out of range, missing and
extra fields, strings with rich markup, quotes and non-ASCII text), writes it
as YAML and calls the CLI. Either the command succeeds, and then the run's
``kpis.json`` holds only finite numbers and every ``timeseries.csv`` row
balances, or it exits 1 with one message: never a traceback, never a hang.
``validate`` saying "ok" means ``run`` starts and finishes.
"""

from __future__ import annotations

import copy
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from zerodistrict.cli import app
from zerodistrict.scenario import dump_scenario, list_presets, load_scenario

pytestmark = pytest.mark.slow

ODD_STRINGS = ["[/b]", "[kW]", "[bold red]x[/]", "'\"quote\"'", "東京 ☀ Kuala Lumpur", "", " ", "\t", "-",
               "nan", ".inf", "1e999", "24:00", "25:61", "x" * 300, "null", "{a: 1}", "%s %d {}", "\\x00"]
ODD_NUMBERS = [float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e9, -1.0, 0, -1, 2**63, 1e-320, 0.5, 7]


def _short_preset(name: str) -> dict:
    data = yaml.safe_load(dump_scenario(load_scenario(name)))
    data["period"] = {"year": 2025, "start": "2025-06-02", "days": 2, "step_minutes": 60}
    for outage in data.get("grid", {}).get("outages", []):
        outage["start"] = "2025-06-02T10:00:00"
    return data


PRESETS = {name: _short_preset(name) for name in list_presets()}


def _paths(node, prefix=()) -> list[tuple]:
    """Every key path into ``node`` (containers and leaves)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, prefix + (i,))
    return out


def _parent(data, path):
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutated_scenarios(draw) -> dict:
    data = copy.deepcopy(PRESETS[draw(st.sampled_from(sorted(PRESETS)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        kind = draw(st.sampled_from(["number", "string", "type", "delete", "extra", "scale"]))
        if kind == "number":
            parent[key] = draw(st.sampled_from(ODD_NUMBERS))
        elif kind == "string":
            parent[key] = draw(st.sampled_from(ODD_STRINGS))
        elif kind == "type":
            parent[key] = draw(st.sampled_from([None, True, [], {}, [1, 2], {"x": 1}]))
        elif kind == "delete":
            del parent[key]
        elif kind == "extra" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["bogus", "[/b]", "名前", "kwp"]))] = draw(st.sampled_from(ODD_NUMBERS))
        elif kind == "scale" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = parent[key] * draw(st.sampled_from([-1, 0, 10, 1000, 1e6]))
    return data


def _assert_one_message(result) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.count("error:") == 1, result.output


def _assert_finite_and_balanced(out: Path) -> None:
    def refuse(constant):
        raise AssertionError(f"kpis.json holds {constant}")

    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert all(math.isfinite(v) for v in kpis.values() if isinstance(v, float))
    ts = pd.read_csv(out / "timeseries.csv", index_col="time")
    assert np.isfinite(ts.to_numpy(dtype=float)).all()
    # DESIGN.md, "Contracts": pv + grid_import + battery_discharge + unserved
    #                         = load + ev_charge + battery_charge + grid_export + curtailed
    supply = ts["pv_kw"] + ts["grid_import_kw"] + ts["battery_discharge_kw"] + ts["unserved_kw"]
    demand = (ts["load_kw"] + ts["ev_charge_kw"] + ts["battery_charge_kw"] + ts["grid_export_kw"]
              + ts["curtailed_kw"])
    np.testing.assert_allclose(supply, demand, rtol=1e-9, atol=1e-6)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_scenarios())
def test_mutated_presets_succeed_or_fail_with_one_message(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        runner = CliRunner()
        checked = runner.invoke(app, ["validate", str(path)])
        if checked.exit_code != 0:
            _assert_one_message(checked)
            return
        assert checked.output.startswith("ok: ")
        out = Path(tmp) / "out"
        ran = runner.invoke(app, ["run", str(path), "--out", str(out)])
        assert ran.exit_code == 0, ("validate said ok but run failed", ran.output, ran.exception)
        _assert_finite_and_balanced(out)
