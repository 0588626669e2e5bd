from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_order, make_variant
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def test_customers_are_listed_with_phone_and_order_count(shop: Shop, client_en: Client) -> None:
    variant = make_variant(shop=shop, stock=50)
    make_order(variant=variant, phone="+8613800138000")
    make_order(variant=variant, phone="+8613800138000")
    make_order(variant=variant, phone="+8613911112222")

    response = client_en.get(reverse("dashboard:customer_list", args=[shop.slug]))

    rows = [(c.phone, c.order_count) for c in response.context["page"].object_list]
    assert sorted(rows) == [("+8613800138000", 2), ("+8613911112222", 1)]
    page = response.content.decode()
    assert "王小明" in page and "2 orders" in page and "1 order<" in page


def test_customers_can_be_searched_by_phone_digits(shop: Shop, client_en: Client) -> None:
    variant = make_variant(shop=shop, stock=50)
    make_order(variant=variant, phone="+8613800138000")
    make_order(variant=variant, phone="+8613911112222")

    response = client_en.get(reverse("dashboard:customer_list", args=[shop.slug]) + "?q=2222")

    assert [c.phone for c in response.context["page"].object_list] == ["+8613911112222"]


def test_a_customers_page_lists_their_orders(shop: Shop, client_en: Client) -> None:
    order = make_order(shop=shop)

    page = client_en.get(
        reverse("dashboard:customer_detail", args=[shop.slug, order.customer_id])
    ).content.decode()

    assert reverse("dashboard:order_detail", args=[shop.slug, order.pk]) in page
    assert "浙江省杭州市西湖区龙井路 1 号" in page


def test_no_customers_yet_says_so(shop: Shop, client_en: Client) -> None:
    page = client_en.get(reverse("dashboard:customer_list", args=[shop.slug])).content.decode()

    assert "No customers yet" in page
