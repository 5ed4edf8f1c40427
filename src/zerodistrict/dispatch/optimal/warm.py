"""A starting basis for a long dispatch LP from its calendar months solved apart (issue 11, item 6).

A perfect-foresight dispatch LP couples its steps only through the stores' energy from one step to the
next, and its bill rows only within a calendar month. Cut the period at each month's end and fix every
column that a later month's rows refer to (the stores' energy at the last step of a month) at its lower
bound: the months are then independent LPs, each about a twelfth of the year's rows, and HiGHS's dual
simplex solves them in about a hundred-and-forty-fourth of the year's time each (its iterations grow with
the rows, and so does the cost of each).

Their optimal bases put together are a basis of the whole LP: month ``k``'s rows hold exactly its own
basic columns, and its rows refer to earlier months' columns only through the fixed ones, so the basis
matrix is block lower triangular with the months' own (nonsingular) bases on its diagonal. It is
**primal feasible**, with the months' solutions as its point (each fixed column sits at its lower bound,
a valid nonbasic state in the whole LP), so the primal simplex goes on from it to the whole LP's optimum:
the same LP, solved exactly, only started elsewhere. What the cut costs is the stores' energy at midnight
at the end of each month forced to its minimum, which the primal simplex repairs in a few hundred
iterations.

Measured on ``penang-george-town`` (30 homes, 2 % line loss, a year hourly, energy-cost objective,
534,390 rows, 2,128,680 columns; 2026-12-01, idle): cold dual simplex 83.0 s (982,297 iterations); the
twelve months 26.4 s one after another (about 80,000 iterations each), then 4.0 s of primal simplex from
their basis (397 iterations), the same objective to every printed digit. Weeks instead of months: 18.4 s
and 7.9 s (1,740 columns fixed instead of 330); and a month's bill rows would not fit in a week.

It applies when every column belongs to a step or a calendar month and the LP is large
(:data:`MIN_COLUMNS`); otherwise (a sized capacity, a user's row over the whole period that would fix
most columns) the LP is solved from scratch as before.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time as time_mod
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: below this many columns a cold dual simplex is quick already. Measured on the presets' years (2026-12-01,
#: idle, cold dual simplex against months + primal simplex, in one process): ``saitama-misono`` 131,400
#: columns 0.95 s against 0.47 s; ``kuala-lumpur-wangsa-maju`` (objective bill) 210,276 columns 0.84 s against
#: 0.59 s (with objective energy_cost 1.44 s against 1.80 s: 4,020 primal iterations from an almost optimal
#: point); 50 lossless homes aggregated, 78,840 columns, 0.46 s against 0.29 s; a few weeks (under 60,000
#: columns) gain nothing.
MIN_COLUMNS = 60_000
#: the same for an LP with a hydrogen tank: its months start from an empty tank that loses energy as it
#: stands, and the primal simplex then takes long to mend them (``kuching-north`` 271,560 columns: 1.9 s
#: cold against 0.8 + 1.5 s; ``kuching-north-h2-depot`` 1.5 s against 0.7 + 1.4 s)
MIN_COLUMNS_HYDROGEN = 300_000
#: at most this share of the columns may be fixed at the month cuts; more means a row spans months (a
#: user's constraint over the period), and the months' point would be far from the optimum
MAX_FIXED_SHARE = 0.01
#: months solved at once, in threads (HiGHS releases the GIL while it solves); see :func:`workers`
WORKERS = 2

_THIS_THREAD = threading.local()


@contextmanager
def one_worker():
    """Solve the months one after another in this thread: for a solve beside other busy threads (the sizing's
    own-design run beside the sizing, on two cores: two more threads made it 1.2 s slower, 2026-12-01)."""
    before = getattr(_THIS_THREAD, "workers", None)
    _THIS_THREAD.workers = 1
    try:
        yield
    finally:
        _THIS_THREAD.workers = before


def workers() -> int:
    """Threads for the months: 1 inside :func:`one_worker` or a Dask worker (a worker already has its core:
    more threads would crowd the others), else :data:`WORKERS` (at most the cores this process may use)."""
    chosen = getattr(_THIS_THREAD, "workers", None)
    if chosen is not None:
        return chosen
    if "distributed" in sys.modules:
        try:
            sys.modules["distributed"].get_worker()
            return 1
        except ValueError:
            pass
    return max(1, min(WORKERS, len(os.sched_getaffinity(0))))


def step_months(index: pd.DatetimeIndex) -> np.ndarray:
    """(t,) int: the calendar month (0, 1, …, in order) of each step."""
    code = np.asarray(index.year, dtype=np.int64) * 12 + np.asarray(index.month, dtype=np.int64)
    return np.unique(code, return_inverse=True)[1].reshape(-1)


def column_months(m, vlabels: np.ndarray, months: np.ndarray) -> np.ndarray | None:
    """(n,) int: the calendar month of each column of the solver's LP, or None if a column has neither a
    ``time`` nor a ``month`` coordinate (e.g. a sized capacity, which every month's rows share).

    ``vlabels``: linopy's variable label of each solver column; ``months``: :func:`step_months`.
    """
    col = np.full(int(m._xCounter), -1)
    col[vlabels] = np.arange(vlabels.size)
    out = np.full(vlabels.size, -1)
    for name in m.variables:
        var = m.variables[name]
        if "time" in var.dims:
            lead, of_lead = "time", months
        elif "month" in var.dims:
            lead, of_lead = "month", np.arange(var.labels.sizes["month"])
        else:
            return None
        lab = var.labels.transpose(lead, ...).values.reshape(var.labels.sizes[lead], -1)
        where = np.broadcast_to(of_lead[:, None], lab.shape)
        used = lab >= 0
        j = col[lab[used]]
        keep = j >= 0
        out[j[keep]] = where[used][keep]
    return None if np.any(out < 0) else out


def warm_start(h, m, vlabels: np.ndarray, months: np.ndarray, progress=None) -> dict | None:
    """:func:`warm_start_by_months` for linopy model ``m`` passed to ``h`` (``vlabels``: the label of each of
    ``h``'s columns; ``months``: :func:`step_months`), once ``h``'s LP is large enough to gain from it."""
    hydrogen = any(name.startswith("hydrogen") for name in [*m.variables, *m.constraints])
    if h.getNumCol() < (MIN_COLUMNS_HYDROGEN if hydrogen else MIN_COLUMNS):
        return None
    return warm_start_by_months(h, column_months(m, vlabels, months), progress)


def warm_start_by_months(h, col_month: np.ndarray | None, progress=None) -> dict | None:
    """Give the Highs object ``h`` (its LP passed, costs set) a primal-feasible basis from its months solved
    apart, and choose primal simplex for its next solve. Returns statistics, or None where it does not apply
    or a month has no optimum (``h`` untouched but for nothing: the LP is then solved from scratch).
    """
    import highspy
    import scipy.sparse as sp

    if col_month is None:
        return None
    lp = h.getLp()
    n, n_rows = int(lp.num_col_), int(lp.num_row_)
    n_months = int(col_month.max()) + 1 if col_month.size else 0
    if n < MIN_COLUMNS or n_months < 2 or col_month.size != n:
        return None
    t0 = time_mod.perf_counter()
    am = lp.a_matrix_
    parts = (np.asarray(am.value_), np.asarray(am.index_), np.asarray(am.start_))
    a = (sp.csc_matrix(parts, shape=(n_rows, n)) if am.format_ == highspy.MatrixFormat.kColwise
         else sp.csr_matrix(parts, shape=(n_rows, n))).tocoo()
    row_month = np.full(n_rows, n_months - 1)  # a row without entries: the last month's
    has = np.zeros(n_rows, dtype=bool)
    has[a.row] = True
    row_month[has] = -1
    np.maximum.at(row_month, a.row, col_month[a.col])
    fixed = np.zeros(n, dtype=bool)
    fixed[a.col[row_month[a.row] > col_month[a.col]]] = True
    col_lower, col_upper = np.asarray(lp.col_lower_, dtype=float), np.asarray(lp.col_upper_, dtype=float)
    if fixed.sum() > MAX_FIXED_SHARE * n or not np.all(np.isfinite(col_lower[fixed])):
        return None
    at = np.where(fixed, col_lower, 0.0)
    a = a.tocsr()
    cost = np.asarray(lp.col_cost_, dtype=float)
    row_lower, row_upper = np.asarray(lp.row_lower_, dtype=float), np.asarray(lp.row_upper_, dtype=float)
    cols = [np.flatnonzero(col_month == k) for k in range(n_months)]
    rows = [np.flatnonzero(row_month == k) for k in range(n_months)]

    def month(k: int):
        c, r = cols[k], rows[k]
        sub = a[r]
        shift = sub @ at - sub[:, c] @ at[c]  # the earlier months' fixed columns, as constants
        block = sub[:, c].tocsc()
        upper = np.where(fixed[c], col_lower[c], col_upper[c])
        part = highspy.HighsLp()
        part.num_col_, part.num_row_ = c.size, r.size
        part.col_cost_, part.col_lower_, part.col_upper_ = cost[c], col_lower[c], upper
        part.row_lower_, part.row_upper_ = row_lower[r] - shift, row_upper[r] - shift
        part.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        part.a_matrix_.start_, part.a_matrix_.index_, part.a_matrix_.value_ = block.indptr, block.indices, block.data
        one = highspy.Highs()
        one.setOptionValue("output_flag", False)
        one.setOptionValue("threads", 1)
        one.passModel(part)
        one.run()
        if one.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        basis = one.getBasis()
        return list(basis.col_status), list(basis.row_status), one.getInfo().simplex_iteration_count

    n_workers = workers()
    if n_workers == 1:
        solved = [month(k) for k in range(n_months)]
    else:
        with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="zerodistrict-month") as pool:
            solved = list(pool.map(month, range(n_months)))
    if any(s is None for s in solved):
        log.info("warm start by months: a month has no optimum on its own; solving the whole LP from scratch")
        return None
    col_status = np.empty(n, dtype=object)
    row_status = np.empty(n_rows, dtype=object)
    for k, (cs, rs, _) in enumerate(solved):
        col_status[cols[k]] = cs
        row_status[rows[k]] = rs
    basic = highspy.HighsBasisStatus.kBasic
    col_status[fixed & (col_status != basic)] = highspy.HighsBasisStatus.kLower
    basis = highspy.HighsBasis()
    basis.col_status, basis.row_status = list(col_status), list(row_status)
    basis.valid = True
    if h.setBasis(basis) != highspy.HighsStatus.kOk:
        return None
    h.setOptionValue("simplex_strategy", 4)  # primal simplex: the basis is primal feasible
    seconds = time_mod.perf_counter() - t0
    stats = {"months": n_months, "fixed_columns": int(fixed.sum()), "seconds": seconds,
             "iterations": int(sum(s[2] for s in solved))}
    said = f"months solved apart in {seconds:.0f} s; the whole year from their basis"
    log.info("warm start by months: %s (%d columns fixed at the cuts)", said, stats["fixed_columns"])
    if progress is not None:
        progress(said)
    return stats
