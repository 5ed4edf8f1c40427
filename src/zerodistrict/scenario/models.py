"""The district, described once: pydantic models validated at the edge.

A scenario is loaded from a YAML file or a built-in preset name
(:func:`load_scenario`). Unknown fields are rejected, numbers are checked for
range, relative paths are resolved against the YAML file's folder and must
exist. Every failure becomes one :class:`~zerodistrict.errors.InputError`
whose message names the file and the field path (``homes[2].battery.
charge_efficiency``), the bad value and what would be valid.

Defaults that are numbers carry their source in the field description; where
a default is our assumption the description says so.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from zerodistrict.errors import InputError
from zerodistrict.scenario.base import (
    MAX_COMMUNITY_EVS,
    MAX_HOME_GROUPS,
    MAX_HOME_STEPS,
    MAX_HOMES,
    WEEKDAYS,
    Clock,
    FilePath,
    Model,
    Weekdays,
    clock_hours,
)
from zerodistrict.scenario.building import Building, Household
from zerodistrict.scenario.economics import Economics
from zerodistrict.scenario.hydrogen import Hydrogen
from zerodistrict.scenario.mobility import Mobility
from zerodistrict.scenario.sizing import Sizing
from zerodistrict.scenario.tariff import Tariff, tariff_currency

if TYPE_CHECKING:  # pandas is imported where a time index is built, not to validate (start-up time)
    import pandas as pd


# --------------------------------------------------------------------------- site, time


class Site(Model):
    name: str
    latitude: float = Field(ge=-90, le=90, description="[deg], north positive")
    longitude: float = Field(ge=-180, le=180, description="[deg], east positive")
    timezone: str = Field(description="IANA time zone, e.g. Asia/Tokyo")
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code, e.g. JP, MY")
    altitude_m: float = Field(default=0.0, ge=-500, le=9000, description="[m] above sea level")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Asia/Tokyo'") from None
        return value

    @field_validator("country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        return value.upper()


class Period(Model):
    """A calendar year, or ``days`` of it from ``start`` (for quick studies and tests)."""

    year: int = Field(ge=1950, le=2100)
    step_minutes: Literal[60, 15] = 60
    start: dt.date | None = Field(default=None, description="first day; default 1 January of year")
    days: int | None = Field(default=None, ge=1, le=366, description="length; default to the end of the year")

    @property
    def step_hours(self) -> float:
        return self.step_minutes / 60.0

    @model_validator(mode="after")
    def _inside_year(self) -> "Period":
        if self.start is not None and self.start.year != self.year:
            raise ValueError(f"start {self.start} is not in year {self.year}")
        first = self.start or dt.date(self.year, 1, 1)
        if self.days is not None and first + dt.timedelta(days=self.days) > dt.date(self.year + 1, 1, 1):
            raise ValueError(f"{self.days} days from {first} run past the end of {self.year}")
        return self

    def index(self, timezone: str) -> pd.DatetimeIndex:
        """Every step of the period in local time; derived, never assumed to be 8,760 long."""
        import pandas as pd

        first = pd.Timestamp(self.start or dt.date(self.year, 1, 1))
        last = first + pd.Timedelta(days=self.days) if self.days else pd.Timestamp(self.year + 1, 1, 1)
        # equal steps of absolute time between local midnights (a DST day has 23 or 25 hours)
        return pd.date_range(
            start=first.tz_localize(timezone),
            end=last.tz_localize(timezone),
            freq=f"{self.step_minutes}min",
            inclusive="left",
        )


class WeatherSource(Model):
    source: Literal["synthetic", "epw", "tmy"] = "synthetic"
    path: FilePath | None = None
    climate: str | None = Field(
        default=None,
        description="key of an embedded monthly climatology (synthetic source); default: the nearest one to the site",
    )
    seed: int = Field(default=0, ge=0, description="seed of the synthetic year")

    @model_validator(mode="after")
    def _file_for_file_sources(self) -> "WeatherSource":
        if self.source in ("epw", "tmy") and self.path is None:
            raise ValueError(f"source {self.source!r} needs 'path' to the weather file")
        return self


# --------------------------------------------------------------------------- homes


class ArchetypeLoad(Model):
    archetype: str = Field(description="household archetype, e.g. jp-detached, my-terrace")
    annual_kwh: float | None = Field(
        default=None, gt=0, le=100_000,
        description="[kWh/yr] per home; ≤ 100,000 (assumption: beyond any residence; the presets' homes use "
        "≈4,200–5,300). Needed unless the group has a building or a household (they derive it)")
    seed: int = Field(default=0, ge=0, description="seed of the homes' random variation")

    @field_validator("archetype")
    @classmethod
    def _known_archetype(cls, value: str) -> str:
        from zerodistrict.profiles.loads import ARCHETYPES  # lazy: keeps the schema import light

        if value not in ARCHETYPES:
            raise ValueError(f"unknown archetype {value!r}; known: {', '.join(sorted(ARCHETYPES))}")
        return value


class CsvLoad(Model):
    csv: FilePath = Field(description="measured profile: columns time, kW")


def _load_tag(value: Any) -> str:
    return "load-csv" if isinstance(value, dict) and "csv" in value else "load-archetype"


Load = Annotated[
    Union[Annotated[ArchetypeLoad, Tag("load-archetype")], Annotated[CsvLoad, Tag("load-csv")]],
    Discriminator(_load_tag),
]


class PVArray(Model):
    kwp: float = Field(
        ge=0, le=100,
        description="[kWp] DC rating per home; ≤ 100 (assumption: beyond any residential roof, ≈3–10 kWp on a house)")
    tilt_deg: float = Field(default=30.0, ge=0, le=90)
    azimuth_deg: float = Field(default=180.0, ge=0, le=360, description="[deg] clockwise from north; 180 = south")
    losses_ratio: float = Field(
        default=0.14, ge=0, lt=1,
        description="DC system losses (soiling, wiring, mismatch, availability); 0.14 is PVWatts' default (NREL PVWatts v5 manual, 2014)",
    )
    dc_ac_ratio: float = Field(
        default=1.2, gt=0, le=3,
        description="inverter loading ratio; 1.2 is PVWatts' default (NREL PVWatts v5 manual, 2014)",
    )
    inverter_efficiency: float = Field(
        default=0.96, gt=0, le=1, description="nominal; 0.96 is PVWatts' default (NREL PVWatts v5 manual, 2014)"
    )


class PVProfile(Model):
    kwp: float = Field(ge=0, le=100, description="[kWp] per home; ≤ 100 (assumption: beyond any residential roof)")
    profile_csv: FilePath = Field(description="AC output: columns time, kW per kWp")


def _pv_tag(value: Any) -> str:
    return "pv-profile" if isinstance(value, dict) and "profile_csv" in value else "pv-array"


PV = Annotated[
    Union[Annotated[PVArray, Tag("pv-array")], Annotated[PVProfile, Tag("pv-profile")]],
    Discriminator(_pv_tag),
]


class Battery(Model):
    """A home battery (sizes bounded by residential designs: home units hold ≈5–20 kWh)."""

    capacity_kwh: float = Field(
        ge=0, le=200, description="[kWh] usable nameplate energy; ≤ 200 (assumption: beyond any residential design)")
    power_kw: float = Field(
        ge=0, le=100,
        description="[kW] caps both AC charging input and AC discharging output; ≤ 100 (assumption: beyond any "
        "residential design)")
    charge_power_kw: float | None = Field(
        default=None, ge=0, le=100, description="[kW] AC charging input cap; default power_kw")
    discharge_power_kw: float | None = Field(
        default=None, ge=0, le=100, description="[kW] AC discharging output cap; default power_kw")
    charge_efficiency: float = Field(
        default=0.95, gt=0, le=1, description="AC→stored; 0.95 (≈0.9 round trip) is our assumption for Li-ion"
    )
    discharge_efficiency: float = Field(default=0.95, gt=0, le=1, description="stored→AC; assumption as above")
    min_soc_ratio: float = Field(default=0.1, ge=0, lt=1, description="reserve floor; 0.1 is our assumption")
    max_soc_ratio: float = Field(default=1.0, gt=0, le=1, description="ceiling; default 1 (the full capacity)")
    initial_soc_ratio: float = Field(default=0.5, ge=0, le=1)
    grid_charging: bool = Field(default=True, description="optimal dispatch may charge it from the grid")

    @property
    def charge_kw(self) -> float:
        """[kW] AC charging cap (``charge_power_kw``, else ``power_kw``)."""
        return self.power_kw if self.charge_power_kw is None else self.charge_power_kw

    @property
    def discharge_kw(self) -> float:
        """[kW] AC discharging cap (``discharge_power_kw``, else ``power_kw``)."""
        return self.power_kw if self.discharge_power_kw is None else self.discharge_power_kw

    @model_validator(mode="after")
    def _initial_above_floor(self) -> "Battery":
        if self.max_soc_ratio <= self.min_soc_ratio:
            raise ValueError(f"max_soc_ratio {self.max_soc_ratio} must be above min_soc_ratio {self.min_soc_ratio}")
        if self.initial_soc_ratio < self.min_soc_ratio:
            raise ValueError(
                f"initial_soc_ratio {self.initial_soc_ratio} is below min_soc_ratio {self.min_soc_ratio}"
            )
        if self.initial_soc_ratio > self.max_soc_ratio:
            raise ValueError(
                f"initial_soc_ratio {self.initial_soc_ratio} is above max_soc_ratio {self.max_soc_ratio}"
            )
        return self


class CommunityBattery(Battery):
    """A stationary battery on the community bus; ``name`` tells it apart from the others."""

    name: str = Field(min_length=1, max_length=100, description="unique among community.batteries and community.evs")
    capacity_kwh: float = Field(
        ge=0, le=100_000,
        description="[kWh] usable nameplate energy; ≤ 100,000 (assumption: a utility-scale plant, beyond a district's)")
    power_kw: float = Field(
        ge=0, le=50_000, description="[kW] caps both AC charging and discharging; ≤ 50,000 (assumption, as above)")
    charge_power_kw: float | None = Field(
        default=None, ge=0, le=50_000, description="[kW] AC charging input cap; default power_kw")
    discharge_power_kw: float | None = Field(
        default=None, ge=0, le=50_000, description="[kW] AC discharging output cap; default power_kw")
    outage_reserve_kwh: float = Field(
        default=0.0, ge=0, le=100_000,
        description="[kWh] energy kept above the floor (min_soc_ratio) while the grid is up, by both dispatches, "
        "released in a grid outage and in the survival analysis; ≤ the usable energy (max_soc_ratio − "
        "min_soc_ratio) × capacity_kwh; `zerodistrict size` with a survival target sizes it; default 0 (none)")

    @model_validator(mode="after")
    def _reserve_within_usable(self) -> "CommunityBattery":
        usable = (self.max_soc_ratio - self.min_soc_ratio) * self.capacity_kwh
        if self.outage_reserve_kwh > usable * (1.0 + 1e-9) + 1e-9:
            raise ValueError(f"outage_reserve_kwh {self.outage_reserve_kwh:g} exceeds the usable energy {usable:g} kWh "
                             "((max_soc_ratio − min_soc_ratio) × capacity_kwh)")
        return self


class WaterHeater(Model):
    """A heat-pump/hybrid water heater run as a daily block (an assumption on its timing)."""

    power_kw: float = Field(default=0.4, ge=0, le=10, description="[kW], ≤ 10 (assumption: above any domestic heater); Misono phase 3: ≈400 W (looop.co.jp 2021; docs/sources.md [S2])")
    hours_per_day: float = Field(default=3.0, ge=0, le=24, description="[h]; our assumption")
    start: Clock = Field(default="11:00", description="local start; our assumption: run on midday PV")


class HomeGroup(Model):
    group: str = Field(min_length=1, max_length=100)
    count: int = Field(ge=1, le=MAX_HOMES, description=f"homes in the group; ≤ {MAX_HOMES:,} (the limit on homes)")
    load: Load
    pv: PV | None = None
    battery: Battery | None = None
    water_heater: WaterHeater | None = None
    critical_load_ratio: float = Field(
        default=0.5, ge=0, le=1,
        description="share of the load that is critical in an outage; 0.5 is REopt's default critical_load_fraction (NREL REopt, 2023)",
    )
    building: Building | None = Field(
        default=None,
        description="model the homes as buildings (ISO 13790 5R1C): heating and cooling from the envelope, "
        "weather and air conditioner, added to the archetype's appliance shape; needs an archetype load")
    household: Household | None = Field(
        default=None, description="household size and the spread of appliance use between the group's homes")

    @model_validator(mode="after")
    def _load_energy_given_once(self) -> "HomeGroup":
        if isinstance(self.load, ArchetypeLoad):
            if self.building is not None and self.load.annual_kwh is not None:
                raise ValueError("load.annual_kwh: with a building the appliance energy is "
                                 "household.appliance_kwh (heating and cooling come from the building); drop it")
            if self.building is None and self.household is None and self.load.annual_kwh is None:
                raise ValueError("load.annual_kwh: needed (or give a household or a building to derive it)")
            if self.household is not None and self.household.appliance_kwh is not None \
                    and self.load.annual_kwh is not None:
                raise ValueError("household.appliance_kwh: load.annual_kwh gives it already; keep one")
        elif self.building is not None or self.household is not None:
            raise ValueError("building, household: need an archetype load (its appliance shape), not a csv load")
        return self


# --------------------------------------------------------------------------- community


class EVTrip(Model):
    """A recurring absence: the EV leaves at ``depart`` and is back at ``return`` having used ``trip_kwh``."""

    days: Weekdays = Field(default=None, description="weekdays of the trip; default every day")
    depart: Clock
    return_: Clock = Field(alias="return")
    trip_kwh: float = Field(ge=0, le=250, description="[kWh] battery energy the trip uses; ≤ 250 (as battery_kwh)")

    @model_validator(mode="after")
    def _return_after_depart(self) -> "EVTrip":
        if clock_hours(self.return_) <= clock_hours(self.depart):
            raise ValueError(f"return {self.return_} must be after depart {self.depart} on the same day")
        return self


class EV(Model):
    name: str = Field(default="ev", min_length=1, max_length=100)
    count: int = Field(ge=0, le=MAX_COMMUNITY_EVS, description=f"vehicles; ≤ {MAX_COMMUNITY_EVS:,} (assumption)")
    battery_kwh: float = Field(
        gt=0, le=250,
        description="[kWh] per vehicle; ≤ 250 (assumption: above the largest passenger EV packs, ≈200 kWh)")
    charger_kw: float = Field(
        gt=0, le=350,
        description="[kW] per vehicle, AC side, both directions; ≤ 350 (assumption: the fastest public DC chargers)")
    bidirectional: bool = False
    charge_efficiency: float = Field(default=0.92, gt=0, le=1, description="assumption: DC charger + battery")
    discharge_efficiency: float = Field(default=0.92, gt=0, le=1, description="assumption: DC charger + battery")
    min_soc_ratio: float = Field(default=0.2, ge=0, lt=1, description="assumption: never drained below 20 %")
    initial_soc_ratio: float = Field(default=0.8, ge=0, le=1)
    trips: list[EVTrip] = Field(default_factory=list, max_length=50, description="≤ 50 (assumption)")

    @model_validator(mode="after")
    def _trips_fit(self) -> "EV":
        if self.initial_soc_ratio < self.min_soc_ratio:
            raise ValueError(f"initial_soc_ratio {self.initial_soc_ratio} is below min_soc_ratio {self.min_soc_ratio}")
        usable = self.battery_kwh * (1 - self.min_soc_ratio)
        for trip in self.trips:
            if trip.trip_kwh > usable:
                raise ValueError(f"trip_kwh {trip.trip_kwh} exceeds the usable battery {usable:.1f} kWh")
        clash = first_overlap([(t.depart, t.return_, t.days) for t in self.trips])
        if clash is not None:
            i, j, day = clash
            raise ValueError(f"trips[{i}] and trips[{j}] overlap on {day}: a vehicle makes one trip at a time")
        return self


class Community(Model):
    sharing: bool = Field(default=True, description="homes share power over the private line")
    line_loss_ratio: float = Field(
        default=0.0, ge=0, le=0.3,
        description="share of shared power lost on the line; ≤ 0.3 (assumption: a private LV line loses a few per "
        "cent; 30 % is beyond any working line)")
    line_capacity_kw: float | None = Field(
        default=None, ge=0, le=100_000,
        description="[kW] the private line's trunk between the community bus (grid connection, community storage, "
        "EV chargers) and the homes, net flow either way; none: unlimited; ≤ 100,000 (assumption: a 6.6 kV feeder "
        "carries ≈ 10 MW)")
    batteries: list[CommunityBattery] = Field(
        default_factory=list, max_length=1000, description="stationary batteries on the community bus; ≤ 1,000")
    evs: list[EV] = Field(default_factory=list, max_length=100, description="fleets; ≤ 100 (assumption)")
    hydrogen: Hydrogen | None = Field(
        default=None, description="electrolyser, tank, fuel cell and hydrogen offtake on the community bus")
    storage_end: Literal["at_least_initial", "cyclic"] = Field(
        default="at_least_initial",
        description="optimal dispatch: every store (home and community) starts at its initial_soc_ratio and ends "
        "with at least that energy (at_least_initial), or ends where it starts, its level free (cyclic)")

    @model_validator(mode="before")
    @classmethod
    def _battery_renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "battery" in data:
            raise ValueError("'battery' is now a list: write 'batteries: [{name: central, capacity_kwh: ..., ...}]'")
        return data

    @model_validator(mode="after")
    def _unique_names(self) -> "Community":
        seen: set[str] = set()
        h2 = [self.hydrogen.name] if self.hydrogen is not None else []
        for name in [b.name for b in self.batteries] + [ev.name for ev in self.evs] + h2:
            if name in seen:
                raise ValueError(f"the name {name!r} is used by two community batteries, EV fleets or the hydrogen store; "
                                 "give each its own name")
            seen.add(name)
        return self


# --------------------------------------------------------------------------- grid


#: [currency/kWh] bound on any per-kWh price, either sign (assumption: ≈30× the highest residential price
#: in any currency, e.g. ≈3,000 VND/kWh in 2024)
MAX_PRICE_PER_KWH = 100_000.0
PriceValue = Annotated[float, Field(ge=-MAX_PRICE_PER_KWH, le=MAX_PRICE_PER_KWH)]


def first_overlap(spans: list[tuple[str, str, list[str] | None]]) -> tuple[int, int, str] | None:
    """The first two clock spans ``(start, end, days)`` that share a minute of a weekday, or None.

    A span covers start ≤ t < end local time on ``days`` (all days if None),
    wrapping midnight (into the next day) when end ≤ start.
    """
    import numpy as np  # lazy: keeps the schema import light

    week = np.full(7 * 1440, -1, dtype=np.int64)
    for k, (start, end, days) in enumerate(spans):
        a, b = round(clock_hours(start) * 60), round(clock_hours(end) * 60)
        for d in (range(7) if not days else [WEEKDAYS.index(x) for x in days]):
            lo = d * 1440 + a
            length = b - a if a < b else 1440 - a + b
            minutes = np.arange(lo, lo + length) % (7 * 1440)
            taken = week[minutes]
            if (taken >= 0).any():
                m = int(minutes[np.argmax(taken >= 0)])
                return int(taken[taken >= 0][0]), k, WEEKDAYS[m // 1440]
            week[minutes] = k
    return None


class TimePrice(Model):
    start: Clock
    end: Clock
    price: PriceValue = Field(description="[currency/kWh]; |price| ≤ 100,000 (assumption: any currency)")
    days: Weekdays = Field(default=None, description="weekdays it applies on; default every day")

    @model_validator(mode="after")
    def _not_empty(self) -> "TimePrice":
        if self.start == self.end:
            raise ValueError(f"start {self.start} equals end {self.end}: give a period that lasts, "
                             "or use 'default' for the whole day")
        return self


class PeriodPrice(Model):
    """A default price with time-of-day periods; a period covers start ≤ t < end (local), wrapping midnight if end ≤ start.

    Periods may not overlap on a weekday they share (which price would apply would be ambiguous).
    """

    default: PriceValue = Field(description="[currency/kWh] outside the periods")
    periods: list[TimePrice] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _no_overlap(self) -> "PeriodPrice":
        clash = first_overlap([(p.start, p.end, p.days) for p in self.periods])
        if clash is not None:
            i, j, day = clash
            raise ValueError(f"periods[{i}] and periods[{j}] overlap on {day}: which price applies is ambiguous")
        return self


class CsvSeries(Model):
    csv: FilePath


def _price_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "price-csv" if "csv" in value else "price-periods"
    return "price-constant"


Price = Annotated[
    Union[
        Annotated[PriceValue, Tag("price-constant")],
        Annotated[PeriodPrice, Tag("price-periods")],
        Annotated[CsvSeries, Tag("price-csv")],
    ],
    Discriminator(_price_tag),
]


def _factor_tag(value: Any) -> str:
    return "factor-csv" if isinstance(value, dict) else "factor-constant"


EmissionFactor = Annotated[
    Union[Annotated[float, Tag("factor-constant"), Field(ge=0, le=3)], Annotated[CsvSeries, Tag("factor-csv")]],
    Discriminator(_factor_tag),
]


class Outage(Model):
    start: dt.datetime = Field(description="local time at the site")
    hours: float = Field(
        gt=0, le=8784,
        description="[h]; ≤ 8,784 (one leap year); must start inside the period, the part past its end is not simulated")


class Grid(Model):
    connected: bool = True
    export_allowed: bool = False
    import_limit_kw: float | None = Field(
        default=None, ge=0, le=1_000_000, description="[kW] at the district's connection; ≤ 1,000,000 (assumption)")
    export_limit_kw: float | None = Field(
        default=None, ge=0, le=1_000_000, description="[kW] at the district's connection; needs export_allowed")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code, e.g. JPY, MYR")
    tariff: Tariff | None = Field(
        default=None,
        description="households' tariff and export scheme (a preset name or a full spec); bills use it and "
        "the dispatch uses its marginal price of each step instead of import_price/export_price",
    )
    import_price: Price | None = Field(default=None, description="[currency/kWh] marginal price of each step")
    export_price: Price | None = Field(default=None, description="[currency/kWh]; default 0 (no payment for exports)")
    emission_factor_kg_per_kwh: EmissionFactor = Field(
        description="[kg-CO2/kWh] annual or hourly (CSV); ≤ 3 (assumption: the most carbon-intensive grids emit ≈1)")
    outages: list[Outage] = Field(default_factory=list, max_length=1000, description="≤ 1,000 (assumption)")

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _consistent(self) -> "Grid":
        if not self.connected:
            given = [f for f in ("export_allowed", "import_limit_kw", "export_limit_kw", "outages")
                     if getattr(self, f) not in (None, False, [])]
            if given:
                raise ValueError(f"connected is false (an islanded district) but {', '.join(given)} "
                                 "is given: remove it or connect the grid")
        if self.export_limit_kw is not None and not self.export_allowed:
            raise ValueError("export_limit_kw is given but export_allowed is false: allow export or remove the limit")
        return self

    @model_validator(mode="after")
    def _a_price(self) -> "Grid":
        if self.tariff is None and self.import_price is None:
            raise ValueError("give 'tariff' (e.g. tepco-juryo-dento-b-2023) or 'import_price'")
        if self.tariff is not None and (self.import_price is not None or self.export_price is not None):
            raise ValueError("give either 'tariff' or import_price/export_price, not both")
        if self.tariff is not None:
            try:
                tariff_currency(self.tariff, self.currency, "tariff")
            except InputError as exc:
                raise ValueError(str(exc)) from None
        return self


# --------------------------------------------------------------------------- scenario


class Scenario(Model):
    name: str
    description: str = ""
    site: Site
    period: Period
    weather: WeatherSource = Field(default_factory=WeatherSource)
    homes: list[HomeGroup] = Field(default_factory=list, description="at least one group, unless a mobility-only study")
    community: Community = Field(default_factory=Community)
    grid: Grid
    economics: Economics | None = Field(
        default=None,
        description="unit costs; default: the site country's (an error for a country without defaults); "
        "write 'economics: none' to skip bills, costs and NPV")
    mobility: Mobility | None = Field(default=None, description="shared multi-mobility: ports, fleet, demand")
    sizing: Sizing | None = Field(default=None, description="what `zerodistrict size` may size, within which bounds")

    @model_validator(mode="before")
    @classmethod
    def _limits_before_parsing(cls, data: Any) -> Any:
        """'economics: none' → no appraisal."""
        if isinstance(data, dict):
            if isinstance(data.get("economics"), str) and data["economics"].strip().lower() == "none":
                data = {**data, "economics": None}
        return data

    @field_validator("homes", mode="before")
    @classmethod
    def _few_enough_groups(cls, value: Any) -> Any:
        """Refuse an oversized study before validating each of its groups."""
        if isinstance(value, list) and len(value) > MAX_HOME_GROUPS:
            raise ValueError(f"{len(value):,} home groups; the limit is {MAX_HOME_GROUPS:,}")
        return value

    @field_validator("name")
    @classmethod
    def _short_name(cls, value: str) -> str:
        if not value.strip() or len(value) > 200:
            raise ValueError("give a name of 1 to 200 characters")
        return value

    @property
    def economics_skipped(self) -> bool:
        """The scenario says ``economics: none`` (or null): no bills, costs or NPV."""
        return self.economics is None and "economics" in self.model_fields_set

    @property
    def n_homes(self) -> int:
        return sum(g.count for g in self.homes)

    def index(self) -> pd.DatetimeIndex:
        return self.period.index(self.site.timezone)

    @model_validator(mode="after")
    def _some_homes(self) -> "Scenario":
        if not self.homes and self.mobility is None:
            raise ValueError("homes: at least one home group is needed (zero homes given)")
        return self

    @model_validator(mode="after")
    def _economics_currency(self) -> "Scenario":
        if self.economics is not None and self.economics.currency != self.grid.currency:
            raise ValueError(
                f"economics.currency {self.economics.currency} differs from grid.currency {self.grid.currency}"
            )
        return self

    @model_validator(mode="after")
    def _unique_groups(self) -> "Scenario":
        seen: set[str] = set()
        for group in self.homes:
            if group.group in seen:
                raise ValueError(f"home group name {group.group!r} is used twice")
            seen.add(group.group)
        return self

    @model_validator(mode="after")
    def _within_limits(self) -> "Scenario":
        n_homes = self.n_homes
        if n_homes > MAX_HOMES:
            raise ValueError(f"homes: {n_homes:,} homes in all; the limit is {MAX_HOMES:,}")
        first = self.period.start or dt.date(self.period.year, 1, 1)
        days = self.period.days or (dt.date(self.period.year + 1, 1, 1) - first).days
        steps = days * 24 * 60 // self.period.step_minutes
        if n_homes * steps > MAX_HOME_STEPS:
            raise ValueError(
                f"homes × time steps: {n_homes:,} homes × {steps:,} steps = {n_homes * steps:,}; the limit is "
                f"{MAX_HOME_STEPS:,} (memory): fewer homes, a shorter period or hourly steps")
        n_evs = sum(ev.count for ev in self.community.evs)
        if n_evs > MAX_COMMUNITY_EVS:
            raise ValueError(f"community.evs: {n_evs:,} vehicles in all; the limit is {MAX_COMMUNITY_EVS:,}")
        return self
