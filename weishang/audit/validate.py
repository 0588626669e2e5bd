"""Turn an export's files into clean tables with integer member keys.

Members come first (``members.py``): their typed columns, the exact index of their ids,
each sponsor resolved to the sponsor's row, and the sponsor tree (``sponsors.py``: levels,
cycles). Transactions and rewards then go through two passes each (``money.py``): the file's
own ids are read first (by number, ``numbered.py``, or else hashed), which names every row
whose id repeats an earlier row's; then the file is read batch by batch, every member id
turned into the member's key by the compiled loops of ``ids.py`` (or ``numbered.py``), and
each batch's usable rows kept as a batch of the clean table (Arrow
columns, no text), so no copy of a whole file is ever held. Whatever follows an id from one
row to another (a buyer's membership at the time, what a reward's source did that day, a
seller's first sale to a customer) is answered here, in compiled loops, and each row is added
to its members' sums (``sums.py``); the indicators only aggregate.

A row problem either skips the row or clears the bad value (the report says which); a missing
file, a missing required column or no usable member stops the audit.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa

from weishang.audit import formats, ids, money, native, source
from weishang.audit.arrays import integers
from weishang.audit.clean import CleanTable, OwnIds
from weishang.audit.contract import MEMBERS, REWARDS, TABLES, TRANSACTIONS, AuditParams, ReadOptions
from weishang.audit.load import RawFile, open_source, register_raw, temporary_workdir
from weishang.audit.members import MemberKeys, clean_members, report_cycles
from weishang.audit.problems import Action, Problem, ProblemLog, UnusableDataError
from weishang.audit.source import DatasetInfo, read_info
from weishang.audit.sums import MemberSums, reward_ranks
from weishang.audit.totals import Totals

T = TypeVar("T")


@dataclass
class AuditDataset:
    """Clean ``members``, ``transactions`` and ``rewards`` tables: Arrow tables registered
    with an in-memory DuckDB under those names (the transactions' only when kept:
    ``load_dataset``)."""

    con: duckdb.DuckDBPyConnection
    info: DatasetInfo
    problems: ProblemLog
    source: str
    files: dict[str, str]  # table name -> the file it was read from, for problem reports
    # each member's flows as the loader added them up (``sums.py``), over the entry windows
    # of ``flows_params``; None when they did not fit in 64 bits
    flows: pa.Table | None = None
    flows_params: AuditParams | None = None
    # the members ranked by their rewards (``sums.reward_ranks``), beside the flows
    ranks: pa.Table | None = None
    # the sales totals and reward cells it added up (``totals.py``; the cells over the entry
    # window of ``flows_params``)
    totals: Totals | None = None
    # the rows of each clean table the loader did not keep (``load_dataset``)
    not_kept: dict[str, int] = field(default_factory=dict)
    # the data rows of each file, usable or not (a row with too many fields included)
    file_rows: dict[str, int] = field(default_factory=dict)

    def row_counts(self) -> dict[str, int]:
        counts = {}
        for name in TABLES:
            if name in self.not_kept:
                counts[name] = self.not_kept[name]
                continue
            ((rows,),) = self.con.execute(f"SELECT count(*) FROM {name}").fetchall()
            counts[name] = int(rows)
        return counts

    def table(self, name: str) -> pa.Table:
        """A clean table as Arrow (to hand to another engine)."""
        if name in self.not_kept:
            raise ValueError(f"the clean {name} were not kept: load_dataset(..., keep=True)")
        return self.con.sql(f"SELECT * FROM {name}").to_arrow_table()

    def close(self) -> None:
        """Close the database and remove whatever it spilled to disk."""
        close(self.con)

    @property
    def complete(self) -> bool:
        """Whether every clean table was kept, so that any engine, over any entry windows,
        can audit the dataset."""
        return not self.not_kept


@dataclass
class _Cleaned:
    """What ``_clean_all`` found beside the clean tables it registered."""

    members: MemberKeys
    flows: pa.Table | None  # ``sums.py``; None when a sum passed 64 bits
    ranks: pa.Table | None  # ``sums.reward_ranks``, beside the flows
    totals: Totals
    transaction_rows: int  # rows of the clean transactions, kept or not


def _clean_all(
    con: duckdb.DuckDBPyConnection,
    raws: dict[str, RawFile],
    log: ProblemLog,
    cross: dict[str, ProblemLog],
    params: AuditParams,
    keep_transactions: bool,
) -> _Cleaned:
    """Every file, as soon as what it needs is known: the first passes over the transactions'
    and the rewards' own ids need nothing else and run beside the members; the second passes
    of both need the members and run side by side, and the rewards are finished with what
    the transactions say their source members did. Each on its own connection to the
    database, in two threads beside this one when the compiled loops allow it. A file's
    problems are logged in the files' order. The clean tables are Arrow tables registered
    under their names (``clean.CleanTable``), the transactions' only with
    ``keep_transactions``."""
    logs = {name: ProblemLog() for name in ("transactions", "rewards")}
    for name in logs:
        native.read_codes_as_dictionaries(raws[name])
    transactions = money.Transactions(raws["transactions"])
    threads = 2 if ids.concurrent_calls_safe() else 0
    with ThreadPoolExecutor(max_workers=max(threads, 1)) as pool:

        def start(fn: Callable[..., T], *args: object) -> Callable[[], T]:
            if threads:
                return pool.submit(fn, *args).result
            done = fn(*args)
            return lambda: done

        # the rewards' first pass waits for a core: the transactions' two passes are the
        # longest chain of the load
        own = {"transactions": start(OwnIds, raws["transactions"], "ref_txn_id")}
        table, members = clean_members(con, raws["members"], log, cross["sponsor"])
        own["rewards"] = start(OwnIds, raws["rewards"])
        if not table.num_rows:
            label = raws["members"].label
            fatal = Problem(
                "no_members", label, None, 1, Action.FATAL,
                "no usable member row: nothing to audit",
            )  # fmt: skip
            raise UnusableDataError([fatal, *(p for p in log.problems if p.file == label)])
        store = CleanTable("members")
        store.add(table, owned=True)
        con.register("members", store.table())
        kept = integers(table.column("mid"), np.int64) - 1
        del table, store
        sums = MemberSums(len(members.joined_us), params)
        totals = Totals(params, int(members.level.max(initial=0)))

        def run_transactions() -> pa.Table | None:
            with contextlib.closing(con.cursor()) as cursor:
                seen = own["transactions"]()
                clean = transactions.clean(
                    cursor, seen, members, sums, totals, logs["transactions"], cross,
                    keep=keep_transactions,
                )  # fmt: skip
                raws["transactions"].close()
            return clean

        def run_rewards() -> CleanTable:
            seen = own["rewards"]()
            with contextlib.closing(con.cursor()) as cursor:
                clean = money.clean_rewards(
                    cursor, raws["rewards"], members, seen, sums, logs["rewards"], cross
                )
                raws["rewards"].close()
            return clean

        transactions_done, rewards_done = start(run_transactions), start(run_rewards)
        clean_transactions = transactions_done()
        if clean_transactions is not None:
            con.register("transactions", clean_transactions)
        clean_rewards = rewards_done()
        # the members' flows (and ranks) are built beside the rewards' last columns
        flows = start(lambda: None if sums.overflowed else _flows_and_ranks(sums, kept))
        rewards = clean_rewards.table(money.source_activity(transactions.days, totals))
        con.register("rewards", rewards)
        flows_and_ranks = flows()
    for name in ("transactions", "rewards"):
        log.problems.extend(logs[name].problems)
    member_flows, ranks = flows_and_ranks or (None, None)
    return _Cleaned(members, member_flows, ranks, totals, transactions.rows_kept)


def _flows_and_ranks(sums: MemberSums, kept: np.ndarray) -> tuple[pa.Table, pa.Table]:
    flows = sums.table(kept)
    return flows, reward_ranks(flows)


def _memory_limit_mib() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return max(512, total // 2 >> 20)


_connections = itertools.count()  # each connection spills into a folder of its own
_SPILL_PREFIX = "weishang-audit-spill-"


def connect() -> duckdb.DuckDBPyConnection:
    """The audit's DuckDB: UTC, half the machine's memory, spilling under the temp folder."""
    con = duckdb.connect()
    # a setting of the whole database, so that every cursor reads times alike (``_load_into``
    # sets the dataset's zone)
    con.execute("SET GLOBAL TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # the command reports progress itself
    # Nothing depends on the order DuckDB returns rows in (a typed batch carries each row's
    # own number, ``checks.TypedScan``), and without it DuckDB writes and spills with less memory.
    con.execute("SET preserve_insertion_order = false")
    # Half the machine's memory for DuckDB's buffers (its default is 80%): past it, DuckDB
    # spills to disk rather than taking the machine's memory from everything else.
    limit = _memory_limit_mib()
    con.execute(f"SET memory_limit = '{limit}MiB'")
    # DuckDB hands its allocator's free memory back to the system after every task that
    # used more than 128 MiB; up to its limit it keeps it for the next (``memory.py``).
    for setting in ("allocator_flush_threshold", "allocator_bulk_deallocation_flush_threshold"):
        con.execute(f"SET {setting} = '{limit}MiB'")
    # Spill into a folder of this connection's own under the system's temporary folder
    # (``AuditDataset.close`` removes it), never into whatever folder the command runs in.
    spill = Path(tempfile.gettempdir()) / f"{_SPILL_PREFIX}{os.getpid()}-{next(_connections)}"
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    return con


def close(con: duckdb.DuckDBPyConnection) -> None:
    """Close an audit's connection and remove what it spilled (its own folder, ``connect``)."""
    ((folder,),) = con.execute("SELECT current_setting('temp_directory')").fetchall()
    con.close()
    if folder and Path(folder).name.startswith(_SPILL_PREFIX):  # not a folder someone set
        shutil.rmtree(folder, ignore_errors=True)


def load_dataset(
    path: str | Path,
    params: AuditParams | None = None,
    *,
    keep: bool = True,
    options: ReadOptions | None = None,
) -> AuditDataset:
    """Load and validate an export; raises ``UnusableDataError`` when it cannot be audited.

    ``params``: the entry windows the members' flows are added up over (an audit with other
    windows groups them in the engine instead).

    ``keep=False`` leaves out the clean transactions table, the largest (22 bytes a row),
    when the loader's own sums answer everything the embedded engine would read of it over
    ``params``: the dataset is then for one audit on that engine, over those windows
    (``api.audit``). When the sums passed 64 bits it keeps the table all the same, and
    reads the export a second time for it.

    ``options``: how to read what the files cannot say themselves (a mapping of headers, the
    decimal separator, the order of day and month)."""
    options = options or ReadOptions()
    dataset = _load(Path(path), params or AuditParams(), keep, options)
    if dataset.flows is None and not dataset.complete:
        dataset.close()
        dataset = _load(Path(path), params or AuditParams(), True, options)
    return dataset


def _load(path: Path, params: AuditParams, keep: bool, options: ReadOptions) -> AuditDataset:
    con = connect()
    try:
        return _load_into(con, path, params, keep, options)
    except BaseException:
        close(con)  # and what it spilled
        raise


def _decide(raw: RawFile, options: ReadOptions) -> tuple[formats.Formats, ProblemLog]:
    notes = ProblemLog()
    try:
        return formats.decide(raw, notes, options), notes
    except formats.FormatError as exc:
        notes.add(Problem("ambiguous_format", raw.label, exc.column, 1, Action.FATAL, str(exc)))
        return formats.Formats(), notes


def _load_into(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    params: AuditParams,
    keep: bool,
    options: ReadOptions,
) -> AuditDataset:
    log = ProblemLog()
    with temporary_workdir() as workdir:
        try:
            folder = open_source(path, Path(workdir))
        except (FileNotFoundError, OSError) as exc:
            what = (
                "no such file or folder"
                if isinstance(exc, FileNotFoundError)
                else "cannot be opened"
            )
            problem = Problem(
                "missing_source", source.printable(path) or "", None, 1, Action.FATAL,
                f"{what}: give a folder, a .zip or a workbook holding members, transactions "
                "and rewards",
            )  # fmt: skip
            raise UnusableDataError([problem]) from None
        info = read_info(folder, log)
        # times written without a zone are the dataset's wall clock; those with one are
        # converted to it (``checks._timestamp``, ``native``), so a day is the dataset's day
        con.execute(f"SET GLOBAL TimeZone = '{info.time_zone}'")
        raws: dict[str, RawFile] = {}
        for spec in (MEMBERS, TRANSACTIONS, REWARDS):
            raw = register_raw(con, folder, spec, log, options.columns.get(spec.name))
            if raw is not None:
                raw.time_zone = info.time_zone
                raws[spec.name] = raw
        # how each file writes its amounts and dates, the files side by side (Arrow's regular
        # expressions run without the GIL); their notes logged in the files' order
        with ThreadPoolExecutor(max_workers=2) as pool:
            decided = [(raw, pool.submit(_decide, raw, options)) for raw in raws.values()]
            for raw, done in decided:
                raw.formats, notes = done.result()
                log.problems.extend(notes.problems)
        if log.fatal:
            raise UnusableDataError(log.fatal)
        # Cross checks are reported after every file's own problems, in this order.
        cross = {
            key: ProblemLog() for key in ("sponsor", "recipient", "source", "seller", "reference")
        }
        try:
            cleaned = _clean_all(con, raws, log, cross, params, keep)
        except (pa.ArrowException, OSError, duckdb.Error):  # a file broken part-way
            fatal = Problem(
                "unreadable_file", source.printable(path) or "", None, 1, Action.FATAL,
                "a file is damaged part-way through (cut short, or not what its name says)",
            )  # fmt: skip
            raise UnusableDataError([fatal]) from None
        finally:
            for raw in raws.values():
                raw.close()
        for found in cross.values():
            log.problems.extend(found.problems)
        report_cycles(log, raws["members"], cleaned.members.level)
    files = {name: raw.label for name, raw in raws.items()}
    file_rows = {
        name: raw.rows
        + sum(p.count for p in log.problems if p.file == raw.label and p.code == "malformed_row")
        for name, raw in raws.items()
    }
    not_kept = {} if keep else {"transactions": cleaned.transaction_rows}
    return AuditDataset(
        con, info, log, str(path), files,
        flows=cleaned.flows, flows_params=params, ranks=cleaned.ranks, totals=cleaned.totals,
        not_kept=not_kept, file_rows=file_rows,
    )  # fmt: skip
