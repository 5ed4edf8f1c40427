"""``zerodistrict serve``: its warning without a token off loopback, its errors, and an unexpected failure
answered without detail."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from web.service import serve, serve_process
from zerodistrict.commands.serve import _is_loopback
from zerodistrict.web import intake


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False), ("::", False),
                                            ("192.168.1.10", False), ("no-such-host.invalid", False)])
def test_loopback_hosts(host, loopback):
    assert _is_loopback(host) is loopback


def _serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from zerodistrict.cli import app; app()", "serve", *args],
                          capture_output=True, text=True, timeout=120)


def test_no_token_off_loopback_warns(tmp_path):
    # a store URL that cannot be opened ends the command after the warning, before anything listens
    done = _serve("--host", "0.0.0.0", "--store", "mysql://nowhere/db")
    assert done.returncode == 1
    assert re.search(r"warning: serving on 0\.0\.0\.0 without --token: anyone who can reach", done.stderr)
    assert re.search(r"error: --store mysql://nowhere/db: unsupported database 'mysql'", done.stderr)
    assert "Traceback" not in done.stderr
    quiet = _serve("--host", "0.0.0.0", "--token", "t", "--store", "mysql://nowhere/db")
    assert "warning" not in quiet.stderr and quiet.returncode == 1


def test_serve_command_serves_with_its_token(tmp_path):
    with serve_process(f"sqlite:///{tmp_path / 'store.db'}", "--token", "abc123") as (base, process):
        assert httpx.get(base + "/api/meta").status_code == 401
        meta = httpx.get(base + "/api/meta", headers={"Authorization": "Bearer abc123"})
        assert meta.status_code == 200 and meta.json()["limits"]["jobs_at_once"] == 2
    assert (tmp_path / "store.db.runs" / "uploads").is_dir()


def test_unexpected_errors_say_nothing_of_the_server(tmp_path, monkeypatch):
    secret = str(tmp_path / "secret-folder")

    def broken(name):
        raise RuntimeError(f"cannot read {secret}/preset.yaml")

    monkeypatch.setattr(intake, "preset_data", broken)
    with serve(f"sqlite:///{tmp_path / 'store.db'}") as base:
        response = httpx.get(base + "/api/presets/saitama-misono")
        assert response.status_code == 500
        assert response.json() == {"errors": [{"field": "", "message": "internal error"}]}
        assert httpx.get(base + "/api/meta").status_code == 200
