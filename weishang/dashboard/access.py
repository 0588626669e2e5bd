"""Which shop a dashboard page is about, and who may see it.

Every seller page lives under ``/dashboard/<shop_slug>/``. The shop is looked up together with its
owner, so another seller's shop, and anything inside it, is simply not found (404): the page does
not admit that it exists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from weishang.shops.models import Shop

SellerView = Callable[..., HttpResponse]


def shop_of_seller(request: HttpRequest, shop_slug: str) -> Shop:
    return get_object_or_404(Shop, slug=shop_slug, owner_id=request.user.pk)


def seller_shop_view(view: SellerView) -> SellerView:
    """Log-in required; the view gets ``shop`` (owned by the user) instead of ``shop_slug``."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, shop_slug: str, **kwargs: Any) -> HttpResponse:
        shop = shop_of_seller(request, shop_slug)
        if request.session.get("dashboard_shop") != shop.slug:
            request.session["dashboard_shop"] = shop.slug  # where /dashboard/ takes them next
        return view(request, shop, **kwargs)

    return wrapper
