"""Reads for the seller pages, every one scoped to a shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from weishang.catalog.models import Product, ProductImage
from weishang.orders.choices import OrderStatus as S
from weishang.orders.models import Customer, Order
from weishang.reviews.models import Review
from weishang.sharing.models import ShareLink
from weishang.shops.models import Shop

from .labels import STATUS_ORDER

# Orders whose money is the seller's: paid, or cash on delivery on its way. Unpaid transfers,
# cancelled and expired orders are not sales.
SALE_STATUSES = frozenset({S.AWAITING_SHIPMENT, S.SHIPPED, S.COMPLETED, S.REFUNDED})


@dataclass(frozen=True)
class DayFigures:
    orders: int  # orders placed today, except cancelled and expired ones
    revenue_minor: int  # today's sales, after refunds


def start_of_today(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def shop_day_figures(*, shop: Shop, now: datetime | None = None) -> DayFigures:
    start = start_of_today(now)
    figures = Order.objects.filter(
        shop=shop, created_at__gte=start, created_at__lt=start + timedelta(days=1)
    ).aggregate(
        orders=Count("pk", filter=~Q(status__in=[S.CANCELLED, S.EXPIRED])),
        revenue=Sum(F("total_minor") - F("refunded_minor"), filter=Q(status__in=SALE_STATUSES)),
    )
    return DayFigures(orders=figures["orders"] or 0, revenue_minor=figures["revenue"] or 0)


def shop_status_counts(*, shop: Shop) -> list[tuple[str, int]]:
    """(status, number of orders) for every status, in the order the chips show them."""
    counts = dict(
        Order.objects.filter(shop=shop)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [(status, counts.get(status, 0)) for status in STATUS_ORDER]


def shop_new_order_count(*, shop_id: int) -> int:
    return Order.objects.filter(shop_id=shop_id, seen_by_seller=False).count()


def shop_orders(*, shop: Shop, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(shop=shop).prefetch_related("lines")
    return orders.filter(status=status) if status else orders


def shop_order(*, shop: Shop, order_id: int) -> Order:
    """One of this shop's orders (404 for anyone else's)."""
    return get_object_or_404(
        Order.objects.select_related("customer").prefetch_related("lines", "events__actor"),
        shop=shop,
        pk=order_id,
    )


def shop_reviews(*, shop: Shop) -> QuerySet[Review]:
    return (
        Review.objects.filter(shop=shop)
        .select_related("product", "line")
        .prefetch_related("photos")
    )


def shop_review(*, shop: Shop, review_id: int) -> Review:
    return get_object_or_404(Review.objects.select_related("shop"), pk=review_id, shop=shop)


def shop_share_link(*, shop: Shop, link_id: int) -> ShareLink:
    return get_object_or_404(ShareLink.objects.select_related("shop"), pk=link_id, shop=shop)


def shop_product(*, shop: Shop, product_id: int) -> Product:
    return get_object_or_404(Product, pk=product_id, shop=shop)


def shop_photo(*, shop: Shop, product_id: int, photo_id: int) -> ProductImage:
    return get_object_or_404(ProductImage, pk=photo_id, product_id=product_id, product__shop=shop)


def shop_customer(*, shop: Shop, customer_id: int) -> Customer:
    return get_object_or_404(Customer, pk=customer_id, shop=shop)


def seller_shops(*, user_id: int | None) -> list[Shop]:
    return list(Shop.objects.filter(owner_id=user_id).order_by("name", "id"))


def shop_customers(*, shop: Shop, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.filter(shop=shop).annotate(
        order_count=Count("orders"), last_order_at=Max("orders__created_at")
    )
    if search:
        customers = customers.filter(Q(name__icontains=search) | Q(phone__icontains=search))
    return customers.order_by(F("last_order_at").desc(nulls_last=True), "-id")


def shop_products(*, shop: Shop) -> QuerySet[Product]:
    return (
        Product.objects.filter(shop=shop)
        .prefetch_related("variants", "images")
        .order_by("position", "id")
    )
