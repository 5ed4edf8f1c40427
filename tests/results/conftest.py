"""The results store's URL for both backends: SQLite in tmp_path always, PostgreSQL when
``ZERODISTRICT_TEST_POSTGRES_URL`` is set (``tests/services/postgres.sh start`` prints one; ``.ci/run`` sets
it). Under CI (``CI`` set) a missing PostgreSQL fails the PostgreSQL tests instead of skipping them."""

import os

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "ZERODISTRICT_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the store tests against PostgreSQL "
                        "(.ci/run starts one with tests/services/postgres.sh)")
        pytest.skip(f"{POSTGRES_ENV} not set (start a server: tests/services/postgres.sh start)")
    return url


def _empty_postgres(url: str) -> None:
    """Drop the store's tables: each test starts from an empty database."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in ("kpis", "designs", "sweeps", "alembic_version"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.db'}"
    url = postgres_url()
    _empty_postgres(url)
    return url
