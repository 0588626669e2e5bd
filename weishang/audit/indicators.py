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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from weishang.audit.engine import Engine
from weishang.audit.tree import member_levels, reward_reach

DAY = 86_400
MONEY = "decimal(18, 2)"


@dataclass(frozen=True)
class AuditParams:
    entry_window_days: int = 30  # "bought or paid within N days of joining" = an entry payment
    first_week_days: int = 7  # UK Trading Schemes: what a participant pays in the first 7 days


def _money(value: Any) -> float:
    return round(float(value or 0), 2)


def _share(part: Any, whole: Any) -> float | None:
    whole = float(whole or 0)
    return None if whole == 0 else round(float(part or 0) / whole, 6)


def _annotated_transactions(t: ir.Table, m: ir.Table, params: AuditParams) -> ir.Table:
    b = m.select(b_id="member_id", b_joined="joined_at", b_left="left_at")
    j = t.left_join(b, t.buyer_id == b.b_id)
    since_join = j.at.epoch_seconds() - j.b_joined.epoch_seconds()
    participant = j.b_id.notnull() & (j.b_joined <= j.at) & (j.b_left.isnull() | (j.at < j.b_left))
    return j.mutate(
        participant_buyer=participant.fill_null(False),
        in_entry_window=(
            j.b_id.notnull() & (since_join >= -DAY) & (since_join <= params.entry_window_days * DAY)
        ).fill_null(False),
        in_first_week=(
            j.b_id.notnull() & (since_join >= -DAY) & (since_join <= params.first_week_days * DAY)
        ).fill_null(False),
    )


def _structure(engine: Engine) -> tuple[ir.Table, dict[str, Any]]:
    members, per_level = member_levels(engine)
    total = int(engine.scalar(members.count()))
    months = engine.rows(
        members.group_by(y=members.joined_at.year(), mo=members.joined_at.month())
        .aggregate(n=members.count())
        .order_by(["y", "mo"])
    )
    placed = sum(per_level.values())
    return members, {
        "members": total,
        "roots": per_level.get(1, 0),
        "depth": max(per_level, default=0),
        "members_per_level": {str(k): v for k, v in sorted(per_level.items())},
        "members_unplaced": total - placed,
        "growth_per_month": {f"{r['y']:04d}-{r['mo']:02d}": int(r["n"]) for r in months},
    }


def _sales(engine: Engine, t: ir.Table, params: AuditParams) -> dict[str, Any]:
    sale = t.kind == "sale"
    consumer = sale & ~t.participant_buyer
    purchase = sale & t.participant_buyer

    def total(cond: ir.BooleanValue) -> ir.Scalar:
        return t.amount.sum(where=cond)

    agg = engine.rows(
        t.aggregate(
            sales=total(sale),
            consumer_sales=total(consumer),
            member_purchases=total(purchase),
            fees=total(t.kind == "fee"),
            buybacks=total(t.kind == "buyback"),
            refunds=total(t.kind == "refund"),
            collected_from_members=total((purchase | (t.kind == "fee")) & t.b_id.notnull()),
        )
    )[0]
    # Resale: a member's purchases count as resold up to that member's own consumer sales.
    bought = t.filter(purchase).group_by(mid=t.buyer_id).aggregate(bought=t.amount.sum())
    sold = (
        t.filter(consumer & t.seller_id.notnull())
        .group_by(sid=t.seller_id)
        .aggregate(sold=t.amount.sum())
    )
    per = bought.left_join(sold, bought.mid == sold.sid)
    resold = per.select(
        resold=ibis.least(per.bought, per.sold.fill_null(ibis.literal(0).cast(MONEY)))
    ).resold.sum()
    resold_total = Decimal(engine.scalar(resold) or 0)
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


def _entry(engine: Engine, t: ir.Table, total_members: int) -> dict[str, Any]:
    paying = t.filter(t.b_id.notnull() & t.kind.isin(["sale", "fee"]))
    per = paying.group_by(mid=paying.b_id).aggregate(
        fee=(paying.kind == "fee").any(),
        entry_fee=((paying.kind == "fee") & paying.in_entry_window).any(),
        entry_buy=((paying.kind == "sale") & paying.in_entry_window).any(),
        first_week=paying.amount.sum(where=paying.in_first_week),
    )
    row = engine.rows(
        per.aggregate(
            fee_payers=per.fee.sum(),
            entry_payers=(per.entry_fee | per.entry_buy).sum(),
            entry_buyers=per.entry_buy.sum(),
            first_week_max=per.first_week.max(),
        )
    )[0]
    return {
        "fee_payers": int(row["fee_payers"] or 0),
        "fee_payers_share": _share(row["fee_payers"], total_members),
        "entry_payers": int(row["entry_payers"] or 0),
        "entry_payers_share": _share(row["entry_payers"], total_members),
        "entry_buyers_share": _share(row["entry_buyers"], total_members),
        "first_week_payment_max": _money(row["first_week_max"]),
    }


def _retail_customers(engine: Engine, t: ir.Table) -> dict[str, Any]:
    consumer = t.filter((t.kind == "sale") & ~t.participant_buyer & t.seller_id.notnull())
    customer = consumer.buyer_id.fill_null(consumer.txn_id)  # each anonymous sale: one customer
    per = consumer.group_by(sid=consumer.seller_id).aggregate(customers=customer.nunique())
    r = engine.rewards
    paid = r.select(pid="member_id").distinct()
    joined = paid.left_join(per, paid.pid == per.sid)
    median = engine.scalar(joined.customers.fill_null(0).median())
    return {"rewarded_members_median_retail_customers": None if median is None else float(median)}


def _activity(t: ir.Table, members: ir.Table) -> ir.Table:
    """What each member did on each day: bought (as a participant), paid a fee, sold, joined."""
    false, true = ibis.literal(False), ibis.literal(True)

    def rows(table: ir.Table, who: ir.Column, day: ir.Value, **flags: ir.Value) -> ir.Table:
        base = {"bought": false, "paid_fee": false, "sold": false, "joined": false}
        return table.select(a_id=who, a_day=day, **(base | flags))

    bought = t.filter((t.kind == "sale") & t.participant_buyer)
    fees = t.filter((t.kind == "fee") & t.b_id.notnull())
    sold = t.filter((t.kind == "sale") & ~t.participant_buyer & t.seller_id.notnull())
    union = ibis.union(
        rows(bought, bought.buyer_id, bought.at.date(), bought=true),
        rows(fees, fees.buyer_id, fees.at.date(), paid_fee=true),
        rows(sold, sold.seller_id, sold.at.date(), sold=true),
        rows(members, members.member_id, members.joined_at.date(), joined=true),
    )
    return union.group_by(["a_id", "a_day"]).aggregate(
        bought=union.bought.any(),
        paid_fee=union.paid_fee.any(),
        sold=union.sold.any(),
        joined=union.joined.any(),
    )


def _rewards(
    engine: Engine, members: ir.Table, t: ir.Table, params: AuditParams, consumer_sales: float
) -> dict[str, Any]:
    r = engine.rewards
    reach = reward_reach(engine, members, r).rename(reach_id="reward_id")
    act = _activity(t, members)
    src = members.select(src_id="member_id", src_joined="joined_at")
    j = (
        r.left_join(act, (r.source_member_id == act.a_id) & (r.at.date() == act.a_day))
        .left_join(src, r.source_member_id == src.src_id)
        .left_join(reach, r.reward_id == reach.reach_id)
    )
    own = j.source_member_id.isnull() | (j.source_member_id == j.member_id)
    sale_basis = ibis.ifelse(own, "own_sales", "downline_sales")
    bought, fee = j.bought.fill_null(False), j.paid_fee.fill_null(False)
    sold, joined = j.sold.fill_null(False), j.joined.fill_null(False) & ~own
    consistent = (
        (j.basis.isin(["own_sales", "downline_sales"]) & sold)
        | ((j.basis == "purchase_volume") & bought)
        | ((j.basis == "fee_share") & fee)
        | ((j.basis == "recruitment") & joined)
    )
    by_event = ibis.cases(
        (fee & ~own, "fee_share"),
        (bought, "purchase_volume"),
        (joined, "recruitment"),
        (sold, sale_basis),
        else_=j.basis,
    )
    behaviour = ibis.ifelse(
        consistent,
        ibis.ifelse(j.basis.isin(["own_sales", "downline_sales"]), sale_basis, j.basis),
        by_event,
    )
    since_join = j.at.epoch_seconds() - j.src_joined.epoch_seconds()
    entrant = behaviour.isin(["fee_share", "recruitment"]) | (
        (behaviour == "purchase_volume")
        & ~own
        & (since_join <= params.entry_window_days * DAY).fill_null(False)
    )
    classified = j.select(
        basis="basis",
        behaviour=behaviour,
        entrant=entrant,
        levels_above="levels_above",
        amount="amount",
    )
    groups = engine.rows(
        classified.group_by(["basis", "behaviour", "entrant", "levels_above"]).aggregate(
            amount=classified.amount.sum(), n=classified.count()
        )
    )
    total = sum(Decimal(g["amount"]) for g in groups)

    def amount_where(pred: Any) -> Decimal:
        return sum((Decimal(g["amount"]) for g in groups if pred(g)), Decimal(0))

    def mix(key: str) -> dict[str, float | None]:
        names = sorted({g[key] for g in groups})
        return {n: _share(amount_where(lambda g, n=n: g[key] == n), total) for n in names}

    reach_amounts: dict[str, float] = {}
    for d in sorted({g["levels_above"] for g in groups if g["levels_above"] is not None}):
        reach_amounts[str(d)] = _money(amount_where(lambda g, d=d: g["levels_above"] == d))
    team = amount_where(
        lambda g: (
            (g["levels_above"] or 0) >= 1
            and g["behaviour"] in ("downline_sales", "purchase_volume")
        )
    )
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


def _outcomes(engine: Engine, members: ir.Table, t: ir.Table) -> dict[str, Any]:
    r = engine.rewards
    money = ibis.literal(0).cast(MONEY)
    collects = t.seller_collects.fill_null(True)
    forward = t.kind.isin(["sale", "fee", "buyback"])
    payee = ibis.ifelse(
        forward, ibis.ifelse(collects, t.seller_id, ibis.null("string")), t.buyer_id
    )
    payer = ibis.ifelse(
        forward, t.buyer_id, ibis.ifelse(collects, t.seller_id, ibis.null("string"))
    )
    flows = ibis.union(
        r.select(fid=r.member_id, cash=r.amount.cast(MONEY), reward=r.amount.cast(MONEY)),
        t.select(fid=payee, cash=t.amount.cast(MONEY), reward=money),
        t.select(fid=payer, cash=t.amount.negate().cast(MONEY), reward=money),
    )
    per = (
        flows.filter(flows.fid.notnull())
        .group_by("fid")
        .aggregate(net=flows.cash.sum(), rewarded=flows.reward.sum())
    )
    m = members.select("member_id").left_join(per, members.member_id == per.fid)
    m = m.select("member_id", net=m.net.fill_null(money), rewarded=m.rewarded.fill_null(money))
    n = ibis.row_number()
    ranked = m.mutate(
        down=n.over(ibis.window(order_by=[ibis.desc(m.rewarded), m.member_id])) + 1,
        up=n.over(ibis.window(order_by=[m.rewarded, m.member_id])) + 1,
    )
    row = engine.rows(
        ranked.aggregate(
            count=ranked.count(),
            lost=(ranked.net < 0).sum(),
            median_net=ranked.net.median(),
            total=ranked.rewarded.sum(),
            weighted=(ranked.rewarded * ranked.up).sum(),
        )
    )[0]
    count = int(row["count"])
    top1, top10 = max(1, math.ceil(count * 0.01)), max(1, math.ceil(count * 0.10))
    tops = engine.rows(
        ranked.aggregate(
            top1=ranked.rewarded.sum(where=ranked.down <= top1),
            top10=ranked.rewarded.sum(where=ranked.down <= top10),
        )
    )[0]
    total = Decimal(row["total"] or 0)
    gini = None
    if total > 0:
        weighted = Decimal(row["weighted"])
        gini = round(float(2 * weighted / (count * total) - Decimal(count + 1) / count), 6)
    return {
        "members_lost_money_share": _share(row["lost"], count),
        "median_net_cash": _money(row["median_net"]),
        "top1_reward_share": _share(tops["top1"], total),
        "top10_reward_share": _share(tops["top10"], total),
        "reward_gini": gini,
    }


def unplaced_rows(engine: Engine, members: ir.Table, limit: int) -> list[int]:
    """Data rows of members whose sponsor chain never reaches a root (a sponsor cycle)."""
    lost = members.filter(members.level.isnull()).order_by("_row").limit(limit)
    return [int(r["_row"]) for r in engine.rows(lost.select("_row"))]


def compute_indicators(
    engine: Engine, params: AuditParams | None = None, unplaced: list[int] | None = None
) -> dict[str, Any]:
    """Every indicator of the audit, as JSON-ready values (money rounded to cents).

    ``unplaced``, when given, receives the first rows of members caught in a sponsor cycle.
    """
    params = params or AuditParams()
    members, result = _structure(engine)
    if unplaced is not None and result["members_unplaced"]:
        unplaced.extend(unplaced_rows(engine, members, 5))
    t = engine.materialize(_annotated_transactions(engine.transactions, members, params), "txn")
    result |= _sales(engine, t, params)
    result |= _entry(engine, t, result["members"])
    result |= _retail_customers(engine, t)
    result |= _rewards(engine, members, t, params, result["sales_to_consumers"])
    result |= _outcomes(engine, members, t)
    result["fee_or_headcount_basis"] = bool(
        result["fee_payers"]
        or (result["recruitment_reward_share"] or 0) > 0
        or (result["entrant_funded_reward_share"] or 0) > 0
    )
    return result
