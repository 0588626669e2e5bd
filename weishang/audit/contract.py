"""The audit data contract (see docs/audit-data.md): files, columns and allowed values."""

from __future__ import annotations

from dataclasses import dataclass

TXN_KINDS = ("sale", "fee", "buyback", "refund")
REWARD_BASES = (
    "own_sales",
    "downline_sales",
    "purchase_volume",
    "recruitment",
    "fee_share",
    "other",
)


@dataclass(frozen=True)
class FileSpec:
    name: str
    id_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


MEMBERS = FileSpec("members", "member_id", ("member_id", "sponsor_id", "joined_at"), ("left_at",))
TRANSACTIONS = FileSpec(
    "transactions",
    "txn_id",
    ("txn_id", "at", "kind", "seller_id", "buyer_id", "amount"),
    ("units", "ref_txn_id", "seller_collects"),
)
REWARDS = FileSpec(
    "rewards",
    "reward_id",
    ("reward_id", "at", "member_id", "amount", "basis"),
    ("source_member_id",),
)
FILES = (MEMBERS, TRANSACTIONS, REWARDS)

# The clean tables every engine receives: the columns the indicators read, typed and narrow
# (a 100 M-row export is audited in memory). Text ids are gone once the loader has checked
# them: every member a row names is an integer key (the member's data row; null when the id
# names no member), and a buyer is a ``buyer_key`` (see ``validate.py``). What the loader
# learns by following ids is there too: the buyer's membership at the time of a transaction
# and whether the sale is the seller's first to that buyer, each member's level in the sponsor
# tree (``sponsors.py``), and beside a reward what its source member did that day, when the
# source joined and how far above the source the paid member sits (``activity.py``).
# A transaction's ``kind`` and a reward's ``basis`` are small integer codes: the value's position
# in ``TXN_KINDS`` or ``REWARD_BASES`` (``KIND``, ``BASIS``), cheaper to store, compare and
# group than text. The loader checks the text against these enums.
KINDS = "ENUM(" + ", ".join(f"'{k}'" for k in TXN_KINDS) + ")"
BASES = "ENUM(" + ", ".join(f"'{b}'" for b in REWARD_BASES) + ")"
KIND = {name: code for code, name in enumerate(TXN_KINDS)}
BASIS = {name: code for code, name in enumerate(REWARD_BASES)}
CLEAN_SCHEMAS: dict[str, dict[str, str]] = {
    "members": {
        "mid": "INTEGER",  # the member's data row in the members file
        "sponsor_mid": "INTEGER",  # null for a root
        "joined_at": "TIMESTAMP",
        # 1 for a root, one more per sponsor link; null in or below a sponsor cycle
        "level": "INTEGER",
    },
    "transactions": {
        "kind": "TINYINT",  # KIND
        "amount": "DECIMAL(18,2)",
        "seller_collects": "BOOLEAN",
        "seller_mid": "INTEGER",
        "buyer_mid": "INTEGER",
        # the buyer was a member at the time (joined at or before it, not yet left)
        "participant": "BOOLEAN",
        # seconds from the buyer's joining to the transaction (negative before it); null for
        # a buyer who is no member
        "since_join": "INTEGER",
        # a sale to an outside consumer that is the seller's first to this buyer id (every
        # sale to an anonymous consumer is one); false for any other row
        "new_customer": "BOOLEAN",
    },
    "rewards": {
        "amount": "DECIMAL(18,2)",
        "basis": "TINYINT",  # BASIS
        "member_mid": "INTEGER",
        "source_mid": "INTEGER",
        # how many levels above the source the paid member sits (1: the source's sponsor),
        # when the paid member is an ancestor of the source; else null
        "levels_above": "INTEGER",
        # what the source member did on the reward's day (UTC): bought as a participant, paid
        # a fee, sold to an outside consumer, joined (false without a source)
        "source_bought": "BOOLEAN",
        "source_paid_fee": "BOOLEAN",
        "source_sold": "BOOLEAN",
        "source_joined": "BOOLEAN",
        # the seconds from the source member's joining to the reward (null without a source)
        "source_since_join": "INTEGER",
    },
}
TABLES = tuple(CLEAN_SCHEMAS)  # members, transactions, rewards


@dataclass(frozen=True)
class AuditParams:
    entry_window_days: int = 30  # "bought or paid within N days of joining" = an entry payment
    first_week_days: int = 7  # UK Trading Schemes: what a participant pays in the first 7 days
