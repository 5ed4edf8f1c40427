"""A city roadmap file: the housing stock, the district designs and how fast they spread, the grid to 2050, the target.

A roadmap is validated once here (strict pydantic models: an unknown field
is an error) and loaded from a preset name (``roadmap/presets/*.yaml``) or
a YAML path by :func:`load_roadmap`. Every number a city gives carries a
``source`` beside it — a published figure with its year, or the word
"assumption" with the reason.

Paths over the years (grid emission factor, shared-mobility vehicle-km,
hydrogen served, target) are lists of ``{year, value}`` points joined by
straight lines; :func:`interpolate` is the one place that reads them.

Simplifications
---------------
* The housing stock of each dwelling type grows by a constant ratio a year
  from the count of its base year.
* A dwelling type is converted by at most one design.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from zerodistrict.errors import InputError
from zerodistrict.scenario.base import MAX_SCENARIO_BYTES, Model, format_validation_error
from zerodistrict.strict_yaml import read_mapping, read_mapping_file

PRESET_DIR = Path(__file__).parent / "presets"

Year = Field(ge=1990, le=2100)
Source = Field(min_length=3, description="where the numbers come from (with their year), or 'assumption: why'")


class YearValue(Model):
    """One point of a path over the years."""

    year: int = Year
    value: float = Field(ge=0)


def _points_in_order(points: list[YearValue]) -> list[YearValue]:
    years = [p.year for p in points]
    if years != sorted(set(years)):
        raise ValueError(f"years must rise strictly, got {years}")
    return points


class DwellingType(Model):
    """Homes of one dwelling type in the city's base year."""

    type: str = Field(min_length=1, description="name of the dwelling type (terrace, flat, detached…)")
    homes: float = Field(ge=0, description="homes of this type in the city's base_year")
    electricity_kwh_per_home_year: float = Field(gt=0, description="[kWh] a home's grid electricity in a year, "
                                                 "before any programme")
    growth_ratio_per_year: float = Field(default=0.0, ge=-0.2, le=0.2, description="[1/yr] change of the stock")
    source: str = Source


class City(Model):
    name: str = Field(min_length=1)
    country: str = Field(min_length=2)
    base_year: int = Field(ge=1990, le=2100, description="year the housing stock was counted")
    currency: str = Field(min_length=3, max_length=3)
    housing: list[DwellingType] = Field(min_length=1, max_length=50)

    @field_validator("housing")
    @classmethod
    def _unique_types(cls, housing: list[DwellingType]) -> list[DwellingType]:
        names = [h.type for h in housing]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"dwelling type {twice[0]!r} is given twice")
        return housing


class SCurve(Model):
    """Logistic adoption: the share of eligible homes converted by year ``y``.

    ``share(y) = saturation · (L(y) − L(s−1)) / (1 − L(s−1))`` for ``y ≥ s``
    (0 before), with ``L(y) = 1 / (1 + exp(−k (y − midpoint)))`` and ``s`` the
    start year: zero the year before the start, rising through the midpoint
    towards ``saturation``.
    """

    start_year: int = Year
    midpoint_year: float = Field(ge=1990, le=2150)
    steepness_per_year: float = Field(gt=0, le=5, description="[1/yr] k of the logistic")
    saturation_ratio: float = Field(gt=0, le=1, description="share of the eligible homes converted in the long run")

    def share(self, years: np.ndarray) -> np.ndarray:
        """Share converted by each of ``years`` (0–saturation, never falling)."""
        years = np.asarray(years, dtype=float)
        x = self.steepness_per_year * (years - self.midpoint_year)
        x0 = self.steepness_per_year * (self.start_year - 1.0 - self.midpoint_year)
        # (L(y) − L0) / (1 − L0) = 1 − (1 + e^x0) / (1 + e^x), in logs: no 0/0 when L0 rounds to 1
        share = self.saturation_ratio * -np.expm1(np.logaddexp(0.0, x0) - np.logaddexp(0.0, x))
        return np.where(years >= self.start_year, share, 0.0)


class Adoption(Model):
    """How fast a design spreads: an S-curve, or the homes converted in each year (one of the two)."""

    s_curve: SCurve | None = None
    homes_per_year: dict[int, float] | None = Field(default=None, description="year → homes converted that year")
    source: str = Source

    @model_validator(mode="after")
    def _one_kind(self) -> "Adoption":
        if (self.s_curve is None) == (self.homes_per_year is None):
            raise ValueError("give either s_curve or homes_per_year (exactly one)")
        for year, homes in (self.homes_per_year or {}).items():
            if not (1990 <= year <= 2100) or not math.isfinite(homes) or homes < 0:
                raise ValueError(f"homes_per_year: {year}: {homes!r} must be a number ≥ 0 of a year 1990–2100")
        return self


class Design(Model):
    """One district design (a scenario), the dwelling types it converts, and its adoption."""

    scenario: str = Field(min_length=1, description="preset name, or a scenario YAML path (relative to the roadmap)")
    applies_to: list[str] = Field(min_length=1, description="dwelling types of city.housing this design converts")
    adoption: Adoption
    dispatch: Literal["rule", "optimal"] = "rule"
    objective: Literal["bill", "energy_cost", "cost", "co2"] | None = Field(
        default=None, description="optimal dispatch only: bill, energy_cost or co2")
    days: int | None = Field(default=None, ge=1, le=366, description="simulate only these days of the design's "
                             "year (scaled to 365 days; quicker, less exact)")

    @model_validator(mode="after")
    def _objective_needs_optimal(self) -> "Design":
        if self.objective is not None and self.dispatch != "optimal":
            raise ValueError(f"objective {self.objective!r} applies to dispatch: optimal only, not {self.dispatch}")
        return self


class GridPath(Model):
    """The grid's annual emission factor [kg-CO2/kWh] over the years (location-based)."""

    name: str = Field(min_length=1)
    points: list[YearValue] = Field(min_length=1, description="{year, value} [kg-CO2/kWh], joined linearly")
    source: str = Source

    _order = field_validator("points")(_points_in_order)


class SharedMobility(Model):
    """Car trips moved to shared e-vehicles: vehicle-km a year, their tailpipe CO2 avoided, their charging."""

    vehicle_km_per_year: list[YearValue] = Field(min_length=1, description="[km/yr] shifted; 0 before the first point")
    co2_kg_per_km_avoided: float = Field(ge=0, description="[kg-CO2/km] tailpipe CO2 of the trips replaced")
    electricity_kwh_per_km: float = Field(ge=0, description="[kWh/km] the shared vehicles' charging from the grid")
    source: str = Source

    _order = field_validator("vehicle_km_per_year")(_points_in_order)


class HydrogenTransport(Model):
    """Hydrogen served to transport (buses, the ART): kg a day, and the CO2 it avoids per kg."""

    kg_per_day: list[YearValue] = Field(min_length=1, description="[kg/d] served; 0 before the first point")
    co2_kg_per_kg_avoided: float = Field(ge=0, description="[kg-CO2/kg-H2] diesel CO2 avoided net of production")
    days_per_year: float = Field(default=365.0, gt=0, le=366, description="[d] days of service a year")
    source: str = Source

    _order = field_validator("kg_per_day")(_points_in_order)


class Milestone(Model):
    year: int = Year
    reduction_ratio: float = Field(ge=0, le=1, description="cut against the base year (1 = net zero)")
    source: str = Source


class Target(Model):
    """The city's target, applied to the residential grid electricity of ``base_year`` (without the programme).

    The target line is 0 % cut in ``base_year``, straight lines through the
    milestones, and the last milestone's cut after it.
    """

    base_year: int = Year
    milestones: list[Milestone] = Field(min_length=1)
    description: str = Field(min_length=1)

    @field_validator("milestones")
    @classmethod
    def _order(cls, milestones: list[Milestone]) -> list[Milestone]:
        years = [m.year for m in milestones]
        if years != sorted(set(years)):
            raise ValueError(f"years must rise strictly, got {years}")
        return milestones


class Roadmap(Model):
    """A city's road to its target: stock, designs and their adoption, grid, mobility, hydrogen, target."""

    name: str = Field(min_length=1)
    description: str = ""
    city: City
    start_year: int = Year
    end_year: int = Year
    designs: list[Design] = Field(min_length=1, max_length=20)
    grid: GridPath
    shared_mobility: SharedMobility | None = None
    hydrogen_transport: HydrogenTransport | None = None
    target: Target

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.start_year, self.end_year + 1)

    @model_validator(mode="after")
    def _consistent(self) -> "Roadmap":
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        if self.start_year < self.city.base_year:
            raise ValueError(f"start_year {self.start_year} is before city.base_year {self.city.base_year}")
        types = {h.type for h in self.city.housing}
        claimed: dict[str, int] = {}
        for i, design in enumerate(self.designs):
            for name in design.applies_to:
                if name not in types:
                    raise ValueError(f"designs[{i}].applies_to: {name!r} is not a dwelling type of city.housing "
                                     f"({', '.join(sorted(types))})")
                if name in claimed:
                    raise ValueError(f"designs[{i}].applies_to: {name!r} is converted by designs[{claimed[name]}] "
                                     "already; a dwelling type takes one design")
                claimed[name] = i
            years = sorted(design.adoption.homes_per_year or {})
            if years and (years[0] < self.start_year or years[-1] > self.end_year):
                raise ValueError(f"designs[{i}].adoption.homes_per_year: years {years[0]}–{years[-1]} lie outside "
                                 f"start_year–end_year {self.start_year}–{self.end_year}")
        first, last = self.grid.points[0].year, self.grid.points[-1].year
        need = (min(self.start_year, self.target.base_year), self.end_year)
        if first > need[0] or last < need[1]:
            raise ValueError(f"grid.points: cover {first}–{last}; the roadmap needs {need[0]}–{need[1]} "
                             "(the target's base_year and every year to end_year)")
        if self.target.milestones[0].year <= self.target.base_year:
            raise ValueError(f"target.milestones: the first year {self.target.milestones[0].year} must come after "
                             f"target.base_year {self.target.base_year}")
        return self


def interpolate(points: list[YearValue], years: np.ndarray, before: float | None = None) -> np.ndarray:
    """Values of a path in ``years``: straight lines between points, the last value after the last point,
    and ``before`` (or the first value when None) before the first point."""
    xs = np.array([p.year for p in points], dtype=float)
    ys = np.array([p.value for p in points], dtype=float)
    values = np.interp(np.asarray(years, dtype=float), xs, ys)
    if before is not None:
        values = np.where(np.asarray(years) < xs[0], before, values)
    return values


# --------------------------------------------------------------------------- loading


def list_roadmap_presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def roadmap_from_dict(data: dict, source: str = "roadmap") -> Roadmap:
    try:
        return Roadmap.model_validate(data)
    except ValidationError as err:
        raise InputError(format_validation_error(err, source).replace("invalid scenario", "invalid roadmap", 1)) from None


def load_roadmap(ref: str | Path) -> tuple[Roadmap, Path]:
    """A roadmap from a preset name or a YAML path, and the folder its design paths are relative to."""
    ref_str = str(ref)
    path = Path(ref_str)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        data = read_mapping_file(path, ref_str, "roadmap", MAX_SCENARIO_BYTES, what="a roadmap")
        return roadmap_from_dict(data, ref_str), path.parent
    preset = PRESET_DIR / f"{ref_str}.yaml"
    if not preset.is_file():
        raise InputError(f"unknown roadmap {ref_str!r} and no such file; roadmap presets: "
                         f"{', '.join(list_roadmap_presets())}")
    text = preset.read_text(encoding="utf-8")
    return roadmap_from_dict(read_mapping(text, ref_str, what="a roadmap"), f"roadmap preset {ref_str}"), PRESET_DIR
