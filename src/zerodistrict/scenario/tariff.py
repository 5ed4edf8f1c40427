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


_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class MonthlyRate(Model):
    """A per-kWh rate that applies in the calendar months ``first_month`` … ``last_month`` (``YYYY-MM``, inclusive)."""

    first_month: str = Field(pattern=_MONTH, description="YYYY-MM, first month it applies in")
    last_month: str | None = Field(default=None, pattern=_MONTH, description="YYYY-MM, last month; None: open-ended")
    price_per_kwh: float = Field(description="[currency/kWh]")

    @model_validator(mode="after")
    def _ordered(self) -> "MonthlyRate":
        if self.last_month is not None and self.last_month < self.first_month:
            raise ValueError(f"last_month {self.last_month} is before first_month {self.first_month}")
        return self


class PerKwhCharge(Model):
    """A charge on every imported kWh of a month, waived in months of at most ``waived_up_to_kwh``.

    With ``by_month`` the rate depends on the month billed (a levy revised
    every year, e.g. Japan's 再エネ賦課金 from each May): a month inside one
    of the ranges pays that range's rate, any other month ``price_per_kwh``.
    """

    name: str
    price_per_kwh: float = Field(description="[currency/kWh]; negative for a discount; months outside by_month")
    waived_up_to_kwh: float | None = Field(default=None, ge=0, description="[kWh/month]")
    by_month: list[MonthlyRate] = Field(default_factory=list, description="rates of dated month ranges, not overlapping")

    @field_validator("by_month")
    @classmethod
    def _no_overlap(cls, value: list[MonthlyRate]) -> list[MonthlyRate]:
        spans = sorted(value, key=lambda r: r.first_month)
        for a, b in zip(spans, spans[1:]):
            if a.last_month is None or a.last_month >= b.first_month:
                raise ValueError(f"by_month ranges overlap: {a.first_month}…{a.last_month or ''} and {b.first_month}…")
        return value


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


class ExportPhase(Model):
    """The export price in years ``first_year`` … ``last_year`` of operation (1 = the first year, inclusive)."""

    first_year: int = Field(ge=1, description="first year of operation it applies in")
    last_year: int | None = Field(default=None, ge=1, description="last year of operation; None: open-ended")
    price_per_kwh: float = Field(ge=0, description="[currency/kWh]")

    @model_validator(mode="after")
    def _ordered(self) -> "ExportPhase":
        if self.last_year is not None and self.last_year < self.first_year:
            raise ValueError(f"last_year {self.last_year} is before first_year {self.first_year}")
        return self


class ExportScheme(Model):
    """What exported kWh earn.

    * ``none``: nothing.
    * ``fixed``: every exported kWh earns ``price_per_kwh`` (feed-in tariff,
      buyback), paid whatever the month's imports. With ``by_year`` the price
      depends on the year of operation of the installation (Japan's FIT from
      October 2025: ¥24 in years 1–4, ¥8.3 in years 5–10); a year no phase
      covers earns ``price_per_kwh`` (the buyback after the FIT).
    * ``net_metering``: exports earn a monthly credit that offsets only the
      energy charge; what is left is forfeited at month end. A kWh is
      credited at ``credit_per_kwh``, or with None at the month's average
      energy-charge rate (a 1:1 kWh offset, Solar ATAP for domestic users).

    ``credit_years`` limits the years of operation in which exports earn
    anything (Solar ATAP: 10); later years bill as with no export scheme.
    A simulated year is billed as year 1 of operation; the appraisal bills
    each year of its lifetime under that year's scheme (:func:`scheme_in_year`).

    A scenario may give the name of one of :data:`EXPORT_SCHEMES` instead.
    """

    scheme: Literal["none", "fixed", "net_metering"] = "none"
    price_per_kwh: float | None = Field(default=None, ge=0, description="[currency/kWh] fixed scheme only")
    credit_per_kwh: float | None = Field(
        default=None, ge=0, description="[currency/kWh] net metering only; None: 1:1 kWh offset"
    )
    by_year: list[ExportPhase] = Field(
        default_factory=list, description="fixed scheme only: prices by year of operation, not overlapping"
    )
    credit_years: int | None = Field(
        default=None, ge=1, description="exports earn nothing after this year of operation; None: every year"
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
        if self.scheme != "fixed" and self.by_year:
            raise ValueError(f"by_year applies to scheme 'fixed' only, not {self.scheme!r}")
        spans = sorted(self.by_year, key=lambda p: p.first_year)
        for a, b in zip(spans, spans[1:]):
            if a.last_year is None or a.last_year >= b.first_year:
                raise ValueError(f"by_year phases overlap: years {a.first_year}–{a.last_year or ''} and {b.first_year}–")
        return self


def scheme_in_year(scheme: ExportScheme, year: int) -> ExportScheme:
    """The scheme as it stands in ``year`` of operation (1 = first): one flat price, no phases.

    After ``credit_years`` the scheme is ``none``; a fixed scheme takes the
    price of the phase covering the year, or ``price_per_kwh`` if none does.
    """
    if year < 1:
        raise ValueError(f"year of operation must be ≥ 1, got {year}")
    if scheme.credit_years is not None and year > scheme.credit_years:
        return ExportScheme(scheme="none", description=f"{scheme.description} (after year {scheme.credit_years})".strip())
    if scheme.scheme != "fixed" or not scheme.by_year:
        return scheme.model_copy(update={"by_year": [], "credit_years": None})
    price = next(
        (p.price_per_kwh for p in scheme.by_year if p.first_year <= year and (p.last_year is None or year <= p.last_year)),
        scheme.price_per_kwh,
    )
    return scheme.model_copy(update={"price_per_kwh": price, "by_year": [], "credit_years": None})


def scheme_phases(scheme: ExportScheme, years: int) -> list[tuple[int, int, ExportScheme]]:
    """(first_year, last_year, flat scheme) of every run of years 1 … ``years`` whose scheme is the same."""
    out: list[tuple[int, int, ExportScheme]] = []
    for year in range(1, years + 1):
        flat = scheme_in_year(scheme, year)
        if out and out[-1][2] == flat:
            out[-1] = (out[-1][0], year, flat)
        else:
            out.append((year, year, flat))
    return out


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
