"""Turn an export's files into clean tables with integer member keys, in one pass per file.

Each file is read once, in batches of about a million rows, along two paths that meet batch
by batch in row order:

* DuckDB parses the typed columns and evaluates the row checks (``checks.py``);
* Arrow reads the id columns, and the compiled loops of ``ids.py`` turn every member a row
  names into the member's integer key and hash every row's own id for the repeat check.

The usable rows of each batch become a batch of the clean table (Arrow), stored in DuckDB once
the file is read. Then come the checks across rows and files (repeated ids, unknown members,
references that name no transaction).
A row problem either skips the row or clears the bad value (the report says which); a missing
file, a missing required column or no usable member stops the audit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from weishang.audit import ids
from weishang.audit.checks import (
    CLEAR,
    KEPT,
    SKIP,
    Check,
    Mask,
    Rows,
    TypedScan,
    Values,
    file_values,
    report,
)
from weishang.audit.contract import (
    BASES,
    CLEAN_SCHEMAS,
    KINDS,
    MEMBERS,
    REWARDS,
    TABLES,
    TRANSACTIONS,
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
from weishang.audit.problems import Action, Problem, ProblemLog, UnusableDataError


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
        for name in TABLES:
            ((count,),) = self.con.execute(f"SELECT count(*) FROM {name}").fetchall()
            counts[name] = int(count)
        return counts

    def table(self, name: str) -> pa.Table:
        """A clean table as Arrow (to hand to another engine)."""
        return self.con.sql(f"SELECT * FROM {name}").to_arrow_table()


# --- the checks across rows and files --------------------------------------------------------

UNKNOWN_SPONSOR = Check("unknown_sponsor", "sponsor_id", None, CLEAR, "sponsor_id is not a member; the member is taken as a root")  # fmt: skip
UNKNOWN_RECIPIENT = Check("unknown_member", "member_id", None, SKIP, "the rewarded member_id is not a member")  # fmt: skip
UNKNOWN_SOURCE = Check("unknown_member", "source_member_id", None, CLEAR, "source_member_id is not a member; the source is taken as unknown")  # fmt: skip
UNKNOWN_SELLER = Check("unknown_member", "seller_id", None, KEPT, "seller_id is not a member; the sale counts for no member's cash")  # fmt: skip
UNKNOWN_REFERENCE = Check("unknown_reference", "ref_txn_id", None, KEPT, "ref_txn_id names no transaction")  # fmt: skip


def _repeat_check(spec: FileSpec) -> Check:
    return Check(
        "duplicate_id", spec.id_column, None, SKIP,
        f"{spec.id_column} repeats an earlier row; the first one is kept",
    )  # fmt: skip


def _batch_values(batch: pa.Table, column: str, first: int) -> Values:
    def values(rows: Rows) -> list[str]:
        taken = batch.column(column).take(pa.array(rows - 1 - first))
        return ["" if v is None else str(v) for v in taken.to_pylist()]

    return values


def _rows(found: list[Rows]) -> Rows:
    return np.concatenate(found) if found else np.zeros(0, np.int64)


class OwnIds:
    """Every row's own id hash (for the repeat check) and the references the rows make,
    collected batch by batch."""

    def __init__(self, raw: RawFile) -> None:
        self.raw = raw
        self.own = ids.RowHashes.empty(raw.rows)
        self.ref_rows: list[Rows] = []
        self.refs: list[ids.RowHashes] = []

    def add(self, first: int, batch: pa.Table, usable: Mask) -> Rows:
        """Hash the batch's ids; returns the rows (1-based) that have none."""
        at = slice(first, first + batch.num_rows)
        self.own.fill(first, ids.Strings.of(batch.column(self.raw.spec.id_column)))
        missing = np.flatnonzero(~self.own.present[at]).astype(np.int64) + first + 1
        self.own.present[at] &= usable
        return missing

    def add_refs(self, first: int, batch: pa.Table, column: str, usable: Mask) -> None:
        if column not in batch.column_names:
            return
        h = ids.RowHashes.empty(batch.num_rows)
        h.fill(0, ids.Strings.of(batch.column(column)))
        keep = h.present & usable
        if keep.any():
            self.ref_rows.append(np.flatnonzero(keep).astype(np.int64) + first + 1)
            self.refs.append(ids.RowHashes(h.h1[keep], h.h2[keep], h.present[keep]))

    def repeats(self) -> tuple[Rows, Rows]:
        """(rows whose id repeats an earlier row's, rows whose reference names no row)."""
        refs = ids.RowHashes(
            np.concatenate([r.h1 for r in self.refs] or [np.zeros(0, np.uint64)]),
            np.concatenate([r.h2 for r in self.refs] or [np.zeros(0, np.uint32)]),
            np.concatenate([r.present for r in self.refs] or [np.zeros(0, np.bool_)]),
        )
        first, found = ids.repeats_and_refs(self.own, refs)
        repeated = self._confirmed(first)
        unknown = _rows(self.ref_rows)[~found]
        return repeated, unknown[~np.isin(unknown, repeated)]

    def _confirmed(self, first: Rows) -> Rows:
        """Rows (1-based) whose id repeats an earlier row's: the hashes name the candidates,
        the file's own text decides."""
        later = np.flatnonzero(first >= 0)
        if not len(later):
            return later.astype(np.int64)
        earlier = first[later]
        both = np.union1d(later, earlier)
        column = self.raw.spec.id_column
        texts = dict(
            zip(
                both.tolist(),
                (v.strip(ids.SPACES) for v in self.raw.values(column, (both + 1).tolist())),
                strict=True,
            )
        )
        same = [texts[a] == texts[b] for a, b in zip(later.tolist(), earlier.tolist(), strict=True)]
        return (later[np.asarray(same, dtype=np.bool_)] + 1).astype(np.int64)


def _without(table: pa.Table, kept: Mask, rows: Rows) -> pa.Table:
    """``table`` (the file's ``kept`` rows, in order) without the file rows ``rows``."""
    if not len(rows):
        return table
    position = np.cumsum(kept) - 1
    gone = np.zeros(table.num_rows, np.bool_)
    gone[position[rows - 1][kept[rows - 1]]] = True
    return table.filter(pa.array(~gone))


# --- members ---------------------------------------------------------------------------------


@dataclass
class MemberKeys:
    """What a member reference resolves to, by the member's position in the members file."""

    index: ids.MemberIndex
    mid: Rows  # the member's key: its data row
    joined_us: Rows  # microseconds since 1970, UTC
    left_us: Rows
    left_known: Mask

    def lookup(self, batch: pa.Table, column: str) -> tuple[Rows, ids.Hashes]:
        """(position of the member each row names: -1 none, -2 no id; the id's hash)."""
        if column not in batch.column_names:
            n = batch.num_rows
            return np.full(n, ids.NO_ID, np.int64), np.zeros(n, np.uint64)
        return self.index.lookup(ids.Strings.of(batch.column(column)))

    def keys(self, positions: Rows) -> pa.Array:
        return ids.member_keys(positions, self.mid)

    def buyers(self, positions: Rows, hashes: ids.Hashes, at_us: Rows) -> dict[str, pa.Array]:
        return ids.buyer_columns(
            positions, hashes, at_us, self.mid, self.joined_us, self.left_us, self.left_known
        )


def _microseconds(column: pa.ChunkedArray) -> tuple[Rows, Mask]:
    values = column.combine_chunks().cast(pa.timestamp("us"))
    known = values.is_valid().to_numpy(zero_copy_only=False)
    return values.cast(pa.int64()).fill_null(0).to_numpy(), known


def _clean_members(
    con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog, cross: ProblemLog
) -> tuple[pa.Table, MemberKeys]:
    """Members: the checks, then the index of usable ids (the first of a repeated id wins),
    then sponsors resolved against it. ``mid`` is the member's data row."""
    outputs = {
        "member_id": "member_id",
        "sponsor_id": "sponsor_id",
        "joined_at": "joined_at",
        "left_at": "CASE WHEN left_at < joined_at THEN NULL ELSE left_at END",
    }
    scan = TypedScan(con, raw, outputs)
    parts: list[pa.Table] = []
    skipped: list[Mask] = []
    for first, batch, skip in scan.batches():
        absent = batch.column("member_id").is_null().to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(absent).astype(np.int64) + first + 1
        scan.report("missing_id", rows, file_values(raw, "member_id"))
        parts.append(batch)
        skipped.append(skip | absent)
    scan.problems(log)
    table = pa.concat_tables(parts) if parts else _no_members()
    usable = ~np.concatenate(skipped) if skipped else np.zeros(0, np.bool_)
    index = ids.MemberIndex(ids.Strings.of(table.column("member_id")), usable)
    repeated = np.flatnonzero(index.first >= 0).astype(np.int64) + 1
    report(log, _repeat_check(MEMBERS), raw.label, repeated, file_values(raw, "member_id"))
    kept = usable & (index.first < 0)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    joined_us, _ = _microseconds(table.column("joined_at"))
    left_us, left_known = _microseconds(table.column("left_at"))
    keys = MemberKeys(index, rows, joined_us, left_us, left_known)
    sponsor, _ = index.lookup(ids.Strings.of(table.column("sponsor_id")))
    unknown = np.flatnonzero(kept & (sponsor == ids.NOT_FOUND)).astype(np.int64)
    report(cross, UNKNOWN_SPONSOR, raw.label, unknown + 1, file_values(raw, "sponsor_id"))
    sponsor[unknown] = ids.NOT_FOUND  # cleared: a root
    keep = np.flatnonzero(kept)
    clean = table.select(["member_id", "sponsor_id", "joined_at", "left_at"]).take(keep)
    clean = clean.append_column("mid", pa.array(rows[keep].astype(np.int32)))
    clean = clean.append_column("sponsor_mid", keys.keys(sponsor[keep]))
    clean = clean.append_column("_row", pa.array(rows[keep]))
    return _in_order(clean, "members"), keys


def _no_members() -> pa.Table:
    text, time = pa.array([], pa.string()), pa.array([], pa.timestamp("us"))
    return pa.table({"member_id": text, "sponsor_id": text, "joined_at": time, "left_at": time})


def _in_order(table: pa.Table, name: str) -> pa.Table:
    """The clean table's columns in the contract's order."""
    return table.select(list(CLEAN_SCHEMAS[name]))


def _money(cents: pa.ChunkedArray | pa.Array) -> pa.Array:
    """decimal(18, 2) from integer cents, sharing their buffer (nulls read as zero)."""
    if isinstance(cents, pa.ChunkedArray):
        cents = cents.combine_chunks()
    values = cents.fill_null(0).to_numpy(zero_copy_only=False)
    return pa.Array.from_buffers(pa.decimal64(18, 2), len(values), [None, pa.py_buffer(values)])


def _scan(
    con: duckdb.DuckDBPyConnection, raw: RawFile, outputs: dict[str, str], id_columns: list[str]
) -> tuple[TypedScan, Iterator[tuple[int, pa.Table, pa.Table, Mask]]]:
    """The typed pass and the id columns, batch by batch: (first row, typed, ids, skip)."""
    scan = TypedScan(con, raw, outputs)

    def batches() -> Iterator[tuple[int, pa.Table, pa.Table, Mask]]:
        id_batches = raw.batches(id_columns)
        for first, typed, skip in scan.batches():
            id_batch = next(id_batches, None)
            if id_batch is None or id_batch.num_rows != typed.num_rows:
                raise RuntimeError(f"{raw.label}: the id and typed passes lost step")  # never
            yield first, typed, id_batch, skip
        if next(id_batches, None) is not None:
            raise RuntimeError(f"{raw.label}: the id and typed passes lost step")  # never

    return scan, batches()


# --- transactions and rewards ------------------------------------------------------------------


def _clean_transactions(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    members: MemberKeys,
    log: ProblemLog,
    cross: dict[str, ProblemLog],
) -> pa.Table:
    outputs = {
        "at_us": 'epoch_us("at")',
        "day": 'CAST("at" AS DATE)',
        "kind": f"CAST(enum_code(TRY_CAST(kind AS {KINDS})) AS TINYINT)",
        "amount_c": "CAST(amount * 100 AS BIGINT)",
        "seller_collects": "COALESCE(seller_collects, true)",
    }
    scan, batches = _scan(con, raw, outputs, ["txn_id", "seller_id", "buyer_id", "ref_txn_id"])
    seen = OwnIds(raw)
    kept = np.zeros(raw.rows, np.bool_)
    unknown_sellers: list[Rows] = []
    parts: list[pa.Table] = []
    for first, typed, batch, skip in batches:
        n = typed.num_rows
        missing = seen.add(first, batch, ~skip)
        scan.report("missing_id", missing, _batch_values(batch, "txn_id", first))
        skip[missing - first - 1] = True
        seen.add_refs(first, batch, "ref_txn_id", ~skip)
        seller, _ = members.lookup(batch, "seller_id")
        buyer, buyer_hash = members.lookup(batch, "buyer_id")
        unknown = np.flatnonzero(~skip & (seller == ids.NOT_FOUND)).astype(np.int64)
        unknown_sellers.append(unknown + first + 1)
        at_us = typed.column("at_us").fill_null(0).to_numpy()
        part = pa.table(
            {
                "day": typed.column("day"),
                "kind": typed.column("kind"),
                "amount": _money(typed.column("amount_c")),
                "seller_collects": typed.column("seller_collects"),
                "seller_mid": members.keys(seller),
            }
            | members.buyers(buyer, buyer_hash, at_us)
        )
        kept[first : first + n] = ~skip
        parts.append(part.filter(pa.array(~skip)) if skip.any() else part)
    scan.problems(log)
    repeated, unknown_refs = seen.repeats()
    report(log, _repeat_check(TRANSACTIONS), raw.label, repeated, file_values(raw, "txn_id"))
    sellers = _rows(unknown_sellers)
    sellers = sellers[~np.isin(sellers, repeated)]
    report(cross["seller"], UNKNOWN_SELLER, raw.label, sellers, file_values(raw, "seller_id"))
    refs = file_values(raw, "ref_txn_id")
    report(cross["reference"], UNKNOWN_REFERENCE, raw.label, unknown_refs, refs)
    table = pa.concat_tables(parts) if parts else _empty(con, "transactions")
    return _in_order(_without(table, kept, repeated), "transactions")


def _clean_rewards(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    members: MemberKeys,
    log: ProblemLog,
    cross: dict[str, ProblemLog],
) -> pa.Table:
    outputs = {
        "at": '"at"',
        "amount_c": "CAST(amount * 100 AS BIGINT)",
        "basis": f"CAST(enum_code(TRY_CAST(basis AS {BASES})) AS TINYINT)",
    }
    scan, batches = _scan(con, raw, outputs, ["reward_id", "member_id", "source_member_id"])
    seen = OwnIds(raw)
    kept = np.zeros(raw.rows, np.bool_)
    unknown_recipients: list[Rows] = []
    unknown_sources: list[Rows] = []
    parts: list[pa.Table] = []
    for first, typed, batch, skip in batches:
        n = typed.num_rows
        recipient, _ = members.lookup(batch, "member_id")
        empty = np.flatnonzero(recipient == ids.NO_ID).astype(np.int64)
        scan.report("missing_member", empty + first + 1, _batch_values(batch, "member_id", first))
        skip[empty] = True
        missing = seen.add(first, batch, ~skip)
        scan.report("missing_id", missing, _batch_values(batch, "reward_id", first))
        skip[missing - first - 1] = True
        unknown = ~skip & (recipient == ids.NOT_FOUND)
        unknown_recipients.append(np.flatnonzero(unknown).astype(np.int64) + first + 1)
        source, _ = members.lookup(batch, "source_member_id")
        lost = ~skip & ~unknown & (source == ids.NOT_FOUND)
        unknown_sources.append(np.flatnonzero(lost).astype(np.int64) + first + 1)
        part = pa.table(
            {
                "at": typed.column("at"),
                "amount": _money(typed.column("amount_c")),
                "basis": typed.column("basis"),
                "member_mid": members.keys(recipient),
                "source_mid": members.keys(source),
                "_row": pa.array(np.arange(first + 1, first + n + 1, dtype=np.int64)),
            }
        )
        use = ~skip & ~unknown
        kept[first : first + n] = use
        parts.append(part if use.all() else part.filter(pa.array(use)))
    scan.problems(log)
    repeated, _ = seen.repeats()
    report(log, _repeat_check(REWARDS), raw.label, repeated, file_values(raw, "reward_id"))
    for found, check, key in (
        (unknown_recipients, UNKNOWN_RECIPIENT, "recipient"),
        (unknown_sources, UNKNOWN_SOURCE, "source"),
    ):
        rows = _rows(found)
        rows = rows[~np.isin(rows, repeated)]
        report(cross[key], check, raw.label, rows, file_values(raw, check.column))
    table = pa.concat_tables(parts) if parts else _empty(con, "rewards")
    return _in_order(_without(table, kept, repeated), "rewards")


def _empty(con: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    """A clean table with no rows (every row of its file skipped)."""
    columns = ", ".join(f'CAST(NULL AS {t}) AS "{c}"' for c, t in CLEAN_SCHEMAS[name].items())
    return con.sql(f"SELECT {columns} LIMIT 0").to_arrow_table()


# --- the whole export --------------------------------------------------------------------------


def _clean_rest(
    con: duckdb.DuckDBPyConnection,
    raws: dict[str, RawFile],
    members: MemberKeys,
    cross: dict[str, ProblemLog],
) -> list[ProblemLog]:
    """Transactions and rewards, each on its own connection to the database, side by side
    (each step of either leaves a core idle now and then: the other fills it), then stored;
    the problems of each file, in that order."""
    jobs = {"transactions": _clean_transactions, "rewards": _clean_rewards}
    logs = {name: ProblemLog() for name in jobs}
    tables: dict[str, pa.Table] = {}

    def run(name: str) -> None:
        cursor = con.cursor()
        try:
            tables[name] = jobs[name](cursor, raws[name], members, logs[name], cross)
            raws[name].close(cursor)
        finally:
            cursor.close()

    with _in_row_order(con):
        if ids.concurrent_calls_safe():
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                for done in [pool.submit(run, name) for name in jobs]:
                    done.result()
        else:
            for name in jobs:
                run(name)
    for name in jobs:  # stored once no scan runs, with less memory (``connect``)
        _store(con, name, tables.pop(name))
    return [logs[name] for name in jobs]


@contextlib.contextmanager
def _in_row_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's ``preserve_insertion_order`` on while ``TypedScan`` reads (its batches must
    come in row order), off again after (``connect``); a setting of the whole database, so it
    is set around all the scans that run at once."""
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = false")


def _store(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """The clean table as a DuckDB table: its columns carry statistics (a GROUP BY on member
    keys then indexes an array instead of hashing, many times faster), which an Arrow table
    scanned in place does not."""
    columns = ", ".join(f'"{c}" {t}' for c, t in CLEAN_SCHEMAS[name].items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    con.register("_clean", table)
    con.execute(f"INSERT INTO {name} SELECT * FROM _clean")
    con.unregister("_clean")


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
    con.execute("SET enable_progress_bar = false")  # the command reports progress itself
    # Nothing depends on the physical order of a table the audit makes, and without it DuckDB
    # writes tables and spills with less memory.
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
            with _in_row_order(con):
                table, members = _clean_members(con, raws["members"], log, cross["sponsor"])
            if not table.num_rows:
                label = raws["members"].label
                fatal = Problem(
                    "no_members", label, None, 1, Action.FATAL,
                    "no usable member row: nothing to audit",
                )  # fmt: skip
                raise UnusableDataError([fatal, *(p for p in log.problems if p.file == label)])
            _store(con, "members", table)
            del table
            for found in _clean_rest(con, raws, members, cross):
                log.problems.extend(found.problems)
        except (pa.ArrowException, OSError, duckdb.Error) as exc:  # a file broken part-way
            fatal = Problem("unreadable_file", str(path), None, 1, Action.FATAL, f"not readable: {exc}")  # fmt: skip
            raise UnusableDataError([fatal]) from None
        finally:
            for raw in raws.values():
                raw.close(con)
        for found in cross.values():
            log.problems.extend(found.problems)
    files = {name: raw.label for name, raw in raws.items()}
    return AuditDataset(con, info, log, str(path), files)
