"""Find the export's files (a folder or a .zip of one) and read each in batches of Arrow columns.

CSV is read by Arrow with every column as text (validation parses it later, batch by batch);
the encoding is UTF-8 (a BOM is accepted) or, failing that, GBK/GB18030 as Excel writes it in
China. Parquet is read by Arrow row group by row group, only the columns the audit uses. Rows
are numbered from 1 (``_row``), the numbers problem reports give.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from weishang.audit.contract import FILES, FileSpec
from weishang.audit.problems import EXAMPLES_PER_PROBLEM, Action, Problem, ProblemLog

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class DatasetInfo:
    name: str | None = None
    currency: str | None = None
    period: str | None = None


def open_source(path: Path, workdir: Path) -> Path:
    """The folder holding the export: ``path`` itself, or a .zip extracted into ``workdir``."""
    if path.is_dir():
        return path
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                target = (workdir / member.filename).resolve()
                if not target.is_relative_to(workdir.resolve()):
                    continue  # a path that escapes the folder is never extracted
                archive.extract(member, workdir)
        return workdir
    raise FileNotFoundError(path)


def _candidates(folder: Path, name: str) -> list[Path]:
    found: list[Path] = []
    for base in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        for entry in sorted(base.iterdir()):
            stem = entry.name.lower()
            if (
                entry.is_file() and stem in {name + s for s in CSV_SUFFIXES + PARQUET_SUFFIXES}
            ) or (entry.is_dir() and stem == name and any(entry.glob("*.parquet"))):
                found.append(entry)
        if found:
            return found
    return found


def _decode_header(first_line: bytes) -> tuple[list[str], str]:
    if first_line.startswith(b"\xef\xbb\xbf"):
        return _parse_header(first_line[3:].decode("utf-8")), "utf-8"
    try:
        return _parse_header(first_line.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        return _parse_header(first_line.decode("gb18030")), "gb18030"


def _parse_header(text: str) -> list[str]:
    row = next(csv.reader(io.StringIO(text)), [])
    return [cell.strip().lower() for cell in row]


def _read_csv(path: Path, label: str, log: ProblemLog) -> pa.Table | None:
    with path.open("rb") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        log.add(Problem("empty_file", label, None, 1, Action.FATAL, "the file is empty"))
        return None
    header, encoding = _decode_header(first_line)
    if len(set(header)) != len(header):
        log.add(Problem("duplicate_column", label, None, 1, Action.FATAL, "a column name repeats"))
        return None
    malformed: list[int] = []

    def skip_row(row: Any) -> str:
        malformed.append(int(row.number) if row.number is not None else -1)
        return "skip"

    def read(enc: str) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, encoding=enc),
            parse_options=pacsv.ParseOptions(invalid_row_handler=skip_row),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=True
            ),
        )

    try:
        try:
            table = read(encoding)
        except pa.ArrowInvalid as exc:
            if encoding != "utf-8" or "UTF8" not in str(exc):
                raise
            malformed.clear()
            encoding = "gb18030"
            table = read(encoding)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        log.add(
            Problem("unreadable_file", label, None, 1, Action.FATAL, f"not a readable CSV: {exc}")
        )
        return None
    if encoding == "gb18030":
        log.add(
            Problem("encoding", label, None, 1, Action.KEPT, "not UTF-8; read as GBK (GB18030)")
        )
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
    return table


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

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let go of the file (a CSV's text in memory)."""
        if self.table is not None:
            with contextlib.suppress(duckdb.Error):
                con.unregister(f"_csv_{self.spec.name}")
            self.table = None

    def source_sql(self, con: duckdb.DuckDBPyConnection) -> str:
        """A FROM clause giving the file's columns under the contract's names, in row order."""
        if self.table is not None:
            view = f"_csv_{self.spec.name}"
            con.register(view, self.table)
        else:
            view = _read_parquet(self.paths)
        cols = ", ".join(f'{_quoted(name)} AS "{key}"' for key, name in self.names.items())
        return f"(SELECT {cols} FROM {view})"

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


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


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


def _read_parquet(paths: list[Path]) -> str:
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{files}])"


def _described(con: duckdb.DuckDBPyConnection, raw: RawFile) -> list[Any]:
    """DuckDB's view of the file's columns (name, type, …), as the typed scan will see them."""
    if raw.table is None:  # Parquet: what DuckDB's own reader makes of the files
        return con.execute(f"DESCRIBE SELECT * FROM {_read_parquet(raw.paths)}").fetchall()
    # an Arrow table (a CSV file): an empty table of the same schema
    con.register("_describe", raw.table.schema.empty_table())
    described = con.execute("DESCRIBE _describe").fetchall()
    con.unregister("_describe")
    return described


def register_raw(
    con: duckdb.DuckDBPyConnection, folder: Path, spec: FileSpec, log: ProblemLog
) -> RawFile | None:
    """Open ``spec``'s file and describe its columns; None (and a fatal problem) if unusable."""
    found = _candidates(folder, spec.name)
    if not found:
        log.add(
            Problem(
                "missing_file",
                spec.name,
                None,
                1,
                Action.FATAL,
                f"no {spec.name}.csv or {spec.name}.parquet in the export",
            )
        )
        return None
    path = found[0]
    raw = RawFile(spec, path.name)
    try:
        if path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES:
            raw.paths = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
            raw.parts = [pq.ParquetFile(f) for f in raw.paths]
            schema = raw.parts[0].schema_arrow
            if any(p.schema_arrow != schema for p in raw.parts[1:]):
                raise ValueError("the Parquet parts do not share one schema")
            raw.rows = sum(p.metadata.num_rows for p in raw.parts)
        else:
            table = _read_csv(path, raw.label, log)
            if table is None:
                return None
            raw.table, schema, raw.rows = table, table.schema, table.num_rows
        described = _described(con, raw)
    except (duckdb.Error, pa.ArrowException, OSError, ValueError) as exc:
        log.add(
            Problem("unreadable_file", raw.label, None, 1, Action.FATAL, f"not readable: {exc}")
        )
        return None
    for column, dtype, *_ in described:
        key = str(column).strip().lower()
        if key in raw.names:
            continue  # the first of two columns that differ only in case or spaces
        raw.columns[key] = str(dtype)
        raw.names[key] = str(column)
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        log.add(
            Problem(
                "missing_column",
                raw.label,
                ", ".join(missing),
                len(missing),
                Action.FATAL,
                "required column missing: " + ", ".join(missing),
            )
        )
        return None
    unknown = [c for c in raw.columns if c not in spec.columns]
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


def read_info(folder: Path, log: ProblemLog) -> DatasetInfo:
    path = folder / "dataset.json"
    if not path.is_file():
        return DatasetInfo()
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        log.add(
            Problem("bad_dataset_json", "dataset.json", None, 1, Action.KEPT, f"ignored: {exc}")
        )
        return DatasetInfo()
    return DatasetInfo(
        name=_text(data.get("name")),
        currency=_text(data.get("currency")),
        period=_text(data.get("period")),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def temporary_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="weishang-audit-")


__all__ = ["FILES", "DatasetInfo", "RawFile", "open_source", "read_info", "register_raw"]
