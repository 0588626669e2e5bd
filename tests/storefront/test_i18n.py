from __future__ import annotations

import pytest
from django.test import Client

from weishang.catalog.models import Product
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def test_chinese_is_the_default_language(shop: Shop, product: Product) -> None:
    html = Client().get(f"/{shop.slug}/p/{product.pk}/").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "加入购物车" in html and "立即购买" in html


def test_the_browser_can_ask_for_english(shop: Shop, product: Product) -> None:
    html = (
        Client()
        .get(f"/{shop.slug}/p/{product.pk}/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        .content.decode()
    )

    assert '<html lang="en">' in html
    assert "Add to cart" in html and "Buy now" in html


def test_the_footer_switch_changes_the_language(shop: Shop) -> None:
    client = Client()
    page = client.get(f"/{shop.slug}/").content.decode()
    assert '<form class="lang-switch" action="/i18n/setlang/" method="post">' in page
    assert f'name="next" value="/{shop.slug}/"' in page

    switched = client.post("/i18n/setlang/", {"language": "en", "next": f"/{shop.slug}/"})
    html = client.get(f"/{shop.slug}/").content.decode()

    assert (switched.status_code, switched["Location"]) == (302, f"/{shop.slug}/")
    assert "Our story" in html and "我们的故事" not in html
