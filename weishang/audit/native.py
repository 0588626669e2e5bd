"""Typed columns straight from Parquet's own types, for the big files of a big export.

A Parquet file written by a database or a dataframe library already stores ``at`` as a
timestamp, ``amount`` as a decimal and ``kind`` or ``basis`` as text; there is nothing to
parse. ``NativeScan`` then reads each batch once, with Arrow, and computes what DuckDB's
``TypedScan`` would (the same columns, the same row checks, the same results, down to the
rounding of a nanosecond or a third decimal place) in compiled loops, writing into arrays
reused from batch to batch. Any other file (CSV, text dates, floating-point amounts) goes
through ``TypedScan``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from weishang.audit import formats, ids
from weishang.audit.arrays import arrow_array, booleans, known
from weishang.audit.checks import Mask, Scan, staging
from weishang.audit.contract import BASIS, KIND, MEMBERS, REWARDS, TRANSACTIONS, VALUE_SYNONYMS
from weishang.audit.load import RawFile

DAY_US = 86_400_000_000
_UNITS = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": -1_000}  # > 0 multiply, < 0 divide
_MAX_CENTS = 10**18 - 1  # DECIMAL(18, 2)

# (code, column) of each row check, and how a native batch answers it
_CHECKS = {
    ("bad_date", "at"): "no_time",
    ("bad_date", "joined_at"): "no_time",
    ("left_before_joined", "left_at"): "left_early",
    ("bad_amount", "amount"): "no_amount",
    ("negative_amount", "amount"): "negative",
    ("unknown_kind", "kind"): "no_code",
    ("unknown_basis", "basis"): "no_code",
}
_CODES = {
    TRANSACTIONS.name: ("kind", KIND | {w: KIND[v] for w, v in VALUE_SYNONYMS["kind"].items()}),
    REWARDS.name: ("basis", BASIS | {w: BASIS[v] for w, v in VALUE_SYNONYMS["basis"].items()}),
}


def _arrow_type(raw: RawFile, column: str) -> pa.DataType | None:
    if column not in raw.names or not raw.parts:
        return None
    return raw.parts[0].schema_arrow.field(raw.names[column]).type


def _timed(kind: pa.DataType | None) -> bool:
    return kind is not None and (
        pa.types.is_date32(kind) or (pa.types.is_timestamp(kind) and kind.unit in _UNITS)
    )


def suits(raw: RawFile) -> bool:
    """Whether ``raw`` is a Parquet file whose typed columns need no parsing: timestamps or
    dates, exact amounts (integers, or decimals of up to 18 digits), text codes, a boolean
    ``seller_collects``."""
    if not raw.parts:
        return False
    _, checks = staging(raw)
    if not all((c.code, c.column) in _CHECKS for c in checks if c.condition is not None):
        return False
    if raw.spec is MEMBERS:
        left = _arrow_type(raw, "left_at")
        return _timed(_arrow_type(raw, "joined_at")) and (left is None or _timed(left))
    amount = _arrow_type(raw, "amount")
    code = _arrow_type(raw, _CODES[raw.spec.name][0])
    collects = _arrow_type(raw, "seller_collects")
    exact = amount is not None and (
        pa.types.is_integer(amount) or (pa.types.is_decimal(amount) and amount.precision <= 18)
    )
    text = code is not None and (
        pa.types.is_string(code)
        or (pa.types.is_dictionary(code) and pa.types.is_string(code.value_type))
    )
    boolean = collects is None or pa.types.is_boolean(collects)
    return _timed(_arrow_type(raw, "at")) and exact and text and boolean


def read_codes_as_dictionaries(raw: RawFile) -> None:
    """Have Arrow read ``kind`` or ``basis`` as a dictionary (a few words and an index per
    row), so a batch's codes come from mapping the few words, not every row's text."""
    code = _CODES.get(raw.spec.name, ("", {}))[0]
    kind = _arrow_type(raw, code)
    if kind is not None and pa.types.is_string(kind):
        raw.parts = [pq.ParquetFile(path, read_dictionary=[raw.names[code]]) for path in raw.paths]


# --- the compiled loops ----------------------------------------------------------------------


@nb.njit(inline="always", cache=True)
def _valid(bitmap, has_nulls, at):  # type: ignore[no-untyped-def]
    return not has_nulls or ((bitmap[at >> 3] >> (at & 7)) & 1) == 1


@nb.njit(parallel=True, cache=True, nogil=True)
def _times(values, bitmap, has_nulls, offset, unit, shift, out_us, out_day, bad, bit):  # type: ignore[no-untyped-def]
    """Microseconds since 1970 (a timestamp of ``unit``: > 0 multiplies, < 0 divides rounding
    half away from zero, as DuckDB casts nanoseconds; 0: days), moved by ``shift``
    microseconds (an instant to the dataset's clock), and the day; ``bit`` where there is no
    value."""
    for i in nb.prange(out_us.shape[0]):
        if not _valid(bitmap, has_nulls, offset + i):
            out_us[i] = 0
            out_day[i] = 0
            bad[i] |= bit
            continue
        v = np.int64(values[i])
        if unit == 0:
            us = v * DAY_US
        elif unit > 0:
            us = v * unit
        else:
            d = -unit
            us = (v + d // 2) // d if v >= 0 else -((-v + d // 2) // d)
        us += shift
        out_us[i] = us
        out_day[i] = np.int32(us // DAY_US)


@nb.njit(parallel=True, cache=True, nogil=True)
def _left_early(joined, joined_bad, left, left_known, bad, bit):  # type: ignore[no-untyped-def]
    """A known ``left`` before ``joined`` is cleared, with ``bit``."""
    for i in nb.prange(left.shape[0]):
        if left_known[i] and joined_bad[i] == 0 and left[i] < joined[i]:
            left_known[i] = False
            bad[i] |= bit


@nb.njit(parallel=True, cache=True, nogil=True)
def _cents(values, bitmap, has_nulls, offset, scale, out, bad, no_value, negative):  # type: ignore[no-untyped-def]
    """Minor units of DECIMAL(18, 2) from unscaled integers of ``scale`` (rounding half away
    from zero below a cent); ``no_value`` where there is none or it does not fit."""
    for i in nb.prange(out.shape[0]):
        out[i] = 0
        if not _valid(bitmap, has_nulls, offset + i):
            bad[i] |= no_value
            continue
        v = np.int64(values[i])
        if scale <= 2:
            factor = np.int64(10 ** (2 - scale))
            limit = _MAX_CENTS // factor
            if v > limit or v < -limit:
                bad[i] |= no_value
                continue
            c = v * factor
        else:
            d = np.int64(10 ** (scale - 2))
            c = (v + d // 2) // d if v >= 0 else -((-v + d // 2) // d)
        out[i] = c
        if c < 0:
            bad[i] |= negative


@nb.njit(parallel=True, cache=True, nogil=True)
def _codes(indices, bitmap, has_nulls, offset, table, out, bad, bit):  # type: ignore[no-untyped-def]
    """Each row's code from its dictionary index (``table``: -1 for a value not allowed)."""
    for i in nb.prange(out.shape[0]):
        code = table[indices[i]] if _valid(bitmap, has_nulls, offset + i) else -1
        out[i] = code
        if code < 0:
            bad[i] |= bit


# --- one batch -------------------------------------------------------------------------------


def _buffers(array: pa.Array, width: int) -> tuple[npt.NDArray[Any], npt.NDArray[np.uint8], bool]:
    """(the values from the array's offset on, as integers of ``width`` bytes; its validity
    bitmap; whether it has nulls)."""
    validity, data = array.buffers()[0], array.buffers()[1]
    kinds = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
    values = np.frombuffer(data, kinds[width])[array.offset : array.offset + len(array)]
    has_nulls = validity is not None and array.null_count > 0
    bitmap = np.frombuffer(validity, np.uint8) if has_nulls else np.zeros(1, np.uint8)
    return values, bitmap, has_nulls


def _single(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


class NativeScan(Scan):
    """The typed columns of a Parquet file of native types (see ``suits``) and its id columns,
    read together by Arrow, batch by batch in row order: (first row, typed, ids, skip).

    For transactions and rewards the typed table holds ``at`` (timestamp), ``at_us``, ``day``,
    the code (``kind`` or ``basis``), ``amount_c`` (minor units) and, for transactions,
    ``seller_collects``; for members ``joined_us`` and ``left_us`` (microseconds since 1970;
    ``left_us`` null when unknown or before joining)."""

    def __init__(self, raw: RawFile, id_columns: list[str]) -> None:
        super().__init__(raw)
        self.code, self.allowed = _CODES.get(raw.spec.name, ("", {}))
        self.id_columns = id_columns
        # in turn, as the batches built on them are stored while the next is read
        self.spaces = (ids.Workspace(), ids.Workspace())
        self.bits = {
            _CHECKS[(c.code, c.column)]: np.int32(1 << n) for n, (_, c) in enumerate(self.flagging)
        }

    def batches(self) -> Iterator[tuple[int, pa.Table, pa.Table, Mask]]:
        if self.raw.spec is MEMBERS:
            typed_columns = ["joined_at", "left_at"]
        else:
            typed_columns = ["at", "amount", self.code, "seller_collects"]
        first = 0
        for k, batch in enumerate(self.raw.batches(typed_columns + self.id_columns)):
            space = self.spaces[k % 2]
            if self.raw.spec is MEMBERS:
                typed, bad = self._member_columns(batch, space)
            else:
                typed, bad = self._typed(batch, space)
            yield first, typed, batch, self._flagged(bad, first)
            first += batch.num_rows

    def _times(
        self,
        column: pa.ChunkedArray,
        space: ids.Workspace,
        name: str,
        bad: npt.NDArray[np.int32],
        bit: np.int32,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """(microseconds since 1970, days since 1970) of a timestamp or date column; ``bit``
        where there is no value."""
        n = len(column)
        values_us, days = (
            space.array(name + "_us", np.int64, n),
            space.array(name + "_day", np.int32, n),
        )
        array = _single(column)
        zone, shift = self.raw.time_zone, 0
        if pa.types.is_timestamp(array.type) and array.type.tz is not None and zone != "UTC":
            # an instant: as the clock read in the dataset's zone (``checks._timestamp``), by
            # the zone's one offset over the batch where it has one (no copy), else by Arrow
            ends = pc.min_max(array.view(pa.int64()))
            scale = _UNITS[array.type.unit]
            low, high = (
                None if v is None else (v * scale if scale > 0 else v // -scale)
                for v in (ends["min"].as_py(), ends["max"].as_py())
            )
            fixed = None if low is None or high is None else formats.offset_us(zone, low, high)
            if fixed is None:
                array = pc.local_timestamp(array.cast(pa.timestamp(array.type.unit, zone)))
            else:
                shift = fixed
        if pa.types.is_date32(array.type):
            values, bitmap, nulls = _buffers(array, 4)
            unit = 0
        else:
            values, bitmap, nulls = _buffers(array, 8)
            unit = _UNITS[array.type.unit]
        _times(values, bitmap, nulls, array.offset, unit, shift, values_us, days, bad, bit)
        return values_us, days

    def _member_columns(
        self, batch: pa.Table, space: ids.Workspace
    ) -> tuple[pa.Table, npt.NDArray[np.int32]]:
        n = batch.num_rows
        bad = space.array("bad", np.int32, n)
        bad[:] = 0
        joined, _ = self._times(
            batch.column("joined_at"), space, "joined", bad, self._bit("no_time")
        )
        left = space.array("left_us", np.int64, n)
        left_known = space.array("left_known", np.bool_, n)
        if "left_at" in batch.column_names:
            missing = space.array("left_missing", np.int32, n)
            missing[:] = 0
            left, _ = self._times(batch.column("left_at"), space, "left", missing, np.int32(1))
            np.equal(missing, 0, out=left_known)
            _left_early(
                joined, bad & self._bit("no_time"), left, left_known, bad, self._bit("left_early")
            )
        else:
            left_known[:] = False
        columns = {
            "joined_us": pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(joined)]),
            "left_us": arrow_array(left, left_known, pa.int64()),
        }
        return pa.table(columns), bad

    def _bit(self, name: str) -> np.int32:
        return self.bits.get(name, np.int32(0))

    def _typed(
        self, batch: pa.Table, space: ids.Workspace
    ) -> tuple[pa.Table, npt.NDArray[np.int32]]:
        n = batch.num_rows
        bad = space.array("bad", np.int32, n)
        bad[:] = 0
        at_us, day = self._times(batch.column("at"), space, "at", bad, self._bit("no_time"))
        amount = _single(batch.column("amount"))
        cents = space.array("cents", np.int64, n)
        if pa.types.is_decimal(amount.type):
            width, scale = amount.type.byte_width, amount.type.scale
            values, bitmap, nulls = _buffers(amount, 8 if width == 16 else width)
            if width == 16:  # the low 64 bits of each 128-bit value (18 digits fit in them)
                values = np.frombuffer(amount.buffers()[1], np.int64)[
                    2 * amount.offset : 2 * (amount.offset + n) : 2
                ]
        else:
            values, bitmap, nulls = _buffers(amount, amount.type.bit_width // 8)
            scale = 0
        no_amount, negative = self._bit("no_amount"), self._bit("negative")
        _cents(values, bitmap, nulls, amount.offset, scale, cents, bad, no_amount, negative)
        codes = space.array("codes", np.int8, n)
        self._code(_single(batch.column(self.code)), codes, bad)
        columns: dict[str, pa.Array] = {
            "at": pa.Array.from_buffers(pa.timestamp("us"), n, [None, pa.py_buffer(at_us)]),
            "at_us": pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(at_us)]),
            "day": pa.Array.from_buffers(pa.date32(), n, [None, pa.py_buffer(day)]),
            self.code: pa.Array.from_buffers(pa.int8(), n, [None, pa.py_buffer(codes)]),
            "amount_c": pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(cents)]),
        }
        if self.raw.spec is TRANSACTIONS:
            collects = (
                batch.column("seller_collects") if "seller_collects" in batch.column_names else None
            )
            collects_values = space.array("collects", np.bool_, n)
            if collects is None:
                collects_values[:] = True
            else:  # true unless it says false
                array = _single(collects)
                values = np.unpackbits(
                    np.frombuffer(array.buffers()[1], np.uint8),
                    count=array.offset + n,
                    bitorder="little",
                )[array.offset :]
                np.greater(values, 0, out=collects_values)
                if array.null_count:
                    collects_values |= ~known(array)
            columns["seller_collects"] = booleans(collects_values)
        return pa.table(columns), bad

    def _code(
        self, column: pa.Array, out: npt.NDArray[np.int8], bad: npt.NDArray[np.int32]
    ) -> None:
        if not pa.types.is_dictionary(column.type):
            column = column.dictionary_encode()
        words = column.dictionary.to_pylist()
        table = np.array(
            [-1 if w is None else self.allowed.get(w.strip(ids.SPACES).lower(), -1) for w in words]
            or [-1],
            dtype=np.int8,
        )
        indices = column.indices
        values, bitmap, nulls = _buffers(indices, indices.type.bit_width // 8)
        _codes(values, bitmap, nulls, indices.offset, table, out, bad, self._bit("no_code"))
