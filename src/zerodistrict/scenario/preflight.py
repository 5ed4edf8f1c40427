"""Checks before a run: everything ``run`` would refuse that needs no simulation.

:func:`check_inputs` is called by ``zerodistrict validate`` and first thing by
:func:`zerodistrict.pipeline.run`, so a scenario that validates is one ``run``
starts. The model checks (types, ranges, limits, contradictions) ran when the
scenario was loaded; these need the site's clock, the files and the catalog:

* outages start inside the period (one may run past its end: the rest is not
  simulated), at a local time that exists, and do not overlap;
* a named climatology lies within :data:`CLIMATOLOGY_RADIUS_KM` of the site,
  the rule of the automatic choice (:func:`zerodistrict.profiles.weather.climatology_for`);
* EPW/TMY3 files are one complete year of finite, physical values;
* profile CSVs cover the period's steps with finite values inside a plausible
  bound (:data:`CSV_BOUNDS`);
* the appraisal has unit costs: the site's country has defaults, or the
  scenario gives ``economics``, or says ``economics: none``.

Start-up stays light: pandas and the file readers are imported only for a
scenario that has files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from zerodistrict import catalog
from zerodistrict.errors import InputError
from zerodistrict.geo import great_circle_km
from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS
from zerodistrict.scenario.models import MAX_PRICE_PER_KWH, ArchetypeLoad, CsvSeries, PVArray, PVProfile, Scenario

#: [km] farthest embedded climatology used for a site, named or chosen (assumption: monthly
#: irradiation and temperature normals change little within ≈150 km on flat terrain)
CLIMATOLOGY_RADIUS_KM = 150.0

#: plausible bound on the magnitude of each kind of profile CSV value, with its reason
CSV_BOUNDS = {
    # [kW] one home's load (assumption: a 100 A three-phase supply gives ≈70 kW; 500 is beyond any residence)
    "load": 500.0,
    # [kW per kWp] PV output (AC per DC kWp stays below ≈1.1 even on cold clear days; 1.5 is our margin)
    "pv": 1.5,
    # [currency/kWh] either sign (as the scenario's price fields)
    "price": MAX_PRICE_PER_KWH,
    # [kg-CO2/kWh] (as grid.emission_factor_kg_per_kwh)
    "emission": 3.0,
}


def check_inputs(scenario: Scenario, weather_path: Path | None = None) -> None:
    """Every check of ``run`` that needs no simulation; :class:`InputError` names the first failure.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    weather_path : Path, optional
        ``--weather FILE``: an EPW or TMY3 file used instead of the scenario's weather.
    """
    check_outages(scenario)
    if weather_path is not None:
        _read_weather(weather_path, None)
    elif needs_weather(scenario):
        source = scenario.weather
        if source.source in ("epw", "tmy"):
            _read_weather(source.path, source.source)
        else:
            check_climatology(scenario.site, source.climate)
    _check_csvs(scenario)
    _check_economics(scenario)


def needs_weather(scenario: Scenario) -> bool:
    """A load archetype or a PV array needs the weather (profiles from CSVs do not)."""
    return any(isinstance(g.load, ArchetypeLoad) or isinstance(g.pv, PVArray) for g in scenario.homes)


def _local(value: dt.datetime, zone: ZoneInfo, field: str) -> dt.datetime:
    if value.tzinfo is not None:
        return value.astimezone(zone)
    early, late = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():  # skipped or repeated by a daylight-saving change
        raise InputError(f"{field}: {value.isoformat()} does not exist or is ambiguous in {zone.key} "
                         "(a daylight-saving change); give it with a UTC offset, e.g. 2025-03-09T07:30+00:00")
    return early


def period_bounds(scenario: Scenario) -> tuple[dt.datetime, dt.datetime]:
    """First instant and end (exclusive) of the period, local time at the site."""
    zone = ZoneInfo(scenario.site.timezone)
    first = scenario.period.start or dt.date(scenario.period.year, 1, 1)
    last = first + dt.timedelta(days=scenario.period.days) if scenario.period.days else dt.date(scenario.period.year + 1, 1, 1)
    return (dt.datetime.combine(first, dt.time(), tzinfo=zone), dt.datetime.combine(last, dt.time(), tzinfo=zone))


def check_outages(scenario: Scenario) -> None:
    """Each outage starts inside the period at an existing local time; no two overlap."""
    zone = ZoneInfo(scenario.site.timezone)
    begin, end = period_bounds(scenario)
    spans = []
    for i, outage in enumerate(scenario.grid.outages):
        start = _local(outage.start, zone, f"grid.outages[{i}].start")
        if not begin <= start < end:
            raise InputError(f"grid.outages[{i}]: starts at {start.isoformat()}, outside the period "
                             f"{begin.isoformat()} to {end.isoformat()}")
        spans.append((start, start + dt.timedelta(hours=outage.hours), i))
    spans.sort()
    for (_, end_a, a), (start_b, _, b) in zip(spans, spans[1:]):
        if start_b < end_a:
            raise InputError(f"grid.outages[{min(a, b)}] and grid.outages[{max(a, b)}] overlap: "
                             "give one outage per interruption")


def check_climatology(site, key: str | None) -> None:
    """A named climatology exists and lies within :data:`CLIMATOLOGY_RADIUS_KM` of the site; so does the nearest.

    Reads the catalog's positions only (building the climatologies needs the numerical stack).
    """
    path = catalog.DATA_DIR / "climatologies.yaml"
    positions = {k: (float(catalog.unwrap(raw["latitude"], path, k)), float(catalog.unwrap(raw["longitude"], path, k)))
                 for k, raw in catalog.read_file(path).items()}
    if key is not None and key not in positions:
        raise InputError(f"weather.climate: unknown climatology {key!r}; known: {', '.join(sorted(positions))}")
    km = {k: float(great_circle_km(site.latitude, site.longitude, *p)) for k, p in positions.items()}
    chosen = key if key is not None else min(km, key=km.get)
    if km[chosen] <= CLIMATOLOGY_RADIUS_KM:
        return
    if key is None:
        raise InputError(
            f"site {site.name} ({site.latitude:g}, {site.longitude:g}): no embedded climatology within "
            f"{CLIMATOLOGY_RADIUS_KM:g} km; give weather: {{source: epw, path: FILE}} or --weather FILE "
            "(an EPW or TMY3 file)")
    raise InputError(
        f"weather.climate: climatology {key!r} is {km[key]:,.0f} km from site {site.name} "
        f"({site.latitude:g}, {site.longitude:g}); the limit is {CLIMATOLOGY_RADIUS_KM:g} km: leave 'climate' "
        "out to take the nearest, or give weather: {source: epw, path: FILE}")


def _read_weather(path: Path, kind: str | None) -> None:
    from zerodistrict.profiles.weather_files import read_weather_file  # lazy: pvlib and pandas

    read_weather_file(path, kind=kind)


def _check_csvs(scenario: Scenario) -> None:
    grid = scenario.grid
    files = []  # (path, what, bound key, negative allowed)
    for i, group in enumerate(scenario.homes):
        if not isinstance(group.load, ArchetypeLoad):
            files.append((group.load.csv, f"homes[{i}].load [kW]", "load", False))
        if isinstance(group.pv, PVProfile):
            files.append((group.pv.profile_csv, f"homes[{i}].pv [kW per kWp]", "pv", False))
    for field in ("import_price", "export_price"):
        if isinstance(getattr(grid, field), CsvSeries):
            files.append((getattr(grid, field).csv, f"grid.{field}", "price", True))
    if isinstance(grid.emission_factor_kg_per_kwh, CsvSeries):
        files.append((grid.emission_factor_kg_per_kwh.csv, "grid.emission_factor_kg_per_kwh", "emission", False))
    if not files:
        return
    from zerodistrict.profiles.csv_files import read_profile_csv  # lazy: pandas

    index = scenario.index()
    for path, what, bound, negative in files:
        read_profile_csv(path, index, what, allow_negative=negative, max_abs=CSV_BOUNDS[bound])


def _check_economics(scenario: Scenario) -> None:
    site = scenario.site
    if (scenario.homes and scenario.economics is None and not scenario.economics_skipped
            and site.country not in ECONOMICS_DEFAULTS):
        raise InputError(
            f"site.country: no default economics for country {site.country!r} (have "
            f"{', '.join(sorted(ECONOMICS_DEFAULTS))}); give 'economics' with every unit cost, or write "
            "'economics: none' to skip bills, costs and NPV"
        )
