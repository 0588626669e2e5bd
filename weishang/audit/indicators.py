"""Indicators, written once against Ibis so the same code runs on DuckDB and on Spark.

Every figure here is a fact about the data, never a judgement: thresholds live in the
jurisdiction packs (``weishang/audit/packs``). Two rules hold throughout:

* A buyer is a participant when the buyer id is a member at that time (joined, not yet left);
  a label never decides it. Sales to anyone else are sales to outside consumers.
* A reward's basis is the operator's label, checked against behaviour: when its source member
  paid a fee, bought, joined or sold to a consumer on the reward's day, and the label does not
  match that event, the event wins (a reward on a recruit's purchase is purchase-based,
  whatever it is called).

Money flows: for ``sale``, ``fee`` and ``buyback`` the buyer pays and the seller collects
(the company collects when ``seller_collects`` is false); a ``refund`` flows back from whoever
collected to the buyer.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from weishang.audit.contract import BASIS, KIND, REWARD_BASES, AuditParams
from weishang.audit.engine import Engine

DAY = 86_400
MONEY = "decimal(18, 2)"
SALE, FEE, BUYBACK, REFUND = (KIND[k] for k in ("sale", "fee", "buyback", "refund"))


def _money(value: Any) -> float:
    return round(float(value or 0), 2)


def _share(part: Any, whole: Any) -> float | None:
    """``part`` / ``whole`` to 6 places, but never rounded to 0 or 1 when it is not that: a
    rule asking whether any reward was for recruiting (``> 0``) sees the smallest one."""
    whole = float(whole or 0)
    if whole == 0:
        return None
    value = float(part or 0) / whole
    rounded = round(value, 6)
    return value if rounded in (0.0, 1.0) and value not in (0.0, 1.0) else rounded


def annotated_transactions(t: ir.Table, params: AuditParams) -> ir.Table:
    """The columns the indicators read, with the buyer's entry windows.

    The loader put beside each transaction whether the buyer was a member at the time
    (``participant``) and how long after joining (``since_join``, in seconds), so this is a
    projection, computed where it is read: no join, nothing materialised. A buyer who is no
    member counts as an outside consumer.
    """
    since_join = t.since_join

    def within(days: int) -> ir.BooleanValue:
        return ((since_join >= -DAY) & (since_join <= days * DAY)).fill_null(False)

    return t.select(
        "kind",
        "amount",
        "seller_collects",
        "seller_mid",
        "buyer_mid",
        "new_customer",
        participant_buyer=t.participant,
        in_entry_window=within(params.entry_window_days),
        in_first_week=within(params.first_week_days),
    )


def member_flows(engine: Engine, members: ir.Table, t: ir.Table) -> ir.Table:
    """One row per member: every per-member figure the indicators and the series need.

    Each side of the money is aggregated on its own, keyed by the member's integer id (the
    seller's side and the buyer's side of each transaction, the rewards), with only the
    aggregates that side has, then joined to the members: three narrow GROUP BYs and three
    joins of one row per member. Money flows: for ``sale``, ``fee`` and ``buyback`` the buyer
    pays and the seller collects (the company when ``seller_collects`` is false); a ``refund``
    flows back from whoever collected to the buyer.

    Columns: ``net`` (net cash) and ``net_c`` (the same in minor units), ``rewarded`` and
    ``rewards_n`` (rewards received), ``bought`` (purchases as a participant) and ``sold``
    (sales to outside consumers), the entry-payment flags ``fee``, ``entry_fee``,
    ``entry_buy`` and ``first_week`` (paid in the first week; null when nothing), and
    ``customers``: the seller's retail customers (distinct outside buyers, each anonymous sale
    one; the loader marked each seller's first sale to each buyer).

    The embedded loader adds up the same figures as it reads (``sums.py``); this is their
    definition, and how every other engine computes them.
    """
    r = engine.rewards
    zero = ibis.literal(0).cast(MONEY)
    forward = [SALE, FEE, BUYBACK]

    s = t.filter(t.seller_mid.notnull())
    collected = s.amount.cast(MONEY)
    sellers = s.group_by(s_mid=s.seller_mid).aggregate(
        s_cash=ibis.ifelse(
            s.seller_collects, ibis.ifelse(s.kind.isin(forward), collected, -collected), zero
        ).sum(),
        sold=s.amount.sum(where=(s.kind == SALE) & ~s.participant_buyer),
        customers=s.new_customer.sum(),
    )
    b = t.filter(t.buyer_mid.notnull())
    paid = b.amount.cast(MONEY)
    buyers = b.group_by(b_mid=b.buyer_mid).aggregate(
        b_cash=ibis.ifelse(b.kind.isin(forward), -paid, paid).sum(),
        bought=b.amount.sum(where=(b.kind == SALE) & b.participant_buyer),
        fee=(b.kind == FEE).any(),
        entry_fee=((b.kind == FEE) & b.in_entry_window).any(),
        entry_buy=((b.kind == SALE) & b.in_entry_window).any(),
        first_week=b.amount.sum(where=b.kind.isin([SALE, FEE]) & b.in_first_week),
    )
    rw = r.filter(r.member_mid.notnull())
    rewards = rw.group_by(r_mid=rw.member_mid).aggregate(
        rewarded=rw.amount.sum(), rewards_n=rw.count()
    )
    m = members.select("mid")
    j = (
        m.left_join(sellers, m.mid == sellers.s_mid)
        .left_join(buyers, m.mid == buyers.b_mid)
        .left_join(rewards, m.mid == rewards.r_mid)
    )
    rewarded = j.rewarded.fill_null(zero).cast(MONEY)
    net = (j.s_cash.fill_null(zero) + j.b_cash.fill_null(zero) + rewarded).cast(MONEY)
    per = j.select(
        mid=j.mid,
        net=net,
        net_c=(net * 100).cast("int64"),
        rewarded=rewarded,
        rewards_n=j.rewards_n.fill_null(0),
        bought=j.bought,
        sold=j.sold,
        fee=j.fee.fill_null(False),
        entry_fee=j.entry_fee.fill_null(False),
        entry_buy=j.entry_buy.fill_null(False),
        first_week=j.first_week,
        customers=j.customers.fill_null(0).cast("int64"),
    )
    return engine.materialize(per, "flows")


def reward_ranks(engine: Engine, flows: ir.Table) -> ir.Table:
    """Every member's rewards (``rewarded``) and rank by them (``up``), from 1 for the least
    rewarded (ties in any order: every figure read from it is the same whatever the order
    among equal amounts). Only these two columns are sorted, not the whole per-member table."""
    rank = ibis.row_number().over(ibis.window(order_by=[flows.rewarded])) + 1
    return engine.materialize(flows.select("rewarded", up=rank.cast("int64")), "ranks")


def _structure(engine: Engine) -> dict[str, Any]:
    members = engine.members
    month = members.group_by(y=members.joined_at.year(), mo=members.joined_at.month()).aggregate(
        n=members.count()
    )
    months = engine.rows(month.order_by(["y", "mo"]))
    placed = members.filter(members.level.notnull())
    levels = engine.rows(placed.group_by("level").aggregate(n=placed.count()))
    per_level = {int(r["level"]): int(r["n"]) for r in sorted(levels, key=lambda r: r["level"])}
    total = sum(int(r["n"]) for r in months)
    return {
        "members": total,
        "roots": per_level.get(1, 0),
        "depth": max(per_level, default=0),
        "members_per_level": {str(k): v for k, v in per_level.items()},
        "members_unplaced": total - sum(per_level.values()),
        "growth_per_month": {f"{r['y']:04d}-{r['mo']:02d}": int(r["n"]) for r in months},
    }


def _transaction_totals(t: ir.Table) -> ir.Table:
    """One row: sales by kind and buyer (``totals.SALES_TOTALS``; the embedded loader adds
    them up as it reads, ``totals.py``)."""
    sale = t.kind == SALE
    consumer = sale & ~t.participant_buyer
    purchase = sale & t.participant_buyer

    def total(cond: ir.BooleanValue) -> ir.Scalar:
        return t.amount.sum(where=cond)

    return t.aggregate(
        sales=total(sale),
        consumer_sales=total(consumer),
        member_purchases=total(purchase),
        fees=total(t.kind == FEE),
        buybacks=total(t.kind == BUYBACK),
        refunds=total(t.kind == REFUND),
        collected_from_members=total((purchase | (t.kind == FEE)) & t.buyer_mid.notnull()),
    )


def _resold(flows: ir.Table) -> ir.Table:
    """One row: how much of the members' purchases was resold. A member's purchases count as
    resold up to that member's own consumer sales (both filled with zero: LEAST skips nulls,
    so a member who never bought resold nothing)."""
    zero = ibis.literal(0).cast(MONEY)
    return flows.aggregate(
        resold=ibis.least(flows.bought.fill_null(zero), flows.sold.fill_null(zero)).sum()
    )


def _sales(agg: dict[str, Any]) -> dict[str, Any]:
    resold_total = Decimal(agg["resold"] or 0)
    sales_total = agg["sales"] or 0
    purchases = agg["member_purchases"] or 0
    unsold = Decimal(purchases) - resold_total
    return {
        "sales_total": _money(sales_total),
        "sales_to_consumers": _money(agg["consumer_sales"]),
        "sales_to_members": _money(purchases),
        "consumer_sales_share": _share(agg["consumer_sales"], sales_total),
        "internal_consumption_share": _share(purchases, sales_total),
        "member_purchases_resold_share": _share(resold_total, purchases),
        "unsold_member_purchases": _money(unsold),
        "eligible_sales_share": _share(
            Decimal(agg["consumer_sales"] or 0) + resold_total, sales_total
        ),
        "personal_consumption_share": _share(unsold, sales_total),
        "fees_total": _money(agg["fees"]),
        "buybacks_total": _money(agg["buybacks"]),
        "refunds_total": _money(agg["refunds"]),
        "collected_from_members": _money(agg["collected_from_members"]),
    }


def _member_totals(flows: ir.Table, ranks: ir.Table, total_members: int) -> ir.Table:
    """One row: entry payments, retail customers and participant outcomes, over the members."""
    paid = flows.filter(flows.rewards_n > 0)
    retail_median = paid.aggregate(retail_median=paid.customers.median())
    count = max(total_members, 1)
    top1, top10 = max(1, math.ceil(count * 0.01)), max(1, math.ceil(count * 0.10))
    f, r = flows, ranks
    by_rank = r.aggregate(
        weighted=(r.rewarded * r.up).sum(),
        top1=r.rewarded.sum(where=r.up > count - top1),
        top10=r.rewarded.sum(where=r.up > count - top10),
    )
    return (
        f.aggregate(
            fee_payers=f.fee.sum(),
            entry_payers=(f.entry_fee | f.entry_buy).sum(),
            entry_buyers=f.entry_buy.sum(),
            first_week_max=f.first_week.max(),
            count=f.count(),
            lost=(f.net < 0).sum(),
            median_net=f.net.median(),
            total=f.rewarded.sum(),
        )
        .cross_join(by_rank)
        .cross_join(retail_median)
    )


def _per_member(
    row: dict[str, Any], total_members: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    count = max(total_members, 1)
    total = Decimal(row["total"] or 0)
    gini = None
    if total > 0:
        weighted = Decimal(row["weighted"])
        gini = round(float(2 * weighted / (count * total) - Decimal(count + 1) / count), 6)
    median = row["retail_median"]
    entry = {
        "fee_payers": int(row["fee_payers"] or 0),
        "fee_payers_share": _share(row["fee_payers"], total_members),
        "entry_payers": int(row["entry_payers"] or 0),
        "entry_payers_share": _share(row["entry_payers"], total_members),
        "entry_buyers_share": _share(row["entry_buyers"], total_members),
        "first_week_payment_max": _money(row["first_week_max"]),
    }
    retail = {"rewarded_members_median_retail_customers": None if median is None else float(median)}
    outcomes = {
        "members_lost_money_share": _share(row["lost"], row["count"]),
        "median_net_cash": _money(row["median_net"]),
        "top1_reward_share": _share(row["top1"], total),
        "top10_reward_share": _share(row["top10"], total),
        "reward_gini": gini,
    }
    return entry, retail, outcomes


def _classified_rewards(r: ir.Table, params: AuditParams) -> ir.Table:
    """Each reward with what it was really computed from (``behaviour``) and whether entrants'
    payments funded it (``entrant``), beside its declared ``basis``, ``levels_above`` and
    ``amount``, from what its source member did on the reward's day (the loader put it beside
    each reward: bought as a participant, paid a fee, sold to an outside consumer, joined).
    """
    own = r.source_mid.isnull() | (r.source_mid == r.member_mid)
    bought, fee, sold = r.source_bought, r.source_paid_fee, r.source_sold
    joined = r.source_joined & ~own
    basis = r.basis
    own_sales, downline, purchase, recruitment, fee_share = (
        BASIS[b]
        for b in ("own_sales", "downline_sales", "purchase_volume", "recruitment", "fee_share")
    )
    on_sales = basis.isin([own_sales, downline])
    sale_basis = ibis.ifelse(own, own_sales, downline)
    consistent = (
        (on_sales & sold)
        | ((basis == purchase) & bought)
        | ((basis == fee_share) & fee)
        | ((basis == recruitment) & joined)
    )
    by_event = ibis.cases(
        (fee & ~own, fee_share),
        (bought, purchase),
        (joined, recruitment),
        (sold, sale_basis),
        else_=basis,
    )
    behaviour = ibis.ifelse(consistent, ibis.ifelse(on_sales, sale_basis, basis), by_event)
    entrant = behaviour.isin([fee_share, recruitment]) | (
        (behaviour == purchase)
        & ~own
        # the source's entry window: from a day before joining to the window's days after
        & (
            (r.source_since_join >= -DAY) & (r.source_since_join <= params.entry_window_days * DAY)
        ).fill_null(False)
    )
    return r.select(
        basis=basis.cast("int8"),
        behaviour=behaviour.cast("int8"),
        entrant=entrant,
        levels_above=r.levels_above,
        amount=r.amount,
    )


def reward_cells(engine: Engine, params: AuditParams) -> list[dict[str, Any]]:
    """One small table of sums: the rewards by declared basis, basis by behaviour, funded by
    entrants or not, and levels above the source (``totals.py`` adds them up in the embedded
    loader)."""
    loaded = engine.loaded.get("reward_cells")
    if loaded is not None:
        return [dict(cell) for cell in loaded]  # copies: ``_rewards`` names the codes in place
    a = _classified_rewards(engine.rewards, params)
    return engine.rows(
        a.group_by(["basis", "behaviour", "entrant", "levels_above"]).aggregate(
            amount=a.amount.sum(), n=a.count()
        )
    )


def _rewards(engine: Engine, params: AuditParams, consumer_sales: float) -> dict[str, Any]:
    # the mixes read the cells by basis, behaviour and entrant, the reach (rewards paid to
    # an ancestor of their source, by how far above it) by levels_above
    cells = reward_cells(engine, params)
    for g in cells:
        g["basis"], g["behaviour"] = REWARD_BASES[g["basis"]], REWARD_BASES[g["behaviour"]]
    groups, reached = cells, [g for g in cells if g["levels_above"] is not None]
    total = sum(Decimal(g["amount"]) for g in groups)

    def amount_where(pred: Any, rows: list[dict[str, Any]] = groups) -> Decimal:
        return sum((Decimal(g["amount"]) for g in rows if pred(g)), Decimal(0))

    def mix(key: str) -> dict[str, float | None]:
        names = sorted({g[key] for g in groups})
        return {n: _share(amount_where(lambda g, n=n: g[key] == n), total) for n in names}

    reach_amounts: dict[str, float] = {}
    for d in sorted({int(g["levels_above"]) for g in reached}):
        reach_amounts[str(d)] = _money(amount_where(lambda g, d=d: g["levels_above"] == d, reached))
    team = amount_where(lambda g: g["behaviour"] in ("downline_sales", "purchase_volume"), reached)
    return {
        "rewards_total": _money(total),
        "rewards_count": sum(int(g["n"]) for g in groups),
        "reward_mix_declared": mix("basis"),
        "reward_mix_behaviour": mix("behaviour"),
        "relabelled_rewards_share": _share(
            amount_where(lambda g: g["basis"] != g["behaviour"]), total
        ),
        "recruitment_reward_share": _share(
            amount_where(lambda g: g["behaviour"] in ("recruitment", "fee_share")), total
        ),
        "purchase_based_reward_share": _share(
            amount_where(lambda g: g["behaviour"] == "purchase_volume"), total
        ),
        "team_pay_share": _share(team, total),
        "max_levels_above_source": max((int(k) for k in reach_amounts), default=0),
        "rewards_by_levels_above_source": reach_amounts,
        "entrant_funded_reward_share": _share(amount_where(lambda g: bool(g["entrant"])), total),
        "pay_to_retail_ratio": _share(total, consumer_sales),
    }


def compute_indicators(engine: Engine, params: AuditParams | None = None) -> dict[str, Any]:
    """Every indicator of the audit, as JSON-ready values (money rounded to cents)."""
    params = params or AuditParams()
    result = _structure(engine)

    def transactions() -> ir.Table:
        return annotated_transactions(engine.clean_transactions(), params)

    # the loader's sums, when it added them up over these windows (``duckdb_engine``)
    flows = engine.shared.get("member_flows")
    if flows is None:
        flows = member_flows(engine, engine.members, transactions())
    ranks = engine.shared.get("reward_ranks")
    if ranks is None:
        ranks = reward_ranks(engine, flows)
    # the report's series read the same tables
    engine.shared["member_flows"], engine.shared["reward_ranks"] = flows, ranks
    # one query for the sales totals and every per-member figure (one job on Spark)
    per_member = _resold(flows).cross_join(_member_totals(flows, ranks, result["members"]))
    loaded = engine.loaded.get("sales_totals")
    if loaded is None:
        row = engine.rows(_transaction_totals(transactions()).cross_join(per_member))[0]
    else:
        row = loaded | engine.rows(per_member)[0]
    result |= _sales(row)
    entry, retail, outcomes = _per_member(row, result["members"])
    result |= entry | retail
    result |= _rewards(engine, params, result["sales_to_consumers"])
    result |= outcomes
    result["fee_or_headcount_basis"] = bool(
        result["fee_payers"]
        or (result["recruitment_reward_share"] or 0) > 0
        or (result["entrant_funded_reward_share"] or 0) > 0
    )
    return result
