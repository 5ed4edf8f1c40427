"""City roadmaps: district designs scaled to a city's housing stock year by year to 2050, in GPC categories.

:func:`load_roadmap` reads a roadmap (preset name or YAML, :mod:`.spec`),
:func:`run_roadmap` simulates each design once and scales it (:mod:`.run`),
:func:`~.report.write_roadmap_outputs` writes ``roadmap.csv`` and ``report.html``
all-or-nothing. Names are imported on first use, so that ``zerodistrict
presets`` (which lists the roadmap presets) stays quick to start.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "DesignFigures": "run", "RoadmapResult": "run", "run_roadmap": "run", "scale": "run",
    "Roadmap": "spec", "list_roadmap_presets": "spec", "load_roadmap": "spec", "roadmap_from_dict": "spec",
}
__all__ = ["DesignFigures", "Roadmap", "RoadmapResult", "list_roadmap_presets", "load_roadmap",
           "roadmap_from_dict", "run_roadmap", "scale"]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"zerodistrict.roadmap.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'zerodistrict.roadmap' has no attribute {name!r}")
