"""Turn an export's files into clean, typed tables with integer member keys, batch by batch.

Each file is read once, in batches of about a million rows. In every batch:

* each row check is a SQL condition that DuckDB evaluates over the whole batch at once; one
  aggregate counts them all, and only a batch where some check fired is looked at again;
* the id columns go to the compiled loops of ``ids.py``: every member a row names becomes the
  member's integer key, and every row's own id is hashed for the repeat check;
* the usable rows are appended to the clean table with their keys.

A row problem either skips the row or clears the bad value (the report says which); then come
the checks across rows and files (repeated ids, unknown members, references that name no
transaction). A missing file, a missing required column or no usable member stops the audit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from weishang.audit import ids
from weishang.audit.contract import (
    CLEAN_SCHEMAS,
    MEMBERS,
    REWARD_BASES,
    REWARDS,
    TRANSACTIONS,
    TXN_KINDS,
    FileSpec,
)
from weishang.audit.load import (
    DatasetInfo,
    RawFile,
    open_source,
    read_info,
    register_raw,
    temporary_workdir,
)
from weishang.audit.problems import (
    EXAMPLES_PER_PROBLEM,
    Action,
    Problem,
    ProblemLog,
    UnusableDataError,
)

DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d/%m/%Y")
SKIP, CLEAR, KEPT = Action.ROW_SKIPPED, Action.VALUE_CLEARED, Action.KEPT
Rows = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Check:
    code: str
    column: str
    condition: str | None  # SQL over the staging columns (true: the row has the problem);
    action: Action  # None: the check is answered by the id loops
    message: str


@dataclass
class AuditDataset:
    """Clean ``members``, ``transactions`` and ``rewards`` tables in an in-memory DuckDB."""

    con: duckdb.DuckDBPyConnection
    info: DatasetInfo
    problems: ProblemLog
    source: str
    files: dict[str, str]  # table name -> the file it was read from, for problem reports

    def row_counts(self) -> dict[str, int]:
        counts = {}
        for name in ("members", "transactions", "rewards"):
            counts[name] = _count(self.con, name)
        return counts


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    ((count,),) = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    return int(count)


# --- parsing: the file's columns as typed staging columns ------------------------------------


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _text(raw: RawFile, column: str) -> str:
    if column not in raw.columns:
        return "CAST(NULL AS VARCHAR)"
    value = _quoted(column)
    if raw.columns[column] != "VARCHAR":
        value = f"CAST({value} AS VARCHAR)"
    return f"NULLIF(trim({value}), '')"


def _typed(raw: RawFile, column: str) -> bool:
    """Whether the file stores ``column`` typed (Parquet), so no value can fail to parse."""
    return column in raw.columns and raw.columns[column] != "VARCHAR"


def _timestamp(raw: RawFile, column: str) -> str:
    dtype = raw.columns.get(column, "")
    quoted = _quoted(column)
    if dtype == "TIMESTAMP WITH TIME ZONE":  # as Spark and pandas write it: the UTC instant
        return f"make_timestamp(epoch_us({quoted}))"
    if dtype.startswith("TIMESTAMP") or dtype == "DATE":
        return f"CAST({quoted} AS TIMESTAMP)"
    text = _text(raw, column)
    # ISO text, with or without an offset, lands in UTC (the session time zone is UTC)
    parsers = [f"TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"]
    parsers += [f"TRY_STRPTIME({text}, '{fmt}')" for fmt in DATE_FORMATS]
    return "COALESCE(" + ", ".join(parsers) + ")"


def _decimal(raw: RawFile, column: str) -> str:
    if _typed(raw, column):
        return f"TRY_CAST({_quoted(column)} AS DECIMAL(18,2))"
    return f"TRY_CAST(replace({_text(raw, column)}, ',', '') AS DECIMAL(18,2))"


def _integer(raw: RawFile, column: str) -> str:
    if _typed(raw, column):
        return f"TRY_CAST({_quoted(column)} AS BIGINT)"
    return f"TRY_CAST({_text(raw, column)} AS BIGINT)"


def _boolean(raw: RawFile, column: str) -> str:
    if raw.columns.get(column) == "BOOLEAN":
        return _quoted(column)
    text = f"lower({_text(raw, column)})"
    return (
        f"CASE WHEN {text} IN ('true', 't', '1', 'yes', 'y') THEN true "
        f"WHEN {text} IN ('false', 'f', '0', 'no', 'n') THEN false END"
    )


def _present(raw: RawFile, column: str) -> str:
    if column not in raw.columns:
        return "false"
    return f"({_text(raw, column)} IS NOT NULL)"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _staging(raw: RawFile) -> tuple[dict[str, str], list[Check]]:
    """The typed columns of one file (name -> SQL over the batch) and its row checks, in the
    order they are reported. A check that no value of a typed column can fail is left out."""
    spec = raw.spec
    missing = Check("missing_id", spec.id_column, None, SKIP, "id is empty")
    if spec is MEMBERS:
        cols = {
            "member_id": _text(raw, "member_id"),
            "sponsor_id": _text(raw, "sponsor_id"),
            "joined_at": _timestamp(raw, "joined_at"),
            "left_at": _timestamp(raw, "left_at"),
            "has_left_at": _present(raw, "left_at"),
        }
        checks = [
            missing,
            Check("bad_date", "joined_at", "joined_at IS NULL", SKIP, "joined_at is empty or not a date"),
            Check("bad_date", "left_at", "has_left_at AND left_at IS NULL", CLEAR, "left_at is not a date"),
            Check("left_before_joined", "left_at", "left_at < joined_at", CLEAR, "left_at is before joined_at"),
        ]  # fmt: skip
        if _typed(raw, "left_at"):
            del checks[2]
        return cols, checks
    cols = {"at": _timestamp(raw, "at"), "amount": _decimal(raw, "amount")}
    checks = [
        missing,
        Check("bad_date", "at", '"at" IS NULL', SKIP, "at is empty or not a date"),
        Check("bad_amount", "amount", "amount IS NULL", SKIP, "amount is empty or not a number"),
        Check("negative_amount", "amount", "amount < 0", SKIP, "amount is negative"),
    ]  # fmt: skip
    if spec is TRANSACTIONS:
        cols |= {
            "kind": f"lower({_text(raw, 'kind')})",
            "seller_collects": _boolean(raw, "seller_collects"),
        }
        checks.append(Check("unknown_kind", "kind", f"kind IS NULL OR kind NOT IN {_in(TXN_KINDS)}", SKIP, "kind is not one of " + ", ".join(TXN_KINDS)))  # fmt: skip
        if "units" in raw.columns and not _typed(raw, "units"):
            cols |= {"units": _integer(raw, "units"), "has_units": _present(raw, "units")}
            checks.append(Check("bad_units", "units", "has_units AND units IS NULL", CLEAR, "units is not a whole number"))  # fmt: skip
        if "seller_collects" in raw.columns and raw.columns["seller_collects"] != "BOOLEAN":
            cols["has_seller_collects"] = _present(raw, "seller_collects")
            checks.append(Check("bad_boolean", "seller_collects", "has_seller_collects AND seller_collects IS NULL", CLEAR, "seller_collects is not true/false; taken as true"))  # fmt: skip
    if spec is REWARDS:
        cols["basis"] = f"lower({_text(raw, 'basis')})"
        checks += [
            Check("unknown_basis", "basis", f"basis IS NULL OR basis NOT IN {_in(REWARD_BASES)}", SKIP, "basis is not one of " + ", ".join(REWARD_BASES)),
            Check("missing_member", "member_id", None, SKIP, "member_id (who is paid) is empty"),
        ]  # fmt: skip
    return cols, checks


# --- what the checks found -------------------------------------------------------------------


@dataclass
class Found:
    """Rows a check found across the batches (which come in row order): the count, and the
    first rows with the file's values."""

    count: int = 0
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def add(self, rows: Rows, values: Callable[[Rows], list[str]] | None = None) -> None:
        if not len(rows):
            return
        self.count += len(rows)
        room = EXAMPLES_PER_PROBLEM - len(self.rows)
        if room > 0:
            first = rows[:room]
            self.rows += first.tolist()
            if values is not None:
                self.values += values(first)

    def problem(self, check: Check, label: str) -> Problem | None:
        if not self.count:
            return None
        return Problem(
            check.code,
            label,
            check.column,
            self.count,
            check.action,
            check.message,
            tuple(self.rows),
            tuple(self.values),
        )


def _batch_values(batch: pa.Table, column: str, first_row: int) -> Callable[[Rows], list[str]]:
    def values(rows: Rows) -> list[str]:
        if column not in batch.column_names:
            return []
        taken = batch.column(column).take(pa.array(rows - 1 - first_row))
        return ["" if v is None else str(v) for v in taken.to_pylist()]

    return values


def _later_values(raw: RawFile, column: str) -> Callable[[Rows], list[str]]:
    return lambda rows: list(raw.values(column, rows.tolist()))


class FileScan:
    """One pass over a file: row checks per batch, and what every check found."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw: RawFile) -> None:
        self.con, self.raw = con, raw
        self.cols, self.checks = _staging(raw)
        self.found = [Found() for _ in self.checks]
        self.staging = ", ".join(f'{expr} AS "{name}"' for name, expr in self.cols.items())
        self._sql = [(k, c) for k, c in enumerate(self.checks) if c.condition is not None]

    def batches(
        self, id_columns: list[str]
    ) -> Iterator[tuple[int, pa.Table, npt.NDArray[np.bool_]]]:
        """(first row, the batch, rows skipped by a SQL check) per batch, the batch registered
        as ``_batch``. Checks answered by the id loops are reported with ``report``."""
        columns = list(dict.fromkeys([*self.raw.spec.columns, *id_columns]))
        for first, batch in self.raw.batches(columns):
            self.con.register("_batch", batch)
            skip = np.zeros(batch.num_rows, np.bool_)
            if self._sql:
                skip = self._row_checks(batch, first)
            yield first, batch, skip
            self.con.unregister("_batch")

    def _row_checks(self, batch: pa.Table, first: int) -> npt.NDArray[np.bool_]:
        conditions = [f"COALESCE(({c.condition}), false)" for _, c in self._sql]
        inner = f"SELECT {self.staging} FROM _batch"
        (counts,) = self.con.execute(
            f"SELECT {', '.join(f'count_if({c})' for c in conditions)} FROM ({inner})"
        ).fetchall()
        skip = np.zeros(batch.num_rows, np.bool_)
        if not any(counts):
            return skip
        # which rows: DuckDB may return a batch's rows in any order, so each carries its own
        self.con.register(
            "_numbered", batch.append_column("_i", pa.array(np.arange(batch.num_rows)))
        )
        flagged = self.con.execute(
            f"SELECT _i, {', '.join(conditions)} FROM (SELECT _i, {self.staging} FROM _numbered) "
            f"WHERE {' OR '.join(conditions)} ORDER BY _i"
        ).fetchnumpy()
        self.con.unregister("_numbered")
        at = flagged["_i"].astype(np.int64)
        for (k, check), hit in zip(self._sql, list(flagged.values())[1:], strict=True):
            hit = np.asarray(hit, dtype=np.bool_)
            self.found[k].add(at[hit] + first + 1, _batch_values(batch, check.column, first))
            if check.action is SKIP:
                skip[at[hit]] = True
        return skip

    def report(self, code: str, rows: Rows, values: Callable[[Rows], list[str]]) -> None:
        """Rows found by a check the id loops answer (``code``), in this batch."""
        (k,) = [k for k, c in enumerate(self.checks) if c.code == code and c.condition is None]
        self.found[k].add(rows, values)

    def problems(self, log: ProblemLog) -> None:
        for check, found in zip(self.checks, self.found, strict=True):
            problem = found.problem(check, self.raw.label)
            if problem:
                log.add(problem)


# --- the checks across rows and files --------------------------------------------------------

DUPLICATE = "duplicate_id"
UNKNOWN_SPONSOR = Check("unknown_sponsor", "sponsor_id", None, CLEAR, "sponsor_id is not a member; the member is taken as a root")  # fmt: skip
UNKNOWN_RECIPIENT = Check("unknown_member", "member_id", None, SKIP, "the rewarded member_id is not a member")  # fmt: skip
UNKNOWN_SOURCE = Check("unknown_member", "source_member_id", None, CLEAR, "source_member_id is not a member; the source is taken as unknown")  # fmt: skip
UNKNOWN_SELLER = Check("unknown_member", "seller_id", None, KEPT, "seller_id is not a member; the sale counts for no member's cash")  # fmt: skip
UNKNOWN_REFERENCE = Check("unknown_reference", "ref_txn_id", None, KEPT, "ref_txn_id names no transaction")  # fmt: skip


def _duplicate_check(spec: FileSpec) -> Check:
    return Check(
        DUPLICATE, spec.id_column, None, SKIP,
        f"{spec.id_column} repeats an earlier row; the first one is kept",
    )  # fmt: skip


def _add(
    log: ProblemLog, check: Check, label: str, rows: Rows, values: Callable[[Rows], list[str]]
) -> None:
    found = Found()
    found.add(np.sort(rows), values)
    problem = found.problem(check, label)
    if problem:
        log.add(problem)


def _confirmed_repeats(raw: RawFile, first: Rows) -> Rows:
    """Rows (1-based) whose id repeats an earlier row's, confirmed on the text: the hashes
    name the candidates, the file's own values decide."""
    later = np.flatnonzero(first >= 0)
    if not len(later):
        return later
    earlier = first[later]
    column = raw.spec.id_column
    texts = dict(
        zip(
            np.union1d(later, earlier).tolist(),
            _texts(raw, column, np.union1d(later, earlier) + 1),
            strict=True,
        )
    )
    same = [texts[a] == texts[b] for a, b in zip(later.tolist(), earlier.tolist(), strict=True)]
    return later[np.asarray(same, dtype=np.bool_)] + 1


def _texts(raw: RawFile, column: str, rows: Rows) -> list[str]:
    return [v.strip(" ") for v in raw.values(column, rows.tolist())]


class IdRows:
    """Every row's id hash (for the repeat check), and the references it makes, collected batch
    by batch."""

    def __init__(self, rows: int) -> None:
        self.own = ids.RowHashes.empty(rows)
        self.ref_rows: list[Rows] = []
        self.refs: list[ids.RowHashes] = []

    def add(self, first: int, batch: pa.Table, column: str, usable: npt.NDArray[np.bool_]) -> Rows:
        """Hash the batch's own ids; returns the rows (1-based) that have none."""
        at = np.arange(first, first + batch.num_rows, dtype=np.int64)
        self.own.fill(at, ids.Strings.of(batch.column(column)))
        missing = np.flatnonzero(~self.own.present[at]).astype(np.int64) + first + 1
        self.own.present[at] &= usable
        return missing

    def add_refs(
        self, first: int, batch: pa.Table, column: str, usable: npt.NDArray[np.bool_]
    ) -> None:
        if column not in batch.column_names:
            return
        h = ids.RowHashes.empty(batch.num_rows)
        h.fill(np.arange(batch.num_rows), ids.Strings.of(batch.column(column)))
        keep = h.present & usable
        if keep.any():
            self.ref_rows.append(np.flatnonzero(keep).astype(np.int64) + first + 1)
            self.refs.append(
                ids.RowHashes(h.h1[keep], h.h2[keep], np.ones(int(keep.sum()), np.bool_))
            )

    def repeats(self, raw: RawFile) -> tuple[Rows, Rows]:
        """(rows whose id repeats an earlier row's, rows whose reference names no row)."""
        refs = ids.RowHashes(
            np.concatenate([r.h1 for r in self.refs] or [np.zeros(0, np.uint64)]),
            np.concatenate([r.h2 for r in self.refs] or [np.zeros(0, np.uint32)]),
            np.concatenate([r.present for r in self.refs] or [np.zeros(0, np.bool_)]),
        )
        ref_rows = np.concatenate(self.ref_rows or [np.zeros(0, np.int64)])
        first, found = ids.repeats_and_refs(self.own, refs)
        repeated = _confirmed_repeats(raw, first)
        unknown = ref_rows[~found]
        return repeated, unknown[~np.isin(unknown, repeated)]


# --- members ---------------------------------------------------------------------------------


@dataclass
class MemberKeys:
    """What a member reference resolves to, by the member's position in the members file."""

    index: ids.MemberIndex
    mid: Rows  # the member's key: its data row
    joined_us: Rows  # microseconds since 1970, UTC
    left_us: Rows
    left_known: npt.NDArray[np.bool_]

    def lookup(self, batch: pa.Table, column: str) -> tuple[Rows, ids.Hashes]:
        """(position of the member each row names: -1 none, -2 no id; the id's hash)."""
        if column not in batch.column_names:
            n = batch.num_rows
            return np.full(n, ids.NO_ID, np.int64), np.zeros(n, np.uint64)
        return self.index.lookup(ids.Strings.of(batch.column(column)))

    def keys(self, positions: Rows) -> pa.Array:
        known = positions >= 0
        return pa.array(self.mid[np.where(known, positions, 0)].astype(np.int32), mask=~known)


def _timestamps_us(column: pa.ChunkedArray) -> tuple[Rows, npt.NDArray[np.bool_]]:
    values = column.combine_chunks().cast(pa.timestamp("us"))
    known = values.is_valid().to_numpy(zero_copy_only=False)
    return values.cast(pa.int64()).fill_null(0).to_numpy(), known


def _clean_members(
    con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog, cross: ProblemLog
) -> MemberKeys:
    """Members: the checks, then the index of usable ids (the first of a repeated id wins),
    then sponsors resolved against it. ``mid`` is the member's data row."""
    scan = FileScan(con, raw)
    staged: list[pa.Table] = []
    skipped: list[npt.NDArray[np.bool_]] = []
    cols = ", ".join(f'"{c}"' for c in ("member_id", "sponsor_id", "joined_at", "left_at"))
    for first, batch, skip in scan.batches([]):
        con.register("_numbered", batch.append_column("_i", pa.array(np.arange(batch.num_rows))))
        part = con.sql(
            f"SELECT {cols} FROM (SELECT _i, {scan.staging} FROM _numbered) ORDER BY _i"
        ).to_arrow_table()
        con.unregister("_numbered")
        absent = part.column("member_id").is_null().to_numpy(zero_copy_only=False)
        scan.report(
            "missing_id",
            np.flatnonzero(absent).astype(np.int64) + first + 1,
            _batch_values(batch, "member_id", first),
        )
        staged.append(part)
        skipped.append(skip | absent)
    scan.problems(log)
    table = pa.concat_tables(staged) if staged else _no_members()
    n = table.num_rows
    usable = ~np.concatenate(skipped) if skipped else np.zeros(0, np.bool_)
    index = ids.MemberIndex(ids.Strings.of(table.column("member_id")), usable)
    repeated = np.flatnonzero(index.first >= 0).astype(np.int64)
    _add(log, _duplicate_check(MEMBERS), raw.label, repeated + 1, _later_values(raw, "member_id"))
    kept = usable & (index.first < 0)
    rows = np.arange(1, n + 1, dtype=np.int64)
    joined_us, _ = _timestamps_us(table.column("joined_at"))
    left_us, left_known = _timestamps_us(table.column("left_at"))
    keys = MemberKeys(index, rows, joined_us, left_us, left_known)
    sponsor, _ = index.lookup(ids.Strings.of(table.column("sponsor_id")))
    unknown = np.flatnonzero(kept & (sponsor == ids.NOT_FOUND)).astype(np.int64)
    _add(cross, UNKNOWN_SPONSOR, raw.label, unknown + 1, _later_values(raw, "sponsor_id"))
    cleaned = table.filter(pa.array(kept))
    keep = np.flatnonzero(kept)
    clean = pa.table(
        {
            "member_id": cleaned.column("member_id"),
            "sponsor_id": cleaned.column("sponsor_id"),
            "joined_at": cleaned.column("joined_at"),
            "left_at": cleaned.column("left_at"),
            "mid": pa.array(rows[keep].astype(np.int32)),
            "sponsor_mid": keys.keys(sponsor[keep]),
            "_row": pa.array(rows[keep]),
        }
    )
    _create(con, "members")
    con.register("_clean", clean)
    con.execute("INSERT INTO members SELECT * FROM _clean")
    con.unregister("_clean")
    return keys


def _no_members() -> pa.Table:
    text, time = pa.array([], pa.string()), pa.array([], pa.timestamp("us"))
    return pa.table({"member_id": text, "sponsor_id": text, "joined_at": time, "left_at": time})


def _create(con: duckdb.DuckDBPyConnection, name: str, extra: dict[str, str] | None = None) -> None:
    schema = CLEAN_SCHEMAS[name] | (extra or {})
    columns = ", ".join(f'"{c}" {t}' for c, t in schema.items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")


def _delete_rows(con: duckdb.DuckDBPyConnection, name: str, rows: Rows) -> None:
    if len(rows):
        con.register("_gone", pa.table({"r": pa.array(rows)}))
        con.execute(f"DELETE FROM {name} WHERE _row IN (SELECT r FROM _gone)")
        con.unregister("_gone")


# --- transactions and rewards ------------------------------------------------------------------


def _insert(
    con: duckdb.DuckDBPyConnection,
    scan: FileScan,
    name: str,
    batch: pa.Table,
    keys: pa.Table,
    exprs: dict[str, str] | None = None,
) -> None:
    """Append a batch's usable rows (``_keep``) to the clean table: the staging columns the
    table has (or ``exprs`` over them and the keys), with the batch's member keys beside
    them."""
    for column in keys.column_names:
        batch = batch.append_column(column, keys.column(column))
    con.register("_keyed", batch)
    table = [str(c[0]) for c in con.execute(f"DESCRIBE {name}").fetchall()]
    cols = [(exprs or {}).get(c, f'"{c}"') for c in table]
    passed = ", ".join(f'"{c}"' for c in keys.column_names)
    con.execute(
        f"INSERT INTO {name} SELECT {', '.join(cols)} "
        f"FROM (SELECT {scan.staging}, {passed} FROM _keyed) WHERE _keep"
    )
    con.unregister("_keyed")


# Transactions: what the indicators read of the time and of the buyer's membership
BUYER = {
    "day": 'CAST("at" AS DATE)',
    "seller_collects": "COALESCE(seller_collects, true)",
    "participant": 'COALESCE(buyer_joined_at <= "at" AND (buyer_left_at IS NULL '
    'OR "at" < buyer_left_at), false)',
    # seconds, within INTEGER's range (68 years either way: further is as good as never);
    # greatest and least skip nulls, hence the CASE
    "since_join": "CASE WHEN buyer_joined_at IS NOT NULL THEN CAST(greatest(-2147483647, "
    'least(2147483647, epoch("at") - epoch(buyer_joined_at))) AS INTEGER) END',
}


def _clean_transactions(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    members: MemberKeys,
    log: ProblemLog,
    cross: dict[str, ProblemLog],
) -> None:
    scan = FileScan(con, raw)
    seen = IdRows(raw.rows)
    unknown_sellers: list[Rows] = []
    _create(con, "transactions", {"_row": "BIGINT"})  # _row: until repeats are deleted
    for first, batch, skip in scan.batches(["txn_id", "seller_id", "buyer_id", "ref_txn_id"]):
        n = batch.num_rows
        missing = seen.add(first, batch, "txn_id", ~skip)
        scan.report("missing_id", missing, _batch_values(batch, "txn_id", first))
        skip[missing - first - 1] = True
        seen.add_refs(first, batch, "ref_txn_id", ~skip)
        seller, _ = members.lookup(batch, "seller_id")
        buyer, buyer_hash = members.lookup(batch, "buyer_id")
        unknown_sellers.append(
            np.flatnonzero(~skip & (seller == ids.NOT_FOUND)).astype(np.int64) + first + 1
        )
        member = buyer >= 0
        at = np.where(member, buyer, 0)
        # an outside buyer's key: the id's hash, made negative so it never meets a member key
        outside = (buyer_hash | np.uint64(1 << 63)).view(np.int64)
        keys = pa.table(
            {
                "seller_mid": members.keys(seller),
                "buyer_mid": members.keys(buyer),
                "buyer_key": pa.array(
                    np.where(member, members.mid[at], outside), mask=buyer == ids.NO_ID
                ),
                "buyer_joined_at": pa.array(
                    members.joined_us[at], pa.timestamp("us"), mask=~member
                ),
                "buyer_left_at": pa.array(
                    members.left_us[at], pa.timestamp("us"), mask=~(member & members.left_known[at])
                ),
                "_row": pa.array(np.arange(first + 1, first + n + 1, dtype=np.int64)),
                "_keep": pa.array(~skip),
            }
        )
        _insert(con, scan, "transactions", batch, keys, BUYER)
    scan.problems(log)
    repeated, unknown_refs = seen.repeats(raw)
    _add(log, _duplicate_check(TRANSACTIONS), raw.label, repeated, _later_values(raw, "txn_id"))
    _delete_rows(con, "transactions", repeated)
    con.execute("ALTER TABLE transactions DROP COLUMN _row")
    sellers = np.concatenate(unknown_sellers or [np.zeros(0, np.int64)])
    sellers = sellers[~np.isin(sellers, repeated)]
    _add(cross["seller"], UNKNOWN_SELLER, raw.label, sellers, _later_values(raw, "seller_id"))
    _add(
        cross["reference"],
        UNKNOWN_REFERENCE,
        raw.label,
        unknown_refs,
        _later_values(raw, "ref_txn_id"),
    )


def _clean_rewards(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    members: MemberKeys,
    log: ProblemLog,
    cross: dict[str, ProblemLog],
) -> None:
    scan = FileScan(con, raw)
    seen = IdRows(raw.rows)
    unknown_recipients: list[Rows] = []
    unknown_sources: list[Rows] = []
    _create(con, "rewards")
    for first, batch, skip in scan.batches(["reward_id", "member_id", "source_member_id"]):
        n = batch.num_rows
        recipient, _ = members.lookup(batch, "member_id")
        no_recipient = np.flatnonzero(recipient == ids.NO_ID).astype(np.int64) + first + 1
        scan.report("missing_member", no_recipient, _batch_values(batch, "member_id", first))
        skip |= recipient == ids.NO_ID
        missing = seen.add(first, batch, "reward_id", ~skip)
        scan.report("missing_id", missing, _batch_values(batch, "reward_id", first))
        skip[missing - first - 1] = True
        unknown = ~skip & (recipient == ids.NOT_FOUND)
        unknown_recipients.append(np.flatnonzero(unknown).astype(np.int64) + first + 1)
        source, _ = members.lookup(batch, "source_member_id")
        unknown_sources.append(
            np.flatnonzero(~skip & ~unknown & (source == ids.NOT_FOUND)).astype(np.int64)
            + first
            + 1
        )
        keys = pa.table(
            {
                "member_mid": members.keys(recipient),
                "source_mid": members.keys(source),
                "_row": pa.array(np.arange(first + 1, first + n + 1, dtype=np.int64)),
                "_keep": pa.array(~skip & ~unknown),
            }
        )
        _insert(con, scan, "rewards", batch, keys)
    scan.problems(log)
    repeated, _ = seen.repeats(raw)
    _add(log, _duplicate_check(REWARDS), raw.label, repeated, _later_values(raw, "reward_id"))
    _delete_rows(con, "rewards", repeated)
    for found, check, key in (
        (unknown_recipients, UNKNOWN_RECIPIENT, "recipient"),
        (unknown_sources, UNKNOWN_SOURCE, "source"),
    ):
        rows = np.concatenate(found or [np.zeros(0, np.int64)])
        rows = rows[~np.isin(rows, repeated)]
        _add(cross[key], check, raw.label, rows, _later_values(raw, check.column))


# --- the whole export --------------------------------------------------------------------------


def _memory_limit_mib() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return max(512, total // 2 >> 20)


def connect() -> duckdb.DuckDBPyConnection:
    """The audit's DuckDB: UTC, half the machine's memory, spilling under the temp folder."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Nothing depends on the physical order of a clean table (reports order by ``_row``), and
    # without it DuckDB writes tables and spills with less memory.
    con.execute("SET preserve_insertion_order = false")
    # Half the machine's memory for DuckDB's buffers (its default is 80%): past it, DuckDB
    # spills to disk rather than taking the machine's memory from everything else.
    con.execute(f"SET memory_limit = '{_memory_limit_mib()}MiB'")
    # Spill under the system's temporary folder, never into whatever folder the command runs in.
    spill = Path(tempfile.gettempdir()) / f"weishang-audit-{os.getpid()}"
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    return con


def load_dataset(path: str | Path) -> AuditDataset:
    """Load and validate an export; raises ``UnusableDataError`` when it cannot be audited."""
    path = Path(path)
    log = ProblemLog()
    con = connect()
    with temporary_workdir() as workdir:
        try:
            folder = open_source(path, Path(workdir))
        except (FileNotFoundError, OSError) as exc:
            problem = Problem(
                "missing_source", str(path), None, 1, Action.FATAL,
                f"not a folder or a .zip file ({exc.__class__.__name__})",
            )  # fmt: skip
            raise UnusableDataError([problem]) from None
        info = read_info(folder, log)
        raws: dict[str, RawFile] = {}
        for spec in (MEMBERS, TRANSACTIONS, REWARDS):
            raw = register_raw(con, folder, spec, log)
            if raw is not None:
                raws[spec.name] = raw
        if log.fatal:
            raise UnusableDataError(log.fatal)
        # Cross checks are reported after every file's own problems, in this order.
        cross = {
            key: ProblemLog() for key in ("sponsor", "recipient", "source", "seller", "reference")
        }
        try:
            members = _clean_members(con, raws["members"], log, cross["sponsor"])
            if not _count(con, "members"):
                label = raws["members"].label
                fatal = Problem(
                    "no_members", label, None, 1, Action.FATAL,
                    "no usable member row: nothing to audit",
                )  # fmt: skip
                raise UnusableDataError([fatal, *(p for p in log.problems if p.file == label)])
            _clean_transactions(con, raws["transactions"], members, log, cross)
            _clean_rewards(con, raws["rewards"], members, log, cross)
        except (pa.ArrowException, OSError) as exc:  # a file that breaks part-way through
            label = next(iter(raws.values())).label
            fatal = Problem("unreadable_file", label, None, 1, Action.FATAL, f"not readable: {exc}")
            raise UnusableDataError([fatal]) from None
        for found in cross.values():
            log.problems.extend(found.problems)
    files = {name: raw.label for name, raw in raws.items()}
    return AuditDataset(con=con, info=info, problems=log, source=str(path), files=files)
