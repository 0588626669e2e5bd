from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import make_order, make_photo_bytes, make_product, make_shop, make_upload
from weishang.catalog.models import Product, ProductImage, Variant
from weishang.catalog.services import product_image_add
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def new_url(shop: Shop) -> str:
    return reverse("dashboard:product_new", args=[shop.slug])


def edit_url(product: Product) -> str:
    return reverse("dashboard:product_edit", args=[product.shop.slug, product.pk])


def product_form(*variants: dict[str, Any], initial: int = 0, **data: Any) -> dict[str, Any]:
    variants = variants or ({"name": "250 g", "price": "28", "stock": "20"},)
    post: dict[str, Any] = {
        "name": "沧州金丝小枣",
        "subtitle": "Sun-dried",
        "description": "Picked in October.\n<script>alert(1)</script>",
        "is_published": "on",
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(initial),
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "20",
    }
    for i, variant in enumerate(variants):
        for key, value in variant.items():
            if key == "initial-stock":  # the stock shown when the page was opened
                post[f"initial-variants-{i}-stock"] = value
            else:
                post[f"variants-{i}-{key}"] = value
    return post | data


def nothing_written() -> bool:
    return not (
        Product.objects.exists() or Variant.objects.exists() or ProductImage.objects.exists()
    )


def variant_codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        e["code"]
        for form in response.context["formset"].forms
        for errors in form.errors.get_json_data().values()
        for e in errors
    ]


def stored_files(photo: ProductImage) -> list[Path]:
    return [Path(f.path) for f in (photo.large, photo.card, photo.thumb)]


def test_adding_a_product_with_two_variants_and_photos(shop: Shop, client_en: Client) -> None:
    response = client_en.post(
        new_url(shop),
        product_form(
            {"name": "250 g", "price": "28", "stock": "20"},
            {"name": "500 g 礼盒", "price": "¥52.50", "stock": "0"},
            photos=[
                make_upload(gps=True),
                make_upload(name="b.png", content=make_photo_bytes(fmt="PNG")),
            ],
        ),
    )

    product = Product.objects.get()
    assert response["Location"] == edit_url(product)
    assert (product.shop, product.name, product.subtitle, product.is_published) == (
        shop,
        "沧州金丝小枣",
        "Sun-dried",
        True,
    )
    assert list(product.variants.values_list("name", "price_minor", "stock", "position")) == [
        ("250 g", 2800, 20, 0),
        ("500 g 礼盒", 5250, 0, 1),
    ]
    assert product.images.count() == 2


def test_stored_photos_carry_no_exif_and_no_gps(shop: Shop, client_en: Client) -> None:
    original = make_photo_bytes(gps=True, size=(2000, 1500))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it has GPS

    client_en.post(
        new_url(shop), product_form(photos=[SimpleUploadedFile("gps.jpg", original, "image/jpeg")])
    )

    photo = ProductImage.objects.get()
    for path in stored_files(photo):
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert not image.getexif()
            assert "exif" not in image.info and "icc_profile" not in image.info
            assert b"PhoneMaker" not in path.read_bytes()
    assert (photo.width, photo.height) == (1200, 900)


def test_a_description_is_stored_as_plain_text_and_shown_escaped(
    shop: Shop, client_en: Client
) -> None:
    client_en.post(new_url(shop), product_form())
    product = Product.objects.get()

    page = client_en.get(edit_url(product)).content.decode()

    assert product.description == "Picked in October.\n<script>alert(1)</script>"
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("price", "code", "message"),
    [
        ("0", "bad_price", "The price must be more than zero."),
        ("-5", "bad_price", "The price must be more than zero."),
        ("0.00", "bad_price", "The price must be more than zero."),
        ("12.345", "too_many_decimals", "Prices in CNY have at most 2 decimal places."),
        ("abc", "not_a_number", "Enter the price as a number, like 28 or 28.50."),
        ("NaN", "not_a_number", "Enter the price as a number, like 28 or 28.50."),
        ("100000001", "bad_price", "That price is too high: at most CN¥100,000,000.00."),
        ("", "required", "Enter a price."),
        ("1" * 21, "not_a_number", None),
        ("1" * 30, "max_length", "That is too long for a price."),
        ("9e999990", "not_a_number", "Enter the price as a number, like 28 or 28.50."),
        ("1e999999", "not_a_number", "Enter the price as a number, like 28 or 28.50."),
    ],
)
def test_a_bad_price_is_refused_with_its_reason_and_nothing_is_written(
    shop: Shop, client_en: Client, price: str, code: str, message: str | None
) -> None:
    response = client_en.post(
        new_url(shop), product_form({"name": "250 g", "price": price, "stock": "1"})
    )

    assert response.status_code == 400
    assert variant_codes(response) == [code]
    if message:
        assert message in response.content.decode()
    assert nothing_written()


def test_a_shop_in_yen_takes_no_decimals(client_en: Client, seller) -> None:  # type: ignore[no-untyped-def]
    shop = make_shop(owner=seller, slug="kyoto-tea", currency="JPY")

    bad = client_en.post(
        new_url(shop), product_form({"name": "100 g", "price": "1200.5", "stock": "1"})
    )
    good = client_en.post(
        new_url(shop), product_form({"name": "100 g", "price": "1,200", "stock": "1"})
    )

    assert variant_codes(bad) == ["too_many_decimals"]
    assert "Prices in JPY are whole numbers, without decimals." in bad.content.decode()
    assert good.status_code == 302
    assert Variant.objects.get().price_minor == 1200


@pytest.mark.parametrize(
    ("stock", "code", "message"),
    [
        ("-1", "bad_stock", "Stock cannot be less than zero."),
        ("2.5", "invalid", "Enter stock as a whole number, like 20."),
        ("lots", "invalid", "Enter stock as a whole number, like 20."),
        ("", "required", "Enter how many you have in stock (0 if none)."),
        ("1000001", "bad_stock", "Stock can be at most 1,000,000."),
    ],
)
def test_bad_stock_is_refused_and_nothing_is_written(
    shop: Shop, client_en: Client, stock: str, code: str, message: str
) -> None:
    response = client_en.post(
        new_url(shop), product_form({"name": "250 g", "price": "28", "stock": stock})
    )

    assert variant_codes(response) == [code]
    assert message in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize(
    ("data", "field", "code", "message"),
    [
        ({"name": ""}, "name", "required", "Give the product a name."),
        (
            {"name": "枣" * 81},
            "name",
            "max_length",
            "Ensure this value has at most 80 characters (it has 81).",
        ),
        ({"subtitle": "x" * 121}, "subtitle", "max_length", None),
        ({"description": "x" * 5001}, "description", "max_length", None),
    ],
)
def test_empty_or_oversized_product_fields_are_refused(
    shop: Shop, client_en: Client, data: dict[str, str], field: str, code: str, message: str | None
) -> None:
    response = client_en.post(new_url(shop), product_form(**data))

    assert [e["code"] for e in response.context["form"].errors.get_json_data()[field]] == [code]
    if message:
        assert message in response.content.decode()
    assert nothing_written()


def test_a_variant_without_a_name_is_refused(shop: Shop, client_en: Client) -> None:
    response = client_en.post(
        new_url(shop), product_form({"name": "", "price": "28", "stock": "1"})
    )

    assert variant_codes(response) == ["required"]
    assert "Name the variant, e.g. 500 g." in response.content.decode()
    assert nothing_written()


def test_a_product_needs_at_least_one_variant(shop: Shop, client_en: Client) -> None:
    response = client_en.post(
        new_url(shop), product_form({"name": "250 g", "price": "28", "stock": "1", "DELETE": "on"})
    )

    assert response.status_code == 400
    assert "Add at least one variant with a price and stock." in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (
            lambda: SimpleUploadedFile("a.jpg", b"not an image at all", "image/jpeg"),
            "not_an_image",
            "That file is not a photo we can read.",
        ),
        (
            lambda: SimpleUploadedFile("a.txt", b"%PDF-1.4", "application/pdf"),
            "not_an_image",
            "That file is not a photo we can read.",
        ),
        (
            lambda: SimpleUploadedFile("a.bmp", _bmp(), "image/bmp"),
            "unsupported_format",
            "Please upload a JPEG, PNG or WebP photo.",
        ),
        (
            lambda: SimpleUploadedFile(
                "a.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024), "image/jpeg"
            ),
            "too_large",
            "The photo is larger than 10 MB.",
        ),
    ],
)
def test_a_bad_photo_leaves_no_product_no_variants_and_no_other_photo(
    shop: Shop, client_en: Client, upload: Any, code: str, message: str
) -> None:
    # A good photo first, then the bad one: neither the product nor the good photo may stay.
    response = client_en.post(new_url(shop), product_form(photos=[make_upload(), upload()]))

    assert response.status_code == 400
    assert [e["code"] for e in response.context["form"].errors.get_json_data()["photos"]] == [code]
    assert message in response.content.decode()
    assert nothing_written()


def _bmp() -> bytes:
    return make_photo_bytes(fmt="BMP", size=(10, 10))


def test_editing_changes_prices_removes_and_adds_variants(shop: Shop, client_en: Client) -> None:
    product = make_product(shop=shop, variants=2, price_minor=2800, stock=10)
    small, large = product.variants.all()

    response = client_en.post(
        edit_url(product),
        product_form(
            {
                "id": small.pk,
                "name": "250 g",
                "price": "30.5",
                "stock": "10",
                "initial-stock": "10",
            },
            {
                "id": large.pk,
                "name": "500 g",
                "price": "56",
                "stock": "10",
                "initial-stock": "10",
                "DELETE": "on",
            },
            {"name": "1 kg", "price": "99", "stock": "3"},
            initial=2,
            name="New name",
            is_published="",
        ),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.is_published) == ("New name", False)
    assert list(product.variants.values_list("pk", "name", "price_minor", "stock")) == [
        (small.pk, "250 g", 3050, 10),
        (product.variants.get(name="1 kg").pk, "1 kg", 9900, 3),
    ]
    assert not Variant.objects.filter(pk=large.pk).exists()


def test_saving_a_product_keeps_stock_that_orders_took_meanwhile(
    shop: Shop, client_en: Client
) -> None:
    product = make_product(shop=shop, stock=10)
    variant = product.variants.get()
    form = client_en.get(edit_url(product))  # the seller opens the page: stock 10
    assert 'name="initial-variants-0-stock" value="10"' in form.content.decode()
    make_order(variant=variant, quantity=2)  # a buyer takes 2 before the seller saves

    client_en.post(
        edit_url(product),
        product_form(
            {
                "id": variant.pk,
                "name": "250 g",
                "price": "29",
                "stock": "10",
                "initial-stock": "10",
            },
            initial=1,
        ),
    )

    variant.refresh_from_db()
    assert (variant.price_minor, variant.stock) == (2900, 8)


def test_a_failed_edit_changes_nothing(shop: Shop, client_en: Client) -> None:
    product = make_product(shop=shop, name="Old", stock=10)
    variant = product.variants.get()

    response = client_en.post(
        edit_url(product),
        product_form(
            {"id": variant.pk, "name": "250 g", "price": "-1", "stock": "5"}, initial=1, name="New"
        ),
    )

    assert response.status_code == 400
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.name, variant.price_minor, variant.stock) == ("Old", 2800, 10)


def test_a_variant_id_from_another_product_is_never_adopted(shop: Shop, client_en: Client) -> None:
    product = make_product(shop=shop)
    other = make_product(shop=make_shop(), stock=7).variants.get()

    client_en.post(
        edit_url(product),
        product_form({"id": other.pk, "name": "stolen", "price": "1", "stock": "0"}, initial=1),
    )

    other.refresh_from_db()
    assert (other.name, other.price_minor, other.stock) == ("250 g", 2800, 7)
    assert product.variants.get().name == "stolen"


def test_products_move_up_and_down(shop: Shop, client_en: Client) -> None:
    a, _b, c = (make_product(shop=shop, name=n, position=i) for i, n in enumerate("abc"))

    def move(product: Product, direction: str):  # type: ignore[no-untyped-def]
        url = reverse("dashboard:product_move", args=[shop.slug, product.pk])
        return client_en.post(url, {"direction": direction})

    move(c, "-1")
    move(a, "-1")  # already first: nothing moves

    assert list(shop.products.order_by("position").values_list("name", flat=True)) == [
        "a",
        "c",
        "b",
    ]
    assert move(a, "7").status_code == 404


def test_the_product_list_shows_prices_stock_and_state(shop: Shop, client_en: Client) -> None:
    make_product(
        shop=shop, name="Jujubes", variants=2, price_minor=2800, stock=0, is_published=False
    )

    page = client_en.get(reverse("dashboard:product_list", args=[shop.slug])).content.decode()

    assert "Jujubes" in page and "CN¥28.00–CN¥56.00" in page and "Stock 0" in page
    assert "Hidden" in page and "Sold out" in page


def test_an_empty_product_list_points_to_adding_one(shop: Shop, client_en: Client) -> None:
    page = client_en.get(reverse("dashboard:product_list", args=[shop.slug])).content.decode()

    assert "No products yet" in page and new_url(shop) in page


def test_photos_are_added_reordered_and_deleted(
    shop: Shop, client_en: Client, django_capture_on_commit_callbacks: Any
) -> None:
    product = make_product(shop=shop)
    add = reverse("dashboard:photo_add", args=[shop.slug, product.pk])

    client_en.post(add, {"photos": [make_upload(name="1.jpg"), make_upload(name="2.jpg")]})
    first, second = product.images.all()
    client_en.post(
        reverse("dashboard:photo_move", args=[shop.slug, product.pk, second.pk]),
        {"direction": "-1"},
    )
    assert list(product.images.values_list("pk", flat=True)) == [second.pk, first.pk]
    files = stored_files(first)
    with __import__("django.test", fromlist=["TestCase"]).TestCase.captureOnCommitCallbacks(
        execute=True
    ):
        client_en.post(reverse("dashboard:photo_delete", args=[shop.slug, product.pk, first.pk]))

    assert list(product.images.values_list("pk", flat=True)) == [second.pk]
    assert not any(path.exists() for path in files)


def test_adding_a_bad_photo_to_a_product_adds_none_of_the_batch(
    shop: Shop, client_en: Client
) -> None:
    product = make_product(shop=shop)

    response = client_en.post(
        reverse("dashboard:photo_add", args=[shop.slug, product.pk]),
        {"photos": [make_upload(), SimpleUploadedFile("x.jpg", b"nope", "image/jpeg")]},
        follow=True,
    )

    assert "That file is not a photo we can read." in response.content.decode()
    assert product.images.count() == 0


def test_a_product_has_at_most_nine_photos(shop: Shop, client_en: Client) -> None:
    product = make_product(shop=shop)
    for _ in range(8):
        product_image_add(product=product, upload=make_upload())

    response = client_en.post(
        reverse("dashboard:photo_add", args=[shop.slug, product.pk]),
        {"photos": [make_upload(), make_upload()]},
        follow=True,
    )

    assert "A product can have at most 9 photos." in response.content.decode()
    assert product.images.count() == 8


def test_deleting_a_product_keeps_its_orders(shop: Shop, client_en: Client) -> None:
    product = make_product(shop=shop, name="Jujubes")
    order = make_order(variant=product.variants.get())

    client_en.post(reverse("dashboard:product_delete", args=[shop.slug, product.pk]))

    assert not Product.objects.filter(pk=product.pk).exists()
    line = order.lines.get()
    assert (line.product_name, line.variant_id) == ("Jujubes", None)
