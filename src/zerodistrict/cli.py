"""The ``zerodistrict`` command line (Typer).

Exit codes: 0 ok, 1 bad input (one readable message, no traceback),
2 usage. The CLI prints; the library returns.

User text (scenario, site and group names, values quoted in an error) is
never read as rich markup: it goes into ``Text`` objects or through
:func:`_say` (``markup=False``), so ``[kW]`` or ``[/b]`` print as typed.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from zerodistrict.errors import InputError, SolverError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan, simulate and optimise zero-carbon residential districts.",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _say(console: Console, text: str) -> None:
    """Print ``text`` as it is: no markup, no highlighting."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _writing(out_dir: Path):
    """A file system that fails while the outputs are written (disk full…) is one message, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"--out {out_dir}: could not write the outputs ({exc.strerror or exc}); "
                         "nothing was written") from None


FORCE_HELP = "replace a non-empty --out folder whole (without it such a folder is refused)"


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while the numerical stack is imported (issue 11 item 7).

    Importing pandas, pvlib, scipy and linopy creates hundreds of thousands of objects, all kept alive by
    their modules, so the collector's ~450 passes during the imports free nothing; pausing it saves about a
    tenth of the import time. The collector runs again afterwards (if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _quick_exit_gc() -> None:
    """At the exit of a process that ran a simulation, skip the last collections over every object it made.

    The interpreter's shutdown collects all generations while it unloads the modules, about 0.2-0.5 s after a
    run; the operating system frees the memory anyway. :func:`gc.freeze` at exit (atexit handlers run first,
    so every handler still runs) moves the objects out of the collector's reach. Registered once."""
    if not getattr(_quick_exit_gc, "registered", False):
        atexit.register(gc.freeze)
        _quick_exit_gc.registered = True


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
            err.print(Text.assemble(("error:", "bold red"), " ", str(exc)), highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


# (label, KPI field, unit, format)
KPI_ROWS = [
    ("Homes", "n_homes", "", "{:,.0f}"),
    ("Period", "period_days", "days", "{:,.4g}"),
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
    ("Bills over the period", "bill_total", "{currency}", "{:,.0f}"),
    ("Bills over the period, baseline", "bill_total_baseline", "{currency}", "{:,.0f}"),
    ("Annual bills", "annual_bill_total", "{currency}", "{:,.0f}"),
    ("Capital cost", "capex", "{currency}", "{:,.0f}"),
    ("NPV", "npv", "{currency}", "{:,.0f}"),
    ("Payback", "payback_years", "years", "{:,.1f}"),
    ("Economics annualised from", "annualised_from_days", "days", "{:,.4g}"),
    ("Outage survival, critical load (mean)", "critical_survival_hours_mean", "h", "{:,.1f}"),
    ("Mobility trips", "mobility_trips", "", "{:,.0f}"),
    ("Mobility trips served", "mobility_trips_served_ratio", "%", "{:.1%}"),
    ("Hydrogen produced", "hydrogen_produced_kg", "kg", "{:,.0f}"),
    ("Hydrogen offtake", "hydrogen_demand_kg", "kg", "{:,.0f}"),
    ("Hydrogen offtake served from the tank", "hydrogen_served_ratio", "%", "{:.1%}"),
    ("Electrolyser full-load hours", "electrolyser_full_load_hours", "h", "{:,.0f}"),
    ("Levelised cost of hydrogen", "lcoh_per_kg", "{currency}/kg", "{:,.2f}"),
    ("CO2 avoided by hydrogen", "hydrogen_co2_avoided_kg", "kg", "{:,.0f}"),
]


def kpi_table(kpis, title: str) -> Table:
    table = Table(title=Text(title), title_justify="left")
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
        table.add_row(label, shown, Text(unit.format(currency=data["currency"])))
    return table


def _first_sentence(text: str | None) -> str:
    words = " ".join((text or "").split())
    head, dot, _ = words.partition(". ")
    return head + "." if dot else words


@app.command()
def presets() -> None:
    """List the built-in scenarios (name, homes, site, and the first sentence of the description), then the roadmaps."""
    from zerodistrict.scenario import list_presets, load_scenario

    table = Table(title="Built-in scenarios", title_justify="left", show_lines=True)
    table.add_column("name", no_wrap=True)  # names are typed back: never cut or wrapped
    table.add_column("homes", justify="right", no_wrap=True)
    table.add_column("site and description", ratio=1)
    for name in list_presets():
        sc = load_scenario(name)
        about = Text(sc.site.name, style="bold")
        description = _first_sentence(sc.description)
        if description:
            about.append("\n" + description, style="")
        table.add_row(Text(name), str(sc.n_homes), about)
    out.print(table)
    from zerodistrict.roadmap import list_roadmap_presets, load_roadmap

    roadmaps = Table(title="Roadmaps (zerodistrict roadmap NAME)", title_justify="left", show_lines=True)
    roadmaps.add_column("name", no_wrap=True)
    roadmaps.add_column("years", no_wrap=True)
    roadmaps.add_column("city and description", ratio=1)
    for name in list_roadmap_presets():
        spec, _ = load_roadmap(name)
        about = Text(spec.city.name, style="bold")
        description = _first_sentence(spec.description)
        if description:
            about.append("\n" + description, style="")
        roadmaps.add_row(Text(name), f"{spec.start_year}–{spec.end_year}", about)
    out.print(roadmaps)


@app.command()
@_input_errors
def validate(file: str = typer.Argument(..., help="scenario YAML file, preset name, or - for stdin")) -> None:
    """Check a scenario: the schema, then every check of run that needs no simulation (files, weather, outages,
    economics); exit 1 with a clear message if it is wrong. "ok" means run will start."""
    from zerodistrict.scenario import load_scenario
    from zerodistrict.scenario.preflight import check_inputs

    sc = load_scenario(file)
    check_inputs(sc)
    _say(out, f"ok: {sc.name} — {sc.n_homes} homes at {sc.site.name}, {sc.period.year}, {sc.period.step_minutes}-minute steps")


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
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write kpis.json, timeseries.csv, homes.csv, "
                                           "report.html here (a new or empty folder, or with --force)"),
    dispatch: DispatchKind = typer.Option(DispatchKind.rule, "--dispatch", help="rule-based CEMS or optimal LP"),
    weather: Optional[Path] = typer.Option(None, "--weather", help="EPW or TMY3 file to use instead of the scenario's weather"),
    objective: Optional[str] = typer.Option(
        None, "--objective",
        help="optimal dispatch: bill (the default: the tariff's bill with monthly tiers and net metering), "
        "energy_cost (each step at its marginal price; 'cost' is its older name) or co2"),
    horizon_hours: Optional[int] = typer.Option(None, "--horizon-hours", help="optimal dispatch: rolling horizon length [h]"),
    resilience_hours: float = typer.Option(
        168.0, "--resilience-hours",
        help="longest outage the survival analysis follows, from every start hour [h]; 0 skips the analysis"),
    lang: Optional[str] = typer.Option(None, "--lang", help="language of report.html (needs --out): en, ja or ms"),
    png: bool = typer.Option(False, "--png", help="also write the key charts as PNG files (into DIR/png)"),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Simulate a district for its period and report its KPIs (with --out: files and report.html)."""
    with _gc_paused():  # the report's charts (plotly) load with --out only
        from zerodistrict.pipeline import check_dispatch_options
        from zerodistrict.pipeline import run as simulate
        from zerodistrict.report.language import get_language
        from zerodistrict.results.writers import check_out_dir
        from zerodistrict.scenario import load_scenario

    options = check_dispatch_options(dispatch.value, objective=objective, horizon_hours=horizon_hours)
    if not 0.0 <= resilience_hours <= 8760.0:  # NaN fails too
        raise InputError(f"--resilience-hours: must be 0 (no survival analysis) to 8760, got {resilience_hours:g}")
    _check_out_options(out_dir, force, png=png, lang=lang)
    lang = lang or "en"
    get_language(lang)
    sc = load_scenario(scenario)
    if weather is not None and not weather.is_file():
        raise InputError(f"--weather {weather}: file not found")
    if out_dir is not None:
        check_out_dir(out_dir, force)  # before the simulation, not after it
    if dispatch is DispatchKind.optimal:
        with _gc_paused():
            import zerodistrict.dispatch.optimal  # noqa: F401  (linopy, xarray, polars, highspy)
    _quick_exit_gc()
    with err.status(_status(sc.name, "starting")) as status:
        result = simulate(sc, dispatch=dispatch.value, weather_path=weather, resilience_hours=resilience_hours,
                          progress=lambda msg: status.update(_status(sc.name, msg)), **options)
        if out_dir is not None:
            from zerodistrict.report.html import write_report
            from zerodistrict.results.writers import write_outputs

            status.update(_status(sc.name, f"writing {out_dir}"))
            with _writing(out_dir):
                written = write_outputs(result, out_dir, force=force, extra_writers=[
                    lambda res, tmp: write_report([res], tmp / "report.html", lang=lang,
                                                  png_dir=tmp / "png" if png else None)])
    out.print(kpi_table(result.kpis, f"{sc.name} — {result.kpis.dispatch} dispatch, {sc.period.year}"))
    for note in [*result.dispatch.notes, *result.notes]:
        _say(err, f"note: {note}")
    for warning in result.warnings:
        _say(err, f"warning: {warning}")
    if out_dir is not None:
        _say(out, f"wrote {', '.join(p.name for p in written)} to {out_dir}")


def _status(name: str, message: str) -> Text:
    return Text(f"{name}: {message}")


def _check_out_options(out_dir: Optional[Path], force: bool, **needs_out) -> None:
    """Options that only shape the files of --out (--png, --lang, --force) are errors without it."""
    if out_dir is not None:
        return
    if force:
        raise InputError("--force: applies to --out DIR only (it lets a non-empty DIR be replaced)")
    for name, value in needs_out.items():
        if value:
            what = {"png": "to write the PNG files into", "lang": "for report.html, the only text it translates"}
            raise InputError(f"--{name}: needs --out DIR {what.get(name, '')}".rstrip())


@app.command()
@_input_errors
def compare(
    scenarios: list[str] = typer.Argument(..., help="two or more preset names or scenario YAMLs"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write report.html and compare.csv here "
                                           "(a new or empty folder, or with --force)"),
    lang: str = typer.Option("en", "--lang", help="language of the table and report: en, ja or ms"),
    png: bool = typer.Option(False, "--png", help="also write the key charts as PNG files (into DIR/png)"),
    dispatch: DispatchKind = typer.Option(DispatchKind.rule, "--dispatch", help="rule-based CEMS or optimal LP"),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Simulate several districts and compare them side by side (per home and per kWp), one column per scenario."""
    from zerodistrict.pipeline import run as simulate
    from zerodistrict.report import compare_results, comparison_rows, get_language, write_report
    from zerodistrict.results.writers import check_out_dir, write_comparison_outputs
    from zerodistrict.scenario import load_scenario

    language = get_language(lang)
    if len(scenarios) < 2:
        raise InputError("compare: give at least two scenarios")
    _check_out_options(out_dir, force, png=png)
    if out_dir is not None:
        check_out_dir(out_dir, force)
    loaded = [load_scenario(s) for s in scenarios]  # all validated before any is simulated
    results = []
    with err.status("starting") as status:
        for sc in loaded:
            results.append(simulate(sc, dispatch=dispatch.value,
                                    progress=lambda msg, name=sc.name: status.update(_status(name, msg))))
        table = compare_results(results)
        t = Table(title=language.text("section.compare"), title_justify="left")
        t.add_column(language.text("compare.indicator"))
        t.add_column(language.text("compare.unit"))
        for label in table.index:  # scenario names: two designs at one site stay apart
            t.add_column(Text(str(label)), justify="right")
        for label, unit, cells in comparison_rows(table, language):
            t.add_row(Text(label), Text(unit), *[Text(c) for c in cells])
        if out_dir is not None:
            status.update(Text(f"writing {out_dir}"))
            with _writing(out_dir):
                written = write_comparison_outputs(table, out_dir, force=force, extra_writers=[
                    lambda tmp: write_report(results, tmp / "report.html", lang=lang,
                                             png_dir=tmp / "png" if png else None)])
    out.print(t)
    if out_dir is not None:
        _say(out, f"wrote {', '.join(p.name for p in written)} to {out_dir}")


@app.command()
@_input_errors
def resilience(
    scenario: str = typer.Argument(..., help="preset name or scenario YAML"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write resilience.json, survival.csv, survival.png "
                                           "here (a new or empty folder, or with --force)"),
    max_hours: float = typer.Option(168.0, "--max-hours", help="longest outage simulated [h]"),
    dispatch: DispatchKind = typer.Option(DispatchKind.rule, "--dispatch", help="dispatch whose states of charge start each outage"),
    weather: Optional[Path] = typer.Option(None, "--weather", help="EPW or TMY3 file"),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Outage survival for every start hour: the sharing district against the same homes alone."""
    from zerodistrict.pipeline import run as simulate
    from zerodistrict.results.writers import check_out_dir, write_resilience_outputs
    from zerodistrict.scenario import load_scenario

    if max_hours <= 0:
        raise InputError(f"--max-hours: must be > 0, got {max_hours}")
    _check_out_options(out_dir, force)
    sc = load_scenario(scenario)
    if sc.n_homes == 0:
        raise InputError(f"{scenario}: has no homes; outage survival needs at least one home group")
    if weather is not None and not weather.is_file():
        raise InputError(f"--weather {weather}: file not found")
    if out_dir is not None:
        check_out_dir(out_dir, force)
    with err.status(_status(sc.name, "starting")) as status:
        result = simulate(sc, dispatch=dispatch.value, weather_path=weather, resilience_hours=max_hours,
                          progress=lambda msg: status.update(_status(sc.name, msg)))
    survival = result.resilience
    data = survival.to_json_dict()
    table = Table(title=Text(f"{sc.name} — outage survival over {data['n_start_steps']:,} start steps "
                             f"(max {max_hours:g} h)"), title_justify="left")
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
        with _writing(out_dir):
            written = write_resilience_outputs(survival, out_dir, force=force)
        _say(out, f"wrote {', '.join(p.name for p in written)} to {out_dir}")


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
        with _writing(out_file):
            write_text_output(text, out_file)
        _say(out, f"wrote {out_file}")


# --------------------------------------------------------------------------- results store

results_app = typer.Typer(no_args_is_help=True, help="The results store of sweeps: list, show, export, report.")
app.add_typer(results_app, name="results")

STORE_HELP = "results store URL: sqlite:///FILE.db or postgresql+psycopg://USER@HOST/DB [default: sqlite:///zerodistrict.db]"


def _sweep_id(store, sweep: str) -> int:
    """A sweep's id from ``latest`` or a number; an unknown id names the store's sweeps."""
    if sweep == "latest":
        return store.latest_sweep_id()
    try:
        sweep_id = int(sweep)
    except ValueError:
        raise InputError(f"SWEEP_ID {sweep}: give a sweep's id (zerodistrict results list) or latest") from None
    store.sweep(sweep_id)  # InputError when it is not stored
    return sweep_id


def _open_for_reading(url: Optional[str]):
    from zerodistrict.results.store import open_store

    return open_store(url, create=False)


@results_app.command("list")
@_input_errors
def results_list(store_url: Optional[str] = typer.Option(None, "--store", help=STORE_HELP)) -> None:
    """List the sweeps in the store: id, name, designs stored, created (UTC)."""
    with _open_for_reading(store_url) as store:
        sweeps = store.sweeps()
        if sweeps.empty:
            _say(out, f"{store.url}: no sweeps stored yet")
            return
        table = Table(title=Text(f"Sweeps in {store.url}"), title_justify="left")
        for name, justify in (("id", "right"), ("name", "left"), ("designs", "right"), ("parameters", "left"),
                              ("created (UTC)", "left")):
            table.add_column(name, justify=justify)
        for row in sweeps.itertuples():
            table.add_row(str(row.id), Text(str(row.name)), f"{row.designs:,}", Text(", ".join(row.parameters)),
                          f"{row.created:%Y-%m-%d %H:%M}")
    out.print(table)


@results_app.command("show")
@_input_errors
def results_show(
    sweep: str = typer.Argument("latest", help="sweep id or latest"),
    store_url: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """A sweep's parameters (values swept) and a summary of its designs' KPIs (min, median, max)."""
    with _open_for_reading(store_url) as store:
        sweep_id = _sweep_id(store, sweep)
        stored = store.sweep(sweep_id)
        table = store.export(sweep_id)
    _say(out, f"sweep {sweep_id}: {stored['name']} — {len(table):,} designs stored, created {stored['created_at']:%Y-%m-%d %H:%M} UTC")
    params = Table(title="Parameters", title_justify="left")
    params.add_column("field path")
    params.add_column("values", justify="right")
    params.add_column("range")
    for path in stored["parameters"]:
        values = table[path].dropna() if path in table else []
        if len(values) and _is_number_column(values):
            shown = f"{values.min():,.6g} … {values.max():,.6g}"
        else:
            shown = ", ".join(sorted(map(str, set(values))))[:80]
        params.add_row(Text(path), f"{len(set(values)):,}", Text(shown))
    out.print(params)
    if table.empty:
        return
    summary = Table(title="KPIs over the designs", title_justify="left")
    for name, justify in (("KPI", "left"), ("min", "right"), ("median", "right"), ("max", "right"), ("unit", "left")):
        summary.add_column(name, justify=justify)
    currency = str(table["currency"].iloc[0]) if "currency" in table else ""
    for label, key, unit, fmt in KPI_ROWS:
        if key not in table or not _is_number_column(table[key]):
            continue
        column = table[key].dropna()
        cells = [fmt.format(v) for v in (column.min(), column.median(), column.max())]
        summary.add_row(label, *cells, Text("" if unit == "%" else unit.format(currency=currency)))
    out.print(summary)


def _is_number_column(values) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(values)


@results_app.command("export")
@_input_errors
def results_export(
    sweep: str = typer.Argument("latest", help="sweep id or latest"),
    out_file: Path = typer.Option(..., "--out", help="FILE.csv or FILE.parquet: one row per design"),
    store_url: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Write a sweep's designs: `design`, one column per swept field path, then every KPI."""
    from zerodistrict.results.writers import write_table_output

    if out_file.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--out {out_file}: give a .csv or .parquet file name")
    with _open_for_reading(store_url) as store:
        sweep_id = _sweep_id(store, sweep)
        table = store.export(sweep_id)
    try:
        with _writing(out_file):
            write_table_output(table, out_file)
    except ImportError as exc:  # pandas' Parquet writer needs pyarrow (the [store] extra)
        raise InputError(f"--out {out_file}: {exc}; pip install 'zerodistrict[store]'") from None
    _say(out, f"wrote {len(table):,} designs of sweep {sweep_id} to {out_file}")


@results_app.command("report")
@_input_errors
def results_report(
    sweep: str = typer.Argument(..., help="sweep id or latest"),
    out_dir: Path = typer.Option(..., "--out", help="write report.html and best/*.yaml here "
                                 "(a new or empty folder, or with --force)"),
    store_url: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """A sweep's report: Pareto fronts, parallel coordinates, tornado chart, best designs as runnable YAML."""
    from zerodistrict.report.sweep import write_sweep_report_files
    from zerodistrict.results.writers import check_out_dir, staged_output

    check_out_dir(out_dir, force)
    with _open_for_reading(store_url) as store:
        sweep_id = _sweep_id(store, sweep)
        stored = store.sweep(sweep_id)
        table = store.export(sweep_id)
    with _writing(out_dir), staged_output(out_dir, force) as (tmp, written):
        write_sweep_report_files(stored, table, tmp)
    _say(out, f"wrote {', '.join(p.name for p in written)} to {out_dir}")


@app.command()
@_input_errors
def sweep(
    sweep_file: Path = typer.Argument(..., help="sweep YAML: base, parameters (lists, ranges, distributions), dispatch"),
    store: Optional[str] = typer.Option(None, "--store", help="results store URL (default sqlite:///zerodistrict.db "
                                        "here; postgresql+psycopg://… works the same)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="address of a running Dask scheduler "
                                            "(tcp://HOST:PORT); default: a local cluster on this machine"),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="worker processes of the local cluster "
                                          "(default: this machine's cores)"),
) -> None:
    """Simulate every design of a sweep on Dask and store its KPIs; a rerun computes only the designs not stored."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from zerodistrict.design.sweep import run_sweep
    from zerodistrict.design.sweep_spec import plan_sweep

    with err.status(Text(f"{sweep_file}: checking every design")):
        plan = plan_sweep(sweep_file)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=err)
    task = None
    started = {}

    def on_start(info) -> None:
        nonlocal task
        _say(out, f"sweep {info.name} (id {info.sweep_id}): {info.designs} designs, {info.stored} already stored, "
                  f"{info.to_compute} to compute in {info.batches} batches on {info.workers} workers "
                  f"({info.sites} site profile{'s' if info.sites != 1 else ''} shared)")
        if info.to_compute:
            _say(out, f"dashboard: {info.dashboard_link}" if info.dashboard_link else
                 "dashboard: not served (pip install bokeh to get Dask's dashboard)")
        started["t"] = time.perf_counter()
        if info.to_compute:
            task = bar.add_task("designs", total=info.to_compute, rate="")
            bar.start()

    def on_progress(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started["t"], 1e-9)
        bar.update(task, completed=done, rate=f"{rate:,.1f} designs/s")

    try:
        outcome = run_sweep(plan, store=store, scheduler=scheduler, workers=workers,
                            on_start=on_start, on_progress=on_progress)
    except KeyboardInterrupt:
        bar.stop()
        _say(err, "interrupted: every finished batch is stored; run the same command again to compute the rest")
        raise typer.Exit(130) from None
    finally:
        bar.stop()
    computed = len(outcome.computed_keys)
    _say(out, f"stored {computed} new designs ({outcome.stored_before} were already stored) of sweep "
              f"{outcome.sweep_id} in {outcome.seconds:,.1f} s; export them with: zerodistrict results export "
              f"{outcome.sweep_id} --out FILE.csv")


from zerodistrict.commands import roadmap as _roadmap_command  # noqa: E402  (uses the helpers above)
app.command(name="roadmap")(_roadmap_command.roadmap)
from zerodistrict.commands import size as _size_command  # noqa: E402  (uses the helpers above)
app.command(name="size")(_size_command.size)
from zerodistrict.commands import serve as _serve_command  # noqa: E402  (uses the helpers above)
app.command(name="serve")(_serve_command.serve)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
