from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import make_product, make_shop
from weishang.catalog.models import Product
from weishang.shops.models import Shop


@pytest.fixture
def shop(db: None) -> Shop:
    return make_shop(
        slug="jujube-farm",
        name="李家枣园",
        story="三十年的枣园。\n不打催熟剂。",
        wechat_id="lijia-zao",
        phone="13800138000",
    )


@pytest.fixture
def product(shop: Shop) -> Product:
    return make_product(shop=shop, name="清涧狗头枣", variants=2, price_minor=3800, stock=5)


def cart_add(client: Client, shop: Shop, variant_id: int, quantity: int = 1, **extra: Any) -> Any:
    return client.post(
        f"/{shop.slug}/cart/add/", {"variant": variant_id, "quantity": quantity}, **extra
    )
