"""Compact per-member series for the report: a histogram of net cash and a Lorenz curve.

The indicators reduce each member to a few figures (share who lost money, median, Gini); a
reader also needs the shape behind them. Both series are computed in the engine through Ibis,
like the indicators, so they run on DuckDB and on Spark, and whatever the number of members
they stay small: ``bins`` + 2 counts and at most ``points`` + 1 Lorenz points.

Net cash follows the indicators' money flows (rewards + collected sales + buy-backs and refunds
received − purchases − fees). Histogram edges are "nice" round numbers in minor units with zero
always on an edge, so the bars left of zero hold exactly the members who lost money.
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import ibis.expr.types as ir

from weishang.audit.engine import Engine
from weishang.audit.indicators import (
    AuditParams,
    annotated_transactions,
    member_flows,
    reward_ranks,
)

NICE = (1, 2, 2.5, 5)
TOTAL = "decimal(38, 2)"  # a sum of money, exact on every engine


def member_cash(engine: Engine) -> tuple[ir.Table, ir.Table]:
    """(one row per member with ``net_c``, net cash in minor units, and ``rewarded``; every
    member's ``rewarded`` and ``up``, the rank by rewards from 1 for the least rewarded).

    The per-member flows and ranks the indicators read (``indicators.member_flows`` or the
    loader's sums, ``indicators.reward_ranks``), so the series and the participant outcomes
    come from the same money flows; computed here only when the indicators have not run on
    this engine.
    """
    shared = engine.shared
    if "member_flows" not in shared:
        t = annotated_transactions(engine.clean_transactions(), AuditParams())
        shared["member_flows"] = member_flows(engine, engine.members, t)
    if "reward_ranks" not in shared:
        shared["reward_ranks"] = reward_ranks(engine, shared["member_flows"])
    return shared["member_flows"], shared["reward_ranks"]


def nice_steps(raw: float) -> list[int]:
    """Round steps in minor units (1, 2, 2.5 or 5 × 10^k, at least one cent) around ``raw``."""
    power = 10 ** math.floor(math.log10(max(raw, 1)))
    steps = {
        max(1, round(step * scale)) for scale in (power / 10, power, power * 10) for step in NICE
    }
    return sorted(steps)


def bin_edges(lo: int, hi: int, bins: int) -> tuple[int, int, int]:
    """(first edge, step, number of bins) covering [lo, hi] in minor units, zero on an edge.

    Of the round steps, the one giving the number of bins closest to ``bins``.
    """
    lo, hi = min(lo, 0), max(hi, 0)

    def layout(step: int) -> tuple[int, int, int]:
        first = math.floor(lo / step) * step
        last = (math.floor(hi / step) + 1) * step  # right-open bins: the maximum falls inside
        return first, step, (last - first) // step

    options = [layout(step) for step in nice_steps((hi - lo) / bins if hi > lo else 100)]
    return min(options, key=lambda o: (abs(o[2] - bins), -o[1]))


def _stats(cash: ir.Table) -> ir.Table:
    """One row: what both series need to lay themselves out."""
    return cash.aggregate(
        members=cash.count(),
        lost=(cash.net_c < 0).sum(),
        zero=(cash.net_c == 0).sum(),
        lo=cash.net_c.min(),
        hi=cash.net_c.max(),
        # exact (not approximate) percentiles: every engine draws the same bins
        p01=cash.net_c.cast("float64").quantile(0.01),
        p99=cash.net_c.cast("float64").quantile(0.99),
        total=cash.rewarded.sum(),
    )


def _histogram_layout(row: dict[str, Any], bins: int) -> tuple[int, int, int] | None:
    """(first edge, step, bins) in minor units, or None without members.

    The range is the whole data unless a few extreme members would squeeze everyone else into
    one or two bars: then it is the 1st to 99th percentile and the rest is counted in
    ``below`` and ``above``.
    """
    if not int(row["members"] or 0):
        return None
    lo, hi = int(row["lo"]), int(row["hi"])
    p01, p99 = math.floor(row["p01"]), math.ceil(row["p99"])
    if p99 - p01 < (hi - lo) / 4:  # outliers: keep the bulk readable
        lo, hi = max(lo, p01), min(hi, p99)
    return bin_edges(lo, hi, bins)


def _histogram_counts(cash: ir.Table, layout: tuple[int, int, int]) -> ir.Table:
    """Members per bin (``key``; -1 below the first edge, ``n`` past the last)."""
    first, step, n = layout
    last = first + n * step
    offset = cash.net_c - first
    slot = ibis.ifelse(
        cash.net_c < first, -1, ibis.ifelse(cash.net_c >= last, n, offset // step)
    ).cast("int64")
    counted = cash.select(key=slot)
    return counted.group_by("key").aggregate(
        n=counted.count(), last=ibis.null("int64"), amount=ibis.null(TOTAL)
    )


def _lorenz_groups(ranks: ir.Table, count: int, points: int) -> ir.Table:
    """Members ranked from the least rewarded in ``points`` groups (``key``): the last rank and
    the rewards of each."""
    group = ((ranks.up * points + count - 1) // count).cast("int64")  # ceil(up × points / n)
    grouped = ranks.select(key=group, up=ranks.up, rewarded=ranks.rewarded)
    return grouped.group_by("key").aggregate(
        n=grouped.count(),
        last=grouped.up.max().cast("int64"),
        amount=grouped.rewarded.sum().cast(TOTAL),
    )


def _histogram(
    row: dict[str, Any], layout: tuple[int, int, int], per_slot: dict[int, int]
) -> dict[str, Any]:
    first, step, n = layout
    members = int(row["members"])
    return {
        "edges": [(first + k * step) / 100 for k in range(n + 1)],
        "counts": [per_slot.get(k, 0) for k in range(n)],
        "below": per_slot.get(-1, 0),
        "above": per_slot.get(n, 0),
        "members": members,
        "lost": int(row["lost"] or 0),
        "zero": int(row["zero"] or 0),
        "lost_share": round(int(row["lost"] or 0) / members, 6),
        "min": _from_minor(row["lo"]),
        "max": _from_minor(row["hi"]),
    }


def _from_minor(minor: Any) -> float:
    return round(int(minor) / 100, 2)


def _lorenz(groups: list[dict[str, Any]], count: int, total: float) -> dict[str, Any]:
    population, rewards, running = [0.0], [0.0], 0.0
    for r in sorted(groups, key=lambda g: int(g["key"])):
        running += float(r["amount"] or 0)
        population.append(round(int(r["last"]) / count, 6))
        rewards.append(round(running / total, 6))
    return {"population": population, "rewards": rewards, "members": count}


def compute_series(engine: Engine, *, bins: int = 24, points: int = 50) -> dict[str, Any]:
    """``net_cash_histogram`` and ``reward_lorenz`` (each ``None`` when there is nothing to show).

    Two queries for both: the figures that lay them out, then the histogram's bins and the
    Lorenz curve's groups together (on Spark, two jobs instead of four).
    """
    cash, ranks = member_cash(engine)
    row = engine.rows(_stats(cash))[0]
    layout = _histogram_layout(row, bins)
    if layout is None:
        return {"net_cash_histogram": None, "reward_lorenz": None}
    count, total = int(row["members"]), float(row["total"] or 0)
    parts = [_histogram_counts(cash, layout).mutate(part=ibis.literal("h"))]
    if total > 0:
        parts.append(_lorenz_groups(ranks, count, points).mutate(part=ibis.literal("l")))
    found = engine.rows(ibis.union(*parts) if len(parts) > 1 else parts[0])
    per_slot = {int(r["key"]): int(r["n"]) for r in found if r["part"] == "h"}
    groups = [r for r in found if r["part"] == "l"]
    return {
        "net_cash_histogram": _histogram(row, layout, per_slot),
        "reward_lorenz": _lorenz(groups, count, total) if total > 0 else None,
    }
