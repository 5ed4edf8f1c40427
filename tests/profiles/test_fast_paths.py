"""The profiles' replacements of scipy.signal.lfilter and scipy.stats.beta.ppf give the same numbers to the bit.

They exist so that a run does not import scipy.signal and scipy.stats (about 0.3 s); the synthetic weather's
AR(1) series, its daily clearness and the loads' smoothed temperature must not change by a bit.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lfilter
from scipy.special import ndtr
from scipy.stats import beta

from zerodistrict.profiles.loads import first_order_filter
from zerodistrict.profiles.weather import _beta_ppf

finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.floats(-2, 2), st.floats(-0.999, 0.999), finite, st.integers(0, 2**32 - 1),
       st.sampled_from([1e-3, 1.0, 40.0, 1e5]))
def test_first_order_filter_is_lfilter(n, b0, a1, z0, seed, scale):
    x = np.random.default_rng(seed).standard_normal(n) * scale
    expected = lfilter([b0], [1.0, a1], x, zi=[z0])[0] if n else np.empty(0)
    assert np.array_equal(first_order_filter(b0, a1, x, z0), expected)


def test_first_order_filter_on_the_weather_and_load_coefficients():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(8760) * 10 + 25
    alpha = 1.0 - np.exp(-1.0 / 6.0)
    assert np.array_equal(first_order_filter(alpha, alpha - 1.0, x, (1.0 - alpha) * 25.3),
                          lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1.0 - alpha) * 25.3])[0])
    phi = 0.7
    assert np.array_equal(first_order_filter(np.sqrt(1 - phi**2), -phi, x, phi * 0.4),
                          lfilter([np.sqrt(1 - phi**2)], [1.0, -phi], x, zi=[phi * 0.4])[0])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.floats(0.2, 60), st.integers(0, 2**32 - 1), st.sampled_from([1.0, 5.0, 40.0]))
def test_beta_ppf_is_scipy_stats(n, concentration, seed, spread):
    rng = np.random.default_rng(seed)
    q = ndtr(rng.standard_normal(n) * spread)  # includes exact 0 and 1 at the widest spread
    q[: n // 10] = rng.choice([0.0, 1.0, np.nan, -0.5, 1.5], n // 10)
    mu = rng.uniform(0.05, 0.95, n)
    a, b = mu * concentration, (1 - mu) * concentration
    with warnings.catch_warnings():  # Boost's root finder warns at extreme q, the same in both
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.array_equal(_beta_ppf(q, a, b), beta.ppf(q, a, b), equal_nan=True)
