"""The JSON API under ``/api``: presets, validation, uploads, jobs, their results, reports and comparisons.

Every error is a JSON body ``{"errors": [{"field": …, "message": …}]}``
with a 4xx status (422 for a bad scenario, naming each field path as the CLI
does); no traceback and no server path ever reaches a client.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, Response

from zerodistrict.web import intake
from zerodistrict.web.intake import RequestError
from zerodistrict.web.jobs import QueueFull, stored_run, stored_runs

router = APIRouter(prefix="/api")

_ID = re.compile(r"^[0-9a-f]{32}$")
_PNG = re.compile(r"^[\w.-]+\.png$")
_JSON_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}},
    "application/yaml": {"schema": {"type": "string"}}}}


def _state(request: Request):
    return request.app.state.web


def client_of(request: Request) -> str:
    """Who a request comes from, for the per-client limits: its address."""
    return request.client.host if request.client else "unknown"


async def _data(request: Request):
    body = await request.body()
    return intake.parse_body(body, request.headers.get("content-type", "application/json"))


@router.get("/meta", summary="Version, languages, tariffs, export schemes and the service's limits")
def meta(request: Request) -> dict:
    from zerodistrict import __version__
    from zerodistrict.report.language import LANGUAGES
    from zerodistrict.scenario.tariff import EXPORT_SCHEMES, TARIFFS

    state = _state(request)
    return {"version": __version__, "languages": list(LANGUAGES), "dispatch": ["rule", "optimal"],
            "tariffs": sorted(TARIFFS), "export_schemes": sorted(EXPORT_SCHEMES), "job_kinds": list(intake.JOB_KINDS),
            # each scheme's fields, to recognise a scheme by its fields in a scenario (which holds no name)
            "export_scheme_fields": {name: s.model_dump(mode="json", exclude_none=True) for name, s in EXPORT_SCHEMES.items()},
            "limits": {"body_bytes": intake.MAX_BODY_BYTES, "upload_bytes": intake.MAX_UPLOAD_BYTES,
                       "jobs_at_once": state.jobs.max_jobs, "jobs_at_once_per_client": state.jobs.max_jobs_per_client,
                       "time_limit_s": state.jobs.time_limit_s}}


@router.get("/presets", summary="The built-in scenarios: name, site, homes, description")
def presets() -> list[dict]:
    from zerodistrict.scenario import list_presets, load_scenario

    out = []
    for name in list_presets():
        sc = load_scenario(name)
        out.append({"name": name, "site": sc.site.name, "country": sc.site.country, "homes": sc.n_homes,
                    "description": " ".join((sc.description or "").split())})
    return out


@router.get("/presets/{name}", summary="A preset as a scenario mapping (edit it and send it back)")
def preset(name: str) -> dict:
    return intake.preset_data(name)


@router.get("/i18n/{lang}", summary="The words of the report and the web page in one language (en, ja, ms)")
def words(lang: str) -> dict:
    from zerodistrict.report.language import LANGUAGES, get_language

    if lang not in LANGUAGES:
        raise RequestError.one(404, "lang", f"unknown language {lang[:20]!r}; use one of {', '.join(LANGUAGES)}")
    return get_language(lang).strings


@router.post("/validate", summary="Check a scenario (JSON or YAML body) as `zerodistrict validate` does",
             openapi_extra={"requestBody": _JSON_BODY},
             responses={422: {"description": "`{\"errors\": [{\"field\", \"message\"}]}`"}})
async def validate(request: Request, inline: bool = Query(
        False, description="answer a bad scenario with 200 and {\"ok\": false, \"errors\": …} (a form's inline "
        "checks, which a browser would otherwise log as failed requests)")) -> JSONResponse:
    data = intake.unwrap_scenario(await _data(request))
    state = _state(request)
    try:
        sc = await run_in_threadpool(intake.load_network_scenario, data, state.uploads_dir)
    except RequestError as exc:
        if inline and exc.status == 422:
            return JSONResponse({"ok": False, "errors": exc.errors})
        raise
    return JSONResponse(jsonable_encoder({
        "ok": True, "name": sc.name, "homes": sc.n_homes, "site": sc.site.name, "year": sc.period.year,
        "step_minutes": sc.period.step_minutes, "scenario": data if isinstance(data, dict) else intake.preset_data(data)}))


@router.post("/files", summary="Upload an EPW weather file or a profile CSV; returns the name a scenario uses",
             status_code=201)
async def upload(request: Request, file: UploadFile) -> dict:
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in intake.UPLOAD_SUFFIXES:
        raise RequestError.one(422, "file", f"upload an {' or '.join(intake.UPLOAD_SUFFIXES)} file")
    name = secrets.token_hex(16) + suffix
    target = _state(request).uploads_dir / name
    size = 0
    with open(target, "wb") as handle:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > intake.MAX_UPLOAD_BYTES:
                handle.close()
                target.unlink()
                raise RequestError.one(413, "file", f"the upload is larger than {intake.MAX_UPLOAD_BYTES:,} bytes")
            handle.write(chunk)
    return {"name": name, "bytes": size}


@router.post("/runs", status_code=202, openapi_extra={"requestBody": _JSON_BODY},
             summary="Submit a job: {\"scenario\": PRESET or mapping, \"dispatch\": \"rule\"|\"optimal\"} "
             "(kind run, the default), kind resilience (+ max_hours), compare {\"runs\": [ids]} or sweep "
             "{\"sweep\": {...}}")
async def submit(request: Request) -> JSONResponse:
    data = await _data(request)
    state = _state(request)
    job = await run_in_threadpool(intake.check_job, data, state.uploads_dir, state.finished_runs)
    try:
        job_id = state.jobs.submit(job, client_of(request))
    except QueueFull as exc:
        raise RequestError.one(429, "(client)", str(exc)) from None
    return JSONResponse({"id": job_id, "status": "queued"}, status_code=202, headers={"Location": f"/api/runs/{job_id}"})


# the two endpoints a page polls run on the event loop: a look-up in memory or a short SQLite read
@router.get("/runs", summary="Jobs, newest first (headline KPIs only)")
async def list_runs(request: Request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
              kind: str | None = Query(None)) -> list[dict]:
    state = _state(request)
    live = state.jobs.live_views()
    return [live.get(r["id"], r) for r in stored_runs(state.store, limit, offset, kind)]


def _job(request: Request, job_id: str) -> dict:
    if not _ID.match(job_id):
        raise RequestError.one(404, "id", "no such run")
    state = _state(request)
    view = state.jobs.live(job_id) or stored_run(state.store, job_id)
    if view is None:
        raise RequestError.one(404, "id", "no such run")
    return view


@router.get("/runs/{job_id}", summary="A job: status (queued|running|done|failed|cancelled), progress, KPIs when done")
async def get_run(request: Request, job_id: str) -> dict:
    return _job(request, job_id)


@router.delete("/runs/{job_id}", summary="Cancel a queued or running job")
def cancel_run(request: Request, job_id: str) -> dict:
    view = _job(request, job_id)
    if not _state(request).jobs.cancel(job_id):
        raise RequestError.one(409, "id", f"the job is {view['status']}; only queued or running jobs can be cancelled")
    return {"id": job_id, "status": "cancelled"}


def _file(request: Request, job_id: str, name: str) -> Path:
    """A file of a finished job (404 until it is done)."""
    view = _job(request, job_id)
    if view["status"] != "done":
        raise RequestError.one(404, "id", f"the job is {view['status']}: its results are not there")
    path = _state(request).runs_dir / job_id / name
    if not path.is_file():
        raise RequestError.one(404, "name", f"this {view['kind']} job has no {name}")
    return path


def _lang(lang: str) -> str:
    from zerodistrict.report.language import LANGUAGES

    if lang not in LANGUAGES:
        raise RequestError.one(422, "lang", f"use one of {', '.join(LANGUAGES)}")
    return lang


@router.get("/runs/{job_id}/report", summary="The HTML report (offline, self-contained) in en, ja or ms")
def report(request: Request, job_id: str, lang: str = "en") -> FileResponse:
    return FileResponse(_file(request, job_id, f"report-{_lang(lang)}.html"), media_type="text/html")


@router.get("/runs/{job_id}/sizing", summary="A sizing job's sizes, costs and targets (sizing.json)")
def sizing(request: Request, job_id: str) -> FileResponse:
    return FileResponse(_file(request, job_id, "sizing.json"), media_type="application/json")


@router.get("/runs/{job_id}/sized.yaml", summary="A sizing job's scenario with the chosen sizes (runnable YAML)")
def sized_yaml(request: Request, job_id: str) -> FileResponse:
    return FileResponse(_file(request, job_id, "sized.yaml"), media_type="application/yaml")


@router.get("/runs/{job_id}/view", summary="The web page's view: summary cards (HTML) and chart figures (plotly JSON)")
def view(request: Request, job_id: str, lang: str = "en") -> FileResponse:
    return FileResponse(_file(request, job_id, f"view-{_lang(lang)}.json"), media_type="application/json")


def _table(path: Path, fmt: str, filename: str) -> Response:
    if fmt == "csv":
        return FileResponse(path, media_type="text/csv", filename=filename)
    if fmt != "json":
        raise RequestError.one(422, "format", "use json or csv")
    return Response(pd.read_csv(path).to_json(orient="records", double_precision=10), media_type="application/json")


@router.get("/runs/{job_id}/kpis", summary="The KPIs (kpis.json; format=csv: one row)")
def kpis(request: Request, job_id: str, format: str = "json") -> Response:
    path = _file(request, job_id, "kpis.json")
    if format == "csv":
        data = json.loads(path.read_text(encoding="utf-8"))
        return Response(pd.DataFrame([data]).to_csv(index=False), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="kpis.csv"'})
    if format != "json":
        raise RequestError.one(422, "format", "use json or csv")
    return FileResponse(path, media_type="application/json")


@router.get("/runs/{job_id}/timeseries", summary="District totals per step (timeseries.csv), as JSON records or CSV")
def timeseries(request: Request, job_id: str, format: str = "json") -> Response:
    return _table(_file(request, job_id, "timeseries.csv"), format, "timeseries.csv")


@router.get("/runs/{job_id}/homes", summary="One row per home with its figures (homes.csv), as JSON records or CSV")
def homes(request: Request, job_id: str, format: str = "json") -> Response:
    return _table(_file(request, job_id, "homes.csv"), format, "homes.csv")


@router.get("/runs/{job_id}/resilience", summary="Outage survival of a resilience job (resilience.json)")
def resilience(request: Request, job_id: str) -> FileResponse:
    return FileResponse(_file(request, job_id, "resilience.json"), media_type="application/json")


@router.get("/runs/{job_id}/pngs", summary="The PNG charts of a run (names)")
def pngs(request: Request, job_id: str) -> list[str]:
    _file(request, job_id, "kpis.json")
    folder = _state(request).runs_dir / job_id / "png"
    return sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []


@router.get("/runs/{job_id}/pngs/{name}", summary="One PNG chart")
def png(request: Request, job_id: str, name: str) -> FileResponse:
    if not _PNG.match(name):
        raise RequestError.one(404, "name", "no such chart")
    return FileResponse(_file(request, job_id, f"png/{name}"), media_type="image/png")


@router.get("/runs/{job_id}/comparison", summary="A compare job's table (its rows in one language; format=csv: compare.csv)")
def comparison(request: Request, job_id: str, lang: str = "en", format: str = "json") -> FileResponse:
    if format == "csv":
        return FileResponse(_file(request, job_id, "compare.csv"), media_type="text/csv", filename="compare.csv")
    return FileResponse(_file(request, job_id, f"compare-{_lang(lang)}.json"), media_type="application/json")


@router.get("/runs/{job_id}/scenario", summary="What the job was asked to do (the scenario: a preset name or a mapping)")
def scenario(request: Request, job_id: str) -> dict:
    _job(request, job_id)
    import sqlalchemy as sa

    from zerodistrict.results.store import runs_table

    with _state(request).store.engine.connect() as conn:
        return conn.execute(sa.select(runs_table.c.request).where(runs_table.c.id == job_id)).scalar_one()


@router.get("/compare", summary="KPIs of several finished runs side by side, from the store (JSON or CSV)")
def compare(request: Request, ids: str = Query(..., description="run ids separated by commas"),
            format: str = "json") -> Response:
    wanted = [i for i in ids.split(",") if i]
    if not 2 <= len(wanted) <= intake.MAX_COMPARE:
        raise RequestError.one(422, "ids", f"give 2 to {intake.MAX_COMPARE} run ids")
    views = [_job(request, i) for i in wanted]
    not_done = [v["id"] for v in views if v["status"] != "done" or not v["kpis"]]
    if not_done:
        raise RequestError.one(422, "ids", f"not finished runs: {', '.join(not_done)}")
    table = pd.DataFrame([v["kpis"] for v in views], index=pd.Index(wanted, name="id"))
    if format == "csv":
        buffer = io.StringIO()
        table.to_csv(buffer)
        return Response(buffer.getvalue(), media_type="text/csv")
    if format != "json":
        raise RequestError.one(422, "format", "use json or csv")
    return JSONResponse({"runs": [{"id": v["id"], "name": v["name"], "kpis": v["kpis"]} for v in views]})
