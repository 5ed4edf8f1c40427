"""What a job computes and writes, run inside its worker process (see :mod:`zerodistrict.web.jobs`).

Each kind of job is one function ``f(payload, folder, places, say)`` of :data:`WORK`:
it computes with the library's public functions (the pipeline, the report,
the writers, the sweep) and writes every file of the job into ``folder`` at
once (all-or-nothing, :mod:`zerodistrict.results.writers`); ``say(fraction,
stage)`` reports progress. It returns the KPIs to store (or None).

Files of a run: the CLI's ``kpis.json``, ``timeseries.csv``, ``homes.csv``
(and ``stations.csv``), ``png/*.png``, the report in each language
(``report-en.html``…), ``view-{lang}.json`` (the summary cards as HTML and
the monthly balance, typical days and survival charts as plotly figures,
drawn by the report's own chart functions) and ``result.pickle`` (for a
later comparison; read back only by this service, from its own folder).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from zerodistrict.report.language import LANGUAGES

Say = Callable[[float, str], None]

#: pipeline progress messages (their first word) → the share of the job done when they appear
_STAGES = {"checking": 0.05, "shared": 0.1, "weather": 0.15, "loads": 0.25, "rule": 0.4, "optimal": 0.4,
           "KPIs,": 0.6, "outage": 0.7}


def _pipeline_progress(say: Say) -> Callable[[str], None]:
    def progress(message: str) -> None:
        say(_STAGES.get(message.split(" ", 1)[0], 0.3), message)

    return progress


def _scenario(ref, uploads_dir: Path):
    from zerodistrict.scenario import load_scenario
    from zerodistrict.scenario.loading import scenario_from_dict

    if isinstance(ref, str):
        return load_scenario(ref)  # a preset name (checked by the service before queueing)
    return scenario_from_dict(ref, base_dir=uploads_dir, source="scenario")


def _view(result, lang_code: str) -> dict:
    """The web page's view of a run in one language: summary cards (HTML) and three plotly figures."""
    from zerodistrict.report import charts, get_language, summaries
    from zerodistrict.report.html import Page, summary_cards

    lang = get_language(lang_code)
    page = Page(lang)
    summary_cards(page, result)
    monthly = summaries.monthly_energy_kwh(result.timeseries, result.inputs.step_hours)
    site = result.scenario.site
    seasons = summaries.seasons_for(site.latitude, site.country, monthly["pv_kwh"])
    profiles = [(lang.text(s.key, months=lang.month_span(s.months)), summaries.typical_day_kw(result.timeseries, s.months))
                for s in seasons]
    figures = {"monthly": charts.monthly_balance_figure(monthly, lang),
               "typical_days": charts.typical_days_figure(profiles, lang)}
    if result.resilience is not None:
        figures["survival"] = charts.survival_figure(summaries.survival_curves(result.resilience), lang)
    return {"cards": "".join(page.parts), "figures": {k: json.loads(f.to_json()) for k, f in figures.items()}}


def _run_files(result, folder: Path, say: Say, more=None) -> None:
    from zerodistrict.report import write_report
    from zerodistrict.results.writers import write_outputs

    def extra(res, tmp: Path) -> None:
        if more is not None:
            more(res, tmp)
        for i, code in enumerate(LANGUAGES):
            say(0.8 + 0.05 * i, f"report ({code})")
            write_report([res], tmp / f"report-{code}.html", lang=code, png_dir=tmp / "png" if code == "en" else None)
            (tmp / f"view-{code}.json").write_text(json.dumps(_view(res, code), ensure_ascii=False), encoding="utf-8")
        with open(tmp / "result.pickle", "wb") as handle:
            pickle.dump(res, handle, protocol=pickle.HIGHEST_PROTOCOL)

    say(0.75, "writing the outputs")
    write_outputs(result, folder, extra_writers=[extra])


@dataclass(frozen=True)
class Places:
    """Where a job finds its inputs: the uploads, the other runs' folders, the store."""

    uploads_dir: Path
    runs_dir: Path
    store_url: str


def run_job(payload: dict, folder: Path, places: Places, say: Say) -> dict:
    """A simulation of the scenario: the files of ``zerodistrict run --out`` plus the web page's views."""
    from zerodistrict.pipeline import run

    scenario = _scenario(payload["scenario"], places.uploads_dir)
    options = {k: payload[k] for k in ("objective", "horizon_hours") if k in payload}
    result = run(scenario, dispatch=payload["dispatch"], progress=_pipeline_progress(say), **options)
    _run_files(result, folder, say)
    return result.kpis.to_json_dict()


def resilience_job(payload: dict, folder: Path, places: Places, say: Say) -> dict:
    """Outage survival up to ``max_hours``: the run's files with the survival section, and ``resilience.json``."""
    from zerodistrict.pipeline import run
    from zerodistrict.results.writers import write_resilience_files

    scenario = _scenario(payload["scenario"], places.uploads_dir)
    options = {k: payload[k] for k in ("objective", "horizon_hours") if k in payload}
    result = run(scenario, dispatch=payload["dispatch"], resilience_hours=payload["max_hours"],
                 progress=_pipeline_progress(say), **options)
    _run_files(result, folder, say, more=lambda res, tmp: write_resilience_files(res.resilience, tmp))
    return result.kpis.to_json_dict()


def size_job(payload: dict, folder: Path, places: Places, say: Say) -> dict | None:
    """A sizing (``zerodistrict size``): ``sizing.json``, ``sized.yaml`` and the sizing report in each language;
    stores the KPIs of the sized design's full-year re-simulation when there is one."""
    from zerodistrict.design.sizing_run import size
    from zerodistrict.report.sizing import write_sizing_html
    from zerodistrict.results.writers import staged_output
    from zerodistrict.scenario.loading import dump_scenario

    scenario = _scenario(payload["scenario"], places.uploads_dir)
    outcome = size(scenario, payload["targets"], payload["objective"], typical_days=payload["typical_days"],
                   progress=lambda message: say(0.4, message),
                   resimulate_horizon_hours=payload.get("resimulate_horizon_hours"))
    data = _json_safe(outcome.to_json_dict())
    say(0.9, "writing the outputs")
    with staged_output(folder, False) as (tmp, _written):
        (tmp / "sizing.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "sized.yaml").write_text(dump_scenario(outcome.sized), encoding="utf-8")
        for code in LANGUAGES:
            write_sizing_html(data, tmp / f"report-{code}.html", lang=code)
    full_year = data.get("full_year") or {}
    return full_year.get("kpis") if isinstance(full_year.get("kpis"), dict) else None


def _json_safe(value):
    """NaN and infinity as null (strict JSON)."""
    from zerodistrict.commands.size import _json_safe as safe

    return safe(value)


def compare_job(payload: dict, folder: Path, places: Places, say: Say) -> None:
    """Several finished runs side by side: ``compare.csv``, ``compare-{lang}.json`` (the table's rows in each
    language) and the comparison report in each language."""
    from zerodistrict.report import compare_results, comparison_rows, get_language, write_report
    from zerodistrict.results.writers import write_comparison_outputs

    results = []
    for i, run_id in enumerate(payload["runs"]):
        say(0.1 + 0.4 * i / len(payload["runs"]), f"reading run {run_id}")
        with open(places.runs_dir / run_id / "result.pickle", "rb") as handle:
            results.append(pickle.load(handle))  # our own file, written by run_job
    table = compare_results(results)

    def extra(tmp: Path) -> None:
        for i, code in enumerate(LANGUAGES):
            say(0.5 + 0.15 * i, f"report ({code})")
            lang = get_language(code)
            rows = [{"label": label, "unit": unit, "cells": cells} for label, unit, cells in comparison_rows(table, lang)]
            view = {"columns": [str(c) for c in table.index], "runs": payload["runs"], "rows": rows,
                    "head": [lang.text("compare.indicator"), lang.text("compare.unit")]}
            (tmp / f"compare-{code}.json").write_text(json.dumps(view, ensure_ascii=False), encoding="utf-8")
            write_report(results, tmp / f"report-{code}.html", lang=code)

    write_comparison_outputs(table, folder, extra_writers=[extra])
    return None


def sweep_job(payload: dict, folder: Path, places: Places, say: Say) -> None:
    """A sweep into the service's store, on a Dask cluster of threads inside this worker process."""
    from dask.distributed import Client

    from zerodistrict.design.sweep import run_sweep
    from zerodistrict.design.sweep_spec import plan_sweep
    from zerodistrict.results.writers import write_text_output

    folder.mkdir()
    spec_file = folder / "sweep.yaml"
    spec_file.write_text(json.dumps(payload["sweep"]), encoding="utf-8")
    plan = plan_sweep(spec_file)
    say(0.05, f"{len(plan.designs)} designs")
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        outcome = run_sweep(plan, store=places.store_url, client=client,
                            on_progress=lambda done, total: say(0.05 + 0.9 * done / max(total, 1),
                                                                f"{done} of {total} designs"))
    summary = {"sweep_id": outcome.sweep_id, "designs": outcome.designs, "stored_before": outcome.stored_before,
               "computed": len(outcome.computed_keys)}
    write_text_output(json.dumps(summary, indent=2), folder / "sweep.json")
    return None


#: the work of each job kind
WORK = {"run": run_job, "resilience": resilience_job, "size": size_job, "compare": compare_job, "sweep": sweep_job}
