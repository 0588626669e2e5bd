"""Seller pages cost a fixed number of queries, however many products, orders or customers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_order, make_product, make_upload
from weishang.catalog.services import product_image_add
from weishang.payments.services import payment_confirm
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db

# The session user, the shop, the order with its customer, its lines, events, and their actors.
ORDER_PAGE_QUERIES = 6


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_products(shop: Shop, n: int) -> None:
    for _ in range(n):
        product = make_product(shop=shop, variants=3)
        product_image_add(product=product, upload=make_upload())


def add_orders(shop: Shop, n: int) -> None:
    for i in range(n):
        make_order(shop=shop, phone=f"+86139{i:08d}")


@pytest.mark.parametrize(
    ("page", "grow"),
    [
        ("product_list", add_products),
        ("order_list", add_orders),
        ("customer_list", add_orders),
        ("shop_home", add_orders),
    ],
)
def test_a_list_page_makes_the_same_number_of_queries_for_2_or_12_rows(
    shop: Shop, client_en: Client, page: str, grow: Callable[[Shop, int], None]
) -> None:
    url = reverse(f"dashboard:{page}", args=[shop.slug])
    grow(shop, 2)
    few = queries(client_en, url)

    grow(shop, 10)
    many = queries(client_en, url)

    assert many == few


def test_the_order_page_makes_a_fixed_number_of_queries(shop: Shop, client_en: Client) -> None:
    order = make_order(shop=shop)
    payment_confirm(shop=shop, order_id=order.pk, actor=shop.owner)
    url = reverse("dashboard:order_detail", args=[shop.slug, order.pk])
    client_en.get(url)  # the first visit also marks it seen

    assert queries(client_en, url) == ORDER_PAGE_QUERIES
