"""Synthetic replicas of the six cases in RULES.md, built from the facts as reported.

Each replica is deterministic (a fixed seed) and small enough for a test. They exercise the
audit end to end: ``Replica.write(folder)`` produces the same files an operator would export.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

START = datetime(2021, 1, 4, 9, 0)


@dataclass
class Replica:
    name: str
    currency: str
    members: list[dict[str, object]] = field(default_factory=list)
    transactions: list[dict[str, object]] = field(default_factory=list)
    rewards: list[dict[str, object]] = field(default_factory=list)

    # --- building -----------------------------------------------------------------------
    def join(self, member_id: str, sponsor_id: str | None, at: datetime) -> str:
        self.members.append(
            {"member_id": member_id, "sponsor_id": sponsor_id, "joined_at": at, "left_at": None}
        )
        return member_id

    def txn(
        self,
        kind: str,
        at: datetime,
        amount: Decimal | float | str,
        *,
        seller: str | None = None,
        buyer: str | None = None,
        collects: bool = True,
    ) -> None:
        self.transactions.append(
            {
                "txn_id": f"T{len(self.transactions) + 1}",
                "at": at,
                "kind": kind,
                "seller_id": seller,
                "buyer_id": buyer,
                "amount": Decimal(str(amount)).quantize(Decimal("0.01")),
                "units": 1,
                "ref_txn_id": None,
                "seller_collects": collects,
            }
        )

    def reward(
        self,
        member: str,
        amount: Decimal | float | str,
        basis: str,
        source: str | None,
        at: datetime,
    ) -> None:
        self.rewards.append(
            {
                "reward_id": f"R{len(self.rewards) + 1}",
                "at": at,
                "member_id": member,
                "amount": Decimal(str(amount)).quantize(Decimal("0.01")),
                "basis": basis,
                "source_member_id": source,
            }
        )

    # --- export -------------------------------------------------------------------------
    def tables(self) -> dict[str, pa.Table]:
        schemas = {
            "members": pa.schema(
                [("member_id", pa.string()), ("sponsor_id", pa.string()),
                 ("joined_at", pa.timestamp("us")), ("left_at", pa.timestamp("us"))]
            ),
            "transactions": pa.schema(
                [("txn_id", pa.string()), ("at", pa.timestamp("us")), ("kind", pa.string()),
                 ("seller_id", pa.string()), ("buyer_id", pa.string()),
                 ("amount", pa.decimal128(18, 2)), ("units", pa.int64()),
                 ("ref_txn_id", pa.string()), ("seller_collects", pa.bool_())]
            ),
            "rewards": pa.schema(
                [("reward_id", pa.string()), ("at", pa.timestamp("us")), ("member_id", pa.string()),
                 ("amount", pa.decimal128(18, 2)), ("basis", pa.string()),
                 ("source_member_id", pa.string())]
            ),
        }  # fmt: skip
        rows = {"members": self.members, "transactions": self.transactions, "rewards": self.rewards}
        return {name: pa.Table.from_pylist(rows[name], schema=schemas[name]) for name in schemas}

    def write(self, folder: Path, fmt: str = "csv") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables().items():
            if fmt == "parquet":
                pq.write_table(table, folder / f"{name}.parquet")
            else:
                pacsv.write_csv(table, folder / f"{name}.csv")
        (folder / "dataset.json").write_text(
            f'{{"name": "{self.name}", "currency": "{self.currency}", "period": "synthetic replica"}}',
            encoding="utf-8",
        )
        return folder


def _tree(rep: Replica, prefix: str, branching: list[int], start: datetime, gap: timedelta,
          on_join: Callable[[str, list[str], datetime], None]) -> None:  # fmt: skip
    """Grow a tree level by level; ``on_join(member, uplines_nearest_first, at)`` adds money."""
    at = start
    root = rep.join(f"{prefix}0", None, at)
    on_join(root, [], at)
    frontier: list[tuple[str, list[str]]] = [(root, [])]
    count = 1
    for fan in branching:
        nxt: list[tuple[str, list[str]]] = []
        for parent, uplines in frontier:
            for _ in range(fan):
                at += gap
                member = rep.join(f"{prefix}{count}", parent, at)
                count += 1
                line = [parent, *uplines]
                on_join(member, line, at)
                nxt.append((member, line))
        frontier = nxt


def koscot() -> Replica:
    """In re Koscot (FTC 1975): paid ranks, rewards for bringing in paying recruits."""
    rep = Replica("Koscot Interplanetary", "USD")
    rng = random.Random(1975)
    ranks = ["director", "supervisor", "advisor"]  # by level below the root
    fees = {"director": 5000, "supervisor": 2000, "advisor": 10}

    def on_join(member: str, uplines: list[str], at: datetime) -> None:
        if not uplines:
            return
        rank = ranks[len(uplines) - 1]
        rep.txn("fee", at, fees[rank], buyer=member)
        if rank == "director":
            rep.reward(uplines[0], 2650, "recruitment", member, at)
        elif rank == "supervisor":
            rep.reward(uplines[0], 500, "recruitment", member, at)
        else:  # advisors buy cosmetics at 40 % off and sell a little at retail
            rep.txn("sale", at, 60, buyer=member)
            rep.txn("sale", at + timedelta(days=9), rng.choice([20, 25, 30]), seller=member,
                    buyer=f"C-{member}")  # fmt: skip

    _tree(rep, "K", [4, 3, 4], START, timedelta(hours=7), on_join)
    return rep


def amway() -> Replica:
    """In re Amway (FTC 1979): no fee, 70 % and 10-customer rules, buy-back, pay on retail."""
    rep = Replica("Amway", "USD")
    rng = random.Random(1979)
    months = [START + timedelta(days=30 * m) for m in range(3)]

    def on_join(member: str, uplines: list[str], at: datetime) -> None:
        for month in months:
            buy_at = max(month, at) + timedelta(days=1)
            rep.txn("sale", buy_at, 100, buyer=member)  # stock bought from the company
            sold = Decimal(0)
            for customer in range(12):
                price = Decimal(rng.choice(["9.50", "10.00", "11.00"]))
                rep.txn("sale", buy_at + timedelta(days=2 + customer), price, seller=member,
                        buyer=f"C-{member}-{customer}")  # fmt: skip
                sold += price
            pay_at = buy_at + timedelta(days=13)  # the day of the month's last sale
            rep.reward(member, (sold * Decimal("0.03")).quantize(Decimal("0.01")), "own_sales",
                       member, pay_at)  # fmt: skip
            if uplines:
                rep.reward(uplines[0], (sold * Decimal("0.02")).quantize(Decimal("0.01")),
                           "downline_sales", member, pay_at)  # fmt: skip
        if member.endswith("7"):  # unsold stock is bought back at 90 %
            rep.txn("sale", months[0] + timedelta(days=3), 50, buyer=member)
            rep.txn("buyback", months[2] + timedelta(days=20), 45, seller=member)

    _tree(rep, "A", [5, 5], START, timedelta(hours=5), on_join)
    return rep


def burnlounge() -> Replica:
    """FTC v. BurnLounge (9th Cir. 2014): packages bought to qualify, paid through 6 levels."""
    rep = Replica("BurnLounge", "USD")
    rng = random.Random(2014)
    packages = [Decimal("29.95"), Decimal("129.95"), Decimal("429.95")]

    def on_join(member: str, uplines: list[str], at: datetime) -> None:
        package = rng.choice(packages)
        rep.txn("sale", at, package, buyer=member)
        rep.txn("sale", at + timedelta(days=30), "6.95", buyer=member)  # Mogul status
        for upline in uplines[:6]:
            rep.reward(
                upline,
                (package * Decimal("0.10")).quantize(Decimal("0.01")),
                "downline_sales",
                member,
                at,
            )  # called sales commission; it is not
        rep.txn("sale", at + timedelta(days=12), "8.00", seller=member, buyer=f"C-{member}")

    _tree(rep, "B", [2, 2, 2, 2, 2, 2], START, timedelta(hours=3), on_join)
    return rep


def shanxinhui() -> Replica:
    """善心汇 (2016–17): a 300 CNY seed to join, returns paid out of later members' seeds."""
    rep = Replica("善心汇", "CNY")
    rng = random.Random(2017)
    joined: list[str] = []

    def on_join(member: str, uplines: list[str], at: datetime) -> None:
        if uplines:
            rep.txn("fee", at, 300, buyer=member)
            for distance, upline in enumerate(uplines[:3]):
                rep.reward(upline, [60, 30, 15][distance], "other", member, at)
            earlier = rng.choice(joined)
            rep.reward(earlier, 120, "other", member, at)  # "help" paid from the new seed
        joined.append(member)

    _tree(rep, "S", [3, 3, 3, 3], START, timedelta(hours=2), on_join)
    return rep


def baoyue() -> Replica:
    """宝月窖藏 (2021): free to join; seller 12–13 % and the seller's sponsor 3 %; few sales."""
    rep = Replica("宝月窖藏", "CNY")
    rng = random.Random(2021)
    sellers: list[tuple[str, str]] = []
    for s in range(10):
        sponsor = rep.join(f"Y{s}", None, START + timedelta(days=s))
        for k in range(4):
            sellers.append((rep.join(f"Y{s}-{k}", sponsor, START + timedelta(days=s, hours=k + 1)), sponsor))  # fmt: skip
    for n in range(15):
        seller, sponsor = rng.choice(sellers)
        at = START + timedelta(days=20 + n, hours=3)
        price = Decimal(rng.choice(["168.00", "298.00", "588.00"]))
        rep.txn("sale", at, price, seller=seller, buyer=f"C{n}", collects=False)
        rate = Decimal(rng.choice(["0.12", "0.13"]))
        rep.reward(seller, (price * rate).quantize(Decimal("0.01")), "own_sales", seller, at)
        rep.reward(sponsor, (price * Decimal("0.03")).quantize(Decimal("0.01")), "downline_sales",
                   seller, at)  # fmt: skip
    return rep


def tea_farm() -> Replica:
    """The honest model: free, 200 resellers one level deep, 15 % on their own consumer sales."""
    rep = Replica("Honest tea farm", "CNY")
    rng = random.Random(2026)
    farm = rep.join("F0", None, START)
    for n in range(30):
        rep.txn("sale", START + timedelta(days=n, hours=2), "120.00", seller=farm, buyer=f"FC{n}")
    for r in range(200):
        reseller = rep.join(f"F{r + 1}", farm, START + timedelta(hours=r))
        for c in range(12):
            at = START + timedelta(days=5 + c * 3, hours=r % 24)
            price = Decimal(rng.choice(["88.00", "128.00", "168.00"]))
            rep.txn("sale", at, price, seller=reseller, buyer=f"C-{r}-{c}", collects=False)
            rep.reward(reseller, (price * Decimal("0.15")).quantize(Decimal("0.01")), "own_sales",
                       reseller, at)  # fmt: skip
        if r % 10 == 0:  # a few resellers also drink the tea themselves
            rep.txn("sale", START + timedelta(days=40, hours=r % 24), "88.00", seller=farm, buyer=reseller)  # fmt: skip
    return rep


REPLICAS: dict[str, Callable[[], Replica]] = {
    "koscot": koscot,
    "amway": amway,
    "burnlounge": burnlounge,
    "shanxinhui": shanxinhui,
    "baoyue": baoyue,
    "tea_farm": tea_farm,
}
