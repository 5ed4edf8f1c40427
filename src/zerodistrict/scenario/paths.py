"""Scenario field paths (``homes[0].pv.kwp``, ``grid.import_price.default``): set values in a scenario dict.

A path is dot-separated field names, each optionally followed by list indices in brackets, as scenario
error messages print them. Sweeps use :func:`apply_parameters` to turn a base scenario into one design;
the results report uses it to rebuild a stored design's scenario.

Simplification: a path is checked against the scenario's schema (pydantic models) field by field as far
as the schema names one model; past a field that may hold several kinds of value (a price that is a number
or a section) the full validation of the resulting scenario names any remaining mistake.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from zerodistrict.errors import InputError

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")


def parse_path(path: str) -> list[str | int]:
    """``"homes[0].pv.kwp"`` → ``["homes", 0, "pv", "kwp"]``; an :class:`InputError` for a malformed path."""
    steps: list[str | int] = []
    for part in str(path).split("."):
        match = _SEGMENT.match(part)
        if match is None:
            raise InputError(f"{path}: not a scenario field path; write e.g. homes[0].pv.kwp or "
                             "grid.import_price.default")
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return steps


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through Optional, Union, Annotated and list)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _field(model: type[BaseModel], name: str):
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info
    return None


def _check_against_schema(path: str, steps: list[str | int]) -> None:
    """Raise :class:`InputError` when a named field does not exist in the model the schema gives for it."""
    from zerodistrict.scenario.models import Scenario

    models: list[type[BaseModel]] = [Scenario]
    done = ""
    for step in steps:
        if isinstance(step, int):
            done += f"[{step}]"
            continue
        if not models:
            return  # past a field the schema does not describe as one model: validation decides
        fields = [f for f in (_field(m, step) for m in models) if f is not None]
        if not fields:
            names = sorted({n for m in models for n, i in m.model_fields.items() for n in [i.alias or n]})
            where = done or "a scenario"
            raise InputError(f"{path}: {where} has no field {step!r}; its fields: {', '.join(names)}")
        models = [m for f in fields for m in _models_in(f.annotation)]
        done = f"{done}.{step}" if done else step


def apply_parameters(base: dict, values: dict[str, Any]) -> dict:
    """A copy of the scenario dict ``base`` with each ``{path: value}`` of ``values`` set.

    A section or field the base leaves out (so its default applies) is added; a list item must exist in the
    base (``homes[1]`` needs two home groups).

    Raises
    ------
    InputError
        A malformed path, a field the scenario schema does not have, a list index past the base's items,
        or a path through a value that is not a section (``grid.import_price.default`` where the base
        gives one number); the message names the path.
    """
    data = copy.deepcopy(base)
    for path, value in values.items():
        steps = parse_path(path)
        _check_against_schema(path, steps)
        node: Any = data
        done = ""
        for step, following in zip(steps, steps[1:] + [None]):
            last = following is None
            if isinstance(step, int):
                if not isinstance(node, list):
                    raise InputError(f"{path}: {done} is not a list in the base scenario")
                if step >= len(node):
                    raise InputError(f"{path}: the base scenario's {done} has {len(node)} item(s), "
                                     f"so no {done}[{step}]")
                if last:
                    node[step] = value
                else:
                    node = node[step]
                done += f"[{step}]"
                continue
            if not isinstance(node, dict):
                raise InputError(f"{path}: {done} is {_shown(node)} in the base scenario, not a section with "
                                 f"field {step!r}")
            if last:
                node[step] = value
            else:
                if node.get(step) is None:
                    if isinstance(following, int):
                        raise InputError(f"{path}: the base scenario has no {done + '.' if done else ''}{step} "
                                         "list to index")
                    node[step] = {}
                node = node[step]
            done = f"{done}.{step}" if done else step
    return data


def _shown(node) -> str:
    """A value of the base scenario in a message: itself, or "a list" (its repr can be every home group)."""
    return "a list" if isinstance(node, list) else repr(node)
