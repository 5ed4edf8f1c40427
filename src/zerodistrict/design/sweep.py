"""Running a sweep on Dask into a results store.

:func:`run_sweep` takes a :class:`~zerodistrict.design.sweep_spec.SweepPlan`
(every design already validated) and

1. opens the store, registers the sweep by its key and skips every design
   already stored (a rerun after a crash or Ctrl-C computes only the rest);
2. computes, on the client, the :class:`~zerodistrict.pipeline.SiteProfiles`
   once per distinct :func:`~zerodistrict.pipeline.profiles_key` (weather, PV
   per kWp of each array, the groups' load shapes) and scatters them to every
   worker (``broadcast=True``): a design only scales them;
3. batches the designs (:func:`batch_size`), submits one task per batch and,
   as batches finish (``as_completed``), writes each to the store in one
   transaction from the client side. A design is either stored with all its
   KPIs or absent; a worker that dies loses its in-flight batch, which Dask
   runs again on another worker.

Without a scheduler address a ``LocalCluster`` of one single-threaded
process per worker runs on this machine; with ``tcp://HOST:PORT`` the same
code runs on that cluster (its workers need zerodistrict installed).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

try:
    from distributed import WorkerPlugin
except ImportError:  # without dask, _connect says what to install
    WorkerPlugin = object

from zerodistrict.design.sweep_spec import Design, SweepPlan
from zerodistrict.errors import InputError, SolverError
from zerodistrict.results.store import DesignRecord, Store, open_store
from zerodistrict.scenario.models import Scenario

__all__ = ["MAX_BATCH_DESIGNS", "SweepOutcome", "SweepStart", "batch_size", "run_batch", "run_sweep"]

#: designs per task at most: ≈25 Misono-sized designs take ≈5 s on one core, long enough that scheduling
#: (≈ms per task) is negligible and short enough that a dead worker loses little (assumption, measured here)
MAX_BATCH_DESIGNS = 25


@dataclass(frozen=True)
class SweepStart:
    """What the sweep is about to do (given to ``on_start`` before the first batch)."""

    sweep_id: int
    name: str
    designs: int  #: every design of the sweep
    stored: int  #: already in the store, skipped
    to_compute: int
    batches: int
    workers: int
    sites: int  #: distinct site profiles computed and scattered
    dashboard_link: str | None  #: None when the dashboard is not served (bokeh not installed)


@dataclass
class SweepOutcome:
    """What a call of :func:`run_sweep` did."""

    sweep_id: int
    designs: int
    stored_before: int
    computed_keys: list[str] = field(default_factory=list)  #: keys of the designs the workers computed this call
    seconds: float = 0.0  #: [s] wall time from opening the store to the last batch stored
    store_seconds: float = 0.0  #: [s] of which writing batches to the store
    profiles_seconds: float = 0.0  #: [s] of which computing the shared site profiles


def batch_size(n_designs: int, n_workers: int) -> int:
    """Designs per task: at least 4 tasks per worker when there are few designs, at most :data:`MAX_BATCH_DESIGNS`."""
    return max(1, min(MAX_BATCH_DESIGNS, math.ceil(n_designs / (4 * max(1, n_workers)))))


def scenario_hash(scenario: Scenario) -> str:
    """A hash of the full validated scenario (what was actually simulated)."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:32]


def run_batch(profiles, batch: list[tuple[Design, Scenario]], dispatch: str,
              resilience_hours: float) -> list[DesignRecord]:
    """Simulate each design of the batch on the shared site profiles (runs on a worker)."""
    from zerodistrict import pipeline

    records = []
    for design, scenario in batch:
        try:
            result = pipeline.run(scenario, dispatch=dispatch, resilience_hours=resilience_hours or None,
                                  profiles=profiles)
        except InputError as exc:
            raise InputError(f"design {design.number} ({_values(design)}): {exc}") from None
        except SolverError as exc:
            raise SolverError(f"design {design.number} ({_values(design)}): {exc}", exc.status,
                              exc.termination_condition) from None
        records.append(DesignRecord(key=design.key, parameters=dict(design.parameters),
                                    scenario_hash=scenario_hash(scenario), kpis=result.kpis.to_json_dict()))
    return records


def _values(design: Design) -> str:
    return ", ".join(f"{p}={v!r}" for p, v in design.parameters.items())


def _dashboard(client) -> str | None:
    try:
        import bokeh  # noqa: F401 - distributed serves its dashboard only with bokeh
    except ImportError:
        return None
    return client.dashboard_link


def _connect(scheduler: str | None, workers: int | None):
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster; and the cluster to close (or None)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("sweeps need dask.distributed: pip install 'dask[distributed]'") from None
    if scheduler is not None:
        if workers is not None:
            raise InputError("--workers: applies to the local cluster only, not to --scheduler")
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler: cannot reach {scheduler!r}: {exc}") from None
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise InputError(f"--workers: must be at least 1, got {n}")
    # Ctrl-C in a terminal reaches every process of the group: the workers ignore it (they inherit SIG_IGN
    # across the spawn, and the plugin covers a worker restarted later) and the client closes the cluster
    ignore = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignore else None
    try:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    finally:
        if ignore:
            signal.signal(signal.SIGINT, previous)
    client = Client(cluster)
    client.register_plugin(_IgnoreInterrupts(), name="zerodistrict-ignore-sigint")
    return client, cluster


class _IgnoreInterrupts(WorkerPlugin):
    """A worker plugin: the worker process ignores SIGINT (its client handles Ctrl-C)."""

    def setup(self, worker) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_sweep(
    plan: SweepPlan,
    store: Store | str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    client=None,
    on_start: Callable[[SweepStart], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepOutcome:
    """Run every design of ``plan`` not yet in the store and store its KPIs.

    Parameters
    ----------
    plan : SweepPlan
        From :func:`~zerodistrict.design.sweep_spec.plan_sweep`.
    store : Store, str or None
        An open store, a store URL, or None for ``sqlite:///zerodistrict.db``.
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://HOST:PORT``); None starts a LocalCluster.
    workers : int or None
        Worker processes of the LocalCluster (default: this machine's cores).
    client : dask.distributed.Client or None
        An existing client to use (then ``scheduler`` and ``workers`` must be None); not closed here.
    on_start, on_progress
        Called with a :class:`SweepStart` before the first batch, and with
        ``(designs computed so far, designs to compute)`` after each stored batch.

    Returns
    -------
    SweepOutcome

    Notes
    -----
    An interruption (Ctrl-C, a crash) leaves every finished batch stored; the
    cluster this call started is closed on the way out.
    """
    started = time.perf_counter()
    owned_store = not isinstance(store, Store)
    db = open_store(store) if owned_store else store
    cluster = None
    own_client = client is None
    interrupted = False
    try:
        sweep_id = db.ensure_sweep(plan.key, plan.name, plan.sweep.model_dump(mode="json"), list(plan.sweep.parameters))
        stored = db.stored_designs(sweep_id)
        todo = [(d, s) for d, s in zip(plan.designs, plan.scenarios) if d.key not in stored]
        outcome = SweepOutcome(sweep_id=sweep_id, designs=len(plan.designs),
                               stored_before=len(plan.designs) - len(todo))
        if not own_client and (scheduler is not None or workers is not None):
            raise ValueError("give a client, or a scheduler / workers, not both")
        if not todo:
            if on_start is not None:
                on_start(SweepStart(sweep_id=sweep_id, name=plan.name, designs=len(plan.designs),
                                    stored=outcome.stored_before, to_compute=0, batches=0, workers=0, sites=0,
                                    dashboard_link=None))
            outcome.seconds = time.perf_counter() - started
            return outcome
        if own_client:
            client, cluster = _connect(scheduler, workers)
        n_workers = max(1, len(client.scheduler_info()["workers"]))
        t0 = time.perf_counter()
        from zerodistrict import pipeline

        by_site: dict[str, list[tuple[Design, Scenario]]] = {}
        for design, scenario in todo:
            by_site.setdefault(pipeline.profiles_key(scenario), []).append((design, scenario))
        shared = {key: client.scatter(pipeline.site_profiles(items[0][1]), broadcast=True)
                  for key, items in by_site.items()}
        outcome.profiles_seconds = time.perf_counter() - t0
        size = batch_size(len(todo), n_workers)
        batches = [(key, items[i:i + size]) for key, items in by_site.items() for i in range(0, len(items), size)]
        if on_start is not None:
            on_start(SweepStart(sweep_id=sweep_id, name=plan.name, designs=len(plan.designs),
                                stored=outcome.stored_before, to_compute=len(todo), batches=len(batches),
                                workers=n_workers, sites=len(shared), dashboard_link=_dashboard(client)))
        _compute(client, db, sweep_id, batches, shared, plan, outcome, on_progress)
        outcome.seconds = time.perf_counter() - started
        return outcome
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        # after Ctrl-C the cluster closes under work in flight: its event loop's callbacks may fail on closed
        # comms, and tornado would print their tracebacks (seen 2 times in 35 runs of the Ctrl-C test); the
        # user has already been told what happened
        with _quiet_loggers(*_CLOSE_NOISE) if interrupted else contextlib.nullcontext():
            if own_client and client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        if owned_store:
            db.close()


#: loggers whose messages while a cluster closes after Ctrl-C are expected noise
_CLOSE_NOISE = ("tornado", "distributed", "asyncio")


@contextlib.contextmanager
def _quiet_loggers(*names: str):
    """Nothing from the loggers ``names`` (and their children) inside; their levels restored after."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _compute(client, db: Store, sweep_id: int, batches, shared, plan: SweepPlan, outcome: SweepOutcome,
             on_progress) -> None:
    from dask.distributed import as_completed

    futures = [client.submit(run_batch, shared[key], items, plan.sweep.dispatch, plan.sweep.resilience_hours,
                             pure=False) for key, items in batches]
    total = sum(len(items) for _, items in batches)
    try:
        for future in as_completed(futures):
            records = future.result()
            t0 = time.perf_counter()
            db.add_designs(sweep_id, records)
            outcome.store_seconds += time.perf_counter() - t0
            outcome.computed_keys.extend(r.key for r in records)
            future.release()
            if on_progress is not None:
                on_progress(len(outcome.computed_keys), total)
    finally:
        client.cancel([f for f in futures if not f.done()])
