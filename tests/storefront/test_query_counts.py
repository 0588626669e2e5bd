"""The hot pages cost a fixed, small number of queries whatever a shop holds.

Signed-cookie sessions mean the cart costs none; each list is one query (photos and prices are
subqueries), so these counts are the same for a shop of one product and a shop of twenty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.factories import make_order, make_photo, make_product
from weishang.catalog.models import Product
from weishang.orders.services import order_place
from weishang.shops.models import Shop

from .conftest import cart_add

pytestmark = pytest.mark.django_db

QueryCounter = Callable[..., Any]


def stock_shop(shop: Shop, *, products: int, variants: int, photos: int) -> list[Product]:
    made = []
    for i in range(products):
        product = make_product(shop=shop, variants=variants, position=i)
        for _ in range(photos):
            make_photo(product=product)
        made.append(product)
    return made


@pytest.mark.parametrize(("products", "variants", "photos"), [(1, 1, 1), (12, 4, 3)])
def test_shop_home_takes_three_queries_then_two(
    shop: Shop, django_assert_num_queries: QueryCounter, products: int, variants: int, photos: int
) -> None:
    stock_shop(shop, products=products, variants=variants, photos=photos)
    client = Client()

    with django_assert_num_queries(3):  # the shop; its products; the delivered-order count
        response = client.get(f"/{shop.slug}/")
    with django_assert_num_queries(2):  # the count is kept for half a minute
        client.get(f"/{shop.slug}/")

    assert len(response.context["products"]) == products


@pytest.mark.parametrize(("variants", "photos"), [(1, 1), (8, 6)])
def test_product_page_takes_seven_queries_then_four(
    shop: Shop, django_assert_num_queries: QueryCounter, variants: int, photos: int
) -> None:
    (product,) = stock_shop(shop, products=1, variants=variants, photos=photos)
    client = Client()

    # the shop; the product; its variants; its photos; its sales; its reviews (summary, latest)
    with django_assert_num_queries(7):
        response = client.get(f"/{shop.slug}/p/{product.pk}/")
    with django_assert_num_queries(4):  # sales and reviews are kept for half a minute
        client.get(f"/{shop.slug}/p/{product.pk}/")

    assert (len(response.context["variants"]), len(response.context["images"])) == (
        variants,
        photos,
    )


@pytest.mark.parametrize("lines", [1, 10])
def test_cart_takes_two_queries(
    shop: Shop, django_assert_num_queries: QueryCounter, lines: int
) -> None:
    client = Client()
    for product in stock_shop(shop, products=lines, variants=1, photos=2):
        cart_add(client, shop, product.variants.get().pk)

    with django_assert_num_queries(2):  # the shop; the cart's variants with product and photo
        response = client.get(f"/{shop.slug}/cart/")

    assert len(response.context["cart"].lines) == lines


def test_an_empty_cart_takes_one_query(shop: Shop, django_assert_num_queries: QueryCounter) -> None:
    with django_assert_num_queries(1):
        Client().get(f"/{shop.slug}/cart/")


@pytest.mark.parametrize("lines", [1, 10])
def test_order_page_takes_two_queries(
    shop: Shop, django_assert_num_queries: QueryCounter, lines: int
) -> None:
    products = stock_shop(shop, products=lines, variants=1, photos=2)
    order = order_place(
        shop=shop,
        quantities={p.variants.get().pk: 1 for p in products},
        buyer_name="王小明",
        buyer_phone="+8613800138000",
        shipping_address="杭州",
        payment_method="manual_transfer",
        checkout_key=f"count-{lines}",
    )
    client = Client()

    with django_assert_num_queries(2):  # the order with its shop; its lines with photos
        response = client.get(f"/o/{order.token}/")

    assert len(response.context["lines"]) == lines


def test_landing_page_takes_one_query(django_assert_num_queries: QueryCounter) -> None:
    for _ in range(3):
        make_order()

    with django_assert_num_queries(1):
        Client().get("/")


def test_checkout_page_takes_two_queries(
    shop: Shop, django_assert_num_queries: QueryCounter
) -> None:
    client = Client()
    for product in stock_shop(shop, products=5, variants=2, photos=1):
        cart_add(client, shop, product.variants.first().pk)  # type: ignore[union-attr]

    with django_assert_num_queries(2):  # the shop; the cart's variants
        response = client.get(f"/{shop.slug}/checkout/")

    assert len(response.context["cart"].lines) == 5
