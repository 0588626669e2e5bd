"""Sharing on the buyer's side: the share panel of a shop or product, its QR code and poster,
the short link ``/s/<code>``, and the confirmation of an arrival (see ``sharing.services``)."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from weishang.core.errors import UserError
from weishang.core.links import absolute_url
from weishang.core.money import format_money
from weishang.core.qr import qr_png, qr_svg
from weishang.core.views import rate_limited
from weishang.sharing.pictures import PosterContent, poster_png
from weishang.sharing.services import (
    ARRIVAL_MAX_AGE,
    arrival_sign,
    attribution_window,
    may_share,
    share_link_by_code,
    share_link_for,
    share_target,
    share_text_default,
    share_text_set,
)
from weishang.sharing.visitors import is_bot

from . import selectors
from .referral import ARRIVAL_COOKIE, VISITOR_COOKIE, arrival_confirm, visitor_token
from .views import with_shop

if TYPE_CHECKING:
    from weishang.sharing.models import ShareLink
    from weishang.shops.models import Shop

POSTER_CACHE_SECONDS = 24 * 3600


@require_safe
def share_open(request: HttpRequest, code: str) -> HttpResponse:
    """``/s/<code>``: to the shop or product, marking the browser's arrival (never a bot's)."""
    target = share_target(code)
    if target is None:
        return render(request, "storefront/share_missing.html", status=404)
    if target.product_id is not None:
        response = redirect("storefront:product", target.shop_slug, target.product_id)
    else:
        response = redirect("storefront:shop", target.shop_slug)
    response["Cache-Control"] = "private, no-store"
    if not is_bot(request):
        secure = request.is_secure()
        token = visitor_token(request) or secrets.token_urlsafe(18)
        window = int(attribution_window().total_seconds())
        response.set_cookie(
            VISITOR_COOKIE, token, max_age=window, httponly=True, secure=secure, samesite="Lax"
        )
        # Read by the page's script (only whether it is there), so not HttpOnly; it is signed.
        response.set_cookie(
            ARRIVAL_COOKIE,
            arrival_sign(target.code, token),
            max_age=int(ARRIVAL_MAX_AGE.total_seconds()),
            secure=secure,
            samesite="Lax",
        )
    return response


@csrf_exempt  # SameSite=Lax cookies never ride along on another site's POST: nothing to forge
@require_POST
@ratelimit(
    key="ip", rate=lambda _g, _r: settings.SHARE_VISIT_RATE_PER_ADDRESS, method="POST", block=False
)
def share_arrived(request: HttpRequest) -> HttpResponse:
    """The landing page's script confirms an arrival: now it is a visit. Only the visitor the
    arrival was issued to can confirm it; a request another site sent, and one client address
    confirming more than SHARE_VISIT_RATE_PER_ADDRESS, are not counted."""
    response = HttpResponse(status=204)
    if request.META.get("HTTP_SEC_FETCH_SITE") == "cross-site":
        return response  # another site's request: neither counted nor allowed to clear anything
    if not getattr(request, "limited", False):
        arrival_confirm(request)
    response.delete_cookie(ARRIVAL_COOKIE, samesite="Lax")
    return response


# --- the share panel --------------------------------------------------------------------


def _share_subject(shop: Shop, product_id: int | None) -> dict[str, Any] | None:
    """What is being shared: its page, title, price and picture; None for no such product."""
    if product_id is None:
        return {
            "product": None,
            "title": shop.name,
            "path": reverse("storefront:shop", args=[shop.slug]),
            "price": "",
            "photo": shop.logo.name if shop.logo else "",
        }
    found = selectors.product_for_page(shop=shop, product_id=product_id)
    if found is None:
        return None
    product, variants, images = found
    lowest = min((v.price_minor for v in variants), default=None)
    return {
        "product": product,
        "title": product.name,
        "path": reverse("storefront:product", args=[shop.slug, product.pk]),
        "price": format_money(lowest, shop.currency) if lowest is not None else "",
        "photo": images[0].large.name if images else "",  # the poster is 750 px wide
    }


def _share_url(request: HttpRequest, subject: dict[str, Any], link: ShareLink | None) -> str:
    path = reverse("storefront:share_open", args=[link.code]) if link else subject["path"]
    return absolute_url(request, path)


def _link_from_query(request: HttpRequest, shop: Shop, product_id: int | None) -> ShareLink | None:
    """The live link ``?s=<code>`` names, if it is this shop's link to this page."""
    link = share_link_by_code(request.GET.get("s", ""))
    if link is None or link.shop_id != shop.pk or link.product_id != product_id:
        return None
    return link


@require_http_methods(["GET", "POST"])
@with_shop
def share_panel(request: HttpRequest, shop: Shop, product_id: int | None = None) -> HttpResponse:
    """The share panel. A signed-in person shares a short link of their own (its visits and
    orders are counted for them); anyone else shares the page's plain address."""
    subject = _share_subject(shop, product_id)
    if subject is None:
        return render(request, "storefront/product_missing.html", {"shop": shop}, status=404)
    link = None
    if may_share(request.user, shop):  # type: ignore[arg-type]
        link = share_link_for(owner=request.user, shop=shop, product=subject["product"])  # type: ignore[arg-type]
    error, status = "", 200
    if request.method == "POST":
        if link is None:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        try:
            share_text_set(link=link, actor=request.user, text=request.POST.get("text", ""))  # type: ignore[arg-type]
        except UserError as exc:
            error, status = exc.message, 400
        else:
            return redirect(request.path)
    url = _share_url(request, subject, link)
    product = subject["product"]
    text = (link.text if link else "") or share_text_default(
        shop_name=shop.name, product_name=product.name if product else None
    )
    query = f"?s={link.code}" if link else ""
    if link and link.text:
        query += "&v=" + hashlib.sha256(link.text.encode()).hexdigest()[:8]
    return render(
        request,
        "storefront/share.html",
        {
            "shop": shop,
            "subject": subject,
            "link": link,
            "url": url,
            "text": text,
            "typed": request.POST.get("text", link.text if link else ""),
            "error": error,
            "query": query,
        },
        status=status,
    )


def _picture_response(body: bytes, content_type: str, name: str = "") -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if name:
        response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_safe
@with_shop
def share_qr(
    request: HttpRequest, shop: Shop, fmt: str, product_id: int | None = None
) -> HttpResponse:
    subject = _share_subject(shop, product_id)
    if subject is None or fmt not in ("svg", "png"):
        return render(request, "storefront/product_missing.html", {"shop": shop}, status=404)
    url = _share_url(request, subject, _link_from_query(request, shop, product_id))
    if fmt == "svg":
        return _picture_response(qr_svg(url), "image/svg+xml")
    return _picture_response(qr_png(url), "image/png")


@require_safe
@with_shop
def share_poster(request: HttpRequest, shop: Shop, product_id: int | None = None) -> HttpResponse:
    subject = _share_subject(shop, product_id)
    if subject is None:
        return render(request, "storefront/product_missing.html", {"shop": shop}, status=404)
    link = _link_from_query(request, shop, product_id)
    content = PosterContent(
        url=_share_url(request, subject, link),
        title=subject["title"],
        shop_name=shop.name if subject["product"] else "",
        price=subject["price"],
        text=link.text if link else "",
        photo=_media_path(subject["photo"]),
        caption=_("Long-press or scan to open"),
    )
    key = "poster:" + hashlib.sha256(repr((content, get_language())).encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        # A new poster costs the better part of a second: a client may ask for a few a minute
        # (SHARE_POSTER_RATE_PER_ADDRESS); cached ones cost nothing.
        if is_ratelimited(
            request,
            group="storefront.share.poster",
            key="ip",
            rate=settings.SHARE_POSTER_RATE_PER_ADDRESS,
            increment=True,
        ):
            return rate_limited(request)
        body = poster_png(content)
        cache.set(key, body, POSTER_CACHE_SECONDS)
    return _picture_response(body, "image/png", f"{shop.slug}-poster.png")


def _media_path(name: str) -> Path | None:
    if not name:
        return None
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:  # a remote storage: the poster goes without the photo
        return None
