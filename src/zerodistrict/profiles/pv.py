"""Rooftop PV output per kWp: pvlib's ModelChain with the PVWatts models.

The chain, for one fixed array (:class:`zerodistrict.scenario.PVArray`):

* sun position at each interval's MIDPOINT (the weather index labels
  interval starts) — NREL SPA as vectorised in pvlib;
* plane-of-array irradiance by the Perez (1990) transposition, ground albedo
  0.25 (pvlib's default);
* reflection (incidence-angle) loss on the beam part by the physical IAM
  model of an air–glass interface (De Soto et al. 2006), as in PVWatts v5;
* cell temperature by the PVsyst model with ``u_c = 20 W/m²K, u_v = 0``,
  PVsyst's value for a "semi-integrated" array with an air duct behind —
  the usual pitched-roof mounting (PVsyst 7 help, "Array thermal losses");
* DC power by PVWatts: ``pdc = G_eff/1000 · pdc0 · (1 + γ (T_cell − 25))``
  with γ = −0.37 %/°C, PVWatts v8's "standard" module (NREL, 2022);
* flat DC losses = ``losses_ratio`` (one factor ``1 − losses_ratio``; pvlib's
  ``pvwatts_losses`` with everything but one term set to zero);
* AC by the PVWatts inverter (part-load efficiency curve, clipping at the AC
  rating ``kwp / dc_ac_ratio``; its DC input limit is that rating divided by
  the nominal efficiency).

Simplifications: no shading, no spectral correction, no snow, no degradation;
one orientation per array; wind at the module taken as the weather's wind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zerodistrict.profiles.weather import WEATHER_COLUMNS, step_of

GAMMA_PDC_PER_C = -0.0037  # PVWatts v8 "standard" module, −0.37 %/°C (NREL PVWatts v8 technical reference, 2022)
PVSYST_U_C = 20.0  # [W/m²K] semi-integrated, air duct behind (PVsyst 7 help, "Array thermal losses")
PVSYST_U_V = 0.0  # [W/m²K/(m/s)] PVsyst's default: wind dependence folded into u_c
ALBEDO = 0.25  # pvlib's default ground albedo (assumption: mixed urban/grass)
EFFICIENCY_REF_PDC = 0.9637  # PVWatts inverter reference efficiency (Dobos 2014)


def flat_losses_parameters(losses_ratio: float) -> dict[str, float]:
    """``pvwatts_losses`` parameters whose combined loss is exactly ``losses_ratio`` [0–1]."""
    zero = dict(
        soiling=0.0,
        shading=0.0,
        snow=0.0,
        mismatch=0.0,
        wiring=0.0,
        connections=0.0,
        lid=0.0,
        nameplate_rating=0.0,
        age=0.0,
        availability=0.0,
    )
    return dict(zero, soiling=100.0 * losses_ratio)


def model_chain(latitude: float, longitude: float, altitude_m: float, array):
    """The pvlib ModelChain of one kWp of ``array`` (DC 1,000 W at STC).

    Parameters
    ----------
    latitude, longitude : float
        Site [deg], north and east positive.
    altitude_m : float
        Site altitude [m].
    array : zerodistrict.scenario.PVArray
        ``tilt_deg``, ``azimuth_deg`` (clockwise from north), ``losses_ratio``,
        ``dc_ac_ratio``, ``inverter_efficiency``.

    Returns
    -------
    pvlib.modelchain.ModelChain
    """
    # lazy: a run whose profiles come from the cache (zerodistrict.profiles.cache) never loads pvlib (0.3 s)
    from pvlib.location import Location
    from pvlib.modelchain import ModelChain
    from pvlib.pvsystem import PVSystem

    pdc0_w = 1000.0
    ac_rating_w = pdc0_w / array.dc_ac_ratio
    system = PVSystem(
        surface_tilt=array.tilt_deg,
        surface_azimuth=array.azimuth_deg,
        albedo=ALBEDO,
        module_parameters={"pdc0": pdc0_w, "gamma_pdc": GAMMA_PDC_PER_C},
        inverter_parameters={
            "pdc0": ac_rating_w / array.inverter_efficiency,
            "eta_inv_nom": array.inverter_efficiency,
            "eta_inv_ref": EFFICIENCY_REF_PDC,
        },
        temperature_model_parameters={"u_c": PVSYST_U_C, "u_v": PVSYST_U_V},
        losses_parameters=flat_losses_parameters(array.losses_ratio),
    )
    location = Location(latitude, longitude, tz="UTC", altitude=altitude_m)
    return ModelChain(
        system,
        location,
        dc_model="pvwatts",
        ac_model="pvwatts",
        aoi_model="physical",
        spectral_model="no_loss",
        temperature_model="pvsyst",
        losses_model="pvwatts",
        transposition_model="perez",
    )


def pv_ac_kw_per_kwp(weather: pd.DataFrame, latitude: float, longitude: float, altitude_m: float, array) -> np.ndarray:
    """AC output per kWp of DC on the weather's steps.

    Parameters
    ----------
    weather : pandas.DataFrame
        ``ghi, dni, dhi`` [W/m^2], ``temp_air`` [°C], ``wind_speed`` [m/s]
        on a tz-aware index whose labels are interval STARTS.
    latitude, longitude : float
        Site [deg], north and east positive.
    altitude_m : float
        Site altitude [m].
    array : zerodistrict.scenario.PVArray
        Orientation, losses and inverter of the array (its ``kwp`` is not
        used: the result is per kWp).

    Returns
    -------
    numpy.ndarray
        Shape (t,), AC power [kW per kWp], mean over each interval; ≥ 0, no NaN.

    References
    ----------
    .. [1] A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014.
    .. [2] R. Perez et al., "Modeling daylight availability and irradiance
       components from direct and global irradiance", Solar Energy 44(5), 1990.
    .. [3] W. F. Holmgren, C. W. Hansen and M. A. Mikofski, "pvlib python: a
       python package for modeling solar energy systems", JOSS 3(29), 2018.
    """
    missing = [c for c in WEATHER_COLUMNS if c not in weather.columns]
    if missing:
        raise ValueError(f"weather lacks columns {missing}")
    values = weather.loc[:, list(WEATHER_COLUMNS)]
    if values.isna().to_numpy().any():
        raise ValueError("weather has NaN values")
    step = step_of(weather.index)
    at_midpoints = values.copy()
    at_midpoints.index = weather.index + step / 2
    chain = model_chain(latitude, longitude, altitude_m, array)
    chain.run_model(at_midpoints)
    ac_w = chain.results.ac.to_numpy(dtype=float)
    # pvlib leaves NaN where the sun is down in a few sub-models; no sun → no power
    return np.clip(np.nan_to_num(ac_w, nan=0.0), 0.0, None) / 1000.0


def specific_yield_kwh_per_kwp(ac_kw_per_kwp: np.ndarray, step_hours: float) -> float:
    """Energy per kWp over the series [kWh/kWp] (the series' total × step length)."""
    return float(np.sum(ac_kw_per_kwp) * step_hours)
