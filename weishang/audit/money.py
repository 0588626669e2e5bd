"""The transactions and rewards files: two passes each, the second appending each batch's
usable rows to the clean table as it goes.

The first pass (``clean.OwnIds``) reads the file's own ids (by number or by hash), so the rows
that repeat an earlier row's id are known before any row is kept. The second reads the typed columns and the member
ids batch by batch, resolves every member to its key, notes what the rows say members did
(``activity.py``): a transaction's buyer and seller, a reward's source and recipient, and adds
each row to its members' sums (``sums.py``).
Rewards are read beside the transactions; what their source members did on the day is put
beside them once every transaction is read.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa

from weishang.audit import activity, ids
from weishang.audit.arrays import booleans, flags, integers, money
from weishang.audit.checks import (
    UNKNOWN_RECIPIENT,
    UNKNOWN_REFERENCE,
    UNKNOWN_SELLER,
    UNKNOWN_SOURCE,
    Mask,
    Rows,
    Scan,
    file_values,
    repeat_check,
    report,
)
from weishang.audit.clean import CleanTable, OwnIds, rows_of, scan
from weishang.audit.contract import BASES, KINDS, REWARDS, TRANSACTIONS
from weishang.audit.load import RawFile
from weishang.audit.members import MemberKeys
from weishang.audit.problems import ProblemLog
from weishang.audit.sums import MemberSums
from weishang.audit.totals import Totals

# What DuckDB's typed pass (``checks.TypedScan``) computes for files it reads; a Parquet file
# of native types gets the same columns from ``native.NativeScan``.
TRANSACTION_COLUMNS = {
    "at_us": 'epoch_us("at")',
    "day": 'CAST("at" AS DATE)',
    "kind": f"CAST(enum_code(TRY_CAST(kind AS {KINDS})) AS TINYINT)",
    "amount_c": "CAST(CAST(amount AS DECIMAL(38, 2)) * 100 AS BIGINT)",
    "seller_collects": "COALESCE(seller_collects, true)",
}
REWARD_COLUMNS = {
    "at_us": 'epoch_us("at")',
    "day": 'CAST("at" AS DATE)',
    "amount_c": "CAST(CAST(amount AS DECIMAL(38, 2)) * 100 AS BIGINT)",
    "basis": f"CAST(enum_code(TRY_CAST(basis AS {BASES})) AS TINYINT)",
}


def _own_id_checks(seen: OwnIds, typed_scan: Scan, first: int, skip: Mask) -> Rows:
    """A batch's rows (from ``first``, 0-based) with no id of their own, reported, and those
    repeating an earlier usable row's id: both set in ``skip``; returns the repeats (1-based)."""
    missing = seen.missing(first, len(skip))
    typed_scan.report("missing_id", missing, file_values(seen.raw, seen.raw.spec.id_column))
    skip[missing - first - 1] = True
    again = seen.repeats(first, ~skip)
    skip[again] = True
    return again + first + 1


class Transactions:
    """The transactions file, and what its rows say members did (``days``)."""

    def __init__(self, raw: RawFile) -> None:
        self.raw = raw
        self.days = activity.MemberDays(raw.rows)
        self.rows_kept = 0  # rows of the clean table, once ``clean`` has run

    def clean(
        self,
        con: duckdb.DuckDBPyConnection,
        seen: OwnIds,
        members: MemberKeys,
        sums: MemberSums,
        totals: Totals,
        log: ProblemLog,
        cross: dict[str, ProblemLog],
        *,
        keep: bool = True,
    ) -> pa.Table | None:
        """The second pass (``seen`` is the first): the clean table (None unless ``keep``:
        ``rows_kept`` counts its rows either way). Each kept row is added to its members'
        ``sums`` and to the ``totals``."""
        raw = self.raw
        typed_scan, batches = scan(con, raw, TRANSACTION_COLUMNS, ["seller_id", "buyer_id"])
        store = CleanTable("transactions")
        customers = activity.Customers(raw.rows)
        spaces = (ids.Workspace(), ids.Workspace())  # in turn: one batch stored, one computed
        kept = np.zeros(raw.rows, np.bool_)
        repeated: list[Rows] = []
        unknown_sellers: list[Rows] = []
        for k, (first, typed, batch, skip) in enumerate(batches):
            n, space = typed.num_rows, spaces[k % 2]
            repeated.append(_own_id_checks(seen, typed_scan, first, skip))
            seller, _ = members.lookup(batch, "seller_id", space)
            buyer, buyer_hash = members.lookup(batch, "buyer_id", space, with_hashes=True)
            unknown = np.flatnonzero(~skip & (seller == ids.NOT_FOUND)).astype(np.int64)
            unknown_sellers.append(unknown + first + 1)
            at_us = integers(typed.column("at_us"), np.int64)
            buyers = ids.buyer_columns(buyer, at_us, members.times, space)
            kind = integers(typed.column("kind"), np.int8)
            new_customer = activity.transaction_activity(
                self.days,
                customers,
                kind,
                integers(typed.column("day"), np.int32),
                buyers.participant,
                seller,
                buyer,
                buyer_hash,
                skip,
                space,
            )
            cents = integers(typed.column("amount_c"), np.int64)
            sums.add_transactions(
                seller, buyer, kind, cents,
                flags(typed.column("seller_collects"), space, "collects"),
                buyers.participant, buyers.seconds, new_customer, skip,
            )  # fmt: skip
            totals.add_transactions(kind, cents, buyers.participant, buyer, skip)
            kept[first : first + n] = ~skip
            if not keep:
                continue
            part = pa.table(
                {
                    "kind": typed.column("kind"),
                    "amount": money(typed.column("amount_c")),
                    "seller_collects": typed.column("seller_collects"),
                    "seller_mid": ids.member_keys(seller, space, "seller_mid"),
                    "buyer_mid": buyers.mid,
                    "participant": booleans(buyers.participant),
                    "since_join": buyers.since_join,
                    "new_customer": booleans(new_customer),
                }
            )
            if skip.any():
                store.add(part.filter(booleans(~skip)), owned=True)
            else:
                store.add(part)
        typed_scan.problems(log)
        ids_of = file_values(raw, "txn_id")
        report(log, repeat_check(TRANSACTIONS), raw.label, rows_of(repeated), ids_of)
        sellers = file_values(raw, "seller_id")
        report(cross["seller"], UNKNOWN_SELLER, raw.label, rows_of(unknown_sellers), sellers)
        refs = seen.unknown_refs
        refs = refs[kept[refs]] + 1
        references = file_values(raw, "ref_txn_id")
        report(cross["reference"], UNKNOWN_REFERENCE, raw.label, refs, references)
        self.rows_kept = int(np.count_nonzero(kept))
        return store.table() if keep else None


def clean_rewards(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    members: MemberKeys,
    seen: OwnIds,
    sums: MemberSums,
    log: ProblemLog,
    cross: dict[str, ProblemLog],
) -> CleanTable:
    """The rewards file's second pass (``seen`` is its first), beside the transactions': the
    clean table, to be finished with what the source members did that day once every
    transaction is read (``source_activity``). Each kept reward is added to its recipient's
    ``sums``."""
    typed_scan, batches = scan(con, raw, REWARD_COLUMNS, ["member_id", "source_member_id"])
    store = CleanTable("rewards", later=SOURCE_ACTIVITY, scratch={"day": pa.int32()})
    spaces = (ids.Workspace(), ids.Workspace())  # in turn: one batch stored, one computed
    repeated: list[Rows] = []
    unknown_recipients: list[Rows] = []
    unknown_sources: list[Rows] = []
    for k, (first, typed, batch, skip) in enumerate(batches):
        n, space = typed.num_rows, spaces[k % 2]
        recipient, _ = members.lookup(batch, "member_id", space)
        empty = np.flatnonzero(recipient == ids.NO_ID).astype(np.int64)
        typed_scan.report("missing_member", empty + first + 1, file_values(raw, "member_id"))
        skip[empty] = True
        repeated.append(_own_id_checks(seen, typed_scan, first, skip))
        unknown = ~skip & (recipient == ids.NOT_FOUND)
        unknown_recipients.append(np.flatnonzero(unknown).astype(np.int64) + first + 1)
        source, _ = members.lookup(batch, "source_member_id", space)
        lost = ~skip & ~unknown & (source == ids.NOT_FOUND)
        unknown_sources.append(np.flatnonzero(lost).astype(np.int64) + first + 1)
        at_us = integers(typed.column("at_us"), np.int64)
        day = integers(typed.column("day"), np.int32)
        part = pa.table(
            {
                "amount": money(typed.column("amount_c")),
                "basis": typed.column("basis"),
                "member_mid": ids.member_keys(recipient, space, "member_mid"),
                "source_mid": ids.member_keys(source, space, "source_mid"),
                "levels_above": members.levels_above(source, recipient, space),
                "day": pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(day)]),
            }
            | members.sources(source, at_us, space)
        )
        use = ~skip & ~unknown
        sums.add_rewards(recipient, integers(typed.column("amount_c"), np.int64), use)
        if use.all():
            store.add(part)
        else:
            store.add(part.filter(booleans(use)), owned=True)
    typed_scan.problems(log)
    ids_of = file_values(raw, "reward_id")
    report(log, repeat_check(REWARDS), raw.label, rows_of(repeated), ids_of)
    for found, check, key in (
        (unknown_recipients, UNKNOWN_RECIPIENT, "recipient"),
        (unknown_sources, UNKNOWN_SOURCE, "source"),
    ):
        report(cross[key], check, raw.label, rows_of(found), file_values(raw, check.column))
    return store


SOURCE_ACTIVITY = ("source_bought", "source_paid_fee", "source_sold")


def source_activity(
    days: activity.MemberDays, totals: Totals
) -> Callable[[pa.RecordBatch], dict[str, pa.Array]]:
    """What each reward's source member did on the reward's day (``days``: from every
    transaction), for a batch of the rewards' clean table (``clean_rewards``); each reward,
    so classified, is added to the ``totals``."""

    def finish(batch: pa.RecordBatch) -> dict[str, pa.Array]:
        did = np.empty(batch.num_rows, np.uint8)
        keys = integers(batch.column("source_mid"), np.int64)  # no source: 0
        days.flags(keys, integers(batch.column("day"), np.int32), did)
        totals.add_rewards(batch, did)
        return {
            "source_bought": booleans((did & activity.BOUGHT) != 0),
            "source_paid_fee": booleans((did & activity.PAID_FEE) != 0),
            "source_sold": booleans((did & activity.SOLD) != 0),
        }

    return finish
