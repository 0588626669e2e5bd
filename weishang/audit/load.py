"""Find the export's files (a folder or a .zip of one) and expose each as a raw DuckDB view.

CSV is read by Arrow with every column as text (validation parses it later, in one vectorised
pass); the encoding is UTF-8 (a BOM is accepted) or, failing that, GBK/GB18030 as Excel writes
it in China. Parquet is scanned in place by DuckDB. Every raw view carries ``_row``, the 1-based
data row used in problem reports.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from weishang.audit.contract import FILES, FileSpec
from weishang.audit.problems import EXAMPLES_PER_PROBLEM, Action, Problem, ProblemLog

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class RawFile:
    spec: FileSpec
    label: str  # the file name shown in problem reports
    columns: dict[str, str] = field(default_factory=dict)  # normalised name -> DuckDB type
    quoted: dict[str, str] = field(default_factory=dict)  # normalised name -> SQL identifier


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
    return table.append_column("_row", pa.array(np.arange(1, table.num_rows + 1)))


def register_raw(
    con: duckdb.DuckDBPyConnection, folder: Path, spec: FileSpec, log: ProblemLog
) -> RawFile | None:
    """Expose ``spec``'s file as the view ``raw_<name>``; None (and a fatal problem) if absent."""
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
    view = f"raw_{spec.name}"
    try:
        if path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES:
            source = str(path / "*.parquet") if path.is_dir() else str(path)
            literal = "'" + source.replace("'", "''") + "'"  # views take no parameters
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * EXCLUDE (file_row_number), "
                f"file_row_number + 1 AS _row FROM read_parquet({literal}, file_row_number = true)"
            )
        else:
            table = _read_csv(path, raw.label, log)
            if table is None:
                return None
            con.register(f"arrow_{spec.name}", table)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM arrow_{spec.name}")
        described = con.execute(f"DESCRIBE {view}").fetchall()
    except duckdb.Error as exc:
        log.add(
            Problem("unreadable_file", raw.label, None, 1, Action.FATAL, f"not readable: {exc}")
        )
        return None
    for column, dtype, *_ in described:
        if column == "_row":
            continue
        key = str(column).strip().lower()
        raw.columns[key] = str(dtype)
        raw.quoted[key] = '"' + str(column).replace('"', '""') + '"'
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
