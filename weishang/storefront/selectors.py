"""Reads for the buyer's pages, each a small fixed number of queries whatever a shop holds.

The shop home and the product page are the hot path: a shared link is opened by hundreds of
phones at once, and the target is 500 requests/s on two cores. For these pages the SQL is
written out and run through ``Model.objects.raw()``: building the equivalent annotated ORM
query (three aggregate subqueries and a photo subquery) cost about 30 times more CPU than the
database took to run it (measured: ~10 ms to compile against ~0.3 ms to execute on SQLite).
The SQL is plain SQL-92 plus ``LIMIT``, the same on SQLite and PostgreSQL; table names come from
the models. Everything off the hot path uses the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from weishang.catalog.models import Product, ProductImage, Variant
from weishang.channel.models import Channel, ChannelOffer, Listing, Membership, MembershipStatus
from weishang.channel.services import resale_terms
from weishang.orders.choices import OrderStatus
from weishang.orders.models import Order, OrderLine
from weishang.reviews.models import Review
from weishang.shops.models import Shop

_SHOP = Shop._meta.db_table
_PRODUCT = Product._meta.db_table
_VARIANT = Variant._meta.db_table
_IMAGE = ProductImage._meta.db_table
_LISTING, _MEMBERSHIP = Listing._meta.db_table, Membership._meta.db_table
_CHANNEL, _OFFER = Channel._meta.db_table, ChannelOffer._meta.db_table

_SHOP_BY_SLUG = f"SELECT * FROM {_SHOP} WHERE slug = %s"

# One row per published product that has at least one variant, in the seller's order, with
# its lowest and highest price, its stock over all variants and its first photo (card size).
_SHOP_PRODUCTS = f"""
SELECT p.id, p.shop_id, p.name, p.subtitle, p.position,
       (SELECT MIN(v.price_minor) FROM {_VARIANT} v WHERE v.product_id = p.id)
           AS lowest_price_minor,
       (SELECT MAX(v.price_minor) FROM {_VARIANT} v WHERE v.product_id = p.id)
           AS highest_price_minor,
       (SELECT SUM(v.stock) FROM {_VARIANT} v WHERE v.product_id = p.id) AS stock_total,
       (SELECT i.card FROM {_IMAGE} i WHERE i.product_id = p.id
         ORDER BY i.position, i.id LIMIT 1) AS card,
       0 AS resold, NULL AS supplier_name
  FROM {_PRODUCT} p
 WHERE p.shop_id = %s AND p.is_published = %s
   AND EXISTS (SELECT 1 FROM {_VARIANT} v WHERE v.product_id = p.id)
UNION ALL
SELECT p.id, p.shop_id, p.name, p.subtitle, p.position,
       l.price_minor AS lowest_price_minor, l.price_minor AS highest_price_minor,
       (SELECT SUM(v.stock) FROM {_VARIANT} v WHERE v.product_id = p.id) AS stock_total,
       (SELECT i.card FROM {_IMAGE} i WHERE i.product_id = p.id
         ORDER BY i.position, i.id LIMIT 1) AS card,
       1 AS resold, s.name AS supplier_name
  FROM {_LISTING} l
  JOIN {_MEMBERSHIP} m ON m.id = l.membership_id
  JOIN {_CHANNEL} c ON c.id = m.channel_id
  JOIN {_OFFER} o ON o.id = l.offer_id
  JOIN {_PRODUCT} p ON p.id = o.product_id
  JOIN {_SHOP} s ON s.id = c.shop_id
 WHERE m.user_id = (SELECT owner_id FROM {_SHOP} WHERE id = %s)
   AND m.status = %s AND c.is_open = %s AND c.shop_id <> %s AND p.is_published = %s
   AND l.price_minor >= o.price_min_minor AND l.price_minor <= o.price_max_minor
   AND (SELECT MIN(v.price_minor) FROM {_VARIANT} v WHERE v.product_id = p.id)
     = (SELECT MAX(v.price_minor) FROM {_VARIANT} v WHERE v.product_id = p.id)
 ORDER BY resold, position, id
"""

_PUBLISHED_PRODUCT = (
    f"SELECT * FROM {_PRODUCT} WHERE id = %s AND shop_id = %s AND is_published = %s"
)
_PUBLISHED_PRODUCT_ANY_SHOP = f"SELECT * FROM {_PRODUCT} WHERE id = %s AND is_published = %s"
_PRODUCT_VARIANTS = f"SELECT * FROM {_VARIANT} WHERE product_id = %s ORDER BY position, id"
_PRODUCT_IMAGES = f"SELECT * FROM {_IMAGE} WHERE product_id = %s ORDER BY position, id"


def _first_photo(size: str, **match: object) -> Subquery:
    photos = ProductImage.objects.filter(**match).order_by("position", "id").values(size)[:1]
    return Subquery(photos)


def shop_by_slug(slug: str) -> Shop | None:
    return next(iter(Shop.objects.raw(_SHOP_BY_SLUG, [slug])), None)


def shop_by_id(shop_id: int) -> Shop | None:
    return Shop.objects.filter(pk=shop_id).first()


def shops_with_products(*, limit: int = 6) -> list[Shop]:
    """Shops worth showing on the platform's landing page: those with something on sale."""
    on_sale = Product.objects.filter(shop=OuterRef("pk"), is_published=True)
    return list(Shop.objects.filter(Exists(on_sale)).order_by("id")[:limit])


def shop_products(shop: Shop) -> list[Product]:
    """Published products in the seller's order, each with ``lowest_price_minor``,
    ``highest_price_minor``, ``stock_total`` and ``card`` (the first photo's card-size path,
    or None). Products without a variant are left out: they cannot be bought.

    Then, in one query with them, the products the shop resells from a channel
    (``channel.services.resold_products`` says which, in the ORM; a test holds the two equal), at
    its listed price, with ``resold`` and ``supplier_name`` (the brand that ships them)."""
    params = [shop.pk, True, shop.pk, MembershipStatus.ACTIVE, True, shop.pk, True]
    return list(Product.objects.raw(_SHOP_PRODUCTS, params))


def product_for_page(
    *, shop: Shop, product_id: int
) -> tuple[Product, list[Variant], list[ProductImage]] | None:
    """A published product of ``shop`` with its variants and photos (three queries), or one it
    resells from a channel, at its listed price, with ``supplier`` and ``resale`` set; or None."""
    product = next(iter(Product.objects.raw(_PUBLISHED_PRODUCT, [product_id, shop.pk, True])), None)
    resale = None
    if product is None:
        resale = resale_terms(seller_shop=shop, product_ids={product_id})
        if resale is None:
            return None
        product = next(iter(Product.objects.raw(_PUBLISHED_PRODUCT_ANY_SHOP, [product_id, True])))
        product.supplier = resale.supplier  # type: ignore[attr-defined]
        product.resale = resale  # type: ignore[attr-defined]
    product.shop = shop
    variants = list(Variant.objects.raw(_PRODUCT_VARIANTS, [product.pk]))
    if resale is not None:
        if len({v.price_minor for v in variants}) > 1:
            return None  # its options came to cost different amounts: off sale (one_price)
        for variant in variants:
            variant.price_minor = resale.prices[product.pk]
    images = list(ProductImage.objects.raw(_PRODUCT_IMAGES, [product.pk]))
    return product, variants, images


def _resold_prices(shop: Shop, variants: list[Variant], *, adding: bool = False) -> list[Variant]:
    """``variants`` that are the shop's own or that it resells (at its listed price, with
    ``supplier``); the others are not on sale here. ``adding``: a variant going into the cart,
    whose product must still have one price for all its options (``channel.services.one_price``;
    checkout checks it again)."""
    others = {v.product_id for v in variants if v.product.shop_id != shop.pk}
    resale = (
        resale_terms(seller_shop=shop, product_ids=others, check_one_price=adding)
        if others
        else None
    )
    kept = []
    for v in variants:
        if v.product.shop_id == shop.pk:
            kept.append(v)
        elif resale is not None:
            v.price_minor = resale.prices[v.product_id]
            v.supplier = resale.supplier  # type: ignore[attr-defined]
            kept.append(v)
    return kept


def cart_variants(shop: Shop, variant_ids: list[int]) -> dict[int, Variant]:
    """The cart's variants that are still on sale in this shop, with their product and
    ``thumb`` (the first photo's thumbnail path, or None); resold ones at the listed price."""
    if not variant_ids:
        return {}
    variants = (
        Variant.objects.filter(pk__in=variant_ids, product__is_published=True)
        .select_related("product")
        .annotate(thumb=_first_photo("thumb", product=OuterRef("product_id")))
    )
    return {v.pk: v for v in _resold_prices(shop, list(variants))}


def variant_on_sale(shop: Shop, variant_id: int) -> Variant | None:
    variant = (
        Variant.objects.filter(pk=variant_id, product__is_published=True)
        .select_related("product")
        .first()
    )
    if variant is None:
        return None
    return next(iter(_resold_prices(shop, [variant], adding=True)), None)


def supplier_of(variant_ids: list[int]) -> set[int]:
    """The shops whose products these are (one: a cart ships from one place)."""
    return set(
        Variant.objects.filter(pk__in=variant_ids).values_list("product__shop_id", flat=True)
    )


def order_by_token(token: str) -> Order | None:
    """The order behind an order page link, with its shop and lines (each with ``thumb``)."""
    lines: QuerySet[OrderLine] = OrderLine.objects.annotate(
        thumb=_first_photo("thumb", product__variants=OuterRef("variant_id"))
    ).select_related("review", "variant")
    return (
        Order.objects.filter(token=token)
        .select_related("shop", "sold_by", "share_link__owner")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )


# --- what a buyer may trust: real sales and reviews ------------------------------------------

# Orders that are sales: paid (or cash on delivery accepted), shipped or delivered.
_SOLD = (OrderStatus.AWAITING_SHIPMENT, OrderStatus.SHIPPED, OrderStatus.COMPLETED)
_ORDER, _LINE = Order._meta.db_table, OrderLine._meta.db_table
_PRODUCT_SALES = f"""
SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.orders > 1 THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(t.units), 0)
  FROM (SELECT o.customer_id, COUNT(DISTINCT o.id) AS orders,
               SUM(l.quantity - l.refunded_quantity) AS units
          FROM {_LINE} l
          JOIN {_ORDER} o ON o.id = l.order_id
          JOIN {_VARIANT} v ON v.id = l.variant_id
         WHERE v.product_id = %s AND o.status IN (%s, %s, %s)
         GROUP BY o.customer_id) t
"""
# Kept briefly: a product page read by many must not add four queries per visitor.
TRUST_SECONDS = 30


@dataclass(frozen=True)
class ProductTrust:
    units_sold: int
    buyers: int
    repeat_buyers: int
    review_count: int
    rating: float | None  # the average, one decimal
    latest: list[Review]

    @property
    def repeat_share(self) -> int | None:
        """Of the buyers, the percentage who bought again; None before there are three."""
        return round(100 * self.repeat_buyers / self.buyers) if self.buyers >= 3 else None


def product_trust(product_id: int) -> ProductTrust:
    def compute() -> ProductTrust:
        with connection.cursor() as cursor:
            cursor.execute(_PRODUCT_SALES, [product_id, *_SOLD])
            buyers, repeat, units = cursor.fetchone()
        reviews = Review.objects.filter(product_id=product_id)
        summary = reviews.aggregate(count=Count("id"), rating=Avg("rating"))
        latest = list(reviews.prefetch_related("photos")[:3])
        rating = summary["rating"]
        return ProductTrust(
            int(units), int(buyers), int(repeat), summary["count"],
            round(float(rating), 1) if rating is not None else None, latest,
        )  # fmt: skip

    return cache.get_or_set(f"trust:{product_id}", compute, TRUST_SECONDS)  # type: ignore[return-value]


def shop_record(shop: Shop) -> int:
    """How many of the shop's orders were delivered, those it sold for a brand included (kept as
    briefly as the product figures)."""
    return cache.get_or_set(  # type: ignore[return-value]
        f"delivered:{shop.pk}",
        lambda: Order.objects.filter(
            Q(shop=shop) | Q(sold_by=shop), status=OrderStatus.COMPLETED
        ).count(),
        TRUST_SECONDS,
    )
