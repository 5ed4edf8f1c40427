"""Emissions in the categories of the GHG Protocol for Cities (GPC), the inventory cities report.

GPC [1]_ sorts a city's emissions by sector, sub-sector and scope and gives
each a reference number. zerodistrict touches three of them:

=========  ======================================================  =====
reference  sub-sector                                              scope
=========  ======================================================  =====
I.1.2      residential buildings: grid-supplied energy              2
II.1.1     on-road transportation: fuel combusted in the city       1
II.1.2     on-road transportation: grid-supplied energy             2
=========  ======================================================  =====

Scope 2 is counted with the **location-based** method: every kWh taken from
the grid carries the grid's average emission factor (no market instruments,
no credit for exports), as in :mod:`zerodistrict.analysis.emissions`.
What shared mobility and hydrogen avoid is scope 1 on-road fuel (II.1.1) and
is entered as a negative change; the shared vehicles' charging is scope 2
on-road (II.1.2).

:func:`run_gpc_rows` gives a run's rows (its design against its baseline);
the roadmap builds its yearly rows from :func:`gpc_row`.

References
----------
.. [1] WRI, C40 and ICLEI, *Global Protocol for Community-Scale Greenhouse Gas
   Inventories* (GPC), version 1.1, 2021: Table 4.1 and chapters 6–7.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the location-based scope-2 method, said wherever a GPC table is shown
METHOD = "location-based"


@dataclass(frozen=True)
class GpcSector:
    """One GPC sub-sector: its reference number, the i18n key of its name, its scope."""

    reference: str
    key: str
    scope: int


RESIDENTIAL_GRID = GpcSector("I.1.2", "gpc.residential_grid", 2)
ON_ROAD_FUEL = GpcSector("II.1.1", "gpc.on_road_fuel", 1)
ON_ROAD_GRID = GpcSector("II.1.2", "gpc.on_road_grid", 2)
SECTORS = (RESIDENTIAL_GRID, ON_ROAD_FUEL, ON_ROAD_GRID)


@dataclass(frozen=True)
class GpcRow:
    """Emissions of one GPC sub-sector without and with the design or programme [kg-CO2].

    ``change_kg = with_kg − without_kg``: negative when emissions fall.
    """

    sector: GpcSector
    without_kg: float
    with_kg: float

    @property
    def change_kg(self) -> float:
        return self.with_kg - self.without_kg


def gpc_row(sector: GpcSector, without_kg: float, with_kg: float) -> GpcRow:
    return GpcRow(sector, float(without_kg), float(with_kg))


def run_gpc_rows(kpis) -> list[GpcRow]:
    """GPC rows of one run: residential grid electricity (design against baseline) and, with shared
    mobility, the on-road fuel its rides avoid.

    The district's grid import (homes, community storage and stations alike)
    is counted as residential (I.1.2). ``mobility_co2_avoided_kg`` (the
    replaced trips' CO2 less the fleet's charging at the grid factor, see
    :mod:`zerodistrict.mobility.simulate`) is entered as a net cut of on-road
    transport (II.1.1) from a baseline we do not know: ``without`` is the
    avoided amount, ``with`` is 0.

    Parameters
    ----------
    kpis : zerodistrict.results.Kpis
    """
    rows = [gpc_row(RESIDENTIAL_GRID, kpis.co2_baseline_kg, kpis.co2_kg)]
    if kpis.mobility_co2_avoided_kg:
        rows.append(gpc_row(ON_ROAD_FUEL, kpis.mobility_co2_avoided_kg, 0.0))
    return rows
