"""Whole-export totals, added up while the loader reads the rows.

Two of the indicators' queries read every row for a handful of sums: the sales totals
(``indicators._transaction_totals``: sales by kind and by buyer) scan all the transactions,
and the reward mix (``indicators.reward_cells``) groups all the rewards into a few hundred
cells by declared basis, basis by behaviour, funded by entrants or not, and levels above the
source.
The loader holds every one of those columns while it builds the clean tables, so it adds each
row to the totals there and then, and the embedded engine reads the totals instead of scanning
150 M rows again. The Ibis queries stay the definition, and what every other engine runs; a
test holds the loader's figures equal to them on every replica.

Sums are exact whatever the amounts: each amount in minor units is split into its low 32 bits
and the rest, each part summed in int64 over one batch (at most ``_MAX_BATCH`` rows, so neither
can overflow), and the batches' sums are added in Python integers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from weishang.audit.activity import BOUGHT, PAID_FEE, SOLD
from weishang.audit.arrays import integers, known
from weishang.audit.contract import BASIS, KIND, AuditParams
from weishang.audit.sums import DAY

_MAX_BATCH = 1 << 30  # rows a batch may have: 2^32 x 2^30 < 2^63
_LOW = np.int64(0xFFFFFFFF)

# the sales totals (the names of ``indicators._transaction_totals``)
SALES_TOTALS = (
    "sales",
    "consumer_sales",
    "member_purchases",
    "fees",
    "buybacks",
    "refunds",
    "collected_from_members",
)
_SALE, _FEE, _BUYBACK, _REFUND = (np.int8(KIND[k]) for k in ("sale", "fee", "buyback", "refund"))

# reward bases, by code (``contract.BASIS``)
_OWN, _DOWNLINE, _PURCHASE, _RECRUITMENT, _FEE_SHARE = (
    np.int8(BASIS[b])
    for b in ("own_sales", "downline_sales", "purchase_volume", "recruitment", "fee_share")
)
_BASES = len(BASIS)
# the reward cells are a dense array over the levels above the source up to this many; a
# deeper tree leaves the reward mix to the engine
MAX_LEVELS = 4096


@nb.njit(cache=True, nogil=True)
def _sales(kind, cents, participant, buyer, skip, out):  # type: ignore[no-untyped-def]
    """Each kept row's amount onto the sales totals it counts in (``SALES_TOTALS``): its
    kind's, a sale's to consumers or to members, and what members paid. ``out`` holds per
    total the sum of the amounts' low words, of their high words, and the count. No branch
    per row (kinds come in any order): a row adds its amount times 0 or 1 to each total,
    and the totals are a pass each over the batch, kept in registers."""
    n = kind.shape[0]
    for t in range(len(SALES_TOTALS)):
        low = high = rows = np.int64(0)
        for i in range(n):
            k = kind[i]
            use = np.int64(not skip[i])
            sale = use * np.int64(k == _SALE)
            member = np.int64(participant[i])
            if t == 0:
                c = sale
            elif t == 1:
                c = sale * (1 - member)
            elif t == 2:
                c = sale * member
            elif t == 3:
                c = use * np.int64(k == _FEE)
            elif t == 4:
                c = use * np.int64(k == _BUYBACK)
            elif t == 5:
                c = use * np.int64(k == _REFUND)
            else:
                c = (sale * member + use * np.int64(k == _FEE)) * np.int64(buyer[i] >= 0)
            low += (cents[i] & _LOW) * c
            high += (cents[i] >> 32) * c
            rows += c
        out[t, 0] = low
        out[t, 1] = high
        out[t, 2] = rows


@nb.njit(inline="always", cache=True)
def _classified(b, own, did, joined, recent):  # type: ignore[no-untyped-def]
    """(basis by behaviour, funded by entrants) of a reward of declared basis ``b``, as
    ``indicators._classified_rewards`` tells them: whether its source is its recipient or
    none (``own``), what the source did that day (``did``, ``activity``'s flags), whether
    the source joined that day, and whether the reward falls in the source's entry window
    (from a day before joining to the window's days after)."""
    bought, fee, sold = (did & BOUGHT) != 0, (did & PAID_FEE) != 0, (did & SOLD) != 0
    came = joined and not own
    on_sales = b in (_OWN, _DOWNLINE)
    sale_basis = _OWN if own else _DOWNLINE
    consistent = (
        (on_sales and sold)
        or (b == _PURCHASE and bought)
        or (b == _FEE_SHARE and fee)
        or (b == _RECRUITMENT and came)
    )
    if consistent:
        behaviour = sale_basis if on_sales else b
    elif fee and not own:
        behaviour = _FEE_SHARE
    elif bought:
        behaviour = _PURCHASE
    elif came:
        behaviour = _RECRUITMENT
    elif sold:
        behaviour = sale_basis
    else:
        behaviour = b
    entrant = behaviour in (_FEE_SHARE, _RECRUITMENT) or (
        behaviour == _PURCHASE and not own and recent
    )
    return behaviour, entrant


@nb.njit(cache=True)
def _classes():  # type: ignore[no-untyped-def]
    """``_classified`` of every case, as behaviour * 2 + entrant, indexed by (basis, own,
    did, joined, recent): 384 bytes, so that a reward is classified by one look-up."""
    table = np.empty((_BASES, 2, 8, 2, 2), np.int8)
    for b in range(_BASES):
        for own in range(2):
            for did in range(8):
                for joined in range(2):
                    for recent in range(2):
                        behaviour, entrant = _classified(
                            np.int8(b), own == 1, did, joined == 1, recent == 1
                        )
                        table[b, own, did, joined, recent] = behaviour * 2 + np.int8(entrant)
    return table


@nb.njit(cache=True, nogil=True)
def _reward_cells(  # type: ignore[no-untyped-def]
    basis, member, source, did, joined, since, since_known, above, cents, window_s, classes,
    out,
):  # fmt: skip
    """Each reward onto its cell: (declared basis, basis by behaviour, funded by entrants,
    levels above the source, 0 for none), classified by ``classes`` (``_classes``);
    ``source`` is 0 where the reward has none."""
    levels = out.shape[3]
    for i in range(basis.shape[0]):
        b = basis[i]
        own = np.int64(source[i] == 0 or source[i] == member[i])
        recent = np.int64(since_known[i] and -DAY <= since[i] <= window_s)
        c = classes[b, own, did[i] & 7, np.int64(joined[i]), recent]
        behaviour, e = c >> 1, c & 1
        level = max(0, min(levels - 1, above[i]))
        amount = cents[i]
        out[b, behaviour, e, level, 0] += amount & _LOW
        out[b, behaviour, e, level, 1] += amount >> 32
        out[b, behaviour, e, level, 2] += 1


def _exact(low: int, high: int) -> int:
    return int(low) + (int(high) << 32)


class Totals:
    """The sales totals and the reward cells of one export, batch by batch."""

    def __init__(self, params: AuditParams, depth: int) -> None:
        self.params = params  # the entry window the rewards' ``entrant`` is taken over
        self._sales = [[0, 0] for _ in SALES_TOTALS]  # [cents, rows]
        self._scratch = np.zeros((len(SALES_TOTALS), 3), np.int64)
        # the rewards' cells; none when the tree is too deep for a dense array of them
        self._levels = depth + 1 if depth < MAX_LEVELS else 0
        self._cells: dict[tuple[int, int, bool, int], list[int]] = {}
        self._cell_scratch = np.zeros((_BASES, _BASES, 2, max(self._levels, 1), 3), np.int64)
        self._classes = _classes() if self._levels else None

    def add_transactions(
        self,
        kind: npt.NDArray[np.int8],
        cents: npt.NDArray[np.int64],
        participant: npt.NDArray[np.bool_],
        buyer: npt.NDArray[np.int64],
        skip: npt.NDArray[np.bool_],
    ) -> None:
        """A batch of transactions (``buyer``: member positions, < 0 none); rows with
        ``skip`` set are not in the clean table."""
        assert len(kind) <= _MAX_BATCH
        out = self._scratch
        out[:] = 0
        _sales(kind, cents, participant, buyer, skip, out)
        for total, (low, high, rows) in zip(self._sales, out.tolist(), strict=True):
            total[0] += _exact(low, high)
            total[1] += rows

    def sales(self) -> dict[str, Decimal | None]:
        """The sales totals as ``indicators._transaction_totals`` gives them (null for no row)."""
        return {
            name: (Decimal(cents).scaleb(-2) if rows else None)
            for name, (cents, rows) in zip(SALES_TOTALS, self._sales, strict=True)
        }

    def add_rewards(self, batch: pa.RecordBatch, did: npt.NDArray[np.uint8]) -> None:
        """A batch of the rewards' clean table, with what each source did that day."""
        if not self._levels or not batch.num_rows:
            return
        assert batch.num_rows <= _MAX_BATCH
        since = batch.column("source_since_join")
        above = integers(batch.column("levels_above"), np.int32)  # none: 0
        out = self._cell_scratch
        out[:] = 0
        _reward_cells(
            integers(batch.column("basis"), np.int8),
            integers(batch.column("member_mid"), np.int32),
            integers(batch.column("source_mid"), np.int32),  # none: 0
            did,
            batch.column("source_joined").to_numpy(zero_copy_only=False),
            integers(since, np.int32),
            known(since),
            above,
            integers(batch.column("amount"), np.int64),
            self.params.entry_window_days * DAY,
            self._classes,
            out,
        )
        for b, behaviour, entrant, level in zip(*np.nonzero(out[..., 2]), strict=True):
            low, high, rows = out[b, behaviour, entrant, level].tolist()
            cell = self._cells.setdefault(
                (int(b), int(behaviour), bool(entrant), int(level)), [0, 0]
            )
            cell[0] += _exact(low, high)
            cell[1] += rows

    def reward_cells(self) -> list[dict[str, Any]] | None:
        """The rows of ``indicators.reward_cells``' grouping (basis and behaviour as codes), or
        None when the tree was too deep to count them here."""
        if not self._levels:
            return None
        return [
            {
                "basis": b,
                "behaviour": behaviour,
                "entrant": entrant,
                "levels_above": level or None,
                "amount": Decimal(cents).scaleb(-2),
                "n": rows,
            }
            for (b, behaviour, entrant, level), (cents, rows) in sorted(self._cells.items())
        ]
