"""What a channel sale pays, written to the ledger as the order moves.

The order's one write path (``orders.lifecycle.order_change``) calls ``sale_placed`` and
``sale_moved`` for an order sold by a reseller, inside the transaction that moves the order, so a
commission can never be out of step with its order. Each call gets the order's facts as plain
values (``Sale``): this app sits below ``orders`` and never reads an order itself.

Per order, in the order's currency (accounts per channel; a debit is positive):

    paid       brand:cash +T | brand:revenue -(T-s-o-f) | member:S:held -s | member:P:held -o
               | platform:fees -f
    released   member:X:held +x | member:X:payable -x          (the return window after delivery)
    refund R   brand:cash -R | brand:revenue +.. | member:X:held or :payable +clawback | ...
    payout     member:X:payable +n | member:X:payout -n         (requested)
               member:X:payout +n | brand:cash -n               (marked paid, with a reference)

``s`` pays the seller of record and ``o`` their direct sponsor (only where the policy allows team
pay, and only while the sponsor is active); nobody else has an account a sale could post to.
A participant's purchase (the brand, or anyone who has joined the channel, by account or phone)
pays no one. After a refund each amount is its full amount times what is left of the order,
rounded down, so partial refunds claw back exactly their share and a full refund leaves nothing;
a clawback after release can leave the payable balance negative, and it is shown that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from weishang.ledger.services import entry_post

from .models import (
    Channel,
    ChannelOffer,
    Commission,
    CommissionState,
    EarningsYear,
    Membership,
    MembershipStatus,
)
from .policy import policy_for
from .services import is_participant


@dataclass(frozen=True)
class SaleLine:
    product_id: int
    total_minor: int


@dataclass(frozen=True)
class Sale:
    """An order's facts, as ``orders`` hands them over."""

    order_id: int
    reseller_id: int  # the seller of record's membership
    currency: str
    total_minor: int
    refunded_minor: int = 0
    buyer_user_id: int | None = None
    buyer_phone: str = ""
    lines: tuple[SaleLine, ...] = ()
    paid_at: datetime | None = None
    completed_at: datetime | None = None


# --- account keys ----------------------------------------------------------------------------


def brand_cash(channel_id: int) -> str:
    return f"channel:{channel_id}:brand:cash"


def brand_revenue(channel_id: int) -> str:
    return f"channel:{channel_id}:brand:revenue"


def member_account(channel_id: int, membership_id: int, part: str) -> str:
    """``part``: ``held``, ``payable`` or ``payout`` (requested, not yet paid)."""
    return f"channel:{channel_id}:member:{membership_id}:{part}"


def platform_fees(currency: str) -> str:
    return f"platform:fees:{currency}"


def _part(amount: int, rate: Decimal) -> int:
    """``rate`` of ``amount``, rounded down: pay never rounds above the cap."""
    return int((Decimal(amount) * rate).to_integral_value(rounding=ROUND_DOWN))


def _scaled(full: int, left: int, base: int) -> int:
    return full * left // base if base else 0


def return_window() -> timedelta:
    return timedelta(days=settings.CHANNEL_RETURN_WINDOW_DAYS)


# --- the order's moves -----------------------------------------------------------------------


def sale_placed(sale: Sale) -> Commission:
    """Record what the order will pay once paid, at the offer's rates as they are now."""
    seller = Membership.objects.select_related("channel__shop__owner").get(pk=sale.reseller_id)
    channel = seller.channel
    policy = policy_for(channel.policy)
    participant = is_participant(
        channel=channel, user_id=sale.buyer_user_id, phone=sale.buyer_phone
    )
    rates = {
        o.product_id: (o.seller_rate, o.override_rate)
        for o in ChannelOffer.objects.filter(
            channel=channel, product_id__in={line.product_id for line in sale.lines}
        )
    }
    sponsor = None
    if policy.team_pay and seller.sponsor_id is not None:
        sponsor = Membership.objects.filter(
            pk=seller.sponsor_id, status=MembershipStatus.ACTIVE
        ).first()
    seller_full = override_full = 0
    if not participant:
        for line in sale.lines:
            seller_rate, override_rate = rates.get(line.product_id, (Decimal(0), Decimal(0)))
            seller_full += _part(line.total_minor, seller_rate)
            if sponsor is not None:
                override_full += _part(line.total_minor, override_rate)
    fee_full = _part(sale.total_minor, Decimal(settings.CHANNEL_PLATFORM_FEE_RATE))
    return Commission.objects.create(
        order_id=sale.order_id,
        channel=channel,
        seller=seller,
        sponsor=sponsor,
        currency=sale.currency,
        participant=participant,
        base_minor=sale.total_minor,
        seller_full_minor=seller_full,
        override_full_minor=override_full,
        fee_full_minor=fee_full,
        seller_minor=seller_full,
        override_minor=override_full,
        fee_minor=fee_full,
        state=CommissionState.PENDING,
    )


def sale_moved(sale: Sale, action: str) -> None:
    """Follow the order's move ``action`` in the ledger (called after the order row changed)."""
    commission = Commission.objects.select_for_update().filter(order_id=sale.order_id).first()
    if commission is None:
        return
    if commission.state == CommissionState.PENDING:
        if action in {"cancel", "expire"}:
            commission.state = CommissionState.VOID
            commission.save(update_fields=["state"])
            return
        if sale.paid_at is not None:
            _paid(commission, sale.paid_at)
    if action == "complete" and sale.completed_at is not None:
        commission.delivered_at = sale.completed_at
        commission.release_after = sale.completed_at + return_window()
        commission.save(update_fields=["delivered_at", "release_after"])
    if (
        action in {"refund", "partial_refund"}
        and sale.refunded_minor > commission.sale_refunded_minor
    ):
        _refunded(commission, sale.refunded_minor)


def _earned(channel_id: int, membership_id: int, year: int, amount: int) -> None:
    if not amount:
        return
    row, _created = EarningsYear.objects.get_or_create(
        membership_id=membership_id, year=year, defaults={"channel_id": channel_id}
    )
    EarningsYear.objects.filter(pk=row.pk).update(earned_minor=F("earned_minor") + amount)


def _paid(c: Commission, paid_at: datetime) -> None:
    # The sponsor's override is paid only if the policy allows team pay and the sponsor is still
    # active when the money arrives (a policy can change, a sponsor can leave, after placing).
    if c.sponsor_id is not None and not _override_allowed(c):
        c.sponsor_id, c.override_full_minor, c.override_minor = None, 0, 0
        c.save(update_fields=["sponsor", "override_full_minor", "override_minor"])
    ch, total = c.channel_id, c.base_minor
    pay = {
        brand_cash(ch): total,
        brand_revenue(ch): -(total - c.seller_minor - c.override_minor - c.fee_minor),
        member_account(ch, c.seller_id, "held"): -c.seller_minor,
        platform_fees(c.currency): -c.fee_minor,
    }
    if c.sponsor_id is not None:
        pay[member_account(ch, c.sponsor_id, "held")] = -c.override_minor
    entry_post(
        kind="sale",
        currency=c.currency,
        postings={k: v for k, v in pay.items() if v},
        reference=f"order:{c.order_id}",
    )
    year = timezone.localtime(paid_at).year
    _earned(c.channel_id, c.seller_id, year, c.seller_minor)
    if c.sponsor_id is not None:
        _earned(c.channel_id, c.sponsor_id, year, c.override_minor)
    c.state, c.sale_paid_at = CommissionState.HELD, paid_at
    c.save(update_fields=["state", "sale_paid_at"])


def _override_allowed(c: Commission) -> bool:
    channel = Channel.objects.only("policy").get(pk=c.channel_id)
    return (
        policy_for(channel.policy).team_pay
        and Membership.objects.filter(pk=c.sponsor_id or 0, status=MembershipStatus.ACTIVE).exists()
    )


def _refunded(c: Commission, refunded: int) -> None:
    """Claw back the refund's share of every part: from held before release, payable after."""
    left = c.base_minor - refunded
    seller = _scaled(c.seller_full_minor, left, c.base_minor)
    override = _scaled(c.override_full_minor, left, c.base_minor)
    fee = _scaled(c.fee_full_minor, left, c.base_minor)
    back_seller, back_override = c.seller_minor - seller, c.override_minor - override
    back_fee, amount = c.fee_minor - fee, refunded - c.sale_refunded_minor
    where = "payable" if c.state == CommissionState.PAYABLE else "held"
    ch = c.channel_id
    moves: dict[str, int] = {
        brand_cash(ch): -amount,
        brand_revenue(ch): amount - back_seller - back_override - back_fee,
        member_account(ch, c.seller_id, where): back_seller,
        platform_fees(c.currency): back_fee,
    }
    if c.sponsor_id is not None:
        moves[member_account(ch, c.sponsor_id, where)] = back_override
    entry_post(
        kind="refund",
        currency=c.currency,
        postings={k: v for k, v in moves.items() if v},
        reference=f"order:{c.order_id}",
    )
    if c.sale_paid_at is not None:
        year = timezone.localtime(c.sale_paid_at).year
        _earned(c.channel_id, c.seller_id, year, -back_seller)
        if c.sponsor_id is not None:
            _earned(c.channel_id, c.sponsor_id, year, -back_override)
    c.seller_minor, c.override_minor, c.fee_minor = seller, override, fee
    c.sale_refunded_minor = refunded
    c.save(update_fields=["seller_minor", "override_minor", "fee_minor", "sale_refunded_minor"])


# --- the return window -----------------------------------------------------------------------


def commission_release(commission_id: int, *, now: datetime | None = None) -> bool:
    """Make one held commission payable once its return window after delivery has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        c = (
            Commission.objects.select_for_update()
            .filter(pk=commission_id, state=CommissionState.HELD, release_after__lte=now)
            .first()
        )
        if c is None:
            return False
        moves: dict[str, int] = {}
        for membership_id, amount in (
            (c.seller_id, c.seller_minor),
            (c.sponsor_id, c.override_minor),
        ):
            if membership_id is not None and amount:
                moves[member_account(c.channel_id, membership_id, "held")] = amount
                moves[member_account(c.channel_id, membership_id, "payable")] = -amount
        if moves:
            entry_post(
                kind="release", currency=c.currency, postings=moves, reference=f"order:{c.order_id}"
            )
        c.state, c.released_at = CommissionState.PAYABLE, now
        c.save(update_fields=["state", "released_at"])
    return True


def commissions_release_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Release every held commission whose window has passed (the worker's sweep runs this)."""
    now = now or timezone.now()
    due = Commission.objects.filter(state=CommissionState.HELD, release_after__lte=now).values_list(
        "pk", flat=True
    )[:limit]
    return sum(commission_release(pk, now=now) for pk in list(due))
