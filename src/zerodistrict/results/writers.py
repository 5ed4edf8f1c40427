"""Output files of a run, written all-or-nothing: a staging folder moved into place at the end."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from zerodistrict.results.result import Result


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


def write_outputs(result: Result, out_dir: Path, extra_writers: list | None = None) -> list[Path]:
    """Write kpis.json, timeseries.csv, homes.csv (+ stations.csv, + extras) atomically into ``out_dir``.

    ``extra_writers`` are callables ``f(result, folder)`` (report, PNGs…).
    """
    with staged_output(out_dir) as (tmp, written):
        (tmp / "kpis.json").write_text(json.dumps(result.kpis.to_json_dict(), indent=2, ensure_ascii=False) + "\n")
        ts = result.timeseries
        ts.index = ts.index.map(lambda t: t.isoformat())
        ts.to_csv(tmp / "timeseries.csv", index_label="time")
        result.homes.to_csv(tmp / "homes.csv", index=False, float_format="%.9g")
        if "mobility" in result.extras:
            from zerodistrict.mobility import write_stations_csv

            write_stations_csv(result.extras["mobility"], tmp / "stations.csv")
        for writer in extra_writers or []:
            writer(result, tmp)
    return written
