"""``zerodistrict roadmap``: a city's road to 2050 from a roadmap preset or file (roadmap.csv, report.html)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

#: as zerodistrict.cli.FORCE_HELP (not imported here: cli imports this module at its end, also when it runs as
#: ``python -m zerodistrict.cli``, where a module-level import of cli would find it half-initialised)
FORCE_HELP = "replace a non-empty --out folder whole (without it such a folder is refused)"


def roadmap(
    ref: str = typer.Argument(..., metavar="ROADMAP", help="roadmap preset name (zerodistrict presets) or roadmap YAML"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write roadmap.csv and report.html here "
                                           "(a new or empty folder, or with --force)"),
    lang: Optional[str] = typer.Option(None, "--lang", help="language of report.html (needs --out): en, ja or ms"),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Scale district designs to a city year by year: homes converted, residential CO2 with and without the
    programme, transport avoided, investment, gap to the target, by GPC sector."""
    from zerodistrict.cli import _input_errors

    _input_errors(_roadmap)(ref, out_dir, lang, force)


def _roadmap(ref: str, out_dir: Optional[Path], lang: Optional[str], force: bool) -> None:
    from zerodistrict.cli import _check_out_options, _say, _writing, err, out
    from zerodistrict.report import get_language
    from zerodistrict.results.writers import check_out_dir
    from zerodistrict.roadmap import load_roadmap, run_roadmap
    from zerodistrict.roadmap.report import write_roadmap_outputs

    _check_out_options(out_dir, force, lang=lang)
    lang = lang or "en"
    get_language(lang)
    spec, base_dir = load_roadmap(ref)
    if out_dir is not None:
        check_out_dir(out_dir, force)  # before the simulations, not after them
    with err.status(Text(f"{spec.name}: starting")) as status:
        result = run_roadmap(spec, base_dir, progress=lambda msg: status.update(Text(f"{spec.name}: {msg}")))
        if out_dir is not None:
            status.update(Text(f"{spec.name}: writing {out_dir}"))
            with _writing(out_dir):
                written = write_roadmap_outputs(result, out_dir, lang=lang, force=force)
    out.print(_summary(result))
    for note in result.notes:
        _say(err, f"note: {note}")
    if out_dir is not None:
        _say(out, f"wrote {', '.join(p.name for p in written)} to {out_dir}")


def _summary(result):
    """A rich Table of every fifth year and the last: homes converted, residential CO2 without and with, net, target, investment."""
    from rich.table import Table

    spec, table = result.roadmap, result.table
    currency = spec.city.currency
    title = f"{spec.name} — {spec.city.name}, {spec.start_year}–{spec.end_year}: kt CO2 a year, million {currency}"
    t = Table(title=Text(title), title_justify="left")
    kt = "{:,.1f}"
    columns = [("year", "year", "{:d}"), ("homes converted", "homes_converted", "{:,.0f}"),
               ("resid. without", "residential_co2_without_programme_t", kt),
               ("resid. with", "residential_co2_with_programme_t", kt),
               ("transport avoided", None, kt), ("net", "net_co2_t", kt),
               ("target", "target_co2_t", kt), ("gap", "gap_to_target_t", kt),
               ("invest.", f"investment_{currency.lower()}", "{:,.1f}")]
    for label, _, _ in columns:
        t.add_column(Text(label), justify="right")
    shown = table[(table["year"] % 5 == 0) | (table["year"] == spec.start_year) | (table["year"] == spec.end_year)]
    for _, row in shown.iterrows():
        cells = []
        for _, key, fmt in columns:
            value = (row["mobility_co2_avoided_t"] + row["hydrogen_co2_avoided_t"]) if key is None else row[key]
            if key == "year":
                value = int(value)
            elif key != "homes_converted":
                value = value / 1e6 if str(key).startswith("investment_") else value / 1e3  # money → millions, t → kt
            cells.append(fmt.format(value))
        t.add_row(*cells)
    return t
