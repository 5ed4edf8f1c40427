"""The ``web`` fixture: one real service per test module (see service.py)."""

from pathlib import Path

import httpx
import pytest

from web.service import serve


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """One service for a module's tests: at most 2 jobs at once, 1 per client, 120 s per job."""
    folder: Path = tmp_path_factory.mktemp("web")
    with serve(f"sqlite:///{folder / 'store.db'}", max_jobs=2, max_jobs_per_client=2, time_limit_s=120) as base:
        with httpx.Client(base_url=base, timeout=60) as client:
            yield client
