"""Unit costs and financial assumptions of a scenario (``economics``), with country defaults.

The appraisal that uses them is :mod:`zerodistrict.analysis.economics`; its docstring
gives the definitions. The country defaults are catalog data (``catalog/data/costs.yaml``),
citing the sources listed in docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator, model_validator

from zerodistrict import catalog
from zerodistrict.errors import InputError
from zerodistrict.scenario.base import Model, merge_preset


class Economics(Model):
    """Unit costs and financial assumptions (scenario field ``economics``).

    Given as a mapping with ``preset: JP`` (or ``MY``), that country's
    defaults (:data:`ECONOMICS_DEFAULTS`) are the starting point and the other
    keys replace them.
    """

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 of every amount below")
    discount_rate: float = Field(ge=0, le=0.5, description="real, per year")
    lifetime_years: int = Field(ge=1, le=60, description="[yr] appraisal period")
    pv_per_kwp: float = Field(ge=0, description="[currency/kWp] installed PV")
    battery_per_kwh: float = Field(ge=0, description="[currency/kWh] installed stationary battery")
    battery_lifetime_years: int = Field(ge=1, le=60, description="[yr] replaced at today's price after this")
    line_per_home: float = Field(ge=0, description="[currency/home] private distribution line")
    ev_charger_per_unit: float = Field(ge=0, description="[currency/charger] installed")
    line_per_kw: float | None = Field(
        default=None, ge=0,
        description="[currency/kW] the private line's trunk per kW of its capacity (community.line_capacity_kw), on "
        "top of line_per_home; needed to size the line; none: not priced")
    ev_per_vehicle: float = Field(
        default=0.0, ge=0,
        description="[currency/vehicle] a shared EV without its charger, counted when sizing the number of "
        "shared EVs only (the appraisal leaves the vehicles out as mobility assets); 0 when not given")
    ev_trip_fallback_per_kwh: float | None = Field(
        default=None, ge=0,
        description="[currency/kWh] cost of an EV trip the shared fleet does not serve, per kWh of the trip's "
        "battery energy (the trip made another way); needed to size the number of shared EVs")
    om_ratio_per_year: float = Field(ge=0, le=0.5, description="O&M per year as a share of capex")
    source: str = Field(default="", description="where the numbers come from")

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data: Any) -> Any:
        return merge_preset(data, lambda: ECONOMICS_DEFAULTS, "economics", key=str.upper)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


#: Default unit costs and assumptions by country, read on first use from
#: ``catalog/data/costs.yaml`` (every number with its source and year, or an assumption).
ECONOMICS_DEFAULTS: Mapping[str, Economics] = catalog.LazyTable(catalog.economics_defaults)


def default_economics(country: str, field: str = "site.country") -> Economics:
    """Default unit costs and assumptions of a country (ISO 3166 alpha-2)."""
    key = country.upper()
    if key not in ECONOMICS_DEFAULTS:
        raise InputError(
            f"{field}: no default economics for country {country!r} (have {', '.join(sorted(ECONOMICS_DEFAULTS))}); "
            "give 'economics' with every unit cost"
        )
    return ECONOMICS_DEFAULTS[key].model_copy(deep=True)
