"""Electricity tariffs and export schemes as scenario models (``grid.tariff``).

See :mod:`zerodistrict.analysis.bills` for what a household pays each month under
a tariff and for the structure of a tariff. The ready-made tariffs and export
schemes are catalog data (``catalog/data/tariffs_*.yaml``); the sources they
cite ([S5], [K2], ...) are listed in docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from zerodistrict import catalog
from zerodistrict.errors import InputError
from zerodistrict.scenario.base import Clock, Model, Weekdays, merge_preset


def _increasing(values: list[float], what: str) -> list[float]:
    if any(v <= 0 for v in values):
        raise ValueError(f"{what} must be > 0, got {values}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{what} must be strictly increasing, got {values}")
    return values


class TimeOfUsePrices(Model):
    """Energy prices of one time-of-use period: start ≤ local clock < end, wrapping midnight if end ≤ start."""

    name: str = ""
    start: Clock
    end: Clock
    days: Weekdays = Field(default=None, description="weekdays it applies on; default every day")
    prices_per_kwh: list[float] = Field(min_length=1, description="[currency/kWh] one price per tier")


class EnergyCharge(Model):
    """Energy charge by monthly tier and (optionally) time of day.

    ``tier_limits_kwh`` are the upper limits of every tier but the last
    (``[120, 300]`` makes three tiers 0–120, 120–300, >300 kWh a month).
    Outside every time-of-use period ``prices_per_kwh`` applies; where
    periods overlap the one listed last applies.
    """

    tier_limits_kwh: list[float] = Field(default_factory=list, description="[kWh/month] upper limits of the tiers")
    prices_per_kwh: list[float] = Field(min_length=1, description="[currency/kWh] one price per tier")
    basis: Literal["incremental", "whole"] = Field(
        default="incremental",
        description="incremental: each block of kWh at its tier's price; whole: every kWh at the tier of the month's total",
    )
    time_of_use: list[TimeOfUsePrices] = Field(default_factory=list)

    @field_validator("tier_limits_kwh")
    @classmethod
    def _limits(cls, value: list[float]) -> list[float]:
        return _increasing(value, "tier_limits_kwh")

    @model_validator(mode="after")
    def _one_price_per_tier(self) -> "EnergyCharge":
        n = len(self.tier_limits_kwh) + 1
        if len(self.prices_per_kwh) != n:
            raise ValueError(f"prices_per_kwh needs {n} prices (one per tier), got {len(self.prices_per_kwh)}")
        for period in self.time_of_use:
            if len(period.prices_per_kwh) != n:
                raise ValueError(
                    f"time_of_use period {period.name or period.start} needs {n} prices (one per tier), "
                    f"got {len(period.prices_per_kwh)}"
                )
        return self

    @property
    def n_tiers(self) -> int:
        return len(self.prices_per_kwh)


class PerKwhCharge(Model):
    """A charge on every imported kWh of a month, waived in months of at most ``waived_up_to_kwh``."""

    name: str
    price_per_kwh: float = Field(description="[currency/kWh]; negative for a discount")
    waived_up_to_kwh: float | None = Field(default=None, ge=0, description="[kWh/month]")


class FixedCharge(Model):
    """A charge per month, waived in months of at most ``waived_up_to_kwh`` imported."""

    name: str
    per_month: float = Field(ge=0, description="[currency/month]")
    waived_up_to_kwh: float | None = Field(default=None, ge=0, description="[kWh/month]")


class ConsumptionRebate(Model):
    """A rebate on every kWh of a month at the rate of the band the month's consumption falls in.

    Band j covers up_to_kwh[j-1] < kWh ≤ up_to_kwh[j]; above the last limit the
    rebate is zero. Rates must not increase with consumption, so that using
    more never lowers the bill.
    """

    name: str
    up_to_kwh: list[float] = Field(min_length=1, description="[kWh/month] upper limits of the bands")
    rates_per_kwh: list[float] = Field(min_length=1, description="[currency/kWh] one rate per band, ≥ 0")

    @field_validator("up_to_kwh")
    @classmethod
    def _limits(cls, value: list[float]) -> list[float]:
        return _increasing(value, "up_to_kwh")

    @model_validator(mode="after")
    def _one_rate_per_band(self) -> "ConsumptionRebate":
        rates = self.rates_per_kwh
        if len(rates) != len(self.up_to_kwh):
            raise ValueError(f"rates_per_kwh needs {len(self.up_to_kwh)} rates (one per band), got {len(rates)}")
        if any(r < 0 for r in rates) or any(b > a for a, b in zip(rates, rates[1:])):
            raise ValueError(f"rates_per_kwh must be ≥ 0 and must not increase with consumption, got {rates}")
        return self


class ExportScheme(Model):
    """What exported kWh earn.

    * ``none``: nothing.
    * ``fixed``: every exported kWh earns ``price_per_kwh`` (feed-in tariff,
      buyback), paid whatever the month's imports.
    * ``net_metering``: exports earn a monthly credit that offsets only the
      energy charge; what is left is forfeited at month end. A kWh is
      credited at ``credit_per_kwh``, or with None at the month's average
      energy-charge rate (a 1:1 kWh offset, Solar ATAP for domestic users).

    A scenario may give the name of one of :data:`EXPORT_SCHEMES` instead.
    """

    scheme: Literal["none", "fixed", "net_metering"] = "none"
    price_per_kwh: float | None = Field(default=None, ge=0, description="[currency/kWh] fixed scheme only")
    credit_per_kwh: float | None = Field(
        default=None, ge=0, description="[currency/kWh] net metering only; None: 1:1 kWh offset"
    )
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _by_name(cls, data: Any) -> Any:
        if isinstance(data, str):
            if data not in EXPORT_SCHEMES:
                raise ValueError(f"unknown export scheme {data!r}; use one of {', '.join(sorted(EXPORT_SCHEMES))}")
            return EXPORT_SCHEMES[data].model_dump()
        return data

    @model_validator(mode="after")
    def _fields_of_scheme(self) -> "ExportScheme":
        if self.scheme == "fixed" and self.price_per_kwh is None:
            raise ValueError("scheme 'fixed' needs price_per_kwh")
        if self.scheme != "fixed" and self.price_per_kwh is not None:
            raise ValueError(f"price_per_kwh applies to scheme 'fixed' only, not {self.scheme!r}")
        if self.scheme != "net_metering" and self.credit_per_kwh is not None:
            raise ValueError(f"credit_per_kwh applies to scheme 'net_metering' only, not {self.scheme!r}")
        return self


class Tariff(Model):
    """A household's tariff and export scheme (see the module docstring).

    Given as a mapping with ``preset: NAME``, the named tariff of
    :data:`TARIFFS` is the starting point and the other keys replace its
    fields. ``export`` takes a name of :data:`EXPORT_SCHEMES` or a scheme.
    """

    name: str = "custom"
    source: str = Field(default="", description="where the numbers come from")
    currency: str | None = Field(
        default=None, min_length=3, max_length=3, description="ISO 4217; None: the scenario's currency"
    )
    energy: EnergyCharge
    surcharges: list[PerKwhCharge] = Field(default_factory=list)
    fixed: list[FixedCharge] = Field(default_factory=list)
    rebates: list[ConsumptionRebate] = Field(default_factory=list)
    export: ExportScheme = Field(default_factory=ExportScheme)

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data: Any) -> Any:
        return merge_preset({"preset": data} if isinstance(data, str) else data, lambda: TARIFFS, "tariff")

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


def tariff_currency(tariff: Tariff, currency: str | None, field: str = "grid.tariff") -> str:
    """The currency the tariff bills in; raise InputError if it contradicts the scenario's ``currency``."""
    if tariff.currency and currency and tariff.currency != currency.upper():
        raise InputError(
            f"{field}: tariff {tariff.name!r} is in {tariff.currency} but the scenario's currency is {currency.upper()}"
        )
    out = tariff.currency or currency
    if not out:
        raise InputError(f"{field}: tariff {tariff.name!r} has no currency and none was given")
    return out.upper()


# --------------------------------------------------------------------------- presets

#: Ready-made tariffs by name, read on first use from ``catalog/data/tariffs_*.yaml``
#: (every amount with its source and year; the keys it cites are in docs/sources.md).
TARIFFS: Mapping[str, Tariff] = catalog.LazyTable(catalog.tariffs)

#: Export schemes by name, read on first use from ``catalog/data/tariffs_*.yaml``.
EXPORT_SCHEMES: Mapping[str, ExportScheme] = catalog.LazyTable(catalog.export_schemes)


def __getattr__(name: str) -> Any:
    # TNB_EEI (the TNB energy-efficiency incentive) was a module constant; it is now catalog data
    if name == "TNB_EEI":
        return TARIFFS["tnb-domestic-2025"].rebates[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- time and months
