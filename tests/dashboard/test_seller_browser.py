"""A seller's day in a real browser at 390×844: sign up, open a shop, list a product, take an
order through confirm, ship and complete. Screenshots go to ``screenshots/seller/``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_photo_bytes
from weishang.accounts.models import User
from weishang.catalog.models import Product
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.orders.services import order_place
from weishang.shops.models import Shop

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "seller"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True, has_touch=True
        )
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())  # "are you sure?" questions
        yield tab
        browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_seller_opens_a_shop_lists_a_product_and_ships_an_order(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    base = live_server.url

    # Sign up with a phone number.
    page.goto(f"{base}/accounts/signup/")
    page.fill("[name=login]", "138 0013 8000")
    page.fill("[name=display_name]", "李阿姨")
    page.fill("[name=password]", "jujube harvest 2026")
    shot(page, "01-signup")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/shop/new/$"))

    # The shop wizard: a name, an address taken by nobody, a logo, the payment QR code.
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(make_photo_bytes(gps=True))
    page.fill("[name=name]", "李家红枣")
    page.fill("[name=slug]", "li-jujubes")
    page.set_input_files("[name=logo]", str(logo))
    qr = tmp_path / "qr.png"
    qr.write_bytes(make_photo_bytes(fmt="PNG", size=(400, 400)))
    page.set_input_files("[name=payment_qr]", str(qr))
    shot(page, "02-wizard")
    page.click(".sticky-submit button")
    page.wait_for_url(re.compile(r"/dashboard/li-jujubes/ready/$"))
    assert page.inner_text("[data-test=shop-url]") == f"{base}/li-jujubes/"
    shot(page, "03-ready")

    # A product with two variants and a photo.
    page.goto(f"{base}/dashboard/li-jujubes/products/new/")
    page.fill("[name=name]", "沧州金丝小枣")
    page.fill("[name=variants-0-name]", "250 g")
    page.fill("[name=variants-0-price]", "28")
    page.fill("[name=variants-0-stock]", "20")
    page.click("[data-add-variant]")
    page.fill("[name=variants-1-name]", "500 g")
    page.fill("[name=variants-1-price]", "52.5")
    page.fill("[name=variants-1-stock]", "8")
    page.set_input_files("[name=photos]", str(logo))
    page.click(".sticky-submit button")
    page.wait_for_url(re.compile(r"/products/\d+/$"))
    # A second photo, from the product page: it uploads as soon as it is chosen.
    page.set_input_files("form[action$='/photos/'] [name=photos]", str(logo))
    page.wait_for_selector(".photo >> nth=1")
    shot(page, "04-product")
    product = Product.objects.get()
    assert list(product.variants.values_list("name", "price_minor", "stock")) == [
        ("250 g", 2800, 20),
        ("500 g", 5250, 8),
    ]
    assert product.images.count() == 2

    # A buyer orders (the storefront's part, done here through the service).
    shop = Shop.objects.get()
    order = order_place(
        shop=shop,
        quantities={product.variants.first().pk: 2},  # type: ignore[union-attr]
        buyer_name="王小明",
        buyer_phone="+8613900139000",
        shipping_address="浙江省杭州市西湖区龙井路 1 号",
        payment_method=PaymentMethod.MANUAL_TRANSFER,
        checkout_key="browser-order",
    )

    # The seller sees the badge, opens the order, confirms payment, ships, completes.
    page.goto(f"{base}/dashboard/li-jujubes/")
    page.wait_for_selector("[data-new-orders]:not([hidden])")
    assert page.inner_text(".tabbar [data-new-orders]") == "1"
    shot(page, "05-home")
    page.click(".order-card")
    page.wait_for_url(re.compile(rf"/orders/{order.pk}/$"))
    shot(page, "06-order")
    page.click("form[action$='/confirm-payment/'] button")
    page.wait_for_selector(".toast--success")
    page.fill("[name=carrier]", "顺丰速运")
    page.fill("[name=tracking_number]", "SF1234567890")
    page.click("form[action$='/ship/'] button")
    page.wait_for_selector("form[action$='/complete/']")
    shot(page, "07-shipped")
    page.click("form[action$='/complete/'] button")
    page.wait_for_selector(".status-head.tone-green")
    shot(page, "08-completed")

    order.refresh_from_db()
    seller = User.objects.get(phone="+8613800138000")
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.COMPLETED,
        "顺丰速运",
        "SF1234567890",
    )
    assert list(order.events.values_list("action", "actor_id")) == [
        ("place", None),
        ("confirm_payment", seller.pk),
        ("ship", seller.pk),
        ("complete", seller.pk),
    ]
    assert Order.objects.get(pk=order.pk).seen_by_seller is True
    assert os.path.exists(SHOTS / "08-completed.png")
