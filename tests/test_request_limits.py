"""What one request may cost is bounded before it is parsed, and bad input is a clear 4xx."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from django.test import Client
from PIL import Image

from tests.factories import make_order, make_shop, make_user
from weishang.core.images import ImageRejected, image_open_checked

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_an_address_or_a_query_is_a_400() -> None:
    order = make_order()
    seller = order.shop.owner
    client = Client()
    client.force_login(seller)
    assert client.get("/o/%00" + order.token[1:] + "/").status_code == 400
    answer = client.get(f"/dashboard/{order.shop.slug}/customers/", {"q": "王\x00"})
    assert answer.status_code == 400


def test_a_form_value_with_a_nul_character_is_a_400() -> None:
    shop = make_shop()
    answer = Client().post(
        f"/{shop.slug}/cart/add/",
        b"variant=1%00&quantity=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 400


def test_a_body_in_an_unknown_charset_is_a_415_and_broken_utf8_is_no_error() -> None:
    shop = make_shop()
    client = Client()
    unknown = client.generic(
        "POST",
        f"/{shop.slug}/cart/add/",
        b"variant=1",
        content_type="application/x-www-form-urlencoded; charset=x-nothing",
    )
    assert unknown.status_code == 415
    for charset in ("gbk", "utf-16", "base64", "rot13", "idna"):
        other = client.generic(
            "POST",
            f"/{shop.slug}/cart/add/",
            b"variant=1",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert other.status_code == 415, charset
        multipart = client.generic(
            "POST",
            f"/{shop.slug}/cart/add/",
            b"--b\r\n\r\n",
            content_type=f"multipart/form-data; boundary=b; charset={charset}",
        )
        assert multipart.status_code == 415, charset
    broken = client.generic(
        "POST",
        f"/{shop.slug}/cart/add/",
        b"variant=\xff\xfe&quantity=\x80",
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    assert broken.status_code < 500


def test_a_guest_may_not_send_files_and_a_seller_only_as_many_as_nine_photos(
    settings: object,
) -> None:
    shop = make_shop()
    big = b"x" * (300 * 1024)
    guest = Client().post(f"/{shop.slug}/cart/add/", {"variant": "1", "file": io.BytesIO(big)})
    assert guest.status_code == 413
    signed_in = Client()
    signed_in.force_login(make_user())
    elsewhere = signed_in.post(f"/{shop.slug}/share/", {"text": "x", "file": io.BytesIO(big)})
    assert elsewhere.status_code == 413  # large bodies only on the seller's pages
    seller = Client()
    seller.force_login(make_user())
    answer = seller.post("/dashboard/shop/new/", {"name": "x", "logo": io.BytesIO(big)})
    assert answer.status_code != 413
    settings.REQUEST_UPLOAD_MAX_BYTES = 100 * 1024  # type: ignore[attr-defined]
    answer = seller.post("/dashboard/shop/new/", {"name": "x", "logo": io.BytesIO(big)})
    assert answer.status_code == 413


def test_login_next_that_is_not_a_path_on_this_site_goes_to_the_dashboard() -> None:
    client = Client()
    client.force_login(make_user())
    for target in ("9e999990", "NaN", "https://evil.example/", "//evil.example/"):
        answer = client.get("/accounts/login/", {"next": target})
        assert answer.status_code == 302
        assert answer["Location"] == "/dashboard/"


def _png_claiming(width: int, height: int) -> bytes:
    """A small file whose header claims a huge picture: a decompression bomb's shape."""
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_lossless_image_past_12_megapixels_is_refused_before_it_is_decoded() -> None:
    bomb = _png_claiming(7000, 5800)  # 40.6 MP in ~160 KB
    started = time.perf_counter()
    with pytest.raises(ImageRejected):
        image_open_checked(io.BytesIO(bomb))
    assert time.perf_counter() - started < 0.5


def test_a_forged_header_claiming_billions_of_pixels_is_refused() -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    forged = (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )
    with pytest.raises(ImageRejected):
        image_open_checked(io.BytesIO(forged))


def test_a_48_megapixel_phone_jpeg_is_accepted_and_decoded_at_a_reduced_scale() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 6000), (180, 90, 40)).save(buffer, "JPEG", quality=70)
    image = image_open_checked(io.BytesIO(buffer.getvalue()))
    assert max(image.size) <= 2400
    assert image.size[0] / image.size[1] == pytest.approx(8000 / 6000, rel=0.01)


def test_a_database_that_drops_mid_request_is_a_503_try_again_never_a_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError

    shop = make_shop(accepts_cash_on_delivery=True)

    def dropped(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("weishang.storefront.views.cart_load", dropped)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    answer = client.get(f"/{shop.slug}/checkout/")
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert "Please try again in a moment." in answer.content.decode()


def test_every_page_carries_the_content_security_policy_and_a_photo_keeps_its_own(
    settings: object,
) -> None:
    from pathlib import Path

    shop = make_shop()
    page = Client().get(f"/{shop.slug}/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    photo = Path(settings.MEDIA_ROOT) / "products" / "a.jpg"  # type: ignore[attr-defined]
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff")
    served = Client().get("/media/products/a.jpg")
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_pages_are_gzipped_for_browsers_that_accept_it_and_photos_are_not(settings) -> None:  # type: ignore[no-untyped-def]
    import gzip
    from pathlib import Path

    shop = make_shop()
    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    page = client.get(f"/{shop.slug}/")
    assert page["Content-Encoding"] == "gzip"
    assert shop.name in gzip.decompress(page.content).decode()
    assert "Content-Encoding" not in Client().get(f"/{shop.slug}/")
    photo = Path(settings.MEDIA_ROOT) / "products" / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8" + b"x" * 4000)
    media = client.get("/media/products/a.jpg")
    assert media.status_code == 200 and "Content-Encoding" not in media
