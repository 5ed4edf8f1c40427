"""A real web service for the tests: uvicorn on a free loopback port, a SQLite store in a temporary folder,
real worker processes. ``serve`` runs it in a thread of the test process, ``serve_process`` as the
``zerodistrict serve`` command in a process of its own."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time

import httpx



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, headers: dict | None = None, timeout_s: float = 60.0, process=None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the web service stopped: {process.stderr.read()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/meta", headers=headers, timeout=5).status_code in (200, 401):
                return
        time.sleep(0.1)
    raise RuntimeError(f"the web service at {base} did not start")


@contextlib.contextmanager
def serve(store_url: str, **options):
    """The app of :func:`zerodistrict.web.create_app` on uvicorn in a thread; yields its base URL."""
    import uvicorn

    from zerodistrict.web import create_app

    app = create_app(store_url, **options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, {"Authorization": f"Bearer {options['token']}"} if options.get("token") else None)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def serve_process(store_url: str, *args: str):
    """``zerodistrict serve`` as its own process; yields (base URL, process)."""
    port = free_port()
    command = [sys.executable, "-c", "from zerodistrict.cli import app; app()", "serve", "--port", str(port),
               "--store", store_url, *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, {"Authorization": "Bearer " + args[args.index("--token") + 1]} if "--token" in args else None,
                      process=process)
        yield base, process
    finally:
        process.terminate()
        process.communicate(timeout=30)  # and closes the pipes


def wait_for(client: httpx.Client, job_id: str, timeout_s: float = 300.0) -> dict:
    """Poll a job until it is no longer queued or running; return its view."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = client.get(f"/api/runs/{job_id}").json()
        if view["status"] not in ("queued", "running"):
            return view
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {view['status']} after {timeout_s} s")


def short_scenario(client: httpx.Client, name: str = "kuala-lumpur-wangsa-maju", days: int = 7) -> dict:
    """A preset as the API gives it, cut to ``days`` days from 1 March and without shared mobility."""
    data = client.get(f"/api/presets/{name}").json()
    data["period"].update(start="2025-03-01", days=days)
    data.pop("mobility", None)
    return data
