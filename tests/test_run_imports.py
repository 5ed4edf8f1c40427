"""``zerodistrict run`` imports only what it uses (issue 11, item 7: the whole process against PyPSA's ``optimize()``).

Not timed (``benchmarks/bench_optimal.py --rows b`` times it): each check runs the CLI in a fresh interpreter
and lists which heavy modules ended up in ``sys.modules``. A run without ``--out`` needs no charts (plotly),
the synthetic weather needs neither scipy.signal nor scipy.stats, and the LP of numpy arrays needs no dask
(xarray imported it to ask whether each array was a dask array). Together they were about 0.7 s of a 4 s run.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

#: imported by the run before this work, not needed by it
NOT_USED = ("dask", "distributed", "scipy.signal", "scipy.stats", "plotly", "matplotlib", "sqlalchemy", "fastapi",
            "uvicorn", "alembic", "tsam", "pypsa", "jinja2", "psutil")

PROBE = """
import json, sys
from zerodistrict.cli import app
try:
    app({args!r})
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))
"""


def imported_after(args: list[str], names=NOT_USED) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args, names=names)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def small_district(tmp_path_factory) -> str:
    """The benchmark's district, shortened: penang-george-town with 5 homes, lossless sharing, 3 days."""
    from zerodistrict.scenario import dump_scenario, load_scenario

    data = yaml.safe_load(dump_scenario(load_scenario("penang-george-town")))
    data["homes"][0]["count"] = 5
    data["community"]["line_loss_ratio"] = 0.0
    data["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-03-01", "days": 3}
    path = tmp_path_factory.mktemp("run_imports") / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return str(path)


@pytest.mark.parametrize("dispatch", ["optimal", "rule"])
def test_run_does_not_import_what_it_does_not_use(small_district, dispatch):
    args = ["run", small_district, "--dispatch", dispatch, "--resilience-hours", "24"]
    assert imported_after(args) == []


def test_the_probe_sees_what_a_run_imports(small_district, tmp_path):
    # the check above can fail: what the run does use is seen, and --out loads the report's charts
    args = ["run", small_district, "--dispatch", "optimal", "--resilience-hours", "24", "--out", str(tmp_path / "o")]
    assert imported_after(args, ("linopy", "pvlib", "plotly", "dask")) == ["linopy", "plotly", "pvlib"]


def test_run_leaves_the_garbage_collector_on(small_district):
    # the CLI pauses the collector while it imports the numerical stack, and only then
    import gc

    from typer.testing import CliRunner

    from zerodistrict.cli import app

    assert gc.isenabled()
    done = CliRunner().invoke(app, ["run", small_district, "--dispatch", "optimal", "--resilience-hours", "24"])
    assert done.exit_code == 0, done.output
    assert gc.isenabled()
    done = CliRunner().invoke(app, ["run", small_district, "--objective", "co2"])  # an input error: exit 1
    assert done.exit_code == 1
    assert gc.isenabled()
