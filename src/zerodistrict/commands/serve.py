"""``zerodistrict serve``: the web app and its JSON API on uvicorn."""

from __future__ import annotations

import ipaddress
import socket
from typing import Optional

import typer

# the CLI's helpers are imported when the command runs, not here: cli.py imports this module at its end,
# and ``python -m zerodistrict.cli`` (cli.py as __main__) would otherwise meet a half-imported copy of both

STORE_HELP = ("results store URL: sqlite:///FILE.db or postgresql+psycopg://USER@HOST/DB "
              "[default: sqlite:///zerodistrict.db]; the runs' files lie beside a SQLite file")


def _is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and names that resolve only to them (localhost)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (anything but loopback: give --token)"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port"),
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    token: Optional[str] = typer.Option(None, "--token", envvar="ZERODISTRICT_TOKEN",
                                        help="every page and API call needs this token (or $ZERODISTRICT_TOKEN)"),
    workers: int = typer.Option(2, "--workers", min=1, help="jobs computing at once (one worker process each); "
                                "more wait in the queue"),
    per_client: int = typer.Option(1, "--per-client", min=1, help="jobs computing at once for one client address"),
    time_limit: float = typer.Option(1800.0, "--time-limit", min=1, help="a job still running after this many "
                                     "seconds is stopped"),
) -> None:
    """Serve the web app (browser page at /, JSON API under /api, API reference at /docs)."""
    from zerodistrict.cli import _input_errors

    _input_errors(_serve)(host, port, store, token, workers, per_client, time_limit)


def _serve(host: str, port: int, store: str | None, token: str | None, workers: int, per_client: int,
           time_limit: float) -> None:
    import uvicorn

    from zerodistrict.cli import _say, err, out

    from zerodistrict.web import create_app

    if not _is_loopback(host) and not token:
        _say(err, f"warning: serving on {host} without --token: anyone who can reach this address can run jobs "
                  "on this machine and read every result")
    app = create_app(store, token=token, max_jobs=workers, max_jobs_per_client=min(per_client, workers),
                     time_limit_s=time_limit)
    shown = f"[{host}]" if ":" in host else host
    _say(out, f"zerodistrict web app on http://{shown}:{port}/" + ("?token=…" if token else "")
         + f" (store {app.state.web.store.url}; runs in {app.state.web.runs_dir})")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
