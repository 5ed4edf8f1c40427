"""``benchmarks/results.json``: each benchmark owns one key and leaves the others as they are."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results.json"


def commit() -> str:
    """The commit the figures were measured at (``+dirty`` when the work tree has uncommitted changes)."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=RESULTS.parent, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def record(key: str, value: object) -> Path:
    """Set ``key`` of results.json to ``value`` (read, update, write back), with the commit measured at."""
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    if isinstance(value, dict):
        value = {**value, "commit": value.get("commit") or commit()}
    data[key] = value
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return RESULTS


def run_case(script: str, n: int, naive: bool, extra_path: str | None = None) -> dict:
    """Run ``script --case n [--naive]`` in a fresh process (its own peak memory) and return its JSON line."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    if extra_path:
        env["PYTHONPATH"] = extra_path
    cmd = [sys.executable, script, "--case", str(n)] + (["--naive"] if naive else [])
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main_or_case(one_case, main) -> None:
    """``--case N [--naive]``: print ``one_case(N, naive)`` as JSON; otherwise run ``main()``."""
    import sys

    if "--case" in sys.argv:
        n = int(sys.argv[sys.argv.index("--case") + 1])
        print(json.dumps(one_case(n, "--naive" in sys.argv)))
    else:
        main()
