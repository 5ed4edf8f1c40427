"""Households of real size: how much electricity each home's appliances use.

What is modelled
----------------
A home group's homes differ in their annual appliance electricity. Each home
draws its energy from a log-normal distribution whose mean is the group's
typical household and whose coefficient of variation is ``cv``:

.. math::

    E_j = \\bar E \\, \\exp(\\sigma z_j - \\sigma^2/2), \\qquad
    \\sigma = \\sqrt{\\ln(1 + cv^2)}, \\quad z_j \\sim N(0, 1),

so the expected value is :math:`\\bar E` and the spread is ``cv`` × the mean.
The typical household of a size :math:`s` in a country uses the national
mean household electricity times the survey's ratio for that size
(:func:`typical_kwh`); when the home is modelled as a building, only the
appliance share of it (space heating and cooling come from the thermal model).

Main simplifications
--------------------
* One ratio table by household size; income, age and dwelling type act only
  through the log-normal spread.
* Homes are independent draws: a group of few homes may average away from
  the mean (by ``cv`` / √n).

References
----------
Japan's ratios: MoE household CO2 survey FY2022, table 6-4-1 (docs/sources.md
[B2]); Malaysia has no such table (the catalog says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from zerodistrict import catalog
from zerodistrict.errors import InputError

__all__ = ["HOUSEHOLD_DEFAULTS", "HouseholdDefaults", "appliance_kwh_per_home", "get_household_defaults", "typical_kwh"]


@dataclass(frozen=True)
class HouseholdDefaults:
    """A country's household electricity: its mean, ratios by size and the spread between homes."""

    country: str
    mean_kwh: float  #: [kWh/yr] mean household electricity over all households
    size_ratio: tuple[float, ...]  #: households of 1, 2, … persons over the mean; the last entry for that size and more
    appliance_share: float  #: share of household electricity that is neither space heating nor cooling
    appliance_cv: float  #: coefficient of variation of annual use between households of one size
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.size_ratio or min(self.size_ratio) <= 0:
            raise ValueError(f"households {self.country}: size_ratio needs values > 0")
        if not 0 < self.appliance_share <= 1:
            raise ValueError(f"households {self.country}: appliance_share must be in (0, 1]")
        if self.appliance_cv < 0:
            raise ValueError(f"households {self.country}: appliance_cv must be ≥ 0")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


#: household defaults by country code, read on first use from ``catalog/data/buildings.yaml``
HOUSEHOLD_DEFAULTS: Mapping[str, HouseholdDefaults] = catalog.LazyTable(catalog.household_defaults)


def get_household_defaults(country: str, field: str = "site.country") -> HouseholdDefaults:
    """The household table of ``country``; an :class:`InputError` naming ``field`` if there is none."""
    try:
        return HOUSEHOLD_DEFAULTS[country.upper()]
    except KeyError:
        raise InputError(f"{field}: no household defaults for country {country!r}; known: "
                         f"{', '.join(sorted(HOUSEHOLD_DEFAULTS))} (give homes[].household.appliance_kwh)") from None


def typical_kwh(defaults: HouseholdDefaults, size: int, appliances_only: bool) -> float:
    """Annual electricity of a household of ``size`` persons [kWh/yr]; its appliance part if ``appliances_only``."""
    if size < 1:
        raise InputError(f"homes[].household.size: must be ≥ 1, got {size}")
    ratio = defaults.size_ratio[min(size, len(defaults.size_ratio)) - 1]
    return defaults.mean_kwh * ratio * (defaults.appliance_share if appliances_only else 1.0)


def appliance_kwh_per_home(mean_kwh: float, cv: float, count: int, seed: int) -> np.ndarray:
    """Annual electricity of ``count`` homes [kWh/yr], log-normal with mean ``mean_kwh`` and spread ``cv``.

    Equal seeds give equal homes; ``cv`` = 0 gives every home ``mean_kwh``.
    """
    if not mean_kwh > 0:
        raise InputError(f"homes[].household.appliance_kwh: must be > 0, got {mean_kwh}")
    if not 0 <= cv <= 3:
        raise InputError(f"homes[].household.appliance_cv: must be between 0 and 3, got {cv}")
    sigma = np.sqrt(np.log1p(cv * cv))
    z = np.random.default_rng(seed).standard_normal(count)
    return mean_kwh * np.exp(sigma * z - 0.5 * sigma * sigma)
