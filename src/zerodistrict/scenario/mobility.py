"""The ``mobility`` section of a scenario: ports, fleet, demand, prices, mode shift.

Validated once at the edge (pydantic, unknown fields rejected); the simulation
trusts these objects. Cross-references are checked here and name the field:
a vehicle type placed at an unknown station, a price for an unknown vehicle
type, mode shares that do not add up to one.

Numbers that are defaults carry their source in the field description; where a
default is our assumption the description says so.
"""

from __future__ import annotations

import heapq
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from zerodistrict.errors import InputError
from zerodistrict.scenario.base import MAX_STATIONS, MAX_VEHICLES, Model, format_validation_error

VehicleKind = Literal["e-bike", "e-scooter", "small-ev", "shared-car", "bike"]
ReplacedModeName = Literal["car", "taxi", "motorcycle", "bus", "rail", "walking", "bicycle", "none"]
DistributionRule = Literal["even", "by_docks", "by_weight"]

# relative trip starts per local hour 0..23; shape is our assumption (commute peaks
# at 08 and 18 on weekdays, a midday plateau at weekends, as bike-share usage is
# commonly reported), not a measured Saitama profile
DEFAULT_WEEKDAY_PROFILE = [
    0.3, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 5.0, 3.0, 2.5, 2.8,
    3.2, 3.0, 3.0, 3.4, 4.2, 5.5, 5.0, 3.5, 2.5, 1.8, 1.2, 0.6,
]
DEFAULT_WEEKEND_PROFILE = [
    0.5, 0.3, 0.2, 0.1, 0.1, 0.3, 0.8, 1.5, 2.5, 3.5, 4.5, 5.0,
    5.0, 5.0, 5.0, 4.8, 4.5, 4.0, 3.5, 2.8, 2.0, 1.5, 1.0, 0.7,
]


class Station(Model):
    """A port: docks for any vehicle type, optionally with a charger at every dock."""

    id: str = Field(min_length=1)
    name: str = ""
    latitude: float = Field(ge=-90, le=90, description="[deg], north positive")
    longitude: float = Field(ge=-180, le=180, description="[deg], east positive")
    docks: int = Field(ge=1, le=100_000, description="parking places for vehicles of any type")
    charger_kw: float = Field(
        default=0.0, ge=0, le=350, description="[kW] AC input per dock; 0 = no charging here; ≤ 350 (assumption: the fastest DC chargers)")
    district_powered: bool = Field(
        default=False, description="its chargers draw from the district's microgrid (part of ev_charge_kw)"
    )
    weight: float = Field(default=1.0, gt=0, description="attraction/production weight in the gravity model")


class VehicleType(Model):
    """A kind of shared vehicle and how many there are."""

    id: str = Field(min_length=1)
    kind: VehicleKind
    count: int = Field(ge=0, le=MAX_VEHICLES, description=f"vehicles; ≤ {MAX_VEHICLES:,} in all types (assumption)")
    battery_kwh: float = Field(
        default=0.0, ge=0, le=250,
        description="[kWh] usable energy per vehicle; 0 for a bicycle; ≤ 250 (above the largest car packs)")
    consumption_kwh_per_km: float = Field(
        default=0.0, ge=0, le=2,
        description="[kWh/km] from the battery; ≤ 2 (assumption: a car uses ≈0.15–0.3)")
    speed_km_h: float = Field(gt=0, le=200, description="[km/h] mean riding speed, stops included")
    max_charge_kw: float | None = Field(
        default=None, gt=0, description="[kW] on-board charger limit; default: the dock's charger_kw"
    )
    initial_soc_ratio: float = Field(default=1.0, ge=0, le=1, description="assumption: the fleet starts charged")
    reserve_soc_ratio: float = Field(
        default=0.0, ge=0, lt=1,
        description="a rider takes a vehicle only if it keeps this share of its battery after the trip",
    )
    home_station: str | None = Field(default=None, description="all vehicles start at this station")
    initial: dict[str, int] | DistributionRule = Field(
        default="by_docks",
        description="start positions: {station id: count}, or a rule (D'Hondt apportionment, house-monotone)",
    )

    @model_validator(mode="after")
    def _energy_fields_consistent(self) -> VehicleType:
        if self.kind == "bike" and (self.battery_kwh > 0 or self.consumption_kwh_per_km > 0):
            raise ValueError("a 'bike' (no motor) has battery_kwh 0 and consumption_kwh_per_km 0")
        if self.kind != "bike" and self.count > 0 and self.battery_kwh <= 0:
            raise ValueError(f"kind {self.kind!r} needs battery_kwh > 0")
        if self.battery_kwh > 0 and self.consumption_kwh_per_km <= 0:
            raise ValueError("battery_kwh > 0 needs consumption_kwh_per_km > 0")
        if self.home_station is not None and self.initial != "by_docks":
            raise ValueError("give either home_station or initial, not both")
        return self

    @property
    def range_km(self) -> float:
        """[km] from full; infinite for a bicycle."""
        if self.consumption_kwh_per_km <= 0:
            return float("inf")
        return self.battery_kwh / self.consumption_kwh_per_km


class DistanceDistribution(Model):
    """Ride length: lognormal around ``mean_km``, never shorter than the road distance between the ports."""

    mean_km: float = Field(default=2.0, gt=0, le=200, description="[km]; assumption: typical urban shared-bike ride")
    sigma: float = Field(default=0.6, ge=0, le=3, description="lognormal shape; assumption")
    max_km: float | None = Field(default=None, gt=0, le=1000, description="[km] cap on a ride")
    circuity: float = Field(
        default=1.3, ge=1, le=3,
        description="road / straight-line distance; assumption within the 1.2–1.4 range reported for cities "
        "(Ballou, Rahardja & Sakai 2002; Boeing 2019)",
    )


class Demand(Model):
    """Trip requests: how many, when, from where to where, on which vehicle type."""

    trips_per_day: float = Field(
        ge=0, le=1_000_000, description="[1/day] requests on a weekday; ≤ 1,000,000 (assumption: a city's whole scheme)")
    weekday_profile: list[float] = Field(
        default_factory=lambda: list(DEFAULT_WEEKDAY_PROFILE), min_length=24, max_length=24,
        description="relative starts per local hour 0..23 (normalised); default is our assumption",
    )
    weekend_profile: list[float] = Field(
        default_factory=lambda: list(DEFAULT_WEEKEND_PROFILE), min_length=24, max_length=24,
        description="as weekday_profile, for Saturday and Sunday",
    )
    weekend_factor: float = Field(default=1.0, ge=0, description="weekend daily trips / weekday; assumption 1")
    distance_decay_per_km: float = Field(
        default=0.5, ge=0, description="[1/km] β of the gravity model P(d|o) ∝ w_d·exp(−β·dist_od); assumption"
    )
    distance: DistanceDistribution = Field(default_factory=DistanceDistribution)
    mode_choice: dict[str, float] | None = Field(
        default=None, description="share of requests per vehicle type id; default: in proportion to count"
    )

    @field_validator("weekday_profile", "weekend_profile")
    @classmethod
    def _profile_valid(cls, value: list[float]) -> list[float]:
        if any(v < 0 for v in value):
            raise ValueError("hourly weights must be ≥ 0")
        if sum(value) <= 0:
            raise ValueError("hourly weights must not all be 0")
        return value

    @field_validator("mode_choice")
    @classmethod
    def _shares_valid(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        if any(v < 0 for v in value.values()) or sum(value.values()) <= 0:
            raise ValueError("mode_choice shares must be ≥ 0 and not all 0")
        return value


class TypePrice(Model):
    """Fare of one ride: unlock + per_minute·minutes + first block + each further block started."""

    vehicle_type: str
    unlock: float = Field(default=0.0, ge=0, description="[currency] per ride")
    per_minute: float = Field(default=0.0, ge=0, description="[currency/min]")
    first_block_minutes: float = Field(default=0.0, ge=0, description="[min] covered by first_block_price")
    first_block_price: float = Field(default=0.0, ge=0, description="[currency]")
    block_minutes: float | None = Field(default=None, gt=0, description="[min] each further block")
    block_price: float = Field(default=0.0, ge=0, description="[currency] per further block started")


class Prices(Model):
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217, e.g. JPY, MYR")
    by_type: list[TypePrice] = Field(default_factory=list, max_length=100)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ReplacedMode(Model):
    """A mode a shared ride replaces, with its share of rides and its emissions."""

    mode: ReplacedModeName
    share: float = Field(ge=0, le=1, description="share of rides that would otherwise use this mode")
    co2_kg_per_passenger_km: float = Field(ge=0, description="[kg-CO2/passenger-km]")
    source: str = ""


def _default_mode_shift() -> list[ReplacedMode]:
    mlit = "MLIT 運輸部門における二酸化炭素排出量, mlit.go.jp/sogoseisaku/environment/sosei_environment_tk_000007.html, FY2019"
    return [
        # shares are our assumption (shared micromobility mostly replaces walking and public transport,
        # ITF 2020 "Good to Go? Assessing the Environmental Performance of New Mobility")
        ReplacedMode(mode="walking", share=0.35, co2_kg_per_passenger_km=0.0, source="no tailpipe emissions"),
        ReplacedMode(mode="bicycle", share=0.10, co2_kg_per_passenger_km=0.0, source="no tailpipe emissions"),
        ReplacedMode(mode="bus", share=0.20, co2_kg_per_passenger_km=0.057, source=mlit),
        ReplacedMode(mode="rail", share=0.10, co2_kg_per_passenger_km=0.017, source=mlit),
        ReplacedMode(mode="car", share=0.20, co2_kg_per_passenger_km=0.130, source=mlit),
        ReplacedMode(
            mode="taxi", share=0.05, co2_kg_per_passenger_km=0.341,
            source="MLIT 営業用乗用車 (older MLIT table, ≈2000s); assumption that it still holds",
        ),
    ]


class Rebalancing(Model):
    nightly: bool = Field(default=False, description="a van restores the initial distribution once a day")
    hour: int = Field(default=3, ge=0, le=23, description="local hour of the night run; assumption")


class Mobility(Model):
    """Shared multi-mobility: ports, fleet, demand, prices and the trips rides replace."""

    stations: list[Station] = Field(min_length=1, max_length=MAX_STATIONS)
    vehicle_types: list[VehicleType] = Field(default_factory=list, max_length=100)
    demand: Demand
    prices: Prices | None = None
    mode_shift: list[ReplacedMode] = Field(default_factory=_default_mode_shift, max_length=50)
    rebalancing: Rebalancing = Field(default_factory=Rebalancing)
    wait_minutes: float = Field(
        default=0.0, ge=0, le=240, description="[min] a turned-away rider tries once more this much later; 0 = never"
    )
    walk_to_nearby_km: float = Field(
        default=0.0, ge=0, le=10, description="[km] a turned-away rider tries ports this close, nearest first"
    )
    dock_full: Literal["redirect", "overflow"] = Field(
        default="redirect",
        description="arrival at a full port: ride on to the nearest port with a free dock, or park beside it",
    )
    charge_efficiency: float = Field(
        default=0.9, gt=0, le=1, description="AC input → stored energy; assumption for small on-board chargers"
    )
    seed: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _cross_references(self) -> Mobility:
        n_vehicles = sum(v.count for v in self.vehicle_types)
        if n_vehicles > MAX_VEHICLES:
            raise ValueError(f"vehicle_types: {n_vehicles:,} vehicles in all; the limit is {MAX_VEHICLES:,}")
        station_ids = [s.id for s in self.stations]
        _no_duplicates(station_ids, "stations", "station id")
        type_ids = [v.id for v in self.vehicle_types]
        _no_duplicates(type_ids, "vehicle_types", "vehicle type id")
        known = set(station_ids)
        for i, vt in enumerate(self.vehicle_types):
            if vt.home_station is not None and vt.home_station not in known:
                raise ValueError(
                    f"vehicle_types[{i}].home_station: unknown station id {vt.home_station!r}; "
                    f"known: {', '.join(station_ids)}"
                )
            if isinstance(vt.initial, dict):
                for sid, n in vt.initial.items():
                    if sid not in known:
                        raise ValueError(
                            f"vehicle_types[{i}].initial: unknown station id {sid!r}; known: {', '.join(station_ids)}"
                        )
                    if n < 0:
                        raise ValueError(f"vehicle_types[{i}].initial[{sid!r}]: count must be ≥ 0, got {n}")
                if sum(vt.initial.values()) != vt.count:
                    raise ValueError(
                        f"vehicle_types[{i}].initial: places {sum(vt.initial.values())} vehicles but count is {vt.count}"
                    )
        types = set(type_ids)
        for key in (self.demand.mode_choice or {}):
            if key not in types:
                raise ValueError(f"demand.mode_choice: unknown vehicle type {key!r}; known: {', '.join(type_ids)}")
        if self.prices is not None:
            for j, price in enumerate(self.prices.by_type):
                if price.vehicle_type not in types:
                    raise ValueError(
                        f"prices.by_type[{j}].vehicle_type: unknown vehicle type {price.vehicle_type!r}; "
                        f"known: {', '.join(type_ids)}"
                    )
        total_share = sum(m.share for m in self.mode_shift)
        if self.mode_shift and abs(total_share - 1.0) > 1e-6:
            raise ValueError(f"mode_shift: shares add up to {total_share:.6g}, they must add up to 1")
        self.initial_counts()  # placement must fit the docks
        return self

    def initial_counts(self) -> np.ndarray:
        """(stations, vehicle types) vehicles at each port at the start.

        Explicit placements (``home_station``, ``initial`` mappings) come first;
        rules are then apportioned by D'Hondt (highest averages) over each port's
        remaining free docks, type by type in the listed order. D'Hondt is
        house-monotone: adding vehicles of a type never removes one from a port.
        """
        n_s, n_v = len(self.stations), len(self.vehicle_types)
        docks = np.array([s.docks for s in self.stations])
        index = {s.id: k for k, s in enumerate(self.stations)}
        counts = np.zeros((n_s, n_v), dtype=np.int64)
        rules = []
        for j, vt in enumerate(self.vehicle_types):  # explicit placements first, then rules fill the rest
            if vt.home_station is not None:
                counts[index[vt.home_station], j] = vt.count
            elif isinstance(vt.initial, dict):
                for sid, n in vt.initial.items():
                    counts[index[sid], j] = n
            else:
                rules.append(j)
        for j in rules:
            vt = self.vehicle_types[j]
            weights = {
                "even": np.ones(n_s),
                "by_docks": docks.astype(float),
                "by_weight": np.array([s.weight for s in self.stations]),
            }[vt.initial]
            counts[:, j] = _dhondt(vt.count, weights, docks - counts.sum(axis=1), f"vehicle_types[{j}]")
        over = np.flatnonzero(counts.sum(axis=1) > docks)
        if over.size:
            k = int(over[0])
            raise ValueError(
                f"stations[{k}] ({self.stations[k].id!r}): {int(counts[k].sum())} vehicles start there "
                f"but it has {int(docks[k])} docks"
            )
        return counts


def _no_duplicates(ids: list[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for i, key in enumerate(ids):
        if key in seen:
            raise ValueError(f"{field}[{i}]: {what} {key!r} is used twice")
        seen.add(key)


def _dhondt(n: int, weights: np.ndarray, free: np.ndarray, field: str) -> np.ndarray:
    """Apportion ``n`` seats by D'Hondt over ports with ``free`` places left (capped)."""
    if n > int(np.clip(free, 0, None).sum()):
        raise ValueError(f"{field}: {n} vehicles do not fit in the {int(np.clip(free, 0, None).sum())} free docks")
    seats = np.zeros(len(weights), dtype=np.int64)
    heap = [(-float(w), k) for k, w in enumerate(weights) if free[k] > 0]
    heapq.heapify(heap)
    for _ in range(n):
        _, k = heapq.heappop(heap)
        seats[k] += 1
        if seats[k] < free[k]:
            heapq.heappush(heap, (-float(weights[k]) / (seats[k] + 1), k))
    return seats


def mobility_from_dict(data: dict, source: str = "mobility") -> Mobility:
    """Validate a ``mobility`` mapping; any problem is one :class:`InputError` naming ``source`` and the field."""
    try:
        return Mobility.model_validate(data)
    except ValidationError as err:
        raise InputError(format_validation_error(err, source)) from None
