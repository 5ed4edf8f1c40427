"""Alembic environment of the results store: run by :func:`zerodistrict.results.store.open_store`.

The caller passes an open connection in ``config.attributes["connection"]`` (no alembic.ini, no URL here).
On PostgreSQL a transaction-scoped advisory lock serialises two processes migrating one database at once;
on SQLite the caller's ``BEGIN IMMEDIATE`` does.
"""

from alembic import context

from zerodistrict.results.store import Base

#: an arbitrary constant: the advisory lock's id ("zd" + "13")
_PG_LOCK_ID = 0x7A6413

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the results store's migrations run through zerodistrict.results.store.open_store")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_ID})")
    context.run_migrations()
