from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from weishang.catalog.models import Product
from weishang.orders.models import Order
from weishang.shops.models import Shop

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSONAL_TEXT = re.compile(r"<!--personal:[^>]*-->.*?<!--/personal-->", re.S)


@pytest.fixture(autouse=True)
def _page_cache_on(settings: Any) -> None:
    settings.STOREFRONT_PAGE_CACHE_SECONDS = 2
    cache.clear()


def visitor(language: str = "zh-hans") -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)


def test_a_second_fresh_visitor_gets_the_page_without_a_query(
    product: Product, django_assert_num_queries: Any
) -> None:
    url = f"/{product.shop.slug}/p/{product.pk}/"
    first = visitor().get(url)

    with django_assert_num_queries(0):
        second = visitor().get(url)

    assert second.status_code == 200
    strip = lambda html: TOKEN.sub("", html.decode())  # noqa: E731
    assert strip(second.content) == strip(first.content)
    assert TOKEN.findall(second.content.decode()) != TOKEN.findall(first.content.decode())


def test_the_token_in_a_cached_page_is_the_visitors_own(product: Product) -> None:
    shop, variant = product.shop, product.variants.first()
    assert variant is not None
    visitor().get(f"/{shop.slug}/p/{product.pk}/")  # fills the cache
    buyer = visitor()
    page = buyer.get(f"/{shop.slug}/p/{product.pk}/")
    token = TOKEN.findall(page.content.decode())[0]

    added = buyer.post(
        f"/{shop.slug}/cart/add/",
        {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": token},
    )

    assert added.status_code == 302
    assert buyer.session["cart:" + str(shop.pk)] == {str(variant.pk): 1}


def test_a_visitor_with_a_cart_gets_the_cached_page_with_their_own_badge(
    shop: Shop, product: Product, django_assert_num_queries: Any
) -> None:
    variant = product.variants.first()
    assert variant is not None
    fresh = visitor().get(f"/{shop.slug}/").content.decode()  # a fresh visitor fills the cache
    visitor().get(f"/{shop.slug}/p/{product.pk}/")
    buyer = Client()
    buyer.post(f"/{shop.slug}/cart/add/", {"variant": variant.pk, "quantity": 2})

    with django_assert_num_queries(0):  # their parts come from their cookie
        page = buyer.get(f"/{shop.slug}/").content.decode()
        product_page = buyer.get(f"/{shop.slug}/p/{product.pk}/").content.decode()

    assert '<span id="cart-badge" class="cart-badge">2</span>' in page
    assert '<span id="cart-badge" class="cart-badge">2</span>' in product_page
    assert '<span id="cart-badge" class="cart-badge"></span>' in fresh
    # Everything but their own parts (and the CSRF token) is the fresh visitor's page
    strip = lambda html: PERSONAL_TEXT.sub("", TOKEN.sub("", html))  # noqa: E731
    assert strip(page) == strip(fresh)


def test_a_buyer_sees_their_order_on_the_cached_shop_home(shop: Shop, product: Product) -> None:
    from tests.storefront.test_checkout import checkout_key, submit

    variant = product.variants.first()
    assert variant is not None
    visitor().get(f"/{shop.slug}/")
    buyer = Client()
    buyer.post(f"/{shop.slug}/cart/add/", {"variant": variant.pk, "quantity": 1})
    submit(buyer, shop, checkout_key(buyer, shop))
    reference = Order.objects.get().reference

    assert reference in buyer.get(f"/{shop.slug}/").content.decode()
    assert reference not in visitor().get(f"/{shop.slug}/").content.decode()


def test_a_page_rendered_for_a_buyer_is_kept_only_as_a_fresh_visitors(
    shop: Shop, product: Product
) -> None:
    variant = product.variants.first()
    assert variant is not None
    buyer = Client()
    buyer.post(f"/{shop.slug}/cart/add/", {"variant": variant.pk, "quantity": 3})
    mine = buyer.get(f"/{shop.slug}/").content.decode()  # a miss: rendered for them, then kept
    theirs = visitor().get(f"/{shop.slug}/").content.decode()  # a hit
    assert 'class="cart-badge">3<' in mine
    assert '<span id="cart-badge" class="cart-badge"></span>' in theirs
    assert buyer.cookies["csrftoken"].value not in theirs


def test_each_language_has_its_own_cached_page(shop: Shop, product: Product) -> None:
    chinese = visitor("zh-hans").get(f"/{shop.slug}/").content.decode()
    english = visitor("en").get(f"/{shop.slug}/").content.decode()

    assert '<html lang="zh-hans"' in chinese
    assert '<html lang="en"' in english
