"""The synthetic year against the published annual irradiation of each place (issue 16: within 3 %).

The normals are read from the catalog file (``ghi_annual_normal_kwh_per_m2``, a sourced value apart
from the monthly series the year is built from), and the year's annual GHI is summed from its steps.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import JOHOR_EPW, needs_johor_epw

from zerodistrict import catalog
from zerodistrict.profiles.weather import ANNUAL_GHI_TOLERANCE_RATIO, synthetic_year
from zerodistrict.profiles.weather_files import read_weather_file

FILE = catalog.DATA_DIR / "climatologies.yaml"
CLIMATES = catalog.climatologies(FILE)
RAW = yaml.safe_load(FILE.read_text(encoding="utf-8"))
WITH_NORMAL = sorted(k for k, c in CLIMATES.items() if c.ghi_annual_normal_kwh_per_m2 is not None)


def year_index(longitude: float, year: int = 2025, freq: str = "60min") -> pd.DatetimeIndex:
    """A calendar year of interval starts in the place's standard time (a fixed offset from its longitude)."""
    offset_h = round(longitude / 15.0)
    tz = f"Etc/GMT{-offset_h:+d}"  # POSIX sign: Etc/GMT-9 is UTC+9
    return pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq=freq, inclusive="left", tz=tz)


def annual_ghi_kwh_per_m2(weather: pd.DataFrame) -> float:
    """Sum of the year's GHI [kWh/m²]: every value is an interval mean [W/m²] over its step."""
    step_h = (weather.index[1] - weather.index[0]) / pd.Timedelta(hours=1)
    return float(weather["ghi"].sum() * step_h / 1000.0)


def synthetic(key: str, seed: int, freq: str = "60min", year: int = 2025) -> pd.DataFrame:
    c = CLIMATES[key]
    return synthetic_year(year_index(c.longitude, year, freq), c.latitude, c.longitude, 0.0, c, seed)


def test_every_place_has_a_sourced_annual_normal():
    assert set(WITH_NORMAL) == set(CLIMATES)
    for key in WITH_NORMAL:
        node = RAW[key]["ghi_annual_normal_kwh_per_m2"]
        assert not node.get("assumption") and node.get("source", "").strip() and str(node.get("year", "")).strip(), key
        assert 800 < node["value"] < 2600, key  # kWh/m²/yr: a place on Earth, not a daily or W/m² figure


@pytest.mark.parametrize("key", WITH_NORMAL)
def test_synthetic_year_matches_the_published_annual_normal(key):
    normal = CLIMATES[key].ghi_annual_normal_kwh_per_m2
    annual = annual_ghi_kwh_per_m2(synthetic(key, seed=42))
    assert abs(annual / normal - 1) <= ANNUAL_GHI_TOLERANCE_RATIO, f"{key}: {annual:.0f} vs {normal:.0f} kWh/m²"


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), key=st.sampled_from(WITH_NORMAL), leap=st.booleans())
def test_any_seed_and_year_stays_within_the_tolerance(seed, key, leap):
    normal = CLIMATES[key].ghi_annual_normal_kwh_per_m2
    annual = annual_ghi_kwh_per_m2(synthetic(key, seed, year=2024 if leap else 2025))
    assert abs(annual / normal - 1) <= ANNUAL_GHI_TOLERANCE_RATIO, (key, seed, annual, normal)


def test_fifteen_minute_steps_hold_the_same_annual_energy():
    hourly = annual_ghi_kwh_per_m2(synthetic("kuala-lumpur", 3))
    quarter = annual_ghi_kwh_per_m2(synthetic("kuala-lumpur", 3, freq="15min"))
    normal = CLIMATES["kuala-lumpur"].ghi_annual_normal_kwh_per_m2
    assert abs(quarter / normal - 1) <= ANNUAL_GHI_TOLERANCE_RATIO
    assert quarter == pytest.approx(hourly, rel=0.01)


def test_a_monthly_series_off_its_normal_is_caught():
    # the check is not vacuous: a climatology whose months are 5 % too sunny fails it
    c = CLIMATES["penang"]
    brighter = type(c)(**{**c.__dict__, "ghi_kwh_per_m2_day": tuple(1.05 * v for v in c.ghi_kwh_per_m2_day)})
    weather = synthetic_year(year_index(c.longitude), c.latitude, c.longitude, 0.0, brighter, 1)
    assert annual_ghi_kwh_per_m2(weather) / c.ghi_annual_normal_kwh_per_m2 - 1 > ANNUAL_GHI_TOLERANCE_RATIO


@needs_johor_epw
def test_johor_normal_is_the_real_file_and_the_synthetic_year_matches_it():
    data, _ = read_weather_file(JOHOR_EPW)
    file_kwh = float(data["ghi"].sum()) / 1000.0  # hourly values [Wh/m²]
    assert CLIMATES["johor"].ghi_annual_normal_kwh_per_m2 == pytest.approx(file_kwh, rel=1e-3)
    months = data.groupby(data.index.month)["ghi"]
    file_daily = (months.sum() / months.size() * 24 / 1000.0).to_numpy()
    assert np.allclose(CLIMATES["johor"].ghi_kwh_per_m2_day, file_daily, atol=0.006)
    annual = annual_ghi_kwh_per_m2(synthetic("johor", seed=0))
    assert abs(annual / file_kwh - 1) <= ANNUAL_GHI_TOLERANCE_RATIO


def test_validation_page_names_its_command_and_its_figures_exist():
    from paths import REPO

    page = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    assert "python docs/validation.py" in page and (REPO / "docs" / "validation.py").is_file()
    figures = re.findall(r"\]\((validation/[\w.-]+\.png)\)", page)
    assert len(figures) >= 4
    for rel in figures:
        assert (REPO / "docs" / rel).is_file(), rel
