"""Optimal dispatch: the least-bill (or least-cost, least-CO2) operation of the district as a linear programme.

The LP is built with linopy and solved with HiGHS (:class:`OptimalModel` holds
both steps and the results; ``dispatch_optimal`` runs them), over the whole period with
perfect foresight (every store starts at its ``initial_soc_ratio`` and ends with at least
that energy, or — ``community.storage_end: cyclic`` — where it starts, its level free) or
over a rolling horizon (solve ``H`` hours, keep the first 24, carry the states of charge,
move on).

Objective ``bill`` (default): the households' bill under the scenario's tariff, with its
monthly tiers, net metering and export prices modelled exactly where they are convex, on
the meters as the LP models them (:mod:`~zerodistrict.dispatch.optimal.tariff` says what is
exact and what is billed after dispatch only). ``energy_cost`` (older name ``cost``):
every step at its marginal price. ``co2``: grid emissions.

Network. Each home is a bus with its load, its PV (curtailable) and its
battery. With ``sharing`` every home is joined by the private line to the
community bus, which holds the grid connection, the community battery, the
shared EVs and the mobility stations' charging load. Without ``sharing`` each
home trades only with the grid through its own meter (and its own battery);
the community battery, EVs and mobility load then sit at the community bus
with a meter of their own.

Sets and symbols (``Δt`` step length [h]):

=====================  ==================================  =========================
symbol                 meaning                             code name
=====================  ==================================  =========================
``p_imp, p_exp``       grid import / export at a meter     ``grid_import``, ``grid_export``
``c_h``                PV curtailed at home h              ``curtail``
``u_h, u^c_h, u^m``    unserved non-critical / critical    ``shed``, ``shed_critical``,
                       load of home h, unserved mobility   ``shed_mobility``
``ch_s, dis_s, e_s``   AC charge, AC discharge, stored     ``*_charge``, ``*_discharge``,
                       energy at the end of a step         ``*_soc``
``o_h, i_h``           power home h sends into / draws     ``line_out``, ``line_in``
                       from the line
=====================  ==================================  =========================

Each constraint family is one function below whose docstring states its
equation; limits that are plain bounds (power caps, SOC range, availability)
are set on the variables by the ``*_bounds`` functions.

Simplifications and choices:

- Line losses: power a home sends into the line arrives at the community bus
  reduced by ``line_loss_ratio``; power from the community bus to a home
  arrives whole. Home-to-home sharing therefore delivers ``(1 − loss)`` of
  what is sent; losses count as load of the line (``line_loss_kw``).
- Grid export at a meter is at most the PV generation behind it (the district
  PV with sharing, the home's PV without). Japanese FIT and buyback schemes
  buy PV surplus only, and the bound keeps the LP bounded when an export price
  exceeds the import price (the LP then exports up to all PV, as gross
  metering would).
- ``grid_charging: false``: the batteries (and EVs) so marked at a meter charge
  together at most the PV generation behind that meter in each step (PV is
  fungible with the load it could also serve, as in ITC-style accounting).
- Unserved load is a variable with a penalty: ``VOLL_PRICE_MULTIPLE`` × the
  highest marginal price of the objective (import or export price; emission
  factor for ``co2``) per kWh of non-critical load, twice that for critical
  load, so critical load is shed last. The reported ``objective`` is the LP
  objective *including* this penalty (the PyPSA reference carries the same
  penalty generators); net energy cost and CO2 come from the flows.
- ``energy_cost`` prices each step at its marginal price; ``bill`` models the tariff's
  monthly tiers and net metering (non-convex parts — consumption rebates, waivers — are
  billed after dispatch only).
- Import and export limits apply to the district's total at every step.
- The private line's trunk (``line_capacity_kw``, unlimited by default) joins
  the community bus (grid connection, community stores, EV chargers) to the
  homes: the net power the bus sends the homes, or takes from them, stays
  within it (:func:`~zerodistrict.dispatch.optimal.capacity.add_line_capacity`);
  homes exchange among themselves on their side of it without limit. Exact in
  the merged district bus too, since the limit is on the community bus's flows.

With lossy sharing, homes without storage are merged exactly into two buses
(one sending their surplus, one drawing their deficit): a home without storage
loses by sending power its own load could use, so its own PV serves it first
(:func:`_net_storage_less_homes`).

Speed: with lossless sharing (``line_loss_ratio == 0``) the homes' buses
aggregate exactly into one district bus, and batteries with identical
per-kWh parameters (power/capacity ratio, efficiencies, floor, initial ratio,
grid charging) into one battery per class; results are split back to homes in
proportion to each battery's capacity (its SOC stays within its limits since
every limit scales with capacity), curtailment in proportion to each home's PV,
unserved load in proportion to each home's (critical) load. This is exact: the
aggregated LP has the same optimal objective as the per-home LP.

Attribution under sharing: each home draws ``i_h`` from the line (its deficit
after its own PV and battery) and sends ``o_h`` (its surplus). Grid import is
attributed to homes in proportion to their draws (at most all of each draw;
the rest of an import served the community battery, EVs or mobility load);
grid export in proportion to what homes send; ``shared_kw`` is the power
passed from homes to homes, ``min((1 − loss)·Σo, Σi)``, attributed in
proportion to draws and sends.

References
----------
PyPSA storage and link formulation, ``pypsa/optimization/constraints.py``
(PyPSA 1.4, 2025); NREL REopt ``value_of_lost_load_per_kwh`` and
``critical_load_fraction`` (REopt.jl, 2023); HiGHS, Huangfu & Hall,
"Parallelizing the dual revised simplex method", Math. Prog. Comp. 10 (2018).
"""

from __future__ import annotations

from collections.abc import Callable

from zerodistrict.dispatch.optimal import xarray_dask

xarray_dask.install()  # before linopy makes its first array: no dask import for numpy-only models

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
from zerodistrict.dispatch.optimal.capacity import CapacityRange, StoreCapacity
from zerodistrict.dispatch.optimal.model import OptimalModel, build_model
from zerodistrict.dispatch.optimal.problem import (
    CRITICAL_PENALTY_MULTIPLE,
    HIGHS_OPTIONS,
    ROLLING_KEEP_HOURS,
    VOLL_PRICE_MULTIPLE,
    Objective,
    value_of_lost_load,
)
from zerodistrict.dispatch.optimal.rolling import _rolling, objective_value
from zerodistrict.dispatch.optimal.tariff import dispatch_bill, storage_credit
from zerodistrict.dispatch.optimal.solve import _check, infeasibility_hint

__all__ = [
    "CRITICAL_PENALTY_MULTIPLE", "HIGHS_OPTIONS", "ROLLING_KEEP_HOURS", "VOLL_PRICE_MULTIPLE", "CapacityRange",
    "Objective", "OptimalModel", "StoreCapacity", "build_model", "dispatch_bill", "dispatch_optimal",
    "infeasibility_hint", "objective_value", "storage_credit", "value_of_lost_load",
]


def dispatch_optimal(inputs: DispatchInputs, objective: Objective = "bill", horizon_hours: int | None = None, *,
                     aggregate: bool = True, solver_options: dict | None = None,
                     progress: Callable[[str], None] | None = None) -> DispatchResult:
    """Least-bill (least-cost, or least-CO2) dispatch of the district.

    Parameters
    ----------
    inputs : DispatchInputs
        The district as arrays.
    objective : {"bill", "energy_cost", "cost", "co2"}
        ``bill`` (default): minimise the households' bill under ``inputs.tariff`` with its monthly
        tiers and net metering (:mod:`~zerodistrict.dispatch.optimal.tariff`; without a tariff it is
        the energy cost). ``energy_cost`` (older name ``cost``): net energy cost at each step's
        marginal price [currency]. ``co2``: grid emissions [kg-CO2].
    horizon_hours : int, optional
        None: perfect foresight over the whole period; every store starts at its
        ``initial_soc_ratio`` and ends with at least that energy (``inputs.storage_end``
        ``"at_least_initial"``) or where it starts (``"cyclic"``). Otherwise a rolling
        horizon: solve ``horizon_hours`` [h] (≥ 24), keep the first 24 h, carry the states of
        charge and move on. The first window starts from each unit's ``initial_soc_ratio``;
        instead of the cyclic condition, every window must end with each unit at least at
        ``min(initial energy, energy at the window's start)``, and the last window at its
        initial energy, so a controller does not empty the storage at its horizon and the
        period ends where it started (or above). When the last window cannot get back there
        (the stores fell below it over the period and its hours have no sun to refill them),
        it ends at least where it started instead, and a note says how far short.
    aggregate : bool
        Solve the exact aggregated LP when sharing is lossless (see module docstring).
    solver_options : dict, optional
        HiGHS options on top of :data:`HIGHS_OPTIONS` (e.g. ``{"threads": 1}``).
    progress : callable, optional
        Hears a message after each round of a perfect-foresight bill LP with net metering.

    Returns
    -------
    DispatchResult
        ``method="optimal"``; ``objective`` is the minimised value including the unserved
        penalty and, for ``bill``, the fixed charges (for a rolling horizon, the energy cost or
        CO2 expression over the kept steps; a rolling ``bill`` minimises the energy cost).

    Raises
    ------
    InputError
        Bad ``objective`` or ``horizon_hours``.
    SolverError
        HiGHS did not reach an optimum: the message gives its status and, for an infeasible
        scenario, the likely cause (e.g. an EV trip the car cannot charge for).
    """
    objective = _check(inputs, objective)
    if horizon_hours is None:
        return OptimalModel.build(inputs, objective, aggregate=aggregate).solve(solver_options, progress).result()
    return _rolling(inputs, objective, horizon_hours, aggregate, solver_options)
