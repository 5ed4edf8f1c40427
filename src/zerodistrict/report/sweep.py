"""The report of a sweep from the results store: trade-offs, sensitivities and the best designs.

Input: the table of :meth:`zerodistrict.results.store.Store.export` (one row per design: ``design``, one
column per swept parameter path, then the KPIs) and the stored sweep (its spec and parameter paths).
Output (:func:`write_sweep_report_files`): ``report.html`` — one self-contained file (plotly.js embedded,
the style of ``template.html``, nothing loaded by URL) — and ``best/<design>.yaml``, each a full scenario
that ``zerodistrict run`` takes.

Sections
--------
- Pareto front of cost against CO2 (and against outage survival when the designs have
  ``critical_survival_hours_mean``). Cost is the NPV when every design has one (higher is better),
  else the net energy cost over the period (lower is better).
- Parallel coordinates of the parameters and the main KPIs.
- Tornado chart of one-at-a-time sensitivities of the cost (definition: :func:`one_at_a_time`).
- The best designs: those on the cost–CO2 front, cheapest first (at most :data:`N_BEST`).
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from zerodistrict.errors import InputError

TEMPLATE = Path(__file__).parent / "template.html"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
#: how many designs of the front are written as runnable YAML (assumption: enough to compare by hand)
N_BEST = 5


@dataclass(frozen=True)
class Objective:
    """A KPI the report ranks designs by: its column, label with unit, and direction."""

    column: str
    label: str
    higher_is_better: bool

    def loss(self, table: pd.DataFrame) -> np.ndarray:
        """The objective as a quantity to minimise."""
        values = table[self.column].to_numpy(dtype=float)
        return -values if self.higher_is_better else values


def objectives(table: pd.DataFrame) -> tuple[Objective, Objective, Objective | None]:
    """Cost, CO2 and (when the designs have it) outage survival."""
    currency = str(table["currency"].iloc[0]) if "currency" in table and len(table) else ""
    if "npv" in table and table["npv"].notna().all():
        cost = Objective("npv", f"NPV [{currency}] (higher is better)", True)
    else:
        cost = Objective("net_energy_cost", f"net energy cost over the period [{currency}]", False)
    co2 = Objective("co2_kg", "CO2 over the period [kg]", False)
    survival = None
    if "critical_survival_hours_mean" in table and table["critical_survival_hours_mean"].notna().all():
        survival = Objective("critical_survival_hours_mean", "outage survival of the critical load, mean [h]", True)
    return cost, co2, survival


def pareto_mask(losses: np.ndarray) -> np.ndarray:
    """True for the rows of ``losses`` (designs × objectives, all minimised) no other row dominates.

    Row *b* dominates row *a* when it is no worse in every objective and better in one.
    """
    losses = np.asarray(losses, dtype=float)
    front = np.ones(len(losses), dtype=bool)
    for i, row in enumerate(losses):
        dominated = np.all(losses <= row, axis=1) & np.any(losses < row, axis=1)
        front[i] = not dominated.any()
    return front


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def one_at_a_time(table: pd.DataFrame, parameters: list[str], kpi: str) -> pd.DataFrame:
    """The range of ``kpi`` as each parameter varies alone, the others held at their median design.

    Definition: the *median design* sets each parameter to the median of the values the stored designs
    have (for an even count, the lower of the two middle values, so it is a value that was swept).
    For parameter *p*, the designs whose other parameters all equal the median design's are *p*'s
    one-at-a-time designs; its bar spans the lowest to the highest ``kpi`` among them, drawn relative to
    ``kpi`` of the median design (or the mean of the one-at-a-time designs when the median design itself is
    not stored). A parameter with fewer than two such designs (e.g. a Latin-hypercube sample, where no two
    designs share the other values) gets no bar.

    Returns
    -------
    pandas.DataFrame
        Index: the parameters with a bar; columns ``low``, ``high`` (the KPI's extremes), ``reference``,
        ``n_designs``; sorted by ``high - low``, widest first.
    """
    medians = {p: _lower_median(table[p]) for p in parameters}
    rows = {}
    for p in parameters:
        others = [q for q in parameters if q != p]
        match = np.ones(len(table), dtype=bool)
        for q in others:
            match &= (table[q] == medians[q]).to_numpy()
        chosen = table[match]
        if chosen[p].nunique() < 2:
            continue
        at_median = chosen[chosen[p] == medians[p]][kpi]
        reference = float(at_median.iloc[0]) if len(at_median) else float(chosen[kpi].mean())
        rows[p] = {"low": float(chosen[kpi].min()), "high": float(chosen[kpi].max()),
                   "reference": reference, "n_designs": len(chosen)}
    result = pd.DataFrame.from_dict(rows, orient="index", columns=["low", "high", "reference", "n_designs"])
    return result.reindex((result["high"] - result["low"]).sort_values(ascending=False).index)


def _lower_median(series: pd.Series):
    values = sorted(series.dropna().unique(), key=lambda v: (str(type(v)), v))
    return values[(len(values) - 1) // 2] if values else None


# --------------------------------------------------------------------------- charts


def pareto_figure(table: pd.DataFrame, x: Objective, y: Objective, front: np.ndarray) -> go.Figure:
    fig = go.Figure()
    hover = table["design"]
    fig.add_trace(go.Scatter(x=table[x.column][~front], y=table[y.column][~front], mode="markers", name="design",
                             text=hover[~front], marker={"color": "#b0b7c3", "size": 7}))
    on = table[front].sort_values(x.column)
    fig.add_trace(go.Scatter(x=on[x.column], y=on[y.column], mode="markers+lines", name="Pareto front",
                             text=on["design"], marker={"color": "#d1495b", "size": 9}))
    fig.update_layout(xaxis_title=x.label, yaxis_title=y.label, height=440, margin={"t": 30})
    return fig


def parallel_figure(table: pd.DataFrame, parameters: list[str], kpis: list[Objective]) -> go.Figure:
    dimensions = []
    for p in parameters:
        column = table[p]
        if _numeric(column):
            dimensions.append({"label": p, "values": column})
        else:  # text parameters (a weather file…) as categories
            labels = sorted(column.astype(str).unique())
            codes = column.astype(str).map({v: i for i, v in enumerate(labels)})
            dimensions.append({"label": p, "values": codes, "tickvals": list(range(len(labels))), "ticktext": labels})
    for k in kpis:
        dimensions.append({"label": k.label, "values": table[k.column]})
    line = {}
    if kpis:  # coloured by the first KPI (the cost), the best designs in yellow
        line = {"color": table[kpis[0].column], "colorscale": "Viridis", "showscale": True,
                "reversescale": not kpis[0].higher_is_better, "colorbar": {"title": {"text": kpis[0].column}}}
    fig = go.Figure(go.Parcoords(dimensions=dimensions, line=line))
    fig.update_layout(height=480, margin={"l": 80, "r": 80, "t": 60})
    return fig


def tornado_figure(bars: pd.DataFrame, kpi: Objective) -> go.Figure:
    bars = bars.iloc[::-1]  # widest on top
    fig = go.Figure()
    fig.add_trace(go.Bar(y=bars.index, x=bars["low"] - bars["reference"], orientation="h", name="lowest",
                         marker_color="#2e86ab"))
    fig.add_trace(go.Bar(y=bars.index, x=bars["high"] - bars["reference"], orientation="h", name="highest",
                         marker_color="#d1495b"))
    fig.update_layout(barmode="overlay", xaxis_title=f"change of {kpi.label} from the median design",
                      height=max(260, 60 * len(bars) + 120), margin={"l": 220, "t": 30})
    return fig


# --------------------------------------------------------------------------- best designs


def _base_scenario(spec: dict) -> tuple[dict, Path | None]:
    """The sweep's base scenario as a dict, and the folder its relative file paths are read from."""
    import yaml

    from zerodistrict.scenario.loading import PRESET_DIR

    base = spec.get("base")
    if isinstance(base, dict):
        return base, None
    if not isinstance(base, str):
        raise InputError("sweep spec: has no 'base' (a preset name or a scenario YAML path)")
    preset = PRESET_DIR / f"{base}.yaml"
    path = preset if preset.is_file() else Path(base)
    if not path.is_file():
        raise InputError(f"sweep base {base}: neither a preset nor a scenario file here; "
                         "run the report where the sweep's base scenario can be found")
    return yaml.safe_load(path.read_text(encoding="utf-8")), path.parent.resolve()


def design_scenarios(spec: dict, table: pd.DataFrame, parameters: list[str], title: str = "") -> dict[str, str]:
    """``{design key: scenario YAML}`` of the designs in ``table``: the base with their parameter values."""
    from zerodistrict.scenario.loading import dump_scenario, scenario_from_dict
    from zerodistrict.scenario.paths import apply_parameters

    base, base_dir = _base_scenario(spec)
    texts = {}
    for _, row in table.iterrows():
        values = {p: _plain(row[p]) for p in parameters}
        data = apply_parameters(base, values)
        data["name"] = f"{data.get('name', 'design')}-{row['design']}"[:120]
        scenario = scenario_from_dict(data, base_dir=base_dir, source=f"design {row['design']}")
        header = "".join(f"#   {p} = {v}\n" for p, v in values.items())
        texts[row["design"]] = f"# design {row['design']} of {title or 'a sweep'}\n{header}" + dump_scenario(scenario)
    return texts


def _plain(value):
    """numpy scalars as Python ones (YAML and pydantic take those)."""
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- page


def sweep_report_html(sweep: dict, table: pd.DataFrame, best: list[str]) -> str:
    """The report page (str) of ``sweep`` (a stored sweep: ``id``, ``name``, ``parameters``) over ``table``."""
    from zerodistrict import __version__

    parameters = list(sweep["parameters"])
    cost, co2, survival = objectives(table)
    parts = [f"<header><h1>Sweep {sweep['id']}: {html.escape(str(sweep['name']))}</h1>",
             f'<p class="meta">{len(table):,} designs stored; parameters: '
             f"{html.escape(', '.join(parameters))}; zerodistrict {html.escape(__version__)}</p></header>"]
    n_chart = 0

    def chart(fig: go.Figure) -> None:
        nonlocal n_chart
        n_chart += 1
        div = pio.to_html(fig, config=PLOTLY_CONFIG, include_plotlyjs=False, full_html=False,
                          div_id=f"zd-chart-{n_chart}", default_height=f"{fig.layout.height or 420}px")
        parts.append(f'<div class="chart">{div}</div>')

    def note(text: str) -> None:
        parts.append(f'<p class="note">{html.escape(text)}</p>')

    parts.append("<h2>Pareto front</h2>")
    note("A design is on the front when no other design is at least as good in every objective and better in one.")
    chart(pareto_figure(table, cost, co2, pareto_mask(np.column_stack([cost.loss(table), co2.loss(table)]))))
    if survival is not None:
        three = pareto_mask(np.column_stack([cost.loss(table), co2.loss(table), survival.loss(table)]))
        note(f"Cost against outage survival; the red designs are on the front of all three objectives "
             f"({int(three.sum())} designs).")
        chart(pareto_figure(table, cost, survival, three))
    parts.append("<h2>Parameters and KPIs</h2>")
    extra = [Objective(c, label, up) for c, label, up in (
        ("self_sufficiency_ratio", "self-sufficiency [0–1]", True),
        ("mobility_trips_served_ratio", "trips served [0–1]", True)) if c in table]
    chart(parallel_figure(table, parameters, [k for k in (cost, co2, survival) if k is not None] + extra))
    parts.append("<h2>One-at-a-time sensitivity</h2>")
    bars = one_at_a_time(table, parameters, cost.column)
    note(f"Each bar: the range of {cost.label} as one parameter takes its swept values while every other "
         "parameter stays at its median value (the lower middle value for an even count), relative to the "
         "median design. Parameters without two such designs stored have no bar.")
    if bars.empty:
        note("No parameter has two designs that differ in it alone (e.g. a Latin-hypercube sample): no tornado chart.")
    else:
        chart(tornado_figure(bars, cost))
    parts.append("<h2>Best designs</h2>")
    note(f"The designs on the cost–CO2 front, best {cost.label.split(' [')[0]} first; each is a runnable "
         "scenario in best/ (zerodistrict run best/DESIGN.yaml).")
    rows = table.set_index("design").loc[best]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["design", *parameters, cost.column, co2.column])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in [key, *row[parameters], row[cost.column],
                                                                         row[co2.column]]) + "</tr>"
        for key, row in rows.iterrows())
    parts.append(f'<table class="compare"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        lang="en", title=html.escape(f"Sweep {sweep['id']}: {sweep['name']}"), version=__version__,
        plotlyjs=get_plotlyjs(), body="\n".join(parts))


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def best_designs(table: pd.DataFrame, n: int = N_BEST) -> list[str]:
    """The keys of the designs on the cost–CO2 front, best cost first, at most ``n``."""
    cost, co2, _ = objectives(table)
    front = pareto_mask(np.column_stack([cost.loss(table), co2.loss(table)]))
    chosen = table[front].assign(_loss=cost.loss(table)[front]).sort_values(["_loss", "design"])
    return list(chosen["design"].iloc[:n])


def write_sweep_report_files(sweep: dict, table: pd.DataFrame, folder: Path) -> None:
    """Write ``report.html`` and ``best/<design>.yaml`` of a stored sweep into ``folder`` (which exists).

    Raises
    ------
    InputError
        When the sweep has no stored designs, or its base scenario cannot be found to rebuild the best designs.
    """
    if table.empty:
        raise InputError(f"sweep {sweep['id']}: has no stored designs to report on")
    best = best_designs(table)
    texts = design_scenarios(sweep["spec"], table[table["design"].isin(best)], list(sweep["parameters"]),
                             title=f"sweep {sweep['id']} ({sweep['name']})")
    folder = Path(folder)
    (folder / "best").mkdir()
    for key in best:
        (folder / "best" / f"{key}.yaml").write_text(texts[key], encoding="utf-8")
    (folder / "report.html").write_text(sweep_report_html(sweep, table, best), encoding="utf-8")
