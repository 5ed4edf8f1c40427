"""A home group's building and household: the scenario's ``homes[].building`` and ``homes[].household``.

Every field left out takes the value of the dwelling type in
``catalog/data/buildings.yaml`` (``dwelling``), whose numbers carry their
sources there; the envelope (insulation level) defaults to the dwelling's
usual one. The model is :mod:`zerodistrict.profiles.thermal` (ISO 13790 5R1C).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from zerodistrict.scenario.base import Model

__all__ = ["AirConditioner", "Building", "Household"]

HourWindow = tuple[int, int]


def _check_windows(value: list[HourWindow] | None) -> list[HourWindow] | None:
    for on, off in value or []:
        if not (0 <= on <= 24 and 0 <= off <= 24):
            raise ValueError(f"hours ({on}, {off}) must lie in 0–24 (local clock hours; off < on crosses midnight)")
    return value


class AirConditioner(Model):
    """The home's air conditioners (heat pumps) as one unit; every field defaults to the dwelling's."""

    heating_setpoint_c: float | None = Field(default=None, ge=-60, le=30, description="[°C] air kept at least this warm while heating is on")
    cooling_setpoint_c: float | None = Field(default=None, ge=16, le=35, description="[°C] air kept at most this warm while cooling is on")
    heating_hours: list[HourWindow] | None = Field(
        default=None, max_length=12,
        description="local hours [on, off) of heating, e.g. [[6, 9], [17, 23]]; [] never, [[0, 0]] always")
    cooling_hours: list[HourWindow] | None = Field(
        default=None, max_length=12, description="local hours [on, off) of cooling; [[22, 7]] crosses midnight")
    heating_cop: float | None = Field(
        default=None, gt=0, le=10, description="rated COP at JIS C 9612 heating conditions (7 °C out, 20 °C in)")
    cooling_cop: float | None = Field(
        default=None, gt=0, le=10, description="rated COP at JIS C 9612 cooling conditions (35 °C out, 27 °C in)")
    capacity_w_m2: float | None = Field(
        default=None, ge=0, le=1000, description="[W/m²] heating and cooling capacity per conditioned floor area")

    _windows = field_validator("heating_hours", "cooling_hours")(_check_windows)

    @model_validator(mode="after")
    def _setpoints_ordered(self) -> AirConditioner:
        h, c = self.heating_setpoint_c, self.cooling_setpoint_c
        if h is not None and c is not None and h > c:
            raise ValueError(f"heating_setpoint_c {h} is above cooling_setpoint_c {c}")
        return self


class Building(Model):
    """The home modelled as a building: its heating and cooling come from the ISO 13790 5R1C model."""

    dwelling: str = Field(description="dwelling type of the catalog: jp-detached, my-terrace")
    envelope: str | None = Field(
        default=None,
        description="insulation level of the catalog: jp-h28 (Japan's 2025 standard), jp-zeh, jp-heat20-g2, "
        "my-brick-terrace, my-insulated-retrofit; default the dwelling's")
    floor_area_m2: float | None = Field(default=None, gt=10, le=2000, description="[m²] total floor area; default the dwelling's")
    orientation_deg: float = Field(default=180.0, ge=0, le=360, description="[deg] azimuth the front façade faces; 180 = south")
    air_changes_per_h: float | None = Field(default=None, gt=0, le=20, description="[1/h] ventilation and infiltration; default the envelope's")
    shading_factor: float | None = Field(default=None, gt=0, le=1, description="share of the windows' solar gain left by shading; default the dwelling's")
    thermal_mass: Literal["very-light", "light", "medium", "heavy", "very-heavy"] | None = Field(
        default=None, description="ISO 13790 Table 12 class; default the dwelling's")
    conditioned_ratio: float | None = Field(
        default=None, gt=0, le=1, description="share of the floor area kept at set-point; default the dwelling's")
    air_conditioner: AirConditioner = Field(default_factory=AirConditioner)

    @field_validator("dwelling")
    @classmethod
    def _known_dwelling(cls, value: str) -> str:
        from zerodistrict import catalog

        known = catalog.dwellings()
        if value not in known:
            raise ValueError(f"unknown dwelling {value!r}; known: {', '.join(sorted(known))}")
        return value

    @field_validator("envelope")
    @classmethod
    def _known_envelope(cls, value: str | None) -> str | None:
        from zerodistrict import catalog

        known = catalog.envelopes()
        if value is not None and value not in known:
            raise ValueError(f"unknown envelope {value!r}; known: {', '.join(sorted(known))}")
        return value


class Household(Model):
    """Who lives in the homes of a group, and how much their appliances use (homes differ, seeded)."""

    size: int | None = Field(default=None, ge=1, le=20, description="persons; default the dwelling's (4) or 4")
    appliance_kwh: float | None = Field(
        default=None, gt=0, le=100_000,
        description="[kWh/yr] mean per home: appliances only with a building, all household electricity without; "
        "default the country's mean × the ratio for the size (catalog households)")
    appliance_cv: float | None = Field(
        default=None, ge=0, le=3, description="coefficient of variation between homes; default the country's")
    seed: int = Field(default=0, ge=0, description="seed of the homes' draws")
