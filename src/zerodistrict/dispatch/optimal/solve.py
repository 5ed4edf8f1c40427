"""Solving the dispatch LP with HiGHS (quietly), the checks that come before, and what a failed solve means.

A solve that ends without an optimum raises :class:`~zerodistrict.errors.SolverError`
with HiGHS's status and termination condition and, when the model is infeasible, the
most likely cause found in the inputs (:func:`infeasibility_hint`). The LP sheds load
at a penalty rather than fail, so it can only be infeasible through storage that must
deliver energy it cannot get: an EV trip, or a rolling-horizon window's end state.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading

import linopy
import numpy as np

from zerodistrict.dispatch.common import DispatchInputs
from zerodistrict.dispatch.optimal.problem import HIGHS_OPTIONS, OBJECTIVES
from zerodistrict.errors import InputError, SolverError

#: termination conditions (linopy's names) that mean the scenario admits no operation
INFEASIBLE = ("infeasible", "infeasible_or_unbounded")


class _FailedSolveFilter(logging.Filter):
    """Drops linopy's warning on a solve without an optimum: :func:`_solve` raises
    :class:`~zerodistrict.errors.SolverError` with the same status and the likely cause, so the user
    would otherwise read the failure twice, the first time as a dump of linopy's result object."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Optimization potentially failed")


logging.getLogger("linopy.constants").addFilter(_FailedSolveFilter())


def _check(inputs: DispatchInputs, objective: str) -> str:
    """Checks of the arguments before any model is built (the CLI relies on these); the objective's own name.

    ``cost`` is the older name of ``energy_cost``.
    """
    if objective not in OBJECTIVES:
        raise InputError(f"objective must be 'bill', 'energy_cost' (or 'cost') or 'co2', got {objective!r}")
    if inputs.n_steps == 0:
        raise InputError("dispatch inputs: the period has no time steps")
    return "energy_cost" if objective == "cost" else objective


def _solve(m: linopy.Model, solver_options: dict | None, inputs: DispatchInputs | None = None,
           progress=None) -> None:
    """Solve with HiGHS; raise SolverError (status, condition and likely cause) unless optimal.

    ``inputs`` (the whole period's): a large LP of several months starts from the basis of its months
    solved apart (:mod:`~zerodistrict.dispatch.optimal.warm`) when HiGHS runs its default simplex.
    """
    options = dict(HIGHS_OPTIONS, **(solver_options or {}))
    options.setdefault("output_flag", False)
    options.setdefault("log_to_console", False)
    with _quiet_native_stdout():
        if inputs is not None and warm_applies(options):
            from linopy import solvers

            from zerodistrict.dispatch.optimal import warm

            solver = solvers.Solver.from_name("highs", model=m, io_api="direct", options=options)
            warm.warm_start(solver.solver_model, m, solver._vlabels, warm.step_months(inputs.index), progress)
            status, condition = m.assign_result(solver.solve(), solver=solver)
        else:
            status, condition = m.solve(solver_name="highs", io_api="direct", progress=False, **options)
    if status == "ok" and condition == "optimal":
        return
    raise SolverError(_failure_message(status, condition, inputs), status, condition)


def warm_applies(options: dict) -> bool:
    """Whether HiGHS runs the simplex method its own way (no strategy, no basis of the user's)."""
    return options.get("solver", "simplex") in ("simplex", "choose") and "simplex_strategy" not in options


def _failure_message(status: str, condition: str, inputs: DispatchInputs | None) -> str:
    said = f"(HiGHS status {status!r}, {condition!r})"
    if condition in INFEASIBLE:
        hint = infeasibility_hint(inputs) if inputs is not None else None
        cause = hint or ("the storage cannot meet its energy requirements (EV trips, or the state of charge a "
                         "rolling-horizon window must end with)")
        return f"optimal dispatch: the scenario has no feasible operation {said}: {cause}"
    if condition in ("time_limit", "iteration_limit"):
        return f"optimal dispatch: HiGHS stopped before an optimum {said}; raise the limit in solver_options"
    return f"optimal dispatch: HiGHS did not find an optimum {said}"


def infeasibility_hint(inputs: DispatchInputs) -> str | None:
    """The first EV whose trips cannot be met, in words (None if every EV passes these necessary checks).

    Two necessary conditions per vehicle ``e``: each trip fits its usable battery,
    ``trip_e(t) ≤ E_e − min_e``; and over the period (storage cyclic) it can take in what
    its trips use, ``Σ_t trip_e(t) ≤ η_c·Δt·Σ_t a_e(t)·min(P_e, PV(t) + imp_max(t))``, where
    ``imp_max`` is the import limit while the grid is available (0 in an outage or islanded).
    """
    ev = inputs.stores.of_kind("ev")
    if ev.n == 0:
        return None
    usable = ev.max_kwh - ev.min_kwh
    too_big = ev.trip_kwh > usable[None, :] + 1e-9
    if too_big.any():
        t, e = (int(i[0]) for i in np.nonzero(too_big))
        return (f"EV {ev.name[e]!r}: its trip at step {t} ({inputs.index[t]}) needs {ev.trip_kwh[t, e]:.3g} kWh, more than "
                f"its usable battery ({usable[e]:.3g} kWh above its minimum state of charge)")
    supply_kw = inputs.pv_kw.sum(axis=1) + np.where(inputs.grid_available, inputs.import_limit_kw, 0.0)
    intake_kw = ev.available * np.minimum(ev.charge_power_kw[None, :], supply_kw[:, None])
    can_kwh = ev.charge_efficiency * inputs.step_hours * intake_kw.sum(axis=0)
    needs_kwh = ev.trip_kwh.sum(axis=0)
    short = np.flatnonzero(needs_kwh > can_kwh + 1e-9)
    if short.size == 0:
        return None
    e = int(short[0])
    return (f"EV {ev.name[e]!r} needs {needs_kwh[e]:.3g} kWh for its trips over the period but can take in at most "
            f"{can_kwh[e]:.3g} kWh while parked ({int(ev.available[:, e].sum())} of {inputs.n_steps} steps, "
            f"{ev.charge_power_kw[e]:.3g} kW charger, from PV and the grid when it is available)")


#: the threads inside :func:`_quiet_native_stdout` and the descriptor it saved (one redirect for them all)
_QUIET = {"lock": threading.Lock(), "users": 0, "saved": None, "fd": None}


@contextlib.contextmanager
def _quiet_native_stdout():
    """Hide what native code writes to file descriptor 1 (HiGHS prints a banner before any option applies).

    Thread-safe: solves running at once in several threads (the sizing's own-design comparison runs beside
    the sizing) share one redirect, made by the first to enter and undone by the last to leave; a
    redirect per thread would let the second save the first's ``/dev/null`` and restore it for good.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # captured stdout (tests, notebooks): leave it
        yield
        return
    with _QUIET["lock"]:
        if _QUIET["users"] == 0:
            sys.stdout.flush()
            saved = os.dup(fd)
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), fd)
            _QUIET["saved"], _QUIET["fd"] = saved, fd
        _QUIET["users"] += 1
    try:
        yield
    finally:
        with _QUIET["lock"]:
            _QUIET["users"] -= 1
            if _QUIET["users"] == 0:
                sys.stdout.flush()
                os.dup2(_QUIET["saved"], _QUIET["fd"])
                os.close(_QUIET["saved"])
                _QUIET["saved"] = _QUIET["fd"] = None
