"""CO2 of a district: grid electricity against its baseline, and trips that shared vehicles replace.

This module is the only CO2 arithmetic of the package: the KPIs, the
optimal dispatch's ``co2`` objective value and the mobility KPIs call it.
One function per kind of emission:

* :func:`co2_kg` — grid electricity (imports × emission factor of their step);
* :func:`co2_summary` — a design's grid CO2 against its baseline's;
* :func:`mode_shift_co2_kg` — the trips of the modes a shared fleet replaces.

Grid emissions are location-based (GHG Protocol Scope 2): every kWh imported from
the grid carries the grid's emission factor of its step, annual (one number)
or hourly (a series read from a CSV elsewhere and passed in as an array).
PV, batteries and sharing inside the district are counted as zero-emission;
exports earn no credit (they displace other generation on the grid, which a
location-based inventory does not count). The baseline is the same homes with
no PV and no batteries: their whole demand is imported.

:data:`GRID_FACTORS` holds published annual factors with their sources.

Simplifications
---------------
* No life-cycle emissions of PV modules, batteries or the private line.
* Line losses and battery losses show up only through the extra imports
  they cause.
* Replaced trips emit a fixed factor per passenger-km of their mode (no
  occupancy or congestion effects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from zerodistrict import catalog


@dataclass(frozen=True)
class GridFactor:
    """An annual average grid emission factor with where it comes from."""

    kg_per_kwh: float
    year: str
    source: str
    note: str = ""


#: Annual grid emission factors [kg-CO2/kWh] by grid, read on first use from
#: ``catalog/data/grid_factors.yaml`` (sources in docs/sources.md).
GRID_FACTORS: Mapping[str, GridFactor] = catalog.LazyTable(catalog.grid_factors)


def co2_kg(import_kw: np.ndarray, emission_factor_kg_per_kwh: np.ndarray | float, step_hours: float) -> float | np.ndarray:
    """CO2 of grid imports.

    Parameters
    ----------
    import_kw : np.ndarray
        (t,) or (t, h) grid import. [kW]
    emission_factor_kg_per_kwh : np.ndarray or float
        (t,) factor of every step, or one annual value. [kg-CO2/kWh]
    step_hours : float
        Step length. [h]

    Returns
    -------
    float or np.ndarray
        A float for a (t,) import, an (h,) array for (t, h). [kg-CO2]
    """
    imp = np.asarray(import_kw, dtype=float)
    ef = np.asarray(emission_factor_kg_per_kwh, dtype=float)
    if ef.ndim == 1:
        if ef.shape[0] != imp.shape[0]:
            raise ValueError(f"emission factor has {ef.shape[0]} steps, import has {imp.shape[0]}")
        if imp.ndim == 2:
            ef = ef[:, None]
    elif ef.ndim != 0:
        raise ValueError(f"emission factor must be a number or a (t,) array, got shape {ef.shape}")
    total = (imp * ef).sum(axis=0) * step_hours
    return float(total) if imp.ndim == 1 else total


@dataclass(frozen=True)
class Co2Summary:
    """CO2 of a design and of its baseline over the run's period."""

    co2_kg: float
    co2_baseline_kg: float
    #: (baseline − design) / baseline; negative when the design imports more CO2 than the baseline
    co2_reduction_ratio: float


def co2_summary(
    import_kw: np.ndarray,
    baseline_import_kw: np.ndarray,
    emission_factor_kg_per_kwh: np.ndarray | float,
    step_hours: float,
) -> Co2Summary:
    """District CO2 of a design against its baseline.

    Parameters
    ----------
    import_kw : np.ndarray
        (t,) district grid import of the design, or (t, h) per home (summed). [kW]
    baseline_import_kw : np.ndarray
        (t,) or (t, h) import of the baseline (the homes' whole demand). [kW]
    emission_factor_kg_per_kwh : np.ndarray or float
        (t,) or annual. [kg-CO2/kWh]
    step_hours : float
        [h]

    Returns
    -------
    Co2Summary
        The reduction ratio is 0 when the baseline emits nothing. It is not
        clipped: a design can emit more than its baseline (grid-charged
        batteries lose energy).
    """
    design = float(np.sum(co2_kg(import_kw, emission_factor_kg_per_kwh, step_hours)))
    base = float(np.sum(co2_kg(baseline_import_kw, emission_factor_kg_per_kwh, step_hours)))
    ratio = (base - design) / base if base > 0 else 0.0
    return Co2Summary(co2_kg=design, co2_baseline_kg=base, co2_reduction_ratio=ratio)


def mode_shift_co2_kg(
    passenger_km: float,
    share_ratio: np.ndarray,
    co2_kg_per_passenger_km: np.ndarray,
) -> float:
    """CO2 of the trips that a shared fleet's rides replace.

    ``passenger_km · Σ_m share_m · factor_m``: every ride would otherwise have
    been made by mode m with probability ``share_m``.

    Parameters
    ----------
    passenger_km : float
        Distance ridden (one passenger per ride). [km]
    share_ratio : np.ndarray
        (m,) share of the rides that each replaced mode would have carried;
        need not sum to 1 (the rest would not have been travelled or was
        zero-emission). [0–1]
    co2_kg_per_passenger_km : np.ndarray
        (m,) emission factor of each replaced mode. [kg-CO2/passenger-km]

    Returns
    -------
    float
        [kg-CO2]
    """
    share = np.asarray(share_ratio, dtype=float)
    factor = np.asarray(co2_kg_per_passenger_km, dtype=float)
    if share.shape != factor.shape or share.ndim != 1:
        raise ValueError(f"share_ratio {share.shape} and co2_kg_per_passenger_km {factor.shape} must be (m,) arrays alike")
    return float(passenger_km) * float(np.dot(share, factor))
