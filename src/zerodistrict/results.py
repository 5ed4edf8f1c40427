"""Results of a run: typed KPIs, the district time series and the per-home table.

:class:`Kpis` is the ``kpis.json`` contract of DESIGN.md: every field carries
its unit in its name; fields of analyses that were not run are ``None`` and
left out of the JSON. :func:`compute_kpis` derives them from a dispatch —
statistics are computed from results, never inside dispatch code.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult


class Kpis(BaseModel):
    """Key figures of one run over its period (annual for a one-year period)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    dispatch: str
    n_homes: int
    period_start: str
    period_end: str
    step_minutes: int
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
    # economics (issue 3)
    annual_bill_total: float | None = None
    annual_bill_total_baseline: float | None = None
    capex: float | None = None
    npv: float | None = None
    payback_years: float | None = None
    lcoe_per_kwh: float | None = None
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

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


@dataclass
class Result:
    """Everything a run produced; the CLI, report, store and API read this."""

    scenario: Any  # zerodistrict.scenario.Scenario
    inputs: DispatchInputs
    dispatch: DispatchResult
    kpis: Kpis
    homes: pd.DataFrame  # one row per home, annual figures
    extras: dict[str, Any] = field(default_factory=dict)  # per-analysis outputs (e.g. mobility stations)

    @property
    def timeseries(self) -> pd.DataFrame:
        return self.dispatch.timeseries()


def _ratio(num: float, den: float) -> float:
    """num/den clipped to [0, 1]; 0 when there is nothing to divide."""
    if den <= 0:
        return 0.0
    return float(min(max(num / den, 0.0), 1.0))


def compute_kpis(inputs: DispatchInputs, result: DispatchResult, scenario_name: str, pv_kwp: float) -> Kpis:
    """KPIs of a dispatch; baseline = the same homes with no PV, no batteries, all from the grid.

    Parameters
    ----------
    inputs, result : the dispatch's arrays.
    scenario_name : str
    pv_kwp : float
        Installed PV of the district [kWp], for the specific yield.
    """
    dt_h = inputs.step_hours
    tot = {k: float(v.sum() * dt_h) for k, v in result.totals.items() if k.endswith("_kw")}
    pv_kwh = tot["pv_kw"]
    demand_kwh = tot["load_kw"] + tot["ev_charge_kw"]
    pv_used = pv_kwh - tot["grid_export_kw"] - tot["curtailed_kw"]
    # self-sufficiency: share of demand not met by the grid (nor left unserved)
    self_suff = _ratio(demand_kwh - tot["grid_import_kw"] - tot["unserved_kw"], demand_kwh)
    ef = inputs.emission_factor_kg_per_kwh
    co2 = float((result.totals["grid_import_kw"] * ef).sum() * dt_h)
    baseline_kw = inputs.load_kw.sum(axis=1) + inputs.mobility_load_kw
    co2_base = float((baseline_kw * ef).sum() * dt_h)
    cost = float((result.totals["grid_import_kw"] * inputs.import_price).sum() * dt_h)
    revenue = float((result.totals["grid_export_kw"] * inputs.export_price).sum() * dt_h)
    cost_base = float((baseline_kw * inputs.import_price).sum() * dt_h)
    outage_steps = int(inputs.outage.sum()) if inputs.outage is not None else 0
    idx = inputs.index
    return Kpis(
        scenario=scenario_name,
        dispatch=result.method,
        n_homes=inputs.n_homes,
        period_start=idx[0].isoformat(),
        period_end=(idx[-1] + pd.Timedelta(hours=dt_h)).isoformat(),
        step_minutes=int(round(dt_h * 60)),
        load_kwh=tot["load_kw"],
        ev_charge_kwh=tot["ev_charge_kw"],
        pv_kwp=pv_kwp,
        pv_generation_kwh=pv_kwh,
        pv_specific_yield_kwh_per_kwp=pv_kwh / pv_kwp if pv_kwp > 0 else 0.0,
        grid_import_kwh=tot["grid_import_kw"],
        grid_export_kwh=tot["grid_export_kw"],
        shared_kwh=tot["shared_kw"],
        battery_charge_kwh=tot["battery_charge_kw"],
        battery_discharge_kwh=tot["battery_discharge_kw"],
        curtailed_kwh=tot["curtailed_kw"],
        unserved_kwh=tot["unserved_kw"],
        critical_unserved_kwh=tot.get("critical_unserved_kw", 0.0),
        outage_hours=outage_steps * dt_h,
        self_consumption_ratio=_ratio(pv_used, pv_kwh),
        self_sufficiency_ratio=self_suff,
        co2_kg=co2,
        co2_baseline_kg=co2_base,
        co2_reduction_ratio=_ratio(co2_base - co2, co2_base),
        energy_cost=cost,
        export_revenue=revenue,
        net_energy_cost=cost - revenue,
        net_energy_cost_baseline=cost_base,
        currency=inputs.currency,
    )


def homes_table(inputs: DispatchInputs, result: DispatchResult) -> pd.DataFrame:
    """One row per home with its period sums [kWh] and ratios."""
    dt_h = inputs.step_hours
    load = inputs.load_kw.sum(axis=0) * dt_h
    pv = inputs.pv_kw.sum(axis=0) * dt_h
    imp = result.home_import_kw.sum(axis=0) * dt_h
    exp = result.home_export_kw.sum(axis=0) * dt_h
    unserved = result.home_unserved_kw.sum(axis=0) * dt_h
    ht = result.home_totals_kwh
    groups = np.asarray(inputs.group_names, dtype=object)[inputs.home_group]
    with np.errstate(divide="ignore", invalid="ignore"):
        self_suff = np.where(load > 0, 1.0 - (imp + unserved) / load, 0.0)
    df = pd.DataFrame(
        {
            "home": np.arange(inputs.n_homes),
            "group": groups,
            "load_kwh": load,
            "pv_generation_kwh": pv,
            "grid_import_kwh": imp,
            "grid_export_kwh": exp,
            "shared_in_kwh": ht.get("shared_in", np.zeros(inputs.n_homes)),
            "shared_out_kwh": ht.get("shared_out", np.zeros(inputs.n_homes)),
            "battery_charge_kwh": ht.get("battery_charge", np.zeros(inputs.n_homes)),
            "battery_discharge_kwh": ht.get("battery_discharge", np.zeros(inputs.n_homes)),
            "curtailed_kwh": ht.get("curtailed", np.zeros(inputs.n_homes)),
            "unserved_kwh": unserved,
            "self_sufficiency_ratio": np.clip(self_suff, 0.0, 1.0),
            "energy_cost": (result.home_import_kw * inputs.import_price[:, None]).sum(axis=0) * dt_h,
            "export_revenue": (result.home_export_kw * inputs.export_price[:, None]).sum(axis=0) * dt_h,
        }
    )
    return df


@contextlib.contextmanager
def staged_output(out_dir: Path):
    """Yield a temporary folder beside ``out_dir``; its files move into ``out_dir`` only if the block succeeds.

    Nothing is half-written: on any error the temporary folder is removed and
    ``out_dir`` is left as it was. The moved paths are appended to the list
    the context manager yields second.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".zerodistrict-", dir=out_dir.parent))
    written: list[Path] = []
    try:
        yield tmp, written
        out_dir.mkdir(parents=True, exist_ok=True)
        for item in sorted(tmp.iterdir()):
            target = out_dir / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
            written.append(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_outputs(result: Result, out_dir: Path, extra_writers: list | None = None) -> list[Path]:
    """Write kpis.json, timeseries.csv, homes.csv (+ stations.csv, + extras) atomically into ``out_dir``.

    ``extra_writers`` are callables ``f(result, folder)`` (report, PNGs…).
    """
    with staged_output(out_dir) as (tmp, written):
        (tmp / "kpis.json").write_text(json.dumps(result.kpis.to_json_dict(), indent=2, ensure_ascii=False) + "\n")
        ts = result.timeseries
        ts.index = ts.index.map(lambda t: t.isoformat())
        ts.to_csv(tmp / "timeseries.csv", index_label="time")
        result.homes.to_csv(tmp / "homes.csv", index=False, float_format="%.9g")
        if "mobility" in result.extras:
            from zerodistrict.mobility import write_stations_csv

            write_stations_csv(result.extras["mobility"], tmp / "stations.csv")
        for writer in extra_writers or []:
            writer(result, tmp)
    return written
