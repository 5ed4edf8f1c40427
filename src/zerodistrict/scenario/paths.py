"""Field paths into a scenario: ``homes[0].pv.kwp``, ``grid.import_price.default``, ``weather.seed``.

A path is dotted field names, each optionally followed by list indices
(``community.batteries[0].capacity_kwh``). :func:`apply_parameters` sets
values at such paths in a plain scenario mapping (the YAML's data, or a
validated scenario dumped with ``model_dump``) and returns a new mapping; the
result is validated as a scenario by the caller, which names any bad value
by the same path.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from zerodistrict.errors import InputError

__all__ = ["apply_parameters", "parse_path"]

_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")


def parse_path(path: str) -> list[str | int]:
    """``"homes[0].pv.kwp"`` → ``["homes", 0, "pv", "kwp"]``; InputError for malformed paths."""
    steps: list[str | int] = []
    if not isinstance(path, str) or not path:
        raise InputError(f"{path!r}: a field path is dotted names with optional [index], e.g. homes[0].pv.kwp")
    for part in path.split("."):
        match = _PART.match(part)
        if match is None:
            raise InputError(f"{path}: malformed field path at {part!r}; "
                             "use dotted names with optional [index], e.g. homes[0].pv.kwp")
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return steps


def _set(data: Any, steps: list[str | int], value: Any, path: str) -> None:
    node = data
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = _render(steps[: depth + 1])
        if isinstance(step, int):
            if not isinstance(node, list):
                raise InputError(f"{path}: {_render(steps[:depth]) or 'the scenario'} is not a list")
            if step >= len(node):
                raise InputError(f"{path}: {where} does not exist ({_render(steps[:depth])} has {len(node)} items)")
        else:
            if not isinstance(node, dict):
                raise InputError(f"{path}: {_render(steps[:depth])} is not a mapping of fields")
            if step not in node and not last:
                raise InputError(f"{path}: {where} is not set in the base scenario; give it there to sweep its fields")
        if last:
            node[step] = value
        else:
            node = node[step]


def _render(steps: list[str | int]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
    return out


def apply_parameters(base_dict: dict, values: dict[str, Any]) -> dict:
    """A copy of ``base_dict`` with each ``path: value`` of ``values`` set.

    Parameters
    ----------
    base_dict : dict
        A scenario as plain data (not changed).
    values : dict
        Field path → value, e.g. ``{"homes[0].pv.kwp": 5.0, "weather.seed": 3}``.

    Returns
    -------
    dict
        The new scenario data. A last field that is absent is added (the
        scenario's validation then rejects an unknown field by its path).

    Raises
    ------
    InputError
        A malformed path, an index past the end of a list, or a path through
        a value that is not a mapping or a list; the message names the path.
    """
    out = copy.deepcopy(base_dict)
    for path, value in values.items():
        _set(out, parse_path(path), value, path)
    return out
