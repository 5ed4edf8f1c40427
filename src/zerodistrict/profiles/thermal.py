"""Homes as buildings: the hourly 5R1C resistance–capacitance model of ISO 13790.

What is modelled
----------------
Each home's conditioned zone is the simple hourly method of ISO 13790:2008,
Annex C (ISO 52016-1:2017 replaced the standard with a finer node model; the
"5R1C" network stays the usual reduced model of a zone):
three temperature nodes — indoor air :math:`\\theta_{air}`, a star node of the
inner surfaces :math:`\\theta_s` and the building mass :math:`\\theta_m` with
its heat capacity :math:`C_m` — joined by five conductances [W/K]:

* :math:`H_{ve}` air ↔ outdoor (ventilation and infiltration, §9.3:
  :math:`\\rho_a c_a \\, n \\, V / 3600`);
* :math:`H_{tr,is} = h_{is} A_t` air ↔ surface (eq. 9, :math:`h_{is}` = 3.45 W/m²K,
  :math:`A_t = 4.5 A_f`);
* :math:`H_{tr,w}` surface ↔ outdoor (windows, :math:`\\sum U_w A_w`);
* :math:`H_{tr,ms} = h_{ms} A_m` surface ↔ mass (eq. 64, :math:`h_{ms}` = 9.1 W/m²K);
* :math:`H_{tr,em} = 1 / (1/H_{tr,op} - 1/H_{tr,ms})` mass ↔ outdoor (eq. 63;
  :math:`H_{tr,op}` the opaque envelope).

Gains [W]: half the internal gains go to the air node (:math:`\\Phi_{ia}`), the
rest and the solar gains split between surface and mass by area (eqs. C.1–C.3);
the share :math:`H_{tr,w} / (9.1 A_t)` of those leaves through the windows at
once (C.3), so the network's energy balance is over the gains less that share.
In steady state the air node loses :math:`H_{ve} + (1/H_{tr,is} + 1/(H_{tr,w} +
H_{tr,op}))^{-1}` per kelvin: the envelope's UA with the inner surface film
:math:`H_{tr,is}` in series, 2–15 % below UA for usual homes.
Heating or cooling :math:`\\Phi_{HC}` acts on the air node. The mass node is
integrated with the Crank–Nicolson scheme of eq. C.4 (the step is the
scenario's, not always 3600 s), and the air and surface nodes follow from it
(C.5–C.11). Because every equation is affine in the previous mass temperature
and in :math:`\\Phi_{HC}`, the model evaluates them once on whole (t, n)
arrays at probe values and then runs a two-line recursion over time,
vectorised over homes; the set-point control of §C.4.2 (find the power that
brings the air to the set-point, capped at the unit's capacity) is exact for
that reason.

Solar gains: pvlib's isotropic-sky plane-of-array irradiance on the four
façades (vertical) and the roof (horizontal), through windows with their
g-value, frame fraction and a shading factor (§11.3), and on opaque walls and
the roof by the sol-air term :math:`\\alpha R_{se} U A I` less the thermal
radiation to the sky (eq. 44, :math:`h_r = 5 \\varepsilon`, :math:`\\Delta\\theta_{er}` = 11 K).

The air conditioner (heat pump) draws :math:`\\Phi / COP`; its COP varies with
the lift between outdoor and indoor air after the quadratic fit of Staffell et
al. (2012) for air-source heat pumps, scaled to the unit's rated COP at the
JIS C 9612 rating conditions (:func:`heat_pump_cop`).

Main simplifications
--------------------
* One zone per home: a partly conditioned home (bedroom air conditioners in a
  Malaysian terrace) is modelled as a proportionally smaller zone
  (``conditioned_ratio`` of the floor and envelope areas).
* Sensible heat only: the latent load of dehumidification (large in the
  tropics) is not modelled; the rated COP is a sensible-plus-latent COP, so
  the sensible cooling energy is on the low side.
* The ground floor exchanges heat with outdoor air through a reduction factor
  instead of a ground model (ISO 13370).
* Party walls of terraced houses are adiabatic (the neighbours are at the
  same temperature).

References
----------
ISO 13790:2008 Energy performance of buildings — Calculation of energy use
for space heating and cooling, Annex C and §§7–11, Tables 12 (thermal mass
classes). I. Staffell, D. Brett, N. Brandon, A. Hawkes, "A review of domestic
heat pumps", Energy Environ. Sci. 5 (2012) 9291, eq. 3 (ASHP fit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from zerodistrict.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "THERMAL_MASS_CLASSES",
    "Dwelling",
    "Envelope",
    "ThermalResult",
    "ThermalZone",
    "facade_irradiance_w_m2",
    "heat_pump_cop",
    "simulate_5r1c",
    "zone_for",
]

# --------------------------------------------------------------------------- constants of ISO 13790:2008

H_IS_W_M2K = 3.45  #: [W/m²K] air ↔ surface heat transfer coefficient, ISO 13790 §7.2.2.2
H_MS_W_M2K = 9.1  #: [W/m²K] surface ↔ mass heat transfer coefficient, ISO 13790 §12.2.2
AREA_RATIO_AT = 4.5  #: A_t / A_f, area of all surfaces facing the zone, ISO 13790 §7.2.2.2
RHO_C_AIR_J_M3K = 1200.0  #: [J/m³K] heat capacity of air, ISO 13790 §9.3.1
FRAME_RATIO = 0.3  #: frame share of a window's area, ISO 13790 §11.4.5 default
GLASS_NORMAL_TO_HEMI = 0.9  #: F_w, g of diffuse/angled light over g at normal incidence, ISO 13790 §11.4.2
R_SE_M2K_W = 0.04  #: [m²K/W] external surface resistance, ISO 6946 / ISO 13790 §11.4.6
SKY_DELTA_K = 11.0  #: [K] air − sky temperature difference, ISO 13790 §11.4.6 (intermediate zones)
H_R_W_M2K = 4.5  #: [W/m²K] external radiative coefficient, 5ε with ε = 0.9, ISO 13790 §11.4.6
OPAQUE_ABSORPTANCE = 0.6  #: solar absorptance of walls and roofs (assumption: mid-coloured surfaces)
GROUND_FLOOR_FACTOR = 0.5  #: reduction of the ground floor's U to outdoor air (assumption, after ISO 13789 b-factors)
PERSON_HEAT_W = 70.0  #: [W] sensible heat of a seated person (ASHRAE Handbook Fundamentals 2017, ch. 18 Table 1: 70 W sensible, seated, light work)
APPLIANCE_HEAT_RATIO = 0.8  #: share of appliance electricity released as heat inside the zone (assumption: the rest leaves by drains and flues)

#: occupancy (share of the household at home) by hour of day; assumption: everyone home 20:00–07:00, a third by day
OCCUPANCY_BY_HOUR = (
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.5, 0.35, 0.35, 0.35,
    0.4, 0.35, 0.35, 0.35, 0.45, 0.6, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0,
)

#: thermal mass classes of ISO 13790 Table 12: (A_m / A_f, C_m / A_f [J/m²K])
THERMAL_MASS_CLASSES: Mapping[str, tuple[float, float]] = MappingProxyType({
    "very-light": (2.5, 80_000.0),
    "light": (2.5, 110_000.0),
    "medium": (2.5, 165_000.0),
    "heavy": (3.0, 260_000.0),
    "very-heavy": (3.5, 370_000.0),
})

#: Staffell et al. (2012) ASHP fit COP(ΔT) = a + b ΔT + c ΔT², ΔT the temperature lift [K]
STAFFELL_ASHP = (6.81, -0.121, 0.000630)
#: JIS C 9612 rating conditions: (outdoor, indoor) [°C] for cooling and heating
RATED_COOLING_C = (35.0, 27.0)
RATED_HEATING_C = (7.0, 20.0)
MAX_LIFT_K = 60.0  #: the fit is used up to this lift (it is monotone below its vertex at 96 K)


# --------------------------------------------------------------------------- catalog records


@dataclass(frozen=True)
class Envelope:
    """An insulation level: U-values of the envelope's parts, glazing and air tightness."""

    name: str
    description: str
    wall_u_w_m2k: float  #: [W/m²K] opaque external walls
    roof_u_w_m2k: float  #: [W/m²K] roof or top-floor ceiling
    floor_u_w_m2k: float  #: [W/m²K] ground floor
    window_u_w_m2k: float  #: [W/m²K] windows, frame included
    window_g_ratio: float  #: solar heat gain coefficient of the glazing at normal incidence
    air_changes_per_h: float  #: [1/h] ventilation and infiltration of the zone's air
    ua_w_m2k: float | None = None  #: [W/m²K] the standard's envelope-average U it stands for (documentation)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in ("wall_u_w_m2k", "roof_u_w_m2k", "floor_u_w_m2k", "window_u_w_m2k", "air_changes_per_h"):
            if not getattr(self, name) > 0:
                raise ValueError(f"envelope {self.name}: {name} must be > 0, got {getattr(self, name)}")
        if not 0 < self.window_g_ratio <= 1:
            raise ValueError(f"envelope {self.name}: window_g_ratio must be in (0, 1], got {self.window_g_ratio}")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


@dataclass(frozen=True)
class Dwelling:
    """A dwelling type: geometry, usage and its air conditioner, with the envelope it usually has."""

    name: str
    description: str
    country: str
    envelope: str  #: default insulation level (a key of the envelopes)
    floor_area_m2: float  #: [m²] total floor area of the home
    storeys: int
    storey_height_m: float  #: [m] floor to floor
    aspect_ratio: float  #: footprint width (front) / depth
    party_walls: bool  #: the side walls are shared with neighbours (terraced house): adiabatic
    window_floor_ratio_front: float  #: window area on the front façade / floor area
    window_floor_ratio_back: float
    window_floor_ratio_sides: float  #: each side façade (ignored with party walls)
    shading_factor: float  #: share of the windows' solar gain left by eaves, overhangs and curtains
    thermal_mass: str  #: a class of :data:`THERMAL_MASS_CLASSES`
    conditioned_ratio: float  #: share of the floor area the air conditioners keep at set-point
    household_size: int  #: persons, the default of a home group
    heating_setpoint_c: float
    cooling_setpoint_c: float
    heating_hours: tuple[int, int]  #: [h] local clock hours (on, off); on == off: always
    cooling_hours: tuple[int, int]
    heating_cop: float  #: rated COP at JIS C 9612 heating conditions (7 °C out, 20 °C in)
    cooling_cop: float  #: rated COP at JIS C 9612 cooling conditions (35 °C out, 27 °C in)
    capacity_w_m2: float  #: [W/m²] heating and cooling capacity per conditioned floor area
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.thermal_mass not in THERMAL_MASS_CLASSES:
            raise ValueError(f"dwelling {self.name}: thermal_mass {self.thermal_mass!r} is not one of "
                             f"{', '.join(THERMAL_MASS_CLASSES)}")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


# --------------------------------------------------------------------------- zone


@dataclass(frozen=True)
class ThermalZone:
    """The 5R1C parameters of one conditioned zone, each a float or a (n,) array over homes.

    Conductances [W/K], capacity [J/K], areas [m²]. ``window_m2`` and
    ``wall_m2`` hold the four façades in the order of ``facade_azimuth_deg``.
    """

    floor_m2: np.ndarray
    h_ve: np.ndarray
    h_tr_w: np.ndarray
    h_tr_is: np.ndarray
    h_tr_ms: np.ndarray
    h_tr_em: np.ndarray
    c_m_j_k: np.ndarray
    a_m_m2: np.ndarray
    a_t_m2: np.ndarray
    facade_azimuth_deg: tuple[float, float, float, float]
    window_m2: tuple[float, float, float, float]
    window_g_eff: float  #: g × F_w × (1 − frame) × shading
    wall_m2: tuple[float, float, float, float]
    wall_u_w_m2k: float
    roof_m2: float
    roof_u_w_m2k: float

    @property
    def h_tr_op(self) -> np.ndarray:
        """Opaque envelope conductance [W/K] (eq. 63 inverted)."""
        return 1.0 / (1.0 / self.h_tr_em + 1.0 / self.h_tr_ms)

    @property
    def h_total(self) -> np.ndarray:
        """Steady-state loss coefficient to outdoor [W/K]: ventilation + windows + opaque."""
        return self.h_ve + self.h_tr_w + self.h_tr_op


def zone_for(
    dwelling: Dwelling,
    envelope: Envelope,
    floor_area_m2: float | None = None,
    orientation_deg: float = 180.0,
    air_changes_per_h: float | None = None,
    shading_factor: float | None = None,
    thermal_mass: str | None = None,
    conditioned_ratio: float | None = None,
) -> ThermalZone:
    """The conditioned zone of a dwelling with an envelope (overrides replace the dwelling's values).

    The footprint is a rectangle of ``aspect_ratio`` (front width / depth) of
    floor area / storeys; the front façade faces ``orientation_deg`` [deg from
    north, clockwise]. Every area scales with ``conditioned_ratio``.
    """
    area = dwelling.floor_area_m2 if floor_area_m2 is None else float(floor_area_m2)
    ratio = dwelling.conditioned_ratio if conditioned_ratio is None else float(conditioned_ratio)
    ach = envelope.air_changes_per_h if air_changes_per_h is None else float(air_changes_per_h)
    shade = dwelling.shading_factor if shading_factor is None else float(shading_factor)
    mass = dwelling.thermal_mass if thermal_mass is None else thermal_mass
    footprint = area / dwelling.storeys
    width = np.sqrt(footprint * dwelling.aspect_ratio)
    depth = footprint / width
    height = dwelling.storey_height_m * dwelling.storeys
    sides = 0.0 if dwelling.party_walls else dwelling.window_floor_ratio_sides
    window = tuple(r * area * ratio for r in (dwelling.window_floor_ratio_front, sides,
                                              dwelling.window_floor_ratio_back, sides))
    side_wall = 0.0 if dwelling.party_walls else depth * height
    gross = (width * height, side_wall, width * height, side_wall)
    wall = tuple(max(g * ratio - w, 0.0) for g, w in zip(gross, window))
    roof = footprint * ratio
    floor = footprint * ratio
    a_f = area * ratio
    am_ratio, cm_per_m2 = THERMAL_MASS_CLASSES[mass]
    a_m = am_ratio * a_f
    h_op = envelope.wall_u_w_m2k * sum(wall) + envelope.roof_u_w_m2k * roof \
        + GROUND_FLOOR_FACTOR * envelope.floor_u_w_m2k * floor
    h_ms = H_MS_W_M2K * a_m
    if h_op >= h_ms:
        raise InputError(f"building: the opaque envelope's conductance {h_op:.0f} W/K is not below the mass "
                         f"coupling {h_ms:.0f} W/K (ISO 13790 eq. 63); lower the U-values or raise thermal_mass")
    volume = a_f * dwelling.storey_height_m
    az = float(orientation_deg)
    return ThermalZone(
        floor_m2=np.asarray(a_f),
        h_ve=np.asarray(RHO_C_AIR_J_M3K * ach * volume / 3600.0),
        h_tr_w=np.asarray(envelope.window_u_w_m2k * sum(window)),
        h_tr_is=np.asarray(H_IS_W_M2K * AREA_RATIO_AT * a_f),
        h_tr_ms=np.asarray(h_ms),
        h_tr_em=np.asarray(1.0 / (1.0 / h_op - 1.0 / h_ms)),
        c_m_j_k=np.asarray(cm_per_m2 * a_f),
        a_m_m2=np.asarray(a_m),
        a_t_m2=np.asarray(AREA_RATIO_AT * a_f),
        facade_azimuth_deg=(az % 360, (az + 90) % 360, (az + 180) % 360, (az + 270) % 360),
        window_m2=window,  # type: ignore[arg-type]
        window_g_eff=envelope.window_g_ratio * GLASS_NORMAL_TO_HEMI * (1 - FRAME_RATIO) * shade,
        wall_m2=wall,  # type: ignore[arg-type]
        wall_u_w_m2k=envelope.wall_u_w_m2k,
        roof_m2=roof,
        roof_u_w_m2k=envelope.roof_u_w_m2k,
    )


# --------------------------------------------------------------------------- weather → gains


def facade_irradiance_w_m2(
    weather: pd.DataFrame, latitude: float, longitude: float, altitude_m: float,
    azimuths_deg: tuple[float, ...],
) -> np.ndarray:
    """Plane-of-array irradiance on vertical façades and the roof [W/m²], shape (t, k + 1).

    Columns: one per façade azimuth [deg from north], then the horizontal
    roof (``ghi``). Isotropic sky (pvlib ``get_total_irradiance``), ground
    albedo 0.2, solar position at the steps' midpoints.
    """
    import pvlib

    from zerodistrict.profiles.weather import solar_position, step_of

    mid = weather.index + step_of(weather.index) / 2 if len(weather.index) > 1 else weather.index
    solpos = solar_position(mid, latitude, longitude, altitude_m)
    zenith = solpos["apparent_zenith"].to_numpy()
    azimuth = solpos["azimuth"].to_numpy()
    ghi, dni, dhi = (weather[c].to_numpy(dtype=float) for c in ("ghi", "dni", "dhi"))
    out = np.empty((len(weather), len(azimuths_deg) + 1))
    for k, az in enumerate(azimuths_deg):
        poa = pvlib.irradiance.get_total_irradiance(90.0, az, zenith, azimuth, dni, ghi, dhi, albedo=0.2,
                                                    model="isotropic")
        out[:, k] = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
    out[:, -1] = ghi
    return np.clip(out, 0.0, None)


def solar_gains_w(zone: ThermalZone, irradiance_w_m2: np.ndarray) -> np.ndarray:
    """Solar gains into the zone [W], shape (t,): windows (§11.3.3) and opaque sol-air less sky radiation (eq. 44)."""
    facades = irradiance_w_m2[:, :4]
    roof = irradiance_w_m2[:, 4]
    windows = facades @ np.asarray(zone.window_m2) * zone.window_g_eff
    wall_ua = zone.wall_u_w_m2k * np.asarray(zone.wall_m2)
    walls = OPAQUE_ABSORPTANCE * R_SE_M2K_W * (facades @ wall_ua)
    walls_sky = 0.5 * R_SE_M2K_W * wall_ua.sum() * H_R_W_M2K * SKY_DELTA_K  # F_r = 0.5 for vertical
    roof_ua = zone.roof_u_w_m2k * zone.roof_m2
    roof_gain = R_SE_M2K_W * roof_ua * (OPAQUE_ABSORPTANCE * roof - H_R_W_M2K * SKY_DELTA_K)  # F_r = 1
    return windows + walls - walls_sky + roof_gain


def occupancy_ratio(index: pd.DatetimeIndex, step_h: float) -> np.ndarray:
    """Share of the household at home by step [0–1] (:data:`OCCUPANCY_BY_HOUR`, step midpoints)."""
    hour = (np.asarray(index.hour + index.minute / 60.0) + step_h / 2.0).astype(int) % 24
    return np.asarray(OCCUPANCY_BY_HOUR)[hour]


# --------------------------------------------------------------------------- heat pump


def heat_pump_cop(outdoor_c, indoor_c, rated_cop: float, mode: str) -> np.ndarray:
    """COP of an air-to-air heat pump at a temperature lift, scaled to its rated COP.

    .. math::

        COP = COP_{rated} \\, \\frac{f(\\Delta T)}{f(\\Delta T_{rated})}, \\qquad
        f(\\Delta T) = 6.81 - 0.121 \\Delta T + 0.000630 \\Delta T^2

    with :math:`\\Delta T` = outdoor − indoor (cooling) or indoor − outdoor
    (heating), clipped to [0, 60] K, and :math:`\\Delta T_{rated}` from the JIS
    C 9612 rating conditions (cooling 35/27 °C: 8 K; heating 7/20 °C: 13 K).
    f decreases over [0, 96] K, so COP never rises with the lift: cooling
    COP falls as the outdoor air warms and heating COP rises with it.

    Parameters
    ----------
    outdoor_c, indoor_c : array_like
        Outdoor and indoor air temperatures. [°C]
    rated_cop : float
        COP at the rating condition. [-]
    mode : {"cooling", "heating"}

    References
    ----------
    Staffell et al., Energy Environ. Sci. 5 (2012) 9291, eq. 3 (fit over
    air-source heat pumps' published test data); JIS C 9612:2013 rating
    conditions for room air conditioners.
    """
    outdoor_c = np.asarray(outdoor_c, dtype=float)
    indoor_c = np.asarray(indoor_c, dtype=float)
    if mode == "cooling":
        lift, rated = outdoor_c - indoor_c, RATED_COOLING_C[0] - RATED_COOLING_C[1]
    elif mode == "heating":
        lift, rated = indoor_c - outdoor_c, RATED_HEATING_C[1] - RATED_HEATING_C[0]
    else:
        raise ValueError(f"mode must be 'cooling' or 'heating', got {mode!r}")
    if not rated_cop > 0:
        raise InputError(f"building.air_conditioner: rated COP must be > 0, got {rated_cop}")
    a, b, c = STAFFELL_ASHP

    def fit(dt):
        return a + b * dt + c * dt * dt

    return rated_cop * fit(np.clip(lift, 0.0, MAX_LIFT_K)) / fit(rated)


# --------------------------------------------------------------------------- ISO 13790 Annex C


def iso_step(zone: ThermalZone, theta_m_prev, phi_hc, theta_e, phi_ia, phi_st, phi_m, dt_s: float):
    """One step of ISO 13790 Annex C for given heating/cooling power, broadcast over any shape.

    Returns ``(theta_m_t, theta_m, theta_s, theta_air)`` [°C]: the mass
    temperature at the end of the step (C.4), its step mean (C.9), the surface
    (C.10) and the air temperature (C.11). The supply air is outdoor air.
    """
    h_ve, h_w, h_ms, h_em, h_is = zone.h_ve, zone.h_tr_w, zone.h_tr_ms, zone.h_tr_em, zone.h_tr_is
    h_1 = 1.0 / (1.0 / h_ve + 1.0 / h_is)  # C.6
    h_2 = h_1 + h_w  # C.7
    h_3 = 1.0 / (1.0 / h_2 + 1.0 / h_ms)  # C.8
    theta_sup = theta_e
    phi_air = phi_ia + phi_hc
    phi_m_tot = phi_m + h_em * theta_e + h_3 * (phi_st + h_w * theta_e + h_1 * (phi_air / h_ve + theta_sup)) / h_2  # C.5
    cap = zone.c_m_j_k / dt_s
    theta_m_t = (theta_m_prev * (cap - 0.5 * (h_3 + h_em)) + phi_m_tot) / (cap + 0.5 * (h_3 + h_em))  # C.4
    theta_m = 0.5 * (theta_m_t + theta_m_prev)  # C.9
    theta_s = (h_ms * theta_m + phi_st + h_w * theta_e + h_1 * (theta_sup + phi_air / h_ve)) / (h_ms + h_w + h_1)  # C.10
    theta_air = (h_is * theta_s + h_ve * theta_sup + phi_air) / (h_is + h_ve)  # C.11
    return theta_m_t, theta_m, theta_s, theta_air


def gain_split(zone: ThermalZone, phi_int, phi_sol):
    """Internal and solar gains [W] to the air, surface and mass nodes (ISO 13790 C.1–C.3)."""
    phi_ia = 0.5 * phi_int
    rest = 0.5 * phi_int + phi_sol
    phi_m = zone.a_m_m2 / zone.a_t_m2 * rest
    phi_st = (1.0 - zone.a_m_m2 / zone.a_t_m2 - zone.h_tr_w / (H_MS_W_M2K * zone.a_t_m2)) * rest
    return phi_ia, phi_st, phi_m


@dataclass(frozen=True)
class ThermalResult:
    """Hourly (or per-step) results over homes, each (t, n).

    ``heating_w`` ≥ 0 and ``cooling_w`` ≥ 0 are the thermal powers delivered
    to the air node (Φ_HC = heating − cooling); ``theta_m_end_c`` is the mass
    temperature at the end of each step and ``theta_m_start_c`` at its start.
    """

    heating_w: np.ndarray
    cooling_w: np.ndarray
    theta_air_c: np.ndarray
    theta_s_c: np.ndarray
    theta_m_start_c: np.ndarray
    theta_m_end_c: np.ndarray


def simulate_5r1c(
    zone: ThermalZone,
    theta_e_c: np.ndarray,
    phi_int_w: np.ndarray,
    phi_sol_w: np.ndarray,
    heating_setpoint_c: np.ndarray,
    cooling_setpoint_c: np.ndarray,
    heating_max_w: float,
    cooling_max_w: float,
    step_h: float,
    theta_m0_c: float | np.ndarray | None = None,
    warmup_steps: int = 0,
) -> ThermalResult:
    """Heating and cooling needs of ``n`` homes sharing one zone, over ``t`` steps.

    Parameters
    ----------
    zone : ThermalZone
        The 5R1C parameters.
    theta_e_c : numpy.ndarray
        Outdoor air temperature, shape (t,). [°C]
    phi_int_w, phi_sol_w : numpy.ndarray
        Internal gains, shape (t, n), and solar gains, shape (t,) or (t, n). [W]
    heating_setpoint_c, cooling_setpoint_c : numpy.ndarray
        Air set-points, shape (t,); −inf / +inf where the unit is off. [°C]
    heating_max_w, cooling_max_w : float
        Capacities of the unit, ≥ 0. [W]
    step_h : float
        Step length. [h]
    theta_m0_c : float or numpy.ndarray, optional
        Mass temperature at the start; default the first day's mean outdoor
        temperature clipped to the set-points' range.
    warmup_steps : int
        Run the last ``warmup_steps`` steps of the period first and start
        from their end state (a periodic year), after ``theta_m0_c``.

    Returns
    -------
    ThermalResult

    Notes
    -----
    Control as ISO 13790 §C.4.2: with Φ_HC = 0 the air temperature
    :math:`\\theta_{air,0}` follows; if it lies below the heating set-point the
    power that lifts it exactly there is used, capped at the capacity (and
    likewise for cooling). θ_air and θ_m,t are affine in θ_m,t−1 and Φ_HC,
    so the coefficients are found by evaluating :func:`iso_step` at probes.
    """
    theta_e = np.asarray(theta_e_c, dtype=float)
    n_t = theta_e.shape[0]
    phi_int = np.asarray(phi_int_w, dtype=float)
    if phi_int.ndim != 2 or phi_int.shape[0] != n_t:
        raise ValueError(f"phi_int_w: shape {phi_int.shape} is not (t, n) with t = {n_t}")
    n = phi_int.shape[1]
    phi_sol = np.broadcast_to(np.asarray(phi_sol_w, dtype=float).reshape(n_t, -1), (n_t, n))
    dt_s = step_h * 3600.0
    phi_ia, phi_st, phi_m = gain_split(zone, phi_int, phi_sol)
    te = theta_e[:, None]
    # affine coefficients: θ_m,t = a θ_m,t−1 + b_t + c Φ ; θ_air = d θ_m,t−1 + e_t + f Φ
    m0, _, _, air0 = iso_step(zone, 0.0, 0.0, te, phi_ia, phi_st, phi_m, dt_s)
    m1, _, _, air1 = iso_step(zone, 1.0, 0.0, te[:1], phi_ia[:1], phi_st[:1], phi_m[:1], dt_s)
    mp, _, _, airp = iso_step(zone, 0.0, 1.0, te[:1], phi_ia[:1], phi_st[:1], phi_m[:1], dt_s)
    def coefficient(x):  # a float when every home shares the zone (faster), else one per home
        x = np.broadcast_to(x, (n,))
        return float(x[0]) if np.all(x == x[0]) else x.copy()

    a, c = coefficient(m1[0] - m0[0]), coefficient(mp[0] - m0[0])
    d, f = coefficient(air1[0] - air0[0]), coefficient(airp[0] - air0[0])
    b, e = m0, air0
    h_set = np.broadcast_to(np.asarray(heating_setpoint_c, dtype=float), (n_t,))
    c_set = np.broadcast_to(np.asarray(cooling_setpoint_c, dtype=float), (n_t,))
    if np.any(h_set > c_set):
        raise InputError("building.air_conditioner: heating_setpoint_c is above cooling_setpoint_c")
    if theta_m0_c is None:
        lo = np.min(h_set[np.isfinite(h_set)], initial=-np.inf)
        hi = np.max(c_set[np.isfinite(c_set)], initial=np.inf)
        theta_m0_c = float(np.clip(theta_e[: max(1, round(24 / step_h))].mean(), lo, hi))
    theta = np.broadcast_to(np.asarray(theta_m0_c, dtype=float), (n,)).copy()
    lows, highs = h_set.tolist(), c_set.tolist()
    inv_f = 1.0 / f

    def run(steps, theta, record):
        phi_out = np.empty((len(steps), n)) if record else None
        theta_start = np.empty((len(steps), n)) if record else None
        free = np.empty(n)
        need = np.empty(n)
        for k, i in enumerate(steps):
            # free-running air temperature, then the power that brings it into [heating, cooling] set-points
            np.multiply(theta, d, out=free)
            free += e[i]
            np.maximum(free, lows[i], out=need)
            np.minimum(need, highs[i], out=need)
            need -= free
            need *= inv_f
            np.maximum(need, -cooling_max_w, out=need)
            np.minimum(need, heating_max_w, out=need)
            if record:
                theta_start[k] = theta
                phi_out[k] = need
            theta *= a
            theta += b[i]
            need *= c
            theta += need
        return theta, phi_out, theta_start

    if warmup_steps > 0:
        theta, _, _ = run(range(max(0, n_t - warmup_steps), n_t), theta, False)
    _, phi_hc, theta_start = run(range(n_t), theta, True)
    theta_end, _, theta_s, theta_air = iso_step(zone, theta_start, phi_hc, te, phi_ia, phi_st, phi_m, dt_s)
    return ThermalResult(
        heating_w=np.maximum(phi_hc, 0.0),
        cooling_w=np.maximum(-phi_hc, 0.0),
        theta_air_c=theta_air,
        theta_s_c=theta_s,
        theta_m_start_c=theta_start,
        theta_m_end_c=theta_end,
    )


def schedule_setpoints(index: pd.DatetimeIndex, step_h: float, setpoint_c: float,
                       windows: tuple[tuple[int, int], ...] | list, off_c: float) -> np.ndarray:
    """Set-point of each step [°C]: ``setpoint_c`` inside any window of local hours [on, off) (crossing
    midnight if off < on; on == off means all day), ``off_c`` (±inf: unit off) outside. Steps are
    placed by their midpoints."""
    hour = (np.asarray(index.hour + index.minute / 60.0) + step_h / 2.0) % 24
    active = np.zeros(len(index), dtype=bool)
    for on, off in windows:
        if on % 24 == off % 24:
            active[:] = True
        elif on < off:
            active |= (hour >= on) & (hour < off)
        else:
            active |= (hour >= on) | (hour < off)
    return np.where(active, setpoint_c, off_c)
