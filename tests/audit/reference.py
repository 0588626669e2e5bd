"""A plain-Python reference for the audit's indicators, written from docs/audit-data.md.

It reads the export's rows as text (one dict per row, column name -> cell) and computes the
indicators row by row with dicts and loops: money in integer cents, shares as exact fractions.
It is meant to be obviously right, not fast; ``test_reference.py`` holds the engine to it.

Where the contract leaves a choice open, the reference takes the engine's; each such choice is
marked ``# contract silent: ...`` where it is made. Where the engine departs from what the
contract does say, the reference follows the contract unless told otherwise (``Choices``), so
the tests can hold the engine to everything else meanwhile.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

DAY = 86_400  # seconds
ENTRY_WINDOW_DAYS = 30
FIRST_WEEK_DAYS = 7
KINDS = ("sale", "fee", "buyback", "refund")
BASES = ("own_sales", "downline_sales", "purchase_volume", "recruitment", "fee_share", "other")
TRUE = ("true", "t", "1", "yes", "y")
FALSE = ("false", "f", "0", "no", "n")
Rows = list[dict[str, str]]


@dataclass(frozen=True)
class Choices:
    """The contract's word (the defaults), or the engine's known departures from it."""

    # "purchase_volume on a purchase by a source who joined within that window", the window
    # being "from one day before joining to 30 days after"; the engine checks only the upper end
    entrant_window_lower_end: bool = True
    # fee_or_headcount_basis: any recruitment or entrant-funded reward; the engine reads the
    # shares rounded to 6 places, so a small enough amount counts as none
    flag_from_rounded_shares: bool = False


CONTRACT = Choices()
# the engine's known departures from the contract: none now (both above were found by the
# tests and fixed); a new one found goes here, with a test that fails until it is fixed
ENGINE = CONTRACT


# --- parsing the text of a cell ----------------------------------------------------------------


def text(row: dict[str, str], column: str) -> str:
    """A cell with spaces at either end removed; "" when empty or absent."""
    return (row.get(column) or "").strip(" ")


def parse_date(value: str) -> datetime | None:
    """The contract's date formats, as a naive UTC datetime; None when not a date."""
    value = value.strip(" ")
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:\d{2})?", value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def parse_cents(value: str) -> int | None:
    """``1234.5`` or ``1,234.50`` in cents; None when not an amount (negative included)."""
    value = value.strip(" ")
    if not re.fullmatch(r"(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?", value):
        return None
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None
    cents = int(amount * 100)
    return cents if cents < 10**18 else None


def parse_bool(value: str) -> bool | None:
    # contract silent: the case of true/false words (the engine ignores it)
    value = value.strip(" ").lower()
    return True if value in TRUE else False if value in FALSE else None


def seconds(later: datetime, earlier: datetime) -> int:
    return int((later - earlier).total_seconds())


# --- the clean rows ------------------------------------------------------------------------------


@dataclass
class Member:
    id: str
    sponsor: str | None
    joined: datetime
    left: datetime | None
    level: int | None = None

    def is_member_at(self, at: datetime) -> bool:
        # contract silent: at the exact moment of leaving the member is no longer a participant
        return self.joined <= at and (self.left is None or at < self.left)


@dataclass
class Txn:
    kind: str
    at: datetime
    seller: str | None  # a member id, or None (the company or no member)
    buyer: str  # the buyer id's text ("" when empty)
    buyer_member: str | None  # the buyer when the id is a member's
    cents: int
    seller_collects: bool
    participant: bool  # the buyer was a member at the time


@dataclass
class Reward:
    at: datetime
    member: str
    cents: int
    basis: str
    source: str | None


def lower_keys(rows: Rows) -> Rows:
    return [{k.strip().lower(): v for k, v in row.items()} for row in rows]


def first_usable(rows: Rows, id_column: str, usable: Any) -> list[tuple[str, dict[str, str]]]:
    """The rows ``usable`` accepts, the first of each id only."""
    # contract silent: a repeat of an id whose earlier rows were all skipped is kept (the
    # engine keeps the first *usable* row)
    kept, seen = [], set()
    for row in rows:
        row_id = text(row, id_column)
        if row_id and usable(row) and row_id not in seen:
            seen.add(row_id)
            kept.append((row_id, row))
    return kept


def clean_members(rows: Rows) -> dict[str, Member]:
    members: dict[str, Member] = {}
    for member_id, row in first_usable(
        rows, "member_id", lambda r: parse_date(text(r, "joined_at"))
    ):
        joined = parse_date(text(row, "joined_at"))
        assert joined is not None
        left = parse_date(text(row, "left_at"))
        if left is not None and left < joined:
            left = None
        members[member_id] = Member(member_id, text(row, "sponsor_id") or None, joined, left)
    for m in members.values():
        if m.sponsor not in members:
            m.sponsor = None  # not a member: a root
    for m in members.values():
        m.level = level_of(m, members)
    return members


def level_of(member: Member, members: dict[str, Member]) -> int | None:
    """1 for a root, one more per sponsor link; None in or below a sponsor cycle."""
    chain, seen = member, {member.id}
    level = 1
    while chain.sponsor is not None:
        if chain.sponsor in seen:
            return None
        seen.add(chain.sponsor)
        chain = members[chain.sponsor]
        level += 1
    return level


def clean_transactions(rows: Rows, members: dict[str, Member]) -> list[Txn]:
    def usable(row: dict[str, str]) -> bool:
        return (
            parse_date(text(row, "at")) is not None
            and parse_cents(text(row, "amount")) is not None
            # contract silent: kind is matched whatever its case (as the engine does)
            and text(row, "kind").lower() in KINDS
        )

    txns = []
    for _, row in first_usable(rows, "txn_id", usable):
        at = parse_date(text(row, "at"))
        cents = parse_cents(text(row, "amount"))
        assert at is not None and cents is not None
        seller, buyer = text(row, "seller_id"), text(row, "buyer_id")
        buyer_member = members.get(buyer)
        collects = parse_bool(text(row, "seller_collects"))
        txns.append(
            Txn(
                kind=text(row, "kind").lower(),
                at=at,
                seller=seller if seller in members else None,
                buyer=buyer,
                buyer_member=buyer if buyer_member else None,
                cents=cents,
                seller_collects=True if collects is None else collects,
                participant=bool(buyer_member and buyer_member.is_member_at(at)),
            )
        )
    return txns


def clean_rewards(rows: Rows, members: dict[str, Member]) -> list[Reward]:
    def usable(row: dict[str, str]) -> bool:
        return (
            parse_date(text(row, "at")) is not None
            and parse_cents(text(row, "amount")) is not None
            # contract silent: basis is matched whatever its case (as the engine does)
            and text(row, "basis").lower() in BASES
            and text(row, "member_id") != ""
        )

    rewards = []
    for _, row in first_usable(rows, "reward_id", usable):
        # contract silent: a reward to an id that is no member's still holds its id (a later row
        # with the same id is a repeat, skipped); one with an empty member_id does not
        if text(row, "member_id") not in members:
            continue
        at, cents = parse_date(text(row, "at")), parse_cents(text(row, "amount"))
        assert at is not None and cents is not None
        source = text(row, "source_member_id")
        rewards.append(
            Reward(
                at=at,
                member=text(row, "member_id"),
                cents=cents,
                basis=text(row, "basis").lower(),
                source=source if source in members else None,
            )
        )
    return rewards


# --- the indicators ------------------------------------------------------------------------------


def share(part: int | Fraction, whole: int | Fraction) -> Fraction | None:
    return None if whole == 0 else Fraction(part) / Fraction(whole)


def median(values: list[int]) -> Fraction | None:
    if not values:
        return None
    ordered, half = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return Fraction(ordered[half])
    return Fraction(ordered[half - 1] + ordered[half], 2)


def in_window(since: int, days: int) -> bool:
    return -DAY <= since <= days * DAY


def structure(members: dict[str, Member]) -> dict[str, Any]:
    per_level: dict[int, int] = defaultdict(int)
    months: dict[str, int] = defaultdict(int)
    for m in members.values():
        if m.level is not None:
            per_level[m.level] += 1
        months[f"{m.joined.year:04d}-{m.joined.month:02d}"] += 1  # the UTC month
    return {
        "members": len(members),
        "roots": per_level.get(1, 0),
        "depth": max(per_level, default=0),
        "members_per_level": {str(k): per_level[k] for k in sorted(per_level)},
        # contract silent: members below a cycle (whose chain reaches one) get no level either
        "members_unplaced": len(members) - sum(per_level.values()),
        "growth_per_month": dict(sorted(months.items())),
    }


def sales(txns: list[Txn], members: dict[str, Member]) -> dict[str, Any]:
    # contract silent: sales are gross (refunds are not taken off any sales figure)
    sales_total = sum(t.cents for t in txns if t.kind == "sale")
    consumer = sum(t.cents for t in txns if t.kind == "sale" and not t.participant)
    to_members = sum(t.cents for t in txns if t.kind == "sale" and t.participant)
    # contract silent (no definition): a member's purchases count as resold up to the member's
    # own sales to outside consumers; "collected from members" is what members paid in
    # purchases as participants and fees (a fee by a member id at any time)
    bought: dict[str, int] = defaultdict(int)
    sold: dict[str, int] = defaultdict(int)
    for t in txns:
        if t.kind == "sale" and t.participant and t.buyer_member:
            bought[t.buyer_member] += t.cents
        if t.kind == "sale" and not t.participant and t.seller:
            sold[t.seller] += t.cents
    resold = sum(min(bought[m], sold[m]) for m in members)
    unsold = to_members - resold
    return {
        "sales_total": sales_total,
        "sales_to_consumers": consumer,
        "sales_to_members": to_members,
        "consumer_sales_share": share(consumer, sales_total),
        "internal_consumption_share": share(to_members, sales_total),
        "member_purchases_resold_share": share(resold, to_members),
        "unsold_member_purchases": unsold,
        "eligible_sales_share": share(consumer + resold, sales_total),
        "personal_consumption_share": share(unsold, sales_total),
        "fees_total": sum(t.cents for t in txns if t.kind == "fee"),
        "buybacks_total": sum(t.cents for t in txns if t.kind == "buyback"),
        "refunds_total": sum(t.cents for t in txns if t.kind == "refund"),
        "collected_from_members": sum(
            t.cents
            for t in txns
            if t.buyer_member and ((t.kind == "sale" and t.participant) or t.kind == "fee")
        ),
    }


def net_cash(txns: list[Txn], rewards: list[Reward], members: dict[str, Member]) -> dict[str, int]:
    """Rewards + what the member collected - what the member paid, in cents."""
    # contract silent: every transaction of the member's id counts, before joining and after
    # leaving too; a refund takes the money from the refund row's own seller when that row's
    # seller_collects is true (else from the company) and gives it to the refund row's buyer
    cash = {m: 0 for m in members}
    for t in txns:
        signed = -t.cents if t.kind == "refund" else t.cents  # sale, fee, buyback: forward
        if t.seller and t.seller_collects:
            cash[t.seller] += signed
        if t.buyer_member:
            cash[t.buyer_member] -= signed
    for r in rewards:
        cash[r.member] += r.cents
    return cash


def entry_payments(txns: list[Txn], members: dict[str, Member]) -> dict[str, Any]:
    fee, entry_fee, entry_buy = set(), set(), set()
    first_week: dict[str, int] = {}
    for t in txns:
        m = t.buyer_member
        if not m:
            continue
        since = seconds(t.at, members[m].joined)
        if t.kind == "fee":
            fee.add(m)  # contract silent: a fee paid at any time makes a fee payer
            if in_window(since, ENTRY_WINDOW_DAYS):
                entry_fee.add(m)
        # contract silent: "a purchase as a participant" within the window is any purchase by
        # the member's id in it (the day before joining, or after leaving, included)
        if t.kind == "sale" and in_window(since, ENTRY_WINDOW_DAYS):
            entry_buy.add(m)
        # contract silent (no definition): the most one member paid in purchases and fees from
        # a day before joining to 7 days after
        if t.kind in ("sale", "fee") and in_window(since, FIRST_WEEK_DAYS):
            first_week[m] = first_week.get(m, 0) + t.cents
    n = len(members)
    entry_payers = entry_fee | entry_buy
    return {
        "fee_payers": len(fee),
        "fee_payers_share": share(len(fee), n),
        "entry_payers": len(entry_payers),
        "entry_payers_share": share(len(entry_payers), n),
        "entry_buyers_share": share(len(entry_buy), n),
        "first_week_payment_max": max(first_week.values(), default=0),
    }


def retail_customers(txns: list[Txn], rewards: list[Reward]) -> dict[str, Any]:
    """The median, over rewarded members, of each one's distinct outside buyers."""
    # contract silent (no definition): a seller's customers are the distinct buyer ids of its
    # sales to outside consumers (whoever collected), each sale to an empty buyer one more
    customers: dict[str, set[Any]] = defaultdict(set)
    for i, t in enumerate(txns):
        if t.kind == "sale" and not t.participant and t.seller:
            customers[t.seller].add(t.buyer or ("anonymous", i))
    rewarded = {r.member for r in rewards}
    found = median([len(customers[m]) for m in rewarded])
    return {"rewarded_members_median_retail_customers": found}


def outcomes(cash: dict[str, int], rewards: list[Reward]) -> dict[str, Any]:
    """Who lost money, and how the rewards are spread over the members."""
    # contract silent: top shares and the Gini coefficient are over all members (the
    # unrewarded count as zero); the top 1% / 10% is ceil(1% / 10% of the members), at least 1
    got = {m: 0 for m in cash}
    for r in rewards:
        got[r.member] += r.cents
    total, n = sum(got.values()), len(got)
    ranked = sorted(got.values(), reverse=True)
    top1, top10 = max(1, math.ceil(n / 100)), max(1, math.ceil(n / 10))
    gini = None
    if total > 0:  # mean absolute difference over twice the mean
        diffs = sum(abs(a - b) for a in got.values() for b in got.values())
        gini = Fraction(diffs, 2 * n * total)
    return {
        "members_lost_money_share": share(sum(1 for c in cash.values() if c < 0), n),
        "median_net_cash": median(list(cash.values())),
        "top1_reward_share": share(sum(ranked[:top1]), total),
        "top10_reward_share": share(sum(ranked[:top10]), total),
        "reward_gini": gini,
    }


def levels_above(source: str | None, member: str, members: dict[str, Member]) -> int | None:
    """How far above the source the paid member sits, when it is one of the source's sponsors."""
    # contract silent: none for a source in or below a sponsor cycle, nor for the member itself
    if source is None or source == member or members[source].level is None:
        return None
    steps, chain = 0, members[source]
    while chain.sponsor is not None:
        steps += 1
        chain = members[chain.sponsor]
        if chain.id == member:
            return steps
    return None


def day_events(txns: list[Txn]) -> dict[tuple[str, date], set[str]]:
    """What each member did on each (UTC) day: bought as a participant, paid a fee, sold to
    an outside consumer."""
    did: dict[tuple[str, date], set[str]] = defaultdict(set)
    for t in txns:
        day = t.at.date()
        if t.kind == "sale" and t.participant and t.buyer_member:
            did[t.buyer_member, day].add("bought")
        # contract silent: a fee counts as paid by the member whether or not it was a member then
        if t.kind == "fee" and t.buyer_member:
            did[t.buyer_member, day].add("fee")
        # contract silent: a sale counts as sold by the member whoever collected the money
        if t.kind == "sale" and not t.participant and t.seller:
            did[t.seller, day].add("sold")
    return did


def behaviour(r: Reward, members: dict[str, Member], did: dict[Any, set[str]]) -> str:
    """What the reward was really computed from (the contract's "Reward basis")."""
    own = r.source is None or r.source == r.member
    day = r.at.date()
    events = set(did.get((r.source, day), ())) if r.source else set()
    if r.source and members[r.source].joined.date() == day:
        events.add("joined")
    sale_basis = "own_sales" if own else "downline_sales"
    # the label stands when it matches an event of the day
    if r.basis in ("own_sales", "downline_sales") and "sold" in events:
        return sale_basis
    if r.basis == "purchase_volume" and "bought" in events:
        return r.basis
    if r.basis == "fee_share" and "fee" in events:
        return r.basis
    # contract silent: a member's own joining is no recruitment
    if r.basis == "recruitment" and "joined" in events and not own:
        return r.basis
    # else the event decides, fee > bought > joined > sold
    # contract silent: a member's own fee (or joining) does not make a reward fee_share
    # (recruitment); an own fee only confirms a reward labelled fee_share, above
    if "fee" in events and not own:
        return "fee_share"
    if "bought" in events:
        return "purchase_volume"
    if "joined" in events and not own:
        return "recruitment"
    if "sold" in events:
        return sale_basis
    # contract silent: with no event the label stands, sale labels included (a downline_sales
    # label with the member itself as source stays downline_sales)
    return r.basis


def funded_by_entrants(r: Reward, kind: str, members: dict[str, Member], how: Choices) -> bool:
    if kind in ("fee_share", "recruitment"):
        return True
    # contract silent: the member's own purchase (or no source) is not funded by entrants; the
    # window is taken from the source's joining to the reward's time
    if kind != "purchase_volume" or r.source is None or r.source == r.member:
        return False
    since = seconds(r.at, members[r.source].joined)
    if how.entrant_window_lower_end:
        return in_window(since, ENTRY_WINDOW_DAYS)
    return since <= ENTRY_WINDOW_DAYS * DAY


def reward_indicators(
    rewards: list[Reward],
    txns: list[Txn],
    members: dict[str, Member],
    consumer_sales: int,
    how: Choices,
) -> dict[str, Any]:
    did = day_events(txns)
    total = sum(r.cents for r in rewards)
    declared: dict[str, int] = defaultdict(int)
    by_behaviour: dict[str, int] = defaultdict(int)
    by_levels: dict[int, int] = defaultdict(int)
    relabelled = entrant = team = 0
    for r in rewards:
        kind = behaviour(r, members, did)
        declared[r.basis] += r.cents
        by_behaviour[kind] += r.cents
        if kind != r.basis:
            relabelled += r.cents
        if funded_by_entrants(r, kind, members, how):
            entrant += r.cents
        above = levels_above(r.source, r.member, members)
        if above is not None:
            by_levels[above] += r.cents
            # team pay: a reward to an upline on the source's sales or purchases
            if kind in ("downline_sales", "purchase_volume"):
                team += r.cents
    return {
        "rewards_total": total,
        "rewards_count": len(rewards),
        "reward_mix_declared": {k: share(v, total) for k, v in sorted(declared.items())},
        "reward_mix_behaviour": {k: share(v, total) for k, v in sorted(by_behaviour.items())},
        "relabelled_rewards_share": share(relabelled, total),
        "recruitment_reward_share": share(
            by_behaviour.get("recruitment", 0) + by_behaviour.get("fee_share", 0), total
        ),
        "purchase_based_reward_share": share(by_behaviour.get("purchase_volume", 0), total),
        "team_pay_share": share(team, total),
        "max_levels_above_source": max(by_levels, default=0),
        "rewards_by_levels_above_source": {str(k): by_levels[k] for k in sorted(by_levels)},
        "entrant_funded_reward_share": share(entrant, total),
        "pay_to_retail_ratio": share(total, consumer_sales),
    }


def reference(files: dict[str, Rows], how: Choices = CONTRACT) -> dict[str, Any]:
    """Every indicator the reference covers, from the rows of ``members``, ``transactions`` and
    ``rewards`` (text cells). Money is in cents (int), shares are ``Fraction``s (None when the
    whole is zero). ``members`` is 0 when no member row is usable (the audit cannot run)."""
    members = clean_members(lower_keys(files["members"]))
    txns = clean_transactions(lower_keys(files["transactions"]), members)
    rewards = clean_rewards(lower_keys(files["rewards"]), members)
    result = structure(members)
    result["rows"] = {
        "members": len(members),
        "transactions": len(txns),
        "rewards": len(rewards),
    }
    if not members:
        return result
    result |= sales(txns, members)
    result |= entry_payments(txns, members)
    result |= retail_customers(txns, rewards)
    result |= reward_indicators(rewards, txns, members, result["sales_to_consumers"], how)
    cash = net_cash(txns, rewards, members)
    result |= outcomes(cash, rewards)
    shares = [result["recruitment_reward_share"], result["entrant_funded_reward_share"]]
    if how.flag_from_rounded_shares:
        shares = [round(float(x), 6) if x is not None else None for x in shares]
    result["fee_or_headcount_basis"] = bool(result["fee_payers"] or any(x for x in shares))
    result["net_cash"] = {
        "members": len(cash),
        "lost": sum(1 for c in cash.values() if c < 0),
        "zero": sum(1 for c in cash.values() if c == 0),
        "min": min(cash.values()),
        "max": max(cash.values()),
    }
    return result
