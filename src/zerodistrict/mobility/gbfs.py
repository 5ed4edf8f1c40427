"""Ports and fleet from a GBFS feed saved on disk (versions 2.3 and 3.0).

Reads ``station_information.json``, ``station_status.json`` and
``vehicle_types.json`` from one folder and builds validated
:class:`~zerodistrict.scenario.mobility.Station` and
:class:`~zerodistrict.scenario.mobility.VehicleType` objects.

What is taken from the feed:

* port id, name, latitude, longitude, ``capacity`` (docks) and
  ``is_charging_station``;
* the vehicles *available* at each port, by type (``vehicle_types_available``),
  as the fleet and its start positions; disabled and reserved vehicles are
  left out (a snapshot, not the operator's full fleet);
* each type's ``form_factor`` and ``propulsion_type`` (→ our ``kind``),
  ``max_range_meters`` (→ consumption from the battery size) and
  ``max_permitted_speed`` (caps the riding speed).

GBFS does not publish battery sizes or charger powers: those come from the
per-kind defaults below (sources and assumptions beside each) or from the
keyword arguments.

Version differences handled (GBFS ``gbfs.md`` v2.3 and v3.0, MobilityData):
3.0 gives ``name`` as a list of localized strings ``[{"text", "language"}]``
where 2.3 has a plain string; 3.0 renames ``num_bikes_available`` to
``num_vehicles_available``; 3.0 drops the ``scooter`` form factor (2.3 already
had ``scooter_standing``/``scooter_seated``); ``last_updated`` is POSIX seconds
in 2.3 and an RFC 3339 string in 3.0 (not used here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zerodistrict.errors import InputError
from zerodistrict.scenario.mobility import Station, VehicleType

SUPPORTED_MAJOR = ("2", "3")

#: battery [kWh], consumption [kWh/km], mean riding speed [km/h] by kind when the feed is silent
KIND_DEFAULTS: dict[str, dict[str, float]] = {
    # 25.2 V × 16 Ah ≈ 0.40 kWh: a common Japanese e-assist pack (Panasonic, 2023 catalogue);
    # 0.01 kWh/km and 15 km/h are our assumptions
    "e-bike": {"battery_kwh": 0.4, "consumption_kwh_per_km": 0.01, "speed_km_h": 15.0},
    # 551 Wh (Segway-Ninebot Max G30 spec); range 40–50 km → ≈0.012 kWh/km (Saitama trial 2019, docs/sources.md [M2]);
    # mean speed 12 km/h below the 19 km/h top speed is our assumption
    "e-scooter": {"battery_kwh": 0.55, "consumption_kwh_per_km": 0.012, "speed_km_h": 12.0},
    # 9.06 kWh, 150 km WLTC (Toyota C+pod, 2021 spec) → 0.06 kWh/km; 25 km/h urban mean is our assumption
    "small-ev": {"battery_kwh": 9.06, "consumption_kwh_per_km": 0.06, "speed_km_h": 25.0},
    # 40 kWh as Misono's shared EVs (docs/sources.md [S2]); 0.15 kWh/km and 25 km/h are our assumptions
    "shared-car": {"battery_kwh": 40.0, "consumption_kwh_per_km": 0.15, "speed_km_h": 25.0},
    # a plain bicycle: no battery; 12 km/h is our assumption
    "bike": {"battery_kwh": 0.0, "consumption_kwh_per_km": 0.0, "speed_km_h": 12.0},
}

#: assumption: a port's charger when the feed says only ``is_charging_station``
DEFAULT_CHARGER_KW = 1.0


def load_gbfs(
    folder: str | Path,
    *,
    language: str = "ja",
    charger_kw: float = DEFAULT_CHARGER_KW,
    district_powered: Iterable[str] = (),
) -> tuple[list[Station], list[VehicleType]]:
    """Ports and fleet of a GBFS 2.3 or 3.0 feed on disk.

    Parameters
    ----------
    folder : str or Path
        Folder holding ``station_information.json``, ``station_status.json``
        and ``vehicle_types.json``.
    language : str
        Preferred language of localized names (3.0); the first entry otherwise.
    charger_kw : float
        AC power per dock at ports flagged ``is_charging_station``. [kW]
    district_powered : iterable of str
        Station ids whose chargers draw from the district's microgrid.

    Returns
    -------
    (list of Station, list of VehicleType)

    Raises
    ------
    InputError
        Naming the file and the field that is missing or wrong.
    """
    folder = Path(folder)
    info_file, status_file, types_file = (
        folder / "station_information.json", folder / "station_status.json", folder / "vehicle_types.json"
    )
    info = _read_feed(info_file)
    status = _read_feed(status_file)
    vtypes = _read_feed(types_file)

    type_rows = _list(vtypes, "vehicle_types", types_file)
    type_ids = [_field(row, "vehicle_type_id", types_file, f"data.vehicle_types[{k}]", str) for k, row in enumerate(type_rows)]
    placed = _placement(status, status_file, type_ids)
    powered = set(district_powered)

    stations = []
    for k, row in enumerate(_list(info, "stations", info_file)):
        where = f"data.stations[{k}]"
        sid = _field(row, "station_id", info_file, where, str)
        here = sum(placed.get(sid, {}).values())
        capacity = row.get("capacity")
        if capacity is not None and not (isinstance(capacity, int) and capacity >= 0):
            raise InputError(f"{info_file}: {where}.capacity: expected a whole number ≥ 0, got {capacity!r}")
        # a snapshot can show more vehicles than docks (bikes parked beside a full port)
        docks = max(int(capacity or 0), here, 1)
        charging = bool(row.get("is_charging_station", False))
        stations.append(
            _build(
                Station, info_file, where,
                id=sid,
                name=_name(row.get("name", ""), language, info_file, f"{where}.name"),
                latitude=_field(row, "lat", info_file, where, (int, float)),
                longitude=_field(row, "lon", info_file, where, (int, float)),
                docks=docks,
                charger_kw=charger_kw if charging else 0.0,
                district_powered=sid in powered,
            )
        )
    known = {s.id for s in stations}
    for sid in placed:
        if sid not in known:
            raise InputError(f"{status_file}: station_id {sid!r} is not in {info_file.name}")

    fleet = []
    for k, row in enumerate(type_rows):
        where = f"data.vehicle_types[{k}]"
        tid = type_ids[k]
        kind = _kind(row, types_file, where)
        spec = dict(KIND_DEFAULTS[kind])
        range_m = row.get("max_range_meters")
        if range_m is not None and kind != "bike":
            if not isinstance(range_m, (int, float)) or range_m <= 0:
                raise InputError(f"{types_file}: {where}.max_range_meters: expected a number > 0, got {range_m!r}")
            spec["consumption_kwh_per_km"] = spec["battery_kwh"] / (range_m / 1000.0)
        top = row.get("max_permitted_speed")
        if isinstance(top, (int, float)) and top > 0:
            spec["speed_km_h"] = min(spec["speed_km_h"], float(top))
        initial = {sid: by_type[tid] for sid, by_type in placed.items() if by_type.get(tid, 0) > 0}
        fleet.append(
            _build(VehicleType, types_file, where, id=tid, kind=kind, count=sum(initial.values()), initial=initial, **spec)
        )
    return stations, fleet


# --------------------------------------------------------------------------- scenario section


def gbfs_mobility_yaml(
    folder: str | Path,
    *,
    trips_per_day: float | None = None,
    language: str = "ja",
    charger_kw: float = DEFAULT_CHARGER_KW,
    district_powered: Iterable[str] = (),
) -> str:
    """A scenario ``mobility:`` section (YAML text) with the ports and fleet of a GBFS feed on disk.

    The text starts with comments naming the feed (folder, GBFS version) and
    when its snapshot was taken (``last_updated`` of ``station_status.json``),
    and is checked by loading it back into the scenario model: the ports and
    fleet read back equal those of :func:`load_gbfs`.

    Parameters
    ----------
    folder : str or Path
        The feed's folder (see :func:`load_gbfs`).
    trips_per_day : float, optional
        Weekday trip requests [1/day]. GBFS carries no demand: without this
        the section has a commented ``demand:`` line to fill in before a run.
    language, charger_kw, district_powered
        As in :func:`load_gbfs`.

    Returns
    -------
    str
        YAML with one top-level key, ``mobility``.

    Raises
    ------
    InputError
        A missing or malformed feed file, naming the file and field.
    """
    import yaml

    from zerodistrict.scenario.mobility import mobility_from_dict

    folder = Path(folder)
    stations, fleet = load_gbfs(folder, language=language, charger_kw=charger_kw, district_powered=district_powered)
    status = _read_feed(folder / "station_status.json")
    section: dict[str, Any] = {
        "stations": [s.model_dump(mode="json", exclude_defaults=True) for s in stations],
        "vehicle_types": [t.model_dump(mode="json", exclude_defaults=True) for t in fleet],
    }
    if trips_per_day is not None:
        section["demand"] = {"trips_per_day": float(trips_per_day)}
    header = (
        f"# mobility section imported from the GBFS {status.get('version')} feed in {folder}\n"
        f"# snapshot: station_status.json last_updated {_snapshot_time(status.get('last_updated'))}\n"
        "# fleet = vehicles available at the ports then (disabled and reserved ones left out);\n"
        "# batteries, consumption and speeds are per-kind defaults (zerodistrict.mobility.gbfs.KIND_DEFAULTS)\n"
    )
    body = yaml.safe_dump({"mobility": section}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    if trips_per_day is None:
        body += "  # demand: {trips_per_day: N}   # required before a run: GBFS carries no trip demand\n"
    text = header + body
    back = yaml.safe_load(text)["mobility"]
    checked = mobility_from_dict(back if "demand" in back else {**back, "demand": {"trips_per_day": 0.0}},
                                 source=f"{folder} (GBFS import)")
    if checked.stations != stations or checked.vehicle_types != fleet:  # pragma: no cover - a bug, not bad input
        raise RuntimeError(f"{folder}: the mobility section does not read back as the feed's ports and fleet")
    return text


def _snapshot_time(last_updated: Any) -> str:
    """``last_updated`` as ISO 8601: POSIX seconds (2.3) are shown in UTC, an RFC 3339 string (3.0) as given."""
    if isinstance(last_updated, bool) or last_updated is None:
        return "(not given)"
    if isinstance(last_updated, (int, float)):
        from datetime import datetime, timezone

        return datetime.fromtimestamp(last_updated, tz=timezone.utc).isoformat()
    return str(last_updated)


# --------------------------------------------------------------------------- reading


def _read_feed(path: Path) -> dict:
    if not path.is_file():
        raise InputError(f"{path}: GBFS file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise InputError(f"{path}: data: required object is missing (not a GBFS file?)")
    version = str(doc.get("version", ""))
    if version.split(".")[0] not in SUPPORTED_MAJOR:
        raise InputError(f"{path}: version: GBFS {version or '(missing)'} is not supported; use 2.3 or 3.0")
    return doc


def _list(doc: dict, key: str, path: Path) -> list:
    rows = doc["data"].get(key)
    if not isinstance(rows, list):
        raise InputError(f"{path}: data.{key}: required list is missing")
    return rows


def _field(row: Any, key: str, path: Path, where: str, kind: type | tuple) -> Any:
    if not isinstance(row, dict):
        raise InputError(f"{path}: {where}: expected an object, got {row!r}")
    if key not in row:
        raise InputError(f"{path}: {where}.{key}: required field is missing")
    value = row[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"{path}: {where}.{key}: wrong type, got {value!r}")
    return value


def _name(value: Any, language: str, path: Path, where: str) -> str:
    """A 2.3 string or a 3.0 list of ``{"text", "language"}``: the preferred language, else the first."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, dict) and "text" in v for v in value):
        for entry in value:
            if str(entry.get("language", "")).lower().startswith(language.lower()):
                return str(entry["text"])
        return str(value[0]["text"])
    raise InputError(f"{path}: {where}: expected a string (2.3) or a list of {{text, language}} (3.0), got {value!r}")


def _placement(doc: dict, path: Path, type_ids: list[str]) -> dict[str, dict[str, int]]:
    """{station id: {vehicle type id: available count}} from station_status."""
    out: dict[str, dict[str, int]] = {}
    for k, row in enumerate(_list(doc, "stations", path)):
        where = f"data.stations[{k}]"
        sid = _field(row, "station_id", path, where, str)
        by_type: dict[str, int] = {}
        available = row.get("vehicle_types_available")
        if available is not None:
            if not isinstance(available, list):
                raise InputError(f"{path}: {where}.vehicle_types_available: expected a list")
            for m, item in enumerate(available):
                w = f"{where}.vehicle_types_available[{m}]"
                tid = _field(item, "vehicle_type_id", path, w, str)
                if tid not in type_ids:
                    raise InputError(f"{path}: {w}.vehicle_type_id: {tid!r} is not in vehicle_types.json")
                n = _field(item, "count", path, w, int)
                if n < 0:
                    raise InputError(f"{path}: {w}.count: expected ≥ 0, got {n}")
                by_type[tid] = by_type.get(tid, 0) + n
        else:
            key = "num_vehicles_available" if "num_vehicles_available" in row else "num_bikes_available"
            n = _field(row, key, path, where, int)
            if n > 0 and len(type_ids) != 1:
                raise InputError(
                    f"{path}: {where}.vehicle_types_available: required when the feed has "
                    f"{len(type_ids)} vehicle types"
                )
            if n > 0:
                by_type[type_ids[0]] = n
        out[sid] = by_type
    return out


def _kind(row: dict, path: Path, where: str) -> str:
    form = _field(row, "form_factor", path, where, str)
    propulsion = _field(row, "propulsion_type", path, where, str)
    if propulsion == "human":
        if form in ("bicycle", "cargo_bicycle"):
            return "bike"
    elif propulsion in ("electric_assist", "electric"):
        if form in ("bicycle", "cargo_bicycle"):
            return "e-bike"
        if form in ("scooter", "scooter_standing", "scooter_seated", "moped"):
            return "e-scooter"
        if form == "car":
            # up to four seats: an ultra-compact EV (the Saitama trial's were four-seaters, docs/sources.md [M1])
            seats = row.get("rider_capacity")
            return "small-ev" if isinstance(seats, int) and seats <= 4 else "shared-car"
    raise InputError(
        f"{path}: {where}: form_factor {form!r} with propulsion_type {propulsion!r} is not supported "
        "(bicycles, electric scooters/mopeds and electric cars are)"
    )


#: our field → the GBFS field it came from, for error messages
_GBFS_NAMES = {"id": "station_id", "latitude": "lat", "longitude": "lon", "docks": "capacity"}


def _build(model: type, path: Path, where: str, **fields: Any) -> Any:
    try:
        return model(**fields)
    except ValidationError as err:
        item = err.errors(include_url=False)[0]
        field = ".".join(_GBFS_NAMES.get(str(p), str(p)) if model is Station else str(p) for p in item["loc"])
        msg = item["msg"].removeprefix("Value error, ")
        raise InputError(f"{path}: {where}{'.' + field if field else ''}: {msg}") from None
