"""The roadmap's outputs: ``roadmap.csv`` and a self-contained ``report.html`` in en, ja or ms.

The report holds summary cards, the CO2 trajectory against the target, the
investment per year, a table by GPC sub-sector for a few milestone years
(location-based scope 2), the designs' per-home figures and every source the
roadmap cites. It uses the run report's page template, style and language
files (:mod:`zerodistrict.report`); its words are the ``roadmap.*`` and
``gpc.*`` keys.
"""

from __future__ import annotations

import html
import string
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from zerodistrict.analysis.gpc import METHOD
from zerodistrict.report.charts import _layout
from zerodistrict.report.html import TEMPLATE, Page, card
from zerodistrict.report.language import Language, get_language
from zerodistrict.roadmap.run import RoadmapResult, gpc_rows

#: line style of each trajectory: (column, i18n key, colour, dash)
TRAJECTORY = (
    ("residential_co2_without_programme_t", "roadmap.series_without", "#c8553d", "dash"),
    ("residential_co2_with_programme_t", "roadmap.series_with", "#1b6ca8", "solid"),
    ("net_co2_t", "roadmap.series_net", "#2a9d8f", "solid"),
    ("target_co2_t", "roadmap.series_target", "#1d2433", "dot"),
)


def milestone_years(result: RoadmapResult) -> list[int]:
    """Years the GPC table shows: the first, each target milestone inside the roadmap, 2030 and 2040, the last."""
    rm = result.roadmap
    years = {rm.start_year, rm.end_year, *(m.year for m in rm.target.milestones), 2030, 2040}
    return sorted(y for y in years if rm.start_year <= y <= rm.end_year)


def trajectory_figure(table: pd.DataFrame, lang: Language) -> go.Figure:
    fig = go.Figure()
    for column, key, colour, dash in TRAJECTORY:
        fig.add_trace(go.Scatter(x=table["year"], y=table[column], name=lang.text(key), mode="lines",
                                 line={"color": colour, "dash": dash, "width": 2.5}))
    fig.update_yaxes(title_text=lang.text("roadmap.axis_co2"), rangemode="tozero")
    fig.update_xaxes(title_text=lang.text("roadmap.axis_year"), dtick=5)
    return _layout(fig, 440)


def investment_figure(table: pd.DataFrame, column: str, currency: str, lang: Language) -> go.Figure:
    fig = go.Figure(go.Bar(x=table["year"], y=table[column], name=lang.text("roadmap.series_investment"),
                           marker_color="#1b6ca8"))
    fig.add_trace(go.Scatter(x=table["year"], y=table["homes_converted_in_year"], yaxis="y2", mode="lines+markers",
                             name=lang.text("roadmap.series_homes_new"), line={"color": "#f2a900"}))
    fig.update_layout(yaxis={"title": {"text": lang.text("roadmap.axis_investment", currency=currency)}},
                      yaxis2={"title": {"text": lang.text("roadmap.axis_homes")}, "overlaying": "y", "side": "right",
                              "rangemode": "tozero", "showgrid": False})
    fig.update_xaxes(title_text=lang.text("roadmap.axis_year"), dtick=5)
    return _layout(fig, 400)


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{html.escape(c)}</td>' if j >= numeric_from else f"<td>{html.escape(c)}</td>"
        for j, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="compare"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def gpc_table_html(result: RoadmapResult, lang: Language) -> str:
    """Rows: GPC sub-sectors × milestone years; columns: reference, sub-sector, scope, year, without, with, change [t]."""
    table = result.table.set_index("year")
    rows = []
    for year in milestone_years(result):
        for row in gpc_rows(table.loc[year]):
            s = row.sector
            rows.append([s.reference, lang.text(s.key), str(s.scope), str(year),
                         lang.number(row.without_kg / 1e3), lang.number(row.with_kg / 1e3),
                         lang.number(row.change_kg / 1e3)])
    head = [lang.text(k) for k in ("gpc.reference", "gpc.sector", "gpc.scope", "roadmap.axis_year",
                                   "roadmap.gpc_without", "roadmap.gpc_with", "gpc.change")]
    return _table(head, rows, numeric_from=4)


def _sources(result: RoadmapResult) -> list[str]:
    rm = result.roadmap
    items = [f"{h.type}: {h.source}" for h in rm.city.housing]
    items += [f"{d.scenario} ({', '.join(d.applies_to)}): {d.adoption.source}" for d in rm.designs]
    items.append(f"{rm.grid.name}: {rm.grid.source}")
    for part in (rm.shared_mobility, rm.hydrogen_transport):
        if part is not None:
            items.append(part.source)
    items += [f"{m.year}: {m.source}" for m in rm.target.milestones]
    return items


def roadmap_html(result: RoadmapResult, lang: Language) -> str:
    """The whole roadmap report as one HTML document (str)."""
    from zerodistrict import __version__

    rm, table = result.roadmap, result.table
    currency = rm.city.currency
    invest_col = f"investment_{currency.lower()}"
    last = table.iloc[-1]
    page = Page(lang)
    title = lang.text("roadmap.title", city=rm.city.name, year=rm.end_year)
    page.add("<header>")
    page.heading(1, title)
    page.note(lang.text("roadmap.meta", name=rm.name, start=rm.start_year, end=rm.end_year, grid=rm.grid.name,
                        designs=", ".join(f.scenario for f in result.designs)), "meta")
    page.note(lang.text("report.generated", version=__version__), "meta")
    page.add("</header>")
    if rm.description:
        page.note(rm.description.strip())
    cut = last["residential_co2_avoided_t"] / last["residential_co2_without_programme_t"] \
        if last["residential_co2_without_programme_t"] > 0 else 0.0
    cards = [
        card(lang.text("roadmap.card_homes", year=rm.end_year), lang.number(last["homes_converted"]),
              lang.text("roadmap.card_homes_note", share=lang.percent(last["homes_converted"] / last["homes_total"]))),
        card(lang.text("roadmap.card_cut", year=rm.end_year), lang.percent(cut),
              lang.text("roadmap.card_cut_note", avoided=lang.quantity(last["residential_co2_avoided_t"], "unit.t_co2"))),
        card(lang.text("roadmap.card_investment"),
              lang.text("roadmap.money_millions", amount=lang.number(float(table[invest_col].sum()) / 1e6, 1),
                        currency=currency),
              lang.text("roadmap.card_investment_note", start=rm.start_year, end=rm.end_year)),
        card(lang.text("roadmap.card_gap", year=rm.end_year), lang.quantity(last["gap_to_target_t"], "unit.t_co2"),
              lang.text("roadmap.card_gap_note")),
    ]
    page.add(f'<div class="cards">{"".join(cards)}</div>')
    page.heading(2, lang.text("roadmap.section_trajectory"))
    page.chart(trajectory_figure(table, lang))
    page.note(lang.text("roadmap.note_trajectory", base_year=rm.target.base_year))
    page.note(rm.target.description.strip())
    page.heading(2, lang.text("roadmap.section_investment"))
    page.chart(investment_figure(table, invest_col, currency, lang))
    page.heading(2, lang.text("gpc.section"))
    page.add(gpc_table_html(result, lang))
    page.note(lang.text("gpc.note", method=lang.text(f"gpc.method_{METHOD.replace('-', '_')}")))
    page.heading(2, lang.text("roadmap.section_designs"))
    rows = [[f.scenario, ", ".join(f.applies_to), lang.number(f.homes),
             lang.quantity(f.baseline_kwh_per_home_year, "unit.kwh"), lang.quantity(f.import_kwh_per_home_year, "unit.kwh"),
             lang.percent(1.0 - f.import_ratio), lang.money(f.capex_per_home, currency)] for f in result.designs]
    head = [lang.text(k) for k in ("roadmap.design", "roadmap.applies_to", "roadmap.homes_simulated",
                                   "roadmap.baseline_per_home", "roadmap.import_per_home", "roadmap.import_cut",
                                   "roadmap.capex_per_home")]
    page.add(_table(head, rows, numeric_from=2))
    page.note(lang.text("roadmap.note_designs"))
    for note in result.notes:
        page.note(note, "note warning")
    page.heading(2, lang.text("roadmap.section_sources"))
    page.add("<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in _sources(result)) + "</ul>")
    page.add(f"<footer><p>{html.escape(lang.text('roadmap.footer'))}</p></footer>")
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        lang=lang.code, title=html.escape(title), version=__version__, plotlyjs=get_plotlyjs(),
        body="\n".join(page.parts))


def write_roadmap_files(result: RoadmapResult, folder: Path, lang: str = "en") -> None:
    """Write ``roadmap.csv`` (one row per year) and ``report.html`` into ``folder`` (a staging folder)."""
    folder = Path(folder)
    result.table.to_csv(folder / "roadmap.csv", index=False, float_format="%.10g")
    (folder / "report.html").write_text(roadmap_html(result, get_language(lang)), encoding="utf-8")


def write_roadmap_outputs(result: RoadmapResult, out_dir: Path, lang: str = "en", force: bool = False) -> list[Path]:
    """:func:`write_roadmap_files` all-or-nothing as ``out_dir`` (see
    :func:`~zerodistrict.results.writers.staged_output`); returns the files moved into place."""
    from zerodistrict.results.writers import staged_output

    with staged_output(out_dir, force) as (tmp, written):
        write_roadmap_files(result, tmp, lang)
    return written
