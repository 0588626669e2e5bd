"""Rendered fragments of the hot pages, cached under a fingerprint of what they show.

The shop home and the product page are rendered from a few cheap queries, but rendering the
product cards and the gallery costs more CPU than the queries. Those fragments are cached under
a hash of every value they display (with the language in the key too), so an entry can never be
stale: any change to a name, price, stock state or photo is a new key, and the old entry just
ages out. The parts that differ per visitor (the CSRF token, the cart badge) are never cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from weishang.catalog.models import Product, ProductImage, Variant
from weishang.shops.models import Shop

# Seconds an unused entry stays; freshness comes from the key, not from this.
FRAGMENT_SECONDS = 300


def _digest(parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _shop_parts(shop: Shop) -> tuple[object, ...]:
    return (
        shop.pk,
        shop.slug,
        shop.name,
        shop.story,
        shop.logo.name,
        shop.wechat_id,
        shop.phone,
        shop.currency,
    )


def shop_home_fingerprint(shop: Shop, products: Iterable[Product]) -> str:
    """Everything the shop home's header and product cards show (see ``shop_products``)."""
    return _digest(
        (
            _shop_parts(shop),
            [
                (
                    p.pk,
                    p.name,
                    p.subtitle,
                    p.lowest_price_minor,  # type: ignore[attr-defined]
                    p.highest_price_minor,  # type: ignore[attr-defined]
                    bool(p.stock_total),  # type: ignore[attr-defined]
                    p.card,  # type: ignore[attr-defined]
                    getattr(p, "supplier_name", None),
                )
                for p in products
            ],
        )
    )


def product_page_fingerprint(
    shop: Shop, product: Product, variants: Iterable[Variant], images: Iterable[ProductImage]
) -> str:
    """Everything the product page's gallery, variant choice and description show."""
    return _digest(
        (
            _shop_parts(shop),
            (product.pk, product.name, product.subtitle, product.description),
            [(v.pk, v.name, v.price_minor, v.stock) for v in variants],
            [(i.pk, i.large.name, i.width, i.height) for i in images],
        )
    )
