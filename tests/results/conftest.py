"""The results store's URL for both backends: SQLite in tmp_path always, PostgreSQL when
``ZERODISTRICT_TEST_POSTGRES_URL`` is set (``tests/services/postgres.sh start`` prints one; ``.ci/run`` sets
it). Under CI (``CI`` set) a missing PostgreSQL fails the PostgreSQL tests instead of skipping them."""

import os

import pytest

from zerodistrict.results.store import drop_store

POSTGRES_ENV = "ZERODISTRICT_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the store tests against PostgreSQL "
                        "(.ci/run starts one with tests/services/postgres.sh)")
        pytest.skip(f"{POSTGRES_ENV} not set (start a server: tests/services/postgres.sh start)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.db'}"
    url = postgres_url()
    drop_store(url)
    return url
