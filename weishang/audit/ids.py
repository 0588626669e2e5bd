"""Id columns, matched in compiled loops over Arrow's string buffers.

An export names members, transactions and rewards by text ids. The loader needs three things
from them, at 100 M rows and more: every member reference turned into the member's integer key
(``MemberIndex.lookup``), the rows whose id repeats an earlier row's, and whether each
``ref_txn_id`` names a transaction (both ``repeats_and_refs``). Hash joins on text in a query engine pay
for all three again and again; here each id is hashed once, straight from the Arrow buffers,
with numba (LLVM) loops that run on every core.

What is exact and what is hashed:

* A member reference matches a member only when the bytes are equal: the index keeps every
  member id of up to 16 bytes beside its hash, in the same 32-byte slot, and compares longer
  ids byte by byte.
* Repeated ids are found by a 96-bit hash (64 + 32 bits) and then confirmed on the text by the
  loader (``validate.py``), so a repeat is never reported on a hash alone.
* A reference is taken as found when its 96-bit hash is a kept transaction's: two different
  ids would have to agree on all 96 bits (at 100 M transactions, a chance of about one in
  10^13 per export) for an unknown reference to go unreported.

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

U64 = np.uint64
_M1 = U64(0x9E3779B97F4A7C15)
_M2 = U64(0xBF58476D1CE4E5B9)
_M3 = U64(0x94D049BB133111EB)
_SEED2 = U64(0xD6E8FEB86659FD93)
SPACES = "".join(map(chr, (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)))
_BATCH = 64  # lookups resolved together, so that their memory reads overlap
_INLINE = 16  # id bytes kept in an index slot
NOT_FOUND = -1  # a member lookup: the id names no member
NO_ID = -2  # a member lookup: the row has no id
_FILTER_BITS = 27  # a 16 MiB bit filter in front of the member index (fits the L3 cache)

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Hashes = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class Strings:
    """numpy views of an Arrow string array's buffers (no copy)."""

    offsets: npt.NDArray[Any]  # int32 (string) or int64 (large_string)
    data: npt.NDArray[np.uint8]
    words: npt.NDArray[np.uint64]  # the same bytes as 64-bit words (a copy, zero-padded)
    valid: npt.NDArray[np.uint8]  # Arrow's validity bitmap, shifted to bit 0; empty: no nulls
    has_nulls: bool
    length: int

    @classmethod
    def of(cls, array: pa.Array | pa.ChunkedArray) -> Strings:
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
        words = np.zeros(len(data) // 8 + 2, np.uint64)
        words.view(np.uint8)[: len(data)] = data
        has_nulls = validity is not None and array.null_count > 0
        valid = (
            np.frombuffer(validity, np.uint8)[array.offset // 8 :]
            if has_nulls
            else np.zeros(1, np.uint8)
        )
        return cls(offsets, data, words, valid, has_nulls, len(array))


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


@nb.njit(inline="always", cache=True)
def _span(offsets, data, valid, has_nulls, i):  # type: ignore[no-untyped-def]
    """(start, end) of row i's id without surrounding spaces; start == end for no id."""
    start = np.int64(offsets[i])
    end = np.int64(offsets[i + 1])
    if has_nulls and ((valid[i >> 3] >> (i & 7)) & 1) == 0:
        return start, start
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
def _word(words, start, end):  # type: ignore[no-untyped-def]
    """The bytes from ``start`` (up to 8, none past ``end``) as a little-endian integer, from
    the two aligned words that hold them (``words`` is zero-padded, so both exist)."""
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


@nb.njit(parallel=True, cache=True)
def _hash_rows(offsets, data, words, valid, has_nulls, h1, h2, present):  # type: ignore[no-untyped-def]
    """Two independent hashes of each row's id, in one pass over its bytes."""
    for i in nb.prange(h1.shape[0]):
        start, end = _span(offsets, data, valid, has_nulls, i)
        present[i] = end > start
        a = U64(end - start) * _M1
        b = (U64(end - start) + _SEED2) * _M3
        k = start
        while k < end:
            w = _word(words, k, end)
            a = (a ^ w) * _M2
            a ^= a >> U64(29)
            b = (b ^ w) * _M3
            b ^= b >> U64(31)
            k += 8
        h1[i] = _mix(a)
        h2[i] = np.uint32(_mix(b ^ _SEED2) >> U64(32))


@nb.njit(cache=True)
def _build_index(offsets, data, words, valid, has_nulls, usable, capacity):  # type: ignore[no-untyped-def]
    """Insert every usable row's id, in row order. A slot is [hash, (row + 1) | length << 32,
    bytes 0-7, bytes 8-15]; ``first[i]`` is the earlier row with row i's id, else -1."""
    mask = capacity - 1
    slots = np.zeros((capacity, 4), np.uint64)
    first = np.full(offsets.shape[0] - 1, -1, np.int64)
    for i in range(offsets.shape[0] - 1):
        start, end = _span(offsets, data, valid, has_nulls, i)
        if not usable[i] or end == start:
            continue
        h = _hash(words, start, end, U64(0))
        length = end - start
        w0 = _word(words, start, end)
        w1 = _word(words, start + 8, end)
        p = np.int64(h & U64(mask))
        while True:
            meta = slots[p, 1]
            if meta == U64(0):
                slots[p, 0] = h
                slots[p, 1] = U64(i + 1) | (U64(length) << U64(32))
                slots[p, 2] = w0
                slots[p, 3] = w1
                break
            row = _holds(slots, p, h, length, w0, w1, data, start, offsets, data, valid, has_nulls)
            if row >= 0:
                first[i] = row
                break
            p = (p + 1) & mask
    return slots, first


@nb.njit(cache=True)
def _filter_bits(slots, bits_log):  # type: ignore[no-untyped-def]
    bits = np.zeros(1 << (bits_log - 6), np.uint64)
    mask = U64((1 << bits_log) - 1)
    for p in range(slots.shape[0]):
        if slots[p, 1] != U64(0):
            b = (slots[p, 0] >> U64(20)) & mask
            bits[b >> U64(6)] |= U64(1) << (b & U64(63))
    return bits


@nb.njit(parallel=True, cache=True)
def _lookup(  # type: ignore[no-untyped-def]
    offsets, data, words, valid, has_nulls, m_offsets, m_data, m_valid, m_nulls, slots, bits,
    out, hashes,
):  # fmt: skip
    """out[i] = the member row holding row i's id, -1 when none does, -2 for no id; hashes[i]
    = the id's 64-bit hash.

    Rows are taken ``_BATCH`` at a time: hash them all, then test them all against the bit
    filter (which answers most misses), then read all their index slots, then compare. Each
    step's memory reads are independent, so the processor overlaps them.
    """
    mask = slots.shape[0] - 1
    bmask = U64(bits.shape[0] * 64 - 1)
    n = out.shape[0]
    chunk = 64 * _BATCH
    for c in nb.prange((n + chunk - 1) // chunk):
        hs = np.empty(_BATCH, np.uint64)
        ps = np.empty(_BATCH, np.int64)
        starts = np.empty(_BATCH, np.int64)
        ends = np.empty(_BATCH, np.int64)
        w0s = np.empty(_BATCH, np.uint64)
        w1s = np.empty(_BATCH, np.uint64)
        metas = np.zeros(_BATCH, np.uint64)
        maybe = np.empty(_BATCH, np.bool_)
        for lo in range(c * chunk, min(n, (c + 1) * chunk), _BATCH):
            count = min(n, lo + _BATCH) - lo
            for j in range(count):
                start, end = _span(offsets, data, valid, has_nulls, lo + j)
                starts[j] = start
                ends[j] = end
                h = _hash(words, start, end, U64(0))
                hs[j] = h
                hashes[lo + j] = h
                ps[j] = np.int64(h & U64(mask))
                w0s[j] = _word(words, start, end)
                w1s[j] = _word(words, start + 8, end)
            for j in range(count):
                f = (hs[j] >> U64(20)) & bmask
                maybe[j] = (
                    ends[j] > starts[j] and ((bits[f >> U64(6)] >> (f & U64(63))) & U64(1)) == 1
                )
            for j in range(count):
                if maybe[j]:
                    metas[j] = slots[ps[j], 1]
            for j in range(count):
                i = lo + j
                start, end = starts[j], ends[j]
                if end == start:
                    out[i] = NO_ID
                    continue
                found = np.int64(NOT_FOUND)
                length = end - start
                if maybe[j]:
                    h, p, meta = hs[j], ps[j], metas[j]
                    while meta != U64(0):
                        row = _holds(
                            slots, p, h, length, w0s[j], w1s[j], data, start,
                            m_offsets, m_data, m_valid, m_nulls,
                        )  # fmt: skip
                        if row >= 0:
                            found = row
                            break
                        p = (p + 1) & mask
                        meta = slots[p, 1]
                out[i] = found


@nb.njit(cache=True)
def _partition(h1, present, bits):  # type: ignore[no-untyped-def]
    """Present rows grouped by the top ``bits`` bits of their hash, in row order in a group."""
    shift = U64(64 - bits)
    starts = np.zeros((1 << bits) + 1, np.int64)
    for i in range(h1.shape[0]):
        if present[i]:
            starts[np.int64(h1[i] >> shift) + 1] += 1
    starts = np.cumsum(starts)
    fill = starts[:-1].copy()
    rows = np.empty(starts[-1], np.int64)
    for i in range(h1.shape[0]):
        if present[i]:
            g = np.int64(h1[i] >> shift)
            rows[fill[g]] = i
            fill[g] += 1
    return starts, rows


@nb.njit(inline="always", cache=True)
def _capacity(n):  # type: ignore[no-untyped-def]
    c = 16
    while c < 2 * n:
        c *= 2
    return c


@nb.njit(parallel=True, cache=True)
def _repeats_and_refs(h1, h2, starts, rows, r1, r2, r_starts, r_rows, first, found):  # type: ignore[no-untyped-def]
    """Per hash group (each small enough for the processor's caches): ``first[i]`` = the
    earlier row with row i's 96-bit hash, else -1; ``found[k]`` = whether reference k's hash
    is a row's (rows that repeat an earlier one included: they carry the same id)."""
    for g in nb.prange(starts.shape[0] - 1):
        lo, hi = starts[g], starts[g + 1]
        capacity = _capacity(hi - lo)
        mask = capacity - 1
        keys = np.zeros(capacity, np.uint64)
        tags = np.zeros(capacity, np.uint32)
        owner = np.full(capacity, -1, np.int64)
        for q in range(lo, hi):
            i = rows[q]
            p = np.int64((h1[i] >> U64(8)) & U64(mask))
            while True:
                if owner[p] < 0:
                    owner[p], keys[p], tags[p] = i, h1[i], h2[i]
                    break
                if keys[p] == h1[i] and tags[p] == h2[i]:
                    first[i] = owner[p]
                    break
                p = (p + 1) & mask
        for q in range(r_starts[g], r_starts[g + 1]):
            k = r_rows[q]
            p = np.int64((r1[k] >> U64(8)) & U64(mask))
            while owner[p] >= 0:
                if keys[p] == r1[k] and tags[p] == r2[k]:
                    found[k] = True
                    break
                p = (p + 1) & mask


@nb.njit(parallel=True, cache=True)
def _keys(positions, mid, out, known):  # type: ignore[no-untyped-def]
    for i in nb.prange(positions.shape[0]):
        p = positions[i]
        known[i] = p >= 0
        out[i] = np.int32(mid[p]) if p >= 0 else np.int32(0)


@nb.njit(parallel=True, cache=True)
def _buyers(  # type: ignore[no-untyped-def]
    positions, hashes, at_us, mid, joined_us, left_us, left_known, key, key_known,
    participant, since, member
):  # fmt: skip
    limit = np.int64(2**31 - 1)
    for i in nb.prange(positions.shape[0]):
        p = positions[i]
        member[i] = p >= 0
        key_known[i] = p != NO_ID
        if p >= 0:
            key[i] = mid[p]
            t = at_us[i]
            j = joined_us[p]
            participant[i] = j <= t and (not left_known[p] or t < left_us[p])
            seconds = t // 1_000_000 - j // 1_000_000
            since[i] = np.int32(max(-limit, min(limit, seconds)))
        else:
            # an outside buyer: the id's hash, made negative so it never meets a member key
            key[i] = np.int64(hashes[i] | U64(1 << 63))
            participant[i] = False
            since[i] = 0


# --- what the loader calls -------------------------------------------------------------------


def _arrow(values: npt.NDArray[Any], known: Bools, kind: pa.DataType) -> pa.Array:
    bitmap = None if known.all() else pa.py_buffer(np.packbits(known, bitorder="little"))
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)])


def member_keys(positions: Ints, mid: Ints) -> pa.Array:
    """The member key (``mid[p]``) of each position ``p``; null where ``p`` < 0."""
    out = np.empty(len(positions), np.int32)
    known = np.empty(len(positions), np.bool_)
    _keys(positions, mid, out, known)
    return _arrow(out, known, pa.int32())


def buyer_columns(
    positions: Ints, hashes: Hashes, at_us: Ints, mid: Ints, joined_us: Ints,
    left_us: Ints, left_known: Bools,
) -> dict[str, pa.Array]:  # fmt: skip
    """Who bought, by the member position each row's buyer id names (``lookup``): the key
    (a member's key, else a negative number from the id's hash, null for no id), whether the
    buyer was a member at the time, and the seconds since the buyer joined (null for no
    member; within INTEGER's range: 68 years either way is as good as never)."""
    n = len(positions)
    key, key_known = np.empty(n, np.int64), np.empty(n, np.bool_)
    participant, member = np.empty(n, np.bool_), np.empty(n, np.bool_)
    since = np.empty(n, np.int32)
    _buyers(
        positions, hashes, at_us, mid, joined_us, left_us, left_known, key, key_known,
        participant, since, member,
    )  # fmt: skip
    return {
        "buyer_mid": member_keys(positions, mid),
        "buyer_key": _arrow(key, key_known, pa.int64()),
        "participant": pa.array(participant),
        "since_join": _arrow(since, member, pa.int32()),
    }


@dataclass
class RowHashes:
    """A 96-bit hash of every row's id (``h1`` 64 bits, ``h2`` 32 more) and whether it has one."""

    h1: Hashes
    h2: npt.NDArray[np.uint32]
    present: Bools

    @classmethod
    def empty(cls, n: int) -> RowHashes:
        return cls(np.zeros(n, np.uint64), np.zeros(n, np.uint32), np.zeros(n, np.bool_))

    def fill(self, first: int, ids: Strings) -> None:
        """Hash ``ids`` into the rows from ``first`` (0-based) on."""
        rows = slice(first, first + ids.length)
        h1, h2, present = self.h1[rows], self.h2[rows], self.present[rows]
        _hash_rows(ids.offsets, ids.data, ids.words, ids.valid, ids.has_nulls, h1, h2, present)


def _group_bits(n: int) -> int:
    """Hash groups of about 32 K rows: each group's table fits the processor's L2 cache."""
    return int(min(16, max(1, int(np.log2(max(n, 1))) - 15)))  # (a shift by 64 is undefined)


def repeats_and_refs(rows: RowHashes, refs: RowHashes) -> tuple[Ints, Bools]:
    """(the earlier row with the same id hash, or -1, per row; whether each present
    reference's hash is a present row's)."""
    bits = _group_bits(int(rows.present.sum()))
    starts, order = _partition(rows.h1, rows.present, bits)
    r_starts, r_order = _partition(refs.h1, refs.present, bits)
    first = np.full(len(rows.h1), -1, np.int64)
    found = np.zeros(len(refs.h1), np.bool_)
    _repeats_and_refs(
        rows.h1, rows.h2, starts, order, refs.h1, refs.h2, r_starts, r_order, first, found
    )
    return first, found


class MemberIndex:
    """Member ids → their row in the members file, exact on the bytes."""

    def __init__(self, ids: Strings, usable: Bools) -> None:
        capacity = 1 << max(4, int(np.ceil(np.log2(max(int(usable.sum()), 1) / 0.6))))
        self.ids = ids
        self.slots, self.first = _build_index(
            ids.offsets, ids.data, ids.words, ids.valid, ids.has_nulls, usable, capacity
        )
        self.bits = _filter_bits(self.slots, _FILTER_BITS)

    def lookup(self, refs: Strings) -> tuple[Ints, Hashes]:
        """Per row: the member row (0-based) its id names, -1 for none, -2 for no id; and
        the id's 64-bit hash."""
        out = np.empty(refs.length, np.int64)
        hashes = np.empty(refs.length, np.uint64)
        m = self.ids
        _lookup(
            refs.offsets, refs.data, refs.words, refs.valid, refs.has_nulls,
            m.offsets, m.data, m.valid, m.has_nulls, self.slots, self.bits, out, hashes,
        )  # fmt: skip
        return out, hashes


def concurrent_calls_safe() -> bool:
    """Whether two threads may run these loops at once: numba's OpenMP and TBB layers allow
    it, its fallback work queue does not. (Asked after a parallel loop has run.)"""
    try:
        return nb.threading_layer() in ("omp", "tbb")
    except ValueError:  # no parallel loop has run yet
        return False
