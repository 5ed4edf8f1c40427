"""Reports a planner can hand on: one self-contained HTML file, PNG charts, comparisons, in en/ja/ms.

``write_report(results, path, lang, png_dir)`` writes the report of one run
or the comparison of several; ``compare_results(results)`` gives the
side-by-side KPI table (per home and per kWp) that the report and the CLI
show. Words come from ``i18n/{en,ja,ms}.json``; see :mod:`.language`.
"""

from zerodistrict.report.compare import (
    compare_results,
    comparison_cells,
    comparison_rows,
    explain_differences,
)
from zerodistrict.report.html import report_html, write_report
from zerodistrict.report.language import LANGUAGES, Language, get_language
from zerodistrict.report.static import write_pngs

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
