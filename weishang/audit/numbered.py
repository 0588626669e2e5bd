"""Ids that are numbers: a shorter way to the same answers as ``ids.py``'s hash index.

Most exports name their rows by a database's counter: ``10023``, ``M10023``, ``U000123``.
When every usable member id has one such form (the same leading text, then only digits,
either never with a leading zero or always with the same count of digits), an id and its
number stand for each other: two ids of the form are equal exactly when their numbers are.
The index is then one array, from number to member position, of 4 bytes a number; a lookup
reads the id's digits and one entry of it, where the hash index hashes the id, probes
32-byte slots spread over 32 times the memory and compares the bytes.

Ids are trimmed of spaces as ``ids.py`` trims them, and an id of any other form than the
members' names no member (nothing of another form can equal a member's id). Members whose ids
have no common form, or whose numbers are too sparse for an array (more than ``_SPREAD``
numbers per member), get the hash index: the answers are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from weishang.audit import ids
from weishang.audit.arrays import joined
from weishang.audit.ids import NO_ID, U64, Strings, Workspace, _hash, _prefetch, _span

_DIGITS = 18  # at most this many digits: every number fits in 63 bits
_PREFIX = 8  # bytes of leading text, at most
_SPREAD = 4  # numbers per member the array may hold, beyond a floor of ``_FLOOR``
_FLOOR = 1 << 16
_BATCH = 32
_NOT_OF_FORM = -2  # a row's id is not of the form (``_numbers``); -1: the row has none


@dataclass(frozen=True)
class Form:
    """Leading text (as a little-endian word of ``length`` bytes), then digits: ``width`` of
    them, zero-padded, or (``width`` 0) as many as the number needs."""

    prefix: int
    length: int
    width: int


@nb.njit(inline="always", cache=True)
def _parse(data, start, end, prefix, length):  # type: ignore[no-untyped-def]
    """(number, digits) of the id [start, end) when it is the leading text, then digits
    only (1 to ``_DIGITS`` of them), else (-1, 0)."""
    digits = end - start - length
    if digits <= 0 or digits > _DIGITS:
        return np.int64(-1), 0
    for k in range(length):
        if data[start + k] != np.uint8((prefix >> U64(8 * k)) & U64(0xFF)):
            return np.int64(-1), 0
    value = np.int64(0)
    bad = np.int64(0)
    for k in range(start + length, end):  # no branch per digit: one test at the end
        d = np.int64(data[k]) - 0x30
        bad |= (d < 0) | (d > 9)  # type: ignore[assignment]
        value = value * 10 + d
    if bad:
        return np.int64(-1), 0
    return value, digits


@nb.njit(inline="always", cache=True)
def _number(data, start, end, prefix, length, width):  # type: ignore[no-untyped-def]
    """The number of the id [start, end) when it has the form, else -1."""
    value, digits = _parse(data, start, end, prefix, length)
    if value < 0:
        return value
    if width:
        return value if digits == width else np.int64(-1)
    return value if digits == 1 or data[start + length] != 0x30 else np.int64(-1)


_PADDED = 32  # in a row's shape (``_numbers``): its digits start with a zero
_CHUNKS = 16  # per batch, each with its own figures (``_numbers``' ``stats``)


@nb.njit(parallel=True, cache=True, nogil=True)
def _numbers(offsets, data, valid, has_nulls, prefix, length, numbers, shapes, present, stats):  # type: ignore[no-untyped-def]
    """Each row's number (-1 without an id, ``_NOT_OF_FORM`` for an id of another shape),
    its shape (the count of its digits, + ``_PADDED`` when they start with a zero of two or
    more), whether it has an id; and per chunk of rows: how many ids are of another shape,
    the largest number, the fewest and the most digits, how many are padded."""
    n = numbers.shape[0]
    chunks = stats.shape[0]
    size = (n + chunks - 1) // chunks
    for c in nb.prange(chunks):
        bad, top, fewest, most, padded = 0, np.int64(-1), _DIGITS + 1, 0, 0
        for i in range(c * size, min(n, (c + 1) * size)):
            start, end = _span(offsets, data, valid, has_nulls, i)
            present[i] = end > start
            numbers[i] = -1
            shapes[i] = 0
            if end == start:
                continue
            v, k = _parse(data, start, end, prefix, length)
            if v < 0:
                numbers[i] = _NOT_OF_FORM
                bad += 1
                continue
            zero = k > 1 and data[start + length] == 0x30
            numbers[i] = v
            shapes[i] = k + (_PADDED if zero else 0)
            top = max(top, v)
            fewest = min(fewest, k)
            most = max(most, k)
            padded += zero
        stats[c, 0] = bad
        stats[c, 1] = top
        stats[c, 2] = fewest
        stats[c, 3] = most
        stats[c, 4] = padded


@nb.njit(cache=True, nogil=True)
def _first_rows(numbers, first, table, later, owners):  # type: ignore[no-untyped-def]
    """Rows in order: a number seen for the first time takes its row (``first`` + i, + 1)
    in ``table`` (0: not seen); a row whose number an earlier row has goes into ``later``,
    that row into ``owners``. Returns how many did."""
    k = 0
    for i in range(numbers.shape[0]):
        v = numbers[i]
        if v < 0:
            continue
        o = table[v]
        if o == 0:
            table[v] = first + i + 1
        else:
            later[k] = first + i
            owners[k] = o - 1
            k += 1
    return k


@nb.njit(parallel=True, cache=True, nogil=True)
def _lookup(  # type: ignore[no-untyped-def]
    offsets, data, words, valid, has_nulls, table, prefix, length, width, with_hashes, out, hashes
):
    """out[i] = the member row holding row i's id, -1 when none does, -2 for no id; with
    ``with_hashes``, hashes[i] = the id's 64-bit hash (as ``ids.MemberIndex.lookup`` gives
    it). Rows are taken ``_BATCH`` at a time: the table's entries are asked for together."""
    n = out.shape[0]
    top = table.shape[0]
    chunk = 64 * _BATCH
    for c in nb.prange((n + chunk - 1) // chunk):
        numbers = np.empty(_BATCH, np.int64)
        for lo in range(c * chunk, min(n, (c + 1) * chunk), _BATCH):
            count = min(n, lo + _BATCH) - lo
            for j in range(count):
                start, end = _span(offsets, data, valid, has_nulls, lo + j)
                if with_hashes:
                    hashes[lo + j] = _hash(words, start, end, U64(0))
                v = np.int64(NO_ID)
                if end > start:
                    v = _number(data, start, end, prefix, length, width)
                    if v >= top:
                        v = np.int64(-1)
                    if v >= 0:
                        _prefetch(table, v)  # type: ignore[call-arg]
                numbers[j] = v
            for j in range(count):
                v = numbers[j]
                out[lo + j] = v if v < 0 else np.int64(table[v]) - 1


class _Parsed:
    """One column's numbers and shapes (``_numbers``), batch by batch, in ``space``'s
    arrays; the figures of the whole batch."""

    def __init__(
        self, strings: Strings, form: tuple[int, int], space: Workspace, name: str,
        present: ids.Bools | None = None,
    ) -> None:  # fmt: skip
        n = strings.length
        self.numbers = space.array(name, np.int64, n)
        self.shapes = space.array(name + "_shapes", np.int8, n)
        present = space.array(name + "_present", np.bool_, n) if present is None else present
        stats = np.empty((_CHUNKS, 5), np.int64)
        s = strings
        _numbers(
            s.offsets, s.data, s.valid, s.has_nulls, U64(form[0]), form[1],
            self.numbers, self.shapes, present, stats,
        )  # fmt: skip
        self.other_shapes = int(stats[:, 0].sum())
        self.top = int(stats[:, 1].max())
        self.fewest, self.most = int(stats[:, 2].min()), int(stats[:, 3].max())
        self.padded = int(stats[:, 4].sum())


def _leading_text(strings: Strings, rows: ids.Bools | None = None) -> tuple[int, int] | None:
    """(the leading text as a word, its length) of the first id of ``strings`` (of the
    ``rows`` given), when it is at most ``_PREFIX`` bytes and digits follow; None when there
    is no id or it has no such shape."""
    s = strings
    present = ids.present(s)
    found = np.flatnonzero(present if rows is None else present & rows)
    if not len(found):
        return None
    start, end = _span(s.offsets, s.data, s.valid, s.has_nulls, int(found[0]))
    text = s.data[start:end].tobytes()
    length = next((k for k, b in enumerate(text) if 0x30 <= b <= 0x39), len(text))
    if length > _PREFIX or length == len(text):
        return None
    return int.from_bytes(text[:length].ljust(8, b"\0"), "little"), length


class NumberedIndex:
    """Member ids of one form (``Form``) → their row in the members file, by their number:
    what ``ids.MemberIndex`` answers, the same way (the first usable row of a repeated id
    wins; ``first``)."""

    reads_words = False  # a lookup reads ``Strings.words`` only for the ids' hashes

    def __init__(self, n: int, form: Form, numbers: ids.Ints) -> None:
        """``numbers``: each member row's number, -1 for a row not in the index."""
        self.form = form
        top = int(numbers.max()) + 1 if len(numbers) else 1
        # a number's member row + 1 (0: none)
        self.table = np.zeros(top, np.int32 if n < 2**31 - 1 else np.int64)
        later, owners = np.empty(n, np.int64), np.empty(n, np.int64)
        k = _first_rows(numbers, 0, self.table, later, owners)
        self.first = np.full(n, -1, np.int64)
        self.first[later[:k]] = owners[:k]

    def lookup(
        self, refs: Strings, space: Workspace | None = None, name: str = "lookup",
        with_hashes: bool = True,
    ) -> tuple[ids.Ints, ids.Hashes]:  # fmt: skip
        """As ``ids.MemberIndex.lookup``; the hashes only ``with_hashes``."""
        space = space or Workspace()
        out = space.array(name, np.int64, refs.length)
        hashes = space.array(name + "_hash", np.uint64, refs.length if with_hashes else 1)
        f = self.form
        _lookup(
            refs.offsets, refs.data, refs.words, refs.valid, refs.has_nulls, self.table,
            U64(f.prefix), f.length, f.width, with_hashes, out, hashes,
        )  # fmt: skip
        return out, hashes


def member_index(member_ids: Strings, usable: ids.Bools) -> NumberedIndex | ids.MemberIndex:
    """The index of the usable member ids: by number when they have one form and their
    numbers are dense enough, else by hash."""
    text = _leading_text(member_ids, usable)
    if text is not None:
        parsed = _Parsed(member_ids, text, Workspace(), "members")
        numbers, shapes = parsed.numbers, parsed.shapes
        numbers[~usable] = -1
        of_form = numbers >= 0
        if not (numbers == _NOT_OF_FORM).any() and of_form.any():
            counts = shapes[of_form] & (_PADDED - 1)
            padded = bool((shapes[of_form] >= _PADDED).any())
            fewest, most = int(counts.min()), int(counts.max())
            dense = int(numbers.max()) < _SPREAD * int(of_form.sum()) + _FLOOR
            if dense and (not padded or fewest == most):
                form = Form(text[0], text[1], most if padded else 0)
                return NumberedIndex(member_ids.length, form, numbers)
    return ids.MemberIndex(member_ids, usable)


# --- a file's own ids ------------------------------------------------------------------------


@dataclass
class FirstPass:
    """What the first pass over a file finds in its own ids (``clean.OwnIds``), by number
    (``own_numbers``) or by hash (``clean._own_hashes``): whether each row has an id, the rows that
    repeat an earlier row's id (and that row), and the references that name no row."""

    present: ids.Bools
    later: ids.Ints
    owners: ids.Ints
    unknown_refs: ids.Ints  # rows (0-based) whose reference names no row


def own_numbers(
    batches: Iterator[pa.RecordBatch | pa.Table], rows: int, column: str, ref_column: str | None
) -> FirstPass | None:
    """The first pass over a file of ``rows`` rows by its ids' numbers, or None as soon as
    they turn out to have no one form, or numbers too sparse for an array: the hash pass
    then answers instead."""
    space = Workspace()
    form: tuple[int, int] | None = None
    limit = _SPREAD * rows + _FLOOR
    # a number's first row + 1 (0: none yet); zeros are only memory once written
    table = np.zeros(limit, np.int64 if rows >= 2**31 - 1 else np.int32)
    present = np.zeros(rows, np.bool_)
    later: list[ids.Ints] = []
    owners: list[ids.Ints] = []
    refs: list[tuple[ids.Ints, ids.Ints, npt.NDArray[np.int8]]] = []  # rows, numbers, shapes
    fewest, most, padded = _DIGITS + 1, 0, False
    first = 0
    for batch in batches:
        n = batch.num_rows
        strings = Strings.of(batch.column(column), space, "own_text", words=False)
        if form is None:
            form = _leading_text(strings)
            if form is None and ids.present(strings).any():
                return None
        if form is None:  # no id in the file yet
            first += n
            continue
        own = _Parsed(strings, form, space, "own", present[first : first + n])
        if own.other_shapes or own.top >= limit:
            return None
        fewest, most = min(fewest, own.fewest), max(most, own.most)
        padded = padded or own.padded > 0
        again, by = space.array("later", np.int64, n), space.array("owners", np.int64, n)
        k = _first_rows(own.numbers, first, table, again, by)
        later.append(again[:k].copy())
        owners.append(by[:k].copy())
        if ref_column is not None:
            ref_text = Strings.of(batch.column(ref_column), space, "ref_text", words=False)
            ref = _Parsed(ref_text, form, space, "ref")
            with_ref = np.flatnonzero(ref.numbers != -1)
            refs.append((with_ref + first, ref.numbers[with_ref], ref.shapes[with_ref]))
        first += n
    if padded and fewest != most:  # "t01" and "t1": two ids, one number
        return None
    # a reference names a row when its number does and it has the ids' shape
    unknown = []
    for ref_rows, numbers, shapes in refs:
        named = (numbers >= 0) & (numbers < len(table))
        named[named] = np.greater(table[numbers[named]], 0)
        named &= (shapes == most + _PADDED) | (shapes == most) if padded else shapes < _PADDED
        unknown.append(ref_rows[~named])
    return FirstPass(present, joined(later), joined(owners), joined(unknown))
