"""Payouts and what a reseller has earned, read from the ledger.

A reseller requests a payout of their payable balance (at least ``CHANNEL_PAYOUT_MINIMUM``); the
brand (or an operator) marks it paid with the transfer's reference. Each step is a ledger entry.
The request locks the reseller's membership row before it reads the balance, so two requests at
once cannot both pass (SQLite's IMMEDIATE transactions queue them the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.core.money import Money, MoneyError, format_money, typed_amount
from weishang.ledger.services import balances, entry_post

from .commissions import brand_cash, member_account
from .models import Membership, Payout, PayoutStatus
from .services import ChannelError, ChannelErrorCode

if TYPE_CHECKING:
    from weishang.accounts.models import User


def payout_minimum(currency: str) -> int:
    return Money.parse(settings.CHANNEL_PAYOUT_MINIMUM, currency).minor


@dataclass(frozen=True)
class Statement:
    """A reseller's money in one channel, in minor units of its currency. ``earned`` is net of
    clawbacks and equals held + payable + requested + paid; ``payable`` may be negative after a
    refund that came after release (carried, never hidden)."""

    currency: str
    held: int
    payable: int
    requested: int
    paid: int

    @property
    def earned(self) -> int:
        return self.held + self.payable + self.requested + self.paid


def statement(membership: Membership) -> Statement:
    prefix = f"channel:{membership.channel_id}:member:{membership.pk}:"
    found = balances(prefix)
    currency = membership.channel.shop.currency
    paid = Payout.objects.filter(membership=membership, state=PayoutStatus.PAID).aggregate(
        total=Sum("amount_minor")
    )["total"]
    return Statement(
        currency=currency,
        held=-found.get(prefix + "held", 0),
        payable=-found.get(prefix + "payable", 0),
        requested=-found.get(prefix + "payout", 0),
        paid=int(paid or 0),
    )


def payout_request(*, membership: Membership, actor: User, amount: str | int) -> Payout:
    """Request ``amount`` (a typed amount, or minor units) of the payable balance."""
    if actor.pk != membership.user_id:
        raise ChannelError(
            ChannelErrorCode.NOT_YOUR_SHOP, _("Only the reseller can request their payout.")
        )
    currency = membership.channel.shop.currency
    try:
        minor = (
            amount if isinstance(amount, int) else Money.parse(typed_amount(amount), currency).minor
        )
    except MoneyError:
        raise ChannelError(
            ChannelErrorCode.BAD_AMOUNT, _("Enter an amount, like 20 or 20.50.")
        ) from None
    minimum = payout_minimum(currency)
    if minor < minimum:
        raise ChannelError(
            ChannelErrorCode.BAD_AMOUNT,
            _("A payout is at least %(minimum)s.") % {"minimum": format_money(minimum, currency)},
        )
    with transaction.atomic():
        # The lock: a second request waits here until the first has posted its entry.
        Membership.objects.select_for_update().get(pk=membership.pk)
        payable = statement(membership).payable
        if minor > payable:
            raise ChannelError(
                ChannelErrorCode.ABOVE_PAYABLE,
                _("You can request at most your payable balance, %(payable)s.")
                % {"payable": format_money(max(payable, 0), currency)},
            )
        ch = membership.channel_id
        entry_post(
            kind="payout_request",
            currency=currency,
            postings={
                member_account(ch, membership.pk, "payable"): minor,
                member_account(ch, membership.pk, "payout"): -minor,
            },
            reference=f"membership:{membership.pk}",
        )
        return Payout.objects.create(
            membership=membership,
            amount_minor=minor,
            currency=currency,
            state=PayoutStatus.REQUESTED,
        )


def _still_requested(payout: Payout) -> Payout:
    """The payout's row, locked, if it is still a request (paid or cancelled ones are final)."""
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    if locked.state != PayoutStatus.REQUESTED:
        raise ChannelError(
            ChannelErrorCode.ALREADY_PAID, _("This payout is already paid or cancelled.")
        )
    return locked


def payout_mark_paid(*, payout: Payout, actor: User, reference: str) -> Payout:
    """The brand (or an operator) paid the reseller: record the transfer's reference."""
    membership = payout.membership
    if actor.pk != membership.channel.shop.owner_id and not actor.is_staff:
        raise ChannelError(ChannelErrorCode.NOT_YOUR_SHOP, _("Only the brand can pay resellers."))
    reference = reference.strip()
    if not reference or len(reference) > 80:
        raise ChannelError(
            ChannelErrorCode.BAD_AMOUNT,
            _("Enter the transfer's reference (up to 80 characters)."),
        )
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=membership.pk)
        locked = _still_requested(payout)
        owed = -statement(membership).payable
        if owed > 0:
            # A refund after this request took back commission already requested: paying it
            # all would pay out more than the reseller earned.
            raise ChannelError(
                ChannelErrorCode.ABOVE_PAYABLE,
                _(
                    "Since this request a refund took back %(owed)s of commission this reseller "
                    "had already asked for. Cancel the request (its amount goes back to their "
                    "balance); they can then ask for what is payable."
                )
                % {"owed": format_money(owed, locked.currency)},
            )
        ch = membership.channel_id
        entry_post(
            kind="payout_paid",
            currency=locked.currency,
            postings={
                member_account(ch, membership.pk, "payout"): locked.amount_minor,
                brand_cash(ch): -locked.amount_minor,
            },
            reference=f"payout:{locked.pk}",
            memo=reference,
        )
        locked.state, locked.reference = PayoutStatus.PAID, reference
        locked.settled_at, locked.paid_by = timezone.now(), actor
        locked.save(update_fields=["state", "reference", "settled_at", "paid_by"])
    return locked


def payout_cancel(*, payout: Payout, actor: User) -> Payout:
    """Withdraw a requested payout (the reseller, the brand or an operator): its amount goes back
    to the payable balance, by a ledger entry."""
    membership = payout.membership
    brand_side = actor.pk == membership.channel.shop.owner_id or actor.is_staff
    if actor.pk != membership.user_id and not brand_side:
        raise ChannelError(
            ChannelErrorCode.NOT_YOUR_SHOP, _("Only the reseller or the brand can cancel this.")
        )
    with transaction.atomic():
        locked = _still_requested(payout)
        ch = membership.channel_id
        entry_post(
            kind="payout_cancel",
            currency=locked.currency,
            postings={
                member_account(ch, membership.pk, "payout"): locked.amount_minor,
                member_account(ch, membership.pk, "payable"): -locked.amount_minor,
            },
            reference=f"payout:{locked.pk}",
        )
        locked.state, locked.settled_at = PayoutStatus.CANCELLED, timezone.now()
        locked.save(update_fields=["state", "settled_at"])
    return locked
