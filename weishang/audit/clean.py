"""What the loader's passes share: the first pass over a file's own ids, the typed scan of a
file, and writing the clean tables batch by batch."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import count

import duckdb
import numpy as np
import pyarrow as pa

from weishang.audit import ids, native
from weishang.audit.checks import Mask, Rows, Scan, TypedScan
from weishang.audit.contract import CLEAN_SCHEMAS
from weishang.audit.load import RawFile


def rows_of(found: list[Rows]) -> Rows:
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def scan(
    con: duckdb.DuckDBPyConnection, raw: RawFile, outputs: dict[str, str], id_columns: list[str]
) -> tuple[Scan, Iterator[tuple[int, pa.Table, pa.Table, Mask]]]:
    """The typed columns and the id columns, batch by batch: (first row, typed, ids, skip).

    A Parquet file of native types is read once, by Arrow (``native.NativeScan``); any other
    goes along two paths that meet in row order: DuckDB's typed pass and Arrow's id columns.
    """
    if native.suits(raw):
        fast = native.NativeScan(raw, id_columns)
        return fast, fast.batches()
    typed_scan = TypedScan(con, raw, outputs)

    def batches() -> Iterator[tuple[int, pa.Table, pa.Table, Mask]]:
        id_batches = raw.batches(id_columns)
        for first, typed, skip in typed_scan.batches():
            id_batch = next(id_batches, None)
            if id_batch is None or id_batch.num_rows != typed.num_rows:
                raise RuntimeError(f"{raw.label}: the id and typed passes lost step")  # never
            yield first, typed, id_batch, skip
        if next(id_batches, None) is not None:
            raise RuntimeError(f"{raw.label}: the id and typed passes lost step")  # never

    return typed_scan, batches()


class OwnIds:
    """The first pass over a file: its own ids, and the references its rows make.

    Every row's id is hashed (64 bits); rows whose hash an earlier row shares are confirmed on
    the file's own text. The second pass then decides, in row order, which of those repeats
    to skip (``repeats``): the first *usable* row of an id is kept, so a row skipped for
    another reason never hides a later good one.
    """

    def __init__(self, raw: RawFile, ref_column: str | None = None) -> None:
        self.raw = raw
        column = raw.spec.id_column
        own = ids.RowHashes.empty(raw.rows)
        ref_rows: list[Rows] = []
        refs: list[ids.Hashes] = []
        wanted = [column] + ([ref_column] if ref_column and ref_column in raw.names else [])
        space = ids.Workspace()
        first = 0
        for batch in raw.batches(wanted):
            n = batch.num_rows
            own.fill(first, ids.Strings.of(batch.column(column), space, "own"))
            if len(wanted) > 1:
                h = ids.RowHashes(
                    space.array("hashes", np.uint64, n), space.array("present", np.bool_, n)
                )
                h.fill(0, ids.Strings.of(batch.column(ref_column), space, "refs"))
                ref_rows.append(np.flatnonzero(h.present).astype(np.int64) + first)
                refs.append(h.hashes[h.present])
            first += n
        self.present = own.present
        found_in = np.concatenate(refs) if refs else np.zeros(0, np.uint64)
        ref_hashes = ids.RowHashes(found_in, np.ones(len(found_in), np.bool_))
        later, earlier, found = ids.repeats_and_refs(own, ref_hashes)
        del own
        # rows (0-based) whose reference names no row of the file
        self.unknown_refs = rows_of(ref_rows)[~found]
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
    """Appends batches of Arrow columns to a clean DuckDB table, in a thread of its own (and
    on its own cursor, so the scan that produces the batches keeps streaming).

    ``add`` returns once the previous batch is stored and this one is under way: a batch's
    arrays may be written again once the next ``add`` has returned (two ``ids.Workspace``
    taken in turn), so the next batch is computed while this one is stored.
    """

    _names = count()

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        self.cursor = con.cursor()
        self.name = name
        self.view = f"_append_{name}_{next(self._names)}"
        self.columns = list(CLEAN_SCHEMAS[name])
        create_table(self.cursor, name)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"append-{name}")
        self._pending: Future[None] | None = None

    def _store(self, batch: pa.Table) -> None:
        self.cursor.register(self.view, batch)
        try:
            self.cursor.execute(f"INSERT INTO {self.name} SELECT * FROM {self.view}")
        finally:
            self.cursor.unregister(self.view)

    def add(self, batch: pa.Table) -> None:
        self._wait()
        if batch.num_rows:
            self._pending = self._thread.submit(self._store, batch.select(self.columns))

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the last batch (raising what storing it raised), then let go."""
        try:
            self._wait()
        finally:
            self._thread.shutdown()
            self.cursor.close()


def create_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    columns = ", ".join(f'"{c}" {t}' for c, t in CLEAN_SCHEMAS[name].items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
