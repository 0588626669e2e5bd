"""The channel's public pages: a brand's channel (what it offers resellers, and joining, free),
its earnings disclosure, and the verification of a reseller's certificate by code, phone or
name, with the certificate's file, its printable picture and the platform's public key."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from weishang.channel import selectors as channel_selectors
from weishang.channel.certificate_picture import certificate_png
from weishang.channel.certificates import (
    certificate_by_code,
    certificate_document,
    certificates_find,
    public_key_pem,
)
from weishang.channel.disclosure import disclosure
from weishang.channel.policy import policy_for
from weishang.channel.services import ChannelError, member_join
from weishang.core.links import absolute_url
from weishang.core.views import rate_limited

if TYPE_CHECKING:
    from weishang.channel.models import Channel

VERIFY_RATE = "30/m"  # searches per client address: enough for a person, not for a crawl


def _channel(slug: str) -> Channel:
    channel = channel_selectors.open_channel_by_slug(slug)
    if channel is None:
        raise Http404
    return channel


@require_safe
def channel_public(request: HttpRequest, slug: str) -> HttpResponse:
    channel = _channel(slug)
    token = request.GET.get("by", "")[:120]
    sponsor = channel_selectors.invite_sponsor(channel, token) if token else None
    membership = (
        channel_selectors.membership_in_channel(request.user, channel)  # type: ignore[arg-type]
        if request.user.is_authenticated
        else None
    )
    back = urlencode({"next": request.get_full_path()})  # with the invitation, if any
    return render(
        request,
        "storefront/channel.html",
        {
            "shop": channel.shop,
            "channel": channel,
            "policy": policy_for(channel.policy),
            "offers": channel_selectors.offers_of(channel),
            "resellers": channel_selectors.active_resellers(channel),
            "sponsor": sponsor,
            "token": token if sponsor else "",
            "membership": membership,
            "is_brand": request.user.is_authenticated and request.user.pk == channel.shop.owner_id,
            "login_url": reverse("accounts:login") + "?" + back,
            "signup_url": reverse("accounts:signup") + "?" + back,
        },
    )


@require_POST
@login_required
def channel_join(request: HttpRequest, slug: str) -> HttpResponse:
    channel = _channel(slug)
    token = request.POST.get("by", "")[:120]
    sponsor = channel_selectors.invite_sponsor(channel, token) if token else None
    try:
        member_join(channel=channel, user=request.user, sponsor=sponsor)  # type: ignore[arg-type]
    except ChannelError as error:
        messages.error(request, error.message)
        return redirect("storefront:channel", slug)
    own = request.user.shops.order_by("id").first()  # type: ignore[union-attr]
    if own is None:
        messages.success(
            request, _("You joined. Open your shop now: the brand's products are listed there.")
        )
        return redirect("dashboard:shop_new")
    messages.success(request, _("You joined. Choose the products to list in your shop."))
    return redirect("dashboard:resale", own.slug)


@require_safe
def channel_earnings(request: HttpRequest, slug: str) -> HttpResponse:
    channel = _channel(slug)
    this_year = timezone.localtime().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, channel.created_at.year), this_year)
    figures = disclosure(channel, year)
    top = max((b.resellers for b in figures.brackets), default=0) or 1
    return render(
        request,
        "storefront/channel_earnings.html",
        {
            "shop": channel.shop,
            "channel": channel,
            "d": figures,
            "bars": [(b, round(100 * b.resellers / top, 1)) for b in figures.brackets],
            "years": list(range(this_year, channel.created_at.year - 1, -1)),
        },
    )


@require_safe
@ratelimit(key="ip", rate=VERIFY_RATE, block=False)
def verify(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return rate_limited(request)
    query = request.GET.get("q", "")[:60]
    found = certificates_find(query) if query.strip() else []
    return render(
        request,
        "storefront/verify.html",
        {"query": query, "found": found, "searched": bool(query.strip()), "now": timezone.now()},
    )


def _certificate(code: str) -> Any:
    certificate = certificate_by_code(code) if len(code) <= 16 else None
    if certificate is None:
        raise Http404
    return certificate


@require_safe
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _certificate(code)
    now = timezone.now()
    status = (
        "revoked"
        if certificate.revoked_at is not None
        else "expired"
        if certificate.valid_until <= now
        else "valid"
    )
    return render(
        request,
        "storefront/certificate.html",
        {
            "c": certificate,
            "m": certificate.membership,
            "brand": certificate.membership.channel.shop,
            "reseller_shop": certificate.membership.user.shops.order_by("id").first(),
            "status": status,
            "document": certificate_document(certificate).decode(),
        },
    )


@require_safe
def verify_document(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _certificate(code)
    response = HttpResponse(certificate_document(certificate), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.json"'
    return response


@require_safe
def verify_picture(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _certificate(code)
    url = absolute_url(request, reverse("storefront:verify_code", args=[certificate.code]))
    body = certificate_png(certificate, url, revoked=certificate.revoked_at is not None)
    response = HttpResponse(body, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.png"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def platform_key(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="platform-key.pem"'
    response["Cache-Control"] = f"public, max-age={int(timedelta(days=1).total_seconds())}"
    return response
