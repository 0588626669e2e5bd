from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import seller_shop_view
from ..selectors import shop_customer, shop_customers

if TYPE_CHECKING:
    from weishang.shops.models import Shop

PAGE_SIZE = 50


@seller_shop_view
def customer_list(request: HttpRequest, shop: Shop) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:60]
    page = Paginator(shop_customers(shop=shop, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dashboard/customer_list.html",
        {"shop": shop, "tab": "customers", "page": page, "q": search},
    )


@seller_shop_view
def customer_detail(request: HttpRequest, shop: Shop, customer_id: int) -> HttpResponse:
    customer = shop_customer(shop=shop, customer_id=customer_id)
    orders = customer.orders.filter(shop=shop).prefetch_related("lines")
    return render(
        request,
        "dashboard/customer_detail.html",
        {"shop": shop, "tab": "customers", "customer": customer, "orders": orders},
    )
