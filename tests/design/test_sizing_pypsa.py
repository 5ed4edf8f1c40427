"""The sizing LP equals an independent capacity-expansion formulation in PyPSA (extendable PV, stores, links)."""

from __future__ import annotations

import logging

import pytest


@pytest.mark.parametrize("start", ["2025-01-10", "2025-07-20"])
def test_sizing_optimum_equals_pypsa(start):
    pytest.importorskip("pypsa")
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    from bench_sizing import misono_case, ours, solve_pypsa_sizing

    ours_obj, sm = ours(*misono_case(3, start))
    assert sm.model.variables["pv_capacity"].solution.values[0] > 0  # something is sized, not a corner at zero
    assert solve_pypsa_sizing(sm) == pytest.approx(ours_obj, rel=1e-6)
