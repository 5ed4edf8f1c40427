"""The district, described once: pydantic models validated at the edge, loading and presets.

``base`` holds the building blocks (the strict :class:`Model`, file, clock and
weekday fields, error formatting); ``models`` the scenario and its sections;
``tariff``, ``economics`` and ``mobility`` the sections with ready-made
presets of their own; ``loading`` reads YAML files and the built-in presets
in ``presets/``.
"""

from zerodistrict.scenario.loading import (
    PRESET_DIR,
    dump_scenario,
    list_presets,
    load_scenario,
    scenario_from_dict,
)
from zerodistrict.scenario.models import (
    EV,
    ArchetypeLoad,
    Battery,
    Community,
    CsvLoad,
    CsvSeries,
    EVTrip,
    Grid,
    HomeGroup,
    Outage,
    Period,
    PeriodPrice,
    PVArray,
    PVProfile,
    Scenario,
    Site,
    TimePrice,
    WaterHeater,
    WeatherSource,
)

__all__ = [
    "EV", "PRESET_DIR", "ArchetypeLoad", "Battery", "Community", "CsvLoad", "CsvSeries", "EVTrip", "Grid",
    "HomeGroup", "Outage", "PVArray", "PVProfile", "Period", "PeriodPrice", "Scenario", "Site", "TimePrice",
    "WaterHeater", "WeatherSource", "dump_scenario", "list_presets", "load_scenario", "scenario_from_dict",
]
