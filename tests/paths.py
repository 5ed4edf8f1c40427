"""Where the tests find files: the repository, its small test data, and the real files in ``shared/``.

``shared/`` lies beside the clone (CI always has it). A test that needs a real
file there uses :func:`real_file`: it skips, naming the file, when the file is
absent on a developer's clone — and fails under CI, where a missing file means
a broken set-up, not an optional test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
TEST_DATA = TESTS / "data"
SHARED_DATA = REPO.parent / "shared" / "data"
JOHOR_EPW = SHARED_DATA / "MYS_JH_Johor.AP.486790_TMYx.epw"


def real_file(path: Path) -> pytest.MarkDecorator:
    """Mark a test that reads the real file ``path``: skipped where it is absent, unless under CI."""
    present = path.is_file()
    if not present and os.environ.get("CI"):
        raise FileNotFoundError(f"CI needs {path} (shared/ beside the clone) for the real-file tests")
    return pytest.mark.skipif(not present, reason=f"needs the real file {path.name} in {path.parent}")


needs_johor_epw = real_file(JOHOR_EPW)
