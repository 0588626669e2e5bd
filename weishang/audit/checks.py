"""Row checks: every column of a file parsed to its type, and each check a SQL condition.

DuckDB evaluates one query per file (``TypedScan``): the typed columns the clean table needs
and one integer beside each row with a bit per check that fired. The batches come in row
order; a batch where no bit is set (the common case) costs nothing more. Where checks fired,
the rows are counted and the first few kept with the file's own values for the report.

Checks answered by the id loops (an empty id, an empty recipient) are reported through the
same scan (``TypedScan.report``), so a file's problems keep one order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from weishang.audit import formats
from weishang.audit.contract import (
    MEMBERS,
    REWARD_BASES,
    REWARDS,
    TRANSACTIONS,
    TXN_KINDS,
    VALUE_SYNONYMS,
    FileSpec,
)
from weishang.audit.load import RawFile
from weishang.audit.problems import EXAMPLES_PER_PROBLEM, Action, Problem, ProblemLog

DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
# DuckDB's name of the types ``formats.typed_plainly`` gives a column
_DUCKDB_TYPES = {"timestamp[us]": "TIMESTAMP", "decimal128(18, 2)": "DECIMAL(18,2)"}
# a time written with its zone: Z, UTC, an offset (+08, +0800, +08:00) or a named zone
ZONED = r"(?i)(z|utc|gmt|[+-]\d{2}(:?\d{2})?|[a-z_]+/[a-z_]+)$"
# how a true/false column may say it (lower case), in DuckDB's staging and the plain path
BOOLEANS = {"true": True, "t": True, "1": True, "yes": True, "y": True}
BOOLEANS |= {"false": False, "f": False, "0": False, "no": False, "n": False}
SKIP, CLEAR, KEPT = Action.ROW_SKIPPED, Action.VALUE_CLEARED, Action.KEPT
Rows = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Values = Callable[[Rows], list[str]]


@dataclass(frozen=True)
class Check:
    code: str
    column: str
    condition: str | None  # SQL over the staging columns (true: the row has the problem);
    action: Action  # None: the check is answered by the id loops
    message: str


# --- parsing: the file's columns as typed staging columns ------------------------------------


def _text(raw: RawFile, column: str) -> str:
    if column not in raw.columns:
        return "CAST(NULL AS VARCHAR)"
    value = f'"{column}"'
    if raw.columns[column] != "VARCHAR":
        value = f"CAST({value} AS VARCHAR)"
    return f"NULLIF(trim({value}), '')"


def _typed(raw: RawFile, column: str) -> bool:
    """Whether the file stores ``column`` typed (Parquet), so no value can fail to parse."""
    return column in raw.columns and raw.columns[column] != "VARCHAR"


def _timestamp(raw: RawFile, column: str) -> str:
    dtype = raw.columns.get(column, "")
    if dtype == "TIMESTAMP WITH TIME ZONE":  # as Spark and pandas write it: an instant,
        return f'CAST("{column}" AS TIMESTAMP)'  # as the clock read in the session's zone
    if dtype.startswith("TIMESTAMP") or dtype == "DATE":
        return f'CAST("{column}" AS TIMESTAMP)'
    text = _text(raw, column)
    # ISO text: with a zone (Z, an offset, a named zone), converted to the dataset's clock
    # (the session's zone); without one, as written, never through the zone (where the clock
    # skips an hour, a time in that hour would move)
    zoned = f"TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"
    plain = [f"TRY_CAST({text} AS TIMESTAMP)"]
    plain += [f"TRY_STRPTIME({text}, '{fmt}')" for fmt in DATE_FORMATS]
    return (
        f"CASE WHEN regexp_matches({text}, '{ZONED}') THEN {zoned} "
        f"ELSE COALESCE({', '.join(plain)}) END"
    )


def _decimal(raw: RawFile, column: str) -> str:
    if _typed(raw, column):
        return f'TRY_CAST("{column}" AS DECIMAL(18,2))'
    return f"TRY_CAST(replace({_text(raw, column)}, ',', '') AS DECIMAL(18,2))"


def _integer(raw: RawFile, column: str) -> str:
    return f"TRY_CAST({_text(raw, column)} AS BIGINT)"


def _boolean(raw: RawFile, column: str) -> str:
    if raw.columns.get(column) == "BOOLEAN":
        return f'"{column}"'
    text = f"lower({_text(raw, column)})"
    words = {
        flag: _in(tuple(w for w, f in BOOLEANS.items() if f is flag)) for flag in (True, False)
    }
    return (
        f"CASE WHEN {text} IN {words[True]} THEN true WHEN {text} IN {words[False]} THEN false END"
    )


def _code(raw: RawFile, column: str) -> str:
    """A code (``kind``, ``basis``) in lower case, a Chinese back office's word for it
    translated (``contract.VALUE_SYNONYMS``)."""
    text = f"lower({_text(raw, column)})"
    cases = " ".join(f"WHEN '{w}' THEN '{v}'" for w, v in VALUE_SYNONYMS[column].items())
    return f"CASE {text} {cases} ELSE {text} END"


def _present(raw: RawFile, column: str) -> str:
    return f"({_text(raw, column)} IS NOT NULL)" if column in raw.columns else "false"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def staging(raw: RawFile) -> tuple[dict[str, str], list[Check]]:
    """The typed columns of one file (name -> SQL over the file's columns) and its row checks,
    in the order they are reported. A check no value of a typed column can fail is left out,
    and so is the column when nothing else reads it (``units``)."""
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
            "kind": _code(raw, "kind"),
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
        cols["basis"] = _code(raw, "basis")
        checks += [
            Check("unknown_basis", "basis", f"basis IS NULL OR basis NOT IN {_in(REWARD_BASES)}", SKIP, "basis is not one of " + ", ".join(REWARD_BASES)),
            Check("missing_member", "member_id", None, SKIP, "member_id (who is paid) is empty"),
        ]  # fmt: skip
    return cols, checks


# --- the checks across rows and files --------------------------------------------------------

UNKNOWN_SPONSOR = Check("unknown_sponsor", "sponsor_id", None, CLEAR, "sponsor_id is not a member; the member is taken as a root")  # fmt: skip
SPONSOR_CYCLE = Check("sponsor_cycle", "sponsor_id", None, KEPT, "the sponsor chain never reaches a root (a cycle); these members have no level and are left out of depth and members per level")  # fmt: skip
UNKNOWN_RECIPIENT = Check("unknown_member", "member_id", None, SKIP, "the rewarded member_id is not a member")  # fmt: skip
UNKNOWN_SOURCE = Check("unknown_member", "source_member_id", None, CLEAR, "source_member_id is not a member; the source is taken as unknown")  # fmt: skip
UNKNOWN_SELLER = Check("unknown_member", "seller_id", None, KEPT, "seller_id is not a member; the sale counts for no member's cash")  # fmt: skip
UNKNOWN_REFERENCE = Check("unknown_reference", "ref_txn_id", None, KEPT, "ref_txn_id names no transaction")  # fmt: skip


def repeat_check(spec: FileSpec) -> Check:
    return Check(
        "duplicate_id", spec.id_column, None, SKIP,
        f"{spec.id_column} repeats an earlier row; the first one is kept",
    )  # fmt: skip


# --- what the checks found -------------------------------------------------------------------


@dataclass
class Found:
    """Rows a check found, added in row order: the count, and the first rows with the file's
    values."""

    count: int = 0
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def add(self, rows: Rows, values: Values) -> None:
        if not len(rows):
            return
        self.count += len(rows)
        room = EXAMPLES_PER_PROBLEM - len(self.rows)
        if room > 0:
            first = rows[:room]
            self.rows += first.tolist()
            self.values += values(first)

    def problem(self, check: Check, label: str) -> Problem | None:
        if not self.count:
            return None
        rows, values = tuple(self.rows), tuple(self.values)
        return Problem(
            check.code, label, check.column, self.count, check.action, check.message, rows, values
        )


def file_values(raw: RawFile, column: str) -> Values:
    """The file's own values of ``column`` at some rows (read again, for a report's examples)."""
    return lambda rows: list(raw.values(column, rows.tolist()))


def report(log: ProblemLog, check: Check, label: str, rows: Rows, values: Values) -> None:
    """Log a problem for ``rows`` (any order) of a check across rows or files."""
    found = Found()
    found.add(np.sort(rows), values)
    problem = found.problem(check, label)
    if problem:
        log.add(problem)


class Scan:
    """A file's row checks and what they found, batch by batch, in row order.

    The checks with a condition are evaluated together, a bit each in one integer per row
    (``_bad``); a batch where no bit is set (the common case) costs nothing more. Checks
    answered by the id loops (an empty id, an empty recipient) are reported through
    ``report``, so a file's problems keep one order.
    """

    def __init__(self, raw: RawFile) -> None:
        self.raw = raw
        _, self.checks = staging(raw)
        self.found = [Found() for _ in self.checks]
        # the checks a bit of ``_bad`` answers, in bit order
        self.flagging = [(k, c) for k, c in enumerate(self.checks) if c.condition is not None]

    def _flagged(self, bad: npt.NDArray[np.integer[Any]], first: int) -> Mask:
        """Rows (in the batch from ``first``) a skipping check fired on; the findings noted."""
        skip = np.zeros(len(bad), np.bool_)
        if not bad.any():
            return skip
        for n, (k, check) in enumerate(self.flagging):
            hit = (bad & (1 << n)) != 0
            rows = np.flatnonzero(hit).astype(np.int64) + first + 1
            self.found[k].add(rows, file_values(self.raw, check.column))
            if check.action is SKIP:
                skip |= hit
        return skip

    def report(self, code: str, rows: Rows, values: Values) -> None:
        """Rows (in row order) found by a check the id loops answer."""
        (k,) = [k for k, c in enumerate(self.checks) if c.code == code and c.condition is None]
        self.found[k].add(rows, values)

    def problems(self, log: ProblemLog) -> None:
        for check, found in zip(self.checks, self.found, strict=True):
            problem = found.problem(check, self.raw.label)
            if problem:
                log.add(problem)


class TypedScan(Scan):
    """DuckDB over a file, batch by batch: the typed columns ``outputs`` (name -> SQL over the
    staging columns) and the row checks. Any file DuckDB reads (CSV of any dialect, text
    dates, amounts with separators).

    One reader (Arrow, ``RawFile.batches``) reads every column of a batch, the id columns
    included; DuckDB only computes over that batch, and each row carries its own position in
    it (``_pos``) through the query, so a typed value is put back at its row by that number,
    never by the order DuckDB happens to return rows in."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        raw: RawFile,
        outputs: dict[str, str],
        id_columns: list[str],
    ):
        super().__init__(raw)
        self.con = con
        self.id_columns = [c for c in id_columns if c in raw.names]
        # every column the staging reads, and the id columns, from one reader
        self.wanted = list(
            dict.fromkeys(self.id_columns + [c for c in raw.spec.columns if c in raw.names])
        )
        self.view = f"_batch_{raw.spec.name}"
        self.outputs = outputs
        self._queries: dict[tuple[tuple[str, str], ...], str] = {}
        self.query = self._query(raw)

    def _query(self, raw: RawFile) -> str:
        """The query over a batch whose columns have ``raw.columns``' types; the checks (and
        so the bits of ``_bad``) are the file's, whatever a batch's types."""
        cols, _ = staging(raw)
        bits = " + ".join(
            f"CASE WHEN {c.condition} THEN {1 << n} ELSE 0 END"
            for n, (_, c) in enumerate(self.flagging)
        )
        typed = ", ".join(f'{expr} AS "{name}"' for name, expr in cols.items())
        picked = ", ".join(f'{expr} AS "{name}"' for name, expr in self.outputs.items())
        return (
            f"SELECT {picked}, CAST({bits or 0} AS INTEGER) AS _bad, _pos "
            f"FROM (SELECT {typed}, _pos FROM {self.view})"
        )

    def _query_for(self, batch: pa.Table) -> str:
        """The query for a batch some of whose text columns Arrow has typed already
        (``formats.typed_plainly``)."""
        types = tuple(
            (name, _DUCKDB_TYPES[kind])
            for name in batch.column_names
            if self.raw.columns.get(name) == "VARCHAR"
            and (kind := str(batch.schema.field(name).type)) in _DUCKDB_TYPES
        )
        if not types:
            return self.query
        if types not in self._queries:
            typed = dataclasses.replace(self.raw, columns=self.raw.columns | dict(types))
            self._queries[types] = self._query(typed)
        return self._queries[types]

    def _typed(self, batch: pa.Table) -> pa.Table:
        """The typed columns of one batch, in the batch's row order (by ``_pos``)."""
        n = batch.num_rows
        source = batch.select([c for c in self.wanted if c in batch.column_names])
        source = formats.typed_plainly(
            self.raw.formats.prepare(source), self.raw.time_zone, self.raw.formats.plain
        )
        direct = plainly_checked(source, self.raw, self.outputs, self.flagging)
        if direct is not None:
            return direct
        source = source.append_column("_pos", pa.array(np.arange(n, dtype=np.int64)))
        self.con.register(self.view, source)
        try:
            result = self.con.sql(self._query_for(source)).to_arrow_table()
        finally:
            self.con.unregister(self.view)
        pos = result.column("_pos").to_numpy()
        result = result.drop_columns(["_pos"])
        if len(pos) != n:
            raise RuntimeError(f"{self.raw.label}: a typed batch lost rows")  # never
        order = np.empty(n, np.int64)
        order[pos] = np.arange(n, dtype=np.int64)  # where each row of the batch came out
        if not np.array_equal(pos[order], np.arange(n, dtype=np.int64)):
            raise RuntimeError(f"{self.raw.label}: a typed batch lost rows")  # never
        return result.take(pa.array(order))

    def batches(self) -> Iterator[tuple[int, pa.Table, pa.Table, Mask]]:
        """(first row, 0-based; the typed columns; the id columns; rows skipped by a check)
        per batch of the file's ``batch_rows`` rows, in row order."""
        first = 0
        for batch in self.raw.batches(self.wanted):
            typed = self._typed(batch)
            skip = self._flagged(typed.column("_bad").to_numpy(), first)
            yield first, typed, batch.select(self.id_columns), skip
            first += batch.num_rows


# --- a batch of plain values, checked without DuckDB -----------------------------------------
_WHOLE = r"^-?\d{1,18}$"
# each row check (code, column) as the plain path finds it: the rows of one of its masks, or
# none ("": a plain value never trips it); a check missing here leaves the batch to DuckDB
_PLAIN_CHECKS = {
    ("bad_date", "joined_at"): "joined_at", ("bad_date", "left_at"): "left_at",
    ("left_before_joined", "left_at"): "left_early", ("bad_date", "at"): "at",
    ("bad_amount", "amount"): "amount", ("negative_amount", "amount"): "negative",
    ("unknown_kind", "kind"): "kind", ("unknown_basis", "basis"): "basis",
    ("bad_units", "units"): "", ("bad_boolean", "seller_collects"): "",
}  # fmt: skip
_CODES = {"kind": TXN_KINDS, "basis": REWARD_BASES}
_DAY_US = 86_400_000_000


def _plain_text(column: pa.ChunkedArray, allowed: pa.Array | None, pattern: str | None) -> bool:
    """Whether every value is empty, or one of ``allowed`` as it is written, or matches
    ``pattern``: values DuckDB's staging reads exactly as this module does below."""
    values = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    empty = pc.fill_null(pc.equal(values, ""), True)
    fits = (
        pc.is_in(values, allowed)
        if allowed is not None
        else pc.match_substring_regex(values, pattern)
    )
    return bool(pc.all(pc.or_(empty, pc.fill_null(fits, False))).as_py())


def plainly_checked(
    batch: pa.Table, raw: RawFile, outputs: dict[str, str], flagging: list[tuple[int, Check]]
) -> pa.Table | None:
    """The typed columns and ``_bad`` of a batch whose times and amounts Arrow typed
    (``formats.typed_plainly``) and whose codes, booleans and units are written plainly
    (``kind`` as ``sale``, ``seller_collects`` as ``true``): computed in Arrow and numpy, the
    same values DuckDB's query gives (``tests/audit/test_fast_text.py`` holds the two to each
    other). None for any other batch, which DuckDB reads."""
    names = set(batch.column_names)
    for column in ("at", "joined_at", "left_at"):
        if column in names and batch.schema.field(column).type != pa.timestamp("us"):
            return None
    if "amount" in names and batch.schema.field("amount").type != pa.decimal128(18, 2):
        return None
    for column, words in _CODES.items():
        if column in names and not _plain_text(batch.column(column), pa.array(words), None):
            return None
    if "seller_collects" in names and (
        not pa.types.is_string(batch.schema.field("seller_collects").type)
        or not _plain_text(batch.column("seller_collects"), pa.array(list(BOOLEANS)), None)
    ):
        return None
    if "units" in names and (
        not pa.types.is_string(batch.schema.field("units").type)
        or not _plain_text(batch.column("units"), None, _WHOLE)
    ):
        return None
    n = batch.num_rows

    def micros(column: str) -> npt.NDArray[np.int64]:
        values = pc.fill_null(batch.column(column).combine_chunks().cast(pa.int64()), 0)
        return values.to_numpy()

    def known(column: str) -> npt.NDArray[np.bool_]:
        return batch.column(column).is_valid().to_numpy(zero_copy_only=False)

    found: dict[str, npt.NDArray[np.bool_]] = {}  # each check's rows
    out: dict[str, pa.Array] = {}
    if raw.spec is MEMBERS:
        joined, joined_ok = micros("joined_at"), known("joined_at")
        if "left_at" in names:
            left, left_ok = micros("left_at"), known("left_at")
        else:
            left, left_ok = np.zeros(n, np.int64), np.zeros(n, np.bool_)
        early = left_ok & joined_ok & (left < joined)
        found = {"joined_at": ~joined_ok, "left_at": np.zeros(n, np.bool_), "left_early": early}
        out["joined_us"] = pa.array(joined, mask=~joined_ok)
        out["left_us"] = pa.array(left, mask=~left_ok | early)
    else:
        at, at_ok = micros("at"), known("at")
        amount = batch.column("amount").combine_chunks()
        # decimal128(18, 2) holds cents as 16-byte integers; every one fits the low 8 bytes
        cents = np.frombuffer(amount.buffers()[1], np.int64)[
            2 * amount.offset : 2 * (amount.offset + n) : 2
        ]
        amount_ok = amount.is_valid().to_numpy(zero_copy_only=False)
        found = {"at": ~at_ok, "amount": ~amount_ok, "negative": amount_ok & (cents < 0)}
        out["at_us"] = pa.array(at, mask=~at_ok)
        day = np.floor_divide(at, _DAY_US).astype(np.int32)
        out["day"] = pa.array(day, mask=~at_ok).cast(pa.date32())
        out["amount_c"] = pa.array(cents.copy(), mask=~amount_ok)
        for column, words in _CODES.items():
            if column in outputs and column in names:
                code = pc.index_in(batch.column(column).combine_chunks(), pa.array(words))
                found[column] = ~code.is_valid().to_numpy(zero_copy_only=False)
                out[column] = code.cast(pa.int8())
        if "seller_collects" in outputs:
            if "seller_collects" in names:
                text = batch.column("seller_collects").combine_chunks()
                keys = pa.array(list(BOOLEANS))
                flags = pa.array(list(BOOLEANS.values()))
                picked = pc.take(flags, pc.index_in(text, keys))
                out["seller_collects"] = pc.fill_null(picked, True)
            else:
                out["seller_collects"] = pa.array(np.ones(n, np.bool_))
    bad = np.zeros(n, np.int32)
    for bit, (_, check) in enumerate(flagging):
        key = _PLAIN_CHECKS.get((check.code, check.column))
        if key is None:
            return None  # a check this path does not know: DuckDB's
        if key:
            bad[found[key]] |= 1 << bit
    if set(outputs) - set(out):
        return None
    columns = {name: out[name] for name in outputs}
    columns["_bad"] = pa.array(bad)
    return pa.table(columns)
