"""A seller shares a product from the share panel; a new visitor opens the short link on a phone,
buys, and the seller's sharing page counts the visit and the order. Real server, real browser,
390×844; screenshots of the share panel, the poster and the statistics."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.server import production_server
from weishang.orders.models import Order
from weishang.sharing.models import ShareLink, ShareVisit

from .conftest import PHONE, guest_checkout, seller_login
from .test_buy_and_ship import tea_shop

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server_process,
    pytest.mark.django_db(transaction=True),
]


def test_a_shared_link_brings_a_visit_and_an_order_the_seller_sees(
    tmp_path: Path, browser: Any, screenshots: Path
) -> None:
    shop, variant = tea_shop()
    with production_server(tmp_path) as base:
        # The seller signs in and opens the product's share panel from the product page
        seller = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
        page = seller.new_page()
        seller_login(page, base)
        page.goto(f"{base}/{shop.slug}/p/{variant.product_id}/")
        with page.expect_navigation():
            page.click("a.share-pill")
        page.fill("textarea[name=text]", "今年头采的明前龙井，手工炒制")
        with page.expect_navigation():
            page.click("form button[type=submit]")
        page.locator("img.poster").scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")  # the poster (lazy) and the QR code are in
        page.screenshot(path=screenshots / "share-1-panel.png", full_page=True)
        short_url = page.input_value("#share-url")
        assert re.fullmatch(rf"{re.escape(base)}/s/[a-z2-9]{{10}}", short_url)
        poster_src = page.get_attribute("img.poster", "src")
        poster = page.request.get(base + poster_src)
        assert poster.headers["content-type"] == "image/png"
        (screenshots / "share-2-poster.png").write_bytes(poster.body())
        assert Image.open(io.BytesIO(poster.body())).size == (750, 1334)

        # A new visitor opens the short link on their phone and buys
        visitor = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
        buyer = visitor.new_page()
        buyer.goto(short_url)
        assert buyer.url == f"{base}/{shop.slug}/p/{variant.product_id}/"
        buyer.check(f"input[name=variant][value='{variant.pk}']", force=True)
        with buyer.expect_navigation():
            buyer.click("button[name=buy_now]")
        guest_checkout(buyer)
        assert "推荐人" in buyer.content()
        buyer.screenshot(path=screenshots / "share-3-order-referred.png", full_page=True)

        # The seller's sharing page counts the visit and the order
        page.goto(f"{base}/dashboard/{shop.slug}/sharing/")
        page.screenshot(path=screenshots / "share-4-statistics.png", full_page=True)
        assert "568.00" in page.content()
        visitor.close()
        seller.close()

    link = ShareLink.objects.get()
    order = Order.objects.get()
    assert order.share_link == link and link.text == "今年头采的明前龙井，手工炒制"
    assert ShareVisit.objects.filter(link=link).count() == 1
