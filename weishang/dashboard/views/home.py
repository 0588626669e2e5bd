from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from ..access import seller_shop_view
from ..selectors import (
    seller_shops,
    shop_day_figures,
    shop_new_order_count,
    shop_orders,
    shop_status_counts,
)

if TYPE_CHECKING:
    from weishang.shops.models import Shop


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """/dashboard/: the shop last worked on, the only shop, a choice, or the shop wizard."""
    shops = seller_shops(user_id=request.user.pk)
    if not shops:
        return redirect("dashboard:shop_new")
    remembered = request.session.get("dashboard_shop")
    chosen = next((s for s in shops if s.slug == remembered), None)
    if chosen is None and len(shops) == 1:
        chosen = shops[0]
    if chosen is not None and "choose" not in request.GET:
        return redirect("dashboard:shop_home", shop_slug=chosen.slug)
    return render(request, "dashboard/shop_choose.html", {"shops": shops})


@seller_shop_view
def home(request: HttpRequest, shop: Shop) -> HttpResponse:
    return render(
        request,
        "dashboard/home.html",
        {
            "shop": shop,
            "tab": "home",
            "today": shop_day_figures(shop=shop),
            "status_counts": shop_status_counts(shop=shop),
            "recent_orders": shop_orders(shop=shop)[:5],
            "new_orders": shop_new_order_count(shop_id=shop.pk),
            "shop_url": request.build_absolute_uri(f"/{shop.slug}/"),
        },
    )


@seller_shop_view
def badge(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The number of orders the seller has not opened yet; the pages poll it."""
    return JsonResponse({"new_orders": shop_new_order_count(shop_id=shop.pk)})
