"""Interactive charts of the HTML report (plotly), drawn from the tables of :mod:`.summaries`.

Each function takes a small table and the report :class:`~.language.Language`
and returns a ``plotly.graph_objects.Figure``; every visible word comes from
the language files. The station map is schematic: stations at their
longitude/latitude with an equal-distance aspect, no map tiles (nothing is
fetched from the network).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zerodistrict.report.language import Language
from zerodistrict.report.summaries import (
    DEMAND_COLUMNS,
    MONTHLY_COLUMNS,
    SUPPLY_COLUMNS,
)

#: fonts tried in order; CJK faces so Japanese renders on Windows, macOS and Linux
FONT_FAMILY = ('system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Yu Gothic", Meiryo, '
               '"Noto Sans CJK JP", "Noto Sans", sans-serif')
#: one colour per flow, shared by the HTML and PNG charts
COLOURS = {
    "pv": "#f2a900", "demand": "#3c4f76", "load": "#3c4f76", "ev_charge": "#7b6fb0",
    "grid_import": "#c8553d", "grid_export": "#2a9d8f", "shared": "#8ab17d", "curtailed": "#b0b0b0",
    "battery_charge": "#5fa8d3", "battery_discharge": "#1b6ca8", "unserved": "#000000",
}
#: line styles of the survival cases: (colour, dash)
SURVIVAL_STYLES = {
    "shared_critical": ("#1b6ca8", "solid"), "alone_critical": ("#1b6ca8", "dash"),
    "shared_full": ("#c8553d", "solid"), "alone_full": ("#c8553d", "dash"),
}
#: one colour per compared scenario
SCENARIO_COLOURS = ("#1b6ca8", "#c8553d", "#2a9d8f", "#f2a900", "#7b6fb0", "#8ab17d")


def _flow(column: str) -> str:
    """``grid_import_kwh`` → ``grid_import``."""
    for suffix in ("_kwh", "_kw"):
        if column.endswith(suffix):
            return column[: -len(suffix)]
    return column


def _layout(fig: go.Figure, height: int, **extra) -> go.Figure:
    fig.update_layout(template="plotly_white", height=height, font={"family": FONT_FAMILY, "size": 13},
                      margin={"l": 60, "r": 20, "t": 40, "b": 50}, separators=".,",
                      legend={"orientation": "h", "y": -0.18}, **extra)
    return fig


def monthly_balance_figure(monthly: pd.DataFrame, lang: Language) -> go.Figure:
    """Grouped bars of each month's PV, demand, import, export, shared and curtailed energy [kWh]."""
    months = [lang.month(m) for m in monthly.index]
    fig = go.Figure()
    for column in MONTHLY_COLUMNS:
        flow = _flow(column)
        fig.add_bar(x=months, y=monthly[column].round(1).to_numpy(), name=lang.text(f"series.{flow}"),
                    marker_color=COLOURS[flow])
    # full numbers with group separators, not SI suffixes ("20k") that read as English
    fig.update_yaxes(title_text=lang.text("axis.energy_kwh"), tickformat=",d")
    fig.update_xaxes(title_text=lang.text("axis.month"))
    return _layout(fig, 420, barmode="group")


def typical_days_figure(profiles: list[tuple[str, pd.DataFrame]], lang: Language) -> go.Figure:
    """Stacked mean profiles by hour of day, one panel per season: supply above zero, demand below [kW]."""
    fig = make_subplots(rows=1, cols=len(profiles), shared_yaxes=True, subplot_titles=[t for t, _ in profiles],
                        horizontal_spacing=0.04)
    for col, (_, profile) in enumerate(profiles, start=1):
        hours = profile.index.to_numpy()
        for group, columns, sign in (("supply", SUPPLY_COLUMNS, 1.0), ("demand", DEMAND_COLUMNS, -1.0)):
            for column in columns:
                flow = _flow(column)
                values = sign * profile[column].to_numpy()
                if not np.any(np.abs(values) > 1e-9):
                    continue
                fig.add_scatter(x=hours, y=np.round(values, 3), mode="lines", stackgroup=f"{group}{col}",
                                name=lang.text(f"series.{flow}"), legendgroup=flow, showlegend=col == 1,
                                line={"width": 0.5, "color": COLOURS[flow]}, fillcolor=COLOURS[flow],
                                row=1, col=col)
        fig.update_xaxes(title_text=lang.text("axis.hour"), dtick=3, range=[0, 24 - (hours[1] - hours[0])],
                         row=1, col=col)
    fig.update_yaxes(title_text=lang.text("axis.power_supply_demand_kw"), row=1, col=1)
    return _layout(fig, 440)


def soc_heatmap_figure(soc_ratio: pd.DataFrame, lang: Language) -> go.Figure:
    """Heat map of the batteries' state of charge: day of the period (rows) × hour (columns) [%]."""
    z = np.round(100.0 * soc_ratio.to_numpy(), 1)
    days = [d.strftime("%Y-%m-%d") for d in soc_ratio.index]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(soc_ratio.columns), y=days, zmin=0, zmax=100, colorscale="Viridis",
        colorbar={"title": {"text": lang.text("axis.soc_pct")}},
        hovertemplate=f"%{{y}} %{{x}}:00<br>{lang.text('axis.soc_pct')} %{{z}}<extra></extra>",
    ))
    fig.update_xaxes(title_text=lang.text("axis.hour"), dtick=3)
    fig.update_yaxes(title_text=lang.text("axis.day"), autorange="reversed")
    return _layout(fig, 520)


def homes_figure(self_sufficiency_ratio: np.ndarray, bill: np.ndarray, bill_title: str, lang: Language) -> go.Figure:
    """Histograms of the homes' self-sufficiency [%] and annual bill (or net energy cost) [currency]."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[lang.text("chart.homes_self_sufficiency"), bill_title],
                        horizontal_spacing=0.1)
    fig.add_histogram(x=np.round(100.0 * np.asarray(self_sufficiency_ratio), 2), marker_color=COLOURS["pv"],
                      name=lang.text("axis.self_sufficiency_pct"), showlegend=False, row=1, col=1)
    fig.add_histogram(x=np.round(np.asarray(bill, dtype=float), 2), marker_color=COLOURS["grid_import"],
                      name=bill_title, showlegend=False, row=1, col=2)
    fig.update_xaxes(title_text=lang.text("axis.self_sufficiency_pct"), row=1, col=1)
    fig.update_xaxes(title_text=bill_title, tickformat=",d", row=1, col=2)
    fig.update_yaxes(title_text=lang.text("axis.homes"), row=1, col=1)
    return _layout(fig, 380, bargap=0.05)


def survival_figure(curves: pd.DataFrame, lang: Language) -> go.Figure:
    """Probability of surviving an outage at least h hours [%], shared district vs each home alone."""
    fig = go.Figure()
    for case in curves.columns:
        colour, dash = SURVIVAL_STYLES[case]
        fig.add_scatter(x=curves.index.to_numpy(), y=np.round(100.0 * curves[case].to_numpy(), 2), mode="lines",
                        line={"shape": "hv", "color": colour, "dash": dash}, name=lang.text(f"series.{case}"))
    fig.update_xaxes(title_text=lang.text("axis.outage_h"), range=[0, float(curves.index.max())])
    fig.update_yaxes(title_text=lang.text("axis.survival_pct"), range=[0, 102])
    return _layout(fig, 420)


def stations_figure(ports: pd.DataFrame, lang: Language) -> go.Figure:
    """Schematic map of mobility ports: position [deg], size ∝ √trips started, colour = dock occupancy [%]."""
    trips = ports["trips_started"].to_numpy()
    size = 12.0 + 38.0 * np.sqrt(trips / trips.max()) if trips.max() > 0 else np.full(len(ports), 16.0)
    occupancy = np.round(100.0 * ports["occupancy_ratio"].to_numpy(), 1)
    fig = go.Figure(go.Scatter(
        x=ports["longitude"], y=ports["latitude"], mode="markers+text", text=ports["name"],
        textposition="top center",
        marker={"size": size, "color": occupancy, "colorscale": "YlOrRd", "cmin": 0,
                "line": {"width": 1, "color": "#333"},
                "colorbar": {"title": {"text": lang.text("axis.occupancy_pct")}}},
        customdata=np.stack([trips, occupancy], axis=1),
        hovertemplate=(f"%{{text}}<br>{lang.text('axis.trips_started')} %{{customdata[0]:,.0f}}"
                       f"<br>{lang.text('axis.occupancy_pct')} %{{customdata[1]}}<extra></extra>"),
    ))
    mean_lat = float(ports["latitude"].mean())
    # a degree of longitude is cos(latitude) as long as one of latitude
    fig.update_yaxes(title_text=lang.text("axis.latitude"), scaleanchor="x",
                     scaleratio=1.0 / max(math.cos(math.radians(mean_lat)), 0.05))
    fig.update_xaxes(title_text=lang.text("axis.longitude"))
    return _layout(fig, 480, showlegend=False)


def compare_shares_figure(table: pd.DataFrame, lang: Language) -> go.Figure:
    """Grouped bars of the compared runs' shares [%]: self-sufficiency, self-consumption, CO2 reduction."""
    metrics = ("self_sufficiency_ratio", "self_consumption_ratio", "co2_reduction_ratio", "pv_to_demand_kwh_per_kwh")
    labels = [lang.text(f"row.{m}") for m in metrics]
    fig = go.Figure()
    for i, (_, row) in enumerate(table.iterrows()):
        fig.add_bar(x=labels, y=[round(100.0 * row[m], 1) for m in metrics], name=row["site"],
                    marker_color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)])
    fig.update_yaxes(title_text=lang.text("axis.percent"))
    return _layout(fig, 400, barmode="group")


def compare_per_home_figure(table: pd.DataFrame, lang: Language) -> go.Figure:
    """Small bar charts per normalised metric: demand and PV per home, yield per kWp, CO2 per home."""
    metrics = ("demand_kwh_per_home", "pv_generation_kwh_per_home", "pv_specific_yield_kwh_per_kwp", "co2_kg_per_home")
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[lang.text(f"row.{m}") for m in metrics],
                        horizontal_spacing=0.07)
    for col, metric in enumerate(metrics, start=1):
        for i, (_, row) in enumerate(table.iterrows()):
            fig.add_bar(x=[row["site"]], y=[round(float(row[metric]), 1)], name=row["site"], legendgroup=str(i),
                        marker_color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], showlegend=col == 1,
                        row=1, col=col)
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    fig.update_annotations(font_size=12)
    return _layout(fig, 340)
