"""``zerodistrict size``: design a district at least life-cycle cost (or CO2) for targets.

Prints the chosen sizes, the costs and the targets; with ``--out DIR`` writes ``sizing.json``,
``sized.yaml`` (``zerodistrict run DIR/sized.yaml --dispatch optimal`` reproduces the figures) and
``sizing.html`` (the report section), all or nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from zerodistrict.errors import InputError

# The helpers of zerodistrict.cli are imported when the command runs, not here: cli.py imports this module at its
# end, and under `python -m zerodistrict.cli` a top-level import of zerodistrict.cli would load cli.py a second
# time and come back here before `size` exists.


def _json_safe(value):
    """NaN and infinity as null: sizing.json stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def size(
    scenario: str = typer.Argument(..., help="preset name or scenario YAML with a 'sizing' block"),
    target: list[str] = typer.Option([], "--target", help="self_sufficiency_ratio>=x, co2_reduction_ratio>=x, "
                                     "capex<=x, grid_export_kwh<=x, net_zero, hydrogen_served_ratio>=x, "
                                     "critical_survival_hours_p50>=H (median over every outage start), "
                                     "critical_survival_hours>=H (every start) or survive_24h_probability>=x "
                                     "(repeat for several)"),
    objective: str = typer.Option("cost", "--objective", help="cost (annualised capital + bill) or co2"),
    typical_days: int | None = typer.Option(None, "--typical-days", help="cluster the year into N typical days "
                                               "(tsam) for a small LP; the sized design is re-simulated over the year"),
    out_dir: Path | None = typer.Option(None, "--out", help="write sizing.json, sized.yaml and sizing.html here "
                                           "(a new or empty folder, or with --force)"),
    lang: str | None = typer.Option(None, "--lang", help="language of sizing.html (needs --out): en, ja or ms"),
    pareto: str | None = typer.Option(None, "--pareto", help="cost,co2 or cost,survival: also the cost–CO2 or "
                                         "cost–survival front by the ε-constraint method (pareto.csv and a chart in "
                                         "sizing.html)"),
    pareto_points: int = typer.Option(6, "--pareto-points", help="points of the front, both ends included"),
    resimulate_horizon: int | None = typer.Option(
        None, "--resimulate-horizon", help="re-simulate the sized design over the year with a rolling horizon of "
        "this many hours (as run --horizon-hours; at least 24) instead of perfect foresight: the targets are checked "
        "under a look-ahead controller, and a large lossy district is re-simulated in seconds, not minutes"),
    solve_by: str = typer.Option("auto", "--solve-by", help="how the sizing LP is solved: auto (Benders "
                                 "decomposition on the capacities for a full year or a long period, else one LP), "
                                 "benders, or lp (one LP by interior point); the optimum is the same to 1e-7"),
    compare_given: bool = typer.Option(True, "--compare/--no-compare",
                                       help="also cost the scenario's own design the same way"),
    force: bool = typer.Option(False, "--force", help="replace a non-empty --out folder whole (without it such a "
                               "folder is refused)"),
) -> None:
    """Size PV and batteries within the scenario's 'sizing' bounds at least annualised cost, for targets."""
    from zerodistrict import cli

    return cli._input_errors(_size)(scenario, target, objective, typical_days, out_dir, lang, pareto, pareto_points,
                                    compare_given, force, resimulate_horizon, solve_by)


def _size(scenario, target, objective, typical_days, out_dir, lang, pareto, pareto_points, compare_given,
          force, resimulate_horizon=None, solve_by="auto") -> None:
    from zerodistrict.design.own_process import OwnDesignProcess

    # started first, so that its imports overlap this command's own on the other core
    own_process = OwnDesignProcess() if compare_given and OwnDesignProcess.worthwhile() else None
    try:
        _size_with(scenario, target, objective, typical_days, out_dir, lang, pareto, pareto_points, compare_given,
                   force, resimulate_horizon, solve_by, own_process)
    finally:
        if own_process is not None:
            own_process.close()


def _size_with(scenario, target, objective, typical_days, out_dir, lang, pareto, pareto_points, compare_given,
               force, resimulate_horizon, solve_by, own_process) -> None:
    from zerodistrict.cli import _check_out_options, _say, _status, _writing, err, out
    from zerodistrict.design.pareto import pareto_front, parse_pair
    from zerodistrict.design.sizing_run import check_method, check_resimulate_horizon
    from zerodistrict.design.sizing_run import size as run_sizing
    from zerodistrict.report import get_language
    from zerodistrict.report.sizing import pareto_svg, write_sizing_html
    from zerodistrict.results.writers import check_out_dir, staged_output
    from zerodistrict.scenario import load_scenario
    from zerodistrict.scenario.loading import dump_scenario

    if objective not in ("cost", "co2"):
        raise InputError(f"--objective: use cost or co2, got {objective!r}")
    if pareto is not None:
        parse_pair(pareto)
    check_resimulate_horizon(resimulate_horizon)
    check_method(solve_by)
    _check_out_options(out_dir, force, lang=lang)
    lang = lang or "en"
    get_language(lang)
    sc = load_scenario(scenario)
    if out_dir is not None:
        check_out_dir(out_dir, force)
    with err.status(_status(sc.name, "starting")) as status:
        outcome = run_sizing(sc, target, objective, typical_days=typical_days, compare_given=compare_given,
                             progress=lambda msg: status.update(_status(sc.name, msg)),
                             resimulate_horizon_hours=resimulate_horizon, method=solve_by, own_process=own_process)
        data = _json_safe(outcome.to_json_dict())
        front = None
        if pareto is not None:
            front = pareto_front(sc, pareto, pareto_points, target, typical_days,
                                 progress=lambda msg: status.update(_status(sc.name, msg)),
                                 resimulate_horizon_hours=resimulate_horizon, method=solve_by)
        if out_dir is not None:
            status.update(_status(sc.name, f"writing {out_dir}"))
            with _writing(out_dir), staged_output(out_dir, force) as (tmp, written):
                (tmp / "sizing.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")
                (tmp / "sized.yaml").write_text(dump_scenario(outcome.sized), encoding="utf-8")
                svg = None
                if front is not None:
                    front.to_csv(tmp / "pareto.csv", index=False)
                    svg = pareto_svg(front, sc.grid.currency, x_label=get_language(lang).text(
                        "survival_sizing_axis_probability" if "survival_value" in front else "survival_sizing_axis_hours"))
                write_sizing_html(data, tmp / "sizing.html", lang=lang, pareto_svg=svg)
    _print(data)
    if front is not None:
        x_col = next((c for c in ("survival_hours", "survival_value") if c in front), "co2_kg")
        _say(out, f"pareto front (cost, {'co2' if x_col == 'co2_kg' else 'survival'}):\n" + front[
            ["point", "annual_cost", x_col, "capex"]].to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    for note in outcome.notes:
        _say(err, f"note: {note}")
    if out_dir is not None:
        _say(out, f"wrote {', '.join(p.name for p in written)} to {out_dir}")


def _print(data: dict) -> None:
    from zerodistrict.cli import _say, out

    cur = data["currency"]
    t = Table(title=Text(f"{data['scenario']} — sizes (objective {data['objective']})"), title_justify="left")
    for col in ("part", "size", "value", "unit"):
        t.add_column(col, justify="right" if col == "value" else "left")
    for part in ("homes", "community", "line", "evs"):
        for name, items in data["sizes"].get(part, {}).items():
            for key, d in items.items():
                t.add_row(Text(name), key, f"{d['value']:,.3f}", d["unit"])
    out.print(t)
    c = Table(title=f"costs over the period [{cur}]", title_justify="left")
    c.add_column("item")
    c.add_column(cur, justify="right")
    rows = [("capital cost (capex)", data["capex"]), ("annualised capital + O&M", data["annual_capital"]),
            ("operating cost (bill)", data["operating_cost"]), ("annualised cost", data["annual_cost"]),
            ("life-cycle cost (present value)", data["life_cycle_cost"])]
    if data.get("given_design"):
        rows.append(("annualised cost of the scenario's own design", data["given_design"]["annual_cost"]))
    if data.get("full_year"):
        rows.append(("annualised cost, full-year re-simulation", data["full_year"]["annual_cost"]))
    for label, value in rows:
        c.add_row(label, "—" if value is None else f"{value:,.0f}")
    out.print(c)
    if data["targets"]:
        g = Table(title="targets", title_justify="left")
        for col in ("target", "LP", "full year", "holds", "cost of one more unit"):
            g.add_column(col)
        for r in data["targets"]:
            dual = r.get("cost_of_one_more_unit")
            g.add_row(Text(r["target"]), "—" if r["lp_value"] is None else f"{r['lp_value']:.4g}",
                      "—" if r.get("full_year_value") is None else f"{r['full_year_value']:.4g}",
                      {True: "yes", False: "NO", None: "—"}[r.get("holds")],
                      "—" if dual is None else f"{dual:,.0f} {cur} {r['unit']}")
        out.print(g)
    if (data.get("full_year") or {}).get("reproduce"):
        _say(out, f"full-year re-simulation: {data['full_year']['dispatch']}; reproduce: "
                  f"{data['full_year']['reproduce']}")
    if data.get("typical") and data["typical"].get("gap_ratio") is not None:
        _say(out, f"typical days: objective gap to the full-year re-simulation {100 * data['typical']['gap_ratio']:+.2f} %")
