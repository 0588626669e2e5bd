"""Photos in responsive sizes: WebP copies beside each JPEG for srcset, made at upload, made
for older photos by a migration, gone with the photo."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from tests.factories import make_photo_bytes, make_product, make_shop
from weishang.catalog.services import product_delete, product_image_add
from weishang.core.images import WEBP_WIDTHS, webp_name

pytestmark = pytest.mark.django_db


def test_an_upload_stores_webp_copies_at_each_width_and_pages_offer_them(
    django_capture_on_commit_callbacks: Any,
) -> None:
    product = make_product(shop=make_shop())
    photo = product_image_add(
        product=product, upload=io.BytesIO(make_photo_bytes(size=(2000, 1500)))
    )
    media = Path(settings.MEDIA_ROOT)
    for size, widths in WEBP_WIDTHS.items():
        jpeg = getattr(photo, size).name
        for width in widths:
            copy = Image.open(media / webp_name(jpeg, width))
            assert copy.format == "WEBP" and copy.width == width
    page = Client().get(f"/{product.shop.slug}/p/{product.pk}/").content.decode()
    assert 'type="image/webp"' in page
    assert f"{webp_name(photo.large.url, 480)} 480w" in page
    home = Client().get(f"/{product.shop.slug}/").content.decode()
    assert f"{webp_name(photo.card.url, 300)} 300w" in home

    with django_capture_on_commit_callbacks(execute=True):
        product_delete(product=product)
    assert not list(media.rglob("*.webp")) and not list(media.rglob("*.jpg"))


def test_a_small_photo_is_never_enlarged() -> None:
    product = make_product(shop=make_shop())
    photo = product_image_add(product=product, upload=io.BytesIO(make_photo_bytes(size=(640, 480))))
    media = Path(settings.MEDIA_ROOT)
    assert Image.open(media / webp_name(photo.large.name, 1200)).width == 640


def test_the_migration_makes_copies_for_photos_stored_before() -> None:
    from importlib import import_module

    from django.apps import apps

    product = make_product(shop=make_shop())
    photo = product_image_add(product=product, upload=io.BytesIO(make_photo_bytes()))
    media = Path(settings.MEDIA_ROOT)
    for path in media.rglob("*.webp"):
        path.unlink()
    migration = import_module("weishang.catalog.migrations.0003_photo_webp_copies")
    migration.add_webp_copies(apps, None)
    assert (media / webp_name(photo.card.name, 300)).exists()
    assert (media / webp_name(photo.large.name, 800)).exists()
