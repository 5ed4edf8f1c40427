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


def test_sizing_with_the_line_trunk_equals_pypsa():
    """The trunk as an extendable PyPSA Link between the homes' side and the community bus (the line sized)."""
    pytest.importorskip("pypsa")
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    from bench_sizing import SIZING, misono_case, ours, solve_pypsa_sizing

    sizing = dict(SIZING, line_capacity_kw={"min": 0, "max": 500})
    ours_obj, sm = ours(*misono_case(3, "2025-07-20", sizing))
    line_kw = float(sm.model.variables["line_capacity"].solution)
    assert 0 < line_kw < 500  # an interior size: the trunk trades against the batteries
    assert solve_pypsa_sizing(sm) == pytest.approx(ours_obj, rel=1e-6)
