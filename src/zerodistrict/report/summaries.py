"""The numbers behind the report's charts, computed from a run's time series.

Plain functions from a :class:`~zerodistrict.results.Result`'s tables to small
tables: monthly energy sums, typical-day profiles of chosen months, the state
of charge by day and hour, survival curves and the mobility ports. Charts
(plotly and matplotlib) draw these tables and compute nothing themselves.

Seasons of the typical days:

* temperate sites (|latitude| above the Tropic, 23.44° [1]_): summer is
  June–August and winter December–February in the north, the other way round
  in the south (meteorological seasons);
* Malaysia: the Northeast Monsoon, November–March, brings the heavier rain;
  the Southwest Monsoon, late May–September, is relatively drier [2]_ — we
  use its full months June–August;
* other tropical sites: the three months with the most and the least PV
  generation in the run (no published season is assumed).

A season whose months lie outside the run's period is dropped; when none is
left the whole period is one "season".

References
----------
.. [1] IAU / USNO: obliquity of the ecliptic ≈ 23.44° (epoch J2000), the
   latitude of the tropics.
.. [2] Malaysian Meteorological Department (MetMalaysia), "Changing winds":
   "the Southwest Monsoon from late May to September, and the Northeast
   Monsoon from November to March … the Southwest Monsoon normally signifies
   relatively drier weather" (met.gov.my).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from zerodistrict.analysis.bills import month_share_ratio

#: latitude of the tropics [deg] (IAU, J2000 obliquity of the ecliptic)
TROPIC_LATITUDE_DEG = 23.44
#: columns of the monthly balance [kWh], in chart order
MONTHLY_COLUMNS = ("pv_kwh", "demand_kwh", "grid_import_kwh", "grid_export_kwh", "shared_kwh", "curtailed_kwh")
#: supply side of the typical-day stack [kW]: these sum to the demand side every step
SUPPLY_COLUMNS = ("pv_kw", "battery_discharge_kw", "grid_import_kw", "unserved_kw")
#: demand side of the typical-day stack [kW]
DEMAND_COLUMNS = ("load_kw", "ev_charge_kw", "battery_charge_kw", "grid_export_kw", "curtailed_kw")


@dataclass(frozen=True)
class Season:
    """Months whose days make one typical day; ``key`` names its label in the i18n files."""

    key: str  # season.summer, season.ne_monsoon, …
    months: tuple[int, ...]


def monthly_energy_kwh(timeseries: pd.DataFrame, step_hours: float) -> pd.DataFrame:
    """Energy of each calendar month [kWh]: PV, demand (homes + EVs), import, export, shared, curtailed.

    Parameters
    ----------
    timeseries : pandas.DataFrame
        District flows [kW] indexed by local time (``Result.timeseries``).
    step_hours : float
        Length of one step. [h]

    Returns
    -------
    pandas.DataFrame
        Index: month number (1–12) of the months in the period; columns :data:`MONTHLY_COLUMNS`.
    """
    ts = timeseries
    flows = pd.DataFrame({
        "pv_kwh": ts["pv_kw"],
        "demand_kwh": ts["load_kw"] + ts["ev_charge_kw"],
        "grid_import_kwh": ts["grid_import_kw"],
        "grid_export_kwh": ts["grid_export_kw"],
        "shared_kwh": ts["shared_kw"],
        "curtailed_kwh": ts["curtailed_kw"],
    }, index=ts.index) * step_hours
    out = flows.groupby(ts.index.month).sum()
    out.index.name = "month"
    return out


def seasons_for(latitude_deg: float, country: str, monthly_pv_kwh: pd.Series) -> list[Season]:
    """The seasons whose typical days the report shows, restricted to months in the period.

    Parameters
    ----------
    latitude_deg : float
        Site latitude, north positive. [deg]
    country : str
        ISO 3166-1 alpha-2 code of the site.
    monthly_pv_kwh : pandas.Series
        PV energy by month number of the months in the period [kWh]; ranks the
        months of tropical sites outside Malaysia.
    """
    if abs(latitude_deg) > TROPIC_LATITUDE_DEG:
        summer, winter = (6, 7, 8), (12, 1, 2)
        if latitude_deg < 0:
            summer, winter = winter, summer
        candidates = [Season("season.summer", summer), Season("season.winter", winter)]
    elif country.upper() == "MY":
        candidates = [Season("season.ne_monsoon", (11, 12, 1, 2, 3)), Season("season.sw_monsoon", (6, 7, 8))]
    elif len(monthly_pv_kwh) >= 6 and monthly_pv_kwh.max() > monthly_pv_kwh.min():
        ranked = monthly_pv_kwh.sort_values(kind="stable")
        candidates = [Season("season.sunniest", tuple(sorted(ranked.index[-3:]))),
                      Season("season.cloudiest", tuple(sorted(ranked.index[:3])))]
    else:
        candidates = []
    present = {int(m) for m in monthly_pv_kwh.index}
    kept = [Season(s.key, tuple(m for m in s.months if m in present)) for s in candidates]
    kept = [s for s in kept if s.months]
    return kept or [Season("season.whole", tuple(sorted(present)))]


def typical_day_kw(timeseries: pd.DataFrame, months: tuple[int, ...]) -> pd.DataFrame:
    """Mean flow at each time of day over the days of ``months`` [kW].

    Returns
    -------
    pandas.DataFrame
        Index: hour of day (0, 1, … or 0, 0.25, … for 15-minute steps) [h];
        columns :data:`SUPPLY_COLUMNS` + :data:`DEMAND_COLUMNS`. Supply equals
        demand at every row, as it does at every step.
    """
    ts = timeseries
    selected = ts.loc[ts.index.month.isin(months), list(SUPPLY_COLUMNS + DEMAND_COLUMNS)]
    hour = selected.index.hour + selected.index.minute / 60.0
    out = selected.groupby(hour).mean()
    out.index.name = "hour"
    return out


def soc_day_hour_ratio(timeseries: pd.DataFrame, capacity_kwh: float) -> pd.DataFrame:
    """State of charge of the stationary batteries by day (rows) and hour of day (columns) [0–1].

    Sub-hourly steps are averaged within their hour; an hour a DST day lacks is NaN.

    Parameters
    ----------
    timeseries : pandas.DataFrame
        Needs ``battery_soc_kwh`` (homes' and community batteries, end of step). [kWh]
    capacity_kwh : float
        Their total capacity (> 0). [kWh]
    """
    soc = timeseries["battery_soc_kwh"] / capacity_kwh
    idx = soc.index
    table = soc.groupby([idx.normalize().tz_localize(None), idx.hour]).mean().unstack()
    table.index.name, table.columns.name = "day", "hour"
    return table.reindex(columns=range(24))


def stationary_capacity_kwh(result) -> float:
    """Total capacity of the stores counted in ``battery_soc_kwh`` (every kind but EVs) of a run [kWh]."""
    stores = result.inputs.stores
    return float(stores.capacity_kwh[stores.kind != "ev"].sum())


def survival_curves(resilience) -> pd.DataFrame:
    """P(an outage starting at a random step is survived ≥ h hours) for each case [0–1].

    Parameters
    ----------
    resilience : zerodistrict.analysis.resilience.ResilienceResult
        Uses its per-start arrays ``{shared,alone}_{critical,full}_hours``, ``max_hours`` and ``step_hours``.

    Returns
    -------
    pandas.DataFrame
        Index: outage duration 0, step, …, max_hours [h]; columns
        ``shared_critical``, ``alone_critical``, ``shared_full``, ``alone_full``.
    """
    step = float(resilience.step_hours)
    grid = np.arange(round(resilience.max_hours / step) + 1) * step
    curves = {}
    for case in ("shared_critical", "alone_critical", "shared_full", "alone_full"):
        ordered = np.sort(np.asarray(getattr(resilience, f"{case}_hours"), dtype=float))
        curves[case] = 1.0 - np.searchsorted(ordered, grid - 1e-9, side="left") / ordered.size
    return pd.DataFrame(curves, index=pd.Index(grid, name="hours"))


def mobility_ports(mobility) -> pd.DataFrame:
    """Ports of a mobility result with a name, position, trips started and occupancy.

    Parameters
    ----------
    mobility : zerodistrict.mobility.MobilityResult
        Uses its ``stations`` table (``station_id``, ``name``, ``latitude``,
        ``longitude``, ``trips_started``, ``dock_occupancy_ratio``).

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``latitude``, ``longitude`` [deg], ``trips_started``,
        ``occupancy_ratio`` [0–1].
    """
    st = mobility.stations
    return pd.DataFrame({
        "name": st["name"].fillna(st["station_id"]).astype(str),
        "latitude": st["latitude"].astype(float),
        "longitude": st["longitude"].astype(float),
        "trips_started": st["trips_started"].astype(float),
        "occupancy_ratio": st["dock_occupancy_ratio"].astype(float),
    })


def mobility_figures(result) -> dict[str, float]:
    """The ``mobility_*`` KPIs of a run: its Kpis fields when set, else those of ``result.mobility``; {} if neither."""
    found = {k: v for k, v in result.kpis.model_dump().items() if k.startswith("mobility_") and v is not None}
    if not found and result.mobility is not None:
        found = dict(result.mobility.kpis)
    return found


def trips_served(mobility_kpis: dict[str, float]) -> tuple[int, float] | None:
    """Trips served and their share of the requested trips [0–1]; None when mobility was not run.

    ``mobility_trips`` counts requests; ``mobility_trips_served_ratio`` the share served.
    """
    if mobility_kpis.get("mobility_trips") is None or mobility_kpis.get("mobility_trips_served_ratio") is None:
        return None
    ratio = float(mobility_kpis["mobility_trips_served_ratio"])
    return round(mobility_kpis["mobility_trips"] * ratio), ratio


def partial_months(result) -> list[str]:
    """Months (``YYYY-MM``) that a run's bills cover only in part, and so bill pro rata; [] without bills."""
    if result.bills is None or result.bills.empty:
        return []
    share = month_share_ratio(result.inputs.index, result.inputs.step_hours)
    months = result.bills["month"].unique()
    return [str(m) for m, r in zip(months, share) if r < 1.0]
