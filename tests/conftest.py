import os

import pytest
from hypothesis import settings

from paths import check_real_files

# CI explores the same examples every run (no flaky submissions); developers' runs keep exploring new ones
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# every test computes its profiles (a test may replace how they are computed); tests/profiles/test_cache.py
# turns the disk cache on in a folder of its own. Subprocesses (the CLI's tests) inherit this.
os.environ["ZERODISTRICT_CACHE"] = "off"


def pytest_configure(config):
    config.addinivalue_line("markers", "real_file(path): reads a real file from shared/ (skipped where absent; fails under CI)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    check_real_files(item)  # before the test's fixtures, which may read the file
