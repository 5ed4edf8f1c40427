"""The results store (MINIMAL stand-in on the sweep branch: the store branch's implementation replaces it).

SQLAlchemy 2 over SQLite (default ``sqlite:///zerodistrict.db``) or PostgreSQL by URL. Tables: ``sweeps``
(key = the sweep file's content hash) and ``designs`` (parameter values, scenario hash and KPIs as JSON,
unique per sweep and design key). One transaction per :meth:`Store.add_designs`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from zerodistrict.errors import InputError

__all__ = ["DesignRecord", "Store", "open_store"]

_META = sa.MetaData()
_SWEEPS = sa.Table(
    "sweeps", _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("created", sa.String(40), nullable=False),
)
_DESIGNS = sa.Table(
    "designs", _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sweep_id", sa.Integer, sa.ForeignKey("sweeps.id"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("scenario_hash", sa.String(64), nullable=False),
    sa.Column("kpis", sa.Text, nullable=False),
    sa.UniqueConstraint("sweep_id", "key"),
)


@dataclass
class DesignRecord:
    """One design's row: its key, parameter values by field path, scenario hash and ``kpis.json`` dict."""

    key: str
    parameters: dict[str, float | int | str]
    scenario_hash: str
    kpis: dict[str, float | int | str | None]


def open_store(url: str | None = None) -> "Store":
    """The store at ``url`` (None: ``sqlite:///zerodistrict.db`` in the current folder), schema created."""
    url = url or "sqlite:///zerodistrict.db"
    try:
        engine = sa.create_engine(url)
        _META.create_all(engine)
    except Exception as exc:  # noqa: BLE001 - every driver has its own errors; the user gave a bad URL
        raise InputError(f"--store: cannot open {url!r}: {str(exc).splitlines()[0]}") from None
    return Store(engine)


class Store:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    def ensure_sweep(self, key: str, name: str, spec: dict, parameters: list[str]) -> int:
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(_SWEEPS.c.id).where(_SWEEPS.c.key == key)).scalar()
            if found is not None:
                return int(found)
            return int(conn.execute(_SWEEPS.insert().values(
                key=key, name=name, spec=json.dumps(spec, default=str), parameters=json.dumps(parameters),
                created=dt.datetime.now(dt.timezone.utc).isoformat())).inserted_primary_key[0])

    def stored_designs(self, sweep_id: int) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(_DESIGNS.c.key).where(_DESIGNS.c.sweep_id == sweep_id)).scalars())

    def add_designs(self, sweep_id: int, rows: list[DesignRecord]) -> None:
        with self.engine.begin() as conn:
            have = set(conn.execute(sa.select(_DESIGNS.c.key).where(_DESIGNS.c.sweep_id == sweep_id)).scalars())
            new = {r.key: r for r in rows if r.key not in have}
            if new:
                conn.execute(_DESIGNS.insert(), [
                    {"sweep_id": sweep_id, "key": r.key, "parameters": json.dumps(r.parameters),
                     "scenario_hash": r.scenario_hash, "kpis": json.dumps(r.kpis)} for r in new.values()])

    def sweeps(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(sa.select(_SWEEPS.c.id, _SWEEPS.c.key, _SWEEPS.c.name,
                                                       _SWEEPS.c.created)).mappings().all())

    def latest_sweep_id(self) -> int:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(sa.func.max(_SWEEPS.c.id))).scalar()
        if found is None:
            raise InputError("the store has no sweeps yet")
        return int(found)

    def export(self, sweep_id: int) -> pd.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_DESIGNS).where(_DESIGNS.c.sweep_id == sweep_id)
                                .order_by(_DESIGNS.c.id)).mappings().all()
        out: list[dict[str, Any]] = []
        for r in rows:
            out.append({"design": r["key"], **json.loads(r["parameters"]), **json.loads(r["kpis"])})
        return pd.DataFrame(out)
