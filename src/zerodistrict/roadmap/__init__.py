"""City roadmaps: district designs scaled to a city's housing stock year by year to 2050, in GPC categories.

:func:`load_roadmap` reads a roadmap (preset name or YAML), :func:`run_roadmap`
simulates each design once and scales it (:mod:`.run`), :func:`write_roadmap_outputs`
writes ``roadmap.csv`` and ``report.html`` all-or-nothing (:mod:`.report`).
"""

from zerodistrict.roadmap.run import DesignFigures, RoadmapResult, run_roadmap, scale
from zerodistrict.roadmap.spec import Roadmap, list_roadmap_presets, load_roadmap, roadmap_from_dict

__all__ = ["DesignFigures", "Roadmap", "RoadmapResult", "list_roadmap_presets", "load_roadmap", "roadmap_from_dict",
           "run_roadmap", "scale"]
