from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import make_photo_bytes, make_shop, make_upload, make_user
from weishang.accounts.models import User
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db

NEW = reverse("dashboard:shop_new")


@pytest.fixture
def newcomer(db: None) -> tuple[Client, User]:
    user = make_user(phone="+8613800138000")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client, user


def form(**data: object) -> dict[str, object]:
    return {
        "name": "李家红枣",
        "slug": "li-jujubes",
        "story": "Three generations of jujube growers in Cangzhou.",
        "wechat_id": "li_jujube",
        "phone": "138 0013 8000",
        "currency": "CNY",
        "accepts_cash_on_delivery": "on",
        "notify_email": "orders@example.com",
    } | data


def field_codes(response, field: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["code"] for e in response.context["form"].errors.get_json_data().get(field, [])]


def test_opening_a_shop_stores_every_setting_and_shows_the_link_to_share(
    newcomer: tuple[Client, User],
) -> None:
    client, user = newcomer

    response = client.post(
        NEW,
        form(
            slug="Li-Jujubes",
            logo=make_upload(name="logo.jpg", gps=True),
            payment_qr=make_upload(name="qr.png", content=make_photo_bytes(fmt="PNG")),
        ),
    )

    shop = Shop.objects.get()
    assert response["Location"] == reverse("dashboard:shop_ready", args=["li-jujubes"])
    assert (shop.owner, shop.name, shop.slug, shop.currency) == (
        user,
        "李家红枣",
        "li-jujubes",
        "CNY",
    )
    assert (shop.phone, shop.wechat_id, shop.notify_email) == (
        "+8613800138000",
        "li_jujube",
        "orders@example.com",
    )
    assert shop.accepts_cash_on_delivery is True
    with Image.open(shop.logo.path) as logo:
        assert (logo.format, logo.size) == ("JPEG", (320, 320))
        assert not logo.getexif() and "exif" not in logo.info
    with Image.open(shop.payment_qr.path) as qr:
        assert qr.format == "PNG" and not qr.getexif()
    ready = client.get(response["Location"]).content.decode()
    assert 'data-test="shop-url">http://testserver/li-jujubes/<' in ready
    assert 'data-copy="http://testserver/li-jujubes/"' in ready


def test_the_wizard_needs_only_a_name_and_an_address(newcomer: tuple[Client, User]) -> None:
    client, _user = newcomer

    response = client.post(NEW, {"name": "豆腐坊", "slug": "tofu", "currency": "CNY"})

    assert response.status_code == 302
    shop = Shop.objects.get()
    assert (shop.slug, shop.logo.name, shop.payment_qr.name, shop.accepts_cash_on_delivery) == (
        "tofu",
        "",
        "",
        False,
    )


@pytest.mark.parametrize(
    ("data", "field", "code", "message"),
    [
        ({"name": ""}, "name", "required", "Give your shop a name."),
        ({"name": "店" * 61}, "name", "max_length", "Ensure this value has at most 60 characters"),
        ({"slug": ""}, "slug", "required", "Choose an address for your shop link."),
        ({"slug": "a"}, "slug", "invalid_slug", "Use 3–40 lowercase letters, digits or hyphens"),
        ({"slug": "李家"}, "slug", "invalid_slug", "Use 3–40 lowercase letters, digits or hyphens"),
        (
            {"slug": "dashboard"},
            "slug",
            "slug_reserved",
            "“dashboard” is reserved for the platform.",
        ),
        ({"slug": "Admin"}, "slug", "slug_reserved", "“admin” is reserved for the platform."),
        ({"slug": "x" * 41}, "slug", "max_length", None),
        ({"story": "故" * 2001}, "story", "max_length", None),
        (
            {"phone": "12345"},
            "phone",
            "invalid_phone",
            "Enter a valid phone number, like 138 0013 8000.",
        ),
        (
            {"notify_email": "nope"},
            "notify_email",
            "invalid",
            "Enter a valid e-mail address, like name@example.com.",
        ),
        ({"currency": "XXX"}, "currency", "invalid_choice", None),
        ({"wechat_id": "w" * 41}, "wechat_id", "max_length", None),
    ],
)
def test_the_wizard_rejects_bad_input_with_a_clear_message_and_writes_nothing(
    newcomer: tuple[Client, User], data: dict[str, str], field: str, code: str, message: str | None
) -> None:
    client, _user = newcomer

    response = client.post(NEW, form(**data))

    assert response.status_code == 200
    assert field_codes(response, field) == [code]
    if message:
        assert message in response.content.decode()
    assert Shop.objects.count() == 0


def test_an_address_taken_by_another_shop_in_any_case_is_refused(
    newcomer: tuple[Client, User],
) -> None:
    client, _user = newcomer
    make_shop(slug="li-jujubes")

    response = client.post(NEW, form(slug="LI-JUJUBES"))

    assert field_codes(response, "slug") == ["slug_taken"]
    assert (
        "The address “li-jujubes” is already taken. Please choose another."
        in response.content.decode()
    )
    assert Shop.objects.count() == 1


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (
            SimpleUploadedFile("logo.jpg", b"<script>alert(1)</script>", "image/jpeg"),
            "not_an_image",
            "That file is not a photo we can read.",
        ),
        (
            SimpleUploadedFile(
                "logo.gif",
                b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
                "image/gif",
            ),
            "unsupported_format",
            "Please upload a JPEG, PNG or WebP photo.",
        ),
        (
            SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024), "image/jpeg"),
            "too_large",
            "The photo is larger than 10 MB.",
        ),
    ],
)
@pytest.mark.parametrize("field", ["logo", "payment_qr"])
def test_a_logo_or_qr_code_that_is_not_a_usable_photo_is_refused_and_nothing_is_written(
    newcomer: tuple[Client, User], field: str, upload: SimpleUploadedFile, code: str, message: str
) -> None:
    client, _user = newcomer
    upload.seek(0)

    response = client.post(NEW, form(**{field: upload}))

    assert response.status_code == 200
    assert field_codes(response, field) == [code]
    assert message in response.content.decode()
    assert Shop.objects.count() == 0


def test_settings_change_the_shop_and_keep_its_photos(
    seller: User, shop: Shop, client_en: Client
) -> None:
    url = reverse("dashboard:shop_settings", args=[shop.slug])
    page = client_en.get(url)
    assert page.context["form"]["name"].value() == "Li's Jujubes"

    response = client_en.post(
        url, form(slug="li-farm", name="Li Farm", currency="HKD", accepts_cash_on_delivery="")
    )

    shop.refresh_from_db()
    assert response["Location"] == reverse("dashboard:shop_settings", args=["li-farm"])
    assert (shop.slug, shop.name, shop.currency, shop.accepts_cash_on_delivery) == (
        "li-farm",
        "Li Farm",
        "HKD",
        False,
    )
    assert shop.payment_qr.name == "shops/payment-qr/test.png"


def test_settings_keep_the_shops_own_address_and_refuse_another_shops(
    seller: User, shop: Shop, client_en: Client
) -> None:
    make_shop(slug="tofu")
    url = reverse("dashboard:shop_settings", args=[shop.slug])

    same = client_en.post(url, form(slug="li-jujubes"))
    taken = client_en.post(url, form(slug="Tofu", name="changed"))

    assert same.status_code == 302
    assert field_codes(taken, "slug") == ["slug_taken"]
    shop.refresh_from_db()
    assert (shop.slug, shop.name) == ("li-jujubes", "李家红枣")


def test_removing_the_payment_qr_code_in_settings(
    seller: User, shop: Shop, client_en: Client
) -> None:
    url = reverse("dashboard:shop_settings", args=[shop.slug])

    client_en.post(url, form(remove_payment_qr="1"))

    shop.refresh_from_db()
    assert shop.payment_qr.name == "" and shop.accepts_manual_transfer is False


def test_the_wizard_asks_to_log_in_first(db: None) -> None:
    response = Client().get(NEW)

    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def test_the_settings_page_reads_in_chinese_by_default(seller: User, shop: Shop) -> None:
    client = Client()
    client.force_login(seller)

    page = client.get(reverse("dashboard:shop_settings", args=[shop.slug])).content.decode()

    assert "店铺设置" in page
