"""Static PNG versions of the report's key charts, for slide decks (matplotlib).

Per run: monthly energy balance, typical days, state-of-charge heat map (when
the district has stationary batteries) and outage survival curves (when a
resilience analysis is present); with several runs also the comparison of
shares. Labels come from the same language files as the HTML report.

Japanese labels need a CJK font that matplotlib can find (e.g. Debian's
``fonts-noto-cjk``); without one a warning says so and the glyphs are missing.
matplotlib is used rather than plotly's image export, which needs Kaleido and
a browser.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from zerodistrict.report import summaries
from zerodistrict.report.charts import COLOURS, SCENARIO_COLOURS, SURVIVAL_STYLES
from zerodistrict.report.compare import compare_results, unique_labels
from zerodistrict.report.language import Language

#: fonts with Japanese glyphs, tried in order
CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic",
             "Meiryo", "TakaoGothic", "Source Han Sans JP")
_DPI = 150


#: file-name stems of those fonts, to register them when matplotlib's font cache predates their install
_CJK_FILES = ("notosanscjk", "notosansjp", "ipaexg", "ipag", "hiragino", "yugoth", "meiryo", "takaogothic",
              "sourcehansans")


def _cjk_font() -> str | None:
    """Name of an installed font with Japanese glyphs, or None."""
    from matplotlib import font_manager

    def known() -> str | None:
        available = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in available), None)

    found = known()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(stem in Path(path).name.lower().replace("-", "") for stem in _CJK_FILES):
                font_manager.fontManager.addfont(path)
        found = known()
    return found


@contextmanager
def _fonts(lang: Language):
    """matplotlib settings for the language: a CJK font for Japanese when one is installed."""
    import matplotlib

    families = ["DejaVu Sans"]
    if lang.code == "ja":
        cjk = _cjk_font()
        if cjk is None:
            warnings.warn("no Japanese font found for the PNG charts (install e.g. fonts-noto-cjk); "
                          "Japanese labels will show missing glyphs", UserWarning, stacklevel=3)
        else:
            families = [cjk, "DejaVu Sans"]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        yield


def _figure(width_in: float = 9.0, height_in: float = 4.8):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    return path


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "scenario"


def monthly_balance_png(monthly: pd.DataFrame, lang: Language, title: str, path: Path) -> Path:
    """Grouped bars of the monthly energy balance [kWh]."""
    fig = _figure()
    ax = fig.add_subplot()
    x = np.arange(len(monthly))
    width = 0.8 / len(summaries.MONTHLY_COLUMNS)
    for i, column in enumerate(summaries.MONTHLY_COLUMNS):
        flow = column[: -len("_kwh")]
        ax.bar(x + (i - 2.5) * width, monthly[column], width, label=lang.text(f"series.{flow}"), color=COLOURS[flow])
    ax.set_xticks(x, [lang.month(m) for m in monthly.index])
    ax.set_ylabel(lang.text("axis.energy_kwh"))
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small", ncol=3)
    return _save(fig, path)


def typical_days_png(profiles: list[tuple[str, pd.DataFrame]], lang: Language, title: str, path: Path) -> Path:
    """Stacked typical-day profiles, supply above zero and demand below [kW]."""
    fig = _figure(4.6 * len(profiles) + 1.0, 4.8)
    axes = fig.subplots(1, len(profiles), sharey=True, squeeze=False)[0]
    for ax, (label, profile) in zip(axes, profiles):
        hours = profile.index.to_numpy()
        for columns, sign in ((summaries.SUPPLY_COLUMNS, 1.0), (summaries.DEMAND_COLUMNS, -1.0)):
            shown = [c for c in columns if np.any(profile[c].to_numpy() > 1e-9)]
            flows = [c[: -len("_kw")] for c in shown]
            ax.stackplot(hours, *[sign * profile[c].to_numpy() for c in shown],
                         labels=[lang.text(f"series.{f}") for f in flows], colors=[COLOURS[f] for f in flows],
                         step=None)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(label, fontsize="medium")
        ax.set_xlabel(lang.text("axis.hour"))
        ax.set_xlim(hours[0], hours[-1])
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(lang.text("axis.power_supply_demand_kw"))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize="small", frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path)
    return path


def soc_heatmap_png(soc_ratio: pd.DataFrame, lang: Language, title: str, path: Path) -> Path:
    """Heat map of the batteries' state of charge, day × hour [%]."""
    fig = _figure(7.5, 5.5)
    ax = fig.add_subplot()
    image = ax.imshow(100.0 * soc_ratio.to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=100,
                      interpolation="nearest", extent=(0, 24, len(soc_ratio), 0))
    ticks = np.arange(0, len(soc_ratio), max(len(soc_ratio) // 12, 1))
    ax.set_yticks(ticks + 0.5, [soc_ratio.index[i].strftime("%m-%d") for i in ticks])
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlabel(lang.text("axis.hour"))
    ax.set_ylabel(lang.text("axis.day"))
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label=lang.text("axis.soc_pct"))
    return _save(fig, path)


def survival_png(curves: pd.DataFrame, lang: Language, title: str, path: Path) -> Path:
    """Probability of surviving an outage at least h hours [%], shared vs alone."""
    fig = _figure(8.0, 4.6)
    ax = fig.add_subplot()
    for case in curves.columns:
        colour, dash = SURVIVAL_STYLES[case]
        ax.step(curves.index, 100.0 * curves[case], where="post", color=colour,
                linestyle="--" if dash == "dash" else "-", label=lang.text(f"series.{case}"))
    ax.set_xlim(0, float(curves.index.max()))
    ax.set_ylim(0, 102)
    ax.set_xlabel(lang.text("axis.outage_h"))
    ax.set_ylabel(lang.text("axis.survival_pct"))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def compare_png(table: pd.DataFrame, lang: Language, title: str, path: Path) -> Path:
    """Grouped bars of the compared runs' shares [%]."""
    metrics = ("self_sufficiency_ratio", "self_consumption_ratio", "co2_reduction_ratio", "pv_to_demand_kwh_per_kwh")
    fig = _figure(9.0, 4.6)
    ax = fig.add_subplot()
    x = np.arange(len(metrics))
    width = 0.8 / len(table)
    for i, (_, row) in enumerate(table.iterrows()):
        ax.bar(x + (i - (len(table) - 1) / 2) * width, [100.0 * row[m] for m in metrics], width,
               label=row["site"], color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)])
    ax.set_xticks(x, [lang.text(f"row.{m}") for m in metrics], fontsize="small")
    ax.set_ylabel(lang.text("axis.percent"))
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def _result_pngs(result, label: str, lang: Language, out_dir: Path) -> list[Path]:
    slug, site = _slug(label), result.scenario.site
    ts = result.timeseries
    monthly = summaries.monthly_energy_kwh(ts, result.inputs.step_hours)
    name = f"{site.name}: "
    written = [monthly_balance_png(monthly, lang, name + lang.text("section.monthly"),
                                   out_dir / f"{slug}-monthly-balance.png")]
    seasons = summaries.seasons_for(site.latitude, site.country, monthly["pv_kwh"])
    profiles = [(lang.text(s.key, months=lang.month_span(s.months)), summaries.typical_day_kw(ts, s.months))
                for s in seasons]
    written.append(typical_days_png(profiles, lang, name + lang.text("section.typical_days"),
                                    out_dir / f"{slug}-typical-days.png"))
    capacity = summaries.stationary_capacity_kwh(result)
    if capacity > 0:
        written.append(soc_heatmap_png(summaries.soc_day_hour_ratio(ts, capacity), lang,
                                       name + lang.text("section.soc"), out_dir / f"{slug}-soc-heatmap.png"))
    if result.resilience is not None:
        written.append(survival_png(summaries.survival_curves(result.resilience), lang,
                                    name + lang.text("section.resilience"), out_dir / f"{slug}-survival.png"))
    return written


def write_pngs(results: list, out_dir: Path, lang: Language) -> list[Path]:
    """Write the key charts of each run (and the comparison of several) as PNG files into ``out_dir``.

    Files: ``{scenario}-monthly-balance.png``, ``{scenario}-typical-days.png``,
    ``{scenario}-soc-heatmap.png`` (with batteries), ``{scenario}-survival.png``
    (with a resilience analysis) and ``compare.png`` (several runs).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _fonts(lang):
        labels = unique_labels([r.kpis.scenario for r in results])
        for result, label in zip(results, labels):
            written += _result_pngs(result, label, lang, out_dir)
        if len(results) > 1:
            table = compare_results(results)
            table = table.assign(site=list(table.index))  # series by scenario: two designs at one site differ
            written.append(compare_png(table, lang, lang.text("section.compare"), out_dir / "compare.png"))
    return written
