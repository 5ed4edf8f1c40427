"""Scenarios side by side: KPIs normalised per home and per kWp, and sentences that explain the differences.

:func:`compare_results` puts the KPIs of several runs in one table, one row
per run, adding per-home and per-kWp normalisations so that districts of
different sizes compare fairly. :func:`explain_differences` turns that table
into sentences in the report's language: each run is compared with the first
(the reference) on PV yield, self-sufficiency and what drives it, CO2 per
home and cost per home. The sentences state differences in the numbers; they
make no causal claim beyond them.

Simplifications: amounts are sums over each run's period (annual for the
presets); money is not converted between currencies — when two runs bill in
different currencies only their costs relative to their own baselines are
compared.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from zerodistrict.report.language import Language
from zerodistrict.report.summaries import (
    mobility_figures,
    stationary_capacity_kwh,
    trips_served,
)

#: a relative difference below this reads as "the same" [-]
SAME_RELATIVE = 0.005
#: a difference of ratios below this reads as "the same" [0–1] (half a percentage point)
SAME_POINTS = 0.005

#: columns of the comparison table shown in the report, in order, with their decimals and kind
TABLE_ROWS = (
    ("n_homes", 0, "number"),
    ("pv_kwp_per_home", 1, "number"),
    ("battery_kwh_per_home", 1, "number"),
    ("demand_kwh_per_home", 0, "number"),
    ("pv_generation_kwh_per_home", 0, "number"),
    ("pv_specific_yield_kwh_per_kwp", 0, "number"),
    ("pv_to_demand_kwh_per_kwh", 0, "percent"),
    ("self_sufficiency_ratio", 0, "percent"),
    ("self_consumption_ratio", 0, "percent"),
    ("grid_import_kwh_per_home", 0, "number"),
    ("grid_export_kwh_per_kwp", 0, "number"),
    ("curtailed_kwh_per_kwp", 0, "number"),
    ("co2_kg_per_home", 0, "number"),
    ("co2_reduction_ratio", 0, "percent"),
    ("net_energy_cost_per_home", 0, "money"),
    ("net_energy_cost_baseline_per_home", 0, "money"),
    ("net_energy_cost_to_baseline_ratio", 0, "percent"),
    ("capex_per_kwp", 0, "money"),
    ("payback_years", 1, "number"),
    ("critical_survival_hours_p50", 0, "number"),
    ("mobility_trips_served", 0, "number"),
    ("space_conditioning_ratio", 0, "percent"),
    ("cooling_kwh_per_home", 0, "number"),
    ("heating_kwh_per_home", 0, "number"),
)


def _per(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _row(result) -> dict:
    k = result.kpis
    n = k.n_homes
    kwp = k.pv_kwp
    demand = k.load_kwh + k.ev_charge_kwh
    battery = stationary_capacity_kwh(result)
    resilience = result.resilience
    survival = resilience.to_json_dict()["shared"]["critical_survival_hours_p50"] if resilience is not None else math.nan
    served = trips_served(mobility_figures(result))
    days = (pd.Timestamp(k.period_end) - pd.Timestamp(k.period_start)) / pd.Timedelta(days=1)
    nan_if_none = lambda v: math.nan if v is None else float(v)
    return {
        "site": result.scenario.site.name,
        "country": result.scenario.site.country,
        "currency": k.currency,
        "period_days": float(days),
        "n_homes": n,
        "pv_kwp": kwp,
        "pv_kwp_per_home": _per(kwp, n),
        "battery_kwh": battery,
        "battery_kwh_per_home": _per(battery, n),
        "demand_kwh": demand,
        "demand_kwh_per_home": _per(demand, n),
        "pv_generation_kwh": k.pv_generation_kwh,
        "pv_generation_kwh_per_home": _per(k.pv_generation_kwh, n),
        "pv_specific_yield_kwh_per_kwp": _per(k.pv_generation_kwh, kwp),
        "pv_to_demand_kwh_per_kwh": _per(k.pv_generation_kwh, demand),
        "grid_import_kwh_per_home": _per(k.grid_import_kwh, n),
        "grid_export_kwh_per_home": _per(k.grid_export_kwh, n),
        "grid_export_kwh_per_kwp": _per(k.grid_export_kwh, kwp),
        "curtailed_kwh_per_kwp": _per(k.curtailed_kwh, kwp),
        "export_share_of_pv_ratio": _per(k.grid_export_kwh, k.pv_generation_kwh),
        "curtailed_share_of_pv_ratio": _per(k.curtailed_kwh, k.pv_generation_kwh),
        "self_sufficiency_ratio": k.self_sufficiency_ratio,
        "self_consumption_ratio": k.self_consumption_ratio,
        "co2_kg": k.co2_kg,
        "co2_kg_per_home": _per(k.co2_kg, n),
        "co2_baseline_kg_per_home": _per(k.co2_baseline_kg, n),
        "co2_reduction_ratio": k.co2_reduction_ratio,
        "net_energy_cost": k.net_energy_cost,
        "net_energy_cost_per_home": _per(k.net_energy_cost, n),
        "net_energy_cost_baseline_per_home": _per(k.net_energy_cost_baseline, n),
        "net_energy_cost_to_baseline_ratio": _per(k.net_energy_cost, k.net_energy_cost_baseline),
        "capex": nan_if_none(k.capex),
        "capex_per_home": _per(nan_if_none(k.capex), n),
        "capex_per_kwp": _per(nan_if_none(k.capex), kwp),
        "payback_years": nan_if_none(k.payback_years),
        "critical_survival_hours_p50": float(survival),
        "mobility_trips_served": math.nan if served is None else float(served[0]),
        "mobility_trips_served_ratio": math.nan if served is None else served[1],
        "space_conditioning_ratio": nan_if_none(k.space_conditioning_ratio),
        "cooling_kwh_per_home": _per(nan_if_none(k.cooling_kwh), n),
        "heating_kwh_per_home": _per(nan_if_none(k.heating_kwh), n),
        **_envelope_figures(result.scenario),
    }


def _envelope_figures(scenario) -> dict:
    """Mean over the homes modelled as buildings: the conditioned zone's loss coefficient UA [W/K] and its
    windows' effective solar aperture (g × unshaded glass) [m²]; NaN without buildings."""
    from zerodistrict.profiles.loads import building_zone

    groups = [(g.count, building_zone(g.building)) for g in scenario.homes if g.building is not None]
    homes = sum(count for count, _ in groups)
    if not homes:
        return {"envelope_w_per_k_per_home": math.nan, "solar_aperture_m2_per_home": math.nan}
    return {
        "envelope_w_per_k_per_home": sum(c * float(z.h_total) for c, z in groups) / homes,
        "solar_aperture_m2_per_home": sum(c * z.window_g_eff * sum(z.window_m2) for c, z in groups) / homes,
    }


def unique_labels(names: list[str]) -> list[str]:
    """Names made unique by numbering repeats: ``a, a`` → ``a, a (2)``."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return labels


def compare_results(results: list) -> pd.DataFrame:
    """KPIs of several runs side by side, with per-home and per-kWp normalisations.

    Parameters
    ----------
    results : list of zerodistrict.results.Result

    Returns
    -------
    pandas.DataFrame
        One row per run, indexed by scenario name (``name (2)`` for a repeat).
        Amounts are sums over each run's period; ``*_per_home`` divide by its
        homes, ``*_per_kwp`` by its installed PV [kWp] (NaN without PV).
        Columns include ``site``, ``currency``, ``period_days``, ``n_homes``,
        ``pv_kwp_per_home`` [kWp], ``battery_kwh_per_home`` (stationary:
        homes' and community) [kWh], ``demand_kwh_per_home`` (homes + EV
        charging) [kWh], ``pv_specific_yield_kwh_per_kwp``,
        ``pv_to_demand_kwh_per_kwh`` (PV over demand; may exceed 1),
        ``self_sufficiency_ratio``, ``co2_kg_per_home``,
        ``net_energy_cost_per_home`` [currency], ``net_energy_cost_to_baseline_ratio``
        (net cost over the no-PV, no-battery cost; negative when exports earn
        more than imports cost), ``capex_per_kwp`` [currency/kWp],
        ``critical_survival_hours_p50`` [h] and ``mobility_trips_served``
        (NaN where that analysis was not run).
    """
    if not results:
        raise ValueError("compare_results needs at least one result")
    rows = [_row(r) for r in results]
    index = pd.Index(unique_labels([r.kpis.scenario for r in results]), name="scenario")
    return pd.DataFrame(rows, index=index)


# --------------------------------------------------------------------------- sentences


def _direction(difference: float, same: float) -> str:
    if not math.isfinite(difference) or abs(difference) < same:
        return "same"
    return "more" if difference > 0 else "less"


def _relative(a: float, b: float) -> float:
    return a / b - 1.0 if b and math.isfinite(b) and b > 0 else math.nan


def _yield_sentence(lang: Language, a: pd.Series, b: pd.Series) -> str | None:
    ya, yb = a["pv_specific_yield_kwh_per_kwp"], b["pv_specific_yield_kwh_per_kwp"]
    if not (math.isfinite(ya) and math.isfinite(yb)):
        return None
    rel = _relative(ya, yb)
    return lang.text(f"sentence.yield_{_direction(rel, SAME_RELATIVE)}", a=a["site"], b=b["site"],
                     yield_a=lang.quantity(ya, "unit.kwh_per_kwp"), yield_b=lang.quantity(yb, "unit.kwh_per_kwp"),
                     diff=lang.percent(abs(rel)))


def _self_sufficiency_sentence(lang: Language, a: pd.Series, b: pd.Series) -> str:
    d = a["self_sufficiency_ratio"] - b["self_sufficiency_ratio"]
    return lang.text(f"sentence.ss_{_direction(d, SAME_POINTS)}", a=a["site"], b=b["site"],
                     ss_a=lang.percent(a["self_sufficiency_ratio"]), ss_b=lang.percent(b["self_sufficiency_ratio"]),
                     diff=lang.points(d))


def _drivers_sentences(lang: Language, a: pd.Series, b: pd.Series) -> list[str]:
    out = [lang.text(
        "sentence.pv_to_demand", a=a["site"], b=b["site"],
        ratio_a=lang.percent(a["pv_to_demand_kwh_per_kwh"]), ratio_b=lang.percent(b["pv_to_demand_kwh_per_kwh"]),
        kwp_a=lang.quantity(a["pv_kwp_per_home"], "unit.kwp", 1), kwp_b=lang.quantity(b["pv_kwp_per_home"], "unit.kwp", 1),
        demand_a=lang.quantity(a["demand_kwh_per_home"], "unit.kwh"),
        demand_b=lang.quantity(b["demand_kwh_per_home"], "unit.kwh"),
    ), lang.text(
        "sentence.storage_and_surplus", a=a["site"], b=b["site"],
        battery_a=lang.quantity(a["battery_kwh_per_home"], "unit.kwh", 1),
        battery_b=lang.quantity(b["battery_kwh_per_home"], "unit.kwh", 1),
        export_a=lang.percent(a["export_share_of_pv_ratio"]), export_b=lang.percent(b["export_share_of_pv_ratio"]),
        curtailed_a=lang.percent(a["curtailed_share_of_pv_ratio"]),
        curtailed_b=lang.percent(b["curtailed_share_of_pv_ratio"]),
    )]
    return out


def _co2_sentence(lang: Language, a: pd.Series, b: pd.Series) -> str:
    rel = _relative(a["co2_kg_per_home"], b["co2_kg_per_home"])
    return lang.text(f"sentence.co2_{_direction(rel, SAME_RELATIVE)}", a=a["site"], b=b["site"],
                     co2_a=lang.quantity(a["co2_kg_per_home"], "unit.kg_co2"),
                     co2_b=lang.quantity(b["co2_kg_per_home"], "unit.kg_co2"),
                     diff=lang.percent(abs(rel)) if math.isfinite(rel) else lang.text("format.missing"),
                     reduction_a=lang.percent(a["co2_reduction_ratio"]),
                     reduction_b=lang.percent(b["co2_reduction_ratio"]))


def _cost_sentences(lang: Language, a: pd.Series, b: pd.Series) -> list[str]:
    cost_a = lang.money(a["net_energy_cost_per_home"], a["currency"])
    cost_b = lang.money(b["net_energy_cost_per_home"], b["currency"])
    if a["currency"] == b["currency"]:
        d = a["net_energy_cost_per_home"] - b["net_energy_cost_per_home"]
        scale = max(abs(b["net_energy_cost_baseline_per_home"]), 1e-9)
        first = lang.text(f"sentence.cost_{_direction(d / scale, SAME_RELATIVE)}", a=a["site"], b=b["site"],
                          cost_a=cost_a, cost_b=cost_b, diff=lang.money(abs(d), a["currency"]))
    else:
        first = lang.text("sentence.cost_other_currency", a=a["site"], b=b["site"], cost_a=cost_a, cost_b=cost_b)
    return [first, lang.text("sentence.cost_to_baseline", a=a["site"], b=b["site"],
                             share_a=lang.percent(a["net_energy_cost_to_baseline_ratio"]),
                             share_b=lang.percent(b["net_energy_cost_to_baseline_ratio"]))]


def _space_conditioning_sentences(lang: Language, a: pd.Series, b: pd.Series, same_site: bool) -> list[str]:
    """Heating + cooling per home of ``a`` against ``b``, then the envelope figures behind it.

    The envelope is named as the reason only when both runs are at one site (same weather) and the
    envelope's loss coefficient moves the same way as the energy; otherwise its figures are stated.
    """
    hvac_a = a["cooling_kwh_per_home"] + a["heating_kwh_per_home"]
    hvac_b = b["cooling_kwh_per_home"] + b["heating_kwh_per_home"]
    if not (math.isfinite(hvac_a) and math.isfinite(hvac_b)):
        return []
    rel = _relative(hvac_a, hvac_b)
    direction = _direction(rel, SAME_RELATIVE)
    first = lang.text(
        f"thermal.sentence_{direction}", a=a["site"], b=b["site"],
        hvac_a=lang.quantity(hvac_a, "unit.kwh"), hvac_b=lang.quantity(hvac_b, "unit.kwh"),
        diff=lang.quantity(abs(hvac_a - hvac_b), "unit.kwh"),
        rel=lang.percent(abs(rel)) if math.isfinite(rel) else lang.text("format.missing"),
        share_a=lang.percent(a["space_conditioning_ratio"]), share_b=lang.percent(b["space_conditioning_ratio"]))
    h_a, h_b = a["envelope_w_per_k_per_home"], b["envelope_w_per_k_per_home"]
    envelope_direction = _direction(_relative(h_a, h_b), SAME_RELATIVE)
    key = (f"thermal.envelope_explains_{direction}" if same_site and direction != "same"
           and envelope_direction == direction else "thermal.envelope_figures")
    second = lang.text(
        key, a=a["site"], b=b["site"],
        h_a=lang.quantity(h_a, "thermal.unit_w_per_k"), h_b=lang.quantity(h_b, "thermal.unit_w_per_k"),
        sol_a=lang.quantity(a["solar_aperture_m2_per_home"], "thermal.unit_m2", 1),
        sol_b=lang.quantity(b["solar_aperture_m2_per_home"], "thermal.unit_m2", 1))
    return [first, second]


def explain_differences(table: pd.DataFrame, lang: Language) -> list[list[str]]:
    """Sentences comparing each run after the first with the first, in the report's language.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compare_results` (two or more rows).
    lang : Language

    Returns
    -------
    list of list of str
        For each run after the first, its sentences: PV yield, self-sufficiency,
        PV against demand and storage, CO2 per home, cost per home, and (homes
        modelled as buildings) heating and cooling per home. Runs are
        named by site, or by scenario when both are at the same site.
    """
    paragraphs = []
    for i in range(1, len(table)):
        a, reference = table.iloc[i].copy(), table.iloc[0].copy()
        same_site = a["site"] == reference["site"]
        if same_site:  # two designs at one site: name them by scenario instead
            a["site"], reference["site"] = str(a.name), str(reference.name)
        sentences = [_yield_sentence(lang, a, reference), _self_sufficiency_sentence(lang, a, reference),
                     *_drivers_sentences(lang, a, reference), _co2_sentence(lang, a, reference),
                     *_cost_sentences(lang, a, reference),
                     *_space_conditioning_sentences(lang, a, reference, same_site)]
        paragraphs.append([s for s in sentences if s])
    return paragraphs


def cell_text(lang: Language, value, kind: str, decimals: int, currency: str) -> str:
    """One cell of the comparison table in the report's language."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return lang.text("format.missing")
    if kind == "percent":
        return lang.percent(value, decimals)
    if kind == "money":
        return lang.money(value, currency)
    return lang.number(value, decimals)


#: unit strings (i18n keys) of the rows whose label has no ``[unit]`` and that are neither percent nor money
COUNT_UNITS = {"n_homes": "compare.unit_homes", "mobility_trips_served": "compare.unit_trips"}
#: money rows that are per kWp of PV rather than per home
MONEY_PER_KWP = {"capex_per_kwp"}


def _split_unit(label: str) -> tuple[str, str | None]:
    """``"PV yield [kWh/kWp]"`` → ``("PV yield", "kWh/kWp")``; a label without brackets → ``(label, None)``."""
    if label.endswith("]") and " [" in label:
        head, _, unit = label[:-1].rpartition(" [")
        return head, unit
    return label, None


def _row_unit(lang: Language, column: str, kind: str, currencies: list[str], bracket: str | None) -> str:
    if bracket is not None:
        return bracket
    if kind == "percent":
        return "%"
    if kind == "money":
        codes = list(dict.fromkeys(currencies))
        if column in MONEY_PER_KWP:
            codes = [lang.text("compare.unit_per_kwp", currency=code) for code in codes]
        return " / ".join(codes)
    return lang.text(COUNT_UNITS[column]) if column in COUNT_UNITS else ""


def comparison_rows(table: pd.DataFrame, lang: Language) -> list[tuple[str, str, list[str]]]:
    """The comparison table as text with a unit for every row: (translated label without its unit, unit,
    one formatted cell per run) for each row of :data:`TABLE_ROWS` that has a value for at least one run.

    The unit is the label's own ``[unit]`` (translated), ``%`` for shares, the
    currency code(s) for money (``JPY / MYR`` when runs bill in different
    currencies; each cell then carries its own symbol) and a count's noun.
    Columns are the runs in the order of ``table`` (labelled by its index:
    the scenario names). The HTML report and the CLI print this.
    """
    rows = []
    currencies = [str(c) for c in table["currency"]]
    for column, decimals, kind in TABLE_ROWS:
        if table[column].isna().all():
            continue
        cells = [cell_text(lang, table[column].iloc[i], kind, decimals, currencies[i]) for i in range(len(table))]
        label, bracket = _split_unit(lang.text(f"row.{column}"))
        rows.append((label, _row_unit(lang, column, kind, currencies, bracket), cells))
    return rows


def comparison_cells(table: pd.DataFrame, lang: Language) -> list[tuple[str, list[str]]]:
    """The comparison table as text: (translated row label, one formatted cell per run) for each row of
    :data:`TABLE_ROWS` that has a value for at least one run (:func:`comparison_rows` adds the units)."""
    rows = []
    for column, decimals, kind in TABLE_ROWS:
        if table[column].isna().all():
            continue
        cells = [cell_text(lang, table[column].iloc[i], kind, decimals, table["currency"].iloc[i])
                 for i in range(len(table))]
        rows.append((lang.text(f"row.{column}"), cells))
    return rows
