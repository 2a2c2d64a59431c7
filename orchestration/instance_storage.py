"""The local Dagster instance's event log (`make run`, `make ui`, the sensor and schedule runs): Dagster's
own SQLite event log, with its database connections kept open.

Why: Dagster's SQLite event log creates a new SQLAlchemy engine and a new SQLite connection for every read
and write, and closing the last connection of a database in WAL mode checkpoints it to disk. A refresh
writes ~760 events with ~7 accesses each: 5 s of a 10 000-respondent run (bench/README.md). Here each
database file (the instance's index, one per run) keeps one engine whose pool keeps its connection; the
least recently used are closed. Commits are synchronous=NORMAL, SQLite's recommendation for WAL: an
event can be lost on a power cut, the database cannot be corrupted. Same tables, same files, same
locking between processes (SQLite's own): Dagster's tools read this history as their own.

Selected in `DAGSTER_HOME/dagster.yaml`, which the Makefile writes, with `base_dir` where Dagster's default
storage keeps run event logs (`history/runs`), so the history carries over. A deployment with PostgreSQL
storage (docs/POSTGRES.md) does not use this.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

ENGINES_KEPT = 8  # the index and the runs being written or watched; more is a waste of file handles


def _synchronous_normal(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class KeptConnectionSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that keeps one open connection per database file (see the module)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptConnectionSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _synchronous_normal)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > ENGINES_KEPT:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:  # as the parent: one access at a time, so one connection per file suffices
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:  # removes the run files: their connections are closed first
        self._close_all()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()
