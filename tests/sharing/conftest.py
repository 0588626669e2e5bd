from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from tests.factories import make_product, make_shop, make_user
from weishang.accounts.models import User
from weishang.catalog.models import Product
from weishang.shops.models import Shop

BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)


@pytest.fixture
def seller(db: None) -> User:
    return make_user()


@pytest.fixture
def shop(seller: User) -> Shop:
    return make_shop(owner=seller, slug="jujube-farm", name="李家枣园")


@pytest.fixture
def product(shop: Shop) -> Product:
    return make_product(shop=shop, name="清涧狗头枣", price_minor=3800, stock=50)


@pytest.fixture
def visitor() -> Iterator[Client]:
    """A phone's browser: a person's user agent, cookies kept between requests."""
    yield Client(HTTP_USER_AGENT=BROWSER)
