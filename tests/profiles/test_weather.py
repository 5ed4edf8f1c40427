"""Weather: EPW/TMY3 readers, mapping a typical year onto a scenario year, the synthetic year.

Real data first: the Johor ISD-TMYx EPW in shared/data (annual GHI ≈2,086
kWh/m², time zone field 7.0; CITIES.md) and pvlib's bundled TMY3 file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.profiles import weather
from zerodistrict.errors import InputError
from zerodistrict.profiles.weather_files import read_weather_file
from zerodistrict.scenario import Period, Site, WeatherSource

from paths import JOHOR_EPW, needs_johor_epw

TMY3 = Path(pvlib.__file__).parent / "data" / "703165TY.csv"
JOHOR_ANNUAL_GHI = 2086.0  # kWh/m², CITIES.md ("Real weather file in this folder")

needs_epw = needs_johor_epw


def site(name="JB", lat=1.4927, lon=103.7414, tz="Asia/Kuala_Lumpur", country="MY") -> Site:
    return Site(name=name, latitude=lat, longitude=lon, timezone=tz, country=country)


def ghi_centroid_h(w: pd.DataFrame) -> float:
    """Irradiance-weighted mean local clock time of the interval midpoints [h]."""
    step_h = (w.index[1] - w.index[0]) / pd.Timedelta(hours=1)
    hours = w.index.hour.to_numpy() + w.index.minute.to_numpy() / 60 + step_h / 2
    return float((hours * w["ghi"]).sum() / w["ghi"].sum())


@pytest.fixture(scope="module")
def johor():
    return read_weather_file(JOHOR_EPW)


@pytest.fixture(scope="module")
def johor_2025():
    source = WeatherSource(source="epw", path=JOHOR_EPW)
    return {
        step: weather.weather_for(source, site(), Period(year=2025, step_minutes=step).index("Asia/Kuala_Lumpur"))
        for step in (60, 15)
    }


# --------------------------------------------------------------------------- reading files


@needs_epw
def test_read_johor_epw(johor):
    data, meta = johor
    assert len(data) == 8760
    assert list(data.columns) == ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
    assert data["ghi"].sum() / 1000 == pytest.approx(JOHOR_ANNUAL_GHI, abs=1.0)
    assert meta["TZ"] == 7.0
    assert data.index[0].utcoffset() == pd.Timedelta(hours=7)
    # EPW hour 1 (the interval 00:00–01:00) is labelled with its start
    assert data.index[0] == pd.Timestamp("2006-01-01 00:00", tz="UTC+07:00")
    assert not data.isna().any().any()


def test_read_tmy3_labels_interval_starts():
    data, meta = read_weather_file(TMY3)
    assert meta["kind"] == "tmy" and meta["TZ"] == -9.0
    assert len(data) == 8760
    # the file's first row is "01/01/1997,01:00" (hour ending) → label 00:00
    assert data.index[0] == pd.Timestamp("1997-01-01 00:00", tz="UTC-09:00")
    # and its last row "12/31/...,24:00" → 23:00 on 31 December
    assert (data.index[-1].month, data.index[-1].day, data.index[-1].hour) == (12, 31, 23)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.epw: weather file not found"):
        read_weather_file(tmp_path / "nope.epw")


def test_not_an_epw(tmp_path):
    path = tmp_path / "load.epw"
    path.write_text("time,kW\n2025-01-01T00:00,1.0\n")
    with pytest.raises(InputError, match=r"load\.epw: not an EPW file \(the first line should start with 'LOCATION'"):
        read_weather_file(path)


def test_unknown_suffix(tmp_path):
    path = tmp_path / "weather.txt"
    path.write_text("x")
    with pytest.raises(InputError, match=r"weather\.txt: cannot tell the weather format from the suffix '\.txt'"):
        read_weather_file(path)


@needs_epw
def test_epw_missing_value_code(tmp_path):
    lines = JOHOR_EPW.read_text().splitlines()
    fields = lines[8 + 12].split(",")  # 1 Jan, hour 13
    fields[13] = "9999"  # GHI field
    lines[8 + 12] = ",".join(fields)
    path = tmp_path / "bad.epw"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InputError, match=r"bad\.epw: 1 values of ghi outside 0\.\.1500 \(a missing-value code\?\), first 9999"
    ):
        read_weather_file(path)


@needs_epw
def test_epw_with_a_gap(tmp_path):
    lines = JOHOR_EPW.read_text().splitlines()
    del lines[8 + 100]
    path = tmp_path / "gap.epw"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InputError, match=r"gap\.epw: not one complete hourly year: 1 hours are missing \(first 01-05 04:00\)"
    ):
        read_weather_file(path)


@needs_epw
def test_epw_truncated_is_an_input_error(tmp_path):
    path = tmp_path / "short.epw"
    path.write_text("\n".join(JOHOR_EPW.read_text().splitlines()[:8]) + "\n")
    with pytest.raises(InputError, match=r"short\.epw: the weather file has no data rows"):
        read_weather_file(path)
    path.write_text("LOCATION,only a name\nrubbish\n")
    with pytest.raises(InputError, match=r"short\.epw: not a readable EPW file \(KeyError"):
        read_weather_file(path)


# --------------------------------------------------------------------------- a file onto the scenario year


@needs_epw
def test_johor_onto_2025_kuala_lumpur_time(johor, johor_2025):
    data, _ = johor
    index = Period(year=2025).index("Asia/Kuala_Lumpur")
    w = johor_2025[60]
    assert w.index.equals(index)
    assert w["ghi"].sum() == pytest.approx(data["ghi"].sum(), rel=1e-3)
    # by instants: the UTC+8 clock reads one hour later than the file's UTC+7 clock
    assert ghi_centroid_h(w) == pytest.approx(ghi_centroid_h(data) + 1.0, abs=1e-6)
    # wrap-around: 1 Jan 00:00 UTC+8 is 31 Dec 23:00 UTC+7, the file's last hour
    last = data[(data.index.month == 12) & (data.index.day == 31) & (data.index.hour == 23)]
    np.testing.assert_allclose(w.iloc[0].to_numpy(), last.iloc[0].to_numpy())


@needs_epw
def test_johor_at_15_minutes_keeps_each_hour(johor_2025):
    hourly, quarter = johor_2025[60], johor_2025[15]
    assert quarter.index.equals(Period(year=2025, step_minutes=15).index("Asia/Kuala_Lumpur"))
    for col in ("ghi", "dni", "dhi"):
        np.testing.assert_allclose(
            quarter[col].to_numpy().reshape(-1, 4).mean(axis=1), hourly[col].to_numpy(), atol=1e-9
        )
    assert quarter["ghi"].sum() / 4 == pytest.approx(hourly["ghi"].sum(), rel=5e-3)
    assert quarter["temp_air"].mean() == pytest.approx(hourly["temp_air"].mean(), abs=0.01)
    # the sun shapes each hour: quarters before sunrise / after sunset stay dark
    assert (quarter["ghi"] > 0).sum() < 4 * (hourly["ghi"] > 0).sum() - 100
    assert (quarter["ghi"] >= 0).all() and not quarter.isna().any().any()


@needs_epw
def test_leap_scenario_year_repeats_28_february():
    source = WeatherSource(source="epw", path=JOHOR_EPW)
    index = Period(year=2024).index("Asia/Bangkok")  # UTC+7, the file's own offset
    w = weather.weather_for(source, site(tz="Asia/Bangkok", country="TH"), index)
    assert len(w) == 8784 and w.index.equals(index)
    np.testing.assert_array_equal(w.loc["2024-02-29"].to_numpy(), w.loc["2024-02-28"].to_numpy())


@needs_epw
def test_override_path_wins_over_the_source():
    source = WeatherSource(source="synthetic", climate="saitama")
    index = Period(year=2025).index("Asia/Kuala_Lumpur")
    w = weather.weather_for(source, site(), index, override_path=JOHOR_EPW)
    assert w["ghi"].sum() / 1000 == pytest.approx(JOHOR_ANNUAL_GHI, abs=1.0)


def test_tmy3_source_onto_local_year():
    index = Period(year=2025).index("America/Anchorage")
    w = weather.weather_for(
        WeatherSource(source="tmy", path=TMY3), site("Sand Point", 55.317, -160.517, "America/Anchorage", "US"), index
    )
    data, _ = read_weather_file(TMY3)
    assert w.index.equals(index)
    assert w["ghi"].sum() == pytest.approx(data["ghi"].sum(), rel=1e-3)


# --------------------------------------------------------------------------- climatologies


def test_climatology_by_key_and_by_distance():
    assert weather.climatology_for(site(), "penang").key == "penang"
    assert weather.climatology_for(site("Misono", 35.893, 139.730, "Asia/Tokyo", "JP")).key == "saitama"
    assert weather.climatology_for(site("Wangsa Maju", 3.205, 101.732)).key == "kuala-lumpur"
    assert weather.climatology_for(site("Kuching North", 1.585, 110.350, "Asia/Kuching")).key == "kuching"
    assert weather.climatology_for(site("Johor Bahru", 1.4927, 103.7414)).key == "johor"


def test_unknown_climatology_key():
    with pytest.raises(
        InputError,
        match=re.escape(
            "weather.climate: unknown climatology 'atlantis'; known: johor, kuala-lumpur, kuching, penang, saitama"
        ),
    ):
        weather.climatology_for(site(), "atlantis")


def test_no_climatology_within_150_km():
    far = site("Nowhere", 60.0, 0.0, "Europe/London", "GB")
    with pytest.raises(
        InputError,
        match=re.escape(
            "site Nowhere (60, 0): no embedded climatology within 150 km; "
            "give weather: {source: epw, path: FILE} or --weather FILE (an EPW or TMY3 file)"
        ),
    ):
        weather.climatology_for(far)


def test_every_climatology_cites_a_source_and_has_12_months():
    for clim in weather.CLIMATOLOGIES.values():
        assert len(clim.ghi_kwh_per_m2_day) == len(clim.temp_air_c) == len(clim.temp_range_c) == 12
        assert re.search(r"(19|20)\d\d", clim.source), clim.key
    assert weather.CLIMATOLOGIES["penang"].annual_ghi_kwh_per_m2 == pytest.approx(5.15 * 365, rel=0.01)


# --------------------------------------------------------------------------- synthetic year

SAITAMA = weather.CLIMATOLOGIES["saitama"]
PENANG = weather.CLIMATOLOGIES["penang"]


def synth(clim, step=60, seed=1, year=2025, tz=None):
    tz = tz or ("Asia/Tokyo" if clim.key == "saitama" else "Asia/Kuala_Lumpur")
    index = Period(year=year, step_minutes=step).index(tz)
    return weather.synthetic_year(index, clim.latitude, clim.longitude, 10.0, clim, seed)


def monthly_mean_daily_ghi(w: pd.DataFrame) -> np.ndarray:
    step_h = (w.index[1] - w.index[0]) / pd.Timedelta(hours=1)
    by_month = w["ghi"].groupby(w.index.month)
    return (by_month.sum() * step_h / 1000 / (by_month.size() * step_h / 24)).to_numpy()


@pytest.fixture(scope="module")
def saitama_years():
    return {step: synth(SAITAMA, step) for step in (60, 15)}


@pytest.mark.parametrize("step", [60, 15])
def test_synthetic_monthly_means_match_climatology(saitama_years, step):
    w = saitama_years[step]
    assert w.index.equals(Period(year=2025, step_minutes=step).index("Asia/Tokyo"))
    np.testing.assert_allclose(monthly_mean_daily_ghi(w), SAITAMA.ghi_kwh_per_m2_day, rtol=0.01)
    np.testing.assert_allclose(w["temp_air"].groupby(w.index.month).mean(), SAITAMA.temp_air_c, atol=0.1)
    assert not w.isna().any().any()
    assert (w[["ghi", "dni", "dhi", "wind_speed"]] >= 0).all().all()


def test_synthetic_hourly_and_15_min_agree(saitama_years):
    annual = {step: saitama_years[step]["ghi"].sum() * step / 60 for step in (60, 15)}
    assert annual[15] == pytest.approx(annual[60], rel=0.01)


@pytest.mark.parametrize("step", [60, 15])
def test_synthetic_below_cap_and_closed(saitama_years, step):
    w = saitama_years[step]
    mid = w.index + pd.Timedelta(minutes=step / 2)
    solpos = pvlib.solarposition.get_solarposition(mid, SAITAMA.latitude, SAITAMA.longitude, altitude=10.0)
    clear = pvlib.location.Location(SAITAMA.latitude, SAITAMA.longitude, altitude=10.0).get_clearsky(
        mid, solar_position=solpos
    )
    assert (w["ghi"].to_numpy() <= 1.1 * clear["ghi"].to_numpy() + 1e-6).all()
    cosz = np.cos(np.radians(solpos["apparent_zenith"].to_numpy()))
    closure = w["ghi"] - w["dhi"] - w["dni"] * np.clip(cosz, 0, None)
    assert np.abs(closure).max() < 2.0  # W/m²
    assert (w["dni"].to_numpy() <= clear["dni"].to_numpy() + 1e-6).all()


def test_synthetic_is_deterministic_per_seed(saitama_years):
    again = synth(SAITAMA, 60, seed=1)
    pd.testing.assert_frame_equal(again, saitama_years[60])
    other = synth(SAITAMA, 60, seed=2)
    assert not np.allclose(other["ghi"], again["ghi"])
    assert not np.allclose(other["temp_air"], again["temp_air"])


def test_synthetic_temperature_cycle_and_clearness(saitama_years):
    w = saitama_years[60]
    # Saitama (139.6° E, JST = 135° E): solar noon ≈ 11:42 local; min near sunrise, max mid-afternoon
    profile = w["temp_air"].groupby(w.index.hour).mean()
    assert 3 <= profile.idxmin() <= 7
    assert 12 <= profile.idxmax() <= 15
    # clear days have a wider diurnal range
    days = w.groupby(w.index.normalize())
    daily_range = days["temp_air"].max() - days["temp_air"].min()
    daily_ghi = days["ghi"].sum()
    summer = daily_ghi.index.month.isin([6, 7, 8])
    assert np.corrcoef(daily_ghi[summer], daily_range[summer])[0, 1] > 0.3
    assert daily_range.mean() == pytest.approx(np.mean(SAITAMA.temp_range_c), abs=1.0)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), key=st.sampled_from(sorted(weather.CLIMATOLOGIES)))
def test_synthetic_matches_every_climatology_for_any_seed(seed, key):
    clim = weather.CLIMATOLOGIES[key]
    w = synth(clim, 60, seed=seed)
    np.testing.assert_allclose(monthly_mean_daily_ghi(w), clim.ghi_kwh_per_m2_day, rtol=0.01)
    assert np.isfinite(w.to_numpy()).all()


def test_synthetic_in_a_leap_year_has_every_step():
    w = synth(PENANG, 60, year=2024)
    assert len(w) == 8784
    np.testing.assert_allclose(monthly_mean_daily_ghi(w), PENANG.ghi_kwh_per_m2_day, rtol=0.01)


def test_weather_for_synthetic_uses_the_nearest_climatology():
    misono = site("Misono", 35.893, 139.730, "Asia/Tokyo", "JP")
    index = Period(year=2025).index("Asia/Tokyo")
    w = weather.weather_for(WeatherSource(seed=3), misono, index)
    assert w["ghi"].sum() / 1000 == pytest.approx(SAITAMA.annual_ghi_kwh_per_m2, rel=0.01)


def test_weather_for_synthetic_far_away_site_asks_for_a_file():
    far = site("Nowhere", 60.0, 0.0, "Europe/London", "GB")
    with pytest.raises(InputError, match=r"no embedded climatology within 150 km"):
        weather.weather_for(WeatherSource(), far, Period(year=2025).index("Europe/London"))
