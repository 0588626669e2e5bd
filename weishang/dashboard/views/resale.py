"""The reseller's side: the channels they joined, the brand products they list in their shop
(at a price inside the brand's band), what they earned (held, payable, requested, paid, per
order), payouts, their certificate and their invitation link."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weishang.channel import selectors as channel_selectors
from weishang.channel.certificates import certificate_current
from weishang.channel.payouts import payout_minimum, payout_request, statement
from weishang.channel.services import ChannelError, listing_remove, listing_set, member_leave
from weishang.core.links import absolute_url

from ..access import seller_shop_view
from ..forms import ListingForm

if TYPE_CHECKING:
    from weishang.channel.models import Membership
    from weishang.shops.models import Shop


def _membership(request: HttpRequest, membership_id: int) -> Membership:
    membership = channel_selectors.membership_of(request.user, membership_id)  # type: ignore[arg-type]
    if membership is None:
        raise Http404  # someone else's membership is not found here
    return membership


def _entry(request: HttpRequest, shop: Shop, membership: Membership) -> dict[str, Any]:
    channel = membership.channel
    listings = channel_selectors.listings_of(membership)
    active = membership.status == "active"
    certificate = certificate_current(membership) if active else None
    invite = ""
    if active:
        invite = absolute_url(
            request,
            reverse("storefront:channel", args=[channel.shop.slug])
            + "?by="
            + channel_selectors.invite_token(membership),
        )
    return {
        "membership": membership,
        "brand": channel.shop,
        "statement": statement(membership),
        "minimum": payout_minimum(channel.shop.currency),
        "offers": [
            {
                "offer": offer,
                "listing": listings.get(offer.pk),
                "form": ListingForm(
                    currency=channel.shop.currency,
                    initial={"price": listings[offer.pk].price_minor}
                    if offer.pk in listings
                    else {"price": offer.price_min_minor},
                    prefix=f"o{offer.pk}",
                ),
            }
            for offer in channel_selectors.offers_of(channel)
        ],
        "orders": channel_selectors.resale_orders(membership),
        "payouts": channel_selectors.payouts_of(membership),
        "certificate": certificate,
        "invite_url": invite,
    }


@seller_shop_view
def resale(request: HttpRequest, shop: Shop) -> HttpResponse:
    memberships = channel_selectors.memberships_of(request.user)  # type: ignore[arg-type]
    return render(
        request,
        "dashboard/resale.html",
        {
            "shop": shop,
            "tab": "home",
            "entries": [_entry(request, shop, m) for m in memberships],
        },
    )


def _back(shop: Shop, membership: Membership, part: str = "") -> HttpResponse:
    return redirect(reverse("dashboard:resale", args=[shop.slug]) + f"#m{membership.pk}{part}")


@seller_shop_view
@require_POST
def resale_list(
    request: HttpRequest, shop: Shop, membership_id: int, offer_id: int
) -> HttpResponse:
    membership = _membership(request, membership_id)
    offer = channel_selectors.offer_in(membership.channel, offer_id)
    if offer is None:
        raise Http404
    if "unlist" in request.POST:
        listing = channel_selectors.listings_of(membership).get(offer.pk)
        if listing is not None:
            listing_remove(listing=listing, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Taken off your shop."))
        return _back(shop, membership)
    form = ListingForm(
        request.POST, currency=membership.channel.shop.currency, prefix=f"o{offer.pk}"
    )
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("price", [])))
        return _back(shop, membership)
    try:
        listing_set(
            membership=membership,
            actor=request.user,  # type: ignore[arg-type]
            offer=offer,
            price_minor=form.cleaned_data["price"],
        )
    except ChannelError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Listed in your shop."))
    return _back(shop, membership)


@seller_shop_view
@require_POST
def resale_payout(request: HttpRequest, shop: Shop, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:  # the service parses and bounds the typed amount
        payout_request(
            membership=membership,
            actor=request.user,  # type: ignore[arg-type]
            amount=request.POST.get("amount", ""),
        )
    except ChannelError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Payout requested: the brand pays it and records the reference.")
        )
    return _back(shop, membership, "-payouts")


@seller_shop_view
@require_POST
def resale_leave(request: HttpRequest, shop: Shop, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    member_leave(membership=membership, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("You left the channel; your certificate is withdrawn."))
    return redirect("dashboard:resale", shop.slug)
