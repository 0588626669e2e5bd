"""Id columns, matched in compiled loops over Arrow's string buffers.

An export names members, transactions and rewards by text ids. The loader needs three things
from them, at 100 M rows and more: every member reference turned into the member's integer key
(``MemberIndex.lookup``), the rows whose id repeats an earlier row's, and whether each
``ref_txn_id`` names a transaction (both ``repeats_and_refs``). Hash joins on text in a query engine pay
for all three again and again; here each id is hashed once, straight from the Arrow buffers,
with numba (LLVM) loops that run on every core. Ids that are numbers of one form skip the
hashes (``numbered.py``), with the same answers.

What is exact and what is hashed:

* A member reference matches a member only when the bytes are equal: the index keeps every
  member id of up to 16 bytes beside its hash, in the same 32-byte slot, and compares longer
  ids byte by byte.
* Repeated ids are found by a 64-bit hash and then confirmed on the text by the loader
  (``clean.OwnIds``), so a repeat is never reported on a hash alone.
* A reference is taken as found when its 64-bit hash is a transaction's: an unknown
  reference goes unreported only when its hash happens to equal one of the file's (at 100 M
  transactions, a chance of about one in 2 x 10^11 for each unknown reference).

Ids are read as DuckDB reads the other text columns: spaces at either end (every Unicode space
separator, as ``trim`` removes them: the ideographic space of a Chinese spreadsheet included)
are trimmed, and an empty id is no id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from llvmlite import ir as llvm_ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from weishang.audit.arrays import arrow_array

U64 = np.uint64
_M1 = U64(0x9E3779B97F4A7C15)
_M2 = U64(0xBF58476D1CE4E5B9)
_M3 = U64(0x94D049BB133111EB)
SPACES = "".join(map(chr, (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)))
_BATCH = 32  # lookups resolved together: their index slots are fetched from memory at once
_INLINE = 16  # id bytes kept in an index slot
_PARTS = 3  # log2 of the index's parts, each built by one thread
NOT_FOUND = -1  # a member lookup: the id names no member
NO_ID = -2  # a member lookup: the row has no id

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Hashes = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class Strings:
    """numpy views of an Arrow string array's buffers (no copy)."""

    offsets: npt.NDArray[Any]  # int32 (string) or int64 (large_string)
    data: npt.NDArray[np.uint8]
    words: npt.NDArray[np.uint64]  # the same bytes as 64-bit words (a copy, padded)
    valid: npt.NDArray[np.uint8]  # Arrow's validity bitmap, shifted to bit 0; empty: no nulls
    has_nulls: bool
    length: int

    @classmethod
    def of(
        cls, array: pa.Array | pa.ChunkedArray, space: Workspace | None = None, name: str = "",
        words: bool = True,
    ) -> Strings:  # fmt: skip
        """Views of ``array``'s buffers; the 64-bit words are copied into ``space``'s array
        ``name`` when given (only bytes inside an id are ever read from them), and only when
        ``words`` is asked for (a loop that reads ``data`` alone has no use for them)."""
        if isinstance(array, pa.ChunkedArray):
            array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = array.cast(pa.large_string())
        if array.offset % 8:  # a sliced array: realign its validity bitmap to bit 0
            array = pa.concat_arrays([array])
        validity, offsets_buf, data_buf = array.buffers()
        kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
        offsets = np.frombuffer(offsets_buf, kind)[array.offset : array.offset + len(array) + 1]
        data = np.frombuffer(data_buf, np.uint8) if data_buf else np.zeros(1, np.uint8)
        size = len(data) // 8 + 2 if words else 2
        copy = space.array(name, np.uint64, size) if space else np.empty(size, np.uint64)
        if words:
            copy.view(np.uint8)[: len(data)] = data
        has_nulls = validity is not None and array.null_count > 0
        valid = (
            np.frombuffer(validity, np.uint8)[array.offset // 8 :]
            if has_nulls
            else np.zeros(1, np.uint8)
        )
        return cls(offsets, data, copy, valid, has_nulls, len(array))


# --- the compiled loops ----------------------------------------------------------------------


@nb.njit(inline="always", cache=True)
def _mix(h):  # type: ignore[no-untyped-def]
    # SplitMix64's finaliser: every input bit reaches every output bit.
    h ^= h >> U64(30)
    h *= _M2
    h ^= h >> U64(27)
    h *= _M3
    h ^= h >> U64(31)
    return h


@nb.njit(inline="always", cache=True)
def _space_from(data, i, end):  # type: ignore[no-untyped-def]
    """Bytes of the Unicode space (category Zs, as DuckDB's ``trim`` removes them) that
    starts at ``i``, else 0. In UTF-8: U+0020; U+00A0; U+1680; U+2000-U+200A, U+202F,
    U+205F; U+3000."""
    b = data[i]
    if b == 0x20:
        return 1
    if b == 0xC2:
        return 2 if i + 1 < end and data[i + 1] == 0xA0 else 0
    if i + 2 >= end or b < 0xE1 or b > 0xE3:
        return 0
    b1, b2 = data[i + 1], data[i + 2]
    if b == 0xE1:
        return 3 if b1 == 0x9A and b2 == 0x80 else 0
    if b == 0xE3:
        return 3 if b1 == 0x80 and b2 == 0x80 else 0
    if b1 == 0x80 and (b2 <= 0x8A or b2 == 0xAF) and b2 >= 0x80:
        return 3
    return 3 if b1 == 0x81 and b2 == 0x9F else 0


@nb.njit(inline="always", cache=True)
def _space_before(data, start, end):  # type: ignore[no-untyped-def]
    """Bytes of the Unicode space (Zs) that ends at ``end``, else 0."""
    b = data[end - 1]
    if b == 0x20:
        return 1
    if b == 0xA0:
        return 2 if end - 2 >= start and data[end - 2] == 0xC2 else 0
    if end - 3 < start:
        return 0
    return 3 if _space_from(data, end - 3, end) == 3 else 0


@nb.njit(cache=True, nogil=True)
def _trim(data, start, end):  # type: ignore[no-untyped-def]
    """(start, end) of the bytes [start, end) without the spaces at either end."""
    while start < end:
        n = _space_from(data, start, end)
        if n == 0:
            break
        start += n
    while end > start:
        n = _space_before(data, start, end)
        if n == 0:
            break
        end -= n
    return start, end


@nb.njit(inline="always", cache=True)
def _span(offsets, data, valid, has_nulls, i):  # type: ignore[no-untyped-def]
    """(start, end) of row i's id without surrounding spaces; start == end for no id.

    An id that starts and ends with a printable ASCII byte (other than the space) has no
    space to trim; only others are looked at byte by byte (``_trim``), out of line.
    """
    start = np.int64(offsets[i])
    end = np.int64(offsets[i + 1])
    if has_nulls and ((valid[i >> 3] >> (i & 7)) & 1) == 0:
        return start, start
    if end > start:
        first = np.uint32(data[start]) - np.uint32(0x21)
        last = np.uint32(data[end - 1]) - np.uint32(0x21)
        if (first | last) < np.uint32(0x7F - 0x21 + 1):
            return start, end
    return _trim(data, start, end)


@nb.njit(inline="always", cache=True)
def _word(words, start, end):  # type: ignore[no-untyped-def]
    """The bytes from ``start`` (up to 8, none past ``end``) as a little-endian integer, from
    the two aligned words that hold them (``words`` is padded, so both exist; bytes past
    ``end`` are masked off)."""
    q = start >> 3
    r = U64((start & 7) * 8)
    w = words[q]
    if r:
        w = (w >> r) | (words[q + 1] << (U64(64) - r))
    n = end - start
    if n < 8:
        w &= (U64(1) << U64(8 * n)) - U64(1) if n > 0 else U64(0)
    return w


@nb.njit(inline="always", cache=True)
def _hash(words, start, end, seed):  # type: ignore[no-untyped-def]
    """64 bits of the bytes [start, end): a multiply-xorshift step per word, then SplitMix's
    finaliser."""
    h = (U64(end - start) + seed) * _M1
    i = start
    while i < end:
        h = (h ^ _word(words, i, end)) * _M2
        h ^= h >> U64(29)
        i += 8
    return _mix(h)


@nb.njit(inline="always", cache=True)
def _same(data1, s1, e1, data2, s2, e2):  # type: ignore[no-untyped-def]
    if e1 - s1 != e2 - s2:
        return False
    for k in range(e1 - s1):  # noqa: SIM110 (numba compiles loops, not generators)
        if data1[s1 + k] != data2[s2 + k]:
            return False
    return True


@nb.njit(inline="always", cache=True)
def _holds(slots, p, h, length, w0, w1, data, start, m_offsets, m_data, m_valid, m_nulls):  # type: ignore[no-untyped-def]
    """The member row whose id is in slot ``p`` when it is the id [start, start + length) of
    ``data`` (hash ``h``, first 16 bytes ``w0``, ``w1``), else -1: equal hashes and lengths,
    then equal bytes (in the slot for ids of up to 16 bytes, else in the members' text)."""
    meta = slots[p, 1]
    if slots[p, 0] != h or (meta >> U64(32)) != U64(length):
        return np.int64(-1)
    row = np.int64(meta & U64(0xFFFFFFFF)) - 1
    if length <= _INLINE:
        return row if slots[p, 2] == w0 and slots[p, 3] == w1 else np.int64(-1)
    s2, e2 = _span(m_offsets, m_data, m_valid, m_nulls, row)
    return row if _same(data, start, start + length, m_data, s2, e2) else np.int64(-1)


@intrinsic
def _prefetch(typingctx, array, row):  # type: ignore[no-untyped-def]
    """Ask the processor to start fetching ``array[row]`` (of a 2-D array, its first item)
    into its caches (LLVM's prefetch), so that the reads of a batch of lookups wait for
    memory together, not one by one."""

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        array_type = signature.args[0]
        values = context.make_array(array_type)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        index = [args[1]] + [zero] * (array_type.ndim - 1)
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, values, index, wraparound=False
        )
        byte_pointer = llvm_ir.IntType(8).as_pointer()
        i32 = llvm_ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            llvm_ir.FunctionType(llvm_ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        # a read, kept in every cache level, of data
        builder.call(
            function,
            [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)],
        )
        return context.get_dummy_value()

    return types.void(array, row), codegen


@nb.njit(inline="always", cache=True)
def _slot(h, parts, sub):  # type: ignore[no-untyped-def]
    """The home slot of hash ``h``: its part (top bits) and its place in the part (low bits)."""
    return np.int64(h >> U64(64 - parts)) * sub + np.int64(h & U64(sub - 1))


@nb.njit(inline="always", cache=True)
def _next(p, sub):  # type: ignore[no-untyped-def]
    """The slot after ``p``, within its part."""
    return p - (p & (sub - 1)) + ((p + 1) & (sub - 1))


@nb.njit(parallel=True, cache=True, nogil=True)
def _hash_rows(offsets, data, words, valid, has_nulls, hashes, present):  # type: ignore[no-untyped-def]
    """Each row's id hashed (0 for no id; a hash is never 0)."""
    for i in nb.prange(hashes.shape[0]):
        start, end = _span(offsets, data, valid, has_nulls, i)
        present[i] = end > start
        h = _hash(words, start, end, U64(0))
        hashes[i] = (h if h != 0 else U64(1)) if end > start else U64(0)


@nb.njit(parallel=True, cache=True, nogil=True)
def _present(offsets, data, valid, has_nulls, out):  # type: ignore[no-untyped-def]
    for i in nb.prange(out.shape[0]):
        start, end = _span(offsets, data, valid, has_nulls, i)
        out[i] = end > start


def present(strings: Strings) -> Bools:
    """Whether each row has an id (not null, not empty once trimmed of spaces)."""
    out = np.empty(strings.length, np.bool_)
    _present(strings.offsets, strings.data, strings.valid, strings.has_nulls, out)
    return out


@nb.njit(parallel=True, cache=True, nogil=True)
def _member_hashes(offsets, data, words, valid, has_nulls, usable, hashes, present):  # type: ignore[no-untyped-def]
    for i in nb.prange(hashes.shape[0]):
        start, end = _span(offsets, data, valid, has_nulls, i)
        present[i] = usable[i] and end > start
        hashes[i] = _hash(words, start, end, U64(0))


@nb.njit(parallel=True, cache=True, nogil=True)
def _build_index(offsets, data, words, valid, has_nulls, hashes, present, slots, first, parts):  # type: ignore[no-untyped-def]
    """Insert every present row's id, in row order within each part (one thread a part).

    A slot is [hash, (row + 1) | length << 32, bytes 0-7, bytes 8-15]; ``first[i]`` is the
    earlier row with row i's id, else -1.
    """
    n = hashes.shape[0]
    sub = slots.shape[0] >> parts
    for part in nb.prange(1 << parts):
        for lo in range(0, n, _BATCH):
            hi = min(n, lo + _BATCH)
            for i in range(lo, hi):
                if present[i] and np.int64(hashes[i] >> U64(64 - parts)) == part:
                    _prefetch(slots, _slot(hashes[i], parts, sub))  # type: ignore[call-arg]
            for i in range(lo, hi):
                h = hashes[i]
                if not present[i] or np.int64(h >> U64(64 - parts)) != part:
                    continue
                start, end = _span(offsets, data, valid, has_nulls, i)
                length = end - start
                w0 = _word(words, start, end)
                w1 = _word(words, start + 8, end)
                p = _slot(h, parts, sub)
                while True:
                    if slots[p, 1] == U64(0):
                        slots[p, 0] = h
                        slots[p, 1] = U64(i + 1) | (U64(length) << U64(32))
                        slots[p, 2] = w0
                        slots[p, 3] = w1
                        break
                    row = _holds(
                        slots, p, h, length, w0, w1, data, start, offsets, data, valid, has_nulls
                    )
                    if row >= 0:
                        first[i] = row
                        break
                    p = _next(p, sub)


@nb.njit(parallel=True, cache=True, nogil=True)
def _lookup(  # type: ignore[no-untyped-def]
    offsets, data, words, valid, has_nulls, m_offsets, m_data, m_valid, m_nulls, slots, parts,
    tags, filtered, out, hashes,
):  # fmt: skip
    """out[i] = the member row holding row i's id, -1 when none does, -2 for no id; hashes[i]
    = the id's 64-bit hash.

    Rows are taken ``_BATCH`` at a time: hash them all and ask for their index slots, then
    compare. The slots (far larger than the caches) then arrive from memory together. When
    many ids name no member (``filtered``), the slots' one-byte tags (small enough for the
    processor's last cache) are read first, and only a slot whose tag matches is fetched.
    """
    sub = slots.shape[0] >> parts
    n = out.shape[0]
    chunk = 64 * _BATCH
    for c in nb.prange((n + chunk - 1) // chunk):
        ps = np.empty(_BATCH, np.int64)
        starts = np.empty(_BATCH, np.int64)
        ends = np.empty(_BATCH, np.int64)
        for lo in range(c * chunk, min(n, (c + 1) * chunk), _BATCH):
            count = min(n, lo + _BATCH) - lo
            for j in range(count):
                start, end = _span(offsets, data, valid, has_nulls, lo + j)
                starts[j] = start
                ends[j] = end
                h = _hash(words, start, end, U64(0))
                hashes[lo + j] = h
                ps[j] = _slot(h, parts, sub)
                if end > start:
                    if filtered:
                        _prefetch(tags, ps[j])  # type: ignore[call-arg]
                    else:
                        _prefetch(slots, ps[j])  # type: ignore[call-arg]
            if filtered:  # the first slot of each probe whose tag matches, -1 for none
                for j in range(count):
                    if ends[j] == starts[j]:
                        continue
                    tag = _tag(hashes[lo + j])
                    p = ps[j]
                    while tags[p] != 0 and tags[p] != tag:
                        p = _next(p, sub)
                    ps[j] = p if tags[p] != 0 else -1
                    if tags[p] != 0:
                        _prefetch(slots, p)  # type: ignore[call-arg]
            for j in range(count):
                i = lo + j
                start, end = starts[j], ends[j]
                if end == start:
                    out[i] = NO_ID
                    continue
                found = np.int64(NOT_FOUND)
                length = end - start
                h, p = hashes[i], ps[j]
                w0, w1 = _word(words, start, end), _word(words, start + 8, end)
                while p >= 0 and slots[p, 1] != U64(0):
                    row = _holds(
                        slots, p, h, length, w0, w1, data, start,
                        m_offsets, m_data, m_valid, m_nulls,
                    )  # fmt: skip
                    if row >= 0:
                        found = row
                        break
                    p = _next(p, sub)
                out[i] = found


@nb.njit(inline="always", cache=True)
def _tag(h):  # type: ignore[no-untyped-def]
    """A slot's one-byte tag: the hash's top byte, never 0 (an empty slot's tag)."""
    return np.uint8((h >> U64(56)) | U64(1))


@nb.njit(parallel=True, cache=True, nogil=True)
def _partition(hashes, present, bits, order):  # type: ignore[no-untyped-def]
    """Present rows grouped by the top ``bits`` bits of their hash, in row order within a
    group, into ``order``; returns where each group starts. Two passes, each split across
    threads: count, then place."""
    n = hashes.shape[0]
    groups = 1 << bits
    shift = U64(64 - bits)
    pieces = 8
    size = (n + pieces - 1) // pieces
    counts = np.zeros((pieces, groups), np.int64)
    for t in nb.prange(pieces):
        for i in range(t * size, min(n, (t + 1) * size)):
            if present[i]:
                counts[t, np.int64(hashes[i] >> shift)] += 1
    starts = np.zeros(groups + 1, np.int64)
    place = np.empty((pieces, groups), np.int64)
    running = np.int64(0)
    for g in range(groups):
        starts[g] = running
        for t in range(pieces):
            place[t, g] = running
            running += counts[t, g]
    starts[groups] = running
    for t in nb.prange(pieces):
        for i in range(t * size, min(n, (t + 1) * size)):
            if present[i]:
                group = np.int64(hashes[i] >> shift)
                q = place[t, group]
                order[q] = i
                place[t, group] = q + 1
    return starts


_AHEAD = 16  # rows whose hash is asked for ahead of the row being placed


@nb.njit(parallel=True, cache=True, nogil=True)
def _repeats_and_refs(hashes, order, starts, r_hashes, r_order, r_starts, capacity, found):  # type: ignore[no-untyped-def]
    """Per hash group (each small enough for the processor's caches): which rows share their
    hash with an earlier row, and whether each reference's hash is a row's (``found``).

    Each row's hash is read once, as its group's table is built, so ``hashes`` then takes the
    answer: 1 + the earlier row with the same hash, or 0.
    """
    groups = starts.shape[0] - 1
    pieces = min(groups, 64)
    for t in nb.prange(pieces):
        table = np.empty(capacity, np.uint64)
        owner = np.empty(capacity, np.int64)
        for g in range(t, groups, pieces):
            lo, hi = starts[g], starts[g + 1]
            size = 16
            while size < 2 * (hi - lo):
                size *= 2
            mask = size - 1
            owner[:size] = -1
            for q in range(lo, hi):
                if q + _AHEAD < hi:
                    _prefetch(hashes, np.int64(order[q + _AHEAD]))  # type: ignore[call-arg]
                i = np.int64(order[q])
                h = hashes[i]
                hashes[i] = 0
                p = np.int64((h >> U64(8)) & U64(mask))
                while True:
                    o = owner[p]
                    if o < 0:
                        owner[p], table[p] = i, h
                        break
                    if table[p] == h:
                        hashes[i] = U64(o + 1)
                        break
                    p = (p + 1) & mask
            for q in range(r_starts[g], r_starts[g + 1]):
                h = r_hashes[np.int64(r_order[q])]
                p = np.int64((h >> U64(8)) & U64(mask))
                while owner[p] >= 0:
                    if table[p] == h:
                        found[np.int64(r_order[q])] = True
                        break
                    p = (p + 1) & mask


@nb.njit(parallel=True, cache=True, nogil=True)
def _keys(positions, out, known):  # type: ignore[no-untyped-def]
    for i in nb.prange(positions.shape[0]):
        p = positions[i]
        known[i] = p >= 0
        out[i] = np.int32(p + 1) if p >= 0 else np.int32(0)


@nb.njit(parallel=True, cache=True, nogil=True)
def _buyers(positions, at_us, times, participant, since, member):  # type: ignore[no-untyped-def]
    limit = np.int64(2**31 - 1)
    for i in nb.prange(positions.shape[0]):
        p = positions[i]
        member[i] = p >= 0
        if p >= 0:
            t = at_us[i]
            j = times[p, 0]
            participant[i] = j <= t and t < times[p, 1]
            seconds = t // 1_000_000 - j // 1_000_000
            since[i] = np.int32(max(-limit, min(limit, seconds)))
        else:
            participant[i] = False
            since[i] = 0


# --- what the loader calls -------------------------------------------------------------------


class Workspace:
    """Arrays for one batch's results, reused from batch to batch.

    Memory the process already holds is cheap to write again; a page it has never touched
    costs a fault, and on a virtual machine that hands freed memory back to its host, far
    more than the loop that fills it. So a batch's results go into the same arrays every
    time: whatever is built on them (Arrow arrays included) is used up before the next batch.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, npt.NDArray[Any]] = {}

    def array(self, name: str, dtype: type[Any], n: int) -> npt.NDArray[Any]:
        held = self._arrays.get(name)
        if held is None or held.shape[0] < n or held.dtype != dtype:
            held = np.empty(max(n, 1), dtype)
            self._arrays[name] = held
        return held[:n]


def member_keys(positions: Ints, space: Workspace | None = None, name: str = "keys") -> pa.Array:
    """The member key (the member's data row, ``p + 1``) of each position ``p``; null where
    ``p`` < 0."""
    space = space or Workspace()
    n = len(positions)
    out = space.array(name, np.int32, n)
    known = space.array(name + "_known", np.bool_, n)
    _keys(positions, out, known)
    return arrow_array(out, known, pa.int32())


@dataclass
class Buyers:
    """Who bought, per row: the member's key (null for no member), whether the buyer was a
    member at the time, and the seconds since the buyer joined (null for no member)."""

    mid: pa.Array
    participant: Bools
    since_join: pa.Array
    seconds: npt.NDArray[np.int32]  # ``since_join``'s values (0 where it is null)


def buyer_columns(
    positions: Ints, at_us: Ints, times: npt.NDArray[np.int64], space: Workspace | None = None
) -> Buyers:
    """Who bought, by the member position each row's buyer id names (``lookup``). A buyer is
    a participant from the moment of joining until the moment of leaving (``times``: each
    member's [joined, left] in microseconds, left as the largest int64 when not known); the
    seconds since joining stay within INTEGER's range (68 years either way is as good as
    never)."""
    space = space or Workspace()
    n = len(positions)
    participant = space.array("participant", np.bool_, n)
    member = space.array("member", np.bool_, n)
    since = space.array("since", np.int32, n)
    _buyers(positions, at_us, times, participant, since, member)
    return Buyers(
        member_keys(positions, space, "buyer_mid"),
        participant,
        arrow_array(since, member, pa.int32()),
        since,
    )


@dataclass
class RowHashes:
    """A 64-bit hash of every row's id (0 for none) and whether it has one."""

    hashes: Hashes
    present: Bools

    @classmethod
    def empty(cls, n: int) -> RowHashes:
        return cls(np.zeros(n, np.uint64), np.zeros(n, np.bool_))

    def fill(self, first: int, ids: Strings) -> None:
        """Hash ``ids`` into the rows from ``first`` (0-based) on."""
        rows = slice(first, first + ids.length)
        hashes, present = self.hashes[rows], self.present[rows]
        _hash_rows(ids.offsets, ids.data, ids.words, ids.valid, ids.has_nulls, hashes, present)


def _group_bits(n: int) -> int:
    """Hash groups of 32 K to 64 K rows: each group's table (up to 128 K slots of 16 bytes)
    sits in the processor's caches, and the rows are spread over few enough groups that
    placing them stays a stream of writes."""
    return int(min(20, max(1, int(n).bit_length() - 16)))


def _grouped(hashes: RowHashes, bits: int) -> tuple[Ints, npt.NDArray[Any]]:
    """(group starts, rows): the present rows grouped by their hash's top bits."""
    order = np.empty(
        int(hashes.present.sum()), np.uint32 if len(hashes.hashes) < 2**32 else np.int64
    )
    return _partition(hashes.hashes, hashes.present, bits, order), order


def repeats_and_refs(rows: RowHashes, refs: RowHashes) -> tuple[Ints, Ints, Bools]:
    """(rows whose id hash an earlier row shares, sorted; that earlier row, for each; whether
    each present reference's hash is a present row's). Uses up ``rows.hashes``."""
    bits = _group_bits(int(rows.present.sum()))
    starts, order = _grouped(rows, bits)
    r_starts, r_order = _grouped(refs, bits)
    largest = int(np.diff(starts).max()) if len(starts) > 1 else 0
    capacity = 16
    while capacity < 2 * largest:
        capacity *= 2
    found = np.zeros(len(refs.hashes), np.bool_)
    answers = rows.hashes
    _repeats_and_refs(answers, order, starts, refs.hashes, r_order, r_starts, capacity, found)
    later = np.flatnonzero(answers)
    return later.astype(np.int64), answers[later].astype(np.int64) - 1, found


class MemberIndex:
    """Member ids → their row in the members file, exact on the bytes."""

    reads_words = True  # a lookup reads the ids' ``Strings.words``

    def __init__(self, ids: Strings, usable: Bools) -> None:
        capacity = 1 << max(_PARTS + 4, int(np.ceil(np.log2(max(int(usable.sum()), 1) / 0.6))))
        self.ids = ids
        n = ids.length
        hashes, present = np.empty(n, np.uint64), np.empty(n, np.bool_)
        _member_hashes(ids.offsets, ids.data, ids.words, ids.valid, ids.has_nulls, usable, hashes, present)  # fmt: skip
        self.slots = np.zeros((capacity, 4), np.uint64)
        self.first = np.full(n, -1, np.int64)
        _build_index(
            ids.offsets, ids.data, ids.words, ids.valid, ids.has_nulls, hashes, present,
            self.slots, self.first, _PARTS,
        )  # fmt: skip
        taken = self.slots[:, 1] != 0
        self.tags = np.where(taken, (self.slots[:, 0] >> U64(56)) | U64(1), 0).astype(np.uint8)
        # per column looked up: the share of its last batch's ids that named no member
        self._missed: dict[str, float] = {}

    def lookup(
        self, refs: Strings, space: Workspace | None = None, name: str = "lookup",
        with_hashes: bool = True,
    ) -> tuple[Ints, Hashes]:  # fmt: skip
        """Per row: the member row (0-based) its id names, -1 for none, -2 for no id; and
        the id's 64-bit hash (whatever ``with_hashes`` says: the lookup needs them). With a
        workspace, both live in its arrays ``name``.

        Batches of a column (``name``) whose last batch named no member for a quarter of its
        ids or more are looked up through the tags first."""
        space = space or Workspace()
        out = space.array(name, np.int64, refs.length)
        hashes = space.array(name + "_hash", np.uint64, refs.length)
        m = self.ids
        filtered = self._missed.get(name, 0.0) >= 0.25
        _lookup(
            refs.offsets, refs.data, refs.words, refs.valid, refs.has_nulls,
            m.offsets, m.data, m.valid, m.has_nulls, self.slots, _PARTS,
            self.tags, filtered, out, hashes,
        )  # fmt: skip
        if refs.length:
            self._missed[name] = np.count_nonzero(out == NOT_FOUND) / refs.length
        return out, hashes


@nb.njit(parallel=True, cache=True, nogil=True)
def _count_to(out):  # type: ignore[no-untyped-def]
    for i in nb.prange(out.shape[0]):
        out[i] = i


def concurrent_calls_safe() -> bool:
    """Whether two threads may run these loops at once: numba's OpenMP and TBB layers allow
    it, its fallback work queue does not. (A tiny parallel loop runs first: numba picks its
    layer when the first one runs.)"""
    _count_to(np.zeros(2, np.int64))
    return nb.threading_layer() in ("omp", "tbb")
