"""What ``zerodistrict size`` may size, within which bounds (scenario field ``sizing``).

Each entry names a part of the scenario (a home group by ``group``, a community battery or a
shared-EV fleet by ``name``; the private line's trunk, ``line_capacity_kw``) and gives ranges ``{min, max}`` for its sizes; whatever the block does not name keeps
the scenario's own size. A home group's sizes apply to each of its homes alike (one PV size per
roof of the group, one battery size per home). PV needs an upper bound: the roof limit, given in
kWp (``pv_kwp.max``) or as a roof area (``roof_area_m2`` × :data:`KWP_PER_M2`); the tighter holds.

The design problem and its cost terms: :mod:`zerodistrict.design.sizing`.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from zerodistrict.errors import InputError
from zerodistrict.scenario.base import MAX_COMMUNITY_EVS, Model

#: [kW] upper bound of the line's trunk, the scenario schema's (``community.line_capacity_kw``)
MAX_LINE_KW = 100_000.0

#: PV peak power per m² of roof [kWp/m²]: ≈20 % module efficiency at 1 kW/m² STC with packing
#: losses left out (assumption; 2024 monocrystalline modules are 20–22 % efficient)
KWP_PER_M2 = 0.2


class Bounds(Model):
    """A range ``min ≤ x ≤ max`` for one size (unit in the field's name)."""

    min: float = Field(default=0.0, ge=0, le=1e6, description="lower bound, ≥ 0")
    max: float = Field(ge=0, le=1e6, description="upper bound, ≥ min; ≤ 1,000,000 (assumption: any district)")

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min > self.max:
            raise ValueError(f"min {self.min} exceeds max {self.max}")
        return self


class LineBounds(Bounds):
    """A range of the line's trunk capacity [kW]."""

    max: float = Field(ge=0, le=MAX_LINE_KW, description=f"upper bound, ≥ min; ≤ {MAX_LINE_KW:,.0f} (the scenario's limit)")


class CountBounds(Bounds):
    """A range of a number of vehicles, holding at least one whole number."""

    max: float = Field(ge=0, le=MAX_COMMUNITY_EVS,
                       description=f"upper bound, ≥ min; ≤ {MAX_COMMUNITY_EVS:,} (the scenario's limit)")

    @model_validator(mode="after")
    def _whole(self) -> CountBounds:
        if math.floor(self.max) < math.ceil(self.min):
            raise ValueError(f"no whole number of vehicles between {self.min:g} and {self.max:g}")
        return self


class HomeGroupSizing(Model):
    """Sizes of one home group's homes (each home alike)."""

    group: str = Field(min_length=1, max_length=100, description="a group of 'homes'")
    pv_kwp: Bounds | None = Field(default=None, description="[kWp] PV per home; max is the roof limit (≤ 100)")
    roof_area_m2: float | None = Field(
        default=None, gt=0, le=10_000, description=f"[m²] usable roof per home; caps pv_kwp at area × {KWP_PER_M2} kWp/m²")
    battery_kwh: Bounds | None = Field(
        default=None, description="[kWh] home battery per home (≤ 200, the battery schema's limit)")
    battery_kw: Bounds | None = Field(default=None, description="[kW] home battery power per home (≤ 100)")

    @model_validator(mode="after")
    def _limits(self) -> HomeGroupSizing:
        if self.roof_area_m2 is not None and self.pv_kwp is None:
            raise ValueError("roof_area_m2 needs pv_kwp (its range) too")
        if self.pv_kwp is not None and self.roof_area_m2 is not None:
            roof = self.roof_area_m2 * KWP_PER_M2
            if self.pv_kwp.min > roof:
                raise ValueError(f"pv_kwp.min {self.pv_kwp.min} exceeds the roof limit {roof:g} kWp "
                                 f"(roof_area_m2 × {KWP_PER_M2})")
        for name, limit in (("pv_kwp", 100.0), ("battery_kwh", 200.0), ("battery_kw", 100.0)):
            b = getattr(self, name)
            if b is not None and b.max > limit:
                raise ValueError(f"{name}.max {b.max} exceeds {limit:g}, the scenario schema's limit per home")
        return self

    @property
    def pv_max_kwp(self) -> float | None:
        """[kWp] the roof limit: ``pv_kwp.max``, or less with a roof area."""
        if self.pv_kwp is None:
            return None
        if self.roof_area_m2 is None:
            return self.pv_kwp.max
        return min(self.pv_kwp.max, self.roof_area_m2 * KWP_PER_M2)


class StoreSizing(Model):
    """Sizes of one community battery (by its ``name`` in ``community.batteries``)."""

    name: str = Field(min_length=1, max_length=100, description="a battery of community.batteries")
    capacity_kwh: Bounds | None = Field(default=None, description="[kWh] energy capacity")
    power_kw: Bounds | None = Field(default=None, description="[kW] charge and discharge power")


class FleetSizing(Model):
    """The number of vehicles of one shared-EV fleet (by its ``name`` in ``community.evs``).

    The scenario's fleet (``count`` vehicles, each with the fleet's ``trips``) is the trip demand; the
    sized fleet serves what it can, the rest is made another way at ``economics.ev_trip_fallback_per_kwh``.
    Each vehicle has its own charger (the scenario's model), so the chargers are counted with the vehicles.
    """

    name: str = Field(min_length=1, max_length=100, description="a fleet of community.evs")
    count: CountBounds = Field(description="[vehicles] the fleet's size is a whole number within")


class Sizing(Model):
    """What ``zerodistrict size`` may size and within which bounds (scenario field ``sizing``).

    Sizes not named keep the scenario's values. Every capital cost comes from ``economics``
    (annualised over its lifetime with battery replacements).
    """

    homes: list[HomeGroupSizing] = Field(default_factory=list, max_length=10_000, description="per home group")
    community: list[StoreSizing] = Field(default_factory=list, max_length=100, description="per community battery")
    line_capacity_kw: LineBounds | None = Field(
        default=None, description="[kW] the private line's trunk (community.line_capacity_kw); max ≤ 100,000; "
        "priced at economics.line_per_kw")
    evs: list[FleetSizing] = Field(default_factory=list, max_length=100, description="per shared-EV fleet")

    @property
    def empty(self) -> bool:
        """Nothing to size."""
        return not (self.homes or self.community or self.evs or self.line_capacity_kw is not None)

    @model_validator(mode="after")
    def _unique(self) -> Sizing:
        for what, items, key in (("homes", self.homes, "group"), ("community", self.community, "name"),
                                 ("evs", self.evs, "name")):
            seen: set[str] = set()
            for item in items:
                name = getattr(item, key)
                if name in seen:
                    raise ValueError(f"{what}: {key} {name!r} is named twice")
                seen.add(name)
        return self


def check_sizing_names(sizing: Sizing, groups: list[str], batteries: list[str], fleets: list[str] | None = None) -> None:
    """InputError unless every entry names a home group / community battery of the scenario.

    Checked when a design is sized (:func:`zerodistrict.design.sizing.design_space`), not when a
    scenario is read: a study that renames a group (a sweep, an edited copy) still runs.
    """
    for i, item in enumerate(sizing.homes):
        if item.group not in groups:
            raise InputError(f"sizing.homes[{i}].group: no home group {item.group!r}; the scenario has "
                             f"{', '.join(groups) or 'none'}")
    for i, item in enumerate(sizing.community):
        if item.name not in batteries:
            raise InputError(f"sizing.community[{i}].name: no community battery {item.name!r}; the scenario has "
                             f"{', '.join(batteries) or 'none'}")
    for i, item in enumerate(sizing.evs):
        if item.name not in (fleets or []):
            raise InputError(f"sizing.evs[{i}].name: no shared-EV fleet {item.name!r}; the scenario has "
                             f"{', '.join(fleets or []) or 'none'}")
