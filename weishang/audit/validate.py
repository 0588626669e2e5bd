"""Turn an export's files into clean tables with integer member keys.

Members come first: their typed columns, the exact index of their ids, each sponsor resolved
to the sponsor's row, and the sponsor tree (``sponsors.py``: levels, cycles). Transactions and
rewards then go through two passes each, side by side:

1. the file's own ids (and a transaction's ``ref_txn_id``) are hashed, which names every row
   whose id repeats an earlier row's before any row is kept (``ids.py``);
2. the file is read batch by batch along two paths that meet in row order: DuckDB parses the
   typed columns and evaluates the row checks (``checks.py``), while Arrow reads the member
   ids, which the compiled loops of ``ids.py`` turn into member keys. Each batch's usable rows
   are appended to the clean DuckDB table at once, so no copy of a whole file is ever held.

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
from itertools import count
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from weishang.audit import ids, native, sponsors
from weishang.audit.checks import (
    CLEAR,
    KEPT,
    SKIP,
    Check,
    Mask,
    Rows,
    Scan,
    TypedScan,
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
from weishang.audit.problems import (
    EXAMPLES_PER_PROBLEM,
    Action,
    Problem,
    ProblemLog,
    UnusableDataError,
)


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
            ((rows,),) = self.con.execute(f"SELECT count(*) FROM {name}").fetchall()
            counts[name] = int(rows)
        return counts

    def table(self, name: str) -> pa.Table:
        """A clean table as Arrow (to hand to another engine)."""
        return self.con.sql(f"SELECT * FROM {name}").to_arrow_table()


# --- the checks across rows and files --------------------------------------------------------

UNKNOWN_SPONSOR = Check("unknown_sponsor", "sponsor_id", None, CLEAR, "sponsor_id is not a member; the member is taken as a root")  # fmt: skip
SPONSOR_CYCLE = Check("sponsor_cycle", "sponsor_id", None, KEPT, "the sponsor chain never reaches a root (a cycle); these members have no level and are left out of depth and members per level")  # fmt: skip
UNKNOWN_RECIPIENT = Check("unknown_member", "member_id", None, SKIP, "the rewarded member_id is not a member")  # fmt: skip
UNKNOWN_SOURCE = Check("unknown_member", "source_member_id", None, CLEAR, "source_member_id is not a member; the source is taken as unknown")  # fmt: skip
UNKNOWN_SELLER = Check("unknown_member", "seller_id", None, KEPT, "seller_id is not a member; the sale counts for no member's cash")  # fmt: skip
UNKNOWN_REFERENCE = Check("unknown_reference", "ref_txn_id", None, KEPT, "ref_txn_id names no transaction")  # fmt: skip


def _repeat_check(spec: FileSpec) -> Check:
    return Check(
        "duplicate_id", spec.id_column, None, SKIP,
        f"{spec.id_column} repeats an earlier row; the first one is kept",
    )  # fmt: skip


def _rows(found: list[Rows]) -> Rows:
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _arrow_array(values: np.ndarray, known: Mask, kind: pa.DataType) -> pa.Array:
    """``values`` as an Arrow array, null where not ``known`` (the buffer is shared)."""
    bitmap = None if known.all() else pa.py_buffer(np.packbits(known, bitorder="little"))
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)])


class OwnIds:
    """The first pass over a file: its own ids, and the references its rows make.

    Every row's id is hashed (96 bits); rows whose hash an earlier row shares are confirmed on
    the file's own text. The second pass then decides, in row order, which of those repeats
    to skip (``repeats``): the first *usable* row of an id is kept, so a row skipped for
    another reason never hides a later good one.
    """

    def __init__(self, raw: RawFile, ref_column: str | None = None) -> None:
        self.raw = raw
        column = raw.spec.id_column
        own = ids.RowHashes.empty(raw.rows)
        ref_rows: list[Rows] = []
        refs: list[ids.RowHashes] = []
        wanted = [column] + ([ref_column] if ref_column and ref_column in raw.names else [])
        space = ids.Workspace()
        first = 0
        for batch in raw.batches(wanted):
            n = batch.num_rows
            own.fill(first, ids.Strings.of(batch.column(column), space, "own"))
            if len(wanted) > 1:
                h = ids.RowHashes(
                    space.array("h1", np.uint64, n),
                    space.array("h2", np.uint32, n),
                    space.array("present", np.bool_, n),
                )
                h.fill(0, ids.Strings.of(batch.column(ref_column), space, "refs"))
                ref_rows.append(np.flatnonzero(h.present).astype(np.int64) + first)
                refs.append(ids.RowHashes(h.h1[h.present], h.h2[h.present], h.present[h.present]))
            first += n
        self.present = own.present
        ref_hashes = ids.RowHashes(
            np.concatenate([r.h1 for r in refs] or [np.zeros(0, np.uint64)]),
            np.concatenate([r.h2 for r in refs] or [np.zeros(0, np.uint32)]),
            np.concatenate([r.present for r in refs] or [np.zeros(0, np.bool_)]),
        )
        later, earlier, found = ids.repeats_and_refs(own, ref_hashes)
        del own
        # rows (0-based) whose reference names no row of the file
        self.unknown_refs = _rows(ref_rows)[~found]
        self._candidates, self._owners = self._confirmed(later, earlier)
        self._kept_owners: set[int] = set()

    def _confirmed(self, later: Rows, owner: Rows) -> tuple[Rows, Rows]:
        """(rows, 0-based and sorted, that share their id with another row; the first row
        with that id, for each): the hashes name the candidates (``later`` rows and the
        ``owner`` row whose hash each shares), the file's text decides."""
        if not len(later):
            return later, later
        both = np.union1d(later, owner)
        texts = dict(
            zip(
                both.tolist(),
                (
                    v.strip(ids.SPACES)
                    for v in self.raw.values(self.raw.spec.id_column, (both + 1).tolist())
                ),
                strict=True,
            )
        )
        same = np.array(
            [texts[a] == texts[b] for a, b in zip(later.tolist(), owner.tolist(), strict=True)],
            dtype=np.bool_,
        )
        later, owner = later[same], owner[same]
        rows = np.concatenate([later, np.unique(owner)])
        owners = np.concatenate([owner, np.unique(owner)])
        order = np.argsort(rows, kind="stable")
        return rows[order], owners[order]

    def missing(self, first: int, n: int) -> Rows:
        """Rows (1-based) of the batch from ``first`` (0-based) that have no id."""
        return np.flatnonzero(~self.present[first : first + n]).astype(np.int64) + first + 1

    def repeats(self, first: int, usable: Mask) -> Rows:
        """Rows (0-based in the batch from ``first``) that repeat the id of an earlier usable
        row; called batch by batch, in row order."""
        lo, hi = np.searchsorted(self._candidates, [first, first + len(usable)])
        found = []
        for row, owner in zip(
            self._candidates[lo:hi].tolist(), self._owners[lo:hi].tolist(), strict=True
        ):
            if not usable[row - first]:
                continue
            if owner in self._kept_owners:
                found.append(row - first)
            else:
                self._kept_owners.add(owner)
        return np.array(found, dtype=np.int64)


class Appender:
    """Appends batches of Arrow columns to a clean DuckDB table (its own cursor, so the scan
    that produces the batches keeps streaming)."""

    _names = count()

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        self.cursor = con.cursor()
        self.name = name
        self.view = f"_append_{name}_{next(self._names)}"
        self.columns = list(CLEAN_SCHEMAS[name])
        create_table(self.cursor, name)

    def add(self, batch: pa.Table) -> None:
        if not batch.num_rows:
            return
        self.cursor.register(self.view, batch.select(self.columns))
        try:
            self.cursor.execute(f"INSERT INTO {self.name} SELECT * FROM {self.view}")
        finally:
            self.cursor.unregister(self.view)

    def close(self) -> None:
        self.cursor.close()


def create_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    columns = ", ".join(f'"{c}" {t}' for c, t in CLEAN_SCHEMAS[name].items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")


def _microseconds(column: pa.ChunkedArray) -> tuple[Rows, Mask]:
    values = column.combine_chunks().cast(pa.timestamp("us"))
    known = values.is_valid().to_numpy(zero_copy_only=False)
    return values.cast(pa.int64()).fill_null(0).to_numpy(), known


def _money(cents: pa.ChunkedArray | pa.Array) -> pa.Array:
    """decimal(18, 2) from integer cents, sharing their buffer (nulls read as zero)."""
    if isinstance(cents, pa.ChunkedArray):
        cents = cents.combine_chunks()
    values = cents.fill_null(0).to_numpy(zero_copy_only=False)
    return pa.Array.from_buffers(pa.decimal64(18, 2), len(values), [None, pa.py_buffer(values)])


# --- members ---------------------------------------------------------------------------------


@dataclass
class MemberKeys:
    """What a member reference resolves to, by the member's position in the members file (its
    key is its data row: the position + 1)."""

    index: ids.MemberIndex
    joined_us: Rows  # microseconds since 1970, UTC
    left_us: Rows
    left_known: Mask
    sponsor: Rows  # the sponsor's position, -1 for a root
    level: sponsors.Levels  # 1 for a root; sponsors.UNPLACED in or below a cycle

    def lookup(self, batch: pa.Table, column: str, space: ids.Workspace) -> tuple[Rows, ids.Hashes]:
        """(position of the member each row names: -1 none, -2 no id; the id's hash), in
        ``space``'s arrays named after the column."""
        if column not in batch.column_names:
            n = batch.num_rows
            return np.full(n, ids.NO_ID, np.int64), np.zeros(n, np.uint64)
        strings = ids.Strings.of(batch.column(column), space, column + "_text")
        return self.index.lookup(strings, space, column)

    def buyers(
        self, positions: Rows, hashes: ids.Hashes, at_us: Rows, space: ids.Workspace
    ) -> dict[str, pa.Array]:
        return ids.buyer_columns(
            positions, hashes, at_us, self.joined_us, self.left_us, self.left_known, space
        )

    def joined_at(self, positions: Rows, space: ids.Workspace) -> pa.Array:
        known = np.greater_equal(
            positions, 0, out=space.array("joined_known", np.bool_, len(positions))
        )
        values = space.array("joined_us", np.int64, len(positions))
        np.take(self.joined_us, positions, out=values, mode="clip")
        return _arrow_array(values, known, pa.timestamp("us"))

    def levels_above(self, sources: Rows, recipients: Rows, space: ids.Workspace) -> pa.Array:
        above = space.array("levels_above", np.int32, len(sources))
        sponsors.levels_above(sources, recipients, self.sponsor, self.level, above)
        known = np.greater(above, 0, out=space.array("above_known", np.bool_, len(sources)))
        return _arrow_array(above, known, pa.int32())


def _clean_members(
    con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog, cross: ProblemLog
) -> tuple[pa.Table, MemberKeys]:
    """Members: the checks, then the index of usable ids (the first of a repeated id wins),
    then sponsors resolved against it and the sponsor tree. ``mid`` is the member's data row."""
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
    del parts
    usable = ~np.concatenate(skipped) if skipped else np.zeros(0, np.bool_)
    index = ids.MemberIndex(ids.Strings.of(table.column("member_id")), usable)
    repeated = np.flatnonzero(index.first >= 0).astype(np.int64) + 1
    report(log, _repeat_check(MEMBERS), raw.label, repeated, file_values(raw, "member_id"))
    kept = usable & (index.first < 0)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    joined_us, _ = _microseconds(table.column("joined_at"))
    left_us, left_known = _microseconds(table.column("left_at"))
    sponsor, _ = index.lookup(ids.Strings.of(table.column("sponsor_id")))
    unknown = np.flatnonzero(kept & (sponsor == ids.NOT_FOUND)).astype(np.int64)
    report(cross, UNKNOWN_SPONSOR, raw.label, unknown + 1, file_values(raw, "sponsor_id"))
    sponsor[sponsor < 0] = -1  # none, or cleared: a root
    level = sponsors.member_levels(sponsor, kept)
    keys = MemberKeys(index, joined_us, left_us, left_known, sponsor, level)
    keep = np.flatnonzero(kept)
    clean = pa.table(
        {
            "mid": pa.array(rows[keep].astype(np.int32)),
            "sponsor_mid": ids.member_keys(sponsor[keep]),
            "joined_at": table.column("joined_at").take(keep),
            "level": _arrow_array(level[keep], level[keep] > 0, pa.int32()),
        }
    )
    return clean, keys


def _report_cycles(log: ProblemLog, raw: RawFile, level: sponsors.Levels) -> None:
    unplaced = np.flatnonzero(level == sponsors.UNPLACED).astype(np.int64) + 1
    if len(unplaced):
        check = SPONSOR_CYCLE
        log.add(
            Problem(
                check.code, raw.label, check.column, len(unplaced), check.action,
                check.message, tuple(unplaced[:EXAMPLES_PER_PROBLEM].tolist()),
            )
        )  # fmt: skip


def _no_members() -> pa.Table:
    text, time = pa.array([], pa.string()), pa.array([], pa.timestamp("us"))
    return pa.table({"member_id": text, "sponsor_id": text, "joined_at": time, "left_at": time})


def _scan(
    con: duckdb.DuckDBPyConnection, raw: RawFile, outputs: dict[str, str], id_columns: list[str]
) -> tuple[Scan, Iterator[tuple[int, pa.Table, pa.Table, Mask]]]:
    """The typed columns and the id columns, batch by batch: (first row, typed, ids, skip).

    A Parquet file of native types is read once, by Arrow (``native.NativeScan``); any other
    goes along two paths that meet in row order: DuckDB's typed pass and Arrow's id columns.
    """
    if native.suits(raw):
        fast = native.NativeScan(raw, id_columns)
        return fast, fast.batches()
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
) -> None:
    seen = OwnIds(raw, "ref_txn_id")
    outputs = {
        "at_us": 'epoch_us("at")',
        "day": 'CAST("at" AS DATE)',
        "kind": f"CAST(enum_code(TRY_CAST(kind AS {KINDS})) AS TINYINT)",
        "amount_c": "CAST(amount * 100 AS BIGINT)",
        "seller_collects": "COALESCE(seller_collects, true)",
    }
    scan, batches = _scan(con, raw, outputs, ["seller_id", "buyer_id"])
    store = Appender(con, "transactions")
    space = ids.Workspace()
    kept = np.zeros(raw.rows, np.bool_)
    repeated: list[Rows] = []
    unknown_sellers: list[Rows] = []
    try:
        for first, typed, batch, skip in batches:
            n = typed.num_rows
            missing = seen.missing(first, n)
            scan.report("missing_id", missing, file_values(raw, "txn_id"))
            skip[missing - first - 1] = True
            again = seen.repeats(first, ~skip)
            repeated.append(again + first + 1)
            skip[again] = True
            seller, _ = members.lookup(batch, "seller_id", space)
            buyer, buyer_hash = members.lookup(batch, "buyer_id", space)
            unknown = np.flatnonzero(~skip & (seller == ids.NOT_FOUND)).astype(np.int64)
            unknown_sellers.append(unknown + first + 1)
            at_us = typed.column("at_us").fill_null(0).to_numpy()
            part = pa.table(
                {
                    "day": typed.column("day"),
                    "kind": typed.column("kind"),
                    "amount": _money(typed.column("amount_c")),
                    "seller_collects": typed.column("seller_collects"),
                    "seller_mid": ids.member_keys(seller, space, "seller_mid"),
                }
                | members.buyers(buyer, buyer_hash, at_us, space)
            )
            kept[first : first + n] = ~skip
            store.add(part.filter(pa.array(~skip)) if skip.any() else part)
    finally:
        store.close()
    scan.problems(log)
    report(log, _repeat_check(TRANSACTIONS), raw.label, _rows(repeated), file_values(raw, "txn_id"))
    report(cross["seller"], UNKNOWN_SELLER, raw.label, _rows(unknown_sellers), file_values(raw, "seller_id"))  # fmt: skip
    refs = seen.unknown_refs
    refs = refs[kept[refs]] + 1
    report(cross["reference"], UNKNOWN_REFERENCE, raw.label, refs, file_values(raw, "ref_txn_id"))


def _clean_rewards(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    members: MemberKeys,
    log: ProblemLog,
    cross: dict[str, ProblemLog],
) -> None:
    seen = OwnIds(raw)
    outputs = {
        "at": '"at"',
        "amount_c": "CAST(amount * 100 AS BIGINT)",
        "basis": f"CAST(enum_code(TRY_CAST(basis AS {BASES})) AS TINYINT)",
    }
    scan, batches = _scan(con, raw, outputs, ["member_id", "source_member_id"])
    store = Appender(con, "rewards")
    space = ids.Workspace()
    repeated: list[Rows] = []
    unknown_recipients: list[Rows] = []
    unknown_sources: list[Rows] = []
    try:
        for first, typed, batch, skip in batches:
            recipient, _ = members.lookup(batch, "member_id", space)
            empty = np.flatnonzero(recipient == ids.NO_ID).astype(np.int64)
            scan.report("missing_member", empty + first + 1, file_values(raw, "member_id"))
            skip[empty] = True
            missing = seen.missing(first, typed.num_rows)
            scan.report("missing_id", missing, file_values(raw, "reward_id"))
            skip[missing - first - 1] = True
            again = seen.repeats(first, ~skip)
            repeated.append(again + first + 1)
            skip[again] = True
            unknown = ~skip & (recipient == ids.NOT_FOUND)
            unknown_recipients.append(np.flatnonzero(unknown).astype(np.int64) + first + 1)
            source, _ = members.lookup(batch, "source_member_id", space)
            lost = ~skip & ~unknown & (source == ids.NOT_FOUND)
            unknown_sources.append(np.flatnonzero(lost).astype(np.int64) + first + 1)
            part = pa.table(
                {
                    "at": typed.column("at"),
                    "amount": _money(typed.column("amount_c")),
                    "basis": typed.column("basis"),
                    "member_mid": ids.member_keys(recipient, space, "member_mid"),
                    "source_mid": ids.member_keys(source, space, "source_mid"),
                    "source_joined_at": members.joined_at(source, space),
                    "levels_above": members.levels_above(source, recipient, space),
                }
            )
            use = ~skip & ~unknown
            store.add(part if use.all() else part.filter(pa.array(use)))
    finally:
        store.close()
    scan.problems(log)
    report(log, _repeat_check(REWARDS), raw.label, _rows(repeated), file_values(raw, "reward_id"))
    for found, check, key in (
        (unknown_recipients, UNKNOWN_RECIPIENT, "recipient"),
        (unknown_sources, UNKNOWN_SOURCE, "source"),
    ):
        report(cross[key], check, raw.label, _rows(found), file_values(raw, check.column))


# --- the whole export --------------------------------------------------------------------------


def _clean_rest(
    con: duckdb.DuckDBPyConnection,
    raws: dict[str, RawFile],
    members: MemberKeys,
    cross: dict[str, ProblemLog],
) -> list[ProblemLog]:
    """Transactions and rewards, each on its own connection to the database, side by side
    (each step of either leaves a core idle now and then: the other fills it); the problems
    of each file, in that order."""
    jobs = {"transactions": _clean_transactions, "rewards": _clean_rewards}
    logs = {name: ProblemLog() for name in jobs}

    def run(name: str) -> None:
        cursor = con.cursor()
        try:
            jobs[name](cursor, raws[name], members, logs[name], cross)
            raws[name].close(cursor)
        finally:
            cursor.close()

    for name in jobs:
        native.read_codes_as_dictionaries(raws[name])
    # DuckDB's typed pass needs its batches in row order; Arrow's reads keep it by themselves
    ordered = not all(native.suits(raws[name]) for name in jobs)
    with _in_row_order(con) if ordered else contextlib.nullcontext():
        if ids.concurrent_calls_safe():
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                for done in [pool.submit(run, name) for name in jobs]:
                    done.result()
        else:
            for name in jobs:
                run(name)
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
            store = Appender(con, "members")
            store.add(table)
            store.close()
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
        _report_cycles(log, raws["members"], members.level)
    files = {name: raw.label for name, raw in raws.items()}
    return AuditDataset(con, info, log, str(path), files)
