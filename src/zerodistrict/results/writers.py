"""Every output file of a run, written all-or-nothing: a staging folder moved into place at the end.

Two layers: ``write_*_files(…, folder)`` write into a folder that already
exists (a staging folder); ``write_*_outputs(…, out_dir)`` wrap them in
:func:`staged_output` so that ``out_dir`` gets every file or none. The CLI only
calls the second kind.

Files
-----
``run``: ``kpis.json``, ``timeseries.csv``, ``homes.csv`` and, with shared
mobility, ``stations.csv`` (contents: DESIGN.md, "Contracts").
``resilience``: ``resilience.json``, ``survival.csv``, ``survival.png``.
``compare``: ``compare.csv``.
``gbfs``: one YAML file (:func:`write_text_output`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from zerodistrict.results.result import Result

if TYPE_CHECKING:
    from zerodistrict.analysis.resilience import ResilienceResult

#: a callable ``f(result, folder)`` that writes more files of a run into the staging folder (report, PNGs…)
ExtraWriter = Callable[[Result, Path], object]
#: a callable ``f(folder)`` that writes more files into the staging folder
FolderWriter = Callable[[Path], object]


@contextlib.contextmanager
def staged_output(out_dir: Path):
    """Yield a temporary folder beside ``out_dir``; its files move into ``out_dir`` only if the block succeeds.

    Nothing is half-written: on any error the temporary folder is removed and
    ``out_dir`` is left as it was. The moved paths are appended to the list
    the context manager yields second.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".zerodistrict-", dir=out_dir.parent))
    written: list[Path] = []
    try:
        yield tmp, written
        out_dir.mkdir(parents=True, exist_ok=True)
        for item in sorted(tmp.iterdir()):
            target = out_dir / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
            written.append(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- run


def write_run_files(result: Result, folder: Path) -> None:
    """Write ``kpis.json``, ``timeseries.csv``, ``homes.csv`` (+ ``stations.csv`` with mobility) into ``folder``."""
    folder = Path(folder)
    (folder / "kpis.json").write_text(json.dumps(result.kpis.to_json_dict(), indent=2, ensure_ascii=False) + "\n")
    ts = result.timeseries
    ts.index = ts.index.map(lambda t: t.isoformat())
    ts.to_csv(folder / "timeseries.csv", index_label="time")
    result.homes.to_csv(folder / "homes.csv", index=False, float_format="%.9g")
    if result.mobility is not None:
        from zerodistrict.mobility import write_stations_csv

        write_stations_csv(result.mobility, folder / "stations.csv")


def write_outputs(result: Result, out_dir: Path, extra_writers: list[ExtraWriter] | None = None) -> list[Path]:
    """Write the files of a run (:func:`write_run_files`, then each of ``extra_writers``) atomically into ``out_dir``.

    Returns
    -------
    list of pathlib.Path
        The files and folders moved into ``out_dir``.
    """
    with staged_output(out_dir) as (tmp, written):
        write_run_files(result, tmp)
        for writer in extra_writers or []:
            writer(result, tmp)
    return written


# --------------------------------------------------------------------------- resilience


def write_resilience_files(survival: ResilienceResult, folder: Path) -> None:
    """Write ``resilience.json`` (its statistics), ``survival.csv`` (by start step) and ``survival.png`` into ``folder``."""
    folder = Path(folder)
    (folder / "resilience.json").write_text(json.dumps(survival.to_json_dict(), indent=2) + "\n")
    survival.write_survival_csv(folder / "survival.csv")
    survival.plot_survival_curves(folder / "survival.png")


def write_resilience_outputs(survival: ResilienceResult, out_dir: Path) -> list[Path]:
    """:func:`write_resilience_files` atomically into ``out_dir``; returns the files moved there."""
    with staged_output(out_dir) as (tmp, written):
        write_resilience_files(survival, tmp)
    return written


# --------------------------------------------------------------------------- compare


def write_comparison_outputs(table: pd.DataFrame, out_dir: Path,
                             extra_writers: list[FolderWriter] | None = None) -> list[Path]:
    """Write ``compare.csv`` (one row per run) and the files of ``extra_writers`` atomically into ``out_dir``."""
    with staged_output(out_dir) as (tmp, written):
        for writer in extra_writers or []:
            writer(tmp)
        table.to_csv(tmp / "compare.csv")
    return written


# --------------------------------------------------------------------------- one text file


def write_text_output(text: str, path: Path) -> Path:
    """Write ``text`` (UTF-8) to ``path`` all-or-nothing: a temporary file beside it, renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".zerodistrict-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
