"""A bounded fuzzer over every page and form: hostile input is a 4xx with a message, never a 500.

It finds the forms the way an attacker would, by reading the pages (every ``<form>`` and its
fields, as a seller and as a guest), then sends each form, and every page's query string, values
drawn from a list of known troublemakers (NUL bytes, 8-character exponents, huge numbers, broken
encodings, undeclared files, bodies that lie about their size) mixed with random text. The seed
is fixed, so a failure is the same failure on every run; ``WEISHANG_FUZZ_REQUESTS`` raises the
count to explore.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterator
from html import unescape

import pytest
from django.test import Client

from tests.factories import make_order, make_photo, make_product, make_shop, make_user
from weishang.orders.models import PaymentMethod

REQUESTS = int(os.environ.get("WEISHANG_FUZZ_REQUESTS", "1500"))

TROUBLE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "9e999990",
    "1e999999",
    "-1e-999999",
    "NaN",
    "Infinity",
    "-0",
    "0x1F",
    "1" * 40,
    "-" + "9" * 30,
    "12.345",
    "１２.５",
    "¥12.50",
    "12,50",
    "1_000",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "💥" * 30,
    "x" * 5000,
    "\ud7ff\ue000",
    "\r\n\r\n",
    "true",
    "[]",
    "{}",
]

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
FIELD = re.compile(r"<(?:input|select|textarea|button)\b([^>]*)>", re.I)


def _forms(html: str, page: str) -> Iterator[tuple[str, str, list[str]]]:
    for attrs, body in FORM.findall(html):
        a = dict(ATTR.findall(attrs))
        action = unescape(a.get("action") or page)
        names = [
            unescape(f["name"])
            for f in (dict(ATTR.findall(field)) for field in FIELD.findall(body))
            if "name" in f
        ]
        yield a.get("method", "get").lower(), action, names


def _value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(TROUBLE)
    if roll < 0.8:
        return str(rng.randint(-(10**12), 10**12))
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 40)))


def _png_header(width: int, height: int) -> bytes:
    """The first bytes of a PNG that claims a size: a decoder must not trust it."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _request(client: Client, rng: random.Random, method: str, url: str, names: list[str]) -> int:
    data: dict[str, object] = {}
    for name in names:
        if rng.random() < 0.8:
            data[name] = _value(rng)
    if rng.random() < 0.2:
        data[_value(rng)[:30] or "x"] = _value(rng)
    if method == "get":
        return client.get(url, data).status_code
    kind = rng.random()
    if kind < 0.55:
        return client.post(url, data).status_code  # multipart, as a browser's form
    if kind < 0.7:
        body = "&".join(f"{k}={v}" for k, v in data.items()).encode("utf-8", "surrogatepass")
        return _raw(client, url, body, "application/x-www-form-urlencoded")
    if kind < 0.78:  # a body that is not valid in the charset it declares
        body = b"name=\xff\xfe\xc3&price=\x80\x81&q=%FF%00"
        return _raw(client, url, body, "application/x-www-form-urlencoded; charset=utf-8")
    if kind < 0.84:  # a charset no codec knows, or one no browser sends a UTF-8 page's form in
        charset = rng.choice(["x-nothing", "gbk", "utf-16", "utf-32", "base64", "rot13", "hex"])
        kind_of_body = rng.choice(["application/x-www-form-urlencoded", "multipart/form-data"])
        return _raw(client, url, b"name=a", f"{kind_of_body}; boundary=b; charset={charset}")
    if kind < 0.9:  # files where none are expected, or a photo that lies about its size
        from django.core.files.uploadedfile import SimpleUploadedFile

        content = rng.choice([_png_header(60_000, 60_000), os.urandom(200), b""])
        data[rng.choice([*names, "photos", "logo", "payment_qr", "file"])] = SimpleUploadedFile(
            "x.png", content, "image/png"
        )
        return client.post(url, data).status_code
    if kind < 0.95:  # a multipart body with a broken boundary
        body = b"--zzz\r\nContent-Disposition: form-data; name=\x00\r\n\r\n"
        return _raw(client, url, body, "multipart/form-data; boundary=zzz")
    return _raw(client, url, b'{"a": 1}', "application/json")


def _raw(client: Client, url: str, body: bytes, content_type: str) -> int:
    """POST bytes exactly as given (the test client would re-encode a str)."""
    return client.generic("POST", url, body, content_type=content_type).status_code


@pytest.mark.django_db
def test_no_form_or_page_answers_500(client: Client) -> None:
    seller = make_user(email="fuzz@example.com")
    shop = make_shop(owner=seller, slug="fuzz-shop", accepts_cash_on_delivery=True)
    product = make_product(shop=shop, variants=2)
    photo = make_photo(product=product)
    order = make_order(shop=shop, variant=product.variants.first())
    paid = make_order(
        shop=shop,
        variant=product.variants.last(),
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        phone="+8613900139000",
    )
    d = f"/dashboard/{shop.slug}"
    pages = [
        "/",
        f"/{shop.slug}/",
        f"/{shop.slug}/p/{product.pk}/",
        f"/{shop.slug}/cart/",
        f"/{shop.slug}/checkout/",
        f"/o/{order.token}/",
        "/o/%00abc/",
        "/accounts/login/",
        "/accounts/signup/",
        "/dashboard/",
        "/dashboard/shop/new/",
        f"{d}/",
        f"{d}/badge/",
        f"{d}/ready/",
        f"{d}/settings/",
        f"{d}/products/",
        f"{d}/products/new/",
        f"{d}/products/{product.pk}/",
        f"{d}/orders/",
        f"{d}/orders/{order.pk}/",
        f"{d}/orders/{paid.pk}/",
        f"{d}/orders/{paid.pk}/refund/",
        f"{d}/customers/",
        f"{d}/customers/{order.customer_id}/",
    ]
    extra_posts = [
        f"{d}/products/{product.pk}/move/",
        f"{d}/products/{product.pk}/photos/",
        f"{d}/products/{product.pk}/photos/{photo.pk}/move/",
        f"{d}/orders/{order.pk}/confirm-payment/",
        f"{d}/orders/{paid.pk}/ship/",
        f"{d}/orders/{paid.pk}/complete/",
        f"{d}/orders/{order.pk}/cancel/",
        f"/{shop.slug}/cart/add/",
        f"/{shop.slug}/cart/update/",
    ]
    guest = Client(raise_request_exception=False)
    owner = Client(raise_request_exception=False)
    owner.force_login(seller)
    # Find every form as the seller and as a guest would see it.
    targets: list[tuple[Client, str, str, list[str]]] = []
    for who in (guest, owner):
        for page in pages:
            response = who.get(page)
            assert response.status_code < 500, page
            targets.append((who, "get", page, ["q", "page", "status", "next", "choose"]))
            html = response.content.decode("utf-8", "replace")
            for method, action, names in _forms(html, page):
                if "logout" in action:
                    continue
                targets.append((who, method, action, names))
        targets += [(who, "post", url, ["variant", "quantity", "direction"]) for url in extra_posts]
    assert len(targets) > 60, "the fuzzer found too few forms to be worth running"

    rng = random.Random(20261206)
    failures: list[str] = []
    started = time.monotonic()
    for n in range(REQUESTS):
        who, method, url, names = rng.choice(targets)
        status = _request(who, rng, method, url, names)
        if status >= 500:
            failures.append(f"{method.upper()} {url} (request {n})")
    assert not failures, f"{len(failures)} answers of 500: {failures[:10]}"
    assert time.monotonic() - started < 240
