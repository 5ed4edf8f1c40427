"""The PV chain written again with pvlib's functions, step by step: an independent reference for the tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib

from zerodistrict.scenario import PVArray


def independent_ac_kw_per_kwp(w: pd.DataFrame, lat: float, lon: float, alt: float, array: PVArray) -> np.ndarray:
    """The same physics written with pvlib's functions, step by step.

    Losses applied: Perez transposition (albedo 0.25); physical IAM on the beam
    part only; PVsyst cell temperature (u_c = 20, u_v = 0); PVWatts DC with
    γ = −0.37 %/°C; one flat DC loss factor (1 − losses_ratio); PVWatts
    inverter with DC limit (kwp/dc_ac_ratio)/η and η_nom = inverter_efficiency.
    Sun at interval midpoints.
    """
    step = w.index[1] - w.index[0]
    mid = w.index + step / 2
    sun = pvlib.solarposition.get_solarposition(mid, lat, lon, altitude=alt)
    airmass = pvlib.atmosphere.get_relative_airmass(sun["apparent_zenith"], model="kastenyoung1989")
    poa = pvlib.irradiance.get_total_irradiance(
        array.tilt_deg,
        array.azimuth_deg,
        sun["apparent_zenith"],
        sun["azimuth"],
        w["dni"].to_numpy(),
        w["ghi"].to_numpy(),
        w["dhi"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(mid),
        airmass=airmass,
        albedo=0.25,
        model="perez",
    )
    aoi = pvlib.irradiance.aoi(array.tilt_deg, array.azimuth_deg, sun["apparent_zenith"], sun["azimuth"])
    effective = poa["poa_direct"] * pvlib.iam.physical(aoi) + poa["poa_diffuse"]
    t_cell = pvlib.temperature.pvsyst_cell(
        poa["poa_global"], w["temp_air"].to_numpy(), w["wind_speed"].to_numpy(), u_c=20.0, u_v=0.0
    )
    pdc = pvlib.pvsystem.pvwatts_dc(effective, t_cell, 1000.0, -0.0037) * (1 - array.losses_ratio)
    pac = pvlib.inverter.pvwatts(
        pdc, 1000.0 / array.dc_ac_ratio / array.inverter_efficiency, eta_inv_nom=array.inverter_efficiency
    )
    return np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0, None) / 1000.0
