"""Solving the dispatch LP with HiGHS (quietly), and the checks that come before."""

from __future__ import annotations

import contextlib
import io
import os
import sys

import linopy

from zerodistrict.dispatch.common import DispatchInputs
from zerodistrict.dispatch.optimal.problem import HIGHS_OPTIONS
from zerodistrict.errors import InputError



def _check(inputs: DispatchInputs, objective: str) -> None:
    if objective not in ("cost", "co2"):
        raise InputError(f"objective must be 'cost' or 'co2', got {objective!r}")
    if inputs.n_steps == 0:
        raise InputError("dispatch inputs: the period has no time steps")


def _solve(m: linopy.Model, solver_options: dict | None) -> None:
    """Solve with HiGHS; raise RuntimeError naming the status unless optimal."""
    options = dict(HIGHS_OPTIONS, **(solver_options or {}))
    options.setdefault("output_flag", False)
    options.setdefault("log_to_console", False)
    with _quiet_native_stdout():
        status, condition = m.solve(solver_name="highs", io_api="direct", progress=False, **options)
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"optimal dispatch: HiGHS did not find an optimum (status {status!r}, {condition!r})")


@contextlib.contextmanager
def _quiet_native_stdout():
    """Hide what native code writes to file descriptor 1 (HiGHS prints a banner before any option applies)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # captured stdout (tests, notebooks): leave it
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)
