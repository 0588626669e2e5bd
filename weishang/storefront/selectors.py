"""Reads for the buyer's pages, each a small fixed number of queries whatever a shop holds.

Shop pages are the hot path (a shared link opened by hundreds of phones at once), so every
list is one query: lowest prices, stock totals and the first photo are correlated subqueries,
never a query per product.
"""

from __future__ import annotations

from django.db.models import (
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)

from weishang.catalog.models import Product, ProductImage, Variant
from weishang.orders.models import Order, OrderLine
from weishang.shops.models import Shop


def _first_photo(size: str, **match: object) -> Subquery:
    photos = ProductImage.objects.filter(**match).order_by("position", "id").values(size)[:1]
    return Subquery(photos)


def shop_by_slug(slug: str) -> Shop | None:
    return Shop.objects.filter(slug=slug).first()


def shops_with_products(*, limit: int = 6) -> list[Shop]:
    """Shops worth showing on the platform's landing page: those with something on sale."""
    on_sale = Product.objects.filter(shop=OuterRef("pk"), is_published=True)
    return list(Shop.objects.filter(Exists(on_sale)).order_by("id")[:limit])


def shop_products(shop: Shop) -> list[Product]:
    """Published products in the seller's order, each with ``lowest_price_minor``,
    ``highest_price_minor``, ``stock_total`` and ``card`` (the first photo's card-size path,
    or None)."""
    per_product = Variant.objects.filter(product=OuterRef("pk")).order_by().values("product")
    lowest = per_product.annotate(v=Min("price_minor")).values("v")
    highest = per_product.annotate(v=Max("price_minor")).values("v")
    stock = per_product.annotate(v=Sum("stock")).values("v")
    return list(
        Product.objects.filter(shop=shop, is_published=True)
        .annotate(
            lowest_price_minor=Subquery(lowest, output_field=IntegerField()),
            highest_price_minor=Subquery(highest, output_field=IntegerField()),
            stock_total=Subquery(stock, output_field=IntegerField()),
            card=_first_photo("card", product=OuterRef("pk")),
        )
        .filter(lowest_price_minor__isnull=False)  # a product with no variant cannot be bought
        .order_by("position", "id")
    )


def product_for_page(*, slug: str, product_id: int) -> Product | None:
    """A published product of the shop at ``slug``, with its shop, variants and photos."""
    return (
        Product.objects.filter(pk=product_id, shop__slug=slug, is_published=True)
        .select_related("shop")
        .prefetch_related("variants", "images")
        .first()
    )


def cart_variants(shop: Shop, variant_ids: list[int]) -> dict[int, Variant]:
    """The cart's variants that are still on sale in this shop, with their product and
    ``thumb`` (the first photo's thumbnail path, or None)."""
    if not variant_ids:
        return {}
    variants = (
        Variant.objects.filter(pk__in=variant_ids, product__shop=shop, product__is_published=True)
        .select_related("product")
        .annotate(thumb=_first_photo("thumb", product=OuterRef("product_id")))
    )
    return {v.pk: v for v in variants}


def variant_on_sale(shop: Shop, variant_id: int) -> Variant | None:
    return (
        Variant.objects.filter(pk=variant_id, product__shop=shop, product__is_published=True)
        .select_related("product")
        .first()
    )


def order_by_token(token: str) -> Order | None:
    """The order behind an order page link, with its shop and lines (each with ``thumb``)."""
    lines: QuerySet[OrderLine] = OrderLine.objects.annotate(
        thumb=_first_photo("thumb", product__variants=OuterRef("variant_id"))
    )
    return (
        Order.objects.filter(token=token)
        .select_related("shop")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )
