"""Generate a synthetic audit dataset (Parquet) of any size, for timing the audit.

The output follows the audit data contract (docs/audit-data.md): ``members.parquet``,
``transactions.parquet``, ``rewards.parquet`` and ``dataset.json`` in one folder. The channel it
describes is a plausible mixed one, so that every indicator has real work to do:

- a sponsor tree grown by preferential attachment: a quarter of the members recruit, older
  recruiters recruit more, a handful of roots; it reaches a depth of 23 (1 M members, seed 42)
  and 30 (10 M members); most members recruit nobody;
- membership grows over three years, faster towards the end; a fifth of the members leave;
- sales to outside consumers (some anonymous, some to a person who joins later), members'
  purchases from their sponsor or the company, fees paid soon after joining, buy-backs, and
  refunds of earlier sales;
- rewards on every basis, paid to the seller or to an upline up to six levels above the member
  whose sale, purchase, fee or joining triggered them.

Everything is vectorised (numpy, Arrow compute) and written in row groups of ``--chunk`` rows,
so memory stays flat whatever the size: the member arrays (join times and sponsors, 16 bytes a
member) plus one chunk. Transactions and rewards are written by two processes at once.
The same ``--seed`` and sizes give the same files.

    .venv/bin/python bench/audit/generate.py --preset 1m          # -> bench/data/audit-1m
    .venv/bin/python bench/audit/generate.py --preset 1m --csv    # and bench/data/audit-1m-csv
    .venv/bin/python bench/audit/generate.py --members 1000 --transactions 20000 \\
        --rewards 5000 --out /tmp/small
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BENCH_DATA = Path(__file__).resolve().parent.parent / "data"

# members, transactions, rewards
PRESETS: dict[str, tuple[int, int, int]] = {
    "10k": (10_000, 100_000, 50_000),
    "100k": (100_000, 1_000_000, 500_000),
    "1m": (1_000_000, 10_000_000, 5_000_000),
    "10m": (10_000_000, 100_000_000, 50_000_000),
}

PERIOD_START = datetime(2023, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 1, 1, tzinfo=UTC)
START_US = int(PERIOD_START.timestamp()) * 1_000_000
SPAN_US = int(PERIOD_END.timestamp()) * 1_000_000 - START_US
DAY_US = 86_400 * 1_000_000

FOUNDERS = 5  # the first members are roots
ROOT_RATE = 1e-5  # later members who join without a sponsor
RECRUITER_SHARE = 0.25  # members who ever recruit anyone
SENIORITY = 1.3  # > 1: older recruiters are picked more often (preferential attachment)
LEAVER_SHARE = 0.2
CONSUMERS_PER_MEMBER = 3

TIMESTAMP = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(18, 2)
TABLE_SEEDS = {"members": 1, "transactions": 2, "rewards": 3}

SCHEMAS = {
    "members": pa.schema(
        [
            ("member_id", pa.string()),
            ("sponsor_id", pa.string()),
            ("joined_at", TIMESTAMP),
            ("left_at", TIMESTAMP),
        ]
    ),
    "transactions": pa.schema(
        [
            ("txn_id", pa.string()),
            ("at", TIMESTAMP),
            ("kind", pa.string()),
            ("seller_id", pa.string()),
            ("buyer_id", pa.string()),
            ("amount", MONEY),
            ("units", pa.int64()),
            ("ref_txn_id", pa.string()),
            ("seller_collects", pa.bool_()),
        ]
    ),
    "rewards": pa.schema(
        [
            ("reward_id", pa.string()),
            ("at", TIMESTAMP),
            ("member_id", pa.string()),
            ("amount", MONEY),
            ("basis", pa.string()),
            ("source_member_id", pa.string()),
        ]
    ),
}

# Transaction mix (row shares before refunds that find no sale to reverse turn into sales).
RETAIL, PURCHASE, FEE, BUYBACK, REFUND = range(5)
TXN_MIX = np.array([0.58, 0.30, 0.05, 0.01, 0.06])
TXN_KIND_NAMES = ["sale", "sale", "fee", "buyback", "refund"]

REWARD_BASES = ["own_sales", "downline_sales", "purchase_volume", "recruitment", "fee_share"]
REWARD_BASES += ["other"]
OWN, DOWNLINE, VOLUME, RECRUITMENT, FEE_SHARE, OTHER = range(6)
REWARD_MIX = np.array([0.45, 0.25, 0.10, 0.08, 0.05, 0.07])


@dataclass(frozen=True)
class Members:
    """What transactions and rewards need to know about the members: sorted join times and
    sponsors (member index, -1 for a root). A member's sponsor always joined before them."""

    joined_us: np.ndarray
    sponsor: np.ndarray

    def __len__(self) -> int:
        return len(self.joined_us)

    def joined_by(self, at_us: np.ndarray) -> np.ndarray:
        """How many members had joined at each time (at least 1: the first founder)."""
        return np.maximum(np.searchsorted(self.joined_us, at_us, side="right"), 1)

    def ancestor(self, member: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The upline ``levels`` above each member, stopping at a root; and how far it got."""
        current = member.copy()
        reached = np.zeros(len(member), dtype=np.int64)
        for step in range(int(levels.max(initial=0))):
            up = self.sponsor[current]
            move = (levels > step) & (up >= 0)
            current = np.where(move, up, current)
            reached += move
        return current, reached


# --- building blocks -------------------------------------------------------------------------


def growth_times(first: int, stop: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted event times (µs) for events ``first..stop`` of ``total`` over the period.

    Stratified uniforms ``(i + U) / total`` are sorted by construction, so any slice can be
    drawn on its own; they are mapped through the inverse of the CDF of a density rising
    linearly from 0.2 to 1.2 (activity grows with the channel).
    """
    u = (np.arange(first, stop, dtype=np.float64) + rng.random(stop - first)) / total
    x = -0.2 + np.sqrt(0.04 + 1.4 * u)
    return START_US + (x * SPAN_US).astype(np.int64)


def pick(count: np.ndarray, rng: np.random.Generator, skew: float) -> np.ndarray:
    """One index below each ``count``; ``skew`` > 1 favours low (older) indices."""
    return np.minimum((count * rng.random(len(count)) ** skew).astype(np.int64), count - 1)


def recent(count: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A member who joined shortly before: the last ~0.2% of those who had joined."""
    back = rng.exponential(np.maximum(count * 0.002, 1.0)).astype(np.int64)
    return np.clip(count - 1 - back, 0, None)


def money(cents: np.ndarray) -> pa.Array:
    """decimal(18,2) straight from integer cents (two's-complement 128-bit little endian)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63
    return pa.Array.from_buffers(MONEY, len(cents), [None, pa.py_buffer(words)])


def lognormal_cents(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return np.maximum((rng.lognormal(np.log(median * 100), sigma, n)).astype(np.int64), 1)


def ids(prefix: str, numbers: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + number as strings; null where ``valid`` is False."""
    mask = None if valid is None else ~valid
    digits = pc.cast(pa.array(numbers, type=pa.int64(), mask=mask), pa.string())
    return pc.binary_join_element_wise(prefix, digits, "")


def timestamps(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(us, type=pa.int64(), mask=mask).cast(TIMESTAMP)


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, size):
        yield first, min(first + size, total)


def chunk_rng(seed: int, table: str, first: int) -> np.random.Generator:
    return np.random.default_rng([seed, TABLE_SEEDS[table], first])


def depths(sponsor: np.ndarray) -> np.ndarray:
    """Level of every member (a root is level 1), by pointer jumping: O(n log depth)."""
    index = np.arange(len(sponsor))
    parent = np.where(sponsor < 0, index, sponsor)
    distance = (sponsor >= 0).astype(np.int64)  # distance to ``parent``
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return distance + 1
        distance = distance + distance[parent]
        parent = grand


# --- tables ----------------------------------------------------------------------------------


def members_build(n: int, seed: int) -> Members:
    rng = chunk_rng(seed, "members", 0)
    joined = growth_times(0, n, n, rng)
    joined[0] = START_US
    index = np.arange(n)
    recruiter = rng.random(n) < RECRUITER_SHARE
    recruiter[:FOUNDERS] = True
    recruiters = np.flatnonzero(recruiter)
    before = np.searchsorted(recruiters, index, side="left")  # recruiters who joined earlier
    k = np.minimum((before * rng.random(n) ** SENIORITY).astype(np.int64), len(recruiters) - 1)
    sponsor = np.where(before > 0, recruiters[k], -1)
    sponsor[rng.random(n) < ROOT_RATE] = -1
    sponsor[:FOUNDERS] = -1
    return Members(joined, sponsor)


def members_chunk(members: Members, first: int, stop: int, seed: int) -> pa.Table:
    rng = chunk_rng(seed, "members", first + 1)
    joined = members.joined_us[first:stop]
    sponsor = members.sponsor[first:stop]
    stay = rng.exponential(300 * DAY_US, stop - first).astype(np.int64)
    left = joined + stay
    leaves = (rng.random(stop - first) < LEAVER_SHARE) & (left < START_US + SPAN_US)
    return pa.table(
        [
            ids("m", np.arange(first, stop)),
            ids("m", sponsor, sponsor >= 0),
            timestamps(joined),
            timestamps(left, leaves),
        ],
        schema=SCHEMAS["members"],
    )


def transactions_chunk(members: Members, first: int, stop: int, total: int, seed: int) -> pa.Table:
    rng = chunk_rng(seed, "transactions", first)
    n = stop - first
    row = np.arange(n)
    at = growth_times(first, stop, total, rng)
    joined = members.joined_by(at)
    kind = rng.choice(len(TXN_MIX), size=n, p=TXN_MIX)

    # A refund reverses an earlier sale of the same chunk (a row group spans days to weeks:
    # the return window), in full, once. One that finds no sale becomes a retail sale.
    last_sale = np.maximum.accumulate(np.where((kind == RETAIL) | (kind == PURCHASE), row, -1))
    refund_rows = np.flatnonzero(kind == REFUND)
    back = 1 + rng.exponential(n / 50, len(refund_rows)).astype(np.int64)
    target = refund_rows - back
    reversed_sale = np.where(target >= 0, last_sale[np.maximum(target, 0)], -1)
    keep = np.zeros(len(refund_rows), dtype=bool)
    keep[np.unique(reversed_sale, return_index=True)[1]] = True
    keep &= reversed_sale >= 0
    kind[refund_rows[~keep]] = RETAIL
    refund_rows, reversed_sale = refund_rows[keep], reversed_sale[keep]
    retail, purchase, fee, buyback = (kind == k for k in (RETAIL, PURCHASE, FEE, BUYBACK))

    # Retail: a member sells to a consumer; older members sell more. A few buyers are
    # anonymous, a few join as members later (a consumer at the time of the sale).
    seller = pick(joined, rng, 2.0)
    buyer_kind = rng.random(n)
    consumers = len(members) * CONSUMERS_PER_MEMBER
    consumer = (consumers * rng.random(n) ** 1.5).astype(np.int64)
    joins_later = retail & (buyer_kind > 0.98) & (joined < len(members))
    future = joined + (rng.random(n) * (len(members) - joined)).astype(np.int64)
    consumer_buyer = retail & (buyer_kind >= 0.08) & ~joins_later  # else anonymous
    cents = lognormal_cents(rng, 60, 0.8, n)
    units = rng.geometric(0.6, n)
    collects = rng.random(n) >= 0.3  # 30% dropshipped: the company collects

    # A member buys stock from their sponsor (half the time) or from the company.
    purchaser = pick(joined, rng, 1.2)
    upline = members.sponsor[purchaser]
    from_sponsor = (rng.random(n) < 0.5) & (upline >= 0)
    seller = np.where(purchase, np.where(from_sponsor, upline, -1), seller)
    cents = np.where(purchase, lognormal_cents(rng, 300, 0.9, n), cents)
    units = np.where(purchase, rng.integers(1, 30, n), units)
    collects |= purchase

    # Fees are paid to the company, mostly by members who just joined; the company buys back
    # stock from members.
    seller = np.where(fee, -1, np.where(buyback, pick(joined, rng, 1.0), seller))
    fee_cents = rng.choice(np.array([9_900, 30_000, 69_900]), n)
    cents = np.where(fee, fee_cents, np.where(buyback, lognormal_cents(rng, 150, 0.7, n), cents))
    units = np.where(buyback, rng.integers(1, 20, n), units)
    buyer = np.select([purchase, fee, joins_later], [purchaser, recent(joined, rng), future], -1)
    member_buyer = purchase | fee | joins_later

    ref = np.full(n, -1, dtype=np.int64)
    ref[refund_rows] = first + reversed_sale
    for column in (seller, buyer, consumer, cents, units, collects, member_buyer, consumer_buyer):
        column[refund_rows] = column[reversed_sale]
    sale = retail | purchase
    goods = sale | buyback | (kind == REFUND)
    buyer_ids = pc.if_else(consumer_buyer, ids("c", consumer), ids("m", buyer, member_buyer))
    return pa.table(
        [
            ids("t", np.arange(first, stop)),
            timestamps(at),
            pc.take(pa.array(TXN_KIND_NAMES), pa.array(kind)),
            ids("m", seller, seller >= 0),
            buyer_ids,
            money(cents),
            pa.array(units, mask=~goods),
            ids("t", ref, ref >= 0),
            pa.array(collects, mask=~(sale | (kind == REFUND))),
        ],
        schema=SCHEMAS["transactions"],
    )


def rewards_chunk(members: Members, first: int, stop: int, total: int, seed: int) -> pa.Table:
    rng = chunk_rng(seed, "rewards", first)
    n = stop - first
    at = growth_times(first, stop, total, rng)
    joined = members.joined_by(at)
    basis = rng.choice(len(REWARD_MIX), size=n, p=REWARD_MIX)

    # Whose sale, purchase, fee or joining triggered the reward.
    source = pick(joined, rng, 2.0)  # a seller (own and downline sales)
    source = np.where(basis == VOLUME, pick(joined, rng, 1.2), source)
    source = np.where((basis == RECRUITMENT) | (basis == FEE_SHARE), recent(joined, rng), source)
    # How many levels above the source it is paid: mostly 1, sometimes up to 6.
    levels = np.select([rng.random(n) < 0.6, rng.random(n) < 0.6], [1, 2], rng.integers(3, 7, n))
    levels = np.where(basis == RECRUITMENT, np.minimum(levels, 2), levels)
    levels = np.where((basis == OWN) | (basis == OTHER), 0, levels)
    recipient, reached = members.ancestor(source, levels)
    # A root has no upline to pay: such a reward is recorded as "other", with no source.
    orphan = (levels > 0) & (reached == 0)
    basis = np.where(orphan, OTHER, basis)
    recipient = np.where(basis == OTHER, pick(joined, rng, 1.0), recipient)
    has_source = basis != OTHER

    median = np.array([90.0, 30.0, 40.0, 150.0, 60.0, 20.0])[basis] * 100
    cents = np.maximum((median * rng.lognormal(0.0, 1.0, n)).astype(np.int64), 1)
    return pa.table(
        [
            ids("r", np.arange(first, stop)),
            timestamps(at),
            ids("m", recipient),
            money(cents),
            pc.take(pa.array(REWARD_BASES), pa.array(basis)),
            ids("m", source, has_source),
        ],
        schema=SCHEMAS["rewards"],
    )


# --- writing ---------------------------------------------------------------------------------


def write_table(
    path: Path, name: str, total: int, chunk: int, make: Callable[[int, int], pa.Table]
) -> float:
    began = time.perf_counter()
    tmp = path.with_suffix(".parquet.partial")
    with pq.ParquetWriter(
        tmp, SCHEMAS[name], compression="snappy", store_decimal_as_integer=True
    ) as writer:
        for first, stop in chunks(total, chunk):
            writer.write_table(make(first, stop), row_group_size=chunk)
    tmp.rename(path)
    return time.perf_counter() - began


def write_members(out: Path, members: Members, chunk: int, seed: int) -> float:
    return write_table(
        out / "members.parquet",
        "members",
        len(members),
        chunk,
        lambda a, b: members_chunk(members, a, b, seed),
    )


def write_transactions(out: Path, members: Members, total: int, chunk: int, seed: int) -> float:
    return write_table(
        out / "transactions.parquet",
        "transactions",
        total,
        chunk,
        lambda a, b: transactions_chunk(members, a, b, total, seed),
    )


def write_rewards(out: Path, members: Members, total: int, chunk: int, seed: int) -> float:
    return write_table(
        out / "rewards.parquet",
        "rewards",
        total,
        chunk,
        lambda a, b: rewards_chunk(members, a, b, total, seed),
    )


def _members_and_rewards(
    out: Path, members: Members, total: int, chunk: int, seed: int
) -> tuple[float, float]:
    return write_members(out, members, chunk, seed), write_rewards(out, members, total, chunk, seed)


def generate(
    out: Path, *, members: int, transactions: int, rewards: int, seed: int, chunk: int, jobs: int
) -> dict[str, object]:
    """Write the dataset into ``out``; return what was written and how long each part took."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet*"):
        stale.unlink()
    began = time.perf_counter()
    tree = members_build(members, seed)
    seconds: dict[str, float] = {"members_build": time.perf_counter() - began}
    if jobs > 1:
        # fork: the children share the member arrays copy-on-write.
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(2) as pool:
            txn = pool.apply_async(write_transactions, (out, tree, transactions, chunk, seed))
            rest = pool.apply_async(_members_and_rewards, (out, tree, rewards, chunk, seed))
            seconds["transactions"] = txn.get()
            seconds["members"], seconds["rewards"] = rest.get()
    else:
        seconds["members"] = write_members(out, tree, chunk, seed)
        seconds["transactions"] = write_transactions(out, tree, transactions, chunk, seed)
        seconds["rewards"] = write_rewards(out, tree, rewards, chunk, seed)
    level = depths(tree.sponsor)
    info: dict[str, object] = {
        "name": f"synthetic channel ({members:,} members, seed {seed})",
        "currency": "CNY",
        "period": f"{PERIOD_START:%Y-%m-%d}/{PERIOD_END:%Y-%m-%d}",
        "generator": {
            "script": "bench/audit/generate.py",
            "seed": seed,
            "members": members,
            "transactions": transactions,
            "rewards": rewards,
            "chunk": chunk,
            "roots": int((tree.sponsor < 0).sum()),
            "depth": int(level.max()),
            "members_per_level": np.bincount(level)[1:].tolist(),
        },
    }
    (out / "dataset.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    seconds["total"] = time.perf_counter() - began
    info["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    return info


def write_csv(folder: Path, out: Path) -> float:
    """The same export as CSV (as a back office would write it, one file per table, times
    in ISO with their zone), row group by row group; ``dataset.json`` copied."""
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("members", "transactions", "rewards"):
        source = pq.ParquetFile(folder / f"{name}.parquet")
        with pacsv.CSVWriter(out / f"{name}.csv", source.schema_arrow) as writer:
            for group in range(source.num_row_groups):
                writer.write_table(source.read_row_group(group))
    (out / "dataset.json").write_bytes((folder / "dataset.json").read_bytes())
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), help="sizes: members, txns, rewards")
    parser.add_argument("--members", type=int)
    parser.add_argument("--transactions", type=int)
    parser.add_argument("--rewards", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chunk", type=int, default=1_000_000, help="rows per row group")
    parser.add_argument("--jobs", type=int, default=2, help="1 or 2 processes")
    parser.add_argument("--out", type=Path, help="folder (default bench/data/audit-PRESET)")
    parser.add_argument(
        "--csv", action="store_true", help="also write the same export as CSV in OUT-csv"
    )
    args = parser.parse_args(argv)
    sizes = list(PRESETS[args.preset] if args.preset else (None, None, None))
    for i, given in enumerate((args.members, args.transactions, args.rewards)):
        if given is not None:
            sizes[i] = given
    if None in sizes:
        parser.error("give --preset, or all of --members, --transactions and --rewards")
    n_members, n_txns, n_rewards = (int(s) for s in sizes)  # type: ignore[arg-type]
    if n_members < 1 or n_txns < 0 or n_rewards < 0 or args.chunk < 1:
        parser.error("sizes must be positive")
    out = args.out or BENCH_DATA / f"audit-{args.preset or f'{n_members}-{n_txns}-{n_rewards}'}"
    info = generate(
        out,
        members=n_members,
        transactions=n_txns,
        rewards=n_rewards,
        seed=args.seed,
        chunk=args.chunk,
        jobs=args.jobs,
    )
    gen = info["generator"]
    assert isinstance(gen, dict)
    size = sum(p.stat().st_size for p in out.glob("*.parquet"))
    print(
        f"{out}: {n_members:,} members ({gen['roots']} roots, depth {gen['depth']}), "
        f"{n_txns:,} transactions, {n_rewards:,} rewards; {size / 2**30:.2f} GiB"
    )
    print("seconds:", json.dumps(info["seconds"]))
    if args.csv:
        csv_out = out.with_name(out.name + "-csv")
        seconds = write_csv(out, csv_out)
        size = sum(p.stat().st_size for p in csv_out.glob("*.csv"))
        print(f"{csv_out}: the same as CSV, {size / 2**30:.2f} GiB in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
