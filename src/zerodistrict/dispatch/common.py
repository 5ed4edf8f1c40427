"""Arrays in, arrays out: what every dispatch (rule-based or optimal) reads and writes.

:class:`DispatchInputs` holds the district as arrays ready for a model —
time along axis 0, homes (or EVs) along axis 1 — so that dispatch code never
touches the scenario or a file. :class:`DispatchResult` holds the flows, with
district totals per step (the ``timeseries.csv`` contract) and the per-home
matrices the analyses need (bills, resilience).

Sign conventions: every flow is ≥ 0 and named by its direction. The district
balance of each step is

    pv + grid_import + battery_discharge + unserved
        = load + ev_charge + battery_charge + grid_export + curtailed

where ``battery_*`` are stationary batteries (homes' and the community's) and
``battery_discharge`` also includes the power bidirectional EVs feed back
(given separately as ``ev_discharge_kw``); ``ev_charge`` is all power drawn
by EVs (the community fleet and district-powered mobility stations); line
losses of sharing count as ``load`` of the line and are reported in
``line_loss_kw``, so the balance closes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: columns of ``timeseries.csv`` after ``time``, in order (DESIGN.md contract)
TIMESERIES_COLUMNS = (
    "load_kw",
    "ev_charge_kw",
    "pv_kw",
    "battery_charge_kw",
    "battery_discharge_kw",
    "battery_soc_kwh",
    "shared_kw",
    "grid_import_kw",
    "grid_export_kw",
    "curtailed_kw",
    "unserved_kw",
)
#: extra columns we also write (not part of the balance equation)
EXTRA_COLUMNS = ("ev_discharge_kw", "ev_soc_kwh", "line_loss_kw", "critical_unserved_kw")


@dataclass
class StorageArrays:
    """A set of batteries, one per column: every field is an array of shape (n,)."""

    capacity_kwh: np.ndarray
    power_kw: np.ndarray
    charge_efficiency: np.ndarray
    discharge_efficiency: np.ndarray
    min_soc_ratio: np.ndarray
    initial_soc_ratio: np.ndarray
    grid_charging: np.ndarray  # bool

    @property
    def n(self) -> int:
        return int(self.capacity_kwh.shape[0])

    @property
    def min_kwh(self) -> np.ndarray:
        return self.capacity_kwh * self.min_soc_ratio

    @property
    def initial_kwh(self) -> np.ndarray:
        return self.capacity_kwh * self.initial_soc_ratio

    @classmethod
    def empty(cls, n: int = 0) -> "StorageArrays":
        z = np.zeros(n)
        return cls(z, z.copy(), np.ones(n), np.ones(n), z.copy(), z.copy(), np.zeros(n, dtype=bool))

    @classmethod
    def from_models(cls, batteries: list) -> "StorageArrays":
        """One column per item of ``batteries`` (scenario Battery models or None for none)."""
        n = len(batteries)
        out = cls.empty(n)
        for i, b in enumerate(batteries):
            if b is None:
                continue
            out.capacity_kwh[i] = b.capacity_kwh
            out.power_kw[i] = b.power_kw
            out.charge_efficiency[i] = b.charge_efficiency
            out.discharge_efficiency[i] = b.discharge_efficiency
            out.min_soc_ratio[i] = b.min_soc_ratio
            out.initial_soc_ratio[i] = b.initial_soc_ratio
            out.grid_charging[i] = getattr(b, "grid_charging", True)
        return out


@dataclass
class EVArrays(StorageArrays):
    """Community EVs, one column per vehicle, with their trips.

    ``available[t, e]`` is True while vehicle e is parked at its charger;
    ``trip_kwh[t, e]`` is the battery energy the trip that *starts* at step t
    takes away (0 where none starts). ``bidirectional[e]`` allows discharge.
    """

    bidirectional: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    available: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    trip_kwh: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def reserve_kwh(self) -> np.ndarray:
        """(t, e): energy a vehicle must keep at step t — its floor plus its next trip's energy."""
        starts = np.where(self.trip_kwh > 0, self.trip_kwh, np.nan)
        nxt = pd.DataFrame(starts).bfill().fillna(0.0).to_numpy()
        return self.min_kwh[None, :] + nxt


@dataclass
class DispatchInputs:
    """The district as arrays (see module docstring for shapes and signs)."""

    index: pd.DatetimeIndex
    step_hours: float
    load_kw: np.ndarray  # (t, h) every home's own load, water heater included
    pv_kw: np.ndarray  # (t, h) AC output of each home's array
    home_group: np.ndarray  # (h,) int index into group_names
    group_names: list[str]
    critical_load_ratio: np.ndarray  # (h,)
    home_batteries: StorageArrays  # n = h (capacity 0 where a home has none)
    community_battery: StorageArrays  # n = 0 or 1
    evs: EVArrays  # n = number of community EVs
    mobility_load_kw: np.ndarray  # (t,) charging at district-powered mobility stations
    sharing: bool
    line_loss_ratio: float
    grid_available: np.ndarray  # (t,) bool: connected and not in an outage
    export_allowed: bool
    import_limit_kw: float  # np.inf when unlimited
    export_limit_kw: float  # np.inf when unlimited
    import_price: np.ndarray  # (t,) [currency/kWh]
    export_price: np.ndarray  # (t,) [currency/kWh]
    emission_factor_kg_per_kwh: np.ndarray  # (t,)
    currency: str = "JPY"
    #: (t,) True in a grid outage: critical load has priority (non-critical is shed first); None = no outages
    outage: np.ndarray | None = None

    @property
    def n_steps(self) -> int:
        return int(self.load_kw.shape[0])

    @property
    def n_homes(self) -> int:
        return int(self.load_kw.shape[1])


@dataclass
class DispatchResult:
    """Flows of one dispatch. Totals are (t,) arrays [kW or kWh]; per-home matrices are (t, h)."""

    index: pd.DatetimeIndex
    step_hours: float
    totals: dict[str, np.ndarray]  # TIMESERIES_COLUMNS + EXTRA_COLUMNS → (t,)
    home_import_kw: np.ndarray  # (t, h) grid import attributed to each home
    home_export_kw: np.ndarray  # (t, h) grid export attributed to each home
    home_unserved_kw: np.ndarray  # (t, h) load of each home left unserved
    home_totals_kwh: dict[str, np.ndarray]  # (h,) per-home period sums: shared_in, shared_out, curtailed, battery_charge, battery_discharge
    home_soc_kwh: np.ndarray  # (t, h) home battery energy at the END of each step
    community_soc_kwh: np.ndarray  # (t,) at the end of each step
    ev_soc_kwh: np.ndarray  # (t, e) at the end of each step
    method: str = "rule"
    objective: float | None = None  # optimal dispatch: objective value [currency or kg]
    notes: list[str] = field(default_factory=list)

    def timeseries(self) -> pd.DataFrame:
        cols = {name: self.totals[name] for name in TIMESERIES_COLUMNS + EXTRA_COLUMNS if name in self.totals}
        return pd.DataFrame(cols, index=self.index.rename("time"))


def balance_residual_kw(totals: dict[str, np.ndarray]) -> np.ndarray:
    """Supply minus demand of every step [kW]; zero when the step balances."""
    supply = totals["pv_kw"] + totals["grid_import_kw"] + totals["battery_discharge_kw"] + totals["unserved_kw"]
    demand = (
        totals["load_kw"]
        + totals["ev_charge_kw"]
        + totals["battery_charge_kw"]
        + totals["grid_export_kw"]
        + totals["curtailed_kw"]
    )
    return supply - demand


def check_balance(totals: dict[str, np.ndarray], tol_kw: float = 1e-6) -> None:
    """Raise AssertionError naming the first step that does not balance or any negative flow."""
    resid = balance_residual_kw(totals)
    bad = np.flatnonzero(np.abs(resid) > tol_kw)
    if bad.size:
        t = int(bad[0])
        raise AssertionError(f"energy balance fails at step {t}: residual {resid[t]:.3e} kW")
    for name, values in totals.items():
        if name.endswith("_kw") and values.size and values.min() < -tol_kw:
            t = int(np.argmin(values))
            raise AssertionError(f"negative flow {name}={values[t]:.3e} at step {t}")
