"""Read each of an export's files in batches of Arrow columns named by the contract.

A delimited text file (comma, semicolon, tab or vertical bar, told from its header line) is
read by Arrow with every column as text (validation parses it later, batch by batch); the
encoding is UTF-8 (a BOM is accepted) or, failing that, GBK/GB18030 as Excel writes it in
China. A workbook (.xlsx, .xls, .ods) is read by calamine, a sheet a file, every cell as text.
Parquet is read by Arrow row group by row group, only the columns the audit uses. Headers are
matched to the contract's columns by name, by built-in synonyms or by the caller's mapping.
Rows are numbered from 1, the numbers problem reports give. Every size is bounded: the
header line, each value, each row (``source.py`` bounds a .zip).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import python_calamine

from weishang.audit import source
from weishang.audit.contract import FILE_NAMES, HEADER_SYNONYMS, SHEET_SYNONYMS, FileSpec
from weishang.audit.formats import Formats
from weishang.audit.problems import EXAMPLES_PER_PROBLEM, Action, Problem, ProblemLog

MAX_HEADER_BYTES = 64 << 10  # a header line longer than this is refused
MAX_VALUE_CHARS = 4096  # a longer value is cleared (its row then usually skipped)
_BLOCK = 4 << 20  # Arrow's CSV block: the rows it parses together
_BIG_BLOCK = 64 << 20  # the block tried again when a row is longer than _BLOCK
_DELIMITERS = (",", ";", "\t", "|")


def open_source(path: Path, workdir: Path) -> Path:
    """The folder holding the export: ``path`` itself, a .zip extracted into ``workdir``
    (``source.extract``, within its bounds), or a workbook laid out there as one file."""
    if path.is_dir():
        return source.export_folder(path)
    if path.is_file() and path.suffix.lower() in source.EXCEL_SUFFIXES:
        (workdir / path.name).symlink_to(path.resolve())
        return workdir
    if path.is_file() and zipfile.is_zipfile(path):
        return source.export_folder(source.extract(path, workdir))
    if path.is_file() and path.suffix.lower() == ".zip":
        raise source.unusable(path.name, "the .zip file is damaged or cut short")
    raise FileNotFoundError(path)


def _workbook(folder: Path) -> Path | None:
    """The one workbook that holds every file as a sheet, if the folder has one."""
    books = [e for e in sorted(folder.iterdir()) if e.suffix.lower() in source.EXCEL_SUFFIXES]
    return books[0] if len(books) == 1 and books[0].stem.lower() not in FILE_NAMES else None


def _decode_header(first_line: bytes) -> tuple[str, str]:
    """The header's text and the file's encoding (UTF-8, with or without a BOM, else GBK)."""
    if first_line.startswith(b"\xef\xbb\xbf"):
        return first_line[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return first_line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return first_line.decode("gb18030", errors="replace"), "gb18030"


def _delimiter(header: str) -> str:
    """The delimiter the header uses most, outside quotes (a comma when none)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_header(text: str, delimiter: str) -> list[str]:
    row = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return [source.printable(cell, 100) or "" for cell in row]


def _fatal(log: ProblemLog, code: str, label: str, message: str) -> None:
    log.add(Problem(code, label, None, 1, Action.FATAL, message))


def _read_csv(path: Path, label: str, log: ProblemLog) -> pa.Table | None:
    """A delimited text file, every column as text; None (and a fatal problem) if it is not
    one. Rows with too many or too few fields are skipped and reported."""
    with path.open("rb") as handle:
        head = handle.read(MAX_HEADER_BYTES + 1)
    if not head.strip(b" \t\r\n\x00"):
        _fatal(log, "empty_file", label, "the file is empty (no header line)")
        return None
    if b"\x00" in head:
        _fatal(
            log,
            "unreadable_file",
            label,
            "not a text file (it holds binary data); export it as CSV",
        )
        return None
    end = head.find(b"\n")
    if end < 0 and len(head) > MAX_HEADER_BYTES:
        _fatal(
            log,
            "unreadable_file",
            label,
            f"the header line is longer than {MAX_HEADER_BYTES >> 10} KiB",
        )
        return None
    text, encoding = _decode_header(head[: end if end >= 0 else len(head)].rstrip(b"\r"))
    delimiter = _delimiter(text)
    header = _parse_header(text, delimiter)
    if len(set(header)) != len(header):
        _fatal(log, "duplicate_column", label, "a column name repeats")
        return None
    malformed: list[int] = []

    def skip_row(row: Any) -> str:
        malformed.append(int(row.number) if row.number is not None else -1)
        return "skip"

    def read(enc: str, block: int) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=1, encoding=enc, block_size=block
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=skip_row, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                # only an empty field is no value: "NA", "null" or "n/a" are the file's text
                column_types={c: pa.string() for c in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )

    block = _BLOCK
    try:
        while True:
            try:
                table = read(encoding, block)
                break
            except pa.ArrowInvalid as exc:
                malformed.clear()
                if encoding == "utf-8" and "UTF8" in str(exc):
                    encoding = "gb18030"  # as Excel saves CSV in China
                elif "straddl" in str(exc) and block < _BIG_BLOCK:
                    block = _BIG_BLOCK  # a row longer than a block: once more, in bigger ones
                else:
                    raise
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        reason = (
            f"a row is longer than {_BIG_BLOCK >> 20} MiB"
            if "straddl" in str(exc)
            else "its text cannot be read as CSV (" + str(exc).split(":")[0].strip()[:80] + ")"
        )
        _fatal(log, "unreadable_file", label, f"not a readable CSV file: {reason}")
        return None
    if encoding == "gb18030":
        log.add(
            Problem("encoding", label, None, 1, Action.KEPT, "not UTF-8; read as GBK (GB18030)")
        )
    if delimiter != ",":
        shown = {"\t": "tab", ";": "semicolon", "|": "vertical bar"}[delimiter]
        log.add(Problem("delimiter", label, None, 1, Action.KEPT, f"fields separated by {shown}s"))
    if malformed:
        rows = tuple(n - 1 for n in malformed[:EXAMPLES_PER_PROBLEM] if n > 0)
        log.add(
            Problem(
                "malformed_row",
                label,
                None,
                len(malformed),
                Action.ROW_SKIPPED,
                "the row does not have as many fields as the header",
                rows,
            )
        )
    return _bounded(table, label, log)


def _bounded(table: pa.Table, label: str, log: ProblemLog) -> pa.Table:
    """The table with every value longer than ``MAX_VALUE_CHARS`` cleared, and reported."""
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        # bytes first (cheap): no value of fewer bytes can have more characters
        if (pc.max(pc.binary_length(column)).as_py() or 0) <= MAX_VALUE_CHARS:
            columns.append(column)
            continue
        long = pc.fill_null(pc.greater(pc.utf8_length(column), MAX_VALUE_CHARS), False)
        hits = np.flatnonzero(long.to_numpy(zero_copy_only=False))
        if len(hits):
            log.add(
                Problem(
                    "value_too_long", label, name, len(hits), Action.VALUE_CLEARED,
                    f"a value longer than {MAX_VALUE_CHARS:,} characters is cleared "
                    "(a row that needs it is then skipped)",
                    tuple((hits[:EXAMPLES_PER_PROBLEM] + 1).tolist()),
                )
            )  # fmt: skip
            column = pc.if_else(long, pa.scalar(None, pa.string()), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _read_sheet(book: Path, name: str | None, label: str, log: ProblemLog) -> pa.Table | None:
    """The sheet of a workbook that holds the file ``name`` (``_sheet``; the first sheet for
    None), through calamine (.xlsx, .xls, .ods; formulas are not run, their saved values
    are read), every column as text: dates as ISO text, numbers as written."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(book))
        sheet = 0 if name is None else _sheet(workbook.sheet_names, name)
        rows = (
            workbook.get_sheet_by_name(sheet)
            if isinstance(sheet, str)
            else workbook.get_sheet_by_index(sheet)
        )
        data = rows.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own errors, one per broken workbook
        _fatal(log, "unreadable_file", label, f"not a readable workbook ({exc.__class__.__name__})")
        return None
    while data and not any(_cell(c) for c in data[0]):
        data = data[1:]
    if not data:
        _fatal(log, "empty_file", label, "the sheet is empty (no header row)")
        return None
    header = [source.printable(_cell(c), 100) or "" for c in data[0]]
    while header and not header[-1]:
        header.pop()
    if len(set(header)) != len(header):
        _fatal(log, "duplicate_column", label, "a column name repeats")
        return None
    columns: list[list[str | None]] = [[] for _ in header]
    for row in data[1:]:
        for k, column in enumerate(columns):
            value = _cell(row[k]) if k < len(row) else ""
            column.append(value or None)
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=header)
    log.add(
        Problem(
            "workbook",
            label,
            None,
            1,
            Action.KEPT,
            "read from a workbook; dates in date cells taken as written",
        )
    )
    return _bounded(table, label, log)


def _cell(value: object) -> str:
    """A workbook cell as the text an export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value).strip()


BATCH_ROWS = 1 << 20  # rows per batch read from a file, unless its row groups say otherwise


@dataclass
class RawFile:
    """One export file, read in batches of Arrow columns named by the contract's names.

    ``_row`` numbers the data rows from 1 across the whole file (a folder of Parquet parts
    counts on from part to part, in name order).
    """

    spec: FileSpec
    label: str  # the file name shown in problem reports
    columns: dict[str, str] = field(default_factory=dict)  # normalised name -> DuckDB type
    names: dict[str, str] = field(default_factory=dict)  # normalised name -> the file's name
    rows: int = 0
    parts: list[pq.ParquetFile] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)  # the Parquet parts, in order
    table: pa.Table | None = None  # CSV: the whole file, every column as text
    # how its text amounts and dates are written (``formats.decide``)
    formats: Formats = field(default_factory=Formats)
    # the dataset's time zone: a time with a zone is read as the wall clock there
    time_zone: str = "UTC"

    @property
    def batch_rows(self) -> int:
        """Rows per batch: the Parquet row group when all are one size (then a batch is a row
        group, and its columns need no copying), else ``BATCH_ROWS``."""
        sizes = {
            p.metadata.row_group(g).num_rows
            for p in self.parts
            for g in range(p.num_row_groups - 1)  # a part's last group may be shorter
        }
        if len(sizes) == 1 and len(self.parts) == 1 and (1 << 16) <= min(sizes) <= (1 << 22):
            return sizes.pop()
        return BATCH_ROWS

    def batches(self, columns: list[str]) -> Iterator[pa.Table]:
        """The columns that exist of ``columns``, ``batch_rows`` rows at a time (the last
        batch fewer), in row order, read one batch ahead in a thread (Arrow decodes without
        the GIL)."""
        source = rechunk(self._pieces([c for c in columns if c in self.names]), self.batch_rows)
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = pool.submit(next, source, None)
            while (item := ahead.result()) is not None:
                ahead = pool.submit(next, source, None)
                yield item

    def _pieces(self, wanted: list[str]) -> Iterator[pa.Table]:
        source = [self.names[c] for c in wanted]
        if self.table is not None:
            yield self.table.select(source).rename_columns(wanted)
            return
        for part in self.parts:
            for group in range(part.num_row_groups):
                if part.metadata.row_group(group).num_rows <= 4 * BATCH_ROWS:
                    yield part.read_row_group(group, columns=source).rename_columns(wanted)
                    continue
                for b in part.iter_batches(BATCH_ROWS, row_groups=[group], columns=source):
                    yield pa.Table.from_batches([b]).rename_columns(wanted)

    def close(self) -> None:
        """Let go of the file (a CSV's text in memory)."""
        self.table = None

    def values(self, column: str, rows: Iterable[int]) -> tuple[str, ...]:
        """The file's own values (as text) of ``column`` at the 1-based ``rows``."""
        wanted = sorted(set(rows))
        if column not in self.names or not wanted:
            return ()
        name = self.names[column]
        found: dict[int, object] = {}
        if self.table is not None:
            taken = self.table.column(name).take(pa.array([r - 1 for r in wanted]))
            found = dict(zip(wanted, taken.to_pylist(), strict=True))
        else:
            first = 0
            for part in self.parts:
                for group in range(part.num_row_groups):
                    size = part.metadata.row_group(group).num_rows
                    inside = [r for r in wanted if first < r <= first + size]
                    if inside:
                        col = part.read_row_group(group, columns=[name]).column(0)
                        taken = col.take(pa.array([r - 1 - first for r in inside]))
                        found |= dict(zip(inside, taken.to_pylist(), strict=True))
                    first += size
        return tuple("" if found.get(r) is None else str(found[r]) for r in sorted(rows))


def rechunk(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """The same rows, ``rows`` at a time (the last batch fewer; none for no rows)."""
    pending: list[pa.Table] = []
    have = 0
    for table in tables:
        pending.append(table)
        have += table.num_rows
        while have >= rows:
            whole = pa.concat_tables(pending)
            yield whole.slice(0, rows)
            pending, have = [whole.slice(rows)], have - rows
    if have:
        yield pa.concat_tables(pending)


def _described(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> list[Any]:
    """DuckDB's view of the file's columns (name, type, ...), as the typed scan will see them:
    an empty Arrow table of the schema the batches are read with."""
    con.register("_describe", schema.empty_table())
    try:
        return con.execute("DESCRIBE _describe").fetchall()
    finally:
        con.unregister("_describe")


def register_raw(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    spec: FileSpec,
    log: ProblemLog,
    columns: Mapping[str, str] | None = None,
) -> RawFile | None:
    """Open ``spec``'s file and name its columns by the contract; None (and a fatal problem)
    if unusable. ``columns`` maps a contract column to the file's own header for it (the
    command's ``--columns``); other headers are matched by name and by the built-in synonyms
    (``contract.HEADER_SYNONYMS``: Chinese and English back-office headers)."""
    found = source.files_of(folder, spec.name)
    book = _workbook(folder) if not found else None
    if not found and book is None:
        _fatal(
            log,
            "missing_file",
            spec.name,
            f"no {spec.name} file (.csv, .xlsx or .parquet) in the export",
        )
        return None
    path = found[0] if found else book
    assert path is not None
    raw = RawFile(spec, path.name if found else f"{path.name}[{spec.name}]")
    try:
        if path.is_dir() or path.suffix.lower() in source.PARQUET_SUFFIXES:
            raw.paths = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
            raw.parts = [pq.ParquetFile(f) for f in raw.paths]
            schema = raw.parts[0].schema_arrow
            if any(p.schema_arrow != schema for p in raw.parts[1:]):
                raise ValueError("the Parquet parts do not share one schema")
            raw.rows = sum(p.metadata.num_rows for p in raw.parts)
        else:
            if path.suffix.lower() in source.EXCEL_SUFFIXES:
                table = _read_sheet(path, spec.name if book else None, raw.label, log)
            else:
                table = _read_csv(path, raw.label, log)
            if table is None:
                return None
            raw.table, schema, raw.rows = table, table.schema, table.num_rows
        described = _described(con, schema)
    except (duckdb.Error, pa.ArrowException, OSError, ValueError) as exc:
        del exc  # a reader's own words mean nothing to the person running the audit
        _fatal(
            log,
            "unreadable_file",
            raw.label,
            "not a readable Parquet file (damaged, cut short or not Parquet)",
        )
        return None
    types = {str(column): str(dtype) for column, dtype, *_ in described}
    names = _match_columns(spec, list(types), columns or {}, raw.label, log)
    if names is None:
        return None
    raw.names = names
    raw.columns = {key: types[name] for key, name in raw.names.items()}
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        log.add(
            Problem(
                "missing_column",
                raw.label,
                ", ".join(missing),
                len(missing),
                Action.FATAL,
                "required column missing: " + ", ".join(missing)
                + " (the file's columns: " + ", ".join(types)[:300] + ")",
            )
        )  # fmt: skip
        return None
    unknown = [c for c in types if c not in raw.names.values()]
    if unknown:
        log.add(
            Problem(
                "unknown_column",
                raw.label,
                ", ".join(unknown),
                len(unknown),
                Action.KEPT,
                "columns the contract does not define are ignored: " + ", ".join(unknown),
            )
        )
    return raw


def _normalised(name: str) -> str:
    return re.sub(r"[\s\-_.:：（）()]+", "_", name.strip().lower()).strip("_")


def _match_columns(
    spec: FileSpec, headers: list[str], given: Mapping[str, str], label: str, log: ProblemLog
) -> dict[str, str] | None:
    """Contract column -> the file's header: as ``given``, else the same name (case, spaces
    and punctuation aside), else a synonym; the renames reported. None (fatal) when
    ``given`` names a header the file lacks."""
    names: dict[str, str] = {}
    for key, header in given.items():
        if header not in headers:
            _fatal(
                log,
                "missing_column",
                label,
                f"--columns names {header!r} for {key}; the file has no such column",
            )
            return None
        names[key] = header
    by_name: dict[str, str] = {}
    for header in headers:
        by_name.setdefault(_normalised(header), header)  # the first of two alike
    taken = set(names.values())
    renamed = []
    for key in spec.columns:
        if key in names:
            continue
        for alias in (key, *HEADER_SYNONYMS[spec.name].get(key, ())):
            match = by_name.get(_normalised(alias))
            if match is not None and match not in taken:
                names[key] = match
                taken.add(match)
                if _normalised(match) != key:
                    renamed.append(f"{match} as {key}")
                break
    if renamed:
        log.add(
            Problem(
                "columns_matched",
                label,
                None,
                len(renamed),
                Action.KEPT,
                "columns read by their meaning: " + ", ".join(renamed),
            )
        )
    return names


def _sheet(sheets: list[str], name: str) -> str | int:
    """Of a workbook's ``sheets``, the one that holds ``name``: by its name or a synonym,
    else by its position (members, transactions, rewards)."""
    wanted = {_normalised(n) for n in (name, *SHEET_SYNONYMS.get(name, ()))}
    for sheet in sheets:
        if _normalised(sheet) in wanted:
            return str(sheet)
    position = FILE_NAMES.index(name)
    return position if position < len(sheets) else 0


def temporary_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="weishang-audit-")


__all__ = ["RawFile", "open_source", "register_raw"]
