"""A buyer opens a shared shop link on a phone and buys as a guest; the seller confirms the
transfer and ships; the buyer sees the tracking number. Real server, real browser, 390×844."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import qrcode
from PIL import Image, ImageDraw

from tests.factories import make_user
from tests.server import production_server
from weishang.catalog.models import Product, Variant
from weishang.catalog.services import product_image_add
from weishang.core.images import qr_rendition
from weishang.orders.models import Order, OrderStatus
from weishang.shops.models import Shop

from .conftest import PHONE, seller_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server_process,
    pytest.mark.django_db(transaction=True),
]


def photo(color: tuple[int, int, int]) -> io.BytesIO:
    image = Image.new("RGB", (900, 900), color)
    draw = ImageDraw.Draw(image)
    for i in range(0, 900, 60):
        draw.ellipse((i, 300 + (i % 180), i + 140, 440 + (i % 180)), fill=(150, 30, 25))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def tea_shop() -> tuple[Shop, Variant]:
    seller = make_user(email="farmer@example.com")
    qr = io.BytesIO()
    qrcode.make("weishang-test-pay").save(qr)
    shop = Shop.objects.create(
        owner=seller,
        name="西湖茶园",
        slug="xihu-tea",
        story="我们家在龙井村种茶三代。",
        wechat_id="xihu_tea",
        accepts_cash_on_delivery=True,
    )
    shop.payment_qr.save("qr.png", qr_rendition(qr))
    product = Product.objects.create(shop=shop, name="明前龙井", subtitle="今年头采 · 手工炒制")
    product_image_add(product=product, upload=photo((214, 190, 140)))
    Variant.objects.create(
        product=product, name="50 g", price_minor=12800, currency="CNY", stock=10, position=0
    )
    big = Variant.objects.create(
        product=product,
        name="250 g 礼盒",
        price_minor=56800,
        currency="CNY",
        stock=10,
        position=1,
    )
    return shop, big


def test_a_guest_buys_through_a_shared_link_and_the_seller_confirms_and_ships(
    tmp_path: Path, browser: Any, screenshots: Path
) -> None:
    shop, variant = tea_shop()
    with production_server(tmp_path) as base:
        buyer = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
        page = buyer.new_page()

        # The buyer opens the shared shop link and the product
        page.goto(f"{base}/{shop.slug}/")
        page.screenshot(path=screenshots / "e2e-1-shop.png")
        with page.expect_navigation():
            page.click(f"a[href='/{shop.slug}/p/{variant.product_id}/']")
        page.check(f"input[name=variant][value='{variant.pk}']", force=True)
        page.screenshot(path=screenshots / "e2e-2-product.png")
        with page.expect_navigation():
            page.click("button[name=buy_now]")

        # …and checks out as a guest, paying by the seller's collection code
        page.wait_for_selector("input[name=phone]")
        page.fill("input[name=name]", "王小明")
        page.fill("input[name=phone]", "138 0013 8000")
        page.fill("textarea[name=address]", "浙江省杭州市西湖区龙井路 1 号")
        page.check("input[name=payment_method][value=manual_transfer]", force=True)
        page.screenshot(path=screenshots / "e2e-3-checkout.png", full_page=True)
        page.click("form button[type=submit]:not([name])")
        page.wait_for_url(re.compile(r".*/o/[\w-]+/$"))
        order = Order.objects.get()
        assert order.reference in page.content()
        assert "568.00" in page.content()
        page.screenshot(path=screenshots / "e2e-4-order-awaiting-payment.png", full_page=True)

        # The seller logs in on their phone, confirms the transfer and ships
        seller = browser.new_context(
            viewport=PHONE, locale="zh-CN", device_scale_factor=2
        ).new_page()
        seller.on("dialog", lambda dialog: dialog.accept())
        seller_login(seller, base)
        seller.goto(f"{base}/dashboard/{shop.slug}/orders/{order.pk}/")
        seller.screenshot(path=screenshots / "e2e-5-seller-order.png", full_page=True)
        with seller.expect_navigation():
            seller.click(f"form[action$='/orders/{order.pk}/confirm-payment/'] button")
        seller.wait_for_selector("input[name=tracking_number]")
        seller.fill("input[name=carrier]", "顺丰速运")
        seller.fill("input[name=tracking_number]", "SF1402837465")
        with seller.expect_navigation():
            seller.click(f"form[action$='/orders/{order.pk}/ship/'] button[type=submit]")
        seller.screenshot(path=screenshots / "e2e-6-seller-shipped.png", full_page=True)

        # The buyer's order page now shows the parcel
        page.reload()
        assert "SF1402837465" in page.content()
        page.screenshot(path=screenshots / "e2e-7-order-shipped.png", full_page=True)
        buyer.close()

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert (order.carrier, order.tracking_number, order.total_minor) == (
        "顺丰速运",
        "SF1402837465",
        56800,
    )
    assert order.buyer_phone == "+8613800138000"
    assert variant.stock == 9
    assert list(order.events.values_list("action", flat=True)) == [
        "place",
        "confirm_payment",
        "ship",
    ]
