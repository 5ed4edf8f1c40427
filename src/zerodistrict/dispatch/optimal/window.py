"""The rolling horizon's window LP, built once and handed to HiGHS once; each window changes only its data.

Every window of a rolling horizon has the same LP structure (same steps, buses, stores and
coefficients); what moves from one window to the next is data: the column costs (prices or
emission factors), the column bounds (PV, load, mobility load, grid availability and limits,
EV availability) and the row right-hand sides (net load at each bus, trip energy, initial and
terminal states of charge). :class:`WindowLP` builds the linopy model of one window
(:func:`~zerodistrict.dispatch.optimal.model._build`), passes it to ``highspy`` once, keeps
the position of every linopy variable and constraint label among HiGHS's columns and rows,
and for each window writes the new data with ``changeColsCost``, ``changeColsBounds`` and
``changeRowsBounds`` before solving again. HiGHS keeps its simplex basis between these
solves, so each window starts from the previous window's optimal basis (a warm start: a few
hundred dual simplex iterations instead of thousands).

The data a window writes are computed from its :class:`~zerodistrict.dispatch.optimal.problem._Problem`
with the same formulas the model's ``add_*`` functions use; at every build they are checked
against the data linopy derived from the model, so the two cannot drift apart silently.
"""

from __future__ import annotations

import time

import highspy
import linopy
import numpy as np

from zerodistrict.dispatch.optimal.extract import SolvedArrays
from zerodistrict.dispatch.optimal.model import _build, storage_bounds
from zerodistrict.dispatch.optimal.problem import HIGHS_OPTIONS, _Problem
from zerodistrict.dispatch.optimal.solve import _failure_message, _quiet_native_stdout
from zerodistrict.errors import SolverError

#: HiGHS model status → linopy's (status, termination condition) names, as :func:`.solve._solve` reports them
_CONDITIONS = {
    highspy.HighsModelStatus.kOptimal: ("ok", "optimal"),
    highspy.HighsModelStatus.kInfeasible: ("warning", "infeasible"),
    highspy.HighsModelStatus.kUnboundedOrInfeasible: ("warning", "infeasible_or_unbounded"),
    highspy.HighsModelStatus.kUnbounded: ("warning", "unbounded"),
    highspy.HighsModelStatus.kTimeLimit: ("warning", "time_limit"),
    highspy.HighsModelStatus.kIterationLimit: ("warning", "iteration_limit"),
}


def structure(p: _Problem) -> tuple:
    """What fixes a window LP's columns, rows and coefficients: windows with equal keys share one model."""
    def arr(x: np.ndarray | None) -> bytes | None:
        return None if x is None else np.ascontiguousarray(x).tobytes()

    s = [p.mode, p.n_steps, p.load_kw.shape[1], p.step_hours, p.loss_ratio, p.voll, p.cyclic, p.tariff is None,
         p.import_limit_kw, p.export_limit_kw, arr(p.netted), arr(p.home_class)]
    for g in (p.home, p.community):
        s += [g.n, arr(g.eta_c), arr(g.eta_d), arr(g.grid_charging), arr(g.capacity_kwh > 0),
              g.terminal_kwh is None]
    reserve = p.community_reserve_kwh
    if reserve is not None and np.any(reserve > 0):  # the outage reserve's rows (optimal/reserve.py) follow the grid
        s += [arr(reserve), arr(p.grid_up), arr(p.community.min_kwh)]
    return tuple(s)


def _bounds(p: _Problem) -> dict[str, tuple[np.ndarray | float, np.ndarray]]:
    """Lower and upper bounds of the variables whose bounds are data, time first (see :func:`.model.add_variables`)."""
    meters = p.mode == "meters"
    out: dict[str, tuple[np.ndarray | float, np.ndarray]] = {
        "curtail": (0.0, p.pv_kw),
        "shed": (0.0, p.load_kw - p.critical_kw),
        "shed_critical": (0.0, p.critical_kw),
        "shed_mobility": (0.0, p.mobility_kw),
        "grid_import": (0.0, p.import_ub_kw),
        "grid_export": (0.0, np.zeros(p.n_steps) if meters else p.export_ub_kw),
    }
    if meters:
        out["home_grid_import"] = (0.0, np.repeat(p.import_ub_kw[:, None], p.load_kw.shape[1], axis=1))
        out["home_grid_export"] = (0.0, p.home_export_ub_kw)
    for s, name, pv in ((p.home, "home_battery", p.pv_kw if meters else None),
                        (p.community, "community_storage", np.zeros((p.n_steps, p.community.n)) if meters else None)):
        if s.n == 0:
            continue
        charge, discharge = storage_bounds(s, pv)
        ones = np.ones((p.n_steps, 1))
        out[f"{name}_charge"] = (0.0, charge)
        out[f"{name}_discharge"] = (0.0, discharge)
        out[f"{name}_soc"] = (ones * s.min_kwh, ones * s.capacity_kwh)
    return out


def _costs(p: _Problem) -> dict[str, np.ndarray]:
    """Objective coefficients that are data (see :func:`.model.add_objective`; no tariff in a window)."""
    dt = p.step_hours
    out = {"grid_import": p.import_weight * dt, "grid_export": -(p.export_weight * dt)}
    if p.mode == "meters":
        n_b = p.load_kw.shape[1]
        out["home_grid_import"] = np.repeat((p.import_weight * dt)[:, None], n_b, axis=1)
        out["home_grid_export"] = np.repeat((-(p.export_weight * dt))[:, None], n_b, axis=1)
    return out


def _rhs(p: _Problem) -> dict[str, np.ndarray]:
    """Right-hand sides of the constraints whose right-hand side is data (see the model's ``add_*`` functions)."""
    out: dict[str, np.ndarray] = {}
    if p.mode == "merged":
        out["district_balance"] = p.load_kw.sum(axis=1) - p.pv_kw.sum(axis=1) + p.mobility_kw
    else:
        out["home_balance"] = p.load_kw - p.pv_kw
        out["community_balance"] = p.mobility_kw
    for s, name in ((p.home, "home_battery"), (p.community, "community_storage")):
        if s.n == 0:
            continue
        energy = -s.trip_kwh.copy()
        energy[0] += s.initial_kwh
        out[f"{name}_energy"] = energy
        if s.terminal_kwh is not None:
            out[f"{name}_terminal"] = np.minimum(s.terminal_kwh, s.capacity_kwh)
    out["no_grid_charging"] = p.district_pv_kw
    return out


def _positions(items, label_to_pos: np.ndarray) -> dict[str, np.ndarray]:
    """HiGHS index of each label of each named linopy item, time first."""
    out = {}
    for name, item in items:
        labels = item.labels
        if "time" in labels.dims:
            labels = labels.transpose("time", ...)
        labels = np.asarray(labels.values)
        if (labels < 0).any():
            raise RuntimeError(f"window LP: {name} has masked entries; the window model cannot be reused")
        out[name] = label_to_pos[labels]
    return out


class WindowLP:
    """One window's LP in HiGHS, reused for every window of the same :func:`structure`.

    Parameters
    ----------
    p : _Problem
        The first window's problem data (``cyclic=False``, no tariff).
    solver_options : dict, optional
        HiGHS options on top of :data:`~zerodistrict.dispatch.optimal.problem.HIGHS_OPTIONS`.
    warm : bool
        Start each solve from the last window's basis (default). ``False`` clears it first, so
        that each window is solved as a fresh build of it would be (tests compare the two).

    Attributes
    ----------
    seconds : dict of str to float
        CPU time of this process spent so far [s]: ``build`` (linopy model, HiGHS model, label maps), ``write``
        (a window's data computed and written), ``solve`` (HiGHS), ``read`` (solution to arrays).
    """

    def __init__(self, p: _Problem, solver_options: dict | None = None, warm: bool = True) -> None:
        t0 = time.process_time()
        self.key = structure(p)
        m = _build(p)
        matrices = m.matrices
        if not ((matrices.var_scaling == 1).all() and m.objective.scaling == 1):
            raise RuntimeError("window LP: scaled variables cannot be updated in place")
        self.cols = _positions(m.variables.items(), m.variables.label_index.label_to_pos)
        self.rows = _positions(m.constraints.items(), m.constraints.label_index.label_to_pos)
        self._lb, self._ub, self._c = matrices.lb.copy(), matrices.ub.copy(), matrices.c.copy()
        self._b, self._sense = matrices.b.copy(), matrices.sense.copy()
        self._check_formulas(p, m)
        options = dict(HIGHS_OPTIONS, **(solver_options or {}))
        options.setdefault("output_flag", False)
        options.setdefault("log_to_console", False)
        with _quiet_native_stdout():
            self.highs = m.to_highspy()
            for k, v in options.items():
                self.highs.setOptionValue(k, v)
        # what HiGHS holds now (only entries that change are written)
        self._written = (self._lb, self._ub, self._c, np.where(self._sense != "<", self._b, -np.inf),
                         np.where(self._sense != ">", self._b, np.inf))
        self._fresh = True  # the model HiGHS holds has the data of ``p``
        self.warm = warm
        self.seconds = {"build": time.process_time() - t0, "write": 0.0, "solve": 0.0, "read": 0.0}

    def _data(self, p: _Problem) -> tuple[np.ndarray, ...]:
        """Full column bounds, costs and row right-hand sides of window ``p``."""
        lb, ub, c, b = self._lb.copy(), self._ub.copy(), self._c.copy(), self._b.copy()
        for name, (lo, hi) in _bounds(p).items():
            idx = self.cols[name]
            lb[idx] = lo
            ub[idx] = hi
        for name, cost in _costs(p).items():
            c[self.cols[name]] = cost
        for name, rhs in _rhs(p).items():
            if name in self.rows:
                b[self.rows[name]] = rhs
        return lb, ub, c, b

    def _check_formulas(self, p: _Problem, m: linopy.Model) -> None:
        """The data :meth:`_data` computes for ``p`` equal what linopy derived from the model of ``p``."""
        for ours, theirs, what in zip(self._data(p), (self._lb, self._ub, self._c, self._b),
                                      ("lower bounds", "upper bounds", "costs", "right-hand sides")):
            if not np.allclose(ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True):
                bad = int(np.flatnonzero(~np.isclose(ours, theirs, rtol=1e-12, atol=1e-12))[0])
                raise RuntimeError(f"window LP: the {what} computed for a window differ from the model's "
                                   f"(position {bad}: {ours[bad]!r} vs {theirs[bad]!r}); update window.py")

    def solve(self, p: _Problem) -> SolvedArrays:
        """Write window ``p``'s data into HiGHS, solve from the last basis, return the solution as arrays.

        Raises
        ------
        SolverError
            No optimum (HiGHS's status and condition, as :func:`.solve._solve` words them).
        """
        h = self.highs
        t0 = time.process_time()
        if not self._fresh:
            lb, ub, c, b = self._data(p)
            lo, hi = np.where(self._sense != "<", b, -np.inf), np.where(self._sense != ">", b, np.inf)
            cols = np.flatnonzero((lb != self._written[0]) | (ub != self._written[1])).astype(np.int32)
            if cols.size:
                h.changeColsBounds(cols.size, cols, lb[cols], ub[cols])
            cost = np.flatnonzero(c != self._written[2]).astype(np.int32)
            if cost.size:
                h.changeColsCost(cost.size, cost, c[cost])
            rows = np.flatnonzero((lo != self._written[3]) | (hi != self._written[4])).astype(np.int32)
            if rows.size:
                h.changeRowsBounds(rows.size, rows, lo[rows], hi[rows])
            self._written = (lb, ub, c, lo, hi)
            if not self.warm:
                h.clearSolver()
        self._fresh = False
        t1 = time.process_time()
        with _quiet_native_stdout():
            h.run()
        t2 = time.process_time()
        self.seconds["write"] += t1 - t0
        self.seconds["solve"] += t2 - t1
        status = h.getModelStatus()
        said = _CONDITIONS.get(status, ("warning", h.modelStatusToString(status)))
        if said != ("ok", "optimal"):
            raise SolverError(_failure_message(*said, None), *said)
        x = np.asarray(h.getSolution().col_value, dtype=float)
        values = {name: x[idx] for name, idx in self.cols.items()}
        out = SolvedArrays(values, float(h.getInfo().objective_function_value))
        self.seconds["read"] += time.process_time() - t2
        return out
