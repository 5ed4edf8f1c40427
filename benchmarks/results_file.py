"""``benchmarks/results.json``: each benchmark owns one key and leaves the others as they are."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results.json"


def record(key: str, value: object) -> Path:
    """Set ``key`` of results.json to ``value`` (read, update, write back)."""
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data[key] = value
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return RESULTS
