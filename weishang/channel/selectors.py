"""Reads for the channel's pages: the brand's channel, its offers, resellers and payouts; a
reseller's memberships, sales and statement; invitation links. Each page asks only for what
belongs to the person asking: a brand's views pass their own shop, a reseller's their user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core import signing
from django.db.models import Count, Q

from weishang.core.money import format_money
from weishang.core.phones import masked_phone
from weishang.core.text import masked_address, masked_name

from .models import (
    Channel,
    ChannelOffer,
    Commission,
    CommissionState,
    Listing,
    Membership,
    MembershipStatus,
    Payout,
    PayoutStatus,
)

if TYPE_CHECKING:
    from weishang.accounts.models import User
    from weishang.shops.models import Shop

_INVITE_SALT = "weishang.channel.invite"


def channel_of_shop(shop: Shop) -> Channel | None:
    return Channel.objects.filter(shop=shop).first()


def open_channel_by_slug(slug: str) -> Channel | None:
    return Channel.objects.select_related("shop").filter(shop__slug=slug).first()


def offers_of(channel: Channel) -> list[ChannelOffer]:
    return list(
        ChannelOffer.objects.filter(channel=channel)
        .select_related("product")
        .order_by("product__position", "product_id")
    )


def offer_in(channel: Channel, offer_id: int) -> ChannelOffer | None:
    return (
        ChannelOffer.objects.filter(channel=channel, pk=offer_id).select_related("product").first()
    )


def members_of(channel: Channel) -> list[Membership]:
    """The channel's resellers, pending first, each with ``sales`` (paid orders they sold)."""
    paid = Q(sales__state__in=[CommissionState.HELD, CommissionState.PAYABLE])
    return list(
        Membership.objects.filter(channel=channel)
        .select_related("user", "sponsor__user")
        .annotate(sale_count=Count("sales", filter=paid))
        .order_by("-status", "-joined_at")  # pending, then left/removed/active by date
    )


def member_in(channel: Channel, membership_id: int) -> Membership | None:
    return (
        Membership.objects.filter(channel=channel, pk=membership_id)
        .select_related("user", "channel__shop")
        .first()
    )


def payouts_to_pay(channel: Channel) -> list[Payout]:
    return list(
        Payout.objects.filter(membership__channel=channel, state=PayoutStatus.REQUESTED)
        .select_related("membership__user")
        .order_by("requested_at")
    )


def payout_in(channel: Channel, payout_id: int) -> Payout | None:
    return (
        Payout.objects.filter(membership__channel=channel, pk=payout_id)
        .select_related("membership__channel__shop")
        .first()
    )


def payouts_of(membership: Membership) -> list[Payout]:
    return list(Payout.objects.filter(membership=membership)[:20])


def memberships_of(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("channel__shop", "sponsor__user")
        .order_by("-joined_at")
    )


def membership_of(user: User, membership_id: int) -> Membership | None:
    return (
        Membership.objects.filter(user=user, pk=membership_id)
        .select_related("channel__shop", "user")
        .first()
    )


def membership_in_channel(user: User, channel: Channel) -> Membership | None:
    return Membership.objects.filter(user=user, channel=channel).first()


def listings_of(membership: Membership) -> dict[int, Listing]:
    """The reseller's listings, by offer id."""
    return {item.offer_id: item for item in Listing.objects.filter(membership=membership)}


@dataclass(frozen=True)
class ResaleOrder:
    """A channel order as its reseller sees it: the status and what it pays them, and only
    enough of the buyer to recognise the order (never their full address or phone)."""

    reference: str
    placed_at: datetime
    status: str
    status_label: str
    total: str
    commission: str
    state: str
    buyer: str
    phone: str
    area: str
    as_sponsor: bool = False  # sold by someone they invited: their override, under US/EU


def resale_orders(membership: Membership, *, limit: int = 50) -> list[ResaleOrder]:
    """The reseller's channel orders, newest first: those they sold, and those their direct
    recruits sold that pay them an override (``as_sponsor``)."""
    found = (
        Commission.objects.filter(Q(seller=membership) | Q(sponsor=membership))
        .exclude(state=CommissionState.VOID)
        .select_related("order")
        .order_by("-order_id")[:limit]
    )
    out = []
    for c in found:
        order = c.order
        as_sponsor = c.seller_id != membership.pk
        state = "participant" if c.participant else c.state
        if order.refunded_minor == order.total_minor and order.total_minor:
            state = "refunded"
        out.append(
            ResaleOrder(
                reference=order.reference,
                placed_at=order.created_at,
                status=order.status,
                status_label=order.get_status_display(),
                total=format_money(order.total_minor, order.currency),
                commission=format_money(
                    c.override_minor if as_sponsor else c.seller_minor, c.currency
                ),
                state=state,
                as_sponsor=as_sponsor,
                buyer=masked_name(order.buyer_name),
                phone=masked_phone(order.buyer_phone),
                area=masked_address(order.shipping_address),
            )
        )
    return out


def active_resellers(channel: Channel) -> int:
    return Membership.objects.filter(channel=channel, status=MembershipStatus.ACTIVE).count()


# --- invitations: a reseller's link records them as the sponsor, and nothing else --------------


def invite_token(membership: Membership) -> str:
    return signing.Signer(salt=_INVITE_SALT).sign(str(membership.pk)).replace(":", ".")


def invite_sponsor(channel: Channel, token: str) -> Membership | None:
    """The active reseller of ``channel`` whose invitation ``token`` is, or None."""
    try:
        pk = int(signing.Signer(salt=_INVITE_SALT).unsign(token.replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Membership.objects.filter(pk=pk, channel=channel, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .first()
    )
