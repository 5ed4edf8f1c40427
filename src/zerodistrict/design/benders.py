"""The full-year sizing LP by Benders decomposition on its capacities: the same optimum, in a fraction of the time.

The sizing LP couples a year of dispatch through a handful of capacity columns (kWp of PV per group, kWh and
kW of each sized store, the line's kW). HiGHS's interior point takes 75–90 s on Misono's year and the dual
simplex twice that (benchmarks/optimal.md), while the same LP with the capacities *fixed* is a dispatch LP
that the dual simplex solves in 2–4 s, and in 0.1–0.5 s from the basis of a nearby design.

So the LP is solved as ``min_x v(x)``, ``v(x)`` the LP's optimum with the capacities fixed at ``x`` (capital
and operating cost together). ``v`` is convex and piecewise linear, and each solve at a point ``x_k`` gives
its value and a subgradient: the reduced costs of the fixed capacity columns (the cost of one more kWp or kWh
with everything else re-optimised). The cuts ``v(x) ≥ v(x_k) + g_kᵀ(x − x_k)`` make a small master LP over
the capacities alone (Kelley's cutting planes, with a trust region around the best point so that each
re-solve starts from a basis near its optimum). The best point's value is an upper bound of the optimum,
the master LP over the whole box a lower bound; the loop stops when they are within :data:`BENDERS_GAP`
of each other, so the design returned is optimal to that tolerance, certified by the bound.

Targets whose row touches the dispatch (self-sufficiency, CO2, exports, net zero, hydrogen) may be out of
reach at a trial point; their rows get a slack priced near the target's dual (:func:`_penalties`), which is
raised tenfold while a slack is left at the optimum (cuts stay valid: a higher price only raises ``v``). Rows that hold only capacities (``capex <= x``) go to the master.

The design is returned with the LP's own solution at it: every variable and the objective. A target's dual
is not the one at the fixed design (the optimum often sits at a kink of ``v`` where that dual is 0, e.g.
Misono's self-sufficiency target): it is the subproblems' duals weighted by the master's multipliers of their
cuts, an optimal dual of the whole LP once the bounds meet.
"""

from __future__ import annotations

import time as time_mod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: stop when (best value − lower bound) ≤ this × |best value| (relative optimality gap, certified)
BENDERS_GAP = 1e-7
#: subproblem solves at most; without convergence the monolithic LP is solved instead
MAX_ITERATIONS = 150
#: first trust region, as a share of each capacity's range (assumption, tuned on Misono's year with its ≥ 0.8 target,
#: idle, 2026-12-01: 0.1 took 26 dispatch LPs, 0.15 took 57, 0.05 and 0.03 longer in time)
TRUST_REGION_START = 0.1
#: a warm re-solve that has not finished after max(WARM_SECONDS_MIN, WARM_TO_COLD × the cold solve) restarts cold,
#: with presolve: a far point can make the warm dual simplex crawl (99 s against 4 s cold on Misono's year). Of
#: 0.75, 1.5 and 3 (same runs as above, and Kuching's year), 3 was the fastest on both: 20 s and 26 s of solve
WARM_SECONDS_MIN = 2.0
WARM_TO_COLD = 3.0
#: the price of a target's slack [objective unit per unit of the target's row] (:func:`_penalties`): this multiple of
#: the same target's dual in the typical-day LP, or of the median cost of the row's columns; ×10 while a slack is left
HINT_MULTIPLE = 3.0
PENALTY_MULTIPLE = 2.0
PENALTY_RAISES = 8
#: a target's slack above this [unit of its row: kWh, kg, …] at the optimum raises its price
SLACK_TOLERANCE = 1e-6
#: only LPs with at least this many time steps (shorter LPs solve monolithically in seconds)
MIN_STEPS = 24 * 60


@dataclass
class BendersStats:
    iterations: int = 0
    cold_solves: int = 0
    gap: float = float("nan")
    lower_bound: float = float("nan")
    seconds: float = 0.0
    converged: bool = False

    def note(self) -> str:
        return (f"sizing LP solved by Benders decomposition on the capacities: {self.iterations} dispatch LPs with the "
                f"capacities fixed ({self.cold_solves} from scratch, the rest from the last basis), optimality gap "
                f"{self.gap:.1e} certified by the cutting-plane lower bound (≤ {BENDERS_GAP:g}); a target's cost of one "
                "more unit combines the dispatch LPs' duals with the weights of their cuts at the optimum")


def design_variables(m) -> list[str]:
    """The sizing LP's capacity variables (names ending in ``_capacity``)."""
    return [name for name in m.variables if name.endswith("_capacity")]


def solve(m, options: dict, start: dict[str, np.ndarray] | None = None,
          progress: Callable[[str], None] | None = None, elastic: tuple[str, ...] = (),
          duals_hint: dict[str, float] | None = None):
    """Solve the sizing LP ``m`` by Benders decomposition on its capacity variables.

    ``options``: HiGHS options of the subproblems (dual simplex). ``start``: capacity values by variable name
    (e.g. the typical-day LP's sizes); the middle of each range otherwise. ``elastic``: constraints treated as
    targets besides the ``target_*`` ones (e.g. a Pareto front's CO2 cap). ``duals_hint``: a dual per such
    constraint from a similar LP (the typical days'), which prices its slack. Returns ``(solver, result, stats)``
    (linopy's solver and result at the best design, ready for ``m.assign_result``), or None when the
    decomposition does not apply or does not converge (the caller solves the LP as a whole).
    """
    import highspy
    from linopy import solvers

    say = progress or (lambda msg: None)
    t0 = time_mod.perf_counter()
    names = design_variables(m)
    if not names:
        return None
    solver = solvers.Solver.from_name("highs", model=m, io_api="direct", options=options)
    h = solver.solver_model
    inf = highspy.kHighsInf
    col = np.full(int(m._xCounter), -1)
    col[solver._vlabels] = np.arange(solver._vlabels.size)
    row = np.full(int(m._cCounter), -1)
    row[solver._clabels] = np.arange(solver._clabels.size)
    lp = h.getLp()
    n_cols, n_rows = int(lp.num_col_), int(lp.num_row_)
    lower, upper = np.asarray(lp.col_lower_, dtype=float), np.asarray(lp.col_upper_, dtype=float)
    cost = np.asarray(lp.col_cost_, dtype=float)
    all_caps = np.concatenate([col[lab[lab >= 0]] for lab in
                               (np.asarray(m.variables[n].labels.values).ravel() for n in names)])
    all_caps = all_caps[all_caps >= 0]
    free = upper[all_caps] > lower[all_caps] + 1e-12
    cols = all_caps[free].astype(np.int32)
    if cols.size == 0 or not np.all(np.isfinite(upper[cols])):
        return None
    lb, ub = lower[cols], upper[cols]
    scale = ub - lb
    master_rows = _master_rows(lp, n_rows, n_cols, all_caps, cols, lower)

    # elastic targets: a slack per target row that touches the dispatch
    targets = {name: row[np.asarray(m.constraints[name].labels.values).ravel()]
               for name in m.constraints if name.startswith("target_") or name in elastic}
    in_master = set(master_rows[0]) if master_rows is not None else set()
    target_rows = [int(r) for rows_ in targets.values() for r in rows_ if r >= 0 and int(r) not in in_master]
    row_upper = np.asarray(lp.row_upper_, dtype=float)
    signs = np.array([-1.0 if row_upper[r] < inf else 1.0 for r in target_rows])
    penalty = _penalties(lp, n_rows, n_cols, cost, all_caps, target_rows, targets, duals_hint or {})
    slack = np.arange(n_cols, n_cols + len(target_rows), dtype=np.int32)
    if target_rows:
        k = len(target_rows)
        h.addCols(k, penalty, np.zeros(k), np.full(k, inf), k, np.arange(k, dtype=np.int32),
                  np.asarray(target_rows, dtype=np.int32), signs)

    x = (lb + ub) / 2.0
    if start is not None:
        try:
            x = np.concatenate([np.asarray(start[n], dtype=float).ravel() for n in names])[free]
        except (KeyError, ValueError):
            x = (lb + ub) / 2.0
    x = np.clip(x, lb, ub)
    if master_rows is not None:
        _, coef, rlo, rhi = master_rows
        ax = coef @ x
        if np.any(ax < rlo - 1e-9) or np.any(ax > rhi + 1e-9):  # a start off the capacity-only rows
            _, x, _ = _master([], lb, ub, master_rows)
            if x is None:
                return None
    stats = BendersStats()
    cuts: list[tuple[float, np.ndarray, np.ndarray]] = []
    cold_seconds = [float("inf")]
    presolve = options.get("presolve", "on")

    def run(point: np.ndarray, cold: bool):
        h.changeColsBounds(cols.size, cols, point, point)
        if not cold:
            h.setOptionValue("presolve", "off")
            budget = max(WARM_SECONDS_MIN, WARM_TO_COLD * cold_seconds[0])
            h.setOptionValue("time_limit", h.getRunTime() + budget)
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kTimeLimit:
                return h.getModelStatus()
            h.clearSolver()
        stats.cold_solves += 1
        h.setOptionValue("presolve", presolve)
        h.setOptionValue("time_limit", inf)
        t = time_mod.perf_counter()
        h.run()
        cold_seconds[0] = min(cold_seconds[0], time_mod.perf_counter() - t)
        return h.getModelStatus()

    best_v, best_x = inf, None
    for _raise in range(PENALTY_RAISES + 1):
        best_v, best_x, delta, model_value = inf, None, TRUST_REGION_START, None
        for _ in range(MAX_ITERATIONS - stats.iterations):
            status = run(x, cold=stats.iterations == 0)
            stats.iterations += 1
            if status != highspy.HighsModelStatus.kOptimal:
                return None
            sol = h.getSolution()
            v = float(h.getInfo().objective_function_value)
            g = np.asarray(sol.col_dual, dtype=float)[cols]
            cuts.append((v, g, x.copy(), np.asarray(sol.row_dual, dtype=float)[target_rows]))
            if best_x is not None and model_value is not None:
                rho = (best_v - v) / max(best_v - model_value, 1e-12 * max(abs(best_v), 1.0))
                if rho >= 0.5 and np.max(np.abs(x - best_x) / scale) > 0.9 * delta:
                    delta = min(2.0 * delta, 1.0)
                elif rho < 0.1:
                    delta /= 2.0
            if v < best_v:
                best_v, best_x = v, x.copy()
            bound, _, master_duals = _master(cuts, lb, ub, master_rows)
            if bound is None:
                return None
            stats.gap = (best_v - bound) / max(abs(best_v), 1e-9)
            stats.lower_bound = bound
            say(f"sizing LP by Benders decomposition: dispatch LP {stats.iterations}, optimality gap {stats.gap:.1e}")
            if stats.gap <= BENDERS_GAP:
                break
            box_lo = np.maximum(lb, best_x - delta * scale)
            box_hi = np.minimum(ub, best_x + delta * scale)
            model_value, x, _ = _master(cuts, box_lo, box_hi, master_rows)
            if model_value is None:
                return None
        else:
            return None
        # the best design's own solution (warm: usually the last point), and whether a target's slack is left
        if run(best_x, cold=False) != highspy.HighsModelStatus.kOptimal:
            return None
        left = np.asarray(h.getSolution().col_value, dtype=float)[slack] if slack.size else np.zeros(0)
        if not np.any(left > SLACK_TOLERANCE):
            break
        if _raise == 0 and not _reachable(run, ub, slack, h, highspy):
            return None  # out of reach even at the largest design: the whole LP says so, and which target
        penalty = penalty * 10.0  # the cuts stay valid lower bounds: a dearer slack only raises v
        h.changeColsCost(slack.size, slack, penalty)
        x = best_x
    else:
        return None
    best_x, best_v = _idle_power_to_zero(run, best_x, best_v, _store_pairs(m, names, col, cols), lb, stats, h, highspy)
    if slack.size:  # back to the LP linopy built (a basic slack at 0 makes the last solve start afresh)
        h.changeColsBounds(slack.size, slack, np.zeros(slack.size), np.zeros(slack.size))
        h.run()
        h.deleteCols(slack.size, slack)
        if not h.getBasis().valid:
            h.setOptionValue("presolve", presolve)
    h.setOptionValue("time_limit", inf)
    result = solver.solve()
    stats.converged = True
    stats.seconds = time_mod.perf_counter() - t0
    return solver, result, stats, _target_duals(targets, target_rows, cuts, master_duals, master_rows)


def _target_duals(targets: dict, target_rows: list[int], cuts: list, master_duals: np.ndarray, master_rows) -> dict:
    """Each target row's dual in the whole LP: the subproblems' duals weighted by the master's multipliers of their
    cuts (which sum to 1 at the optimum: an optimal dual of the LP, where the fixed design's own dual can be 0 at a
    kink of ``v``), and the master's dual of a capacity-only row."""
    lam = np.abs(master_duals[:len(cuts)])
    lam = lam / lam.sum() if lam.sum() > 0 else lam
    combined = sum((w * y for w, (_, _, _, y) in zip(lam, cuts) if w > 0), np.zeros(len(target_rows)))
    by_row = dict(zip(target_rows, combined))
    if master_rows is not None:
        by_row.update(zip(master_rows[0], master_duals[len(cuts):]))
    return {name: np.array([by_row.get(int(r), np.nan) if r >= 0 else np.nan for r in rows]) for name, rows in targets.items()}


def _penalties(lp, n_rows: int, n_cols: int, cost: np.ndarray, all_caps: np.ndarray, target_rows: list[int],
               targets: dict, duals_hint: dict) -> np.ndarray:
    """The price of each target row's slack [objective unit per unit of the row].

    A slack priced far above the target's dual makes ``v`` a steep wall along the target's edge, and the cutting
    planes crawl along it (Misono's year at its own self-sufficiency: 150 dispatch LPs without convergence at 10× the
    largest cost, against a dual of ≈28 JPY/kWh). So: :data:`HINT_MULTIPLE` × the same target's dual in the
    typical-day LP when there is one, else :data:`PENALTY_MULTIPLE` × the median cost of the row's own columns
    (an import's price for self-sufficiency); raised ×10 while a slack is left at the optimum.
    """
    rows = _matrix(lp, n_rows, n_cols).tocsr()
    is_cap = _mask(n_cols, all_caps)
    hint_by_row = {int(r): abs(float(duals_hint[name])) for name, rs in targets.items() if name in duals_hint
                   for r in rs if r >= 0}
    out = np.empty(len(target_rows))
    for i, r in enumerate(target_rows):
        if hint_by_row.get(r, 0.0) > 0.0:
            out[i] = HINT_MULTIPLE * hint_by_row[r]
            continue
        cols = rows.indices[rows.indptr[r]:rows.indptr[r + 1]]
        c = np.abs(cost[cols[~is_cap[cols]]])
        c = c[c > 0]
        out[i] = PENALTY_MULTIPLE * float(np.median(c)) if c.size else PENALTY_MULTIPLE * float(np.max(np.abs(cost)))
    return np.maximum(out, 1e-6)


def _reachable(run, ub: np.ndarray, slack: np.ndarray, h, highspy) -> bool:
    """Whether every target holds (no slack) at the largest design. More capacity mostly widens the dispatch's choices
    (PV can be curtailed, a store's extra part left idle), so a target missed there is likely out of reach: the caller
    then solves the whole LP, which is exact either way and names the target (a slower path, never a wrong one)."""
    inf = highspy.kHighsInf
    h.changeColsBounds(slack.size, slack, np.zeros(slack.size), np.zeros(slack.size))
    ok = run(ub, cold=False) == highspy.HighsModelStatus.kOptimal
    h.changeColsBounds(slack.size, slack, np.zeros(slack.size), np.full(slack.size, inf))
    return ok


def _store_pairs(m, names: list[str], col: np.ndarray, cols: np.ndarray) -> list[tuple[int, int]]:
    """Positions in ``cols`` of each sized store's (energy, power) capacity."""
    where = {int(c): i for i, c in enumerate(cols)}
    pairs = []
    for name in names:
        if name.endswith("_energy_capacity") and name.replace("_energy_", "_power_") in names:
            energy = col[np.asarray(m.variables[name].labels.values).ravel()]
            power = col[np.asarray(m.variables[name.replace("_energy_", "_power_")].labels.values).ravel()]
            pairs += [(where[int(e)], where[int(p)]) for e, p in zip(energy, power)
                      if int(e) in where and int(p) in where]
    return pairs


def _idle_power_to_zero(run, best_x: np.ndarray, best_v: float, pairs, lb: np.ndarray, stats: BendersStats, h,
                        highspy) -> tuple[np.ndarray, float]:
    """A store sized at no energy keeps no power: the power's small tie-break cost is below the gap, so the loop can
    stop with a few kW on an empty store. Set them to their lower bound and keep that design if it costs no more."""
    idle = [p for e, p in pairs if best_x[e] <= lb[e] + 1e-9 and best_x[p] > lb[p] + 1e-9]
    if not idle:
        return best_x, best_v
    x = best_x.copy()
    x[idle] = lb[idle]
    if run(x, cold=False) == highspy.HighsModelStatus.kOptimal:
        v = float(h.getInfo().objective_function_value)
        if v <= best_v:
            stats.gap = (v - stats.lower_bound) / max(abs(v), 1e-9)
            return x, v
    run(best_x, cold=False)
    return best_x, best_v


def _matrix(lp, n_rows: int, n_cols: int):
    """The constraint matrix of a HiGHS LP as a scipy sparse matrix (linopy passes it row-wise)."""
    import highspy
    from scipy import sparse

    a = lp.a_matrix_
    kind = sparse.csr_matrix if a.format_ == highspy.MatrixFormat.kRowwise else sparse.csc_matrix
    return kind((np.asarray(a.value_, dtype=float), np.asarray(a.index_), np.asarray(a.start_)),
                shape=(n_rows, n_cols))


def _mask(n: int, where: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[where] = True
    return out


def _master_rows(lp, n_rows: int, n_cols: int, all_caps: np.ndarray, cols: np.ndarray, lower: np.ndarray):
    """Rows that hold capacities only (e.g. ``capex <= x``): ``(rows, coefficients on cols, lower, upper)``."""
    csc = _matrix(lp, n_rows, n_cols).tocsc()
    is_cap = _mask(n_cols, all_caps)
    other = np.asarray((csc[:, ~is_cap] != 0).sum(axis=1)).ravel()
    touched = np.asarray((csc[:, is_cap] != 0).sum(axis=1)).ravel()
    rows = np.flatnonzero((other == 0) & (touched > 0))
    if rows.size == 0:
        return None
    sub = csc[rows]
    fixed = np.setdiff1d(all_caps, cols)
    constant = sub[:, fixed] @ lower[fixed] if fixed.size else np.zeros(rows.size)
    coef = sub[:, cols].toarray()
    lo = np.asarray(lp.row_lower_, dtype=float)[rows] - constant
    hi = np.asarray(lp.row_upper_, dtype=float)[rows] - constant
    return rows.tolist(), coef, lo, hi


def _master(cuts, lo: np.ndarray, hi: np.ndarray, master_rows):
    """``min θ`` over the box ``[lo, hi]`` with ``θ ≥`` every cut (and the capacity-only rows): its value, its
    capacities and its row duals (the cuts' first, then the capacity-only rows'); Nones without an optimum."""
    import highspy

    n = lo.size
    inf = highspy.kHighsInf
    mh = highspy.Highs()
    mh.setOptionValue("output_flag", False)
    mh.setOptionValue("threads", 1)
    allcols = np.arange(n + 1, dtype=np.int32)
    mh.addVars(n + 1, np.r_[lo, -inf if cuts else 0.0], np.r_[hi, inf])
    mh.changeColsCost(n + 1, allcols, np.r_[np.zeros(n), 1.0])
    for v, g, xk, _ in cuts:  # θ − gᵀx ≥ v − gᵀx_k
        mh.addRow(v - float(g @ xk), inf, n + 1, allcols, np.r_[-g, 1.0])
    if master_rows is not None:
        _, coef, rlo, rhi = master_rows
        for a, l, u in zip(coef, rlo, rhi):
            mh.addRow(l, u, n, allcols[:n], a)
    mh.run()
    if mh.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, None, None
    sol = mh.getSolution()
    return (float(mh.getInfo().objective_function_value), np.asarray(sol.col_value[:n], dtype=float),
            np.asarray(sol.row_dual, dtype=float))
