"""Building blocks of the scenario schema, shared by every section's models.

:class:`Model` (unknown fields are errors), typed fields for files, clock
times and weekdays, and :func:`format_validation_error`, which turns a
pydantic error into one readable message naming each bad field path.
Sections defined in their own modules (tariffs, economics, mobility) build on
this module, and :mod:`zerodistrict.scenario` assembles them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    try:
        found = path.is_file()
    except OSError as exc:  # e.g. a name too long for the file system
        raise ValueError(f"not a usable file name: {exc.strerror}") from None
    if not found:
        raise ValueError(f"file not found: {path}")
    return path.resolve()


FilePath = Annotated[Path, AfterValidator(_resolve_path)]


def parse_clock(value: str) -> str:
    """``"H:MM"`` → ``"HH:MM"``; ValueError for anything that is not a time of day 00:00–24:00."""
    try:
        hh, mm = str(value).split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise ValueError(f"expected a time of day 'HH:MM', got {value!r}") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m != 0):
        raise ValueError(f"expected a time between 00:00 and 24:00, got {value!r}")
    return f"{h:02d}:{m:02d}"


Clock = Annotated[str, AfterValidator(parse_clock)]


def merge_preset(data: Any, presets: Callable[[], dict], what: str, key=lambda name: name) -> Any:
    """``{preset: NAME, **overrides}`` → the named preset's fields with the overrides on top.

    For a ``mode="before"`` model validator; other input passes through. ``presets``
    returns the table (called only when a preset is named, so a module may validate
    its own preset table while building it); ``key`` normalises the name (e.g.
    ``str.upper`` for country codes).
    """
    if isinstance(data, dict) and "preset" in data:
        presets = presets()
        rest = dict(data)
        name = key(str(rest.pop("preset")))
        if name not in presets:
            raise ValueError(f"unknown {what} preset {name!r}; use one of {', '.join(sorted(presets))}")
        data = {**presets[name].model_dump(), **rest}
    return data


def clock_hours(clock: str) -> float:
    """``"HH:MM"`` → hours after midnight (``"24:00"`` → 24.0)."""
    h, m = clock.split(":")
    return int(h) + int(m) / 60.0


def _check_days(days: list[str] | None) -> list[str] | None:
    if days is None:
        return None
    out = []
    for day in days:
        key = str(day).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use mon, tue, wed, thu, fri, sat, sun")
        out.append(key)
    return out


Weekdays = Annotated[list[str] | None, AfterValidator(_check_days)]


class Model(BaseModel):
    """Base of every scenario model: unknown fields are errors, and so are NaN and ±infinity in any number."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False, allow_inf_nan=False)


# --------------------------------------------------------------------------- limits
#
# Upper bounds on the size of a study, checked before the heavy work. A rule run
# of 1,000 homes × 8,760 steps peaks at 0.69 GB and takes 11 s (measured 2026 on
# the project's 2-core, 24 GB machine, under load) and both grow linearly with
# homes × steps, so MAX_HOME_STEPS keeps a run near 8 GB and a few minutes: inside
# a 24 GB workstation with room for the optimal dispatch's model. Counts are
# bounds of a residential district, far above the ≈50–200 homes of the studied
# sites (Misono: 51 plots).

#: [bytes] a scenario file larger than this is refused before it is parsed: ≈10× a
#: 10,000-group file written in full (≈100 bytes a group); libyaml reads ≈3 MB per
#: CPU-second here, so the largest file parses in ≈3–4 s (measured, 2026)
MAX_SCENARIO_BYTES = 10_000_000
#: home groups in one scenario (assumption: one group per home at the home limit)
MAX_HOME_GROUPS = 10_000
#: homes in one scenario (sum of group counts; assumption: a district, not a city)
MAX_HOMES = 10_000
#: homes × time steps: 10,000 homes hourly for a year (87.6 M), 2,500 at 15 minutes
MAX_HOME_STEPS = 100_000_000
#: community EVs (each is a store with its own time series; assumption)
MAX_COMMUNITY_EVS = 1_000
#: shared-mobility ports and vehicles (trip-by-trip simulation; assumption)
MAX_STATIONS = 2_000
MAX_VEHICLES = 100_000


_TAGS = {"load-archetype", "load-csv", "pv-array", "pv-profile", "price-constant", "price-periods", "price-csv",
         "factor-constant", "factor-csv"}


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def format_validation_error(err: ValidationError, source: str) -> str:
    """One readable message: source, then each bad field path with what is wrong."""
    lines = []
    for item in err.errors(include_url=False):
        path = _field_path(item["loc"])
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            msg = "unknown field"
        elif item["type"] == "missing":
            msg = "required field is missing"
        got = item.get("input")
        detail = f" (got {got!r})" if item["type"] not in ("missing", "extra_forbidden") and not isinstance(got, (dict, list)) else ""
        lines.append(f"{path}: {msg}{detail}")
    # a union reports one failure per branch; keep each distinct message once
    lines = list(dict.fromkeys(lines))
    return f"{source}: invalid scenario\n  " + "\n  ".join(lines)


