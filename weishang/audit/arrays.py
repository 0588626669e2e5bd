"""Arrow columns as numpy arrays and back, without copies where the buffers allow.

Read straight off the buffers: pyarrow's ``fill_null``, its scalars and ``to_numpy`` on some
types import pandas, which costs half a second of a short audit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Mask = npt.NDArray[np.bool_]


def joined(parts: list[npt.NDArray[Any]], kind: type[Any] = np.int64) -> npt.NDArray[Any]:
    """The parts end to end (none: an empty array of ``kind``)."""
    return np.concatenate(parts) if parts else np.zeros(0, kind)


def arrow_array(values: npt.NDArray[Any], known: Mask | None, kind: pa.DataType) -> pa.Array:
    """``values`` as an Arrow array of ``kind``, null where not ``known`` (the buffer is
    shared, not copied)."""
    bitmap = (
        None
        if known is None or known.all()
        else pa.py_buffer(np.packbits(known, bitorder="little"))
    )
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)])


def booleans(mask: Mask) -> pa.Array:
    """A numpy mask as an Arrow boolean array (packed to bits)."""
    bits = pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, bits])


def flags(column: pa.ChunkedArray | pa.Array, space: Any = None, name: str = "") -> Mask:
    """A boolean column's values as a numpy mask (null as false), in ``space``'s array
    ``name`` when given (an ``ids.Workspace``)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    n = len(column)
    out = space.array(name, np.bool_, n) if space is not None else np.empty(n, np.bool_)
    if not n:
        return out
    bits = np.unpackbits(
        np.frombuffer(column.buffers()[1], np.uint8), count=column.offset + n, bitorder="little"
    )
    np.greater(bits[column.offset :], 0, out=out)
    if column.null_count:
        out &= known(column)
    return out


def money(cents: pa.ChunkedArray | pa.Array) -> pa.Array:
    """decimal(18, 2) from integer cents, sharing their buffer when it has no null (a null
    reads as zero)."""
    return decimals(integers(cents, np.int64), None, 18)


def decimals(
    cents: npt.NDArray[np.int64], known: npt.NDArray[np.bool_] | None, precision: int
) -> pa.Array:
    """Minor units as Arrow decimals of ``precision`` digits and scale 2, as DuckDB types a
    sum (null where not ``known``): 18 digits share the int64 buffer; 38 take 128 bits, the
    int64 with its sign extended."""
    if precision <= 18:
        return arrow_array(cents, known, pa.decimal64(precision, 2))
    wide = np.empty((len(cents), 2), np.int64)
    wide[:, 0] = cents
    wide[:, 1] = cents >> 63
    bitmap = arrow_array(cents, known, pa.int64()).buffers()[0]
    return pa.Array.from_buffers(
        pa.decimal128(precision, 2), len(cents), [bitmap, pa.py_buffer(wide)]
    )


def integers(column: pa.ChunkedArray | pa.Array, kind: type[Any]) -> npt.NDArray[Any]:
    """A typed column's values as numpy integers of ``kind`` (a date: days since 1970; a
    timestamp: its count of its unit), null as 0; the column's own buffer when it can be."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not len(column):
        return np.zeros(0, kind)
    width = column.type.bit_width // 8
    codes = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
    data = column.buffers()[1]
    values = np.frombuffer(data, codes[width])[column.offset : column.offset + len(column)]
    if values.dtype != kind:
        values = values.astype(kind)
    if column.null_count:
        values = np.where(known(column), values, 0).astype(kind, copy=False)
    return values


def known(column: pa.ChunkedArray | pa.Array) -> Mask:
    """Whether each value of a column is there (not null), from its validity bitmap."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    validity = column.buffers()[0]
    if not column.null_count or validity is None:
        return np.ones(len(column), np.bool_)
    bits = np.unpackbits(
        np.frombuffer(validity, np.uint8), count=column.offset + len(column), bitorder="little"
    )
    return bits[column.offset :].astype(np.bool_)
