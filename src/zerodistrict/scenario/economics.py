"""Unit costs and financial assumptions of a scenario (``economics``), with country defaults.

The appraisal that uses them is :mod:`zerodistrict.analysis.economics`; its docstring
gives the definitions and the references [1]–[2] cited below.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

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


ECONOMICS_DEFAULTS: dict[str, Economics] = {
    "JP": Economics(
        currency="JPY",
        discount_rate=0.03,
        lifetime_years=20,
        pv_per_kwp=288_000.0,
        battery_per_kwh=139_000.0,
        battery_lifetime_years=15,
        line_per_home=300_000.0,
        ev_charger_per_unit=1_000_000.0,
        om_ratio_per_year=0.01,
        source=(
            "PV ¥288,000/kWp new build 2023 and battery ¥139,000/kWh installed FY2022 [1]; "
            "assumptions: discount rate 3 % real (the base case of METI's power generation cost "
            "verification WG, 2021 — not re-checked here), lifetime 20 yr, battery life 15 yr, "
            "private line ¥300,000/home (15 m of buried LV cable at ¥20,000/m), bidirectional "
            "V2H/CHAdeMO charger ¥1,000,000 installed, O&M 1 %/yr of capex"
        ),
    ),
    "MY": Economics(
        currency="MYR",
        discount_rate=0.05,
        lifetime_years=20,
        pv_per_kwp=4_000.0,
        battery_per_kwh=3_000.0,
        battery_lifetime_years=15,
        line_per_home=3_000.0,
        ev_charger_per_unit=5_000.0,
        om_ratio_per_year=0.01,
        source=(
            "PV RM4,000/kWp = RM20,000 per family rooftop system 2023 [2] over an assumed 5 kWp "
            "(the Solar ATAP single-phase cap); assumptions: battery RM3,000/kWh installed (no "
            "Malaysian source found), discount rate 5 % real, lifetime 20 yr, battery life 15 yr, "
            "private line RM3,000/home (15 m at RM200/m), 7 kW AC charger RM5,000 installed, "
            "O&M 1 %/yr of capex"
        ),
    ),
}


def default_economics(country: str, field: str = "site.country") -> Economics:
    """Default unit costs and assumptions of a country (ISO 3166 alpha-2)."""
    key = country.upper()
    if key not in ECONOMICS_DEFAULTS:
        raise InputError(
            f"{field}: no default economics for country {country!r} (have {', '.join(sorted(ECONOMICS_DEFAULTS))}); "
            "give 'economics' with every unit cost"
        )
    return ECONOMICS_DEFAULTS[key].model_copy(deep=True)
