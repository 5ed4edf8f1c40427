"""Outage reserve in the dispatch LP: community stores keep energy above their floor while the grid is up.

A community battery's ``outage_reserve_kwh`` ``r_c`` [kWh] (scenario field
``community.batteries[i].outage_reserve_kwh``; :class:`~zerodistrict.dispatch.common.Stores`) is
held in normal operation and released when the grid is down (an explicit outage, or no grid), so
that the survival analysis (:mod:`zerodistrict.analysis.resilience`) starts every outage from at
least ``floor + r_c``. The rule CEMS holds it the same way (:mod:`zerodistrict.dispatch.rule`).

=====================  ==========================================  ====================================
symbol                 meaning                                     code name
=====================  ==========================================  ====================================
``e_c(t)``             energy of community store c at the end of   ``community_storage_soc``
                       step t [kWh]
``m_c``                its floor [kWh] (``m_c·E_c`` when sized)    ``min_kwh``
``r_c``                its outage reserve [kWh] (a number, or a    ``outage_reserve`` (sizing)
                       variable in sizing)
``σ_c(t)``             shortfall below floor + reserve [kWh]       ``community_storage_reserve_short``
``g(t)``               1 while the grid is up                      ``grid_up``
=====================  ==========================================  ====================================

Constraint, for every step and community store (``h_c`` = 1 for a store holding a reserve)::

    e_c(t) + σ_c(t) ≥ m_c + g(t)·h_c·r_c,      σ_c(t) ≥ 0

and the objective gains ``Σ_t Σ_c K·VOLL·σ_c(t)`` with ``K`` = :data:`RESERVE_PENALTY_MULTIPLE`.
The shortfall is there only for what cannot be helped: a store that starts below its reserve, or
that an explicit outage drained, refills as fast as the district allows. Every other shortfall costs
more than the critical load it could serve (``K > CRITICAL_PENALTY_MULTIPLE`` and a kWh short
stays short for at least one step), so the LP keeps the reserve whenever it can.

Simplification: the reserve is per community store (home batteries hold none); an EV or
hydrogen tank holds none either (the scenario field is on community batteries).
"""

from __future__ import annotations

import linopy
import numpy as np
import xarray as xr

from zerodistrict.dispatch.optimal.capacity import _Sizing
from zerodistrict.dispatch.optimal.problem import _Problem

#: penalty per kWh per step below the outage reserve, as a multiple of the value of lost load (assumption:
#: above CRITICAL_PENALTY_MULTIPLE = 2, so that no shortfall serves load the LP could serve otherwise)
RESERVE_PENALTY_MULTIPLE = 4.0
SHORT = "community_storage_reserve_short"


def add_outage_reserve(m: linopy.Model, p: _Problem, sized: dict[str, _Sizing] | None = None) -> None:
    """The scenario's reserves ``r_c`` (numbers) as the module's constraint; nothing when every ``r_c`` is 0."""
    r = p.community_reserve_kwh
    if r is None or p.community.n == 0 or not np.any(r > 0) or p.grid_up is None or not p.grid_up.any():
        return
    add_reserve_floor(m, p, sized, r, held=r > 0, name="outage_reserve_floor")


def add_reserve_floor(m: linopy.Model, p: _Problem, sized: dict[str, _Sizing] | None, reserve,
                      held: np.ndarray, name: str, soft: bool = True) -> None:
    """``e_c(t) + σ_c(t) ≥ m_c + r_c`` for the grid-up steps and the stores ``held`` (c,) bool.

    ``reserve``: (c,) numbers [kWh] or a linopy variable over the ``community_storage`` dimension.
    The shortfall variable and its penalty are created once and shared by every soft call;
    ``soft=False`` leaves ``σ`` out (sizing: cyclic storage can always hold it, whatever the objective).
    """
    soc = m.variables["community_storage_soc"]
    time, unit = soc.indexes["time"], soc.indexes["community_storage"]
    z = (sized or {}).get("community_storage")
    if z is not None and z.energy is not None:
        floor = xr.DataArray(z.min_ratio, coords=[unit]) * m.variables["community_storage_energy_capacity"]
    else:
        floor = xr.DataArray(p.community.min_kwh, coords=[unit])
    # g(t)·held_c: 1 where the reserve is held; elsewhere the row is e_c(t) + σ_c(t) ≥ m_c, which the bounds
    # already hold (no masked rows: the rolling horizon's window LP reuses every row, dispatch/optimal/window.py)
    on = xr.DataArray((np.asarray(p.grid_up, dtype=bool)[:, None] & np.asarray(held, dtype=bool)[None, :]) * 1.0,
                      coords=[time, unit])
    if soft and SHORT not in m.variables:
        m.add_variables(lower=0.0, coords=[time, unit], name=SHORT)
        penalty = RESERVE_PENALTY_MULTIPLE * p.voll
        m.add_objective(m.objective.expression + (penalty * m.variables[SHORT]).sum(), overwrite=True)
    if isinstance(reserve, (linopy.Variable, linopy.LinearExpression)):
        rhs = reserve * on + floor  # linopy first
    else:
        rhs = on * xr.DataArray(np.asarray(reserve, dtype=float), coords=[unit]) + floor
    lhs = soc + m.variables[SHORT] if soft else 1.0 * soc
    m.add_constraints(lhs - rhs >= 0.0, name=name)


def reserve_shortfall_kwh(m: linopy.Model) -> float:
    """Largest shortfall below an outage reserve in the solution [kWh] (0 without a reserve)."""
    if SHORT not in m.variables:
        return 0.0
    return float(np.nanmax(np.asarray(m.variables[SHORT].solution.values, dtype=float), initial=0.0))


__all__ = ["RESERVE_PENALTY_MULTIPLE", "add_outage_reserve", "add_reserve_floor", "reserve_shortfall_kwh"]