"""The web service: :func:`create_app` builds the FastAPI app (API, UI, docs) on a results store.

Around the API (:mod:`.api`) and the job queue (:mod:`.jobs`) it adds:

* a size cap on every request body (:data:`~.intake.MAX_BODY_BYTES`, uploads
  :data:`~.intake.MAX_UPLOAD_BYTES`; ``413`` beyond, counted as the body
  arrives, so a client that lies about ``Content-Length`` is cut off too);
* with a token, every path — API, page, scripts, docs — needs it: an
  ``Authorization: Bearer TOKEN`` header, or the ``zd_token`` cookie that
  opening ``/?token=TOKEN`` once sets (``401`` otherwise);
* errors as ``{"errors": [{"field", "message"}]}``; an unexpected one is
  logged with its traceback on the server and answered ``500`` with no detail;
* the page at ``/`` with its scripts and styles and plotly.js (the installed
  plotly package's own file) served by the app: nothing comes from a CDN;
  ``/docs`` is an API reference built from ``/openapi.json`` by the app too.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from zerodistrict.errors import InputError
from zerodistrict.results.store import Store, open_store, runs_table
from zerodistrict.web import intake
from zerodistrict.web.intake import RequestError
from zerodistrict.web.jobs import TIME_LIMIT_S, JobManager
from zerodistrict.web.work import Places

log = logging.getLogger("zerodistrict.web")
STATIC = Path(__file__).parent / "static"
COOKIE = "zd_token"
#: content types of the page's files
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}
#: the headers of every answer: no framing by other sites, no guessing of types, nothing loaded from elsewhere
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
                               "frame-src 'self'; object-src 'none'",
}


@dataclass
class WebState:
    """What the endpoints share: the store, the folders and the job queue."""

    store: Store
    runs_dir: Path
    uploads_dir: Path
    jobs: JobManager

    def finished_runs(self, ids: list[str]) -> dict[str, str]:
        """``{id: name}`` of the finished runs among ``ids`` that a comparison can read."""
        query = sa.select(runs_table.c.id, runs_table.c.name).where(
            runs_table.c.id.in_([i for i in ids if isinstance(i, str)][:50]), runs_table.c.status == "done",
            runs_table.c.kind.in_(("run", "resilience")))
        with self.store.engine.connect() as conn:
            found = dict(conn.execute(query).all())
        return {i: n for i, n in found.items() if (self.runs_dir / i / "result.pickle").is_file()}


def runs_dir_for(store: Store) -> Path:
    """Where the jobs' folders lie: beside a SQLite database (``<db>.runs``), else ``./zerodistrict-runs``."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(f"{Path(url.database).resolve()}.runs")
    return Path.cwd() / "zerodistrict-runs"


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse a request body above its cap with 413 (uploads have a larger cap)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = intake.MAX_UPLOAD_BYTES + 100_000 if scope["path"] == "/api/files" else intake.MAX_BODY_BYTES
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return await _error(413, "(body)", f"the body is larger than the limit of {cap:,} bytes")(scope, receive, send)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise _TooLarge
            return message

        async def watched(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await _error(413, "(body)", f"the body is larger than the limit of {cap:,} bytes")(scope, receive, send)


class Guard:
    """ASGI middleware: the token (when set), the security headers, and a 500 without detail for the unexpected."""

    def __init__(self, app, token: str | None) -> None:
        self.app = app
        self.token = token

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or request.cookies.get(COOKIE, "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.token is not None:
            request = Request(scope)
            query_token = request.query_params.get("token")
            if query_token is not None and scope["path"] == "/" and hmac.compare_digest(query_token.encode(),
                                                                                       self.token.encode()):
                response = RedirectResponse("/", status_code=303)
                response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
                return await response(scope, receive, send)
            if not self._authorised(request):
                return await _error(401, "token", "this server needs its token: open /?token=TOKEN once, or send "
                                    "Authorization: Bearer TOKEN")(scope, receive, send)
        started = False
        extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

        async def with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                   *[(k, v) for k, v in extra if k not in present]]}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except _TooLarge:
            if not started:
                await _error(413, "(body)", "the body is larger than its limit (GET /api/meta lists the limits)")(
                    scope, receive, send)
        except Exception:  # noqa: BLE001 - answered without detail, logged with it
            log.exception("request %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _error(500, "", "internal error")(scope, receive, send)


def _error(status: int, field_path: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"field": field_path, "message": message}]}, status_code=status,
                        headers=SECURITY_HEADERS)


def _docs_page(schema: dict) -> str:
    """A plain API reference from the OpenAPI schema (Swagger UI would load its scripts from a CDN)."""
    rows = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = ", ".join(p["name"] for p in op.get("parameters", []) if p.get("in") == "query")
            rows.append(f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op.get('summary', ''))}</td><td><code>{html.escape(params)}</code></td></tr>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>zerodistrict API</title>"
            "<link rel='stylesheet' href='/static/app.css'></head><body class='docs'><h1>zerodistrict API</h1>"
            "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3). Errors are "
            "<code>{\"errors\": [{\"field\", \"message\"}]}</code>.</p><table class='compare'><thead><tr><th>method</th>"
            "<th>path</th><th>what</th><th>query</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>")


def create_app(store_url: str | None = None, token: str | None = None, max_jobs: int = 2,
               max_jobs_per_client: int = 1, time_limit_s: float = TIME_LIMIT_S,
               runs_dir: Path | None = None) -> FastAPI:
    """The web app on the results store at ``store_url`` (None: ``sqlite:///zerodistrict.db``).

    Parameters
    ----------
    store_url : str, optional
        SQLAlchemy URL of the results store (the runs table and the sweeps).
    token : str, optional
        When given, every request needs it (see the module docstring).
    max_jobs, max_jobs_per_client : int
        Jobs computing at once on the server and for one client; more wait in the queue.
    time_limit_s : float
        [s] a job still running after this long is stopped (status failed).
    runs_dir : Path, optional
        Folder of the jobs' files (default: beside a SQLite database, see :func:`runs_dir_for`).

    Raises
    ------
    InputError
        A store that cannot be opened, or limits below 1.
    """
    from zerodistrict import __version__
    from zerodistrict.web.api import router

    if max_jobs < 1 or max_jobs_per_client < 1 or time_limit_s <= 0:
        raise InputError("--workers: at least one job at a time, and a positive time limit")
    store = open_store(store_url)
    runs_dir = Path(runs_dir) if runs_dir is not None else runs_dir_for(store)
    uploads_dir = runs_dir / "uploads"
    try:
        uploads_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the runs folder {runs_dir} ({exc.strerror})") from None
    places = Places(uploads_dir=uploads_dir, runs_dir=runs_dir, store_url=store.engine.url.render_as_string(False))
    jobs = JobManager(store, runs_dir, places, max_jobs=max_jobs, max_jobs_per_client=max_jobs_per_client,
                      time_limit_s=time_limit_s)
    @contextlib.asynccontextmanager
    async def lifespan(_app):
        try:
            yield
        finally:  # stop the workers with the server
            jobs.close()
            store.close()

    app = FastAPI(title="zerodistrict", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Design, run, compare and share zero-carbon districts.")
    app.state.web = WebState(store=store, runs_dir=runs_dir, uploads_dir=uploads_dir, jobs=jobs)
    app.include_router(router)
    app.add_middleware(BodyLimit)
    app.add_middleware(Guard, token=token)

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError):
        return JSONResponse({"errors": exc.errors}, status_code=exc.status)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):
        return JSONResponse({"errors": intake.message_errors(str(exc), uploads_dir, runs_dir)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "message": e["msg"]}
                  for e in exc.errors()]
        return JSONResponse({"errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "refused"
        return JSONResponse({"errors": [{"field": "", "message": message}]}, status_code=exc.status_code)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        from plotly.offline import get_plotlyjs

        return Response(get_plotlyjs(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        path = STATIC / name
        if "/" in name or name.startswith(".") or path.suffix not in _TYPES or not path.is_file():
            raise RequestError.one(404, "name", "no such file")
        return FileResponse(path, media_type=_TYPES[path.suffix])

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:  # a browser asks for it beside the report; none, not a 404
        return Response(status_code=204)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))

    return app
