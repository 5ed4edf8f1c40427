"""Where the tests find a PostgreSQL results store: ``ZERODISTRICT_TEST_POSTGRES_URL``
(``tests/services/postgres.sh start`` prints one; ``.ci/run`` sets it). Under CI (``CI`` set) a missing
PostgreSQL fails the test that needs it instead of skipping it."""

import os

import pytest

POSTGRES_ENV = "ZERODISTRICT_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the store tests against PostgreSQL "
                        "(.ci/run starts one with tests/services/postgres.sh)")
        pytest.skip(f"{POSTGRES_ENV} not set (start a server: tests/services/postgres.sh start)")
    return url
