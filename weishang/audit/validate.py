"""Turn the raw views into clean, typed tables in one vectorised pass per file.

Each check is a SQL condition evaluated as a flag column over the whole file at once; one
aggregate counts every flag, and only flags that fired are looked at again for their first
rows. A row problem either skips the row or clears the bad value (the report says which); a
missing file, a missing required column or no usable member stops the audit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from weishang.audit.contract import (
    CLEAN_SCHEMAS,
    MEMBERS,
    REWARD_BASES,
    REWARDS,
    TRANSACTIONS,
    TXN_KINDS,
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


# id column -> (its integer key column, {member column: column copied beside it})
MemberKeys = dict[str, tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class Check:
    code: str
    column: str
    condition: str  # SQL over the staging columns; true = the row has the problem
    action: Action
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
            found = self.con.execute(f"SELECT count(*) FROM {name}").fetchone()
            counts[name] = int(found[0]) if found else 0
        return counts


def _text(raw: RawFile, column: str) -> str:
    if column not in raw.columns:
        return "CAST(NULL AS VARCHAR)"
    quoted = raw.quoted[column]
    value = quoted if raw.columns[column] == "VARCHAR" else f"CAST({quoted} AS VARCHAR)"
    return f"NULLIF(trim({value}), '')"


def _present(raw: RawFile, column: str) -> str:
    if column not in raw.columns:
        return "false"
    if raw.columns[column] != "VARCHAR":  # typed (Parquet): no text to trim
        return f"({raw.quoted[column]} IS NOT NULL)"
    return f"({_text(raw, column)} IS NOT NULL)"


def _timestamp(raw: RawFile, column: str) -> str:
    dtype = raw.columns.get(column, "")
    if dtype.startswith("TIMESTAMP") or dtype == "DATE":
        return f"CAST({raw.quoted[column]} AS TIMESTAMP)"
    text = _text(raw, column)
    # ISO text, with or without an offset, lands in UTC (the session time zone is UTC)
    parsers = [f"TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"]
    parsers += [f"TRY_STRPTIME({text}, '{fmt}')" for fmt in DATE_FORMATS]
    return "COALESCE(" + ", ".join(parsers) + ")"


def _decimal(raw: RawFile, column: str) -> str:
    dtype = raw.columns.get(column, "")
    if dtype and dtype != "VARCHAR":
        return f"TRY_CAST({raw.quoted[column]} AS DECIMAL(18,2))"
    return f"TRY_CAST(replace({_text(raw, column)}, ',', '') AS DECIMAL(18,2))"


def _integer(raw: RawFile, column: str) -> str:
    dtype = raw.columns.get(column, "")
    if dtype in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"):
        return f"CAST({raw.quoted[column]} AS BIGINT)"  # typed (Parquet): no text round trip
    return f"TRY_CAST({_text(raw, column)} AS BIGINT)"


def _boolean(raw: RawFile, column: str) -> str:
    if raw.columns.get(column) == "BOOLEAN":
        return raw.quoted[column]
    text = f"lower({_text(raw, column)})"
    return (
        f"CASE WHEN {text} IN ('true', 't', '1', 'yes', 'y') THEN true "
        f"WHEN {text} IN ('false', 'f', '0', 'no', 'n') THEN false END"
    )


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _staging_sql(raw: RawFile) -> tuple[str, list[Check]]:
    """The typed columns of one file, and the checks run over them."""
    spec = raw.spec
    cols: dict[str, str] = {"_row": "_row"}
    for column in ("left_at", "units", "seller_collects"):  # where "bad" differs from "empty"
        if column in spec.columns:
            cols[f"has_{column}"] = _present(raw, column)
    skip, clear = Action.ROW_SKIPPED, Action.VALUE_CLEARED
    checks = [Check("missing_id", spec.id_column, f"{spec.id_column} IS NULL", skip, "id is empty")]
    if spec is MEMBERS:
        cols |= {
            "member_id": _text(raw, "member_id"),
            "sponsor_id": _text(raw, "sponsor_id"),
            "joined_at": _timestamp(raw, "joined_at"),
            "left_at": _timestamp(raw, "left_at"),
        }
        checks += [
            Check("bad_date", "joined_at", "joined_at IS NULL", skip, "joined_at is empty or not a date"),
            Check("bad_date", "left_at", "has_left_at AND left_at IS NULL", clear, "left_at is not a date"),
            Check("left_before_joined", "left_at", "left_at < joined_at", clear, "left_at is before joined_at"),
        ]  # fmt: skip
    else:
        cols |= {
            "at": _timestamp(raw, "at"),
            "amount": _decimal(raw, "amount"),
        }
        checks += [
            Check("bad_date", "at", '"at" IS NULL', skip, "at is empty or not a date"),
            Check("bad_amount", "amount", "amount IS NULL", skip, "amount is empty or not a number"),
            Check("negative_amount", "amount", "amount < 0", skip, "amount is negative"),
        ]  # fmt: skip
    if spec is TRANSACTIONS:
        cols |= {
            "txn_id": _text(raw, "txn_id"),
            "kind": f"lower({_text(raw, 'kind')})",
            "seller_id": _text(raw, "seller_id"),
            "buyer_id": _text(raw, "buyer_id"),
            "units": _integer(raw, "units"),
            "ref_txn_id": _text(raw, "ref_txn_id"),
            "seller_collects": _boolean(raw, "seller_collects"),
        }
        checks += [
            Check("unknown_kind", "kind", f"kind IS NULL OR kind NOT IN {_in(TXN_KINDS)}", skip, "kind is not one of " + ", ".join(TXN_KINDS)),
            Check("bad_units", "units", "has_units AND units IS NULL", clear, "units is not a whole number"),
            Check("bad_boolean", "seller_collects", "has_seller_collects AND seller_collects IS NULL", clear, "seller_collects is not true/false; taken as true"),
        ]  # fmt: skip
    if spec is REWARDS:
        cols |= {
            "reward_id": _text(raw, "reward_id"),
            "member_id": _text(raw, "member_id"),
            "basis": f"lower({_text(raw, 'basis')})",
            "source_member_id": _text(raw, "source_member_id"),
        }
        checks += [
            Check("unknown_basis", "basis", f"basis IS NULL OR basis NOT IN {_in(REWARD_BASES)}", skip, "basis is not one of " + ", ".join(REWARD_BASES)),
            Check("missing_member", "member_id", "member_id IS NULL", skip, "member_id (who is paid) is empty"),
        ]  # fmt: skip
    select = ", ".join(f'{expr} AS "{name}"' for name, expr in cols.items())
    return f"SELECT {select} FROM raw_{spec.name}", checks


def _examples(
    con: duckdb.DuckDBPyConnection, raw: RawFile | None, table: str, column: str, condition: str
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    rows = tuple(
        int(r[0])
        for r in con.execute(
            f"SELECT _row FROM {table} WHERE {condition} ORDER BY _row LIMIT {EXAMPLES_PER_PROBLEM}"
        ).fetchall()
    )
    values: tuple[str, ...] = ()
    if rows and raw is not None and column in raw.quoted:
        values = tuple(
            "" if v[0] is None else str(v[0])
            for v in con.execute(
                f"SELECT CAST({raw.quoted[column]} AS VARCHAR) FROM raw_{raw.spec.name} "
                f"WHERE _row IN ({', '.join(map(str, rows))}) ORDER BY _row"
            ).fetchall()
        )
    return rows, values


def _clean_file(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    log: ProblemLog,
    keys: MemberKeys | None = None,
) -> None:
    """Parse the file once into its clean table, with one flag column per check.

    ``keys`` maps an id column to the integer key column to add beside it (the member's
    ``mid``, null when the id names no member) and to member columns copied with it: the
    dictionary encoding of member ids happens in the same scan, so the indicators join on
    integers and the cross checks need no join of their own. The flags are counted in one aggregate; rows with a skip flag are deleted (only
    when there are some) and the flag columns dropped (free in DuckDB), so a clean export costs
    one parse, one copy and the joins that encode its member ids.
    """
    spec = raw.spec
    sql, checks = _staging_sql(raw)
    flags = [f"_f{n}" for n in range(len(checks))]
    schema = CLEAN_SCHEMAS[spec.name]
    exprs = {name: f'p."{name}"' for name in schema}
    if spec is MEMBERS:
        exprs["left_at"] = "CASE WHEN p.left_at < p.joined_at THEN NULL ELSE p.left_at END"
    if spec is TRANSACTIONS:
        exprs["seller_collects"] = "COALESCE(p.seller_collects, true)"
    columns = [f'CAST({exprs[n]} AS {t}) AS "{n}"' for n, t in schema.items()]
    joins = []
    for n, (column, (key, extra)) in enumerate((keys or {}).items()):
        columns.append(f"k{n}.mid AS {key}")
        columns += [f"k{n}.{source} AS {target}" for source, target in extra.items()]
        picked = ", ".join(["member_id AS k", "mid", *extra])
        joins.append(f"LEFT JOIN (SELECT {picked} FROM members) AS k{n} ON p.{column} = k{n}.k")
    columns += [
        f"COALESCE(({c.condition}), false) AS {f}" for c, f in zip(checks, flags, strict=True)
    ]
    table = spec.name
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(columns)}, p._row "
        f"FROM ({sql}) AS p {' '.join(joins)}"
    )
    counts = con.execute(
        "SELECT " + ", ".join(f"count_if({f})" for f in flags) + f" FROM {table}"
    ).fetchone()
    assert counts is not None
    for check, flag, count in zip(checks, flags, counts, strict=True):
        if count:
            rows, values = _examples(con, raw, table, check.column, flag)
            log.add(
                Problem(
                    check.code, raw.label, check.column, int(count), check.action, check.message, rows, values
                )
            )  # fmt: skip
    skipped = [
        f
        for c, f, n in zip(checks, flags, counts, strict=True)
        if c.action is Action.ROW_SKIPPED and n
    ]
    if skipped:
        con.execute(f"DELETE FROM {table} WHERE {' OR '.join(skipped)}")
    for flag in flags:
        con.execute(f"ALTER TABLE {table} DROP COLUMN {flag}")


def _duplicate_check(spec_id: str, table: str) -> Check:
    return Check(
        "duplicate_id",
        spec_id,
        f"_row IN (SELECT _row FROM dup_{table})",
        Action.ROW_SKIPPED,
        f"{spec_id} repeats an earlier row; the first one is kept",
    )


def _drop_duplicates(con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog) -> bool:
    """Skip every row whose id repeats an earlier row's; True when there were some."""
    spec = raw.spec
    id_ = spec.id_column
    row = con.execute(f"SELECT count(*) = count(DISTINCT {id_}) FROM {spec.name}").fetchone()
    if row and row[0]:
        return False
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dup_{spec.name} AS SELECT _row FROM "
        f"(SELECT _row, row_number() OVER (PARTITION BY {id_} ORDER BY _row) AS n FROM {spec.name}) "
        "WHERE n > 1"
    )
    _report_and_apply(con, raw, log, _duplicate_check(id_, spec.name))
    return True


def _report_and_apply(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile | None,
    log: ProblemLog,
    check: Check,
    table: str | None = None,
    label: str | None = None,
    count: int | None = None,
) -> int:
    """Report a cross-row check on a clean table, then skip the rows or clear the value.

    ``count`` is the number of rows with the problem when the caller has counted them already.
    """
    table = table or (raw.spec.name if raw else "")
    if count is None:
        found = con.execute(f"SELECT count(*) FROM {table} WHERE {check.condition}").fetchone()
        count = int(found[0]) if found else 0
    if not count:
        return 0
    rows, values = _examples(con, raw, table, check.column, check.condition)
    log.add(
        Problem(
            check.code,
            label or (raw.label if raw else table),
            check.column,
            count,
            check.action,
            check.message,
            rows,
            values,
        )
    )
    if check.action is Action.ROW_SKIPPED:
        con.execute(f"DELETE FROM {table} WHERE {check.condition}")
    elif check.action is Action.VALUE_CLEARED:
        con.execute(f"UPDATE {table} SET {check.column} = NULL WHERE {check.condition}")
    return count


UNKNOWN_SPONSOR = Check(
    "unknown_sponsor", "sponsor_id", "sponsor_id IS NOT NULL AND sponsor_mid IS NULL",
    Action.VALUE_CLEARED, "sponsor_id is not a member; the member is taken as a root",
)  # fmt: skip
UNKNOWN_RECIPIENT = Check(
    "unknown_member", "member_id", "member_mid IS NULL",
    Action.ROW_SKIPPED, "the rewarded member_id is not a member",
)  # fmt: skip
UNKNOWN_SOURCE = Check(
    "unknown_member", "source_member_id", "source_member_id IS NOT NULL AND source_mid IS NULL",
    Action.VALUE_CLEARED, "source_member_id is not a member; the source is taken as unknown",
)  # fmt: skip
UNKNOWN_SELLER = Check(
    "unknown_member", "seller_id", "seller_id IS NOT NULL AND seller_mid IS NULL",
    Action.KEPT, "seller_id is not a member; the sale counts for no member's cash",
)  # fmt: skip
UNKNOWN_REFERENCE = Check(
    "unknown_reference", "ref_txn_id", "ref_txn_id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM transactions AS o WHERE o.txn_id = transactions.ref_txn_id)",
    Action.KEPT, "ref_txn_id names no transaction",
)  # fmt: skip


def _clean_members(con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog) -> None:
    """Members: clean, drop repeated ids, then number them: ``mid`` is the member's data row
    (unique once repeats are gone) and ``sponsor_mid`` the sponsor's, null for a root."""
    _clean_file(con, raw, log)
    _drop_duplicates(con, raw, log)
    con.execute(
        "CREATE OR REPLACE TABLE members AS SELECT m.*, "
        "CAST(m._row AS BIGINT) AS mid, CAST(s._row AS BIGINT) AS sponsor_mid "
        "FROM members AS m LEFT JOIN (SELECT member_id AS s_id, _row FROM members) AS s "
        "ON m.sponsor_id = s.s_id"
    )


def _clean_transactions(
    con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog, cross: dict[str, ProblemLog]
) -> None:
    # Beside the buyer's key, when the buyer joined and left: whether a buyer was a member at
    # the time of each sale is then read from the row, with no join in the indicators.
    buyer = {"joined_at": "buyer_joined_at", "left_at": "buyer_left_at"}
    keys: MemberKeys = {"seller_id": ("seller_mid", {}), "buyer_id": ("buyer_mid", buyer)}
    _clean_file(con, raw, log, keys)
    _drop_duplicates(con, raw, log)
    _report_and_apply(con, raw, cross["seller"], UNKNOWN_SELLER)
    _report_and_apply(con, raw, cross["reference"], UNKNOWN_REFERENCE)


def _clean_rewards(
    con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog, cross: dict[str, ProblemLog]
) -> None:
    keys: MemberKeys = {"member_id": ("member_mid", {}), "source_member_id": ("source_mid", {})}
    _clean_file(con, raw, log, keys)
    _drop_duplicates(con, raw, log)
    _report_and_apply(con, raw, cross["recipient"], UNKNOWN_RECIPIENT)
    _report_and_apply(con, raw, cross["source"], UNKNOWN_SOURCE)


def _memory_limit_mib() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return max(512, total // 2 >> 20)


def load_dataset(path: str | Path) -> AuditDataset:
    """Load and validate an export; raises ``UnusableDataError`` when it cannot be audited."""
    path = Path(path)
    log = ProblemLog()
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
        _clean_members(con, raws["members"], log)
        _report_and_apply(con, raws["members"], cross["sponsor"], UNKNOWN_SPONSOR)
        _clean_transactions(con, raws["transactions"], log, cross)
        _clean_rewards(con, raws["rewards"], log, cross)
        for found in cross.values():
            log.problems.extend(found.problems)
        usable = con.execute("SELECT count(*) FROM members").fetchone()
        if not usable or not usable[0]:
            label = raws["members"].label
            fatal = Problem(
                "no_members", label, None, 1, Action.FATAL, "no usable member row: nothing to audit"
            )
            raise UnusableDataError([fatal, *(p for p in log.problems if p.file == label)])
        for spec in (MEMBERS, TRANSACTIONS, REWARDS):
            con.execute(f"DROP VIEW IF EXISTS raw_{spec.name}")
            with contextlib.suppress(duckdb.Error):
                con.unregister(f"arrow_{spec.name}")
    files = {name: raw.label for name, raw in raws.items()}
    return AuditDataset(con=con, info=info, problems=log, source=str(path), files=files)
