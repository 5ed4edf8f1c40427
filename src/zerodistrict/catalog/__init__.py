"""Reference data: climatologies, load archetypes, buildings, tariffs, export schemes, costs, grid factors,
hydrogen costs.

The numbers live in data files (``catalog/data/*.yaml``), one per topic or
country; this module is their one loader. Every number in a data file sits in
a *sourced value*, a mapping with the number under ``value`` and either its
source and year or the word ``assumption`` with the reason::

    kg_per_kwh: {value: 0.437, source: "[S4] FEPC, adjusted industry average", year: FY2022}
    per_month: {value: 0.0, assumption: "fuel adjustment varies monthly; 0 stands in"}

``value`` may hold a list or a whole sub-mapping (one source for a table).
The keys in brackets (``[S4]``) refer to ``docs/sources.md``. A number outside
a sourced value is an error, and so is a record the model rejects: both raise
:class:`~zerodistrict.errors.InputError` naming the file and the key path.
Top-level keys starting with ``_`` hold YAML anchors shared by the records
(``<<: *tepco``) and are not records themselves.

Each table function reads the package's files once (cached) and returns a
fresh dict; given ``path`` it reads that file instead, uncached (a user's own
catalog, or a test's). The stage modules expose the tables under their old
names as :class:`LazyTable` mappings, so importing them reads no file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from zerodistrict.errors import InputError

DATA_DIR = Path(__file__).parent / "data"

#: keys a sourced value may have besides ``value``
SOURCE_KEYS = frozenset({"source", "year", "assumption", "note"})


# --------------------------------------------------------------------------- reading files


def read_file(path: Path | str) -> dict[str, Any]:
    """A data file's records (top-level mapping without its ``_`` keys), still with their sourced values."""
    from zerodistrict.strict_yaml import read_mapping  # lazy: importing the catalog stays free

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read catalog file: {exc}") from None
    data = read_mapping(text, str(path), what="a catalog file", of="records")
    return {str(k): v for k, v in data.items() if not str(k).startswith("_")}


def is_sourced(node: Any) -> bool:
    """True for a sourced value: a mapping with ``value`` and only source keys beside it."""
    return isinstance(node, dict) and "value" in node and set(node) - {"value"} <= SOURCE_KEYS


def check_sourced(node: dict, file: Path | str, where: str) -> None:
    """Raise InputError unless the sourced value gives a source and a year, or an assumption."""
    assumption = node.get("assumption")
    if isinstance(assumption, str) and assumption.strip():
        return
    source, year = node.get("source"), node.get("year")
    if not (isinstance(source, str) and source.strip()):
        raise InputError(f"{file}: {where}: a value needs a 'source' (with its 'year') or an 'assumption'")
    if year is None or not str(year).strip():
        raise InputError(f"{file}: {where}: source {source!r} has no 'year'")


def unwrap(node: Any, file: Path | str, where: str, sourced: bool = False) -> Any:
    """Plain data from a record: sourced values replaced by their values.

    Raises InputError for a number that is not inside a sourced value, or a
    sourced value without source and year or assumption.
    """
    if isinstance(node, dict):
        if "value" in node:
            if not is_sourced(node):
                extra = sorted(set(node) - {"value"} - SOURCE_KEYS)
                raise InputError(f"{file}: {where}: unknown key(s) {extra} beside 'value' (allowed: {sorted(SOURCE_KEYS)})")
            check_sourced(node, file, where)
            return unwrap(node["value"], file, where, True)
        return {k: unwrap(v, file, f"{where}.{k}", sourced) for k, v in node.items()}
    if isinstance(node, list):
        return [unwrap(v, file, f"{where}[{i}]", sourced) for i, v in enumerate(node)]
    if isinstance(node, (int, float)) and not isinstance(node, bool) and not sourced:
        raise InputError(
            f"{file}: {where}: the number {node!r} has no source; "
            "write {value: ..., source: ..., year: ...} or {value: ..., assumption: ...}"
        )
    return node


def source_text(node: Any) -> str:
    """One line saying where a sourced value comes from (empty for a plain value)."""
    if not is_sourced(node):
        return ""
    parts = []
    if node.get("source"):
        parts.append(f"{node['source']} ({node['year']})")
    if node.get("assumption"):
        parts.append(f"assumption: {node['assumption']}")
    return "; ".join(parts)


def _record(file: Path | str, key: str, build: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``build(*args, **kwargs)``; a model's complaint becomes an InputError naming the file and key."""
    from pydantic import ValidationError

    try:
        return build(*args, **kwargs)
    except ValidationError as err:
        lines = []
        for item in err.errors(include_url=False):
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])
            msg = "unknown field" if item["type"] == "extra_forbidden" else item["msg"].removeprefix("Value error, ")
            lines.append(f"{file}: {key}{loc}: {msg}")
        raise InputError("\n".join(dict.fromkeys(lines))) from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{file}: {key}: {exc}") from None


def _files(pattern: str, path: Path | str | None) -> list[Path]:
    return [Path(path)] if path is not None else sorted(DATA_DIR.glob(pattern))


# --------------------------------------------------------------------------- tables


def climatologies(path: Path | str | None = None) -> dict:
    """Monthly climatologies by key (:class:`zerodistrict.profiles.weather.Climatology`)."""
    if path is None:
        return dict(_cached("climatologies"))
    return _climatologies(Path(path))


def _climatologies(path: Path) -> dict:
    from zerodistrict.profiles.weather import Climatology

    out = {}
    for key, raw in read_file(path).items():
        record = unwrap(raw, path, key)
        if not isinstance(record, dict):
            raise InputError(f"{path}: {key}: a climatology must be a mapping of fields")
        if "source" not in record:  # its citation line: the sources of its series, field by field
            cited = [f"{name}: {source_text(raw[name])}" for name in raw if name not in ("latitude", "longitude")]
            record["source"] = "; ".join(c for c in cited if not c.endswith(": "))
        out[key] = _record(path, key, Climatology, key=key, **record)
    return out


def archetypes(path: Path | str | None = None) -> dict:
    """Household load archetypes by name (:class:`zerodistrict.profiles.loads.Archetype`).

    Each field's source line (``Archetype.sources``) is its sourced value's.
    """
    if path is None:
        return dict(_cached("archetypes"))
    return _archetypes(Path(path))


def _archetypes(path: Path) -> dict:
    from zerodistrict.profiles.loads import Archetype

    out = {}
    for name, raw in read_file(path).items():
        record = unwrap(raw, path, name)
        if not isinstance(record, dict):
            raise InputError(f"{path}: {name}: an archetype must be a mapping of fields")
        record = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
        sources = {k: source_text(v) for k, v in raw.items() if is_sourced(v)}
        out[name] = _record(path, name, Archetype, name=name, sources=sources, **record)
    return out


def tariffs(path: Path | str | None = None) -> dict:
    """Tariffs by name (:class:`zerodistrict.scenario.tariff.Tariff`), from ``tariffs_*.yaml``."""
    if path is None:
        return dict(_cached("tariffs"))
    return _tariffs(_files("tariffs_*.yaml", path))


def _tariffs(paths: list[Path]) -> dict:
    from zerodistrict.scenario.tariff import Tariff

    out = {}
    for path in paths:
        for name, raw in read_file(path).get("tariffs", {}).items():
            record = unwrap(raw, path, f"tariffs.{name}")
            if name in out:
                raise InputError(f"{path}: tariffs.{name}: a tariff of that name is already in another file")
            out[name] = _record(path, f"tariffs.{name}", Tariff.model_validate, {"name": name, **record})
    return out


def export_schemes(path: Path | str | None = None) -> dict:
    """Export schemes by name (:class:`zerodistrict.scenario.tariff.ExportScheme`), from ``tariffs_*.yaml``."""
    if path is None:
        return dict(_cached("export_schemes"))
    return _export_schemes(_files("tariffs_*.yaml", path))


def _export_schemes(paths: list[Path]) -> dict:
    from zerodistrict.scenario.tariff import ExportScheme

    out = {}
    for path in paths:
        for name, raw in read_file(path).get("export_schemes", {}).items():
            record = unwrap(raw, path, f"export_schemes.{name}")
            if name in out:
                raise InputError(f"{path}: export_schemes.{name}: a scheme of that name is already in another file")
            out[name] = _record(path, f"export_schemes.{name}", ExportScheme.model_validate, record)
    return out


def economics_defaults(path: Path | str | None = None) -> dict:
    """Unit costs and financial assumptions by country (:class:`zerodistrict.scenario.economics.Economics`)."""
    if path is None:
        return dict(_cached("economics_defaults"))
    return _economics(Path(path))


def _economics(path: Path) -> dict:
    from zerodistrict.scenario.economics import Economics

    out = {}
    for country, raw in read_file(path).items():
        record = unwrap(raw, path, country)
        out[country.upper()] = _record(path, country, Economics.model_validate, record)
    return out


def hydrogen_costs(path: Path | str | None = None) -> dict:
    """Installed costs of the hydrogen chain by country (:class:`zerodistrict.scenario.hydrogen.HydrogenCosts`)."""
    if path is None:
        return dict(_cached("hydrogen_costs"))
    return _hydrogen_costs(Path(path))


def _hydrogen_costs(path: Path) -> dict:
    from zerodistrict.scenario.hydrogen import HydrogenCosts

    out = {}
    for country, raw in read_file(path).items():
        out[country.upper()] = _record(path, country, HydrogenCosts.model_validate, unwrap(raw, path, country))
    return out


def grid_factors(path: Path | str | None = None) -> dict:
    """Annual grid emission factors by grid (:class:`zerodistrict.analysis.emissions.GridFactor`).

    Each record is one sourced value: ``value`` [kg-CO2/kWh], ``source``,
    ``year`` and an optional ``note``.
    """
    if path is None:
        return dict(_cached("grid_factors"))
    return _grid_factors(Path(path))


def _grid_factors(path: Path) -> dict:
    from zerodistrict.analysis.emissions import GridFactor

    out = {}
    for grid, raw in read_file(path).items():
        if not is_sourced(raw):
            raise InputError(f"{path}: {grid}: a grid factor is one sourced value {{value, source, year, note}}")
        check_sourced(raw, path, grid)
        value = raw["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InputError(f"{path}: {grid}.value: must be a number ≥ 0 [kg-CO2/kWh], got {value!r}")
        source = raw.get("source") or f"assumption: {raw['assumption']}"
        out[grid] = GridFactor(
            kg_per_kwh=float(value), year=str(raw.get("year", "")), source=source, note=raw.get("note", "")
        )
    return out


def envelopes(path: Path | str | None = None) -> dict:
    """Insulation levels by name (:class:`zerodistrict.profiles.thermal.Envelope`), from ``buildings.yaml``."""
    if path is None:
        return dict(_cached("envelopes"))
    return _building_section(Path(path), "envelopes")


def dwellings(path: Path | str | None = None) -> dict:
    """Dwelling types by name (:class:`zerodistrict.profiles.thermal.Dwelling`), from ``buildings.yaml``."""
    if path is None:
        return dict(_cached("dwellings"))
    return _building_section(Path(path), "dwellings")


def household_defaults(path: Path | str | None = None) -> dict:
    """Household electricity by country (:class:`zerodistrict.profiles.households.HouseholdDefaults`)."""
    if path is None:
        return dict(_cached("household_defaults"))
    return _building_section(Path(path), "households")


def _building_section(path: Path, section: str) -> dict:
    from zerodistrict.profiles.households import HouseholdDefaults
    from zerodistrict.profiles.thermal import Dwelling, Envelope

    build = {"envelopes": Envelope, "dwellings": Dwelling, "households": HouseholdDefaults}[section]
    records = read_file(path).get(section, {})
    if not isinstance(records, dict):
        raise InputError(f"{path}: {section}: must be a mapping of records")
    out = {}
    for name, raw in records.items():
        where = f"{section}.{name}"
        record = unwrap(raw, path, where)
        if not isinstance(record, dict):
            raise InputError(f"{path}: {where}: must be a mapping of fields")
        record = {k: _tuples(v) for k, v in record.items()}
        sources = {k: source_text(v) for k, v in raw.items() if is_sourced(v)}
        key = "country" if section == "households" else "name"
        out[name] = _record(path, where, build, **{key: name}, sources=sources, **record)
    return out


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


_BUILDERS: dict[str, Callable[[], dict]] = {
    "climatologies": lambda: _climatologies(DATA_DIR / "climatologies.yaml"),
    "archetypes": lambda: _archetypes(DATA_DIR / "load_archetypes.yaml"),
    "tariffs": lambda: _tariffs(_files("tariffs_*.yaml", None)),
    "export_schemes": lambda: _export_schemes(_files("tariffs_*.yaml", None)),
    "economics_defaults": lambda: _economics(DATA_DIR / "costs.yaml"),
    "grid_factors": lambda: _grid_factors(DATA_DIR / "grid_factors.yaml"),
    "envelopes": lambda: _building_section(DATA_DIR / "buildings.yaml", "envelopes"),
    "dwellings": lambda: _building_section(DATA_DIR / "buildings.yaml", "dwellings"),
    "household_defaults": lambda: _building_section(DATA_DIR / "buildings.yaml", "households"),
    "hydrogen_costs": lambda: _hydrogen_costs(DATA_DIR / "hydrogen_costs.yaml"),
}


@functools.cache
def _cached(table: str) -> dict:
    return _BUILDERS[table]()


class LazyTable(Mapping):
    """A read-only mapping filled by ``load()`` on first use (keeps module imports free of file reads)."""

    def __init__(self, load: Callable[[], Mapping]) -> None:
        self._load = load
        self._data: Mapping | None = None

    @property
    def data(self) -> Mapping:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: Any) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"LazyTable({dict(self.data)!r})" if self._data is not None else "LazyTable(<not loaded>)"
