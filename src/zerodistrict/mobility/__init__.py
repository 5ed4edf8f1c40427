"""Shared multi-mobility: ports, fleet, trip demand, event simulation, GBFS import.

``config`` holds the scenario's ``mobility`` section (pydantic), ``demand``
draws trip requests, ``simulate`` runs the fleet through them and returns the
charging load and KPIs, ``gbfs`` builds ports and fleet from a GBFS feed.
"""

from zerodistrict.scenario.mobility import (
    Demand,
    DistanceDistribution,
    Mobility,
    Prices,
    Rebalancing,
    ReplacedMode,
    Station,
    TypePrice,
    VehicleType,
    mobility_from_dict,
)
from zerodistrict.mobility.simulate import (
    KPI_KEYS,
    MobilityResult,
    simulate_mobility,
    write_stations_csv,
)

__all__ = [
    "KPI_KEYS",
    "Demand",
    "DistanceDistribution",
    "Mobility",
    "MobilityResult",
    "Prices",
    "Rebalancing",
    "ReplacedMode",
    "Station",
    "TypePrice",
    "VehicleType",
    "mobility_from_dict",
    "simulate_mobility",
    "write_stations_csv",
]
