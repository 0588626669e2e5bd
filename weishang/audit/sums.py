"""Each member's money, added up while the loader reads the rows.

``indicators.member_flows`` defines every per-member figure in Ibis (net cash, purchases, sales
to outside consumers, rewards, the entry-payment flags, retail customers) and computes them so
on any engine: three GROUP BYs over every transaction and reward. The embedded loader already
holds each row's member positions when it reads the row, so it adds the row to its members'
running sums there and then (one cache line per member), and the indicators read the sums
instead of grouping 150 M rows again. Both follow the same money flows, and a test holds them
to the same table on every replica; the Spark engine, which gets only the clean tables, keeps
computing them in Ibis, so the conformance test compares the two as well.

The sums are kept in minor units (int64). An export whose sums would not fit (more than
9 x 10^16 in one member's column) is flagged ``overflowed``, and the engine then groups in Ibis,
exactly, as before.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from weishang.audit.arrays import arrow_array, booleans, decimals, integers
from weishang.audit.contract import KIND, AuditParams
from weishang.audit.ids import _prefetch

DAY = 86_400  # seconds

# the columns of a member's row of sums from the transactions (BITS: which sums hold
# something, and the buyer's flags), and of its row from the rewards (the rewards file is read
# at the same time as the transactions, into an array of its own)
S_CASH, SOLD, CUSTOMERS, B_CASH, BOUGHT, FIRST_WEEK, BITS = range(7)
REWARDED, REWARDS_N = range(2)
_HAS_SOLD, _HAS_BOUGHT, _HAS_WEEK, _FEE, _ENTRY_FEE, _ENTRY_BUY = (
    np.int64(1 << k) for k in range(6)
)
_SALE, _FEE_KIND, _REFUND = np.int8(KIND["sale"]), np.int8(KIND["fee"]), np.int8(KIND["refund"])
_BATCH = 32
# a part per thread (rounded up to a power of two): a member's part is its position's low bits
_PARTS = 1 << (max(1, int(nb.config.NUMBA_NUM_THREADS)) - 1).bit_length()  # type: ignore[attr-defined]


@nb.njit(inline="always", cache=True)
def _ask_for(sums, positions, lo, hi, part, parts):  # type: ignore[no-untyped-def]
    """Start fetching the rows of the members in ``positions[lo:hi]`` that are in ``part``."""
    for i in range(lo, hi):
        p = positions[i]
        if p >= 0 and p & (parts - 1) == part:
            _prefetch(sums, p)  # type: ignore[call-arg]


@nb.njit(parallel=True, cache=True, nogil=True)
def _add_transactions(  # type: ignore[no-untyped-def]
    sums, seller, buyer, kind, cents, collects, participant, since, new_customer, skip,
    entry_s, week_s, parts, state,
):  # fmt: skip
    """Each kept row, on its seller's row and on its buyer's (positions; < 0: no member).
    Each thread owns the members whose position is its part (the position's low bits; ``parts``
    is a power of two) and reads every row. Branch-free where the data decide (kinds and flags come in any order)."""
    n = seller.shape[0]
    for part in nb.prange(parts):
        overflow = np.int64(0)
        for lo in range(0, n, _BATCH):
            hi = min(n, lo + _BATCH)
            _ask_for(sums, seller, lo, hi, part, parts)
            _ask_for(sums, buyer, lo, hi, part, parts)
            for i in range(lo, hi):
                if skip[i]:
                    continue
                k, amount = kind[i], cents[i]
                sale, fee = np.int64(k == _SALE), np.int64(k == _FEE_KIND)
                # sale, fee and buy-back: the buyer pays the seller; a refund flows back
                signed = amount - 2 * amount * np.int64(k == _REFUND)
                member = np.int64(participant[i])
                s = seller[i]
                if s >= 0 and s & (parts - 1) == part:
                    row = sums[s]
                    sold = sale * (1 - member)
                    overflow |= _plus(row, S_CASH, signed * np.int64(collects[i]))
                    overflow |= _plus(row, SOLD, amount * sold)
                    row[CUSTOMERS] += np.int64(new_customer[i])
                    row[BITS] |= sold * _HAS_SOLD
                b = buyer[i]
                if b >= 0 and b & (parts - 1) == part:
                    row = sums[b]
                    t = since[i]
                    bought = sale * member
                    entry = np.int64(-DAY <= t <= entry_s)
                    week = np.int64(-DAY <= t <= week_s) * (sale | fee)
                    overflow |= _plus(row, B_CASH, -signed)
                    overflow |= _plus(row, BOUGHT, amount * bought)
                    overflow |= _plus(row, FIRST_WEEK, amount * week)
                    row[BITS] |= (
                        bought * _HAS_BOUGHT
                        | week * _HAS_WEEK
                        | fee * _FEE
                        | fee * entry * _ENTRY_FEE
                        | sale * entry * _ENTRY_BUY
                    )
        if overflow < 0:
            state[part] = 1


@nb.njit(inline="always", cache=True)
def _plus(row, column, value):  # type: ignore[no-untyped-def]
    """Add ``value`` to a sum; negative when the sum left int64's range."""
    before = row[column]
    after = before + value
    row[column] = after
    return (before ^ after) & (value ^ after)


@nb.njit(parallel=True, cache=True, nogil=True)
def _add_rewards(sums, recipient, cents, use, parts, state):  # type: ignore[no-untyped-def]
    n = recipient.shape[0]
    for part in nb.prange(parts):
        overflow = np.int64(0)
        for lo in range(0, n, _BATCH):
            hi = min(n, lo + _BATCH)
            _ask_for(sums, recipient, lo, hi, part, parts)
            for i in range(lo, hi):
                r = recipient[i]
                if use[i] and r >= 0 and r & (parts - 1) == part:
                    row = sums[r]
                    overflow |= _plus(row, REWARDED, cents[i])
                    row[REWARDS_N] += 1
        if overflow < 0:
            state[part] = 1


@nb.njit(parallel=True, cache=True, nogil=True)
def _columns(rows, keep, out):  # type: ignore[no-untyped-def]
    """out[k, i] = rows[keep[i], k]: the kept rows' sums, a column each (each row read
    once)."""
    for i in nb.prange(keep.shape[0]):
        r = keep[i]
        for k in range(rows.shape[1]):
            out[k, i] = rows[r, k]


def _kept_columns(
    rows: npt.NDArray[np.int64], keep: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    out = np.empty((rows.shape[1], len(keep)), np.int64)
    _columns(rows, keep, out)
    return out


class MemberSums:
    """One row of running sums per member position (minor units)."""

    def __init__(self, members: int, params: AuditParams) -> None:
        self.params = params  # the entry windows the buyer's flags are taken over
        self.sums = np.zeros((members, 8), np.int64)  # 7 used: a row is one cache line
        self.rewards = np.zeros((members, 2), np.int64)
        # a sum overflowed, per thread's part: [transactions..., rewards...]
        self._state = np.zeros(2 * _PARTS, np.int64)

    @property
    def overflowed(self) -> bool:
        return bool(self._state.any())

    def add_transactions(
        self,
        seller: npt.NDArray[np.int64],
        buyer: npt.NDArray[np.int64],
        kind: npt.NDArray[np.int8],
        cents: npt.NDArray[np.int64],
        collects: npt.NDArray[np.bool_],
        participant: npt.NDArray[np.bool_],
        since: npt.NDArray[np.int32],
        new_customer: npt.NDArray[np.bool_],
        skip: npt.NDArray[np.bool_],
    ) -> None:
        """A batch of transactions; rows with ``skip`` set are not in the clean table."""
        _add_transactions(
            self.sums, seller, buyer, kind, cents, collects, participant, since, new_customer,
            skip, self.params.entry_window_days * DAY, self.params.first_week_days * DAY,
            _PARTS, self._state[:_PARTS],
        )  # fmt: skip

    def add_rewards(
        self,
        recipient: npt.NDArray[np.int64],
        cents: npt.NDArray[np.int64],
        use: npt.NDArray[np.bool_],
    ) -> None:
        _add_rewards(self.rewards, recipient, cents, use, _PARTS, self._state[_PARTS:])

    def table(self, keep: npt.NDArray[np.int64]) -> pa.Table:
        """The kept members' flows, with the columns and types of ``indicators.member_flows``
        (and ``customers``, the distinct outside buyers of each seller)."""
        rows = _kept_columns(self.sums, keep)
        rewarded, count = _kept_columns(self.rewards, keep)
        bits = rows[BITS]
        net = rows[S_CASH] + rows[B_CASH] + rewarded
        return pa.table(
            {
                "mid": arrow_array((keep + 1).astype(np.int32), None, pa.int32()),
                "net": decimals(net, None, 18),
                "net_c": arrow_array(net, None, pa.int64()),
                "rewarded": decimals(rewarded, None, 18),
                "rewards_n": arrow_array(count, None, pa.int64()),
                "bought": decimals(rows[BOUGHT], (bits & _HAS_BOUGHT) != 0, 38),
                "sold": decimals(rows[SOLD], (bits & _HAS_SOLD) != 0, 38),
                "fee": booleans((bits & _FEE) != 0),
                "entry_fee": booleans((bits & _ENTRY_FEE) != 0),
                "entry_buy": booleans((bits & _ENTRY_BUY) != 0),
                "first_week": decimals(rows[FIRST_WEEK], (bits & _HAS_WEEK) != 0, 38),
                "customers": arrow_array(rows[CUSTOMERS], None, pa.int64()),
            }
        )


def reward_ranks(flows: pa.Table) -> pa.Table:
    """Every member's rewards and rank by them, from 1 for the least rewarded, with the
    columns and types of ``indicators.reward_ranks`` (ties in any order there, so a sort of
    the amounts alone is the same table)."""
    rewarded = np.sort(integers(flows.column("rewarded"), np.int64))
    up = np.arange(1, len(rewarded) + 1, dtype=np.int64)
    return pa.table(
        {
            "rewarded": decimals(rewarded, None, 18),
            "up": arrow_array(up, None, pa.int64()),
        }
    )
