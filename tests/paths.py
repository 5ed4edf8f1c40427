"""Where the tests find files: the repository, its small test data, and the real files in ``shared/``.

``shared/`` lies beside the clone (CI always has it). A test that needs a real
file there is marked with :func:`real_file`: where the file is absent it is
skipped, naming the file, on a developer's clone — and fails, naming the file,
under CI (``CI`` set), where a missing file means a broken set-up, not an
optional test. Tests that only need a file *format* write their own small
files instead, so that they run on any clone.
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
    """Mark a test that reads the real file ``path`` (checked before its fixtures: see :func:`check_real_files`)."""
    return pytest.mark.real_file(path)


def check_real_files(item: pytest.Item) -> None:
    """Skip ``item`` (or fail it under CI) if a file its ``real_file`` marks name is absent."""
    for mark in item.iter_markers("real_file"):
        path = Path(mark.args[0])
        if path.is_file():
            continue
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the real file {path} (shared/ beside the clone); it is absent", pytrace=False)
        pytest.skip(f"needs the real file {path.name} in {path.parent}")


needs_johor_epw = real_file(JOHOR_EPW)
