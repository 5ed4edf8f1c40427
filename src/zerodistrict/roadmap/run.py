"""A city's road to its target: each district design simulated once, scaled to the housing stock year by year.

:func:`run_roadmap` runs every design of a :class:`~.spec.Roadmap` once
(:func:`design_figures`) and hands the per-home figures to :func:`scale`,
a pure function of the roadmap and those figures that gives one row per year.

Why one run per design is enough
--------------------------------
The rule dispatch never reads the emission factor, so a design's energy flows
are the same under every year's grid. The optimal dispatch reads it only with
``objective: co2``, and there the roadmap's factor of a year is one number for
every step: the objective is that number times the imports, and multiplying an
objective by a positive constant does not move its optimum (a factor of 0
makes every dispatch optimal at zero CO2). The design's own shared mobility and
hydrogen chain are left out (the roadmap's sections count them for the city), so
the grid is the objective's only CO2. So each design is simulated once,
with its scenario's own factor, and the roadmap applies each year's factor to
the energies.

Scaling (per year ``y``, dwelling type ``t``, design ``d``)
-----------------------------------------------------------
* stock ``N_t(y) = homes_t · (1 + growth_t)^(y − base_year)``;
* converted ``C_d(y)``: the S-curve's share of the eligible stock
  ``Σ_{t∈d} N_t(y)``, or the sum of the yearly numbers so far; split over the
  design's types by their stock; ``C_d(y) ≤ Σ_{t∈d} N_t(y)`` (an error otherwise);
* a converted home takes ``r_d = import_d / baseline_d`` of its grid
  electricity, where ``import_d`` and ``baseline_d`` are the simulated
  district's grid import and its demand without PV and batteries;
* residential CO2 without the programme ``Σ_t N_t(y) · E_t · f(y)`` and with it
  ``… − Σ_d Σ_{t∈d} C_{d,t}(y) · E_t · (1 − r_d) · f(y)``, with ``E_t`` the
  type's electricity a home a year [kWh] and ``f(y)`` the grid factor;
* investment ``I(y) = Σ_d max(0, C_d(y) − C_d(y−1)) · capex_d`` with
  ``capex_d`` the design's capital cost per simulated home;
* shared mobility: tailpipe ``km(y) · c_km`` avoided, charging
  ``km(y) · e_km · f(y)`` added; hydrogen: ``kg/d(y) · days · c_kg`` avoided;
* net = residential with the programme − mobility's net cut − hydrogen's cut;
  target ``T(y) = R(base) · (1 − cut(y))`` where ``R(base)`` is the residential
  CO2 without the programme in the target's base year; gap = net − target.

Simplifications
---------------
* A converted home's share ``r_d`` is the simulated district's; homes of the
  same type elsewhere in the city are assumed to behave alike.
* The grid factor is an annual average (location-based); hourly shapes are not
  carried into the years.
* Investment is spent in the year a home converts; no replacement or learning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from zerodistrict.analysis.gpc import ON_ROAD_FUEL, ON_ROAD_GRID, RESIDENTIAL_GRID, GpcRow, gpc_row
from zerodistrict.errors import InputError
from zerodistrict.roadmap.spec import Design, Roadmap, interpolate
from zerodistrict.scenario.models import Scenario

Progress = Callable[[str], None]
#: days a year the roadmap counts (a design run of another length is scaled to it)
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class DesignFigures:
    """What a roadmap takes from one simulated design, per home.

    Attributes
    ----------
    scenario : str
        The design's scenario name.
    applies_to : tuple of str
        Dwelling types it converts.
    homes : int
        Homes simulated.
    import_kwh_per_home_year, baseline_kwh_per_home_year : float
        Grid import with the design and without PV and batteries, a home a year. [kWh]
    capex_per_home : float
        Capital cost of the design over its homes. [currency]
    currency : str
    dispatch : str
    period_days : float
        Days simulated. [d]
    """

    scenario: str
    applies_to: tuple[str, ...]
    homes: int
    import_kwh_per_home_year: float
    baseline_kwh_per_home_year: float
    capex_per_home: float
    currency: str
    dispatch: str
    period_days: float

    @property
    def import_ratio(self) -> float:
        """Share of a home's former grid electricity still imported with the design (0–1, >1 if it imports more)."""
        return self.import_kwh_per_home_year / self.baseline_kwh_per_home_year


def _design_scenario(design: Design, base_dir: Path, where: str) -> Scenario:
    from zerodistrict.scenario import load_scenario

    ref = design.scenario
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") and not path.is_absolute():
        ref = str(base_dir / path)
    try:
        scenario = load_scenario(ref)
    except InputError as exc:
        raise InputError(f"{where}.scenario: {exc}") from None
    # the roadmap's own shared_mobility and hydrogen sections count the city's trips and hydrogen transport:
    # the design's are left out (not counted twice, and the grid factor stays the objective's only CO2 weight)
    update: dict = {"mobility": None}
    if scenario.community.hydrogen is not None:
        update["community"] = scenario.community.model_copy(update={"hydrogen": None})
    if design.days is not None:
        period = scenario.period.model_copy(update={"days": design.days, "start": None})
        update["period"] = type(scenario.period).model_validate(period.model_dump())
    return scenario.model_copy(update=update)


def design_figures(design: Design, base_dir: Path, where: str = "designs[0]", currency: str | None = None,
                   progress: Progress | None = None) -> DesignFigures:
    """Simulate one design (without resilience; its shared mobility left to the roadmap) and take its figures.

    Raises
    ------
    InputError
        A scenario that cannot be loaded or run, has no homes, no capital cost
        (``economics: null``), another currency than ``currency`` (when given) or
        no grid demand; each names ``where``.
    """
    from zerodistrict.analysis.kpis import baseline_demand_kw
    from zerodistrict.pipeline import run

    scenario = _design_scenario(design, base_dir, where)
    if scenario.n_homes == 0:
        raise InputError(f"{where}.scenario: {scenario.name} has no homes to scale to the city")
    if currency is not None and scenario.grid.currency != currency:
        raise InputError(f"{where}.scenario: {scenario.name} counts money in {scenario.grid.currency}, the city in "
                         f"{currency} (city.currency); give a design in the city's currency")
    try:
        result = run(scenario, dispatch=design.dispatch, progress=progress, resilience_hours=None,
                     objective=design.objective)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    k = result.kpis
    if k.capex is None:
        raise InputError(f"{where}.scenario: {scenario.name} has no capital cost (economics: null); the roadmap "
                         "needs it for the investment per year")
    per_year = DAYS_PER_YEAR / k.period_days / k.n_homes
    baseline_kwh = float(baseline_demand_kw(result.inputs).sum() * result.inputs.step_hours)
    if baseline_kwh <= 0:
        raise InputError(f"{where}.scenario: {scenario.name} takes no electricity without PV; nothing to scale")
    return DesignFigures(scenario=scenario.name, applies_to=tuple(design.applies_to), homes=k.n_homes,
                         import_kwh_per_home_year=k.grid_import_kwh * per_year,
                         baseline_kwh_per_home_year=baseline_kwh * per_year,
                         capex_per_home=k.capex / k.n_homes, currency=k.currency, dispatch=k.dispatch,
                         period_days=float(k.period_days))


# --------------------------------------------------------------------------- scaling


def stock(roadmap: Roadmap, years: np.ndarray) -> pd.DataFrame:
    """Homes of each dwelling type in ``years`` (rows: years, columns: types)."""
    years = np.asarray(years)
    base = roadmap.city.base_year
    return pd.DataFrame({h.type: h.homes * (1.0 + h.growth_ratio_per_year) ** (years - base)
                         for h in roadmap.city.housing}, index=years)


def converted_homes(roadmap: Roadmap, index: int, eligible: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Homes design ``index`` has converted by each of ``years`` (cumulative), given its eligible stock.

    Raises
    ------
    InputError
        Yearly numbers that add up to more homes than the design's types hold.
    """
    adoption = roadmap.designs[index].adoption
    if adoption.s_curve is not None:
        return adoption.s_curve.share(years) * eligible
    per_year = adoption.homes_per_year or {}
    done = np.cumsum([per_year.get(int(y), 0.0) for y in years])
    over = np.flatnonzero(done > eligible * (1 + 1e-12))
    if over.size:
        y = over[0]
        types = ", ".join(roadmap.designs[index].applies_to)
        raise InputError(f"designs[{index}].adoption.homes_per_year: by {years[y]} the converted homes "
                         f"({done[y]:,.0f}) exceed the {eligible[y]:,.0f} homes of {types}")
    return done


def _before_start(roadmap: Roadmap, index: int, eligible_before: float) -> float:
    """Homes converted the year before the roadmap's first (an S-curve may start earlier)."""
    curve = roadmap.designs[index].adoption.s_curve
    if curve is None:
        return 0.0
    return float(curve.share(np.array([roadmap.start_year - 1]))[0] * eligible_before)


def scale(roadmap: Roadmap, designs: list[DesignFigures]) -> pd.DataFrame:
    """One row per year of the roadmap: homes, residential CO2 without and with the programme, transport,
    investment, target and gap (columns and units: :data:`COLUMNS`).

    ``designs`` are the figures of ``roadmap.designs`` in their order. Pure: no simulation.
    """
    if len(designs) != len(roadmap.designs):
        raise ValueError(f"{len(designs)} design figures for {len(roadmap.designs)} designs")
    years = roadmap.years
    homes = stock(roadmap, years)
    homes_before = stock(roadmap, np.array([roadmap.start_year - 1])).iloc[0]
    kwh = pd.Series({h.type: h.electricity_kwh_per_home_year for h in roadmap.city.housing})
    factor = interpolate(roadmap.grid.points, years)
    without_kg = (homes * kwh).sum(axis=1).to_numpy() * factor
    avoided_kg = np.zeros(len(years))
    converted = np.zeros(len(years))
    converted_new = np.zeros(len(years))
    investment = np.zeros(len(years))
    for i, figures in enumerate(designs):
        types = list(roadmap.designs[i].applies_to)
        eligible = homes[types].sum(axis=1).to_numpy()
        done = converted_homes(roadmap, i, eligible, years)
        share_of_type = homes[types].div(np.where(eligible > 0, eligible, 1.0), axis=0)
        kwh_per_converted = (share_of_type * kwh[types]).sum(axis=1).to_numpy()
        avoided_kg += done * kwh_per_converted * (1.0 - figures.import_ratio) * factor
        previous = np.concatenate([[_before_start(roadmap, i, float(homes_before[types].sum()))], done[:-1]])
        new = np.maximum(done - previous, 0.0)
        converted += done
        converted_new += new
        investment += new * figures.capex_per_home
    with_kg = without_kg - avoided_kg
    tailpipe_kg = charging_kg = hydrogen_kg = np.zeros(len(years))
    km = h2_kg_year = np.zeros(len(years))
    mobility = roadmap.shared_mobility
    if mobility is not None:
        km = interpolate(mobility.vehicle_km_per_year, years, before=0.0)
        tailpipe_kg = km * mobility.co2_kg_per_km_avoided
        charging_kg = km * mobility.electricity_kwh_per_km * factor
    hydrogen = roadmap.hydrogen_transport
    if hydrogen is not None:
        h2_kg_year = interpolate(hydrogen.kg_per_day, years, before=0.0) * hydrogen.days_per_year
        hydrogen_kg = h2_kg_year * hydrogen.co2_kg_per_kg_avoided
    net_kg = with_kg - (tailpipe_kg - charging_kg) - hydrogen_kg
    target_kg = target_path_kg(roadmap, years)
    t = 1e-3  # kg → t
    return pd.DataFrame({
        "year": years,
        "homes_total": homes.sum(axis=1).to_numpy(),
        "homes_converted": converted,
        "homes_converted_in_year": converted_new,
        "grid_co2_kg_per_kwh": factor,
        "residential_co2_without_programme_t": without_kg * t,
        "residential_co2_with_programme_t": with_kg * t,
        "residential_co2_avoided_t": avoided_kg * t,
        "mobility_vehicle_km": km,
        "mobility_tailpipe_co2_avoided_t": tailpipe_kg * t,
        "mobility_charging_co2_t": charging_kg * t,
        "mobility_co2_avoided_t": (tailpipe_kg - charging_kg) * t,
        "hydrogen_kg": h2_kg_year,
        "hydrogen_co2_avoided_t": hydrogen_kg * t,
        "net_co2_t": net_kg * t,
        "target_co2_t": target_kg * t,
        "gap_to_target_t": (net_kg - target_kg) * t,
        f"investment_{roadmap.city.currency.lower()}": investment,
    })


def target_path_kg(roadmap: Roadmap, years: np.ndarray) -> np.ndarray:
    """The target line [kg-CO2]: the base year's residential CO2 without the programme, cut as the milestones say."""
    target = roadmap.target
    base_year = np.array([target.base_year])
    kwh = pd.Series({h.type: h.electricity_kwh_per_home_year for h in roadmap.city.housing})
    base_kg = float((stock(roadmap, base_year) * kwh).sum(axis=1).iloc[0]
                    * interpolate(roadmap.grid.points, base_year)[0])
    xs = [target.base_year] + [m.year for m in target.milestones]
    cuts = [0.0] + [m.reduction_ratio for m in target.milestones]
    return base_kg * (1.0 - np.interp(np.asarray(years, dtype=float), xs, cuts))


def gpc_rows(row: pd.Series) -> list[GpcRow]:
    """The GPC rows of one year of :func:`scale`'s table [kg-CO2]."""
    kg = 1e3
    rows = [gpc_row(RESIDENTIAL_GRID, row["residential_co2_without_programme_t"] * kg,
                    row["residential_co2_with_programme_t"] * kg)]
    fuel = row["mobility_tailpipe_co2_avoided_t"] + row["hydrogen_co2_avoided_t"]
    if fuel:
        rows.append(gpc_row(ON_ROAD_FUEL, fuel * kg, 0.0))
    if row["mobility_charging_co2_t"]:
        rows.append(gpc_row(ON_ROAD_GRID, 0.0, row["mobility_charging_co2_t"] * kg))
    return rows


# --------------------------------------------------------------------------- run


@dataclass
class RoadmapResult:
    """A roadmap, the figures of its designs, and its yearly table (:func:`scale`)."""

    roadmap: Roadmap
    designs: list[DesignFigures]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def run_roadmap(roadmap: Roadmap, base_dir: Path, progress: Progress | None = None) -> RoadmapResult:
    """Simulate each design once and scale it to the city, year by year.

    Parameters
    ----------
    roadmap : Roadmap
    base_dir : pathlib.Path
        Folder that design scenario paths are relative to (the roadmap file's).
    progress : callable, optional
        Called with a short message at each step.

    Raises
    ------
    InputError
        A design that cannot be run, in another currency than the city's, or
        adoption numbers above the stock; the message names the field.
    """
    say = progress or (lambda msg: None)
    figures = []
    n = len(roadmap.designs)
    for i, design in enumerate(roadmap.designs):
        where = f"designs[{i}]"
        figures.append(design_figures(
            design, base_dir, where, currency=roadmap.city.currency,
            progress=lambda msg, i=i, name=design.scenario: say(f"design {i + 1}/{n} {name}: {msg}")))
    say("scaling to the city")
    table = scale(roadmap, figures)
    notes = [f"{f.scenario}: simulated {f.period_days:g} days, scaled to {DAYS_PER_YEAR:g}"
             for f in figures if f.period_days not in (365, 366)]
    return RoadmapResult(roadmap=roadmap, designs=figures, table=table, notes=notes)
