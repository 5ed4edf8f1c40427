"""What a run produced: typed KPIs (the ``kpis.json`` contract of DESIGN.md) and the :class:`Result`.

:class:`Kpis`: every field carries its unit in its name; fields of analyses that
were not run are ``None`` and left out of the JSON. :class:`Result` holds the
outputs of each analysis in a typed field of its own, ``None`` when that
analysis did not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult

if TYPE_CHECKING:  # annotations only: results stays importable without the analyses' dependencies
    from zerodistrict.analysis.economics import EconomicsResult
    from zerodistrict.analysis.resilience import ResilienceResult
    from zerodistrict.mobility.simulate import MobilityResult
    from zerodistrict.scenario.models import Scenario


class Kpis(BaseModel):
    """Key figures of one run over its period.

    Every energy [kWh], CO2 [kg] and money amount (``load_kwh``, ``co2_kg``,
    ``net_energy_cost``, ``bill_total``, …) is a sum over the run's period,
    ``period_days`` long (from ``period_start`` to ``period_end``): annual only
    when the period is a calendar year. Only ``annual_*`` fields claim a year;
    they appear for a run of one calendar year. NPV, payback and LCOE need a
    year of cash flows: for a shorter run they are scaled up from its days and
    ``annualised_from_days`` says so (absent for a calendar year).

    Baselines (``co2_baseline_kg``, ``net_energy_cost_baseline``,
    ``bill_total_baseline``) are the same district without PV and batteries:
    its simulated demand bought from the grid (see
    :func:`zerodistrict.analysis.kpis.baseline_demand_kw`).
    """

    model_config = ConfigDict(extra="forbid")

    scenario: str
    dispatch: str
    n_homes: int
    period_start: str
    period_end: str
    step_minutes: int
    period_days: int | float  # [d] from the index: 365 or 366 for a calendar year, 14 for two weeks
    load_kwh: float
    ev_charge_kwh: float
    pv_kwp: float
    pv_generation_kwh: float
    pv_specific_yield_kwh_per_kwp: float
    grid_import_kwh: float
    grid_export_kwh: float
    shared_kwh: float
    battery_charge_kwh: float
    battery_discharge_kwh: float
    curtailed_kwh: float
    unserved_kwh: float
    critical_unserved_kwh: float
    outage_hours: float
    self_consumption_ratio: float
    self_sufficiency_ratio: float
    co2_kg: float
    co2_baseline_kg: float
    co2_reduction_ratio: float
    energy_cost: float
    export_revenue: float
    net_energy_cost: float
    net_energy_cost_baseline: float
    currency: str
    # economics (issue 3); bills of the homes over the period, annual ones only for a calendar year
    bill_total: float | None = None
    bill_total_baseline: float | None = None
    annual_bill_total: float | None = None
    annual_bill_total_baseline: float | None = None
    capex: float | None = None
    npv: float | None = None
    payback_years: float | None = None
    lcoe_per_kwh: float | None = None
    annualised_from_days: int | float | None = None  # [d] npv, payback, lcoe scaled up from a shorter run
    # resilience (issue 4)
    critical_survival_hours_mean: float | None = None
    # mobility (issue 5)
    mobility_trips: int | None = None
    mobility_trips_served_ratio: float | None = None
    mobility_km: float | None = None
    mobility_energy_kwh: float | None = None
    mobility_co2_avoided_kg: float | None = None
    mobility_revenue: float | None = None
    mobility_vehicle_utilisation_ratio: float | None = None
    # storage (issue 11); fields added later come last: the results store's kpis table appends its columns
    #: energy in all stores at the end minus at the start [kWh]; comparisons charge a drawdown (< 0) at the
    #: highest import price (dispatch.optimal.storage_credit)
    storage_change_kwh: float = 0.0
    # homes as buildings (issue 16): heating and cooling electricity, part of load_kwh; None without a building
    heating_kwh: float | None = None
    cooling_kwh: float | None = None
    #: (heating + cooling) / load_kwh: the share of the homes' electricity that conditions their air
    space_conditioning_ratio: float | None = None
    # hydrogen (issue 15; analysis/hydrogen.py): present when the scenario has community.hydrogen
    hydrogen_produced_kg: float | None = None
    hydrogen_demand_kg: float | None = None
    hydrogen_served_ratio: float | None = None  # offtake served from the tank / offtake; the rest is grey hydrogen
    electrolyser_full_load_hours: float | None = None  # [h] electrolyser energy / rated kW
    lcoh_per_kg: float | None = None  # [currency/kg] levelised cost of the hydrogen produced
    hydrogen_co2_avoided_kg: float | None = None  # grey hydrogen displaced less the electrolyser's grid CO2

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


@dataclass
class Result:
    """Everything a run produced; the CLI, report, store and API read this.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario that was run.
    inputs, dispatch : DispatchInputs, DispatchResult
        The dispatch's arrays and flows.
    kpis : Kpis
        Key figures (``kpis.json``).
    homes : pandas.DataFrame
        One row per home with its period figures (``homes.csv``).
    mobility : MobilityResult or None
        The shared fleet's simulation (ports, trips, charging); None without a ``mobility`` section.
    resilience : ResilienceResult or None
        Outage survival for every start step; None when not analysed (no homes, or switched off).
    economics : EconomicsResult or None
        Bills, capital cost, NPV and payback of the district; None without cost data for its country.
    bills : pandas.DataFrame or None
        Monthly bill of every home under the scenario's tariff (columns
        :data:`zerodistrict.analysis.bills.BILL_COLUMNS`) [currency]; None without a tariff or
        without an appraisal (``economics`` is None).
    notes : list of str
        What a reader of the figures should know about how the analyses computed them
        (e.g. months billed pro rata); the CLI prints them, the library never does.
    warnings : list of str
        Figures to read with care (e.g. NPV annualised from a short run); printed as warnings.
    """

    scenario: Scenario
    inputs: DispatchInputs
    dispatch: DispatchResult
    kpis: Kpis
    homes: pd.DataFrame
    mobility: MobilityResult | None = None
    resilience: ResilienceResult | None = None
    economics: EconomicsResult | None = None
    bills: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def timeseries(self) -> pd.DataFrame:
        """District flows [kW]; with buildings also ``heating_kw`` and ``cooling_kw`` (electricity, within ``load_kw``)."""
        ts = self.dispatch.timeseries()
        if self.inputs.heating_kw is not None:
            ts["heating_kw"] = self.inputs.heating_kw
            ts["cooling_kw"] = self.inputs.cooling_kw
        return ts
