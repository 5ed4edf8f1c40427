"""The scenario reference, generated from the pydantic models: JSON Schema and Markdown.

:func:`json_schema` is the JSON Schema of a scenario file (field names as
written in YAML, i.e. by alias). :func:`markdown_reference` is
``docs/scenario.md``: one table per section of the scenario (site, period,
weather, homes[], each load and PV variant, …) with every field's type,
unit, default, allowed values (from the pydantic constraints), description
(which carries the source of each default number) and an example taken from
the built-in presets. Nothing in it is written by hand, so the document
cannot drift from the models; regenerate it with::

    zerodistrict schema --markdown > docs/scenario.md
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from zerodistrict.scenario import base
from zerodistrict.scenario.models import Scenario

REGENERATE = "zerodistrict schema --markdown > docs/scenario.md"

__all__ = ["REGENERATE", "json_schema", "markdown_reference"]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario (draft 2020-12, field names as written in a YAML file)."""
    return Scenario.model_json_schema(by_alias=True)


# --------------------------------------------------------------------------- names known only at validation


def _archetypes() -> list[str]:
    from zerodistrict.profiles.loads import ARCHETYPES

    return sorted(ARCHETYPES)


def _climatologies() -> list[str]:
    from zerodistrict.profiles.weather import CLIMATOLOGIES

    return sorted(CLIMATOLOGIES)


def _tariffs() -> list[str]:
    from zerodistrict.scenario.tariff import TARIFFS

    return sorted(TARIFFS)


def _export_schemes() -> list[str]:
    from zerodistrict.scenario.tariff import EXPORT_SCHEMES

    return sorted(EXPORT_SCHEMES)


def _economics() -> list[str]:
    from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS

    return sorted(ECONOMICS_DEFAULTS)


#: (model name, field name) → the names a validator accepts there
NAMED_VALUES: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("ArchetypeLoad", "archetype"): _archetypes,
    ("WeatherSource", "climate"): _climatologies,
}

#: model name → (what a shorthand names, the names): a section that may be given by name instead
SHORTHANDS: dict[str, tuple[str, Callable[[], list[str]]]] = {
    "Tariff": ("a tariff: `tariff: NAME`, or `{preset: NAME, …}` with fields to replace", _tariffs),
    "ExportScheme": ("an export scheme: `export: NAME`", _export_schemes),
    "Economics": ("a country's unit costs: `{preset: CC, …}` with fields to replace", _economics),
}

# --------------------------------------------------------------------------- walking the models


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _strip(tp: Any) -> tuple[Any, list[Any]]:
    """``Annotated[T, *meta]`` → (T, meta), nested Annotated flattened; other types unchanged."""
    meta: list[Any] = []
    while typing.get_origin(tp) is typing.Annotated:
        meta.extend(tp.__metadata__)
        tp = typing.get_args(tp)[0]
    return tp, meta


def _members(tp: Any) -> list[Any]:
    """The alternatives of a union, nested unions flattened and None left out; or ``[tp]``."""
    stripped, _ = _strip(tp)
    if typing.get_origin(stripped) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(stripped) if arg is not type(None) for m in _members(arg)]
    return [tp]


def _models_in(tp: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """Each model class inside an annotation, with the path suffix it sits at (``""`` or ``"[]"``)."""
    for member in _members(tp):
        inner, _ = _strip(member)
        origin = typing.get_origin(inner)
        if _is_model(inner):
            yield inner, ""
        elif origin in (list, tuple):
            for sub, suffix in _models_in(typing.get_args(inner)[0]):
                yield sub, "[]" + suffix
        elif origin is dict:
            for sub, suffix in _models_in(typing.get_args(inner)[1]):
                yield sub, "{}" + suffix


def _field_name(name: str, info: FieldInfo) -> str:
    return info.alias or name


def _sections(root: type[BaseModel]) -> dict[type[BaseModel], list[str]]:
    """Every model reachable from ``root`` (depth first, in field order) → the paths it is used at."""
    found: dict[type[BaseModel], list[str]] = {root: [""]}

    def visit(model: type[BaseModel], path: str) -> None:
        for name, info in model.model_fields.items():
            for sub, suffix in _models_in(info.annotation):
                sub_path = f"{path}.{_field_name(name, info)}{suffix}".lstrip(".")
                first = sub not in found
                found.setdefault(sub, []).append(sub_path)
                if first:
                    visit(sub, sub_path)

    visit(root, "")
    return found


# --------------------------------------------------------------------------- cells


_SPECIAL = {  # validators that make a plain str/Path/list a type of its own
    base.parse_clock: "time of day `HH:MM`",
    base._resolve_path: "file path (relative to the YAML file)",
    base._check_days: "list of weekdays",
}


def _special(meta: list[Any]) -> str | None:
    for item in meta:
        if isinstance(item, AfterValidator) and item.func in _SPECIAL:
            return _SPECIAL[item.func]
    return None


def _anchor(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def _type_text(tp: Any, meta: list[Any] = ()) -> str:
    special = _special(list(meta))
    if special:
        return special
    parts = []
    for member in _members(tp):
        inner, inner_meta = _strip(member)
        special = _special(inner_meta)
        origin = typing.get_origin(inner)
        if special:
            parts.append(special)
        elif _is_model(inner):
            parts.append(f"[{inner.__name__}](#{_anchor(inner)})")
        elif origin in (list, tuple):
            parts.append(f"list of {_type_text(typing.get_args(inner)[0])}")
        elif origin is dict:
            key, value = typing.get_args(inner)
            parts.append(f"mapping {_type_text(key)} → {_type_text(value)}")
        elif origin is typing.Literal:
            kinds = {type(v) for v in typing.get_args(inner)}
            parts.append(" or ".join(sorted(_SCALARS.get(k, k.__name__) for k in kinds)))
        else:
            parts.append(_SCALARS.get(inner, getattr(inner, "__name__", str(inner))))
    return " or ".join(dict.fromkeys(parts))


_SCALARS = {
    str: "string", int: "integer", float: "number", bool: "boolean", dt.date: "date `YYYY-MM-DD`",
    dt.datetime: "date-time `YYYY-MM-DD HH:MM`", Path: "file path",
}


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else f"{value:g}"


def _constraints(meta: list[Any]) -> list[str]:
    """Readable ranges and lengths from annotated-types constraints (also inside nested FieldInfo)."""
    lo = hi = None
    min_len = max_len = None
    for item in meta:
        if isinstance(item, FieldInfo):
            return _constraints(list(item.metadata))
        if isinstance(item, at.Ge):
            lo = f"≥ {_num(item.ge)}"
        elif isinstance(item, at.Gt):
            lo = f"> {_num(item.gt)}"
        elif isinstance(item, at.Le):
            hi = f"≤ {_num(item.le)}"
        elif isinstance(item, at.Lt):
            hi = f"< {_num(item.lt)}"
        elif isinstance(item, at.MinLen):
            min_len = item.min_length
        elif isinstance(item, at.MaxLen):
            max_len = item.max_length
    out = [", ".join(x for x in (lo, hi) if x)] if lo or hi else []
    if min_len is not None and min_len == max_len:
        out.append(f"exactly {min_len} long")
    elif min_len is not None or max_len is not None:
        out.append(" ".join(x for x in (f"at least {min_len}" if min_len else "",
                                         f"at most {max_len}" if max_len else "") if x) + " long")
    return out


def _allowed_text(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    out = _constraints(list(info.metadata))
    for member in _members(info.annotation):
        inner, inner_meta = _strip(member)
        if typing.get_origin(inner) is typing.Literal:
            out.append(", ".join(f"`{v}`" for v in typing.get_args(inner)))
        elif inner_meta:
            kind = _type_text(member)
            out.extend(f"{kind} {c}" if len(_members(info.annotation)) > 1 else c for c in _constraints(inner_meta))
        if typing.get_origin(inner) in (list, tuple):
            item, item_meta = _strip(typing.get_args(inner)[0])
            if typing.get_origin(item) is typing.Literal:
                out.append("items: " + ", ".join(f"`{v}`" for v in typing.get_args(item)))
    special = _special(list(info.metadata))
    if special == _SPECIAL[base.parse_clock]:
        out.append("00:00 … 24:00")
    elif special == _SPECIAL[base._check_days]:
        out.append(", ".join(f"`{d}`" for d in base.WEEKDAYS))
    named = NAMED_VALUES.get((model.__name__, name))
    if named:
        out.append(", ".join(f"`{v}`" for v in named()))
    return "; ".join(out)


def _short_json(value: Any, limit: int = 48) -> str:
    """``value`` as inline JSON code, long strings and lists shortened with an ellipsis."""
    if isinstance(value, str) and len(value) > limit:
        return f"`{json.dumps(value[:limit].rsplit(' ', 1)[0] + ' …', ensure_ascii=False)}`"
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > limit and text[0] in "[{" and "," in text[:limit]:
        text = text[:limit].rsplit(",", 1)[0] + ", …" + ("]" if text[0] == "[" else "}")
    return f"`{text}`"


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.default_factory() if info.default_factory is not None else info.default
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "its section's defaults"
    if isinstance(value, str) and value == "":
        return "`\"\"`"
    return _short_json(_plain(value))


def _plain(value: Any) -> Any:
    """A value as it is written in YAML: models by alias, paths by file name, dates as text."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    if isinstance(value, Path):
        return value.name
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


_UNIT_PREFIX = re.compile(r"^\[([^\]]+)\]\s*[,;:]?\s*")

#: field-name suffix → unit, longest first (STYLE.md: units in names)
_SUFFIX_UNITS = (
    ("_kg_per_passenger_km", "kg-CO2/passenger-km"), ("_kg_per_kwh", "kg-CO2/kWh"), ("_kwh_per_km", "kWh/km"),
    ("_per_kwh", "currency/kWh"), ("_km_h", "km/h"), ("_kwp", "kWp"), ("_kwh", "kWh"), ("_kw", "kW"),
    ("_ratio", "ratio"), ("_efficiency", "ratio"), ("_deg", "deg"), ("_years", "yr"), ("_minutes", "min"), ("_km", "km"),
    ("_m", "m"), ("_hours", "h"), ("_kg", "kg"),
)


def _unit_and_description(name: str, info: FieldInfo) -> tuple[str, str]:
    text = " ".join((info.description or "").split())
    match = _UNIT_PREFIX.match(text)
    if match:
        return match.group(1), text[match.end():]
    if name in ("kwp",):
        return "kWp", text
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit, text
    return "", text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------- examples from the presets


def _preset_examples() -> dict[tuple[type[BaseModel], str], tuple[Any, str]]:
    """(model class, field) → (value, preset) for the first built-in preset that sets the field."""
    from zerodistrict.scenario.loading import list_presets, load_scenario

    found: dict[tuple[type[BaseModel], str], tuple[Any, str]] = {}

    def visit(value: Any, preset: str) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                sub = getattr(value, name)
                if name in value.model_fields_set and sub not in (None, "", [], {}):
                    found.setdefault((type(value), name), (sub, preset))
                visit(sub, preset)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item, preset)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item, preset)

    first = "saitama-misono"  # the flagship district gives an example wherever it can
    for preset in sorted(list_presets(), key=lambda name: name != first):
        visit(load_scenario(preset), preset)
    # then the ready-made sections a scenario can name (tariffs, export schemes, economics)
    from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS
    from zerodistrict.scenario.tariff import EXPORT_SCHEMES, TARIFFS

    for what, table in (("tariff", TARIFFS), ("export scheme", EXPORT_SCHEMES), ("economics", ECONOMICS_DEFAULTS)):
        for name in sorted(table):
            visit(table[name], f"{what} {name}")
    return found


def _example_text(value: Any, preset: str) -> str:
    if isinstance(value, BaseModel) or (isinstance(value, list) and value and isinstance(value[0], BaseModel)):
        return ""  # a section: its own table has the examples
    return f"{_short_json(_plain(value))} ({preset})"


# --------------------------------------------------------------------------- the document


_INTRO = """\
# Scenario reference

<!-- Generated from the pydantic models in src/zerodistrict/scenario/ by
     zerodistrict.scenario.reference.markdown_reference(); do not edit by hand.
     Regenerate with:  {regenerate}  -->

A scenario is a YAML file (or a built-in preset: `zerodistrict presets` lists them) that
`zerodistrict validate FILE` checks and `zerodistrict run FILE` simulates. This page lists every
field of every section: its type, unit, default, the values it allows, what it means (with the source
of each default number, or "assumption") and an example from the built-in presets. The same rules as a
machine-readable JSON Schema: `zerodistrict schema > scenario.schema.json`.

Conventions: unknown fields are errors; a field marked **required** must be given; "none" means
the field may be left out (and is then not used); relative file paths are resolved against the
YAML file's folder and must exist; `[]` in a path is any item of a list. A field whose type names
several models takes whichever fits: the table of each says how it is told apart.

Regenerate this page after changing a model: `{regenerate}`
(a test fails while it differs).

## Sections

{toc}
"""


def _forms(root: type[BaseModel]) -> dict[type[BaseModel], list[tuple[str, list[Any]]]]:
    """Model → (path, the union's other members) for each field where it is one form of several."""
    out: dict[type[BaseModel], list[tuple[str, list[Any]]]] = {}
    for parent, paths in _sections(root).items():
        for name, info in parent.model_fields.items():
            members = _members(info.annotation)
            if len(members) < 2:
                continue
            for member in members:
                inner, _ = _strip(member)
                if _is_model(inner):
                    path = f"{paths[0]}.{_field_name(name, info)}".lstrip(".")
                    out.setdefault(inner, []).append((path, [m for m in members if m is not member]))
    return out


def _form_note(model: type[BaseModel], forms: list[tuple[str, list[Any]]]) -> str:
    notes = []
    for path, others in forms:
        other_fields: set[str] = set()
        for other in others:
            inner, _ = _strip(other)
            if _is_model(inner):
                other_fields |= {_field_name(n, i) for n, i in inner.model_fields.items()}
        own = [_field_name(n, i) for n, i in model.model_fields.items()
               if i.is_required() and _field_name(n, i) not in other_fields]
        how = (f"recognised by its field{'s' if len(own) > 1 else ''} {', '.join(f'`{f}`' for f in own)}" if own
               else "the form taken by a mapping without the other forms' own fields")
        notes.append(f"One form of `{path}` (the others: {', '.join(_type_text(o) for o in others)}); {how}.")
    return "\n".join(notes) + "\n"


def _heading(model: type[BaseModel], paths: list[str]) -> str:
    return f"`{paths[0]}` — {model.__name__}" if paths[0] else "Scenario (top level)"


def _doc(model: type[BaseModel]) -> str:
    doc = model.__dict__.get("__doc__") or ""  # its own docstring, not one inherited
    if not doc.strip():
        return ""
    text = inspect.cleandoc(doc)
    text = re.sub(r":(?:data|func|class|mod|attr):`~?([^`]+)`", r"`\1`", text)  # reST roles → code
    return text.replace("``", "`")


def _table(model: type[BaseModel], examples: dict) -> list[str]:
    lines = ["| field | type | unit | default | allowed | description | example |",
             "|---|---|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        unit, description = _unit_and_description(name, info)
        example = examples.get((model, name))
        example_cell = _example_text(*example) if example else ""
        cells = [f"`{_field_name(name, info)}`", _type_text(info.annotation, info.metadata), unit,
                 _default_text(info), _allowed_text(model, name, info), description, example_cell]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def markdown_reference() -> str:
    """``docs/scenario.md``: every section of a scenario, one table each, generated from the models."""
    sections = _sections(Scenario)
    forms = _forms(Scenario)
    examples = _preset_examples()
    toc = "\n".join(f"- [{_heading(m, p)}](#{_anchor(m)})" for m, p in sections.items())
    out = [_INTRO.format(regenerate=REGENERATE, toc=toc)]
    for model, paths in sections.items():
        out.append(f'<a id="{_anchor(model)}"></a>\n\n## {_heading(model, paths)}\n')
        if len(paths) > 1:
            out.append("Also at: " + ", ".join(f"`{p}`" for p in paths[1:]) + ".\n")
        if model in forms:
            out.append(_form_note(model, forms[model]))
        doc = _doc(model)
        if doc:
            out.append(doc + "\n")
        if model.__name__ in SHORTHANDS:
            what, names = SHORTHANDS[model.__name__]
            out.append(f"May be given by name as {what}; names: {', '.join(f'`{n}`' for n in names())}.\n")
        out.append("\n".join(_table(model, examples)) + "\n")
    return "\n".join(out).rstrip() + "\n"
