"""The hydrogen chain of a district (scenario field ``community.hydrogen``).

An electrolyser on the community bus turns surplus power into hydrogen, a tank
stores it, an optional fuel cell turns it back into power for the district
(by default only in a grid outage), and a transport demand (a bus or rail
depot) draws hydrogen from the tank at refuelling hours. What the tank cannot
give is bought as delivered grey hydrogen at ``grey_hydrogen.price_per_kg`` and
emits ``grey_hydrogen.co2_kg_per_kg``.

Dispatch models the tank as a store of kind ``hydrogen`` whose energy is the
hydrogen's lower heating value (:data:`H2_LHV_KWH_PER_KG`, 33.33 kWh/kg): the
electrolyser's charge efficiency is ``33.33 / kwh_per_kg``, the fuel cell's
discharge efficiency is ``efficiency``, and the offtake is the store's trip
energy (like an EV's). Simplifications: the tank has no cushion gas (floor 0);
compression energy is inside ``kwh_per_kg``; the pressure class is recorded,
not modelled; the offtake of one refuelling window is spread evenly over its
steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from zerodistrict.scenario.base import (
    WEEKDAYS,
    Clock,
    FilePath,
    Model,
    Weekdays,
    clock_hours,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: lower heating value of hydrogen: 120 MJ/kg = 33.33 kWh/kg (US DOE Hydrogen Program, hydrogen fuel facts, 2020;
#: docs/sources.md [H1])
H2_LHV_KWH_PER_KG = 33.33
#: how the rule CEMS ranks the electrolyser among the community bus's stores when it shares out surplus power
HydrogenPriority = Literal["after_batteries", "before_batteries", "last"]


class Electrolyser(Model):
    """Water electrolysis with its compressor, as one AC load on the community bus."""

    power_kw: float = Field(
        ge=0, le=20_000,
        description="[kW] rated AC input; ≤ 20,000 (assumption: a 20 MW plant, beyond a district depot)")
    kwh_per_kg: float = Field(
        default=55.0, ge=39.4, le=100,
        description="[kWh/kg] AC energy per kg of hydrogen, compression included; 55 is our assumption within "
        "IRENA's 50–83 kWh/kg for today's alkaline and PEM systems (IRENA 2020, [H2]); ≥ 39.4 (the higher heating "
        "value: no electrolyser does better), ≤ 100 (assumption)")
    min_load_ratio: float = Field(
        default=0.1, ge=0, lt=1,
        description="minimum stable load as a share of power_kw (rule CEMS: below it, no production; the LP relaxes "
        "it); 0.1 is our assumption for PEM (alkaline stacks need ≈0.2–0.4)")
    water_l_per_kg: float = Field(
        default=15.0, ge=9.0, le=50,
        description="[L/kg] water used; ≥ 9 (stoichiometry: 8.9 L/kg); 15 is our assumption for purification and "
        "cooling losses")


class HydrogenTank(Model):
    """Compressed (or liquid) hydrogen storage at the depot."""

    capacity_kg: float = Field(ge=0, le=100_000, description="[kg] usable hydrogen; ≤ 100,000 (assumption)")
    pressure_class: Literal["200bar", "350bar", "500bar", "700bar", "liquid"] = Field(
        default="350bar", description="recorded for the cost and the report; the dispatch does not model pressure")
    loss_ratio_per_day: float = Field(
        default=0.0, ge=0, le=0.05,
        description="share of the stored hydrogen lost a day (leaks, boil-off); 0 for compressed gas is our "
        "assumption; liquid tanks boil off ≈0.1–1 %/day (assumption); ≤ 5 %/day")
    initial_ratio: float = Field(default=0.5, ge=0, le=1, description="share of capacity_kg at the start")


class FuelCell(Model):
    """A stationary fuel cell feeding the community bus from the tank."""

    power_kw: float = Field(gt=0, le=20_000, description="[kW] rated AC output; ≤ 20,000 (assumption)")
    efficiency: float = Field(
        default=0.5, gt=0, le=0.7,
        description="AC output per hydrogen LHV; 0.5 is our assumption for a PEM stack with its inverter; ≤ 0.7")
    outage_only: bool = Field(
        default=True, description="serve the district only in a grid outage (both dispatches); false: whenever "
        "the dispatch chooses (the rule CEMS then ranks it by priority)")


class TransportDemand(Model):
    """Vehicles refuelled at the depot every day in a refuelling window."""

    vehicles: int = Field(ge=0, le=1_000, description="vehicles refuelled; ≤ 1,000 (assumption)")
    km_per_day: float = Field(gt=0, le=1_500, description="[km] per vehicle a day; ≤ 1,500 (assumption)")
    kg_per_100km: float = Field(
        gt=0, le=50, description="[kg/100 km] hydrogen use; ≤ 50 (assumption: above any bus or articulated tram)")
    refuel_start: Clock = Field(default="22:00", description="local start of the daily refuelling window")
    refuel_hours: float = Field(default=6.0, gt=0, le=24, description="[h] length of the refuelling window")
    days: Weekdays = Field(default=None, description="weekdays of service; default every day")

    @property
    def kg_per_day(self) -> float:
        """[kg] hydrogen drawn on a service day."""
        return self.vehicles * self.km_per_day * self.kg_per_100km / 100.0


class CsvOfftake(Model):
    """Offtake from a file: one column of kg per step (see :mod:`zerodistrict.profiles.csv_files`)."""

    csv: FilePath


class GreyHydrogen(Model):
    """Delivered fossil hydrogen, bought for the offtake the tank cannot serve."""

    price_per_kg: float = Field(
        ge=0, le=100_000,
        description="[currency/kg] delivered to the depot; give the source or say it is an assumption in source")
    co2_kg_per_kg: float = Field(
        default=9.3, ge=0, le=40,
        description="[kg-CO2/kg] of delivered grey hydrogen; 9.3 is the top of the 6.6–9.3 t CO2/t range of steam "
        "methane reforming ([H3], 2024; delivery and methane leaks excluded); ≤ 40 (assumption: coal gasification "
        "with leaks)")
    source: str = Field(default="", description="where price and CO2 factor come from (or 'assumption: ...')")


class HydrogenCosts(Model):
    """Installed costs of the hydrogen chain (``community.hydrogen.costs``; default: the site country's catalog)."""

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 of every amount below")
    electrolyser_per_kw: float = Field(ge=0, le=1e9, description="[currency/kW] installed, compression included")
    electrolyser_lifetime_years: int = Field(ge=1, le=60, description="[yr] replaced after this")
    tank_per_kg: float = Field(ge=0, le=1e9, description="[currency/kg] of usable storage, installed")
    tank_lifetime_years: int = Field(ge=1, le=60, description="[yr]")
    fuel_cell_per_kw: float = Field(ge=0, le=1e9, description="[currency/kW] installed, inverter included")
    fuel_cell_lifetime_years: int = Field(ge=1, le=60, description="[yr]")
    source: str = Field(default="", description="where the numbers come from")


class Hydrogen(Model):
    """Electrolyser, tank, optional fuel cell and offtake on the community bus (``community.hydrogen``)."""

    name: str = Field(default="hydrogen", min_length=1, max_length=100,
                      description="store name; unique among community batteries and EV fleets")
    electrolyser: Electrolyser
    tank: HydrogenTank
    fuel_cell: FuelCell | None = None
    offtake: TransportDemand | CsvOfftake | None = Field(
        default=None, description="hydrogen drawn from the tank: a transport demand or a CSV of kg per step")
    grey_hydrogen: GreyHydrogen
    priority: HydrogenPriority = Field(
        default="after_batteries",
        description="rule CEMS: where the electrolyser stands among the bus's stores for surplus power "
        "(after_batteries: batteries, electrolyser, EVs; before_batteries; last)")
    grid_charging: bool = Field(
        default=False, description="the optimal dispatch may run the electrolyser on grid power (the rules never do)")
    costs: HydrogenCosts | None = Field(
        default=None, description="installed costs for lcoh_per_kg; default: the site country's catalog "
        "(catalog/data/hydrogen_costs.yaml)")

    @model_validator(mode="after")
    def _fuel_cell_has_a_tank(self) -> Hydrogen:
        if self.fuel_cell is not None and self.tank.capacity_kg == 0:
            raise ValueError("fuel_cell: a fuel cell needs a tank (tank.capacity_kg > 0)")
        return self

    @property
    def charge_efficiency(self) -> float:
        """Hydrogen LHV stored per kWh of AC input [ratio]."""
        return H2_LHV_KWH_PER_KG / self.electrolyser.kwh_per_kg

    def offtake_kg(self, index: pd.DatetimeIndex, step_hours: float) -> np.ndarray:
        """(t,) hydrogen drawn from the tank at each step [kg].

        A transport demand draws ``kg_per_day`` of each service day at an even rate over its
        refuelling window (a window that passes midnight belongs to the day it opens); a step
        inside the window draws ``kg_per_day / refuel_hours × step_hours``.
        """
        import numpy as np
        import pandas as pd

        if self.offtake is None:
            return np.zeros(len(index))
        if isinstance(self.offtake, CsvOfftake):
            from zerodistrict.profiles.csv_files import read_profile_csv

            return read_profile_csv(self.offtake.csv, index, "hydrogen offtake [kg per step]", max_abs=100_000.0)
        d = self.offtake
        hours = np.asarray(index.hour + index.minute / 60.0, dtype=float)
        since = (hours - clock_hours(d.refuel_start)) % 24.0  # hours since the window opened (today or yesterday)
        inside = since < d.refuel_hours - 1e-9
        if d.days is not None:
            opened = index - pd.to_timedelta(since, unit="h")
            inside &= np.isin(np.asarray([WEEKDAYS[w] for w in opened.weekday]), d.days)
        return np.where(inside, d.kg_per_day / d.refuel_hours * step_hours, 0.0)


def default_hydrogen_costs(country: str) -> HydrogenCosts | None:
    """The catalog's hydrogen costs of a country (ISO 3166 alpha-2), None if it has none."""
    from zerodistrict import catalog

    table = catalog.hydrogen_costs()
    return table.get(country.upper())
