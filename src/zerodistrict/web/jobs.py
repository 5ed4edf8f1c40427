"""The job queue of the web service: each job in its own worker process, bounded per server and per client.

A job is queued by :meth:`JobManager.submit` (a row in the store's ``runs``
table, status ``queued``); one monitor thread starts queued jobs while fewer
than ``max_jobs`` run on the server and fewer than ``max_jobs_per_client``
for the job's client (its address), in the order they came; it reads each
worker's progress from a pipe, ends a worker that passes ``time_limit_s``
(status ``failed``) or is cancelled (``cancelled``: the process is
terminated — a job's files appear only when it finishes, so nothing is left
half-written), and stores each outcome. Beyond :data:`MAX_QUEUED_PER_CLIENT`
waiting jobs a client is refused (``429``).

Workers are started by ``multiprocessing``'s *forkserver* where the platform
has it (a clean process forked from a server that has already imported the
library: no start-up of a second or two per job, and no fork of the web
server's threads), else *spawn*. Status reads of live jobs come from memory;
finished ones from the store.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import os
import secrets
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from zerodistrict.errors import InputError, SolverError
from zerodistrict.results.store import Store, runs_table
from zerodistrict.web.intake import JobRequest, scrub

log = logging.getLogger("zerodistrict.web")

#: [s] a job's default time limit (assumption: a year of a 1,000-home district with the LP takes < 30 min)
TIME_LIMIT_S = 1800.0
#: jobs one client may have waiting (beyond them: 429)
MAX_QUEUED_PER_CLIENT = 20
#: scheduling priority of the worker processes, below the server's (nice(2): higher is lower)
JOB_NICENESS = 10
#: [s] how often the monitor thread looks at the workers
POLL_S = 0.05
STATUSES = ("queued", "running", "done", "failed", "cancelled")


class QueueFull(Exception):
    """A client has :data:`MAX_QUEUED_PER_CLIENT` jobs waiting."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Job:
    """A queued or running job (the monitor thread's view of it)."""

    id: str
    kind: str
    name: str
    client: str
    payload: dict
    created_at: dt.datetime
    status: str = "queued"
    progress: float = 0.0
    stage: str = "queued"
    started_at: dt.datetime | None = None
    process: mp.process.BaseProcess | None = None
    pipe: object = None
    deadline: float = 0.0
    outcome: dict = field(default_factory=dict)

    def view(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "status": self.status,
                "progress": {"fraction": round(self.progress, 3), "stage": self.stage},
                "created_at": self.created_at.isoformat(),
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": None, "kpis": None, "error": None}


def _worker(kind: str, payload: dict, folder: str, places, pipe) -> None:
    """Entry of a worker process: do the job, send progress and the outcome through ``pipe``."""
    from zerodistrict.web.work import WORK

    os.nice(JOB_NICENESS)  # the server answers first; the jobs take the rest of the machine

    def say(fraction: float, stage: str) -> None:
        pipe.send(("progress", fraction, stage))

    try:
        kpis = WORK[kind](payload, Path(folder), places, say)
        pipe.send(("done", kpis))
    except (InputError, SolverError) as exc:
        pipe.send(("failed", scrub(str(exc), places.uploads_dir, places.runs_dir), None))
    except BaseException as exc:  # anything else: the server's log gets the traceback, the client does not
        pipe.send(("failed", "internal error: the job stopped unexpectedly", traceback.format_exc()))
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
    finally:
        pipe.close()


def _context():
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["zerodistrict.pipeline", "zerodistrict.report.html", "zerodistrict.web.work"])
        return ctx
    return mp.get_context("spawn")


class JobManager:
    """Queue, start, watch, cancel and record the jobs of one server."""

    def __init__(self, store: Store, runs_dir: Path, places, max_jobs: int = 2, max_jobs_per_client: int = 1,
                 time_limit_s: float = TIME_LIMIT_S) -> None:
        self.store = store
        self.runs_dir = runs_dir
        self.places = places
        self.max_jobs = max_jobs
        self.max_jobs_per_client = max_jobs_per_client
        self.time_limit_s = time_limit_s
        self._lock = threading.Lock()
        self._queue: deque[Job] = deque()
        self._running: dict[str, Job] = {}
        self._ctx = _context()
        self._stop = threading.Event()
        self._abandon_unfinished()
        self._thread = threading.Thread(target=self._loop, name="zerodistrict-jobs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ store

    def _abandon_unfinished(self) -> None:
        """Jobs a previous server left queued or running will never finish: say so."""
        with self.store.engine.connect().execution_options(writer=True) as conn, conn.begin():
            conn.execute(runs_table.update().where(runs_table.c.status.in_(("queued", "running")))
                         .values(status="failed", error="the server stopped before the job finished",
                                 finished_at=_utc_now()))

    def _update(self, job_id: str, **values) -> None:
        with self.store.engine.connect().execution_options(writer=True) as conn, conn.begin():
            conn.execute(runs_table.update().where(runs_table.c.id == job_id).values(**values))

    # ------------------------------------------------------------------ requests

    def submit(self, request: JobRequest, client: str) -> str:
        """Queue a checked job; return its id. Raises :class:`QueueFull`."""
        job = Job(id=secrets.token_hex(16), kind=request.kind, name=request.name[:200], client=client[:100],
                  payload=request.payload, created_at=_utc_now())
        with self._lock:
            waiting = sum(1 for j in self._queue if j.client == job.client)
            if waiting >= MAX_QUEUED_PER_CLIENT:
                raise QueueFull(f"{waiting} jobs of yours are waiting; the limit is {MAX_QUEUED_PER_CLIENT}")
            with self.store.engine.connect().execution_options(writer=True) as conn, conn.begin():
                conn.execute(runs_table.insert().values(
                    id=job.id, kind=job.kind, name=job.name, status="queued", client=job.client,
                    request={"kind": job.kind, **job.payload}, created_at=job.created_at))
            self._queue.append(job)
        return job.id

    def live(self, job_id: str) -> dict | None:
        """The view of a queued or running job (None when it is not live)."""
        with self._lock:
            job = self._running.get(job_id) or next((j for j in self._queue if j.id == job_id), None)
            if job is None:
                return None
            view = job.view()
            if job.status == "queued":
                view["queue_position"] = next(i for i, j in enumerate(self._queue) if j.id == job_id) + 1
            return view

    def live_views(self) -> dict[str, dict]:
        with self._lock:
            return {j.id: j.view() for j in [*self._running.values(), *self._queue]}

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it is not live (finished or unknown)."""
        with self._lock:
            queued = next((j for j in self._queue if j.id == job_id), None)
            if queued is not None:
                self._queue.remove(queued)
                self._finish(queued, "cancelled", None, "cancelled before it started")
                return True
            job = self._running.get(job_id)
            if job is None or job.status != "running":
                return False
            job.outcome = {"status": "cancelled", "error": "cancelled while running"}
            job.status, job.stage = "cancelled", "cancelled"
            job.process.terminate()
            return True

    def close(self) -> None:
        """Stop the monitor and end every running worker (their jobs are recorded as failed)."""
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            for job in list(self._running.values()):
                job.process.kill()
                job.process.join(timeout=5)
                self._finish(job, "failed", None, "the server stopped before the job finished")
            self._running.clear()
            for job in self._queue:
                self._finish(job, "failed", None, "the server stopped before the job started")
            self._queue.clear()

    # ------------------------------------------------------------------ monitor

    def _finish(self, job: Job, status: str, kpis: dict | None, error: str | None) -> None:
        job.status = status
        self._update(job.id, status=status, kpis=kpis, error=None if error is None else error[:2000],
                     finished_at=_utc_now())

    def _start_next(self) -> None:
        while len(self._running) < self.max_jobs:
            busy: dict[str, int] = {}
            for j in self._running.values():
                busy[j.client] = busy.get(j.client, 0) + 1
            job = next((j for j in self._queue if busy.get(j.client, 0) < self.max_jobs_per_client), None)
            if job is None:
                return
            self._queue.remove(job)
            receive, send = self._ctx.Pipe(duplex=False)
            folder = self.runs_dir / job.id
            job.process = self._ctx.Process(target=_worker, name=f"zerodistrict-job-{job.id[:8]}",
                                            args=(job.kind, job.payload, str(folder), self.places, send))
            job.process.start()
            send.close()
            job.pipe = receive
            job.status, job.stage, job.started_at = "running", "starting", _utc_now()
            job.deadline = time.monotonic() + self.time_limit_s
            self._running[job.id] = job
            self._update(job.id, status="running", started_at=job.started_at)

    def _read(self, job: Job) -> None:
        try:
            while job.pipe.poll():
                message = job.pipe.recv()
                if message[0] == "progress":
                    job.progress, job.stage = float(message[1]), str(message[2])
                elif message[0] == "done":
                    job.outcome = job.outcome or {"status": "done", "kpis": message[1]}
                else:
                    if message[2]:
                        log.error("job %s failed:\n%s", job.id, message[2])
                    job.outcome = job.outcome or {"status": "failed", "error": message[1]}
        except (EOFError, OSError):
            pass

    def _check(self, job: Job) -> bool:
        """Read a running job's messages; record and drop it when its process has ended. True if it ended."""
        self._read(job)
        if job.process.is_alive():
            if time.monotonic() > job.deadline:
                job.outcome = {"status": "failed", "error": f"stopped at the time limit of {self.time_limit_s:g} s"}
                job.process.terminate()
            return False
        job.process.join()
        self._read(job)
        job.pipe.close()
        outcome = job.outcome or {"status": "failed", "error": "internal error: the worker process ended unexpectedly"}
        if outcome["status"] == "done":
            job.progress, job.stage = 1.0, "done"
        self._finish(job, outcome["status"], outcome.get("kpis"), outcome.get("error"))
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._lock:
                    for job in list(self._running.values()):
                        if self._check(job):
                            del self._running[job.id]
                    self._start_next()
            except Exception:  # keep serving: one bad job must not stop the queue
                log.exception("job monitor")
            self._stop.wait(POLL_S)


def stored_run(store: Store, job_id: str) -> dict | None:
    """A job as the store holds it (None when unknown)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(runs_table).where(runs_table.c.id == job_id)).mappings().first()
    return None if row is None else _row_view(row)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value).isoformat()


def _row_view(row) -> dict:
    done = row["status"] == "done"
    return {"id": row["id"], "kind": row["kind"], "name": row["name"], "status": row["status"],
            "progress": {"fraction": 1.0 if done else 0.0, "stage": row["status"]},
            "created_at": _iso(row["created_at"]), "started_at": _iso(row["started_at"]),
            "finished_at": _iso(row["finished_at"]), "kpis": row["kpis"], "error": row["error"]}


def stored_runs(store: Store, limit: int = 100, offset: int = 0, kind: str | None = None) -> list[dict]:
    """Jobs newest first, without their KPIs except the headline ones (the list of the web page)."""
    headline = ("self_sufficiency_ratio", "co2_reduction_ratio", "n_homes", "pv_kwp", "dispatch", "scenario")
    query = sa.select(runs_table).order_by(runs_table.c.created_at.desc()).limit(limit).offset(offset)
    if kind is not None:
        query = query.where(runs_table.c.kind == kind)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    views = []
    for row in rows:
        view = _row_view(row)
        if view["kpis"]:
            view["kpis"] = {k: view["kpis"].get(k) for k in headline}
        views.append(view)
    return views
