"""What the loader's passes share: the first pass over a file's own ids, the typed scan of a
file, and keeping the clean tables batch by batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import duckdb
import numpy as np
import pyarrow as pa

from weishang.audit import ids, native, numbered
from weishang.audit.arrays import joined
from weishang.audit.checks import Mask, Rows, Scan, TypedScan
from weishang.audit.contract import CLEAN_SCHEMAS
from weishang.audit.load import RawFile


def rows_of(found: list[Rows]) -> Rows:
    return joined(found)


def scan(
    con: duckdb.DuckDBPyConnection, raw: RawFile, outputs: dict[str, str], id_columns: list[str]
) -> tuple[Scan, Iterator[tuple[int, pa.Table, pa.Table, Mask]]]:
    """The typed columns and the id columns, batch by batch: (first row, typed, ids, skip).

    A Parquet file of native types is read once, by Arrow (``native.NativeScan``); any other
    is read by Arrow a batch at a time and typed by DuckDB over that batch
    (``checks.TypedScan``), each typed value put back at its row by the row's own number.
    """
    if native.suits(raw):
        fast = native.NativeScan(raw, id_columns)
        return fast, fast.batches()
    typed_scan = TypedScan(con, raw, outputs, id_columns)
    return typed_scan, typed_scan.batches()


class OwnIds:
    """The first pass over a file: its own ids, and the references its rows make.

    Ids of one numbered form (``numbered.py``) are told apart by their numbers. Any others are
    hashed (64 bits), and the rows whose hash an earlier row shares are candidates. Either
    way, a repeat is confirmed on the file's own text. The second pass then decides, in row
    order, which of those repeats to skip (``repeats``): the first *usable* row of an id is
    kept, so a row skipped for another reason never hides a later good one.
    """

    def __init__(self, raw: RawFile, ref_column: str | None = None) -> None:
        self.raw = raw
        column = raw.spec.id_column
        ref_column = ref_column if ref_column and ref_column in raw.names else None
        wanted = [column] + ([ref_column] if ref_column else [])
        found = numbered.own_numbers(raw.batches(wanted), raw.rows, column, ref_column)
        if found is None:
            found = _own_hashes(raw, column, ref_column)
        self.present = found.present
        # rows (0-based) whose reference names no row of the file
        self.unknown_refs = found.unknown_refs
        self._candidates, self._owners = self._confirmed(found.later, found.owners)
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


# Arrow's type of each clean column (``contract.CLEAN_SCHEMAS`` names DuckDB's)
_ARROW_TYPES = {
    "INTEGER": pa.int32(),
    "TINYINT": pa.int8(),
    "BOOLEAN": pa.bool_(),
    "DECIMAL(18,2)": pa.decimal64(18, 2),
    "TIMESTAMP": pa.timestamp("us"),
}


def clean_schema(name: str) -> pa.Schema:
    return pa.schema([(c, _ARROW_TYPES[t]) for c, t in CLEAN_SCHEMAS[name].items()])


class CleanTable:
    """A clean table, batch by batch, kept as Arrow columns.

    The embedded engine only scans these tables whole (whatever follows a member from row to
    row the loader has answered, and each member's sums it has added up), so they stay in
    Arrow rather than being copied into DuckDB's own storage, which cost about as much as
    reading the files. A batch built on an ``ids.Workspace`` is copied (its arrays are written
    again two batches on); one the caller owns (``owned``) is kept as it is.

    Columns that can only be computed once another file is read (``later``) are left out of
    the batches and computed per batch by ``table``'s ``finish``, from the batch and any
    ``scratch`` columns it carries for that (dropped then).
    """

    def __init__(
        self,
        name: str,
        *,
        later: tuple[str, ...] = (),
        scratch: dict[str, pa.DataType] | None = None,
    ) -> None:
        self.name = name
        self.schema = clean_schema(name)
        self.later = later
        fields = [f for f in self.schema if f.name not in later]
        self.batch_schema = pa.schema(fields + list((scratch or {}).items()))
        self._batches: list[pa.RecordBatch] = []

    def add(self, batch: pa.Table, *, owned: bool = False) -> None:
        if not batch.num_rows:
            return
        batch = batch.select(self.batch_schema.names)
        if not owned:
            batch = pa.table([_copied(c) for c in batch.columns], names=batch.column_names)
        self._batches += batch.cast(self.batch_schema).to_batches()

    def table(
        self, finish: Callable[[pa.RecordBatch], dict[str, pa.Array]] | None = None
    ) -> pa.Table:
        if not self.later:
            return pa.Table.from_batches(self._batches, schema=self.schema)
        assert finish is not None, "columns left for later need a finish"
        batches = []
        for batch in self._batches:
            columns = dict(zip(batch.schema.names, batch.columns, strict=True)) | finish(batch)
            batches.append(pa.record_batch([columns[n] for n in self.schema.names], self.schema))
        self._batches = []
        return pa.Table.from_batches(batches, schema=self.schema)


def _own_hashes(raw: RawFile, column: str, ref_column: str | None) -> numbered.FirstPass:
    """``OwnIds``' first pass by the ids' 64-bit hashes: the rows that share an earlier row's
    hash (candidates, for the text to confirm), and the references whose hash is no row's."""
    own = ids.RowHashes.empty(raw.rows)
    ref_rows: list[Rows] = []
    refs: list[ids.Hashes] = []
    space = ids.Workspace()
    first = 0
    for batch in raw.batches([column] + ([ref_column] if ref_column else [])):
        n = batch.num_rows
        own.fill(first, ids.Strings.of(batch.column(column), space, "own"))
        if ref_column:
            h = ids.RowHashes(
                space.array("hashes", np.uint64, n), space.array("present", np.bool_, n)
            )
            h.fill(0, ids.Strings.of(batch.column(ref_column), space, "refs"))
            ref_rows.append(np.flatnonzero(h.present).astype(np.int64) + first)
            refs.append(h.hashes[h.present])
        first += n
    found_in = np.concatenate(refs) if refs else np.zeros(0, np.uint64)
    ref_hashes = ids.RowHashes(found_in, np.ones(len(found_in), np.bool_))
    later, earlier, found = ids.repeats_and_refs(own, ref_hashes)
    return numbered.FirstPass(own.present, later, earlier, rows_of(ref_rows)[~found])


def _copied(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The same values in buffers of their own (fixed-width and boolean columns)."""
    chunks = []
    for array in column.chunks:
        buffers = [
            None if b is None else pa.py_buffer(np.frombuffer(b, np.uint8).copy())
            for b in array.buffers()
        ]
        chunks.append(
            pa.Array.from_buffers(array.type, len(array), buffers, array.null_count, array.offset)
        )
    return pa.chunked_array(chunks, column.type)
