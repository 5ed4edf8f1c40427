"""Exact reductions of the dispatch LP keep the optimum of the unreduced LP (random small cases)."""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import evs, random_district, storage
from dispatch.test_optimal_bill import billed_districts
from zerodistrict.dispatch.optimal import OptimalModel
from zerodistrict.dispatch.optimal.model import _build
from zerodistrict.dispatch.optimal.problem import _problem


def unreduced_objective(inp, objective: str = "bill", aggregate: bool = True) -> float:
    """The optimum with shedding allowed at every step (no shed reduction)."""
    p = _problem(inp, objective, aggregate, cyclic=inp.storage_end == "cyclic",
                 terminal_kwh=None if inp.storage_end == "cyclic" else inp.stores.initial_kwh)
    assert p.shed_allowed is not None
    p.shed_allowed = None
    return OptimalModel(inp, p, _build(p), whole_period=True).solve().result().objective


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), sharing=st.booleans(), loss=st.sampled_from([0.0, 0.05]),
       outage=st.booleans(), limit=st.sampled_from([np.inf, 1.5]), objective=st.sampled_from(["energy_cost", "co2"]),
       ev_count=st.integers(0, 1))
def test_fixing_shedding_at_zero_keeps_the_optimum(seed, sharing, loss, outage, limit, objective, ev_count):
    """Shedding is fixed at 0 where the grid is available and unlimited; the optimum does not move."""
    n_t = 24
    grid = np.ones(n_t, bool)
    if outage:
        grid[17:22] = False
    inp = random_district(seed, n_t=n_t, n_h=3, sharing=sharing, line_loss_ratio=loss, grid_available=grid,
                          import_limit_kw=limit, community_battery=storage(1, 20.0, 8.0),
                          ev=evs(n_t, ev_count, trip_every=9), mobility_load_kw=0.3)
    p = _problem(inp, objective, True)
    # the reduction applies exactly where the grid can serve any load
    np.testing.assert_array_equal(~p.shed_allowed, grid & np.isinf(limit))
    reduced = OptimalModel.build(inp, objective).solve().result()
    assert reduced.objective == pytest.approx(unreduced_objective(inp, objective), rel=1e-7, abs=1e-7)


@settings(max_examples=10, deadline=None)
@given(billed_districts())
def test_fixing_shedding_at_zero_keeps_the_bill_optimum(inp):
    reduced = OptimalModel.build(inp, "bill").solve().result()
    assert reduced.objective == pytest.approx(unreduced_objective(inp, "bill"), rel=1e-7, abs=1e-6)


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
