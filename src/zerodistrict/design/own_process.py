"""The scenario's own design, costed in a process of its own beside the sizing (``zerodistrict size``).

``size`` compares its design with the scenario's own through the same accounting: a full-period optimal
dispatch of the own design (:class:`~zerodistrict.design.sizing_run._GivenDesign`). In a thread beside the
sizing, that dispatch's Python parts (its LP's build, the results, KPIs and bills: about 0.6 s on Misono's
year) hold the GIL the sizing needs too. A process of its own runs them on the other core.

The process starts with the command, before the command's own imports, so that its imports (pandas,
linopy, the pipeline: about 0.8 s) overlap the command's on the other core; it is handed the scenario as
soon as the sizing has checked its design space, then computes its own profiles (or reads them from the
profile cache), dispatches and sends back plain numbers (:func:`~.sizing_run.own_design_figures`).

Measured 2026-12-01 (2 idle cores, ``size saitama-misono --typical-days 12``, profiles from the cache, in
one process, /tmp script): the sizing took 3.49–3.58 s with the own design in a process, 3.92 s with it in
a thread.

A process that dies (killed, out of memory) is not an error: the own design is then dispatched in the
caller's thread as without a process. An error in the dispatch itself (the scenario's own design has no
feasible operation) reaches the caller as it would from the thread.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading


def _serve(conn) -> None:
    """The child: import what the dispatch needs, wait for one scenario, send back its figures (or its error)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle; the child is terminated
    from zerodistrict.design import sizing_run  # noqa: F401  (the imports, before the scenario arrives)

    try:
        own, horizon_hours = conn.recv()
    except EOFError:  # the command ended first
        return
    try:
        reply = ("ok", sizing_run.run_own_design(own, horizon_hours))
    except Exception as exc:  # noqa: BLE001  (handed to the caller, which raises it)
        reply = ("error", exc)
    try:
        conn.send(reply)
    except Exception as exc:  # noqa: BLE001  (an exception that does not pickle)
        conn.send(("error", RuntimeError(f"the own design's dispatch failed: {exc!r}")))


class OwnDesignProcess:
    """One child process that dispatches the scenario's own design once (see the module docstring).

    Use as a context manager (the child is stopped on exit), or call :meth:`close`.
    """

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # not fork: the parent may hold threads and HiGHS's pool
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), name="zerodistrict-own-design", daemon=True)
        # Ctrl-C in a terminal reaches the whole process group: the child ignores it from its first instruction
        # (SIG_IGN is inherited across the spawn; _serve sets it again), so it prints no traceback of its own
        ignore = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignore else None
        try:
            self._proc.start()
        finally:
            if ignore:
                signal.signal(signal.SIGINT, previous)
        child.close()
        self._submitted = False

    @staticmethod
    def worthwhile() -> bool:
        """More than one core: otherwise the process would only take turns with the sizing."""
        return len(os.sched_getaffinity(0)) > 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) > 1

    def submit(self, own, horizon_hours: int | None) -> None:
        """Hand the child ``own`` (the scenario with cyclic storage) to dispatch; once."""
        if self._submitted:
            return
        self._submitted = True
        try:
            self._conn.send((own, horizon_hours))
        except (OSError, ValueError):  # the child is gone: figures() says so
            pass

    def figures(self) -> dict | None:
        """The own design's figures; None if the child died (the caller then dispatches it itself)."""
        if not self._submitted:
            return None
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError):
            return None
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop the child (it may still be importing or dispatching) and release the pipe."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        self._conn.close()

    def __enter__(self) -> OwnDesignProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
