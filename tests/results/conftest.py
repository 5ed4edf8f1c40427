"""The results store's URL for both backends: SQLite in tmp_path always, PostgreSQL when
``ZERODISTRICT_TEST_POSTGRES_URL`` is set (``tests/services/postgres.sh start`` prints one; ``.ci/run`` sets
it). Under CI (``CI`` set) a missing PostgreSQL fails the PostgreSQL tests instead of skipping them."""

import pytest

from stores import postgres_url
from zerodistrict.results.store import drop_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.db'}"
    url = postgres_url()
    drop_store(url)
    return url
