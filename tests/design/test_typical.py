"""Typical days hold the period's load and PV energy; the extreme days stay as they were."""

from __future__ import annotations

import numpy as np
import pytest
from design.test_sizing import misono
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from zerodistrict.design.sizing_run import district_inputs
from zerodistrict.design.typical import (
    NO_ENERGY_KWH,
    _energy_preserving,
    choose_days,
    steps_per_day,
    typical_inputs,
)


@pytest.fixture(scope="module")
def four_weeks():
    return district_inputs(misono(28, mobility=True))


def test_typical_days_hold_the_periods_energy_per_home(four_weeks):
    inputs = four_weeks
    sub, w, _summary = typical_inputs(inputs, 6)
    for name in ("load_kw", "pv_kw", "mobility_load_kw"):
        year = getattr(inputs, name)
        got = (getattr(sub, name) * (w if year.ndim == 1 else w[:, None])).sum(axis=0)
        assert got == pytest.approx(year.sum(axis=0), rel=1e-12), name


def test_extreme_days_unchanged_and_clustered_days_keep_their_shape(four_weeks):
    inputs = four_weeks
    days, weights = choose_days(inputs, 6)
    sub, _w, _ = typical_inputs(inputs, 6)
    spd = steps_per_day(inputs)
    for k, (d, wd) in enumerate(zip(days, weights)):
        kept = sub.load_kw[k * spd:(k + 1) * spd]
        real = inputs.load_kw[d * spd:(d + 1) * spd]
        if wd == 1.0:
            np.testing.assert_array_equal(kept, real)
        else:  # one positive factor per home over the clustered days
            ratio = kept / real
            assert np.allclose(ratio, ratio[0], rtol=1e-12) and (ratio > 0).all()


@settings(max_examples=40, deadline=None)
@given(year=arrays(float, (48, 3), elements=st.floats(0.0, 10.0, allow_subnormal=False)), data=st.data())
def test_energy_preserving_weighted_sum_is_the_years(year, data):
    kept_rows = data.draw(st.lists(st.integers(0, 47), min_size=2, max_size=6, unique=True))
    kept = year[kept_rows]
    weights = np.asarray(data.draw(st.lists(st.floats(1.0, 8.0), min_size=len(kept_rows), max_size=len(kept_rows))))
    scaled = weights > 1.0
    out = _energy_preserving(year, kept, weights, scaled)
    clustered = (kept[scaled] * weights[scaled, None]).sum(axis=0)
    target = year.sum(axis=0)
    for j in range(year.shape[1]):
        if clustered[j] > NO_ENERGY_KWH and target[j] >= kept[~scaled, j].sum():
            assert (out[:, j] * weights).sum() == pytest.approx(target[j], rel=1e-9, abs=1e-9)
        np.testing.assert_array_equal(out[~scaled, j], kept[~scaled, j])
