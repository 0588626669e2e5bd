"""What members did, found while the transactions are read: the days each member bought,
paid a fee or sold to an outside consumer, and the customers each seller sold to.

A reward's basis is checked against what its source member did on the reward's day; a
seller's retail customers are the distinct outside buyers it sold to. Both follow ids from
one row to others, so the loader answers them as it reads, in compiled hash sets, and the
clean tables carry the answers (``source_bought``, ``source_paid_fee``, ``source_sold``
beside each reward; ``new_customer`` beside each sale): the indicators only count.

``MemberDays`` keys a member and a day in one 64-bit word, exactly: the member's key (up to
2^32) and the day (within 2^22 days, 11,000 years, of 1970; a day outside that range never
matches), with three flag bits on top. ``Customers`` keys a seller and a buyer by a 64-bit
hash of the seller's key and the buyer id's hash: two different pairs agreeing on all 64
bits would make one customer count for two (at 60 M sales, a chance of about one in 10^4
that any customer of the export is miscounted by one).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

from weishang.audit.contract import KIND
from weishang.audit.ids import _M2, _M3, NO_ID, U64, Workspace, _mix, _next, _prefetch, _slot

BOUGHT, PAID_FEE, SOLD = 1, 2, 4  # the flags of a member's day
_DAY_BITS = 23
_DAY_OFFSET = 1 << (_DAY_BITS - 1)
_FLAGS_AT = 32 + _DAY_BITS
_KEY_MASK = U64((1 << _FLAGS_AT) - 1)
_ALL = U64(0xFFFFFFFFFFFFFFFF)  # a customer key is all of its 64 bits, with no marks
_BATCH = 32


def _capacity(rows: int) -> int:
    """Slots for up to ``rows`` keys, at most three quarters full, in ``_PARTS`` parts."""
    capacity = 1 << 10
    while capacity * 3 < rows * 4:
        capacity *= 2
    return capacity


# The sets are split into parts by the top bits of a key's hash, each part probed within
# itself: each thread owns some parts and reads every row, so keys are added in row order
# (a seller's first sale to a buyer is the first in the file) with no two threads on a slot.
_THREADS = int(nb.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
_PARTS = max(1, (max(1, _THREADS) - 1).bit_length())  # log2, rounded up


@nb.njit(inline="always", cache=True)
def _part(h, parts):  # type: ignore[no-untyped-def]
    return np.int64(h >> U64(64 - parts))


@nb.njit(inline="always", cache=True)
def _day_key(mid, day):  # type: ignore[no-untyped-def]
    """(member key, day since 1970) as one word, 0 when the day is out of range."""
    shifted = np.int64(day) + _DAY_OFFSET
    if shifted < 0 or shifted >= (1 << _DAY_BITS):
        return U64(0)
    return (U64(mid) << U64(_DAY_BITS)) | U64(shifted)


@nb.njit(parallel=True, cache=True, nogil=True)
def _insert(slots, keys, marks, mask, parts, new):  # type: ignore[no-untyped-def]
    """Add each row's key (0: none) to the set, with its mark bits, in row order within each
    part; ``new[i]``: row i's key was not in the set yet (rows without a key are left as they
    are). Keys are compared on the bits of ``mask`` (the bits above are marks)."""
    sub = slots.shape[0] >> parts
    n = keys.shape[0]
    for part in nb.prange(1 << parts):
        homes = np.empty(_BATCH, np.int64)
        rows = np.empty(_BATCH, np.int64)
        count = 0
        for i in range(n + 1):
            if i < n:
                if keys[i] == 0:
                    continue
                h = _mix(keys[i])
                if _part(h, parts) != part:
                    continue
                homes[count] = _slot(h, parts, sub)
                rows[count] = i
                _prefetch(slots, homes[count])  # type: ignore[call-arg]
                count += 1
                if count < _BATCH:
                    continue
            for j in range(count):
                i, p = rows[j], homes[j]
                key = keys[i]
                while True:
                    held = slots[p, 0]
                    if held == 0:
                        slots[p, 0] = key | marks[i]
                        new[i] = True
                        break
                    if held & mask == key:
                        slots[p, 0] = held | marks[i]
                        new[i] = False
                        break
                    p = _next(p, sub)
            count = 0


@nb.njit(parallel=True, cache=True, nogil=True)
def _day_keys(members, days, flags, keys, marks):  # type: ignore[no-untyped-def]
    """Each row's (member, day) key, 0 with no flag or no member, and its flag as mark bits."""
    for i in nb.prange(members.shape[0]):
        keys[i] = _day_key(members[i], days[i]) if flags[i] != 0 and members[i] > 0 else U64(0)
        marks[i] = U64(flags[i]) << U64(_FLAGS_AT)


@nb.njit(parallel=True, cache=True, nogil=True)
def _flags(slots, members, days, out, parts):  # type: ignore[no-untyped-def]
    sub = slots.shape[0] >> parts
    n = members.shape[0]
    chunk = 64 * _BATCH
    for c in nb.prange((n + chunk - 1) // chunk):
        homes = np.empty(_BATCH, np.int64)
        keys = np.empty(_BATCH, np.uint64)
        for lo in range(c * chunk, min(n, (c + 1) * chunk), _BATCH):
            count = min(n, lo + _BATCH) - lo
            for j in range(count):
                i = lo + j
                keys[j] = _day_key(members[i], days[i]) if members[i] > 0 else 0
                homes[j] = _slot(_mix(keys[j]), parts, sub)
                if keys[j] != 0:
                    _prefetch(slots, homes[j])  # type: ignore[call-arg]
            for j in range(count):
                key = keys[j]
                found = U64(0)
                if key != 0:
                    p = homes[j]
                    while slots[p, 0] != 0:
                        if slots[p, 0] & _KEY_MASK == key:
                            found = slots[p, 0] >> U64(_FLAGS_AT)
                            break
                        p = _next(p, sub)
                out[lo + j] = np.uint8(found)


@nb.njit(parallel=True, cache=True, nogil=True)
def _what_rows_did(  # type: ignore[no-untyped-def]
    kind, participant, seller, buyer, skip, sale, fee,
    buyer_key, buyer_flag, seller_key, seller_flag, consumer, anonymous,
):  # fmt: skip
    for i in nb.prange(kind.shape[0]):
        b, s = buyer[i], seller[i]
        buyer_key[i] = b + 1 if b >= 0 else 0
        seller_key[i] = s + 1 if s >= 0 else 0
        anonymous[i] = b == NO_ID
        use = not skip[i]
        is_sale = kind[i] == sale
        buyer_flag[i] = np.uint8(0)
        if use and is_sale and participant[i]:
            buyer_flag[i] = np.uint8(BOUGHT)
        elif use and kind[i] == fee and b >= 0:
            buyer_flag[i] = np.uint8(PAID_FEE)
        retail = use and is_sale and not participant[i] and s >= 0
        seller_flag[i] = np.uint8(SOLD) if retail else np.uint8(0)
        consumer[i] = retail


class MemberDays:
    """The days each member bought as a participant, paid a fee or sold to an outside
    consumer (a member is its key: its data row in the members file)."""

    def __init__(self, rows: int) -> None:
        self.slots = np.zeros((_capacity(rows), 1), np.uint64)
        self._space = Workspace()

    def mark(
        self,
        members: npt.NDArray[np.int64],
        days: npt.NDArray[np.int32],
        flags: npt.NDArray[np.uint8],
    ) -> None:
        """Note that each member (a key; 0: none) did what ``flags`` says on the day."""
        n, space = len(members), self._space
        keys, marks = space.array("keys", np.uint64, n), space.array("marks", np.uint64, n)
        _day_keys(members, days, flags, keys, marks)
        _insert(self.slots, keys, marks, _KEY_MASK, _PARTS, space.array("new", np.bool_, n))

    def flags(
        self,
        members: npt.NDArray[np.int64],
        days: npt.NDArray[np.int32],
        out: npt.NDArray[np.uint8],
    ) -> None:
        """What each member (a key; 0: none) did on the day, into ``out``."""
        _flags(self.slots, members, days, out, _PARTS)


@nb.njit(parallel=True, cache=True, nogil=True)
def _pair_keys(sellers, buyers, anonymous, consumer, keys, out):  # type: ignore[no-untyped-def]
    """Each sale to a known outside consumer's (seller, buyer) key (0 for any other row), and
    ``out[i]`` true for a sale to an anonymous consumer (a new customer every time)."""
    for i in nb.prange(sellers.shape[0]):
        pair = _mix((U64(sellers[i]) * _M2) ^ (buyers[i] * _M3))
        known = consumer[i] and not anonymous[i]
        keys[i] = (pair if pair != 0 else U64(1)) if known else U64(0)
        out[i] = consumer[i] and anonymous[i]


def transaction_activity(
    days: MemberDays,
    customers: Customers,
    kind: npt.NDArray[np.int8],
    day: npt.NDArray[np.int32],
    participant: npt.NDArray[np.bool_],
    seller: npt.NDArray[np.int64],
    buyer: npt.NDArray[np.int64],
    buyer_hash: npt.NDArray[np.uint64],
    skip: npt.NDArray[np.bool_],
    space: Workspace,
) -> npt.NDArray[np.bool_]:
    """Note what a batch of transactions (in row order; ``seller`` and ``buyer`` are member
    positions) says members did, and return, per row, whether it is a seller's first sale to
    an outside consumer (``new_customer``)."""
    n = len(kind)
    buyer_key, seller_key = (
        space.array("buyer_key", np.int64, n),
        space.array("seller_key", np.int64, n),
    )
    buyer_flag, seller_flag = (
        space.array("buyer_flag", np.uint8, n),
        space.array("seller_flag", np.uint8, n),
    )
    consumer, anonymous = (
        space.array("consumer", np.bool_, n),
        space.array("anonymous", np.bool_, n),
    )
    _what_rows_did(
        kind, participant, seller, buyer, skip, KIND["sale"], KIND["fee"],
        buyer_key, buyer_flag, seller_key, seller_flag, consumer, anonymous,
    )  # fmt: skip
    days.mark(buyer_key, day, buyer_flag)
    days.mark(seller_key, day, seller_flag)
    new = space.array("new_customer", np.bool_, n)
    customers.first_sales(seller_key, buyer_hash, anonymous, consumer, new)
    return new


class Customers:
    """The (seller, buyer) pairs of the sales to outside consumers seen so far."""

    def __init__(self, rows: int) -> None:
        self.slots = np.zeros((_capacity(rows), 1), np.uint64)
        self._space = Workspace()

    def first_sales(
        self,
        sellers: npt.NDArray[np.int64],
        buyers: npt.NDArray[np.uint64],
        anonymous: npt.NDArray[np.bool_],
        consumer: npt.NDArray[np.bool_],
        out: npt.NDArray[np.bool_],
    ) -> None:
        """For each row (in row order, batch after batch): whether it is a sale to an outside
        consumer (``consumer``) that is the seller's first to this buyer (by the buyer id's
        hash; every ``anonymous`` sale is a new customer), into ``out``."""
        n, space = len(sellers), self._space
        keys, marks = space.array("keys", np.uint64, n), space.array("marks", np.uint64, n)
        marks[:] = 0
        _pair_keys(sellers, buyers, anonymous, consumer, keys, out)
        _insert(self.slots, keys, marks, _ALL, _PARTS, out)
