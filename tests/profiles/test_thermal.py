"""Physics of the ISO 13790 5R1C home model, the heat pump's COP curve and the households' spread."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict import catalog
from zerodistrict.errors import InputError
from zerodistrict.profiles import households, thermal
from zerodistrict.profiles.thermal import (
    Dwelling,
    Envelope,
    heat_pump_cop,
    simulate_5r1c,
    zone_for,
)

BIG_W = 1e9  # an unlimited unit


def dwelling(**change) -> Dwelling:
    fields = {"name": "d", "description": "", "country": "JP", "envelope": "e", "floor_area_m2": 120.0,
              "storeys": 2, "storey_height_m": 2.8, "aspect_ratio": 1.2, "party_walls": False,
              "window_floor_ratio_front": 0.1, "window_floor_ratio_back": 0.05, "window_floor_ratio_sides": 0.03,
              "shading_factor": 0.8, "thermal_mass": "medium", "conditioned_ratio": 1.0, "household_size": 4,
              "heating_setpoint_c": 20.0, "cooling_setpoint_c": 26.0, "heating_hours": ((0, 0),),
              "cooling_hours": ((0, 0),), "heating_cop": 4.0, "cooling_cop": 4.0, "capacity_w_m2": 150.0}
    return Dwelling(**{**fields, **change})


def envelope(wall=0.5, roof=0.3, floor=0.5, window=2.3, g=0.6, ach=0.5) -> Envelope:
    return Envelope("e", "", wall, roof, floor, window, g, ach)


def network_steady_w_per_k(zone) -> float:
    """Steady-state conductance of the 5R1C network from its five conductances, by hand.

    Air → outdoor directly (H_ve), and air → surface (H_tr,is) in series with the
    surface's two parallel paths to outdoor: windows (H_tr,w) and mass → outdoor
    (H_tr,ms in series with H_tr,em, i.e. the opaque H_op).
    """
    series_op = 1.0 / (1.0 / zone.h_tr_ms + 1.0 / zone.h_tr_em)
    return float(zone.h_ve + 1.0 / (1.0 / zone.h_tr_is + 1.0 / (zone.h_tr_w + series_op)))


envelopes = st.builds(envelope, wall=st.floats(0.2, 3.0), roof=st.floats(0.1, 3.0), floor=st.floats(0.2, 2.0),
                      window=st.floats(1.0, 6.0), g=st.floats(0.2, 0.9), ach=st.floats(0.2, 3.0))
masses = st.sampled_from(list(thermal.THERMAL_MASS_CLASSES))


# --------------------------------------------------------------------------- steady state


@settings(max_examples=40, deadline=None)
@given(env=envelopes, mass=masses, area=st.floats(40.0, 250.0), outdoor=st.floats(-15.0, 45.0),
       setpoint=st.floats(18.0, 28.0))
def test_steady_state_power_equals_conductance_times_temperature_difference(env, mass, area, outdoor, setpoint):
    zone = zone_for(dwelling(thermal_mass=mass), env, floor_area_m2=area)
    n_t = 24 * 60
    result = simulate_5r1c(zone, np.full(n_t, outdoor), np.zeros((n_t, 1)), np.zeros(n_t),
                           np.full(n_t, setpoint), np.full(n_t, setpoint), BIG_W, BIG_W, 1.0,
                           theta_m0_c=setpoint, warmup_steps=n_t)
    expected_w = network_steady_w_per_k(zone) * (setpoint - outdoor)
    net_w = result.heating_w[-1, 0] - result.cooling_w[-1, 0]
    assert net_w == pytest.approx(expected_w, rel=1e-6, abs=1e-6)
    assert result.theta_air_c[-1, 0] == pytest.approx(setpoint, abs=1e-9)
    # the network's loss is UA (ventilation + windows + opaque) with ISO's surface film H_tr,is in series
    ua = float(zone.h_ve + zone.h_tr_w + zone.h_tr_op)
    assert float(zone.h_ve) < network_steady_w_per_k(zone) <= ua + 1e-9


def test_steady_state_tends_to_ua_when_the_surface_film_vanishes():
    zone = zone_for(dwelling(), envelope())
    stiff = thermal.ThermalZone(**{**zone.__dict__, "h_tr_is": zone.h_tr_is * 1e6})
    n_t = 24 * 40
    result = simulate_5r1c(stiff, np.zeros(n_t), np.zeros((n_t, 1)), np.zeros(n_t), np.full(n_t, 20.0),
                           np.full(n_t, 26.0), BIG_W, BIG_W, 1.0, theta_m0_c=20.0, warmup_steps=n_t)
    ua = float(zone.h_ve + zone.h_tr_w + zone.h_tr_op)
    assert result.heating_w[-1, 0] == pytest.approx(ua * 20.0, rel=1e-4)


# --------------------------------------------------------------------------- free running


@settings(max_examples=40, deadline=None)
@given(env=envelopes, mass=masses, mean=st.floats(21.0, 25.0), amplitude=st.floats(0.0, 2.5),
       seed=st.integers(0, 2**16))
def test_no_heating_or_cooling_while_indoor_stays_within_the_setpoints(env, mass, mean, amplitude, seed):
    zone = zone_for(dwelling(thermal_mass=mass), env)
    n_t = 24 * 20
    rng = np.random.default_rng(seed)
    outdoor = mean + amplitude * np.sin(np.arange(n_t) * 2 * np.pi / 24) + rng.uniform(-0.3, 0.3, n_t)
    result = simulate_5r1c(zone, outdoor, np.zeros((n_t, 2)), np.zeros(n_t), np.full(n_t, 18.0), np.full(n_t, 28.0),
                           BIG_W, BIG_W, 1.0, theta_m0_c=mean)
    assert np.all(result.heating_w == 0.0) and np.all(result.cooling_w == 0.0)
    # without gains every node is a weighted mean of past outdoor temperatures and its start
    lo, hi = min(outdoor.min(), mean), max(outdoor.max(), mean)
    assert np.all(result.theta_air_c >= lo - 1e-9) and np.all(result.theta_air_c <= hi + 1e-9)


def test_unit_off_outside_its_hours_and_setpoint_held_inside():
    zone = zone_for(dwelling(), envelope())
    index = pd.date_range("2025-01-01", periods=24 * 5, freq="60min", tz="Asia/Tokyo")
    heat_set = thermal.schedule_setpoints(index, 1.0, 20.0, [(6, 9), (17, 23)], -np.inf)
    result = simulate_5r1c(zone, np.full(len(index), 0.0), np.zeros((len(index), 1)), np.zeros(len(index)),
                           heat_set, np.full(len(index), np.inf), BIG_W, BIG_W, 1.0, theta_m0_c=15.0)
    on = np.isfinite(heat_set)
    assert np.all(result.heating_w[~on] == 0.0)
    assert np.allclose(result.theta_air_c[on, 0], 20.0)
    assert set(index.hour[on]) == {6, 7, 8, 17, 18, 19, 20, 21, 22}


def test_capacity_caps_the_power():
    zone = zone_for(dwelling(), envelope())
    n_t = 48
    result = simulate_5r1c(zone, np.full(n_t, -10.0), np.zeros((n_t, 1)), np.zeros(n_t), np.full(n_t, 20.0),
                           np.full(n_t, 26.0), 500.0, 500.0, 1.0, theta_m0_c=20.0)
    assert result.heating_w.max() == pytest.approx(500.0)
    assert result.theta_air_c[-1, 0] < 20.0


# --------------------------------------------------------------------------- energy conservation


@settings(max_examples=40, deadline=None)
@given(env=envelopes, mass=masses, seed=st.integers(0, 2**16), step_h=st.sampled_from([1.0, 0.25]),
       capacity=st.floats(0.0, 5000.0))
def test_rc_network_conserves_energy(env, mass, seed, step_h, capacity):
    zone = zone_for(dwelling(thermal_mass=mass), env)
    rng = np.random.default_rng(seed)
    n_t, n = 96, 3
    outdoor = rng.uniform(-5, 38, n_t)
    phi_int = rng.uniform(0, 800, (n_t, n))
    phi_sol = rng.uniform(-200, 3000, n_t)
    r = simulate_5r1c(zone, outdoor, phi_int, phi_sol, np.full(n_t, 20.0), np.full(n_t, 26.0), capacity, capacity,
                      step_h)
    te = outdoor[:, None]
    theta_m = 0.5 * (r.theta_m_start_c + r.theta_m_end_c)  # ISO 13790 C.9: the step's mass temperature
    phi_hc = r.heating_w - r.cooling_w
    losses = (zone.h_ve * (r.theta_air_c - te) + zone.h_tr_w * (r.theta_s_c - te)
              + zone.h_tr_em * (theta_m - te))
    stored_w = zone.c_m_j_k * (r.theta_m_end_c - r.theta_m_start_c) / (step_h * 3600.0)
    # ISO 13790 C.3 lets the share H_tr,w / (9.1 A_t) of the surface and mass gains leave through the windows
    # directly; every other watt of gain is either lost through a conductance or stored in the mass
    direct_w = zone.h_tr_w / (9.1 * zone.a_t_m2) * (0.5 * phi_int + phi_sol[:, None])
    np.testing.assert_allclose(phi_int + phi_sol[:, None] - direct_w + phi_hc - losses, stored_w,
                               rtol=1e-9, atol=1e-6)
    # each massless node balances on its own
    air = 0.5 * phi_int + phi_hc + zone.h_ve * (te - r.theta_air_c) + zone.h_tr_is * (r.theta_s_c - r.theta_air_c)
    np.testing.assert_allclose(air, 0.0, atol=1e-6)
    # the mass start of each step is the end of the step before
    np.testing.assert_allclose(r.theta_m_start_c[1:], r.theta_m_end_c[:-1], atol=1e-12)


# --------------------------------------------------------------------------- heat pump


@settings(max_examples=60, deadline=None)
@given(t1=st.floats(-30, 50), t2=st.floats(-30, 50), indoor=st.floats(16, 30), rated=st.floats(1.5, 7.0))
def test_cop_curve_is_monotone_in_outdoor_temperature(t1, t2, indoor, rated):
    lo, hi = min(t1, t2), max(t1, t2)
    assert heat_pump_cop(hi, indoor, rated, "cooling") <= heat_pump_cop(lo, indoor, rated, "cooling") + 1e-12
    assert heat_pump_cop(hi, indoor, rated, "heating") >= heat_pump_cop(lo, indoor, rated, "heating") - 1e-12
    assert heat_pump_cop(lo, indoor, rated, "cooling") > 0 and heat_pump_cop(lo, indoor, rated, "heating") > 0


def test_cop_is_rated_at_the_rating_conditions():
    assert heat_pump_cop(35.0, 27.0, 4.5, "cooling") == pytest.approx(4.5)
    assert heat_pump_cop(7.0, 20.0, 5.0, "heating") == pytest.approx(5.0)
    # Staffell et al. (2012): at a 40 K lift an ASHP reaches 6.81 − 4.84 + 1.008 = 2.978
    fit_13 = 6.81 - 0.121 * 13 + 0.000630 * 169
    assert heat_pump_cop(-20.0, 20.0, fit_13, "heating") == pytest.approx(2.978)


# --------------------------------------------------------------------------- households


def test_households_are_seeded_and_reproducible():
    a = households.appliance_kwh_per_home(4000.0, 0.35, 50, seed=7)
    b = households.appliance_kwh_per_home(4000.0, 0.35, 50, seed=7)
    c = households.appliance_kwh_per_home(4000.0, 0.35, 50, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(a > 0) and a.std() > 0


def test_household_distribution_has_its_mean_and_spread():
    kwh = households.appliance_kwh_per_home(4000.0, 0.35, 200_000, seed=1)
    assert kwh.mean() == pytest.approx(4000.0, rel=0.01)
    assert kwh.std() / kwh.mean() == pytest.approx(0.35, rel=0.03)
    np.testing.assert_allclose(households.appliance_kwh_per_home(4000.0, 0.0, 5, seed=1), 4000.0)


def test_japanese_four_person_household_uses_about_1_45_times_the_mean():
    jp = households.get_household_defaults("JP")
    assert households.typical_kwh(jp, 4, appliances_only=False) == pytest.approx(4175 * 2.53 / 1.74, rel=2e-3)
    assert households.typical_kwh(jp, 9, False) == households.typical_kwh(jp, 6, False)  # 6+ persons
    ratios = jp.size_ratio
    assert list(ratios) == sorted(ratios)


# --------------------------------------------------------------------------- catalog


@pytest.mark.parametrize("name", ["jp-h28", "jp-zeh", "jp-heat20-g2"])
def test_japanese_envelopes_meet_their_standard_on_the_reference_house(name):
    env = catalog.envelopes()[name]
    house = catalog.dwellings()["jp-detached"]
    zone = zone_for(house, env, conditioned_ratio=1.0)
    footprint = house.floor_area_m2 / house.storeys
    area = sum(zone.wall_m2) + sum(zone.window_m2) + 2 * footprint
    ua = (env.wall_u_w_m2k * sum(zone.wall_m2) + env.window_u_w_m2k * sum(zone.window_m2)
          + (env.roof_u_w_m2k + env.floor_u_w_m2k) * footprint) / area
    assert ua <= env.ua_w_m2k
    assert ua >= 0.85 * env.ua_w_m2k  # a house near the limit, not far better than its level


def test_better_envelopes_lose_less_heat():
    envs, house = catalog.envelopes(), catalog.dwellings()["jp-detached"]
    h = [float(zone_for(house, envs[n]).h_total) for n in ("jp-h28", "jp-zeh", "jp-heat20-g2")]
    assert h == sorted(h, reverse=True)
    terrace = catalog.dwellings()["my-terrace"]
    assert zone_for(terrace, envs["my-insulated-retrofit"]).h_total < zone_for(terrace, envs["my-brick-terrace"]).h_total


# --------------------------------------------------------------------------- bad input


def test_zone_rejects_an_envelope_above_the_mass_coupling():
    with pytest.raises(InputError, match=r"building: the opaque envelope's conductance .*\(ISO 13790 eq\. 63\)"):
        zone_for(dwelling(thermal_mass="very-light"), envelope(wall=50.0, roof=50.0, floor=50.0))


def test_cop_rejects_a_bad_rating():
    with pytest.raises(InputError, match=r"building\.air_conditioner: rated COP must be > 0"):
        heat_pump_cop(30.0, 26.0, 0.0, "cooling")


def test_households_reject_bad_values():
    with pytest.raises(InputError, match=r"homes\[\]\.household\.appliance_kwh: must be > 0"):
        households.appliance_kwh_per_home(-1.0, 0.3, 3, seed=0)
    with pytest.raises(InputError, match=r"homes\[\]\.household\.appliance_cv"):
        households.appliance_kwh_per_home(1000.0, -0.1, 3, seed=0)
    with pytest.raises(InputError, match=r"site\.country: no household defaults for country 'XX'"):
        households.get_household_defaults("XX")


def test_catalog_record_errors_name_the_file_and_key(tmp_path):
    path = tmp_path / "buildings.yaml"
    path.write_text("envelopes:\n  bad:\n    description: x\n    wall_u_w_m2k: {value: -1, assumption: test}\n"
                    "    roof_u_w_m2k: {value: 1, assumption: t}\n    floor_u_w_m2k: {value: 1, assumption: t}\n"
                    "    window_u_w_m2k: {value: 1, assumption: t}\n    window_g_ratio: {value: 0.5, assumption: t}\n"
                    "    air_changes_per_h: {value: 1, assumption: t}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"buildings\.yaml: envelopes\.bad: envelope bad: wall_u_w_m2k must be > 0"):
        catalog.envelopes(path)


BASE = {
    "name": "t",
    "site": {"name": "x", "latitude": 3.2, "longitude": 101.7, "timezone": "Asia/Kuala_Lumpur", "country": "MY"},
    "period": {"year": 2025, "days": 7},
    "homes": [{"group": "a", "count": 3, "load": {"archetype": "my-terrace"},
               "building": {"dwelling": "my-terrace"}, "household": {"size": 4}}],
    "grid": {"currency": "MYR", "import_price": 0.5, "emission_factor_kg_per_kwh": 0.6},
}


def scenario(**home_changes):
    from zerodistrict.scenario import scenario_from_dict

    data = copy.deepcopy(BASE)
    for key, value in home_changes.items():
        if value is None:
            data["homes"][0].pop(key)
        else:
            data["homes"][0][key] = value
    return scenario_from_dict(data, source="s.yaml")


@pytest.mark.parametrize("change, message", [
    ({"load": {"archetype": "my-terrace", "annual_kwh": 5000}},
     r"homes\[0\]: load\.annual_kwh: with a building the appliance energy is household\.appliance_kwh"),
    ({"building": {"dwelling": "igloo"}}, r"homes\[0\]\.building\.dwelling: unknown dwelling 'igloo'"),
    ({"building": {"dwelling": "my-terrace", "envelope": "straw"}}, r"homes\[0\]\.building\.envelope: unknown envelope"),
    ({"household": {"appliance_kwh": -5}}, r"homes\[0\]\.household\.appliance_kwh: .*greater than 0"),
    ({"building": {"dwelling": "my-terrace", "air_conditioner": {"heating_setpoint_c": 27, "cooling_setpoint_c": 24}}},
     r"homes\[0\]\.building\.air_conditioner: .*heating_setpoint_c 27\.0 is above cooling_setpoint_c 24\.0"),
    ({"building": {"dwelling": "my-terrace", "air_conditioner": {"cooling_hours": [[22, 25]]}}},
     r"homes\[0\]\.building\.air_conditioner\.cooling_hours: .*must lie in 0–24"),
    ({"building": None, "household": None}, r"homes\[0\]: load\.annual_kwh: needed"),
    ({"load": {"csv": __file__}}, r"homes\[0\]: building, household: need an archetype load"),
])
def test_bad_building_inputs_name_the_field(change, message):
    with pytest.raises(InputError, match=message):
        scenario(**change)


# --------------------------------------------------------------------------- in the pipeline


def test_building_group_loads_add_up_and_insulation_cuts_cooling():
    from zerodistrict.pipeline import build_inputs

    typical = build_inputs(scenario())
    retrofit = build_inputs(scenario(building={"dwelling": "my-terrace", "envelope": "my-insulated-retrofit"}))
    assert typical.heating_kw is not None and np.all(typical.heating_kw == 0.0)
    assert 0 < retrofit.cooling_kw.sum() < typical.cooling_kw.sum()
    # the appliances are the same homes: the whole difference in load is cooling
    np.testing.assert_allclose(typical.load_kw.sum(axis=1) - retrofit.load_kw.sum(axis=1),
                               typical.cooling_kw - retrofit.cooling_kw, atol=1e-9)
    # cooling runs in the bedrooms' hours only (22:00-07:00)
    hours = typical.index.hour[typical.cooling_kw > 0]
    assert set(hours) <= {22, 23, 0, 1, 2, 3, 4, 5, 6}


def test_archetype_only_groups_keep_their_loads():
    from zerodistrict.pipeline import build_inputs
    from zerodistrict.profiles.loads import archetype_load_kw

    sc = scenario(building=None, household=None, load={"archetype": "my-terrace", "annual_kwh": 5000, "seed": 3})
    inputs = build_inputs(sc)
    assert inputs.heating_kw is None and inputs.cooling_kw is None
    from zerodistrict.profiles.weather import weather_for

    weather = weather_for(sc.weather, sc.site, sc.index())
    expected = archetype_load_kw("my-terrace", 5000, 3, sc.index(), weather["temp_air"].to_numpy(), seed=3 * 7919)
    np.testing.assert_array_equal(inputs.load_kw, expected)


def test_household_spread_without_a_building_keeps_the_shape():
    from zerodistrict.pipeline import build_inputs

    sc = scenario(building=None, household={"appliance_kwh": 5000, "appliance_cv": 0.3, "seed": 1})
    inputs = build_inputs(sc)
    energy = inputs.load_kw.sum(axis=0)
    assert energy.std() > 0
    expected = households.appliance_kwh_per_home(5000, 0.3, 3, seed=7919) * 7 / 365
    np.testing.assert_allclose(energy, expected, rtol=1e-9)


@pytest.mark.parametrize("start", ["2025-01-06", "2025-08-04"])
def test_hourly_and_quarter_hourly_steps_agree(start):
    from zerodistrict.pipeline import build_inputs
    from zerodistrict.scenario import scenario_from_dict

    energy = {}
    for step in (60, 15):
        data = copy.deepcopy(BASE)
        data["site"] = {"name": "x", "latitude": 35.9, "longitude": 139.7, "timezone": "Asia/Tokyo", "country": "JP"}
        data["period"] = {"year": 2025, "step_minutes": step, "start": start, "days": 14}
        data["homes"][0].update(load={"archetype": "jp-detached"}, building={"dwelling": "jp-detached"})
        inputs = build_inputs(scenario_from_dict(data))
        energy[step] = (inputs.heating_kw.sum() + inputs.cooling_kw.sum()) * step / 60
    assert energy[60] > 50.0  # the period needs heating or cooling
    assert energy[15] == pytest.approx(energy[60], rel=0.03)
