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
``compare``: ``compare.csv``: one row per run, indexed by scenario name
(:func:`~zerodistrict.report.compare.compare_results`); every column names its
unit (``_kwh``, ``_kwp``, ``_kg``, ``_days``, ``_hours``, ``_years``; ``_ratio``
is a share 0–1; ``_per_home``, ``_per_kwp``), money columns are in the row's
``currency``, ``n_homes`` and ``mobility_trips_served`` are counts.
``gbfs``: one YAML file (:func:`write_text_output`).

Output folders
--------------
:func:`check_out_dir` runs before any simulation: ``--out`` must not be a
file nor lie under one, its parent must be writable, and a folder that holds
anything at all is refused unless ``force`` — we do not guess which files are
ours; with ``force`` the folder is replaced whole, so nothing of an earlier
run (a ``png/`` folder, ``stations.csv``) is left beside the new files. Files
get 0644 and folders 0755 under the default umask, like any ``open``.
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

from zerodistrict.errors import InputError
from zerodistrict.results.result import Result

if TYPE_CHECKING:
    from zerodistrict.analysis.resilience import ResilienceResult

#: a callable ``f(result, folder)`` that writes more files of a run into the staging folder (report, PNGs…)
ExtraWriter = Callable[[Result, Path], object]
#: a callable ``f(folder)`` that writes more files into the staging folder
FolderWriter = Callable[[Path], object]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _ordinary_modes(folder: Path) -> None:
    """Give ``folder`` and everything in it the modes an ordinary ``open``/``mkdir`` would (0644/0755 under the
    default umask): ``tempfile`` makes 0700 folders and 0600 files, which other users could not read."""
    mask = _umask()
    folder.chmod(0o777 & ~mask)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~mask)


def check_out_dir(out_dir: Path, force: bool = False, option: str = "--out") -> Path:
    """Check, before any work, that ``out_dir`` can receive a run's outputs; raise :class:`InputError` if not.

    Refused: a path that is a file; a path under a file; a folder (or the
    nearest existing folder above it) that cannot be written; and, unless
    ``force``, a folder that already holds anything at all — with ``force``
    it will be replaced whole, so no file of an earlier run (or anything
    else) is left in it. A missing or empty folder is fine.

    Parameters
    ----------
    out_dir : pathlib.Path
    force : bool
        Allow replacing a non-empty folder.
    option : str
        How the message names the path (``--out``).

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    out_dir = Path(out_dir)
    shown = f"{option} {out_dir}"
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{shown}: is a file, not a folder; give a folder for the outputs")
    existing = out_dir.parent  # the staging folder is made beside out_dir, so its parent must be writable
    while not existing.exists():
        if existing.is_symlink():
            raise InputError(f"{shown}: {existing} is a broken symbolic link")
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{shown}: {existing} is a file, so no folder can be made under it")
    try:  # os.access is not enough: root passes it on a read-only file system
        os.rmdir(tempfile.mkdtemp(prefix=".zerodistrict-probe-", dir=existing))
    except OSError as exc:
        raise InputError(f"{shown}: cannot write in {existing} ({exc.strerror or exc})") from None
    if out_dir.is_dir():
        here, target = Path.cwd().resolve(), out_dir.resolve()
        if target == here or target in here.parents or target == Path.home().resolve():
            raise InputError(f"{shown}: is the current or home folder, or holds the current one; "
                             "give a folder of its own for the outputs (it is replaced whole)")
    if out_dir.is_dir() and not force and any(out_dir.iterdir()):
        raise InputError(f"{shown}: the folder is not empty; choose another folder, or add --force "
                         "to replace it and everything in it")
    return out_dir


@contextlib.contextmanager
def staged_output(out_dir: Path, force: bool = False):
    """Yield a temporary folder beside ``out_dir``; it becomes ``out_dir`` only if the block succeeds.

    Nothing is half-written: on any error the temporary folder is removed and
    ``out_dir`` is left as it was. On success ``out_dir`` is replaced whole
    (a non-empty one only with ``force``, see :func:`check_out_dir`), so no
    file of an earlier run stays beside the new ones. Files get 0644 and
    folders 0755 (under the default umask). The moved paths are appended to
    the list the context manager yields second.

    Raises
    ------
    InputError
        When ``out_dir`` is refused by :func:`check_out_dir`, or cannot be written.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force=True)  # a file in the way: refuse before any work
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".zerodistrict-", dir=out_dir.parent))
    old: Path | None = None
    written: list[Path] = []
    try:
        yield tmp, written
        check_out_dir(out_dir, force=force)  # again: the folder may have been filled meanwhile
        _ordinary_modes(tmp)
        names = sorted(item.name for item in tmp.iterdir())
        try:
            if out_dir.is_dir():
                old = Path(tempfile.mkdtemp(prefix=".zerodistrict-old-", dir=out_dir.parent))
                os.replace(out_dir, old / "previous")
            try:
                os.replace(tmp, out_dir)
            except OSError:
                if old is not None:
                    os.replace(old / "previous", out_dir)
                raise
        except OSError as exc:
            raise InputError(f"--out {out_dir}: could not put the outputs in place ({exc.strerror or exc})") from None
        written.extend(out_dir / name for name in names)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


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


def write_outputs(result: Result, out_dir: Path, extra_writers: list[ExtraWriter] | None = None,
                  force: bool = False) -> list[Path]:
    """Write the files of a run (:func:`write_run_files`, then each of ``extra_writers``) atomically as ``out_dir``.

    ``out_dir`` is replaced whole; a non-empty one only with ``force`` (:func:`staged_output`).

    Returns
    -------
    list of pathlib.Path
        The files and folders moved into ``out_dir``.
    """
    with staged_output(out_dir, force) as (tmp, written):
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


def write_resilience_outputs(survival: ResilienceResult, out_dir: Path, force: bool = False) -> list[Path]:
    """:func:`write_resilience_files` atomically as ``out_dir`` (see :func:`staged_output`); returns the files."""
    with staged_output(out_dir, force) as (tmp, written):
        write_resilience_files(survival, tmp)
    return written


# --------------------------------------------------------------------------- compare


def write_comparison_outputs(table: pd.DataFrame, out_dir: Path,
                             extra_writers: list[FolderWriter] | None = None, force: bool = False) -> list[Path]:
    """Write ``compare.csv`` (one row per run) and the files of ``extra_writers`` atomically as ``out_dir``
    (see :func:`staged_output`)."""
    with staged_output(out_dir, force) as (tmp, written):
        for writer in extra_writers or []:
            writer(tmp)
        table.to_csv(tmp / "compare.csv")
    return written


# --------------------------------------------------------------------------- one file


@contextlib.contextmanager
def _staged_file(path: Path):
    """Yield a temporary path beside ``path`` that is renamed onto it if the block succeeds (0644 under the
    default umask), and removed otherwise: one output file all-or-nothing."""
    if path.is_dir():
        raise InputError(f"--out {path}: is a folder; give a file name")
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"--out {path}: {existing} is a file, so no folder can be made under it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".zerodistrict-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_output(text: str, path: Path) -> Path:
    """Write ``text`` (UTF-8) to ``path`` all-or-nothing: a temporary file beside it, renamed into place."""
    path = Path(path)
    with _staged_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_table_output(table: pd.DataFrame, path: Path) -> Path:
    """Write ``table`` (no index) to ``path`` as CSV or Parquet (by its suffix) all-or-nothing: a temporary
    file beside it, renamed into place."""
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".csv", ".parquet"):
        raise InputError(f"--out {path}: give a .csv or .parquet file name")
    with _staged_file(path) as tmp:
        if kind == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
    return path
