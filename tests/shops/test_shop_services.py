from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_shop, make_upload, make_user
from weishang.core.images import ImageErrorCode
from weishang.shops.models import Shop
from weishang.shops.services import (
    ShopError,
    ShopErrorCode,
    ShopPhotoRejected,
    shop_create,
    shop_slug_check,
    shop_update,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("ab", ShopErrorCode.SLUG_INVALID),
        ("-tea", ShopErrorCode.SLUG_INVALID),
        ("tea_garden", ShopErrorCode.SLUG_INVALID),
        ("checkout", ShopErrorCode.SLUG_RESERVED),
        ("ADMIN", ShopErrorCode.SLUG_RESERVED),
        ("Taken-Shop", ShopErrorCode.SLUG_TAKEN),
    ],
)
def test_a_shop_address_must_be_well_formed_free_and_not_the_platforms(
    slug: str, code: ShopErrorCode
) -> None:
    make_shop(slug="taken-shop")

    with pytest.raises(ShopError) as error:
        shop_slug_check(slug)

    assert error.value.code == code


def test_an_address_is_lowercased_and_a_shop_may_keep_its_own() -> None:
    shop = make_shop(slug="tea-garden")

    assert shop_slug_check(" Tea-Garden ", exclude_shop_id=shop.pk) == "tea-garden"
    assert shop_slug_check("Tofu-2") == "tofu-2"


def test_shop_create_reencodes_the_logo_without_metadata() -> None:
    owner = make_user()

    shop = shop_create(owner=owner, name=" 茶园 ", slug="tea", logo=make_upload(gps=True))

    assert (shop.name, shop.slug, shop.currency) == ("茶园", "tea", "CNY")
    assert shop.logo.name.startswith("shops/logos/") and shop.logo.name.endswith("-logo.jpg")
    assert b"Exif" not in shop.logo.read()


def test_a_rejected_qr_code_says_which_photo_it_was_and_writes_nothing() -> None:
    with pytest.raises(ShopPhotoRejected) as error:
        shop_create(
            owner=make_user(),
            name="茶园",
            slug="tea",
            logo=make_upload(),
            payment_qr=SimpleUploadedFile("qr.png", b"not a png"),
        )

    assert (error.value.field, error.value.code) == ("payment_qr", ImageErrorCode.NOT_AN_IMAGE)
    assert Shop.objects.count() == 0


def test_shop_update_changes_only_the_fields_given() -> None:
    shop = make_shop(slug="tea", name="Tea", story="old")

    shop_update(shop=shop, story="  new story  ")

    shop.refresh_from_db()
    assert (shop.slug, shop.name, shop.story) == ("tea", "Tea", "new story")


def test_shop_update_refuses_unknown_fields() -> None:
    shop = make_shop()

    with pytest.raises(TypeError):
        shop_update(shop=shop, owner_id=1)  # type: ignore[arg-type]
