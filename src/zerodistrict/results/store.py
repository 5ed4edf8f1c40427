"""The results store: sweeps, their designs and each design's KPIs in SQLite or PostgreSQL (SQLAlchemy 2).

Tables
------
``sweeps``
    One row per sweep file: ``key`` (the file's content hash, unique), ``name``, ``spec`` (the parsed sweep
    file as JSON, so a design's scenario can be rebuilt), ``parameters`` (the swept field paths, in order),
    ``created_at`` [UTC].
``designs``
    One row per stored design: ``sweep_id``, ``key`` (a stable hash of its parameter values; unique per
    sweep), ``parameters`` (``{path: value}`` as JSON), ``scenario_hash``, ``created_at`` [UTC].
``kpis``
    One row per design (``design_id``), one column per field of :class:`~zerodistrict.results.result.Kpis`
    (whole numbers as Integer, other numbers as Double, text as String).
``runs``
    One row per job of the web service (``zerodistrict serve``; written by :mod:`zerodistrict.web.jobs`):
    ``id``, ``kind``, ``name``, ``status``, ``request`` (JSON), ``kpis`` (JSON when done), ``error``,
    timestamps [UTC]; its files lie in a folder per run beside the database.

A design is either fully stored or absent: :meth:`Store.add_designs` writes the design rows and their KPI
rows in one transaction. A key already stored is skipped twice over: a pre-check leaves it out, and
``INSERT … ON CONFLICT DO NOTHING`` on ``(sweep_id, key)`` skips a row another writer stored in between
(SQLite writers queue on the database lock, PostgreSQL ones on the unique index), so two processes may
write overlapping batches at once.

The schema is created and upgraded with Alembic (``results/migrations``) by :func:`open_store`; a change
of :class:`Kpis` needs a new revision (a test compares these models with the migrations).

Time series (optional): :meth:`Store.add_timeseries` writes one Parquet file per design beside a SQLite
database, ``<db>.parquet/<sweep id>/<design key>.parquet``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import threading
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zerodistrict.errors import InputError
from zerodistrict.results.result import Kpis

#: the store of ``zerodistrict sweep`` and ``zerodistrict results`` without ``--store``: in the current folder
DEFAULT_URL = "sqlite:///zerodistrict.db"
#: how long a writer waits for another's lock on a SQLite database [s] (assumption: a batch takes < 1 s)
SQLITE_BUSY_TIMEOUT_S = 120.0
MIGRATIONS = Path(__file__).parent / "migrations"
#: Alembic's ``context`` and ``op`` are module globals: one migration at a time in a process (other
#: processes wait on the database: SQLite's write lock, PostgreSQL's advisory lock in env.py)
_MIGRATING = threading.Lock()


class Base(DeclarativeBase):
    pass


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class SweepRow(Base):
    __tablename__ = "sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(128), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    spec: Mapped[dict] = mapped_column(sa.JSON)
    parameters: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utc_now)


class DesignRow(Base):
    __tablename__ = "designs"
    __table_args__ = (sa.UniqueConstraint("sweep_id", "key", name="uq_designs_sweep_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(sa.ForeignKey("sweeps.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(128))
    parameters: Mapped[dict] = mapped_column(sa.JSON)
    scenario_hash: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utc_now)


class RunRow(Base):
    """A job of the web service: a run, resilience analysis, comparison or sweep (see :mod:`zerodistrict.web.jobs`)."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    client: Mapped[str] = mapped_column(sa.String(100))
    request: Mapped[dict] = mapped_column(sa.JSON)
    kpis: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utc_now, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


def _kpi_column_type(annotation: Any) -> sa.types.TypeEngine:
    """Integer for whole-number fields, String for text, Double for every other number."""
    args = set(typing.get_args(annotation)) if isinstance(annotation, types.UnionType) else {annotation}
    args.discard(type(None))
    if args == {str}:
        return sa.String(200)
    if args == {int}:
        return sa.Integer()
    return sa.Double()


def _kpi_columns() -> list[sa.Column]:
    return [sa.Column(name, _kpi_column_type(field.annotation), nullable=not field.is_required())
            for name, field in Kpis.model_fields.items()]


KPI_FIELDS: tuple[str, ...] = tuple(Kpis.model_fields)
kpis_table = sa.Table(
    "kpis", Base.metadata,
    sa.Column("design_id", sa.ForeignKey("designs.id", ondelete="CASCADE"), primary_key=True),
    *_kpi_columns(),
)
sweeps_table: sa.Table = SweepRow.__table__  # type: ignore[assignment]
designs_table: sa.Table = DesignRow.__table__  # type: ignore[assignment]
runs_table: sa.Table = RunRow.__table__  # type: ignore[assignment]


@dataclass
class DesignRecord:
    """One design of a sweep, as :meth:`Store.add_designs` stores it.

    Attributes
    ----------
    key : str
        A stable hash of the design's parameter values (unique within its sweep).
    parameters : dict
        ``{field path: value}`` of the swept parameters.
    scenario_hash : str
        A hash of the design's full scenario.
    kpis : dict
        The design's ``kpis.json`` dict (keys: fields of :class:`~zerodistrict.results.result.Kpis`).
    """

    key: str
    parameters: dict[str, float | int | str]
    scenario_hash: str
    kpis: dict[str, float | int | str | None]


def _shown(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _parse_url(url: str) -> sa.URL:
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError:
        raise InputError(f"--store {url}: not a database URL; give e.g. sqlite:///results.db or "
                         "postgresql+psycopg://user@host/dbname") from None


def _sqlite_file(url: sa.URL) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database or another backend."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _engine(url: sa.URL) -> sa.Engine:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError(f"--store {_shown(url)}: unsupported database {backend!r}; use sqlite:///FILE.db or "
                         "postgresql+psycopg://…")
    try:
        if backend == "sqlite":
            engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
            _sqlite_transactions(engine)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise InputError(f"--store {_shown(url)}: cannot use this database URL ({exc})") from None
    return engine


def _sqlite_transactions(engine: sa.Engine) -> None:
    """SQLite: transactions we begin ourselves, ``BEGIN IMMEDIATE`` for writers, WAL so readers do not block.

    pysqlite would begin a transaction only at the first write, after our pre-check read; two writers that
    both read first can then deadlock on upgrading their locks. ``BEGIN IMMEDIATE`` takes the write lock at
    the start, so a second writer waits (up to :data:`SQLITE_BUSY_TIMEOUT_S`) instead.
    (SQLAlchemy's documented recipe, "Serializable isolation / Savepoints / Transactional DDL".)
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL is a property of the file: set once, by the first connection that finds it unset. Switching
        # needs the file to itself; a connection that meets another one switching it gets "database is
        # locked" at once (no busy wait), and the other one's switch is all it needed.
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                pass
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _has_schema(connection: sa.Connection) -> bool:
    return sa.inspect(connection).has_table("alembic_version")


def _migrate(engine: sa.Engine) -> None:
    """Bring the schema to Alembic's head (create it in an empty database)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    # the check and the upgrade under one lock: threads of one process that open a fresh database together
    # otherwise read "no schema" side by side while one of them creates it
    with _MIGRATING:
        with engine.connect() as conn:
            config = _alembic_config(conn)
            heads = set(ScriptDirectory.from_config(config).get_heads())
            if set(MigrationContext.configure(conn).get_current_heads()) == heads:
                return
        with engine.connect().execution_options(writer=True) as conn:
            command.upgrade(_alembic_config(conn), "head")
            conn.commit()


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Open the results store at ``url`` (None: :data:`DEFAULT_URL`), creating or upgrading its schema.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/dbname``.
    create : bool
        False for commands that only read: a missing SQLite file, or a database without a store, is an
        error and nothing is created.

    Raises
    ------
    InputError
        A malformed or unsupported URL, a database that cannot be reached, or (``create=False``) no store
        there; the message names ``--store``.
    """
    parsed = _parse_url(url or DEFAULT_URL)
    path = _sqlite_file(parsed)
    if path is not None:
        if not create and not path.is_file():
            raise InputError(f"--store {_shown(parsed)}: no such database file {path}; run a sweep first "
                             "or give --store")
        if create and not path.parent.is_dir():
            raise InputError(f"--store {_shown(parsed)}: folder {path.parent} does not exist")
    engine = _engine(parsed)
    try:
        if not create:
            with engine.connect() as conn:
                if not _has_schema(conn):
                    raise InputError(f"--store {_shown(parsed)}: this database holds no results store")
        _migrate(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise InputError(f"--store {_shown(parsed)}: cannot open the database ({reason})") from None
    except InputError:
        engine.dispose()
        raise
    return Store(engine)


def drop_store(url: str) -> None:
    """Drop the store's tables (and Alembic's version table) at ``url``, leaving an empty database.

    For tests and benchmarks that reuse one PostgreSQL database; the table names come from the models.
    """
    engine = _engine(_parse_url(url))
    try:
        with engine.connect().execution_options(writer=True) as conn:
            Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            conn.commit()
    finally:
        engine.dispose()


class Store:
    """A results store open on one database; see the module's docstring for its tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return _shown(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _writer(self) -> sa.Connection:
        return self.engine.connect().execution_options(writer=True)

    # ------------------------------------------------------------------ writes

    def ensure_sweep(self, key: str, name: str, spec: dict, parameters: list[str]) -> int:
        """The id of the sweep with content hash ``key``, stored now if it is new (same key → same id)."""
        select = sa.select(sweeps_table.c.id).where(sweeps_table.c.key == key)
        with self._writer() as conn, conn.begin():
            found = conn.execute(select).scalar_one_or_none()
            if found is not None:
                return found
            conn.execute(_insert_ignoring(conn, sweeps_table, ["key"]),
                         [{"key": key, "name": name, "spec": spec, "parameters": list(parameters),
                           "created_at": _utc_now()}])
            return conn.execute(select).scalar_one()

    def add_designs(self, sweep_id: int, rows: list[DesignRecord]) -> None:
        """Store ``rows`` and their KPIs in one transaction: all of them or (on any error) none.

        A design whose key is already stored for this sweep (or repeated in ``rows``) is skipped.

        Raises
        ------
        InputError
            ``sweep_id`` is not a stored sweep, or a KPI is not a field of
            :class:`~zerodistrict.results.result.Kpis`.
        """
        unknown = sorted({k for r in rows for k in r.kpis} - set(KPI_FIELDS))
        if unknown:
            raise InputError(f"design KPIs: {', '.join(unknown)} not KPI fields of the store")
        with self._writer() as conn, conn.begin():
            self._check_sweep(conn, sweep_id)
            keys = [r.key for r in rows]
            stored = set(conn.execute(sa.select(designs_table.c.key).where(
                designs_table.c.sweep_id == sweep_id, designs_table.c.key.in_(keys))).scalars())
            new: dict[str, DesignRecord] = {}
            for r in rows:
                if r.key not in stored and r.key not in new:
                    new[r.key] = r
            if not new:
                return
            now = _utc_now()
            inserted = conn.execute(
                _insert_ignoring(conn, designs_table, ["sweep_id", "key"]).returning(
                    designs_table.c.id, designs_table.c.key),
                [{"sweep_id": sweep_id, "key": r.key, "parameters": {p: _plain(v) for p, v in r.parameters.items()},
                  "scenario_hash": r.scenario_hash, "created_at": now} for r in new.values()],
            ).all()
            if inserted:
                conn.execute(kpis_table.insert(), [
                    {"design_id": design_id, **{f: _plain(new[key].kpis.get(f)) for f in KPI_FIELDS}}
                    for design_id, key in inserted])

    def add_timeseries(self, sweep_id: int, key: str, df: pd.DataFrame) -> Path:
        """Write a design's time series to ``<db>.parquet/<sweep_id>/<key>.parquet`` (atomically); SQLite only."""
        path = _sqlite_file(self.engine.url)
        if path is None:
            raise InputError(f"--store {self.url}: time series are kept beside a SQLite database file only")
        folder = Path(f"{path}.parquet") / str(int(sweep_id))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{key}.parquet"
        fd, tmp = tempfile.mkstemp(prefix=".zerodistrict-", suffix=".parquet", dir=folder)
        os.close(fd)
        try:
            df.to_parquet(tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return target

    # ------------------------------------------------------------------ reads

    def _check_sweep(self, conn: sa.Connection, sweep_id: int) -> None:
        found = conn.execute(sa.select(sweeps_table.c.id).where(sweeps_table.c.id == sweep_id)).first()
        if found is None:
            raise InputError(f"sweep {sweep_id}: no such sweep in the store {self.url}")

    def stored_designs(self, sweep_id: int) -> set[str]:
        """The keys of the designs of ``sweep_id`` already stored."""
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(designs_table.c.key).where(
                designs_table.c.sweep_id == sweep_id)).scalars())

    def sweeps(self) -> pd.DataFrame:
        """One row per sweep: ``id``, ``name``, ``key``, ``parameters`` (paths), ``designs`` (stored), ``created``."""
        counts = (sa.select(designs_table.c.sweep_id, sa.func.count().label("designs"))
                  .group_by(designs_table.c.sweep_id).subquery())
        query = (sa.select(sweeps_table.c.id, sweeps_table.c.name, sweeps_table.c.key, sweeps_table.c.parameters,
                           sa.func.coalesce(counts.c.designs, 0).label("designs"),
                           sweeps_table.c.created_at.label("created"))
                 .outerjoin(counts, counts.c.sweep_id == sweeps_table.c.id).order_by(sweeps_table.c.id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        table = pd.DataFrame(rows, columns=["id", "name", "key", "parameters", "designs", "created"])
        table["created"] = pd.to_datetime(table["created"], utc=True)  # SQLite gives back naive UTC times
        return table

    def sweep(self, sweep_id: int) -> dict[str, Any]:
        """The stored sweep: ``id``, ``key``, ``name``, ``spec``, ``parameters``, ``created_at``."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sweeps_table).where(sweeps_table.c.id == sweep_id)).mappings().first()
        if row is None:
            raise InputError(f"sweep {sweep_id}: no such sweep in the store {self.url}")
        sweep = dict(row)
        created = pd.Timestamp(sweep["created_at"])  # SQLite gives back naive UTC times
        sweep["created_at"] = created.tz_localize("UTC") if created.tzinfo is None else created.tz_convert("UTC")
        return sweep

    def latest_sweep_id(self) -> int:
        """The id of the sweep stored last."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(sa.func.max(sweeps_table.c.id))).scalar()
        if found is None:
            raise InputError(f"--store {self.url}: the store holds no sweeps yet")
        return int(found)

    def export(self, sweep_id: int) -> pd.DataFrame:
        """One row per stored design of ``sweep_id`` (ordered by key): ``design`` (its key), one column per
        swept parameter path, then every KPI that any design has (in the order of ``Kpis``)."""
        sweep = self.sweep(sweep_id)
        query = (sa.select(designs_table.c.key, designs_table.c.parameters, *kpis_table.c[1:])
                 .join(kpis_table, kpis_table.c.design_id == designs_table.c.id)
                 .where(designs_table.c.sweep_id == sweep_id).order_by(designs_table.c.key))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        paths = list(sweep["parameters"])
        params = pd.DataFrame([[r[1].get(p) for p in paths] for r in rows], columns=paths)
        kpis = pd.DataFrame([r[2:] for r in rows], columns=list(KPI_FIELDS)).dropna(axis=1, how="all")
        table = pd.concat([pd.DataFrame({"design": [r[0] for r in rows]}), params, kpis], axis=1)
        return table


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (JSON and the drivers take those); anything else as it is."""
    item = getattr(value, "item", None)
    return item() if item is not None and type(value).__module__ == "numpy" else value


def _insert_ignoring(conn: sa.Connection, table: sa.Table, unique: list[str]):
    """``INSERT … ON CONFLICT (unique) DO NOTHING`` in the connection's dialect (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=unique)
