from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_shop, make_user
from weishang.accounts.models import User
from weishang.shops.models import Shop


@pytest.fixture
def seller(db: None) -> User:
    return make_user(email="li@example.com")


@pytest.fixture
def shop(seller: User) -> Shop:
    return make_shop(owner=seller, slug="li-jujubes", name="Li's Jujubes")


@pytest.fixture
def client_en(seller: User) -> Client:
    """The seller, logged in, reading English."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(seller)
    return client
