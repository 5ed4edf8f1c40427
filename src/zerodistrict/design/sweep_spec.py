"""The sweep file and its expansion into designs.

A sweep file is YAML::

    name: misono-batteries            # optional; default: the file's stem
    base: saitama-misono              # a preset name or a scenario YAML path (relative to the sweep file)
    dispatch: rule                    # rule | optimal
    resilience_hours: 0               # outage survival per design up to this many hours; 0 (default): off
    seed: 7                           # seed of the Latin hypercube
    samples: 20                       # Latin-hypercube samples of the distributions
    parameters:
      community.batteries[0].capacity_kwh: [0, 125, 250]          # a list
      homes[0].pv.kwp: {start: 3, stop: 6, step: 0.5}             # a range: start, start+step, … ≤ stop
      grid.import_price.default: {distribution: uniform, low: 25, high: 45}   # sampled

Combination rule
----------------
Every listed or ranged parameter is crossed with every other (a full
factorial); the distributions are sampled together by one Latin hypercube of
``samples`` points (scipy's ``LatinHypercube``, seeded by ``seed``), and each
factorial point is crossed with each sample. The number of designs is the
product of the lists' and ranges' lengths times ``samples`` (times 1 without
distributions). A sweep may have at most :data:`MAX_DESIGNS` designs.

Distributions (each maps the hypercube's uniform coordinate through its
quantile function, ``scipy.stats``): ``uniform {low, high}``,
``loguniform {low, high}``, ``normal {mean, sd}``, ``lognormal {median, sigma}``,
``triangular {low, mode, high}``; ``integer: true`` rounds the value (for counts).

``size:`` targets (sizing each design instead of simulating it) are not
available yet: a sweep file with ``size`` is refused.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from zerodistrict.errors import InputError
from zerodistrict.scenario.base import Model, format_validation_error
from zerodistrict.scenario.loading import PRESET_DIR, list_presets, scenario_from_dict
from zerodistrict.strict_yaml import read_mapping
from zerodistrict.scenario.models import Scenario
from zerodistrict.scenario.paths import apply_parameters, parse_path

__all__ = ["MAX_DESIGNS", "Design", "Sweep", "SweepPlan", "expand", "load_sweep", "plan_sweep"]

#: the most designs one sweep may expand to (assumption: a sweep of a million designs is a typo, not a plan;
#: split it into several sweeps of one store)
MAX_DESIGNS = 100_000

Value = Union[float, int, str, bool]


class Range(Model):
    """``start, start + step, …`` up to and including ``stop`` (to a rounding tolerance)."""

    start: float
    stop: float
    step: float

    @field_validator("step")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"step must be > 0, got {value}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.stop < self.start:
            raise ValueError(f"stop {self.stop} is below start {self.start}")
        return self

    def values(self) -> list[float | int]:
        n = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
        out = [round(self.start + i * self.step, 12) for i in range(n)]
        whole = all(float(v).is_integer() for v in (self.start, self.step))
        return [int(v) for v in out] if whole else out


class Distribution(Model):
    """A distribution sampled by the Latin hypercube; which fields it needs depends on its kind."""

    distribution: Literal["uniform", "loguniform", "normal", "lognormal", "triangular"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    integer: bool = False

    _NEEDS = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "normal": ("mean", "sd"),
              "lognormal": ("median", "sigma"), "triangular": ("low", "mode", "high")}

    @model_validator(mode="after")
    def _fields(self) -> "Distribution":
        needs = self._NEEDS[self.distribution]
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise ValueError(f"{self.distribution} needs {', '.join(needs)} (missing {', '.join(missing)})")
        extra = [n for n in ("low", "high", "mode", "mean", "sd", "median", "sigma")
                 if n not in needs and getattr(self, n) is not None]
        if extra:
            raise ValueError(f"{self.distribution} takes {', '.join(needs)}, not {', '.join(extra)}")
        if "low" in needs and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"loguniform needs low > 0, got {self.low}")
        if self.distribution == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode {self.mode} must lie between low and high")
        for name in ("sd", "sigma", "median"):
            if name in needs and not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at the uniform coordinates ``u`` in (0, 1)."""
        from scipy import stats

        if self.distribution == "uniform":
            x = stats.uniform(self.low, self.high - self.low).ppf(u)
        elif self.distribution == "loguniform":
            x = stats.loguniform(self.low, self.high).ppf(u)
        elif self.distribution == "normal":
            x = stats.norm(self.mean, self.sd).ppf(u)
        elif self.distribution == "lognormal":
            x = stats.lognorm(self.sigma, scale=self.median).ppf(u)
        else:
            c = (self.mode - self.low) / (self.high - self.low)
            x = stats.triang(c, loc=self.low, scale=self.high - self.low).ppf(u)
        return np.rint(x) if self.integer else x


Parameter = Union[list[Value], Range, Distribution]


class Sweep(Model):
    """A sweep file (see the module's docstring)."""

    name: str | None = None
    base: str = Field(description="a preset name or a scenario YAML path, relative to the sweep file")
    parameters: dict[str, Parameter] = Field(min_length=1, description="field path → list, range or distribution")
    dispatch: Literal["rule", "optimal"] = "rule"
    samples: int | None = Field(default=None, ge=1, description="Latin-hypercube samples of the distributions")
    seed: int = Field(default=0, ge=0, description="seed of the Latin hypercube")
    resilience_hours: float = Field(default=0.0, ge=0, description="outage survival per design up to this long [h]; 0: off")
    size: Any = Field(default=None, description="sizing targets: not available yet")

    @field_validator("parameters", mode="before")
    @classmethod
    def _kinds(cls, value: Any) -> Any:
        """Each parameter by its shape (a list, a mapping with ``distribution``, another mapping: a range), so
        that an error names only what is wrong with the kind given."""
        if not isinstance(value, dict):
            return value
        out, problems = {}, []
        for path, spec in value.items():
            if isinstance(spec, list):
                out[path] = spec
                continue
            if not isinstance(spec, dict):
                problems.append(f"{path}: a list of values, a range {{start, stop, step}} or a distribution "
                                f"{{distribution: uniform, …}}, got {spec!r}")
                continue
            kind = Distribution if "distribution" in spec else Range
            try:
                out[path] = kind.model_validate(spec)
            except ValidationError as err:
                for item in err.errors(include_url=False):
                    where = ".".join([path, *map(str, item["loc"])])
                    msg = {"extra_forbidden": "unknown field", "missing": "required field is missing"}.get(
                        item["type"], item["msg"].removeprefix("Value error, "))
                    problems.append(f"{where}: {msg}")
        if problems:
            raise ValueError("\n  ".join(problems))
        return out

    @field_validator("parameters")
    @classmethod
    def _paths(cls, value: dict) -> dict:
        for path, spec in value.items():
            try:
                parse_path(path)
            except InputError as exc:
                raise ValueError(str(exc)) from None
            if isinstance(spec, list) and not spec:
                raise ValueError(f"{path}: an empty list of values")
        return value

    @model_validator(mode="after")
    def _samples(self) -> "Sweep":
        if self.size is not None:
            raise ValueError("size: sizing designs in a sweep is not available yet; sweep simulations only")
        has_dist = any(isinstance(p, Distribution) for p in self.parameters.values())
        if has_dist and self.samples is None:
            raise ValueError("samples: the distributions need a number of Latin-hypercube samples")
        if not has_dist and self.samples is not None:
            raise ValueError("samples: given, but no parameter has a distribution to sample")
        return self


@dataclass(frozen=True)
class Design:
    """One point of a sweep: its number, key (hash of its parameter values) and the values by field path."""

    number: int
    key: str
    parameters: dict[str, Value]


def design_key(parameters: dict[str, Value]) -> str:
    """A stable hash of the parameter values (order of the paths does not matter)."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _plain(value: Any) -> Value:
    return value.item() if isinstance(value, np.generic) else value


def expand(sweep: Sweep) -> list[Design]:
    """Every design of the sweep, in a stable order (the combination rule is in the module's docstring)."""
    fixed = {p: s for p, s in sweep.parameters.items() if not isinstance(s, Distribution)}
    dists = {p: s for p, s in sweep.parameters.items() if isinstance(s, Distribution)}
    axes = {p: (s.values() if isinstance(s, Range) else list(s)) for p, s in fixed.items()}
    n = math.prod(len(v) for v in axes.values()) * (sweep.samples or 1)
    if n > MAX_DESIGNS:
        sizes = ", ".join(f"{p}: {len(v)}" for p, v in axes.items())
        raise InputError(f"parameters: {n:,} designs ({sizes}" + (f", samples: {sweep.samples}" if dists else "")
                         + f") is more than the {MAX_DESIGNS:,} one sweep may have")
    samples: list[dict[str, Value]] = [{}]
    if dists:
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=len(dists), seed=sweep.seed).random(sweep.samples)
        columns = {p: d.quantile(u[:, j]) for j, (p, d) in enumerate(dists.items())}
        samples = [{p: (int(col[i]) if dists[p].integer else float(col[i])) for p, col in columns.items()}
                   for i in range(sweep.samples)]
    designs = []
    for point in itertools.product(*axes.values()):
        for sample in samples:
            values = {**dict(zip(axes, (_plain(v) for v in point))), **sample}
            designs.append(Design(len(designs), design_key(values), values))
    return designs


@dataclass
class SweepPlan:
    """A sweep ready to run: its file, key, base scenario data, designs and their validated scenarios."""

    sweep: Sweep
    name: str
    key: str
    base: dict
    designs: list[Design]
    scenarios: list[Scenario]


def _load_base(ref: str, sweep_dir: Path) -> tuple[dict, Path]:
    path = Path(ref)
    if not path.is_absolute():
        path = sweep_dir / path
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"base: scenario file not found: {path}")
        return read_mapping(path.read_text(encoding="utf-8"), str(path)), path.parent
    preset = PRESET_DIR / f"{ref}.yaml"
    if not preset.is_file():
        raise InputError(f"base: unknown preset {ref!r} and no such scenario file; presets: {', '.join(list_presets())}")
    return read_mapping(preset.read_text(encoding="utf-8"), f"preset {ref}"), PRESET_DIR


def load_sweep(path: Path | str) -> tuple[Sweep, str]:
    """The sweep file at ``path``, validated, and the hash of its content (the sweep's identity in a store)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: sweep file not found")
    text = path.read_text(encoding="utf-8")
    data = read_mapping(text, str(path))
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as err:
        raise InputError(format_validation_error(err, str(path)).replace("invalid scenario", "invalid sweep")) from None
    return sweep, hashlib.sha256(text.encode()).hexdigest()


def plan_sweep(path: Path | str) -> SweepPlan:
    """Read, expand and validate a sweep: every design is checked as a scenario before anything runs.

    The sweep's key hashes the file's content together with its base scenario's
    data, so editing either makes a new sweep (a preset changed by an upgrade too).

    Raises
    ------
    InputError
        A bad sweep file, a parameter path the base scenario does not have,
        or the first design that is not a valid scenario (named by its number
        and parameter values).
    """
    path = Path(path)
    sweep, file_hash = load_sweep(path)
    base_data, base_dir = _load_base(sweep.base, path.parent)
    base = scenario_from_dict(base_data, base_dir=base_dir, source=f"base {sweep.base}")
    # the validated base with its defaults filled in, so that defaulted fields can be swept too
    base_dict = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    designs = expand(sweep)
    scenarios = []
    for design in designs:
        try:
            data = apply_parameters(base_dict, design.parameters)
        except InputError as exc:
            raise InputError(f"{path}: parameters: {exc}") from None
        values = ", ".join(f"{p}={v!r}" for p, v in design.parameters.items())
        scenarios.append(scenario_from_dict(data, base_dir=base_dir, source=f"{path}: design {design.number} ({values})"))
    key = hashlib.sha256((file_hash + json.dumps(base_dict, sort_keys=True)).encode()).hexdigest()[:32]
    return SweepPlan(sweep=sweep, name=sweep.name or path.stem, key=key, base=base_dict,
                     designs=designs, scenarios=scenarios)
