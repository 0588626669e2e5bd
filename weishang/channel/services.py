"""Opening a channel, offering products in it, and joining it: the charter's rules, checked here
with messages a person understands, and again by the database's constraints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.catalog.models import Variant
from weishang.core.errors import UserError
from weishang.core.phones import normalize_phone

from .certificates import certificate_issue, certificate_revoke
from .models import Channel, ChannelOffer, Listing, Membership, MembershipStatus
from .policy import policies, policy_for

if TYPE_CHECKING:
    from weishang.accounts.models import User
    from weishang.catalog.models import Product
    from weishang.shops.models import Shop


class ChannelErrorCode(Enum):
    NOT_YOUR_SHOP = "not_your_shop"
    UNKNOWN_POLICY = "unknown_policy"
    BAD_RATE = "bad_rate"
    RATE_ABOVE_CAP = "rate_above_cap"
    NO_TEAM_PAY = "no_team_pay"
    BAD_PRICE_BAND = "bad_price_band"
    NOT_THIS_SHOPS_PRODUCT = "not_this_shops_product"
    ALREADY_MEMBER = "already_member"
    BAD_SPONSOR = "bad_sponsor"
    CLOSED = "closed"
    OWN_CHANNEL = "own_channel"
    BAD_AMOUNT = "bad_amount"
    ABOVE_PAYABLE = "above_payable"
    ALREADY_PAID = "already_paid"
    PRICE_OUTSIDE_BAND = "price_outside_band"
    NOT_A_RESELLER = "not_a_reseller"
    NEEDS_A_SHOP = "needs_a_shop"
    OTHER_CURRENCY = "other_currency"
    PRICES_DIFFER = "prices_differ"
    NO_SUCH_LEVEL = "no_such_level"


class ChannelError(UserError):
    pass


def _owner_check(shop: Shop, actor: User) -> None:
    if shop.owner_id != actor.pk:
        raise ChannelError(ChannelErrorCode.NOT_YOUR_SHOP, _("Only the shop's seller can do this."))


def channel_open(
    *, shop: Shop, actor: User, policy: str = "CN", requires_approval: bool = False
) -> Channel:
    """Open the shop's channel (or change its policy and approval rule)."""
    _owner_check(shop, actor)
    if policy not in policies():
        raise ChannelError(ChannelErrorCode.UNKNOWN_POLICY, _("Choose CN, US or EU."))
    rules = policy_for(policy)
    breaking = [
        offer.product.name
        for offer in ChannelOffer.objects.filter(channel__shop=shop).select_related("product")
        if (offer.override_rate and not rules.team_pay)
        or offer.override_rate > rules.max_override_rate
        or offer.seller_rate + offer.override_rate > rules.max_total_rate
    ]
    if breaking:
        raise ChannelError(
            ChannelErrorCode.NO_TEAM_PAY,
            _(
                "Under the %(policy)s policy these offers would pay more than it allows: "
                "%(offers)s. Lower their rates (a sponsor's override to 0) first."
            )
            % {"policy": policy, "offers": ", ".join(breaking)},
        )
    channel, _created = Channel.objects.update_or_create(
        shop=shop, defaults={"policy": policy, "requires_approval": requires_approval}
    )
    return channel


def _percent(rate: Decimal) -> str:
    """0.30 → "30", 0.125 → "12.5"."""
    return f"{(rate * 100).normalize():f}"


def _rate(value: object) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or rate < 0 or rate > 1 or rate != rate.quantize(Decimal("0.0001")):
        raise ChannelError(
            ChannelErrorCode.BAD_RATE,
            _(
                "A commission is a share of the price between 0 and 30%, to two decimals of a per cent."
            ),
        )
    return rate


def offer_set(
    *,
    channel: Channel,
    actor: User,
    product: Product,
    price_min_minor: int,
    price_max_minor: int,
    seller_rate: object,
    override_rate: object = 0,
) -> ChannelOffer:
    """Offer ``product`` to the channel's resellers: a consumer price band (equal ends for a fixed
    price) and what a sale pays the seller and, where the policy allows, their direct sponsor."""
    _owner_check(channel.shop, actor)
    if product.shop_id != channel.shop_id:
        raise ChannelError(
            ChannelErrorCode.NOT_THIS_SHOPS_PRODUCT, _("Offer only your own shop's products.")
        )
    if not 0 < price_min_minor <= price_max_minor:
        raise ChannelError(
            ChannelErrorCode.BAD_PRICE_BAND,
            _("The lowest consumer price must be above zero and not above the highest."),
        )
    prices = set(product.variants.values_list("price_minor", flat=True))
    if len(prices) > 1:
        raise ChannelError(
            ChannelErrorCode.PRICES_DIFFER,
            _(
                "A channel offer has one consumer price: offer a product whose options all cost "
                "the same (make the others products of their own)."
            ),
        )
    seller, override = _rate(seller_rate), _rate(override_rate)
    policy = policy_for(channel.policy)
    if override and not policy.team_pay:
        raise ChannelError(
            ChannelErrorCode.NO_TEAM_PAY,
            _(
                "Under the %(policy)s policy only the seller of a sale is paid: no override for "
                "whoever invited them."
            )
            % {"policy": policy.code},
        )
    if override > policy.max_override_rate:
        raise ChannelError(
            ChannelErrorCode.RATE_ABOVE_CAP,
            _("A sponsor's override is at most %(cap)s%% of the consumer price (%(policy)s).")
            % {"cap": _percent(policy.max_override_rate), "policy": policy.code},
        )
    if seller + override > policy.max_total_rate:
        raise ChannelError(
            ChannelErrorCode.RATE_ABOVE_CAP,
            _("Channel pay on a sale is at most %(cap)s%% of the consumer price (%(policy)s).")
            % {"cap": _percent(policy.max_total_rate), "policy": policy.code},
        )
    offer, _created = ChannelOffer.objects.update_or_create(
        channel=channel,
        product=product,
        defaults={
            "price_min_minor": price_min_minor,
            "price_max_minor": price_max_minor,
            "seller_rate": seller,
            "override_rate": override,
        },
    )
    return offer


def offer_withdraw(*, offer: ChannelOffer, actor: User) -> None:
    """The brand stops offering a product: resellers' listings of it go with it. Orders already
    placed keep their commissions (each records what it pays)."""
    _owner_check(offer.channel.shop, actor)
    offer.delete()


def member_join(*, channel: Channel, user: User, sponsor: Membership | None = None) -> Membership:
    """Join a channel: free, never a purchase. The sponsor who invited is recorded, and nothing
    is computed from it. Pending until the brand approves, if it asks to."""
    if not channel.is_open:
        raise ChannelError(ChannelErrorCode.CLOSED, _("This channel is not taking resellers."))
    if user.pk == channel.shop.owner_id:
        raise ChannelError(ChannelErrorCode.OWN_CHANNEL, _("This is your own channel."))
    if sponsor is not None and (
        sponsor.channel_id != channel.pk or sponsor.status != MembershipStatus.ACTIVE
    ):
        raise ChannelError(
            ChannelErrorCode.BAD_SPONSOR,
            _("That invitation is not from a reseller of this channel."),
        )
    status = MembershipStatus.PENDING if channel.requires_approval else MembershipStatus.ACTIVE
    earlier = Membership.objects.filter(channel=channel, user=user).first()
    if earlier is not None and earlier.status == MembershipStatus.LEFT:
        return _rejoin(earlier, status)
    if earlier is not None and earlier.status == MembershipStatus.REMOVED:
        raise ChannelError(
            ChannelErrorCode.ALREADY_MEMBER,
            _("The brand removed you from this channel; only the brand can take you back."),
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                channel=channel,
                user=user,
                sponsor=sponsor,
                status=status,
                approved_at=None if channel.requires_approval else timezone.now(),
            )
            if status == MembershipStatus.ACTIVE:
                certificate_issue(membership)
            return membership
    except IntegrityError:
        raise ChannelError(
            ChannelErrorCode.ALREADY_MEMBER, _("You have already joined this channel.")
        ) from None


def _rejoin(membership: Membership, status: str) -> Membership:
    """Someone who left joins again, free as the first time: the same membership (and sponsor),
    active again (or waiting for approval), with a new certificate."""
    active = status == MembershipStatus.ACTIVE
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(
            status=status,
            ended_at=None,
            approved_at=timezone.now() if active else membership.approved_at,
        )
        membership.refresh_from_db()
        if active:
            certificate_issue(membership)
    return membership


def member_approve(*, membership: Membership, actor: User) -> Membership:
    _owner_check(membership.channel.shop, actor)
    with transaction.atomic():
        approved = Membership.objects.filter(
            pk=membership.pk, status=MembershipStatus.PENDING
        ).update(status=MembershipStatus.ACTIVE, approved_at=timezone.now())
        membership.refresh_from_db()
        if approved:
            certificate_issue(membership)
    return membership


def member_leave(*, membership: Membership, actor: User) -> Membership:
    """A reseller leaves, or the brand removes them: they sell no more for the channel (and, with
    their certificate, their authorization is revoked)."""
    if actor.pk == membership.user_id:
        ended = MembershipStatus.LEFT
    else:
        _owner_check(membership.channel.shop, actor)
        ended = MembershipStatus.REMOVED
    ending = [MembershipStatus.PENDING, MembershipStatus.ACTIVE]
    if ended == MembershipStatus.REMOVED:
        ending.append(MembershipStatus.LEFT)  # the brand bars someone who left from rejoining
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk, status__in=ending).update(
            status=ended, ended_at=Coalesce(F("ended_at"), timezone.now())
        )
        certificate_revoke(membership)
        membership.refresh_from_db()
    return membership


def is_participant(*, channel: Channel, user_id: int | None = None, phone: str = "") -> bool:
    """Whether a buyer is a participant of the channel (its brand, or anyone who has joined it,
    even if they left), by account or by the order's phone, never by a label: their purchases
    earn no commission (the charter's rule 3)."""
    members = Membership.objects.filter(channel=channel)
    if user_id is not None and (
        user_id == channel.shop.owner_id or members.filter(user_id=user_id).exists()
    ):
        return True
    if not phone:
        return False
    brand = channel.shop
    own = {normalize_phone(brand.phone), brand.owner.phone} - {None}
    # An account phone, or the contact phone of any shop, of the brand's owner or of a member
    # (one query).
    people = get_user_model().objects.filter(Q(pk=brand.owner_id) | Q(memberships__channel=channel))
    return phone in own or people.filter(Q(phone=phone) | Q(shops__phone=phone)).exists()


# --- a reseller's shop lists offers ----------------------------------------------------------


def listing_set(
    *, membership: Membership, actor: User, offer: ChannelOffer, price_minor: int
) -> Listing:
    """List ``offer`` in the reseller's shop at ``price_minor``, inside the offer's band. The
    product stays the brand's: a reseller chooses a price in the band and nothing else."""
    if actor.pk != membership.user_id:
        raise ChannelError(
            ChannelErrorCode.NOT_A_RESELLER, _("Only the reseller can list in their shop.")
        )
    if membership.status != MembershipStatus.ACTIVE or offer.channel_id != membership.channel_id:
        raise ChannelError(
            ChannelErrorCode.NOT_A_RESELLER,
            _("Only an active reseller of this channel can list it."),
        )
    own_shop = actor.shops.order_by("id").first()  # type: ignore[attr-defined]
    if own_shop is None:
        raise ChannelError(
            ChannelErrorCode.NEEDS_A_SHOP, _("Open your shop first: the products are listed there.")
        )
    if own_shop.currency != membership.channel.shop.currency:
        raise ChannelError(
            ChannelErrorCode.OTHER_CURRENCY,
            _("Your shop sells in %(mine)s and this channel in %(theirs)s.")
            % {"mine": own_shop.currency, "theirs": membership.channel.shop.currency},
        )
    if not offer.price_min_minor <= price_minor <= offer.price_max_minor:
        raise ChannelError(
            ChannelErrorCode.PRICE_OUTSIDE_BAND,
            _("Choose a price from %(low)s to %(high)s.")
            % {
                "low": membership.channel.shop.money(offer.price_min_minor),
                "high": membership.channel.shop.money(offer.price_max_minor),
            },
        )
    listing, _created = Listing.objects.update_or_create(
        membership=membership, offer=offer, defaults={"price_minor": price_minor}
    )
    return listing


def listing_remove(*, listing: Listing, actor: User) -> None:
    if actor.pk != listing.membership.user_id:
        raise ChannelError(
            ChannelErrorCode.NOT_A_RESELLER, _("Only the reseller can change their shop.")
        )
    listing.delete()


def _live_listings(seller_shop: Shop) -> QuerySet[Listing]:
    """The listings a reseller's shop may sell: an active membership of an open channel, the
    listing's price still inside the offer's band, the product published (``one_price`` says
    whether its options still cost the same)."""
    live = Listing.objects.filter(
        membership__user_id=seller_shop.owner_id,
        membership__status=MembershipStatus.ACTIVE,
        membership__channel__is_open=True,
        offer__product__is_published=True,
        price_minor__gte=F("offer__price_min_minor"),
        price_minor__lte=F("offer__price_max_minor"),
    ).exclude(membership__channel__shop_id=seller_shop.pk)
    return live


def one_price(product_ids: Iterable[int]) -> set[int]:
    """Of these products, those whose options all cost the same. An offer has one consumer
    price: a product given an option at another price after it was offered is off sale until
    the brand makes its prices equal again. Checked where money moves (``resale_terms`` for
    an order) and wherever all the options are at hand anyway (the product page, the shop
    home's query)."""
    prices: dict[int, set[int]] = {}
    found = Variant.objects.filter(product_id__in=set(product_ids))
    for product_id, price in found.values_list("product_id", "price_minor"):
        prices.setdefault(product_id, set()).add(price)
    return {product_id for product_id, seen in prices.items() if len(seen) == 1}


@dataclass(frozen=True)
class Resale:
    """What a reseller's shop sells of one channel: who sells, who supplies, at what prices."""

    membership: Membership
    supplier: Shop
    prices: dict[int, int]  # product id -> the reseller's consumer price (minor units)


def resale_terms(
    *, seller_shop: Shop, product_ids: Iterable[int], check_one_price: bool = False
) -> Resale | None:
    """How ``seller_shop`` resells these products: None unless every one of them is listed by it
    in one channel."""
    wanted = set(product_ids)
    if not wanted:
        return None
    listings = list(
        _live_listings(seller_shop)
        .filter(offer__product_id__in=wanted)
        .select_related("membership__channel__shop", "offer")
    )
    if check_one_price and listings:
        sellable = one_price(wanted)
        listings = [item for item in listings if item.offer.product_id in sellable]
    channels = {listing.membership.channel_id for listing in listings}
    if len(channels) != 1 or {listing.offer.product_id for listing in listings} != wanted:
        return None
    membership = listings[0].membership
    return Resale(
        membership=membership,
        supplier=membership.channel.shop,
        prices={listing.offer.product_id: listing.price_minor for listing in listings},
    )


def resold_products(seller_shop: Shop) -> dict[int, Listing]:
    """Every product ``seller_shop`` resells, by product id, with its listing (and offer)."""
    listings = list(
        _live_listings(seller_shop)
        .select_related("offer__product", "membership__channel__shop")
        .order_by("membership__channel_id", "offer__product__position", "offer__product_id")
    )
    sellable = one_price(item.offer.product_id for item in listings)
    return {item.offer.product_id: item for item in listings if item.offer.product_id in sellable}
