"""The report section of ``zerodistrict size``: chosen sizes, cost breakdown, targets met (``sizing.html``).

One self-contained HTML file in the style of ``template.html`` (no script, nothing loaded by URL),
in the report's languages (keys ``sizing.*`` of ``i18n/{en,ja,ms}.json``); with a Pareto front
(:mod:`zerodistrict.design.pareto`) it adds the front as an inline SVG chart.
"""

from __future__ import annotations

import html
from pathlib import Path

from zerodistrict.report.language import get_language

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#176d2e}.no{color:#b3261e}.note{color:#555}"""


def _table(rows: list[list[str]], head: list[str], numeric: set[int] = frozenset()) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def sizing_html(outcome: dict, lang: str = "en", pareto_svg: str | None = None) -> str:
    """The section as a whole HTML page; ``outcome`` is :meth:`SizingOutcome.to_json_dict`."""
    t = get_language(lang)
    cur = outcome["currency"]
    esc = html.escape
    sizes = []
    for part in ("homes", "community", "line", "evs"):
        for name, items in outcome["sizes"].get(part, {}).items():
            for key, d in items.items():
                label = t.text("survival_sizing_reserve" if key == "outage_reserve_kwh" else f"sizing.size.{key}")
                sizes.append([esc(name), esc(label), t.number(d["value"], 2), esc(d["unit"])])
    costs = [[esc(t.text("sizing.cost.capex")), t.money(outcome["capex"], cur)],
             [esc(t.text("sizing.cost.capital")), t.money(outcome["annual_capital"], cur)],
             [esc(t.text("sizing.cost.operating")), t.money(outcome["operating_cost"], cur)],
             [esc(t.text("sizing.cost.total")), t.money(outcome["annual_cost"], cur)],
             [esc(t.text("sizing.cost.life_cycle")), t.money(outcome["life_cycle_cost"], cur)]]
    given = outcome.get("given_design")
    if given:
        costs.append([esc(t.text("sizing.cost.given")), t.money(given["annual_cost"], cur)])
    full = outcome.get("full_year")
    if full:
        costs.append([esc(t.text("sizing.cost.full_year")), t.money(full["annual_cost"], cur)])
    targets = []
    for row in outcome["targets"]:
        holds = row.get("holds")
        mark = "" if holds is None else (f'<span class="ok">{esc(t.text("sizing.target.met"))}</span>' if holds
                                         else f'<span class="no">{esc(t.text("sizing.target.missed"))}</span>')
        dual = row.get("cost_of_one_more_unit")
        targets.append([esc(row["target"]), t.number(row["lp_value"], 4),
                        "" if row.get("full_year_value") is None else t.number(row["full_year_value"], 4), mark,
                        "" if dual is None else f"{t.money(dual, cur)} {esc(row['unit'])}"])
    parts = [f"<h1>{esc(t.text('sizing.title', scenario=outcome['scenario']))}</h1>",
             f"<p>{esc(t.text('sizing.intro', objective=outcome['objective']))}</p>",
             f"<h2>{esc(t.text('sizing.sizes'))}</h2>",
             _table(sizes, [t.text("sizing.col.part"), t.text("sizing.col.size"), t.text("sizing.col.value"),
                            t.text("sizing.col.unit")], {2}),
             f"<h2>{esc(t.text('sizing.costs'))}</h2>", _table(costs, [t.text("sizing.col.item"), cur], {1})]
    if targets:
        parts += [f"<h2>{esc(t.text('sizing.targets'))}</h2>",
                  _table(targets, [t.text("sizing.col.target"), t.text("sizing.col.lp"), t.text("sizing.col.year"),
                                   t.text("sizing.col.holds"), t.text("sizing.col.dual")], {1, 2})]
    if pareto_svg:
        parts += [f"<h2>{esc(t.text('sizing.pareto'))}</h2>", pareto_svg]
    for note in outcome.get("notes", []):
        parts.append(f'<p class="note">{esc(note)}</p>')
    body = "\n".join(parts)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>'
            f"{esc(t.text('sizing.title', scenario=outcome['scenario']))}</title><style>{_STYLE}</style></head>"
            f"<body>{body}</body></html>\n")


def write_sizing_html(outcome: dict, path: Path, lang: str = "en", pareto_svg: str | None = None) -> Path:
    path = Path(path)
    path.write_text(sizing_html(outcome, lang, pareto_svg), encoding="utf-8")
    return path


def pareto_svg(table, currency: str, width: int = 640, height: int = 360, x_label: str | None = None) -> str:
    """The front as an inline SVG line chart (x: CO2 [kg], or survival for a cost–survival front; y: annualised cost).

    ``x_label``: the survival axis's label (the report's language); CO2 is labelled "CO2 [kg]".
    """
    x_col = next((c for c in ("survival_hours", "survival_value") if c in table), "co2_kg")
    x = [float(v) for v in table[x_col]]
    y = [float(v) for v in table["annual_cost"]]
    pad = 60
    x0, x1 = min(x), max(x)
    y0, y1 = min(y), max(y)
    sx = lambda v: pad + (v - x0) / ((x1 - x0) or 1.0) * (width - 2 * pad)
    sy = lambda v: height - pad - (v - y0) / ((y1 - y0) or 1.0) * (height - 2 * pad)
    pts = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(x, y))
    dots = "".join(f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="4" fill="#1f6feb"/>' for a, b in zip(x, y))
    x_text = "CO2 [kg]" if x_col == "co2_kg" else html.escape(x_label or x_col)
    digits = 2 if x_col == "survival_value" else 0
    labels = (f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">{x_text}: {x0:,.{digits}f} – '
              f'{x1:,.{digits}f}</text>'
              f'<text x="15" y="{height / 2}" transform="rotate(-90 15 {height / 2})" text-anchor="middle">'
              f"{html.escape(currency)}: {y0:,.0f} – {y1:,.0f}</text>")
    axes = (f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
            f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">{axes}'
            f'<polyline points="{pts}" fill="none" stroke="#1f6feb" stroke-width="2"/>{dots}{labels}</svg>')
