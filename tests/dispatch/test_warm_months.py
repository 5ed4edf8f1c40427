"""A long dispatch LP started from its months solved apart: the same optimum as from scratch, and it applies
only where each column belongs to a step or a month (dispatch/optimal/warm.py)."""

from __future__ import annotations

import numpy as np
import pytest
from factories import random_district
from invariants import assert_store_invariants
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.optimal import OptimalModel, warm
from zerodistrict.dispatch.optimal.warm import step_months

#: a dual simplex of HiGHS's own choosing, which the warm start leaves alone
COLD = {"simplex_strategy": 1}


@pytest.fixture
def watched(monkeypatch):
    """Every LP large enough, and what each warm start returned."""
    monkeypatch.setattr(warm, "MIN_COLUMNS", 0)
    calls = []
    real = warm.warm_start_by_months

    def watch(*args, **kwargs):
        calls.append(real(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(warm, "warm_start_by_months", watch)
    return calls


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), days=st.integers(35, 75), homes=st.integers(2, 4),
       loss=st.sampled_from([0.0, 0.02, 0.05]), objective=st.sampled_from(["energy_cost", "co2"]))
def test_months_apart_then_the_whole_period_give_the_optimum_from_scratch(watched, seed, days, homes, loss, objective):
    inputs = random_district(seed, n_t=24 * days, n_h=homes, line_loss_ratio=loss)
    cold = OptimalModel.build(inputs, objective, aggregate=False).solve(COLD)
    watched.clear()
    om = OptimalModel.build(inputs, objective, aggregate=False).solve()
    assert watched and watched[0] is not None, "the warm start should apply to a period over two months"
    assert watched[0]["months"] == np.unique(step_months(inputs.index)).size
    warm_result, cold_result = om.result(), cold.result()
    assert_store_invariants(inputs, warm_result)
    assert warm_result.objective == pytest.approx(cold_result.objective, rel=1e-9, abs=1e-7)


def test_a_row_over_the_whole_period_solves_from_scratch(watched):
    """A user's cap on the period's imports ties every month: the cut would fix every import, so the warm
    start steps aside, and the optimum is the cold one."""
    inputs = random_district(3, n_t=24 * 50, n_h=3, line_loss_ratio=0.02)
    models = [OptimalModel.build(inputs, "energy_cost", aggregate=False) for _ in range(2)]
    for om in models:
        imp = om.model.variables["grid_import"]
        om.model.add_constraints(imp.sum() <= 0.8 * float(inputs.load_kw.sum()), name="import_cap")
    cold = models[0].solve(COLD).result()
    watched.clear()
    again = models[1].solve().result()
    assert watched == [None]
    assert again.objective == pytest.approx(cold.objective, rel=1e-9)


def test_penang_bill_by_month_regimes_from_the_months_basis(watched):
    """The shipped Penang district (30 homes, lossy line, Solar ATAP net metering by month regimes) over two
    months: the first round starts from the months' basis, and the bill LP's optimum is the cold one."""
    from zerodistrict import pipeline
    from zerodistrict.scenario.loading import load_scenario, scenario_from_dict

    d = load_scenario("penang-george-town").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-01-20", "days": 21}
    inputs = pipeline.build_inputs(scenario_from_dict(d))
    cold = OptimalModel.build(inputs, "bill", aggregate=False).solve(COLD)
    watched.clear()
    om = OptimalModel.build(inputs, "bill", aggregate=False).solve()
    assert watched and watched[0] is not None and watched[0]["months"] == 2
    assert om.regimes is not None
    assert om.result().objective == pytest.approx(cold.result().objective, rel=1e-9)


def test_hydrogen_lps_need_more_columns_than_others(monkeypatch):
    """The threshold is :data:`warm.MIN_COLUMNS`, or :data:`warm.MIN_COLUMNS_HYDROGEN` once the LP has a
    hydrogen variable or row (its months mend slowly)."""
    seen = []
    monkeypatch.setattr(warm, "warm_start_by_months", lambda h, col_month, progress=None: seen.append(h) or None)

    class LP:  # the two things warm_start asks of its Highs object and model
        def __init__(self, n, names):
            self.n, self.variables, self.constraints = n, {k: None for k in names}, {}

        def getNumCol(self):
            return self.n

    monkeypatch.setattr(warm, "column_months", lambda m, vlabels, months: None)
    for n, names, applies in ((warm.MIN_COLUMNS, ["grid_import"], True),
                              (warm.MIN_COLUMNS - 1, ["grid_import"], False),
                              (warm.MIN_COLUMNS, ["grid_import", "hydrogen_unserved"], False),
                              (warm.MIN_COLUMNS_HYDROGEN, ["hydrogen_unserved"], True)):
        seen.clear()
        lp = LP(n, names)
        warm.warm_start(lp, lp, None, None)
        assert bool(seen) is applies, (n, names)


def test_one_worker_solves_the_months_in_this_thread(monkeypatch, watched):
    class NoPool:
        def __init__(self, *args, **kwargs):
            raise AssertionError("a thread pool inside one_worker()")

    inputs = random_district(5, n_t=24 * 40, n_h=2, line_loss_ratio=0.02)
    cold = OptimalModel.build(inputs, "energy_cost", aggregate=False).solve(COLD).result()
    monkeypatch.setattr(warm, "ThreadPoolExecutor", NoPool)
    assert warm.workers() == min(warm.WORKERS, len(__import__("os").sched_getaffinity(0)))
    with warm.one_worker():
        assert warm.workers() == 1
        result = OptimalModel.build(inputs, "energy_cost", aggregate=False).solve().result()
    assert watched[-1] is not None
    assert result.objective == pytest.approx(cold.objective, rel=1e-9, abs=1e-7)


def test_a_dask_worker_solves_its_months_in_its_own_thread():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert client.submit(warm.workers).result() == 1
