"""The ``zerodistrict`` command line (Typer).

Exit codes: 0 ok, 1 bad input (one readable message, no traceback),
2 usage. The CLI prints; the library returns.
"""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

from zerodistrict.errors import InputError, SolverError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan, simulate and optimise zero-carbon residential districts.",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class DispatchKind(str, Enum):
    rule = "rule"
    optimal = "optimal"


def _input_errors(func: Callable) -> Callable:
    """Turn bad input, or an optimisation the scenario makes infeasible, into one message on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (InputError, SolverError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


# (label, KPI field, unit, format)
KPI_ROWS = [
    ("Homes", "n_homes", "", "{:,.0f}"),
    ("Load", "load_kwh", "kWh", "{:,.0f}"),
    ("EV charging", "ev_charge_kwh", "kWh", "{:,.0f}"),
    ("PV capacity", "pv_kwp", "kWp", "{:,.1f}"),
    ("PV generation", "pv_generation_kwh", "kWh", "{:,.0f}"),
    ("PV specific yield", "pv_specific_yield_kwh_per_kwp", "kWh/kWp", "{:,.0f}"),
    ("Grid import", "grid_import_kwh", "kWh", "{:,.0f}"),
    ("Grid export", "grid_export_kwh", "kWh", "{:,.0f}"),
    ("Shared between homes", "shared_kwh", "kWh", "{:,.0f}"),
    ("Battery discharge", "battery_discharge_kwh", "kWh", "{:,.0f}"),
    ("Curtailed", "curtailed_kwh", "kWh", "{:,.0f}"),
    ("Unserved", "unserved_kwh", "kWh", "{:,.1f}"),
    ("Self-consumption", "self_consumption_ratio", "%", "{:.1%}"),
    ("Self-sufficiency", "self_sufficiency_ratio", "%", "{:.1%}"),
    ("CO2", "co2_kg", "kg", "{:,.0f}"),
    ("CO2 baseline (no PV, no batteries)", "co2_baseline_kg", "kg", "{:,.0f}"),
    ("CO2 reduction", "co2_reduction_ratio", "%", "{:.1%}"),
    ("Net energy cost", "net_energy_cost", "{currency}", "{:,.0f}"),
    ("Net energy cost baseline", "net_energy_cost_baseline", "{currency}", "{:,.0f}"),
    ("Annual bills", "annual_bill_total", "{currency}", "{:,.0f}"),
    ("Capital cost", "capex", "{currency}", "{:,.0f}"),
    ("NPV", "npv", "{currency}", "{:,.0f}"),
    ("Payback", "payback_years", "years", "{:,.1f}"),
    ("Outage survival, critical load (mean)", "critical_survival_hours_mean", "h", "{:,.1f}"),
    ("Mobility trips", "mobility_trips", "", "{:,.0f}"),
    ("Mobility trips served", "mobility_trips_served_ratio", "%", "{:.1%}"),
]


def kpi_table(kpis, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    table.add_column("unit")
    data = kpis.model_dump()
    for label, key, unit, fmt in KPI_ROWS:
        value = data.get(key)
        if value is None:
            continue
        shown = fmt.format(value)
        if unit == "%":
            unit = ""
        table.add_row(label, shown, unit.format(currency=data["currency"]))
    return table


@app.command()
def presets() -> None:
    """List the built-in scenarios."""
    from zerodistrict.scenario import list_presets, load_scenario

    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("site")
    table.add_column("homes", justify="right")
    table.add_column("description")
    for name in list_presets():
        sc = load_scenario(name)
        table.add_row(name, sc.site.name, str(sc.n_homes), sc.description.strip().splitlines()[0] if sc.description else "")
    out.print(table)


@app.command()
@_input_errors
def validate(file: str = typer.Argument(..., help="scenario YAML file, preset name, or - for stdin")) -> None:
    """Check a scenario against the schema; exit 1 with a clear message if it is wrong."""
    from zerodistrict.scenario import load_scenario

    sc = load_scenario(file)
    out.print(f"ok: {sc.name} — {sc.n_homes} homes at {sc.site.name}, {sc.period.year}, {sc.period.step_minutes}-minute steps")


@app.command()
def schema(
    markdown: bool = typer.Option(False, "--markdown", help="the field reference docs/scenario.md instead"),
) -> None:
    """Print the JSON Schema of a scenario file (with --markdown: the field reference, docs/scenario.md)."""
    if markdown:
        from zerodistrict.scenario.reference import markdown_reference

        sys.stdout.write(markdown_reference())
    else:
        import json

        from zerodistrict.scenario.reference import json_schema

        sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command()
@_input_errors
def run(
    scenario: str = typer.Argument(..., help="preset name or scenario YAML"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write kpis.json, timeseries.csv, homes.csv here"),
    dispatch: DispatchKind = typer.Option(DispatchKind.rule, "--dispatch", help="rule-based CEMS or optimal LP"),
    weather: Optional[Path] = typer.Option(None, "--weather", help="EPW or TMY3 file to use instead of the scenario's weather"),
    objective: str = typer.Option(
        "bill", "--objective",
        help="optimal dispatch: bill (the tariff's bill with monthly tiers and net metering), "
        "energy_cost (each step at its marginal price; 'cost' is its older name) or co2"),
    horizon_hours: Optional[int] = typer.Option(None, "--horizon-hours", help="optimal dispatch: rolling horizon length [h]"),
    lang: str = typer.Option("en", "--lang", help="report language: en, ja or ms"),
    png: bool = typer.Option(False, "--png", help="also write the key charts as PNG files (into DIR/png)"),
) -> None:
    """Simulate a district for its period and report its KPIs (with --out: files and report.html)."""
    from zerodistrict.report import get_language, write_report
    from zerodistrict.results.writers import write_outputs
    from zerodistrict.scenario import load_scenario
    from zerodistrict.pipeline import run as simulate

    get_language(lang)
    if png and out_dir is None:
        raise InputError("--png: needs --out DIR to write the PNG files into")
    sc = load_scenario(scenario)
    if weather is not None and not weather.is_file():
        raise InputError(f"--weather {weather}: file not found")
    options = {}
    if dispatch is DispatchKind.optimal:
        if objective not in ("bill", "energy_cost", "cost", "co2"):
            raise InputError(f"--objective: {objective!r} is not one of bill, energy_cost (or cost), co2")
        options = {"objective": objective, "horizon_hours": horizon_hours}
    with err.status(f"{sc.name}: starting") as status:
        result = simulate(sc, dispatch=dispatch.value, weather_path=weather,
                          progress=lambda msg: status.update(f"{sc.name}: {msg}"), **options)
        if out_dir is not None:
            status.update(f"{sc.name}: writing {out_dir}")
            written = write_outputs(result, out_dir, extra_writers=[
                lambda res, tmp: write_report([res], tmp / "report.html", lang=lang,
                                              png_dir=tmp / "png" if png else None)])
    out.print(kpi_table(result.kpis, f"{sc.name} — {result.kpis.dispatch} dispatch, {sc.period.year}"))
    for note in result.dispatch.notes:
        err.print(f"note: {note}")
    if out_dir is not None:
        out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}")


@app.command()
@_input_errors
def compare(
    scenarios: list[str] = typer.Argument(..., help="two or more preset names or scenario YAMLs"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write report.html and compare.csv here"),
    lang: str = typer.Option("en", "--lang", help="report language: en, ja or ms"),
    png: bool = typer.Option(False, "--png", help="also write the key charts as PNG files (into DIR/png)"),
    dispatch: DispatchKind = typer.Option(DispatchKind.rule, "--dispatch", help="rule-based CEMS or optimal LP"),
) -> None:
    """Simulate several districts and compare them side by side (per home and per kWp)."""
    from zerodistrict.report import compare_results, comparison_cells, get_language, write_report
    from zerodistrict.results.writers import write_comparison_outputs
    from zerodistrict.scenario import load_scenario
    from zerodistrict.pipeline import run as simulate

    language = get_language(lang)
    if len(scenarios) < 2:
        raise InputError("compare: give at least two scenarios")
    if png and out_dir is None:
        raise InputError("--png: needs --out DIR to write the PNG files into")
    loaded = [load_scenario(s) for s in scenarios]  # all validated before any is simulated
    results = []
    with err.status("starting") as status:
        for sc in loaded:
            results.append(simulate(sc, dispatch=dispatch.value,
                                    progress=lambda msg, name=sc.name: status.update(f"{name}: {msg}")))
        table = compare_results(results)
        t = Table(title=language.text("section.compare"), title_justify="left")
        t.add_column(language.text("compare.indicator"))
        for site in table["site"]:
            t.add_column(str(site), justify="right")
        for label, cells in comparison_cells(table, language):
            t.add_row(label, *cells)
        if out_dir is not None:
            status.update(f"writing {out_dir}")
            written = write_comparison_outputs(table, out_dir, extra_writers=[
                lambda tmp: write_report(results, tmp / "report.html", lang=lang,
                                         png_dir=tmp / "png" if png else None)])
    out.print(t)
    if out_dir is not None:
        out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}")


@app.command()
@_input_errors
def resilience(
    scenario: str = typer.Argument(..., help="preset name or scenario YAML"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write resilience.json, survival.csv, survival.png"),
    max_hours: float = typer.Option(168.0, "--max-hours", help="longest outage simulated [h]"),
    dispatch: DispatchKind = typer.Option(DispatchKind.rule, "--dispatch", help="dispatch whose states of charge start each outage"),
    weather: Optional[Path] = typer.Option(None, "--weather", help="EPW or TMY3 file"),
) -> None:
    """Outage survival for every start hour: the sharing district against the same homes alone."""
    from zerodistrict.results.writers import write_resilience_outputs
    from zerodistrict.scenario import load_scenario
    from zerodistrict.pipeline import run as simulate

    if max_hours <= 0:
        raise InputError(f"--max-hours: must be > 0, got {max_hours}")
    sc = load_scenario(scenario)
    if sc.n_homes == 0:
        raise InputError(f"{scenario}: has no homes; outage survival needs at least one home group")
    with err.status(f"{sc.name}: starting") as status:
        result = simulate(sc, dispatch=dispatch.value, weather_path=weather, resilience_hours=max_hours,
                          progress=lambda msg: status.update(f"{sc.name}: {msg}"))
    survival = result.resilience
    data = survival.to_json_dict()
    table = Table(title=f"{sc.name} — outage survival over {data['n_start_steps']:,} start steps (max {max_hours:g} h)",
                  title_justify="left")
    table.add_column("")
    table.add_column("shared district", justify="right")
    table.add_column("homes alone (first to fail)", justify="right")
    table.add_column("unit")
    rows = [("critical load, median", "critical_survival_hours_p50", "h"),
            ("critical load, mean", "critical_survival_hours_mean", "h"),
            ("critical load, P(≥ 24 h)", "survive_24h_probability", "%"),
            ("critical load, P(≥ 72 h)", "survive_72h_probability", "%"),
            ("full load, median", "full_survival_hours_p50", "h"),
            ("full load, P(≥ 24 h)", "full_survive_24h_probability", "%")]
    for label, key, unit in rows:
        shown = [data[case].get(key) for case in ("shared", "alone")]
        fmt = (lambda v: f"{v:.0%}") if unit == "%" else (lambda v: f"{v:,.1f}")
        table.add_row(label, *[fmt(v) if v is not None else "–" for v in shown], "" if unit == "%" else unit)
    out.print(table)
    if out_dir is not None:
        written = write_resilience_outputs(survival, out_dir)
        out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}")


@app.command()
@_input_errors
def gbfs(
    feed_dir: Path = typer.Argument(..., help="folder of a GBFS 2.3/3.0 feed: station_information.json, "
                                               "station_status.json, vehicle_types.json"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="write the YAML to this file instead of printing it"),
    trips_per_day: Optional[float] = typer.Option(None, "--trips-per-day", min=0,
                                                  help="weekday trip requests (GBFS has no demand; else left to fill in)"),
    language: str = typer.Option("ja", "--language", help="language of localized port names (GBFS 3.0)"),
) -> None:
    """Ports and fleet of a GBFS feed as a scenario `mobility:` section (YAML), checked by loading it back."""
    from zerodistrict.mobility.gbfs import gbfs_mobility_yaml
    from zerodistrict.results.writers import write_text_output

    text = gbfs_mobility_yaml(feed_dir, trips_per_day=trips_per_day, language=language)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        write_text_output(text, out_file)
        out.print(f"wrote {out_file}")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
