"""The results store (zerodistrict.results.store) on SQLite and PostgreSQL: every call of its interface,
all-or-nothing batches, concurrent writers, and the Alembic migrations against the models."""

import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from zerodistrict.errors import InputError
from zerodistrict.results.result import Kpis
from zerodistrict.results.store import KPI_FIELDS, Base, DesignRecord, open_store

PATHS = ["homes[0].pv.kwp", "community.batteries[0].capacity_kwh"]


def kpis_of(i: int, **extra) -> dict:
    """A kpis.json dict whose numbers differ per design (``i``) and per field."""
    data = {}
    for n, (name, field) in enumerate(Kpis.model_fields.items()):
        if not field.is_required():
            continue
        if field.annotation is str:
            data[name] = f"{name}-{i}"
        elif field.annotation is int:
            data[name] = 10 * i + n
        else:
            data[name] = i + n / 7
    data["currency"] = "JPY"
    return {**data, **extra}


def design(i: int, **extra) -> DesignRecord:
    return DesignRecord(key=f"d{i:04d}", parameters={PATHS[0]: 4.0 + i / 10, PATHS[1]: 100 + i},
                        scenario_hash=f"h{i}", kpis=kpis_of(i, **extra))


@pytest.fixture
def store(store_url):
    with open_store(store_url) as s:
        yield s


@pytest.fixture
def sweep_id(store) -> int:
    return store.ensure_sweep("key-a", "battery sweep", {"base": "saitama-misono", "parameters": {}}, PATHS)


def test_fresh_database_is_at_head_and_matches_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from zerodistrict.results.store import MIGRATIONS

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
        assert set(context.get_current_heads()) == set(heads) and len(heads) == 1
        assert compare_metadata(context, Base.metadata) == []
        assert set(sa.inspect(conn).get_table_names()) >= {"sweeps", "designs", "kpis"}
        kpi_columns = [c["name"] for c in sa.inspect(conn).get_columns("kpis")]
    assert kpi_columns == ["design_id", *Kpis.model_fields]


def test_reopening_keeps_the_data(store_url, store, sweep_id):
    store.add_designs(sweep_id, [design(1)])
    with open_store(store_url) as again:
        assert again.stored_designs(sweep_id) == {"d0001"}


def test_ensure_sweep_is_idempotent(store, sweep_id):
    assert store.ensure_sweep("key-a", "other name", {}, []) == sweep_id
    other = store.ensure_sweep("key-b", "second", {"base": "x"}, ["weather.seed"])
    assert other != sweep_id
    assert store.sweep(other)["spec"] == {"base": "x"}
    assert store.sweep(sweep_id)["parameters"] == PATHS
    assert store.latest_sweep_id() == other


def test_add_designs_skips_stored_and_repeated_keys(store, sweep_id):
    store.add_designs(sweep_id, [design(1), design(2), design(1)])
    store.add_designs(sweep_id, [design(2), design(3)])
    store.add_designs(sweep_id, [])
    assert store.stored_designs(sweep_id) == {"d0001", "d0002", "d0003"}
    assert store.sweeps().set_index("id").loc[sweep_id, "designs"] == 3


def test_designs_of_two_sweeps_stay_apart(store, sweep_id):
    other = store.ensure_sweep("key-b", "second", {}, PATHS)
    store.add_designs(sweep_id, [design(1)])
    store.add_designs(other, [design(1), design(2)])  # the same design key in another sweep
    assert store.stored_designs(sweep_id) == {"d0001"}
    assert len(store.export(other)) == 2


def test_export_gives_back_what_was_stored(store, sweep_id):
    rows = [design(i, npv=-1.25e6 * i) for i in (3, 1, 2)]
    store.add_designs(sweep_id, rows)
    table = store.export(sweep_id)
    assert list(table["design"]) == ["d0001", "d0002", "d0003"]
    required = [n for n, f in Kpis.model_fields.items() if f.is_required()]
    # a KPI no design has (bill_total…) is left out; npv, given to every design, stays in its Kpis place
    assert list(table.columns) == ["design", *PATHS, *[n for n in KPI_FIELDS if n in required or n == "npv"]]
    for r in rows:
        row = table.set_index("design").loc[r.key]
        for path, value in r.parameters.items():
            assert row[path] == value
        for name, value in r.kpis.items():
            assert row[name] == value  # exact: doubles and integers round-trip


def test_a_batch_failing_half_way_leaves_nothing(store, sweep_id):
    store.add_designs(sweep_id, [design(1)])
    bad = design(3)
    bad.kpis["co2_kg"] = object()  # the driver cannot store it: fails after the designs rows are inserted
    with pytest.raises(sa.exc.StatementError, match="co2_kg|object"):
        store.add_designs(sweep_id, [design(2), bad, design(4)])
    assert store.stored_designs(sweep_id) == {"d0001"}
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM kpis").scalar() == 1
    store.add_designs(sweep_id, [design(2), design(3), design(4)])  # the same batch, repaired, goes in whole
    assert store.stored_designs(sweep_id) == {"d0001", "d0002", "d0003", "d0004"}


def batches_of(writer: int) -> list[list[DesignRecord]]:
    """Writer 0 and 1 write designs 0–119 in the same order, 10 per batch, plus one design of their own
    per batch (1000 + …, 2000 + …): their batches collide all the time."""
    return [[design(i) for i in range(start, start + 10)] + [design(1000 * (writer + 1) + start)]
            for start in range(0, 120, 10)]


EXPECTED = {f"d{i:04d}" for i in [*range(120), *range(1000, 1120, 10), *range(2000, 2120, 10)]}


def test_concurrent_writers_of_overlapping_batches_store_each_design_once(store_url, sweep_id):
    """Two stores (own engines and connections) write colliding batches at the same time from two threads."""
    barrier = threading.Barrier(2)
    errors = []

    def write(n):
        try:
            with open_store(store_url) as s:
                barrier.wait()
                for batch in batches_of(n):
                    s.add_designs(sweep_id, batch)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(store_url) as s:
        table = s.export(sweep_id)
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM designs").scalar() == len(EXPECTED)
            assert conn.exec_driver_sql("SELECT count(*) FROM kpis").scalar() == len(EXPECTED)
    assert set(table["design"]) == EXPECTED and len(table) == len(EXPECTED)


def test_unknown_kpis_and_sweeps_are_refused(store, sweep_id):
    with pytest.raises(InputError, match="not_a_kpi_kwh not KPI fields"):
        store.add_designs(sweep_id, [design(1, not_a_kpi_kwh=1.0)])
    with pytest.raises(InputError, match="sweep 999: no such sweep"):
        store.add_designs(999, [design(1)])
    with pytest.raises(InputError, match="sweep 999: no such sweep"):
        store.export(999)
    assert store.stored_designs(999) == set()


def test_an_empty_store(store):
    assert store.sweeps().empty
    with pytest.raises(InputError, match="holds no sweeps yet"):
        store.latest_sweep_id()


def test_timeseries_beside_a_sqlite_database(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'r.db'}") as s:
        sid = s.ensure_sweep("k", "n", {}, [])
        df = pd.DataFrame({"load_kw": [1.0, 2.5]}, index=pd.date_range("2025-01-01", periods=2, freq="h", tz="Asia/Tokyo"))
        path = s.add_timeseries(sid, "d0001", df)
    assert path == tmp_path / "r.db.parquet" / str(sid) / "d0001.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(path), df, check_freq=False)
    assert [p.name for p in path.parent.iterdir()] == ["d0001.parquet"]  # no temporary file left


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", r"--store not a url: not a database URL"),
    ("mysql://u@h/db", r"--store mysql://u@h/db: unsupported database 'mysql'"),
    ("sqlite:///{tmp}/no/such/folder/r.db", r"--store .*: folder .*no/such/folder does not exist"),
    ("postgresql+psycopg://nobody:secret@/db?host=/nonexistent-socket-dir",
     r"--store postgresql\+psycopg://nobody:\*\*\*@/db.*: cannot open the database"),
])
def test_bad_store_urls(tmp_path, url, message):
    with pytest.raises(InputError, match=message) as info:
        open_store(url.format(tmp=tmp_path))
    assert "secret" not in str(info.value)


def test_reading_a_missing_database_creates_nothing(tmp_path):
    with pytest.raises(InputError, match=r"no such database file .*missing\.db; run a sweep first"):
        open_store(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    assert list(tmp_path.iterdir()) == []


def test_reading_a_database_without_a_store(tmp_path):
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    with pytest.raises(InputError, match="holds no results store"):
        open_store(f"sqlite:///{path}", create=False)


def test_default_url_is_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store() as s:
        s.ensure_sweep("k", "n", {}, [])
    assert (tmp_path / "zerodistrict.db").is_file()


def test_numpy_values_are_stored_as_numbers(store, sweep_id):
    import numpy as np

    row = design(1, npv=np.float64(-2.5e6), mobility_trips=np.int64(1234))
    row.parameters = {PATHS[0]: np.float64(4.4), PATHS[1]: np.int64(125)}
    store.add_designs(sweep_id, [row])
    table = store.export(sweep_id)
    assert table.loc[0, PATHS[1]] == 125 and table.loc[0, "mobility_trips"] == 1234 and table.loc[0, "npv"] == -2.5e6


WRITER = """
import sys
from zerodistrict.results.store import open_store
sys.path.insert(0, {tests!r})
from test_store import batches_of
store = open_store({url!r})
for batch in batches_of({writer}):
    store.add_designs({sweep_id}, batch)
"""


def test_two_processes_writing_overlapping_batches(store_url, store, sweep_id):
    """As two sweeps' writers would: separate processes, their batches colliding (:func:`batches_of`)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"),
                                                       os.environ.get("PYTHONPATH", "")])}
    scripts = [WRITER.format(tests=str(Path(__file__).parent), url=store_url, sweep_id=sweep_id, writer=n)
               for n in (0, 1)]
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
             for code in scripts]
    for p in procs:
        _, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM designs").scalar() == len(EXPECTED)
        assert conn.exec_driver_sql("SELECT count(*) FROM kpis").scalar() == len(EXPECTED)
    assert store.stored_designs(sweep_id) == EXPECTED


def test_opening_a_fresh_database_from_three_threads_at_once(store_url):
    """Sweeps started together each create (migrate) the schema: Alembic runs once, the others find head."""
    _three_threads_open(store_url)


def test_fresh_sqlite_databases_opened_by_four_threads_never_lock(tmp_path):
    """Twenty fresh files, four threads each: before the head check and WAL switch were serialised, about one
    fresh database in seven ended in "database is locked" (measured: 23 of 150)."""
    for k in range(20):
        _three_threads_open(f"sqlite:///{tmp_path}/fresh-{k}.db", n=4)


def _three_threads_open(store_url: str, n: int = 3) -> None:
    barrier = threading.Barrier(n)
    ids, errors = [], []

    def open_and_add(n):
        try:
            barrier.wait()
            with open_store(store_url) as s:
                ids.append(s.ensure_sweep("same-key", f"writer {n}", {}, PATHS))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_add, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 1
