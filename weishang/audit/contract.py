"""The audit data contract (see docs/audit-data.md): files, columns and allowed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
FILE_NAMES = tuple(f.name for f in FILES)

# Headers that name a contract column in real exports: Chinese back offices (as 有赞, 微店
# and the distribution plug-ins of open-source malls label their exports) and English ones.
# Matched after the contract's own name, case, spaces and punctuation aside; the first
# header that matches wins, and the report names every column matched this way.
_WHEN = ("时间", "日期", "date", "time", "datetime", "timestamp", "created_at")
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "members": {
        "member_id": ("会员编号", "会员id", "会员号", "会员账号", "用户id", "用户编号", "member",
                      "member_no", "user_id", "userid", "id"),
        "sponsor_id": ("推荐人", "推荐人编号", "推荐人id", "推荐人账号", "上级", "上级编号",
                       "上级id", "邀请人", "邀请人id", "sponsor", "referrer", "referrer_id",
                       "upline", "upline_id", "parent_id", "invited_by"),
        "joined_at": ("注册时间", "加入时间", "入会时间", "注册日期", "加入日期", "入会日期",
                      "joined", "join_date", "joined_on", "registered_at", "signup_date",
                      "created_at"),
        "left_at": ("退出时间", "离开时间", "注销时间", "退出日期", "left", "leave_date",
                    "left_on", "cancelled_at"),
    },
    "transactions": {
        "txn_id": ("交易编号", "交易号", "订单号", "订单编号", "流水号", "交易流水号",
                   "transaction_id", "transaction", "order_id", "order_no", "txn", "id"),
        "at": ("交易时间", "下单时间", "支付时间", "付款时间", *_WHEN),
        "kind": ("交易类型", "类型", "type", "transaction_type"),
        "seller_id": ("卖家", "卖家编号", "卖家id", "销售人", "销售人编号", "seller"),
        "buyer_id": ("买家", "买家编号", "买家id", "购买人", "购买人编号", "顾客", "buyer",
                     "customer", "customer_id"),
        "amount": ("金额", "交易金额", "订单金额", "实付金额", "支付金额", "付款金额", "total",
                   "amount_paid", "value"),
        "units": ("数量", "件数", "quantity", "qty"),
        "ref_txn_id": ("原订单号", "原交易编号", "关联订单号", "退款订单号", "original_txn_id",
                       "refund_of", "ref"),
        "seller_collects": ("卖家收款", "seller_collected"),
    },
    "rewards": {
        "reward_id": ("奖励编号", "奖金编号", "佣金编号", "流水号", "reward", "bonus_id",
                      "commission_id", "id"),
        "at": ("发放时间", "结算时间", *_WHEN),
        "member_id": ("会员编号", "会员id", "获得人", "获奖人", "收款人", "member", "recipient",
                      "payee"),
        "amount": ("金额", "奖金", "奖金金额", "佣金", "佣金金额", "奖励金额", "value"),
        "basis": ("奖励类型", "奖金类型", "佣金类型", "类型", "计酬依据", "type", "reward_type",
                  "bonus_type"),
        "source_member_id": ("来源会员", "来源会员编号", "来源会员id", "贡献人", "来源",
                             "source", "source_member", "from_member"),
    },
}  # fmt: skip
# Sheet names of a workbook that holds the three files
SHEET_SYNONYMS = {
    "members": ("会员", "会员表", "成员"),
    "transactions": ("交易", "交易表", "订单", "订单表"),
    "rewards": ("奖励", "奖金", "佣金", "奖励表", "奖金表"),
}
# Values of ``kind`` and ``basis`` as Chinese back offices write them
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "kind": {"销售": "sale", "零售": "sale", "订单": "sale", "购买": "sale", "入会费": "fee",
             "入门费": "fee", "会费": "fee", "加盟费": "fee", "费用": "fee", "回购": "buyback",
             "退款": "refund", "退货": "refund"},
    "basis": {"个人销售": "own_sales", "零售奖": "own_sales", "团队销售": "downline_sales",
              "团队奖": "downline_sales", "下线销售": "downline_sales", "复购": "purchase_volume",
              "进货": "purchase_volume", "业绩": "purchase_volume", "推荐奖": "recruitment",
              "直推奖": "recruitment", "拉新": "recruitment", "会费分成": "fee_share",
              "其他": "other", "其它": "other"},
}  # fmt: skip


@dataclass(frozen=True)
class ReadOptions:
    """How to read an export where its own files cannot tell (the command's options)."""

    # file -> contract column -> the file's header for it (``--columns``)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    decimal: str | None = None  # "." or ","; None: told per column from its values
    day_first: bool | None = None  # for 03/01/2024; None: told per column from its values


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
        # what the source member did on the reward's day (the dataset's zone): bought as a participant, paid
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
