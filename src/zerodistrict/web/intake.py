"""What the web service accepts from the network: bodies, scenarios, uploads and job requests, checked here.

Everything a request carries passes one of these functions before any work
is queued; each failure is a :class:`RequestError` with an HTTP status and a
list of ``{"field", "message"}`` items (the API's ``422`` body). Scenarios are
validated by the same code as ``zerodistrict validate`` (the pydantic models,
then :func:`~zerodistrict.scenario.preflight.check_inputs`) and their
messages are the CLI's, split into field path and message.

Limits (documented in the README, "Web app"):

* a request body (JSON or YAML) holds at most :data:`MAX_BODY_BYTES`; an
  upload (EPW weather or a profile CSV) at most :data:`MAX_UPLOAD_BYTES` —
  beyond that ``413``;
* YAML from the network may not use anchors and aliases (``&a``/``*a``: the
  "billion laughs" bomb expands a few hundred bytes into gigabytes), nor nest
  deeper than :data:`MAX_DEPTH`, nor hold more than :data:`MAX_NODES` values;
  JSON has the same depth and size limits — ``422``;
* a scenario from the network names no file of the server: a file field
  (``weather.path``, ``…csv``, ``profile_csv``) must be the name of an
  upload (:data:`UPLOAD_NAME`), so neither absolute paths, ``~`` nor ``..``
  reach the file system; a preset is named by its name only, never a path.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zerodistrict.errors import InputError

#: [bytes] a request body: a scenario as JSON or YAML (assumption: the presets are < 10 kB; a scenario of
#: 1,000 home groups is ≈300 kB)
MAX_BODY_BYTES = 2_000_000
#: [bytes] an uploaded file (assumption: an EPW year is ≈1.6 MB, a 15-minute CSV of a year ≈1.5 MB)
MAX_UPLOAD_BYTES = 20_000_000
#: deepest nesting of mappings and lists in a body (a scenario nests ≈6 deep)
MAX_DEPTH = 32
#: most values (scalars, mappings, lists) in a body (assumption: ≈100 per home group)
MAX_NODES = 200_000
#: scenario fields that name a file (the models' ``FilePath`` fields)
FILE_FIELDS = ("path", "csv", "profile_csv")
#: kinds of upload and their file name suffix
UPLOAD_SUFFIXES = (".epw", ".csv")
#: the name of an upload as the service gives it: 32 random hex digits and the suffix
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.(epw|csv)$")
#: job kinds the service runs (each one's checks in :func:`check_job`, its work in :data:`zerodistrict.web.work.WORK`)
JOB_KINDS = ("run", "resilience", "size", "compare", "sweep")
#: targets one sizing job may give
MAX_TARGETS = 8
#: runs one comparison may hold (the report puts one column per run)
MAX_COMPARE = 8


@dataclass
class RequestError(Exception):
    """A refused request: its HTTP status and the errors of its body."""

    status: int
    errors: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def one(cls, status: int, field_path: str, message: str) -> "RequestError":
        return cls(status, [{"field": field_path, "message": message}])


# --------------------------------------------------------------------------- bodies


def _check_shape(data: Any) -> None:
    """Refuse data nested deeper than :data:`MAX_DEPTH` or with more than :data:`MAX_NODES` values."""
    stack = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise RequestError.one(422, "(body)", f"more than {MAX_NODES:,} values")
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise RequestError.one(422, "(body)", f"nested deeper than {MAX_DEPTH} levels")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


def _scan_yaml(text: str) -> None:
    """Refuse anchors, aliases, deep nesting and too many nodes before anything is built from the YAML."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise RequestError.one(422, "(body)", "YAML anchors and aliases (&name, *name) are not accepted")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RequestError.one(422, "(body)", f"nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            nodes += 1
            if nodes > 2 * MAX_NODES:
                raise RequestError.one(422, "(body)", f"more than {MAX_NODES:,} values")
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):  # libyaml's own limit, met while scanning ahead
            raise RequestError.one(422, "(body)", f"nested deeper than {MAX_DEPTH} levels") from None
        # any other syntax error: the strict reader words it with its line


def parse_body(body: bytes, content_type: str) -> Any:
    """A request body as data: JSON for ``application/json``, else YAML (``application/yaml``, ``text/…``)."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestError.one(413, "(body)", f"the body has {len(body):,} bytes; the limit is {MAX_BODY_BYTES:,}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError.one(422, "(body)", "the body is not UTF-8 text") from None
    if "json" in content_type.lower():
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise RequestError.one(422, "(body)", f"malformed JSON{where}") from None
    else:
        from zerodistrict.strict_yaml import read_mapping

        _scan_yaml(text)
        try:
            data = read_mapping(text, "body", what="a request body")
        except InputError as exc:
            raise RequestError.one(422, "(body)", str(exc).removeprefix("body: ")) from None
        except RecursionError:
            raise RequestError.one(422, "(body)", f"nested deeper than {MAX_DEPTH} levels") from None
    _check_shape(data)
    return data


# --------------------------------------------------------------------------- scenarios


def _file_fields(data: Any, path: str = ""):
    """(field path, value) of every key of :data:`FILE_FIELDS` in ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else str(key)
            if key in FILE_FIELDS and not isinstance(value, (dict, list)):
                yield here, value
            else:
                yield from _file_fields(value, here)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _file_fields(value, f"{path}[{i}]")


def check_file_fields(data: Any, uploads_dir: Path) -> None:
    """Every file a network scenario names must be an upload of this service, by its bare name."""
    errors = []
    for where, value in _file_fields(data):
        name = str(value)
        if not UPLOAD_NAME.match(name):
            errors.append({"field": where, "message": "a scenario sent to the server may name only a file uploaded "
                           "to it (POST /api/files gives its name); paths are refused"})
        elif not (uploads_dir / name).is_file():
            errors.append({"field": where, "message": f"no upload named {name}"})
    if errors:
        raise RequestError(422, errors)


_FIELD = re.compile(r"^[\w.\[\]-]+$")
#: an absolute path in a message (never shown to a client)
_ABS_PATH = re.compile(r"(?<![\w.])/(?:[\w.-]+/)+[\w.-]*")


def scrub(message: str, *roots: Path) -> str:
    """A message without the server's paths: upload and run folders by their bare names, others elided."""
    for root in roots:
        message = message.replace(str(root) + "/", "").replace(str(root), "")
    return _ABS_PATH.sub("…", message)


def message_errors(message: str, *roots: Path) -> list[dict[str, str]]:
    """The CLI's message of an InputError as ``{"field", "message"}`` items, one per line."""
    lines = [ln.strip() for ln in scrub(message, *roots).splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].endswith("invalid scenario"):
        lines = lines[1:]
    items = []
    for line in lines:
        head, sep, rest = line.partition(": ")
        if sep and head in ("scenario", "body"):
            head, sep, rest = rest.partition(": ")
        if sep and _FIELD.match(head):
            items.append({"field": head, "message": rest})
        else:
            items.append({"field": "", "message": line})
    return items


def preset_data(name: str) -> dict:
    """A preset as the scenario mapping the API sends and accepts back (round-trips through validation)."""
    from zerodistrict.scenario import list_presets, load_scenario

    if name not in list_presets():
        raise RequestError.one(404, "scenario", f"unknown preset {name!r}; presets: {', '.join(list_presets())}")
    sc = load_scenario(name)
    data = sc.model_dump(mode="json", by_alias=True, exclude_none=True)
    if sc.economics_skipped:
        data["economics"] = None
    return data


def load_network_scenario(ref: Any, uploads_dir: Path, field_path: str = "scenario"):
    """A validated, checked :class:`~zerodistrict.scenario.Scenario` from a preset name or a scenario mapping.

    Raises
    ------
    RequestError
        404 for an unknown preset, 422 with the field-path errors of the CLI otherwise.
    """
    from zerodistrict.scenario import list_presets, load_scenario
    from zerodistrict.scenario.loading import scenario_from_dict
    from zerodistrict.scenario.preflight import check_inputs

    if isinstance(ref, str):
        if ref not in list_presets():
            raise RequestError.one(404 if field_path == "scenario" else 422, field_path,
                                   f"unknown preset {ref[:80]!r}; presets: {', '.join(list_presets())}")
        return load_scenario(ref)
    if not isinstance(ref, dict):
        raise RequestError.one(422, field_path, "give a preset name or a scenario mapping")
    check_file_fields(ref, uploads_dir)
    try:
        scenario = scenario_from_dict(ref, base_dir=uploads_dir, source="scenario")
        check_inputs(scenario)
    except InputError as exc:
        # a message about an upload names the file: name the field that gave it instead
        fields = {str(value): where for where, value in _file_fields(ref)}
        errors = [{"field": fields.get(e["field"], e["field"]), "message": e["message"]}
                  for e in message_errors(str(exc), uploads_dir)]
        raise RequestError(422, errors) from None
    except RecursionError:
        raise RequestError.one(422, field_path, "nested too deeply") from None
    return scenario


def unwrap_scenario(data: Any) -> Any:
    """A validate body: the scenario itself, or ``{"scenario": NAME or mapping}``."""
    if isinstance(data, dict) and set(data) == {"scenario"}:
        return data["scenario"]
    return data


# --------------------------------------------------------------------------- jobs


@dataclass
class JobRequest:
    """A checked job: what the worker gets (``payload``, plain JSON) and how it is listed."""

    kind: str
    name: str
    payload: dict


def _dispatch_options(data: dict) -> dict:
    from zerodistrict.pipeline import check_dispatch_options

    dispatch = data.get("dispatch", "rule")
    options = {k: data[k] for k in ("objective", "horizon_hours") if data.get(k) is not None}
    try:
        check_dispatch_options(dispatch, **options)
    except InputError as exc:  # the CLI's options (--horizon-hours) named as the request's fields (horizon_hours)
        message = re.sub(r"--([a-z-]+)", lambda m: m.group(1).replace("-", "_"), str(exc))
        raise RequestError(422, message_errors(message)) from None
    return {"dispatch": dispatch, **options}


def _allowed_keys(data: dict, keys: set[str]) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        raise RequestError(422, [{"field": k, "message": "unknown field"} for k in unknown])


def check_job(data: Any, uploads_dir: Path, finished_runs) -> JobRequest:
    """A job request checked before it is queued.

    ``finished_runs(ids)`` gives the stored runs among ``ids`` that are done (for a comparison).
    """
    if not isinstance(data, dict):
        raise RequestError.one(422, "(body)", "give a JSON object such as {\"scenario\": \"saitama-misono\"}")
    kind = data.get("kind", "run")
    if kind not in JOB_KINDS:
        raise RequestError.one(422, "kind", f"unknown job kind {str(kind)[:40]!r}; use one of {', '.join(JOB_KINDS)}")
    if kind in ("run", "resilience"):
        _allowed_keys(data, {"kind", "scenario", "dispatch", "objective", "horizon_hours", "max_hours"})
        if "scenario" not in data:
            raise RequestError.one(422, "scenario", "required field is missing")
        scenario = load_network_scenario(data["scenario"], uploads_dir)
        payload = {"scenario": data["scenario"], **_dispatch_options(data)}
        if kind == "resilience":
            hours = data.get("max_hours", 168.0)
            if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
                raise RequestError.one(422, "max_hours", "give the longest outage in hours, > 0 and ≤ 720")
            payload["max_hours"] = float(hours)
        return JobRequest(kind, scenario.name, payload)
    if kind == "size":
        return _check_size(data, uploads_dir)
    if kind == "compare":
        _allowed_keys(data, {"kind", "runs"})
        ids = data.get("runs")
        if not isinstance(ids, list) or not 2 <= len(ids) <= MAX_COMPARE or not all(isinstance(i, str) for i in ids):
            raise RequestError.one(422, "runs", f"give 2 to {MAX_COMPARE} run ids")
        done = finished_runs(ids)
        missing = [i for i in ids if i not in done]
        if missing:
            raise RequestError.one(422, "runs", f"not finished runs of kind run: {', '.join(m[:40] for m in missing)}")
        return JobRequest(kind, " vs ".join(done[i] for i in ids)[:200], {"runs": ids})
    _allowed_keys(data, {"kind", "sweep"})
    return _check_sweep(data.get("sweep"), uploads_dir)


def _check_size(data: dict, uploads_dir: Path) -> JobRequest:
    """A sizing (``zerodistrict size``): a scenario with a ``sizing`` block, targets, objective, typical days."""
    from zerodistrict.design.targets import parse_targets

    _allowed_keys(data, {"kind", "scenario", "targets", "objective", "typical_days", "resimulate_horizon_hours"})
    if "scenario" not in data:
        raise RequestError.one(422, "scenario", "required field is missing")
    scenario = load_network_scenario(data["scenario"], uploads_dir)
    if scenario.sizing is None:
        raise RequestError.one(422, "scenario", f"{scenario.name} has no sizing block: nothing to size")
    targets = data.get("targets", [])
    if not isinstance(targets, list) or len(targets) > MAX_TARGETS or \
            not all(isinstance(t, str) and len(t) <= 100 for t in targets):
        raise RequestError.one(422, "targets", f"give at most {MAX_TARGETS} targets such as "
                                               "\"self_sufficiency_ratio>=0.8\"")
    try:
        parse_targets(targets)
    except InputError as exc:
        raise RequestError.one(422, "targets", str(exc).removeprefix("--target: ")) from None
    objective = data.get("objective", "cost")
    if objective not in ("cost", "co2"):
        raise RequestError.one(422, "objective", "use cost or co2")
    days = data.get("typical_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366):
        raise RequestError.one(422, "typical_days", "give a whole number of typical days from 1 to 366, or leave it out")
    horizon = data.get("resimulate_horizon_hours")
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int) or not 24 <= horizon <= 8784):
        raise RequestError.one(422, "resimulate_horizon_hours", "give the rolling horizon of the full-year "
                                                                "re-simulation in whole hours from 24 to 8784, or leave "
                                                                "it out (perfect foresight)")
    payload = {"scenario": data["scenario"], "targets": targets, "objective": objective, "typical_days": days,
               "resimulate_horizon_hours": horizon}
    return JobRequest("size", scenario.name, payload)


def _check_sweep(spec: Any, uploads_dir: Path) -> JobRequest:
    """A sweep from the network: its base is a preset (never a path) and it sweeps no file field."""
    from zerodistrict.scenario import list_presets

    if not isinstance(spec, dict):
        raise RequestError.one(422, "sweep", "give the sweep as a mapping (base, parameters, …)")
    if spec.get("base") not in list_presets():
        raise RequestError.one(422, "sweep.base", f"a sweep sent to the server starts from a preset: "
                               f"{', '.join(list_presets())}")
    parameters = spec.get("parameters")
    if isinstance(parameters, dict):
        for path in parameters:
            last = re.split(r"[.\[]", str(path))[-1]
            if last in FILE_FIELDS:
                raise RequestError.one(422, f"sweep.parameters.{path}", "file fields cannot be swept on the server")
    from zerodistrict.design.sweep_spec import plan_sweep

    # the sweep module reads files: check the spec through it from a private folder
    folder = uploads_dir / f".sweep-{secrets.token_hex(8)}"
    folder.mkdir()
    try:
        spec_file = folder / "sweep.yaml"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        plan = plan_sweep(spec_file)
    except InputError as exc:
        raise RequestError(422, [{"field": "sweep." + e["field"] if e["field"] else "sweep", "message": e["message"]}
                                 for e in message_errors(str(exc), folder, uploads_dir)]) from None
    finally:
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()
    return JobRequest("sweep", plan.name if spec.get("name") else f"sweep of {spec['base']}", {"sweep": spec})
