"""The brand's channel: its rules, the products it offers resellers, the resellers (approve,
remove), the payouts to make, and the channel's own audit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weishang.channel import selectors as channel_selectors
from weishang.channel.payouts import payout_cancel, payout_mark_paid
from weishang.channel.policy import policy_for
from weishang.channel.self_audit import channel_audit
from weishang.channel.services import (
    ChannelError,
    channel_open,
    member_approve,
    member_leave,
    offer_set,
    offer_withdraw,
)
from weishang.core.links import absolute_url

from ..access import seller_shop_view
from ..forms import ChannelForm, OfferForm
from ..selectors import shop_product, shop_products

if TYPE_CHECKING:
    from weishang.channel.models import Channel
    from weishang.shops.models import Shop

AUDIT_SECONDS = 60  # the channel's audit is kept a minute: it runs the whole engine


def _channel_or_404(shop: Shop) -> Channel:
    channel = channel_selectors.channel_of_shop(shop)
    if channel is None:
        raise Http404
    return channel


def _offer_form(shop: Shop, data: Any = None) -> OfferForm:
    # A channel offer has one consumer price: products whose options all cost the same.
    products = [
        (p.pk, p.name)
        for p in shop_products(shop=shop)
        if len({v.price_minor for v in p.variants.all()}) == 1
    ]
    return OfferForm(data, products=products, currency=shop.currency)


def _page(request: HttpRequest, shop: Shop, **extra: Any) -> HttpResponse:
    channel = channel_selectors.channel_of_shop(shop)
    context: dict[str, Any] = {"shop": shop, "tab": "home", "channel": channel}
    if channel is None:
        context["channel_form"] = extra.pop("channel_form", None) or ChannelForm(
            initial={"policy": "CN"}
        )
    else:
        context.update(
            policy=policy_for(channel.policy),
            channel_form=extra.pop("channel_form", None)
            or ChannelForm(
                initial={"policy": channel.policy, "requires_approval": channel.requires_approval}
            ),
            offers=channel_selectors.offers_of(channel),
            offer_form=extra.pop("offer_form", None) or _offer_form(shop),
            members=channel_selectors.members_of(channel),
            payouts=channel_selectors.payouts_to_pay(channel),
            join_url=absolute_url(request, reverse("storefront:channel", args=[shop.slug])),
        )
    context.update(extra)
    return render(request, "dashboard/channel.html", context, status=extra.get("status", 200))


@seller_shop_view
def channel_home(request: HttpRequest, shop: Shop) -> HttpResponse:
    return _page(request, shop)


@seller_shop_view
@require_POST
def channel_settings(request: HttpRequest, shop: Shop) -> HttpResponse:
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return _page(request, shop, channel_form=form, status=400)
    try:
        channel_open(
            shop=shop,
            actor=request.user,  # type: ignore[arg-type]
            policy=form.cleaned_data["policy"],
            requires_approval=form.cleaned_data["requires_approval"],
        )
    except ChannelError as error:
        form.add_error("policy", error.message)
        return _page(request, shop, channel_form=form, status=400)
    messages.success(request, _("Channel saved."))
    return redirect("dashboard:channel", shop.slug)


@seller_shop_view
@require_POST
def channel_offer(request: HttpRequest, shop: Shop) -> HttpResponse:
    channel = _channel_or_404(shop)
    form = _offer_form(shop, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        product = shop_product(shop=shop, product_id=data["product"])
        try:
            offer_set(
                channel=channel,
                actor=request.user,  # type: ignore[arg-type]
                product=product,
                price_min_minor=data["price_min"],
                price_max_minor=data["price_max"],
                seller_rate=data["seller_rate"] / 100,
                override_rate=(data["override_rate"] or 0) / 100,
            )
        except ChannelError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Offer saved."))
            return redirect(reverse("dashboard:channel", args=[shop.slug]) + "#offers")
    return _page(request, shop, offer_form=form, status=400)


@seller_shop_view
@require_POST
def channel_member(
    request: HttpRequest, shop: Shop, membership_id: int, action: str
) -> HttpResponse:
    channel = _channel_or_404(shop)
    membership = channel_selectors.member_in(channel, membership_id)
    if membership is None:
        raise Http404  # another brand's reseller is not found here
    actor = request.user
    if action == "approve":
        member_approve(membership=membership, actor=actor)  # type: ignore[arg-type]
    elif action == "remove":
        member_leave(membership=membership, actor=actor)  # type: ignore[arg-type]
    else:
        raise Http404
    return redirect(reverse("dashboard:channel", args=[shop.slug]) + "#members")


@seller_shop_view
@require_POST
def channel_payout_paid(request: HttpRequest, shop: Shop, payout_id: int) -> HttpResponse:
    channel = _channel_or_404(shop)
    payout = channel_selectors.payout_in(channel, payout_id)
    if payout is None:
        raise Http404
    try:  # the service checks the reference (present, at most 80 characters)
        payout_mark_paid(
            payout=payout,
            actor=request.user,  # type: ignore[arg-type]
            reference=request.POST.get("reference", ""),
        )
    except ChannelError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Payout recorded as paid."))
    return redirect(reverse("dashboard:channel", args=[shop.slug]) + "#payouts")


def _audit(channel: Channel) -> tuple[Any, str]:
    key = f"channel-audit:{channel.pk}"
    found = cache.get(key)
    if found is None:
        found = channel_audit(channel)
        cache.set(key, found, AUDIT_SECONDS)
    return found  # type: ignore[no-any-return]


@seller_shop_view
def channel_audit_page(request: HttpRequest, shop: Shop) -> HttpResponse:
    channel = _channel_or_404(shop)
    result, _html = _audit(channel)
    verdicts = [result.jurisdictions[code] for code in ("CN", "US", "EU")]
    return render(
        request,
        "dashboard/channel_audit.html",
        {"shop": shop, "tab": "home", "channel": channel, "verdicts": verdicts, "result": result},
    )


@seller_shop_view
def channel_audit_report(request: HttpRequest, shop: Shop) -> HttpResponse:
    _result, html = _audit(_channel_or_404(shop))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@seller_shop_view
@require_POST
def channel_payout_cancel(request: HttpRequest, shop: Shop, payout_id: int) -> HttpResponse:
    payout = channel_selectors.payout_in(_channel_or_404(shop), payout_id)
    if payout is None:
        raise Http404
    try:
        payout_cancel(payout=payout, actor=request.user)  # type: ignore[arg-type]
    except ChannelError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request cancelled: the amount is back in their balance."))
    return redirect(reverse("dashboard:channel", args=[shop.slug]) + "#payouts")


@seller_shop_view
@require_POST
def channel_offer_withdraw(request: HttpRequest, shop: Shop, offer_id: int) -> HttpResponse:
    offer = channel_selectors.offer_in(_channel_or_404(shop), offer_id)
    if offer is None:
        raise Http404
    offer_withdraw(offer=offer, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Offer withdrawn: resellers no longer sell it."))
    return redirect(reverse("dashboard:channel", args=[shop.slug]) + "#offers")
