"""Where the indicators run: an Ibis backend plus a way to materialise intermediate tables.

The indicator code only sees ``Engine``; DuckDB (embedded, the default) and PySpark (a cluster,
or local mode in the conformance test) are two implementations of it. Its three tables are the
loader's clean tables (``contract.CLEAN_SCHEMAS``: integer member keys, no text ids, the buyer's
membership at the time beside each transaction): a cluster loader must produce the same
columns. Iterative algorithms (levels by pointer doubling, the walk up from a reward's source)
materialise each step so the plan stays small.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from weishang.audit.contract import TABLES, AuditParams

if TYPE_CHECKING:
    from weishang.audit.validate import AuditDataset

_names = itertools.count()


@dataclass
class Engine:
    backend: Any
    members: ir.Table
    transactions: ir.Table | None  # None: not kept by the loader (``load_dataset``)
    rewards: ir.Table
    kind: str  # "duckdb" or "pyspark"
    _frames: dict[str, Any] = field(default_factory=dict)  # Spark: materialised DataFrames
    # Tables computed once and read by several steps (e.g. the per-member flows, by the
    # indicators and by the report's series).
    shared: dict[str, ir.Table] = field(default_factory=dict)
    # Figures the loader already added up, in the form the indicators' own queries return
    # them (``totals.py``): "sales_totals" (one row) and "reward_cells" (rows).
    loaded: dict[str, Any] = field(default_factory=dict)

    @property
    def climb(self) -> int:
        """Joins chained per query when rewards walk up the sponsor tree (``tree.reward_reach``).

        On DuckDB a query costs little, and with one join per query each step probes only the
        rewards still climbing; on Spark every query is a job with a fixed cost,
        so a query climbs 8 levels at once (one query for most trees).
        """
        return 8 if self.kind == "pyspark" else 1

    def clean_transactions(self) -> ir.Table:
        """The clean transactions, for a figure the loader did not add up."""
        if self.transactions is None:
            raise ValueError("the clean transactions were not kept: load_dataset(..., keep=True)")
        return self.transactions

    def count(self, table: ir.Table) -> int:
        """Rows of a table; a materialised Spark table is counted without planning SQL."""
        name = getattr(table.op(), "name", None)  # a materialised table, or a query
        frame = self._frames.get(name) if self.kind == "pyspark" and name else None
        if frame is not None:
            return int(frame.count())
        return int(self.scalar(table.count()))

    def materialize(self, expr: ir.Table, stem: str) -> ir.Table:
        name = f"_audit_{stem}_{next(_names)}"
        if self.kind == "pyspark":
            frame = self.backend._session.sql(self.backend.compile(expr)).localCheckpoint()
            frame.createOrReplaceTempView(name)
            self._frames[name] = frame
            return self.backend.table(name)
        return self.backend.create_table(name, obj=expr, temp=True)

    def rows(self, expr: ir.Table) -> list[dict[str, Any]]:
        """The rows of a (small) result as dicts. The query is compiled by Ibis and run by the
        engine's own client, skipping Ibis's detour through pandas (whose import alone costs
        half a second)."""
        sql = self.backend.compile(expr)
        if self.kind == "pyspark":
            return [row.asDict() for row in self.backend._session.sql(sql).collect()]
        cursor = self.backend.con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, expr: ir.Scalar) -> Any:
        (row,) = self.rows(expr.as_table())
        return next(iter(row.values()))


def duckdb_engine(dataset: AuditDataset, params: AuditParams | None = None) -> Engine:
    """The embedded engine on the dataset's own DuckDB. The members' flows and ranks and the
    reward cells the loader added up are handed to the indicators when the loader took them
    over the entry windows of ``params``, and its sales totals always; otherwise the
    indicators group the clean tables themselves."""
    con = dataset.con
    # Member keys are data rows, so a GROUP BY member spans at most as many values as the
    # members file has rows: DuckDB then groups with a plain array ("perfect hash") instead of
    # a hash table, about twice as fast, once the key range fits the threshold (in bits).
    ((rows,),) = con.execute("SELECT coalesce(max(mid), 0) FROM members").fetchall()
    con.execute(f"SET perfect_ht_threshold = {min(28, max(12, int(rows).bit_length() + 2))}")
    backend = ibis.duckdb.from_connection(con)
    kept = "transactions" not in dataset.not_kept
    engine = Engine(
        backend,
        backend.table("members"),
        backend.table("transactions") if kept else None,
        backend.table("rewards"),
        kind="duckdb",
    )
    same_windows = dataset.flows_params == (params or AuditParams())
    if dataset.totals is not None:
        engine.loaded["sales_totals"] = dataset.totals.sales()
        cells = dataset.totals.reward_cells()
        if cells is not None and same_windows:
            engine.loaded["reward_cells"] = cells
    if dataset.flows is not None and same_windows:
        name = f"_audit_loaded_flows_{next(_names)}"
        con.register(name, dataset.flows)
        engine.shared["member_flows"] = backend.table(name)
        if dataset.ranks is not None:
            name = f"_audit_loaded_ranks_{next(_names)}"
            con.register(name, dataset.ranks)
            engine.shared["reward_ranks"] = backend.table(name)
    else:
        # The indicators group the clean tables by member: stored in DuckDB first (the loader
        # keeps them as Arrow), whose statistics let those GROUP BYs index an array.
        engine.members = engine.materialize(engine.members, "members")
        engine.transactions = engine.materialize(engine.clean_transactions(), "transactions")
        engine.rewards = engine.materialize(engine.rewards, "rewards")
    return engine


def clean_tables(dataset: AuditDataset) -> dict[str, pa.Table]:
    """The clean tables as Arrow, to hand to another engine."""
    return {name: dataset.table(name) for name in TABLES}


def spark_engine(session: Any, tables: dict[str, pa.Table]) -> Engine:
    """An engine on an existing SparkSession, fed with the clean tables (e.g. from a loader).

    On a cluster, register the tables from Parquet instead and build ``Engine`` directly.
    """
    backend = ibis.pyspark.connect(session)
    views = {name: f"_audit_input_{name}_{next(_names)}" for name in TABLES}
    for name, view in views.items():
        rows = _utc(tables[name]).to_pylist()
        session.createDataFrame(rows, schema=_spark_schema(tables[name])).createOrReplaceTempView(
            view
        )
    members, transactions, rewards = (backend.table(views[name]) for name in TABLES)
    return Engine(backend, members, transactions, rewards, kind="pyspark")


def _utc(table: pa.Table) -> pa.Table:
    """Timestamps marked as UTC: PySpark reads a naive datetime in the process's local time
    zone (which a host application may have set), an aware one as the instant it is."""
    fields = [
        pa.field(f.name, pa.timestamp(f.type.unit, "UTC")) if pa.types.is_timestamp(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _spark_schema(table: pa.Table) -> str:
    types = []
    for f in table.schema:
        if pa.types.is_timestamp(f.type):
            sql = "TIMESTAMP"
        elif pa.types.is_date(f.type):
            sql = "DATE"
        elif pa.types.is_decimal(f.type):
            sql = f"DECIMAL({f.type.precision},{f.type.scale})"
        elif pa.types.is_boolean(f.type):
            sql = "BOOLEAN"
        elif pa.types.is_integer(f.type):
            sql = "BIGINT"
        else:
            sql = "STRING"
        types.append(f"`{f.name}` {sql}")
    return ", ".join(types)
