from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_product, make_shop, make_upload
from weishang.catalog.models import Product, ProductImage, Variant
from weishang.catalog.services import (
    CatalogError,
    CatalogErrorCode,
    VariantInput,
    product_create,
    product_image_move,
    product_images_add,
    product_move,
    product_update,
)
from weishang.core.images import ImageErrorCode, ImageRejected

pytestmark = pytest.mark.django_db


def test_a_new_product_goes_last_on_the_shop_page() -> None:
    shop = make_shop()
    first = product_create(
        shop=shop, name="A", variants=[VariantInput(name="1", price_minor=100, stock=1)]
    )

    second = product_create(
        shop=shop, name=" B ", variants=[VariantInput(name="1", price_minor=100, stock=1)]
    )

    assert (first.position, second.position, second.name) == (0, 1, "B")


@pytest.mark.parametrize(
    ("variants", "code"),
    [
        ([], CatalogErrorCode.NO_VARIANTS),
        ([VariantInput(name="x", price_minor=0, stock=1)], CatalogErrorCode.BAD_PRICE),
        ([VariantInput(name="x", price_minor=-100, stock=1)], CatalogErrorCode.BAD_PRICE),
        ([VariantInput(name="x", price_minor=10**10 + 1, stock=1)], CatalogErrorCode.BAD_PRICE),
        ([VariantInput(name="x", price_minor=100, stock=-1)], CatalogErrorCode.BAD_STOCK),
        (
            [VariantInput(name=str(i), price_minor=100, stock=1) for i in range(21)],
            CatalogErrorCode.TOO_MANY_VARIANTS,
        ),
    ],
)
def test_product_create_refuses_impossible_variants_and_writes_nothing(
    variants: list[VariantInput], code: CatalogErrorCode
) -> None:
    shop = make_shop()

    with pytest.raises(CatalogError) as error:
        product_create(shop=shop, name="A", variants=variants)

    assert error.value.code == code
    assert not Product.objects.exists() and not Variant.objects.exists()


def test_a_rejected_photo_rolls_back_the_product_its_variants_and_earlier_photos() -> None:
    shop = make_shop()

    with pytest.raises(ImageRejected) as error:
        product_create(
            shop=shop,
            name="A",
            variants=[VariantInput(name="1", price_minor=100, stock=1)],
            photos=[make_upload(), SimpleUploadedFile("x.jpg", b"GIF89a nope")],
        )

    assert error.value.code == ImageErrorCode.NOT_AN_IMAGE
    assert not (
        Product.objects.exists() or Variant.objects.exists() or ProductImage.objects.exists()
    )


def test_product_update_keeps_stock_when_told_to_and_drops_missing_variants() -> None:
    product = make_product(variants=2, stock=10)
    small, large = product.variants.all()
    Variant.objects.filter(pk=small.pk).update(stock=7)  # an order took 3 meanwhile

    product_update(
        product=product,
        name="A",
        variants=[VariantInput(id=small.pk, name="250 g", price_minor=3000, stock=None)],
    )

    small.refresh_from_db()
    assert (small.price_minor, small.stock) == (3000, 7)
    assert not Variant.objects.filter(pk=large.pk).exists()


def test_product_update_refuses_a_variant_of_another_product() -> None:
    product = make_product()
    foreign = make_product().variants.get()

    with pytest.raises(Variant.DoesNotExist):
        product_update(
            product=product,
            name="A",
            variants=[VariantInput(id=foreign.pk, name="x", price_minor=1, stock=0)],
        )

    foreign.refresh_from_db()
    assert foreign.name == "250 g"


def test_moving_products_swaps_neighbours_and_stops_at_the_ends() -> None:
    shop = make_shop()
    a, b, _c = (make_product(shop=shop, name=n, position=i) for i, n in enumerate("abc"))

    assert product_move(product=b, direction=1) is True
    assert product_move(product=a, direction=-1) is False

    assert list(shop.products.order_by("position").values_list("name", flat=True)) == [
        "a",
        "c",
        "b",
    ]


def test_photos_are_added_all_or_none_and_can_be_reordered() -> None:
    product = make_product()
    first, second = product_images_add(product=product, uploads=[make_upload(), make_upload()])

    with pytest.raises(ImageRejected):
        product_images_add(product=product, uploads=[make_upload(), SimpleUploadedFile("x", b"no")])
    product_image_move(photo=second, direction=-1)

    assert list(product.images.values_list("pk", flat=True)) == [second.pk, first.pk]


def test_a_product_has_at_most_nine_photos() -> None:
    product = make_product()

    with pytest.raises(CatalogError) as error:
        product_images_add(product=product, uploads=[make_upload() for _ in range(10)])

    assert error.value.code == CatalogErrorCode.TOO_MANY_PHOTOS
    assert product.images.count() == 0
