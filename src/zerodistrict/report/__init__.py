"""Reports a planner can hand on: one self-contained HTML file, PNG charts, comparisons, in en/ja/ms.

``write_report(results, path, lang, png_dir)`` writes the report of one run
or the comparison of several; ``compare_results(results)`` gives the
side-by-side KPI table (per home and per kWp) that the report and the CLI
show. Words come from ``i18n/{en,ja,ms}.json``; see :mod:`.language`.

The names below load their module at first use (PEP 562): plotly, which the
charts need, takes a tenth of a second to import, and a run without ``--out``
or a check of ``--lang`` never draws a chart.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

#: public name → the submodule that defines it
_WHERE = {
    "compare_results": "compare",
    "comparison_cells": "compare",
    "comparison_rows": "compare",
    "explain_differences": "compare",
    "report_html": "html",
    "write_report": "html",
    "LANGUAGES": "language",
    "Language": "language",
    "get_language": "language",
    "write_pngs": "static",
}

__all__ = [
    "LANGUAGES",
    "Language",
    "compare_results",
    "comparison_cells",
    "comparison_rows",
    "explain_differences",
    "get_language",
    "report_html",
    "write_pngs",
    "write_report",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ loads them
    from zerodistrict.report.compare import (
        compare_results,
        comparison_cells,
        comparison_rows,
        explain_differences,
    )
    from zerodistrict.report.html import report_html, write_report
    from zerodistrict.report.language import LANGUAGES, Language, get_language
    from zerodistrict.report.static import write_pngs


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
