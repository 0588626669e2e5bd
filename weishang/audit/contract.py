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

# Column types of the clean tables every engine receives. Beside them the loader adds integer
# member keys, so that the indicators join on integers (see ``KEY_COLUMNS``), and ``_row``.
CLEAN_SCHEMAS: dict[str, dict[str, str]] = {
    "members": {
        "member_id": "VARCHAR",
        "sponsor_id": "VARCHAR",
        "joined_at": "TIMESTAMP",
        "left_at": "TIMESTAMP",
    },
    "transactions": {
        "txn_id": "VARCHAR",
        "at": "TIMESTAMP",
        "kind": "VARCHAR",
        "seller_id": "VARCHAR",
        "buyer_id": "VARCHAR",
        "amount": "DECIMAL(18,2)",
        "units": "BIGINT",
        "ref_txn_id": "VARCHAR",
        "seller_collects": "BOOLEAN",
    },
    "rewards": {
        "reward_id": "VARCHAR",
        "at": "TIMESTAMP",
        "member_id": "VARCHAR",
        "amount": "DECIMAL(18,2)",
        "basis": "VARCHAR",
        "source_member_id": "VARCHAR",
    },
}

# Added by the loader (``validate.py``): each member's integer key (``mid``, the member's data
# row) and, in the other tables, the key of every member id (null when the id names no
# member), with the buyer's membership dates beside each transaction.
KEY_COLUMNS: dict[str, dict[str, str]] = {
    "members": {"mid": "BIGINT", "sponsor_mid": "BIGINT"},
    "transactions": {
        "seller_mid": "BIGINT",
        "buyer_mid": "BIGINT",
        "buyer_joined_at": "TIMESTAMP",
        "buyer_left_at": "TIMESTAMP",
    },
    "rewards": {"member_mid": "BIGINT", "source_mid": "BIGINT"},
}
