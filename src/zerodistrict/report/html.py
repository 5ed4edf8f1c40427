"""The self-contained HTML report of one run, or of several runs with their comparison.

One file that opens offline: plotly.js is embedded once in the page, every
chart is a ``<div>`` drawn by it, the style sheet is inline, and no tag loads
anything by URL. Sections of each run: summary cards, monthly energy balance,
typical days, the batteries' state of charge by day and hour, the homes'
self-sufficiency and bills, outage survival (when a resilience analysis is in
``Result.resilience``) and the mobility ports (when ``Result.mobility``
holds a mobility result). A section whose analysis did
not run says so. With several runs a comparison comes first.
"""

from __future__ import annotations

import calendar
import html
import os
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from zerodistrict.report import charts, summaries
from zerodistrict.report.compare import (
    compare_results,
    comparison_rows,
    explain_differences,
)
from zerodistrict.report.language import Language, get_language

TEMPLATE = Path(__file__).parent / "template.html"
#: plotly options: no plotly logo in the tool bar
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class Page:
    """Collects the body of the page and numbers its charts."""

    lang: Language
    parts: list[str] = field(default_factory=list)
    n_charts: int = 0

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def heading(self, level: int, text: str, anchor: str | None = None) -> None:
        ident = f' id="{html.escape(anchor)}"' if anchor else ""
        self.add(f"<h{level}{ident}>{html.escape(text)}</h{level}>")

    def note(self, text: str, css: str = "note") -> None:
        self.add(f'<p class="{css}">{html.escape(text)}</p>')

    def chart(self, fig) -> None:
        self.n_charts += 1
        height = fig.layout.height or 420
        div = pio.to_html(fig, config=PLOTLY_CONFIG, include_plotlyjs=False, full_html=False,
                          div_id=f"zd-chart-{self.n_charts}", default_height=f"{height}px")
        self.add(f'<div class="chart">{div}</div>')


def card(label: str, value: str, sub: str = "") -> str:
    """One summary card (a label, a value with its unit, an optional note) as HTML; the text is escaped."""
    sub_html = f'<div class="sub">{html.escape(sub)}</div>' if sub else ""
    return (f'<div class="card"><div class="label">{html.escape(label)}</div>'
            f'<div class="value">{html.escape(value)}</div>{sub_html}</div>')


def summary_cards(page: Page, result) -> None:
    """Add a run's summary cards (KPIs with units, in ``page.lang``) to ``page``; the web page shows the same."""
    lang, k = page.lang, result.kpis
    cards = [
        card(lang.text("card.self_sufficiency"), lang.percent(k.self_sufficiency_ratio),
              lang.text("card.self_sufficiency_note")),
        card(lang.text("card.self_consumption"), lang.percent(k.self_consumption_ratio),
              lang.text("card.self_consumption_note")),
        card(lang.text("card.co2"), lang.quantity(k.co2_kg / 1000.0, "unit.t_co2", 1), _co2_note(lang, k)),
        card(lang.text("card.cost"), lang.money(k.net_energy_cost, k.currency),
              lang.text("card.cost_note", baseline=lang.money(k.net_energy_cost_baseline, k.currency))),
    ]
    if k.payback_years is not None:
        capex = lang.money(k.capex, k.currency)
        note = (lang.text("card.payback_note", capex=capex) if k.annualised_from_days is None else
                lang.text("card.payback_note_annualised", capex=capex, days=_days(lang, k.annualised_from_days)))
        cards.append(card(lang.text("card.payback"), lang.quantity(k.payback_years, "unit.years", 1), note))
    resilience = result.resilience
    if resilience is not None:
        stats = resilience.to_json_dict()
        cards.append(card(lang.text("card.survival"),
                           lang.quantity(stats["shared"]["critical_survival_hours_p50"], "unit.hours"),
                           lang.text("card.survival_note", alone=lang.quantity(
                               stats["alone"]["critical_survival_hours_p50"], "unit.hours"))))
    served = summaries.trips_served(summaries.mobility_figures(result))
    if served is not None:
        cards.append(card(lang.text("card.trips"), lang.number(served[0]),
                           lang.text("card.trips_note", share=lang.percent(served[1]))))
    if k.space_conditioning_ratio is not None:
        cards.append(card(lang.text("thermal.card"), lang.percent(k.space_conditioning_ratio), lang.text(
            "thermal.card_note", cooling=lang.quantity(k.cooling_kwh or 0.0, "unit.kwh"),
            heating=lang.quantity(k.heating_kwh or 0.0, "unit.kwh"), load=lang.quantity(k.load_kwh, "unit.kwh"))))
    page.add(f'<div class="cards">{"".join(cards)}</div>')
    if k.annualised_from_days is not None:
        page.note(lang.text("note.annualised", days=_days(lang, k.annualised_from_days)), "note warning")


def _days(lang: Language, days: float) -> str:
    return lang.number(days, 0 if float(days).is_integer() else 1)


def period_text(lang: Language, kpis) -> str:
    """"the year" for a run of one calendar year (its 365 or 366 days from 1 January 00:00),
    else "14 days from 2025-03-01"."""
    start = pd.Timestamp(kpis.period_start)
    year_days = 366 if calendar.isleap(start.year) else 365
    whole_year = kpis.period_days == year_days and (start.month, start.day, start.hour, start.minute) == (1, 1, 0, 0)
    if whole_year:
        return lang.text("period.year")
    return lang.text("period.days", days=_days(lang, kpis.period_days), start=start.strftime("%Y-%m-%d"))


def _co2_note(lang: Language, k) -> str:
    """"x % less than the baseline", or "x % more" when the design emits more (a negative reduction)."""
    baseline = lang.quantity(k.co2_baseline_kg / 1000.0, "unit.t_co2", 1)
    if k.co2_reduction_ratio < 0:
        return lang.text("card.co2_note_more", increase=lang.percent(-k.co2_reduction_ratio), baseline=baseline)
    return lang.text("card.co2_note", reduction=lang.percent(k.co2_reduction_ratio), baseline=baseline)


def _typical_days(page: Page, result, monthly: pd.DataFrame) -> None:
    lang, site = page.lang, result.scenario.site
    seasons = summaries.seasons_for(site.latitude, site.country, monthly["pv_kwh"])
    profiles = [(lang.text(s.key, months=lang.month_span(s.months)), summaries.typical_day_kw(result.timeseries, s.months))
                for s in seasons]
    page.chart(charts.typical_days_figure(profiles, lang))
    page.note(lang.text("note.typical_days"))
    if any(s.key.endswith("monsoon") for s in seasons):
        page.note(lang.text("note.monsoon"))
    elif any(s.key in ("season.sunniest", "season.cloudiest") for s in seasons):
        page.note(lang.text("note.sunniest"))


def _soc(page: Page, result) -> None:
    capacity = summaries.stationary_capacity_kwh(result)
    if capacity <= 0:
        page.note(page.lang.text("note.no_battery"), "not-analysed")
        return
    page.chart(charts.soc_heatmap_figure(summaries.soc_day_hour_ratio(result.timeseries, capacity), page.lang))
    page.note(page.lang.text("note.soc", capacity=page.lang.quantity(capacity, "unit.kwh")))


def _homes(page: Page, result) -> None:
    lang, homes, currency = page.lang, result.homes, result.kpis.currency
    if homes.empty:  # a mobility-only study
        page.note(lang.text("report.not_analysed"), "not-analysed")
        return
    period = period_text(lang, result.kpis)
    if "bill" in homes:  # the homes' bills over the period (annual ones only for a year)
        bill, title = homes["bill"].to_numpy(), lang.text("axis.bill", period=period, currency=currency)
    else:
        bill = (homes["energy_cost"] - homes["export_revenue"]).to_numpy()
        title = lang.text("axis.net_energy_cost_home", currency=currency)
    page.chart(charts.homes_figure(homes["self_sufficiency_ratio"].to_numpy(), bill, title, lang))
    ss = homes["self_sufficiency_ratio"]
    page.note(lang.text("note.homes", n=lang.number(len(homes)), low=lang.percent(ss.min()),
                        median=lang.percent(ss.median()), high=lang.percent(ss.max()), period=period,
                        bill_median=lang.money(float(np.median(bill)), currency)))
    partial = summaries.partial_months(result)
    if partial:
        page.note(lang.text("note.prorata", months=", ".join(partial)))


def _resilience(page: Page, result) -> None:
    resilience = result.resilience
    if resilience is None:
        page.note(page.lang.text("report.not_analysed"), "not-analysed")
        return
    lang, stats = page.lang, resilience.to_json_dict()
    page.chart(charts.survival_figure(summaries.survival_curves(resilience), lang))
    page.note(lang.text(
        "note.resilience",
        shared=lang.quantity(stats["shared"]["critical_survival_hours_p50"], "unit.hours"),
        alone=lang.quantity(stats["alone"]["critical_survival_hours_p50"], "unit.hours"),
        p24=lang.percent(stats["shared"]["survive_24h_probability"] or 0.0),
        max_hours=lang.quantity(stats["max_hours"], "unit.hours"),
    ))


def _mobility(page: Page, result) -> None:
    mobility = result.mobility
    if mobility is None or len(mobility.stations) == 0:
        page.note(page.lang.text("report.not_analysed"), "not-analysed")
        return
    page.chart(charts.stations_figure(summaries.mobility_ports(mobility), page.lang))
    page.note(page.lang.text("note.mobility"))


def _hydrogen(page: Page, result) -> None:
    """Hydrogen KPIs and the largest step residual of the mass balance (only for a scenario with hydrogen)."""
    from zerodistrict.analysis.hydrogen import hydrogen_flows, mass_balance_residual_kg

    lang, k = page.lang, result.kpis
    flows = hydrogen_flows(result.inputs, result.dispatch)
    residual = float(np.abs(mass_balance_residual_kg(flows)).max(initial=0.0)) if flows is not None else 0.0
    page.note(lang.text(
        "hydrogen.note", produced=lang.quantity(k.hydrogen_produced_kg, "unit.kg"),
        hours=lang.quantity(k.electrolyser_full_load_hours, "unit.hours"),
        served=lang.percent(k.hydrogen_served_ratio if k.hydrogen_served_ratio is not None else float("nan")),
        demand=lang.quantity(k.hydrogen_demand_kg, "unit.kg"),
        co2=lang.quantity(k.hydrogen_co2_avoided_kg, "unit.kg_co2"), residual=f"{residual:.1e} kg"))
    if k.lcoh_per_kg is None:
        page.note(lang.text("hydrogen.no_lcoh"))
    else:
        page.note(lang.text("hydrogen.lcoh", lcoh=lang.money(k.lcoh_per_kg, k.currency)))
def _gpc(page: Page, result) -> None:
    """The run's emissions by GPC sub-sector (location-based scope 2): design against its baseline [t CO2]."""
    from zerodistrict.analysis.gpc import METHOD, run_gpc_rows

    lang = page.lang
    head = "".join(f"<th>{html.escape(lang.text(k))}</th>" for k in (
        "gpc.reference", "gpc.sector", "gpc.scope", "gpc.without_run", "gpc.with_run", "gpc.change"))
    rows = "".join(
        f"<tr><td>{r.sector.reference}</td><td>{html.escape(lang.text(r.sector.key))}</td><td>{r.sector.scope}</td>"
        + "".join(f'<td class="num">{html.escape(lang.number(v / 1000.0, 1))}</td>'
                  for v in (r.without_kg, r.with_kg, r.change_kg)) + "</tr>"
        for r in run_gpc_rows(result.kpis))
    page.add(f'<table class="compare gpc"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    page.note(lang.text("gpc.note_run", method=lang.text(f"gpc.method_{METHOD.replace('-', '_')}")))


def _scenario_meta(lang: Language, result) -> str:
    k = result.kpis
    end = pd.Timestamp(k.period_end) - pd.Timedelta(days=1)
    method_key = f"dispatch.{k.dispatch}"
    method = lang.text(method_key) if method_key in lang.strings else k.dispatch
    return lang.text("report.meta", scenario=k.scenario, homes=lang.number(k.n_homes),
                     kwp=lang.quantity(k.pv_kwp, "unit.kwp", 1),
                     start=pd.Timestamp(k.period_start).strftime("%Y-%m-%d"), end=end.strftime("%Y-%m-%d"),
                     step=lang.number(k.step_minutes), dispatch=method)


def _scenario_sections(page: Page, result, number: int) -> None:
    lang = page.lang
    page.heading(2, result.scenario.site.name, f"scenario-{number}")
    page.note(_scenario_meta(lang, result), "meta")
    page.heading(3, lang.text("section.summary", period=period_text(lang, result.kpis)))
    summary_cards(page, result)
    page.heading(3, lang.text("section.monthly"))
    monthly = summaries.monthly_energy_kwh(result.timeseries, result.inputs.step_hours)
    page.chart(charts.monthly_balance_figure(monthly, lang))
    page.heading(3, lang.text("section.typical_days"))
    _typical_days(page, result, monthly)
    page.heading(3, lang.text("section.soc"))
    _soc(page, result)
    page.heading(3, lang.text("section.homes"))
    _homes(page, result)
    page.heading(3, lang.text("section.resilience"))
    _resilience(page, result)
    page.heading(3, lang.text("section.mobility"))
    _mobility(page, result)
    if result.kpis.hydrogen_produced_kg is not None:
        page.heading(3, lang.text("hydrogen.section"))
        _hydrogen(page, result)
    page.heading(3, lang.text("gpc.section"))
    _gpc(page, result)


def _comparison(page: Page, results: list) -> None:
    lang = page.lang
    table = compare_results(results)
    labels = [str(label) for label in table.index]  # scenario names: two designs at one site stay apart
    page.heading(2, lang.text("section.compare"), "compare")
    page.note(lang.text("note.compare", reference=labels[0]))
    head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
    rows = ["<tr><th>" + html.escape(label) + "</th>" + f'<td class="unit">{html.escape(unit)}</td>'
            + "".join(f'<td class="num">{html.escape(c)}</td>' for c in cells) + "</tr>"
            for label, unit, cells in comparison_rows(table, lang)]
    page.add(f'<table class="compare"><thead><tr><th>{html.escape(lang.text("compare.indicator"))}</th>'
             f'<th>{html.escape(lang.text("compare.unit"))}</th>{head}'
             f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    page.heading(3, lang.text("section.compare_explained"))
    paragraphs = explain_differences(table, lang)
    for label, sentences in zip(labels[1:], paragraphs):
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
        page.add(f'<div class="explain"><p><strong>{html.escape(lang.text("compare.against", a=label, b=labels[0]))}'
                 f"</strong></p><ul>{items}</ul></div>")
    page.heading(3, lang.text("section.compare_charts"))
    by_name = table.assign(site=labels)  # the charts name their series by the "site" column
    page.chart(charts.compare_shares_figure(by_name, lang))
    page.chart(charts.compare_per_home_figure(by_name, lang))


def report_html(results: list, lang: Language) -> str:
    """The whole report as one HTML document (str)."""
    from zerodistrict import __version__

    if not results:
        raise ValueError("a report needs at least one result")
    page = Page(lang)
    several = len(results) > 1
    title = lang.text("report.title_compare" if several else "report.title")
    page.add("<header>")
    page.heading(1, title if several else f"{title}: {results[0].scenario.site.name}")
    page.note(lang.text("report.generated", version=__version__), "meta")
    page.add("</header>")
    if several:
        _comparison(page, results)
    for number, result in enumerate(results, start=1):
        _scenario_sections(page, result, number)
    page.add(f"<footer><p>{html.escape(lang.text('report.footer'))}</p></footer>")
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        lang=lang.code, title=html.escape(title), version=__version__, plotlyjs=get_plotlyjs(),
        body="\n".join(page.parts))


def write_report(results: list, path: Path, lang: str = "en", png_dir: Path | None = None) -> Path:
    """Write the report of one run, or of several runs with their comparison, as one offline HTML file.

    Parameters
    ----------
    results : list of zerodistrict.results.Result
        One run → its report; several → the comparison, then each run.
    path : pathlib.Path
        The HTML file to write (its folder must exist); replaced atomically.
    lang : {"en", "ja", "ms"}
        Language of every label, unit and sentence.
    png_dir : pathlib.Path, optional
        Also write the key charts as PNG files here (see :func:`~.static.write_pngs`).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        For an unknown ``lang``.
    """
    language = get_language(lang)
    path = Path(path)
    text = report_html(list(results), language)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if png_dir is not None:
        from zerodistrict.report.static import write_pngs

        write_pngs(list(results), Path(png_dir), language)
    return path
