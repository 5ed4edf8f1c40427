"""Start-up stays light: the CLI and scenario validation do not import the numerical stack.

Not timed (timings are benchmarks/bench_startup.py's job): each check runs a
fresh interpreter and lists which heavy modules ended up in ``sys.modules``.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("linopy", "xarray", "plotly", "pvlib", "matplotlib", "scipy", "pandas", "highspy")

PROBE = """
import json, sys
{code}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def heavy_modules_after(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", [
    "import zerodistrict.cli",
    "import zerodistrict.scenario",
    # the commands people run to look around: the CLI, then what the command itself imports
    "from zerodistrict.cli import app\ntry:\n    app(['validate', 'saitama-misono'])\nexcept SystemExit:\n    pass",
    "from zerodistrict.cli import app\ntry:\n    app(['presets'])\nexcept SystemExit:\n    pass",
    "from zerodistrict.cli import app\ntry:\n    app(['schema'])\nexcept SystemExit:\n    pass",
], ids=["import-cli", "import-scenario", "validate", "presets", "schema"])
def test_no_heavy_imports(code):
    assert heavy_modules_after(code) == []


def test_the_probe_sees_heavy_imports():
    # the check above can fail: a library that does load the numerical stack is seen
    assert heavy_modules_after("import zerodistrict.profiles.pv") != []
