"""How the dispatch LP is built for speed: the same rows as written with linopy's operators, the same LP as PyPSA."""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import evs, random_district, storage
from zerodistrict.dispatch.optimal import OptimalModel
from zerodistrict.dispatch.optimal.model import _terms


def _matrix(expr, n_vars: int) -> np.ndarray:
    """Dense (rows, variables) coefficients of a linopy expression (terms of one variable summed)."""
    dims = [d for d in ("time", "home") if d in expr.coeffs.dims] + ["_term"]
    coeffs = np.asarray(expr.coeffs.transpose(*dims).values, dtype=float)
    labels = np.asarray(expr.vars.transpose(*dims).values)
    coeffs, labels = coeffs.reshape(-1, coeffs.shape[-1]), labels.reshape(-1, labels.shape[-1])
    out = np.zeros((coeffs.shape[0], n_vars))
    rows = np.repeat(np.arange(coeffs.shape[0]), coeffs.shape[1])
    keep = labels.ravel() >= 0
    np.add.at(out, (rows[keep], labels.ravel()[keep]), coeffs.ravel()[keep])
    return out


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), sharing=st.booleans(), loss=st.sampled_from([0.0, 0.05]),
       ev_count=st.integers(0, 2))
def test_one_step_expressions_equal_the_operator_sums(seed, sharing, loss, ev_count):
    """The model's fast expression builder gives exactly the rows linopy's ``+``/``−``/``sum`` give."""
    inp = random_district(seed, n_t=24, n_h=3, sharing=sharing, line_loss_ratio=loss,
                          community_battery=storage(1, 20.0, 8.0), ev=evs(24, ev_count, trip_every=9),
                          mobility_load_kw=0.3)
    m = OptimalModel.build(inp, "energy_cost").model
    v = m.variables
    time = pd.RangeIndex(inp.n_steps, name="time")
    parts = [("shed", 1.0), ("curtail", -2.0), ("grid_import", np.arange(24.0)), ("grid_export", -1.0),
             ("community_storage_charge", -1.5), ("community_storage_discharge", 0.5), ("absent", 9.0)]
    fast = _terms(m, parts, time)
    slow = (v["shed"].sum("home") - 2.0 * v["curtail"].sum("home")
            + xr.DataArray(np.arange(24.0), coords=[time]) * v["grid_import"] - v["grid_export"]
            - 1.5 * v["community_storage_charge"].sum("community_storage")
            + 0.5 * v["community_storage_discharge"].sum("community_storage"))
    n_vars = int(m.variables.nvars) + 1000
    np.testing.assert_array_equal(_matrix(fast, n_vars), _matrix(slow, n_vars))
    total = _terms(m, parts)  # summed over time too: one row
    np.testing.assert_array_equal(_matrix(total, n_vars), _matrix(slow.sum(), n_vars))
    # one row per step and home: the per-home model's home balance
    m = OptimalModel.build(inp, "energy_cost", aggregate=False).model
    v = m.variables
    bus = pd.RangeIndex(inp.n_homes, name="home")
    fast = _terms(m, [("curtail", -1.0), ("shed", 2.0), ("home_battery_discharge", 1.0),
                      ("home_battery_charge", -np.arange(3.0)[None, :] - 1.0)], time, bus)
    slow = (-1.0 * v["curtail"] + 2.0 * v["shed"] + v["home_battery_discharge"].rename({"home_battery": "home"})
            - xr.DataArray(np.arange(3.0) + 1.0, coords=[bus]) * v["home_battery_charge"].rename({"home_battery": "home"}))
    n_vars = int(m.variables.nvars) + 1000
    np.testing.assert_array_equal(_matrix(fast, n_vars), _matrix(slow, n_vars))


def test_pypsa_on_our_aggregated_network_equals_our_optimum():
    """The benchmark's aggregated PyPSA network (row b of bench_optimal.py) is the LP we solve."""
    pytest.importorskip("pypsa")
    warnings.simplefilter("ignore", FutureWarning)
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    from pypsa_reference import _extra_functionality, build_pypsa_aggregated

    n_t, n_h = 48, 5
    grid = np.ones(n_t, bool)
    grid[20:24] = False
    cap = np.array([10.0, 5.0, 0.0, 10.0, 6.5])
    inp = random_district(21, n_t=n_t, n_h=n_h, home_battery=storage(n_h, cap, cap * 0.5, grid_charging=False),
                          community_battery=storage(1, 30.0, 10.0), ev=evs(n_t, 1, trip_every=20), grid_available=grid,
                          mobility_load_kw=0.2)
    inp = replace(inp, storage_end="cyclic")
    ours = OptimalModel.build(inp, "energy_cost").solve().result()
    n = build_pypsa_aggregated(inp)
    status, condition = n.optimize(solver_name="highs", solver_options={"output_flag": False},
                                   extra_functionality=_extra_functionality(inp), log_to_console=False)
    assert (status, condition) == ("ok", "optimal")
    assert ours.objective == pytest.approx(float(n.objective), rel=1e-6)


def test_a_rule_based_run_does_not_import_the_lp_stack():
    """pipeline.py writes the objectives out; they are the LP's, and importing it leaves linopy unloaded."""
    import subprocess
    import sys

    from zerodistrict import pipeline
    from zerodistrict.dispatch.optimal.problem import OBJECTIVES

    assert pipeline.OBJECTIVES == OBJECTIVES
    code = "import sys, zerodistrict.pipeline; print('linopy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
