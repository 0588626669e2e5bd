from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings

from tests.factories import make_shop, make_user
from weishang.accounts.models import User
from weishang.shops.models import Shop


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


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


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Settings) -> None:
    """Pages link their CSS with {% static %}; tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
