"""The honest channel end to end, in a real browser at 390×844 against the production server:
a brand opens a channel and offers a product, a reseller joins from the brand's invitation and
lists it, shares it; a consumer buys through the reseller's link; the brand confirms the payment,
ships and completes; the return window passes (the test moves the clock); the commission is
payable, requested and paid out; and the reseller's certificate verifies with the platform's key.
Screenshots of each step."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import make_shop, make_user
from tests.server import production_server
from weishang.catalog.models import Product, Variant
from weishang.channel.certificates import certificate_verify
from weishang.channel.commissions import commissions_release_due
from weishang.channel.models import Commission, Membership, Payout
from weishang.orders.models import Order, OrderStatus

from .conftest import PHONE, guest_checkout, seller_login
from .test_buy_and_ship import tea_shop

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server_process,
    pytest.mark.django_db(transaction=True),
]


def test_a_channel_sale_from_invitation_to_payout(
    tmp_path: Path, browser: Any, screenshots: Path
) -> None:
    shop, _variant = tea_shop()
    tin = Product.objects.create(shop=shop, name="西湖龙井 罐装", subtitle="一罐 100 g")
    Variant.objects.create(
        product=tin, name="100 g", price_minor=12800, currency="CNY", stock=20, position=0
    )
    reseller_user = make_user(email="fang@example.com", phone="+8613611112222")
    reseller_shop = make_shop(owner=reseller_user, slug="fang-shop", name="芳芳的小店")

    def phone_page(**kwargs: Any) -> Any:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", device_scale_factor=2, **kwargs
        )
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    with production_server(tmp_path) as base:
        # The brand opens its channel (CN) and offers the tin at 128-158, 15% to the seller
        brand = phone_page()
        seller_login(brand, base)
        brand.goto(f"{base}/dashboard/{shop.slug}/channel/")
        brand.check("input[name=policy][value=CN]", force=True)
        with brand.expect_navigation():
            brand.click("form[action$='/channel/settings/'] button[type=submit]")
        brand.select_option("select[name=product]", str(tin.pk))
        brand.fill("input[name=price_min]", "128")
        brand.fill("input[name=price_max]", "158")
        brand.fill("input[name=seller_rate]", "15")
        with brand.expect_navigation():
            brand.click("form[action$='/channel/offers/'] button[type=submit]")
        brand.screenshot(path=screenshots / "channel-1-brand.png", full_page=True)
        invitation = brand.inner_text(".share__url").strip()
        assert invitation == f"{base}/{shop.slug}/channel/"

        # The reseller opens the invitation, joins (free), lists the tin at 138
        reseller = phone_page()
        seller_login(reseller, base, login="fang@example.com")
        reseller.goto(invitation)
        assert "免费加入" in reseller.content()
        reseller.screenshot(path=screenshots / "channel-2-invitation.png", full_page=True)
        with reseller.expect_navigation():
            reseller.click("form[action$='/channel/join/'] button[type=submit]")
        assert reseller.url.endswith(f"/dashboard/{reseller_shop.slug}/resale/")
        membership = Membership.objects.get(user=reseller_user)
        offer_form = f"form[action$='/offers/{membership.channel.offers.get().pk}/']"
        reseller.fill(f"{offer_form} input[name$=price]", "138")
        with reseller.expect_navigation():
            reseller.click(f"{offer_form} button[type=submit]:not([name])")
        reseller.screenshot(path=screenshots / "channel-3-reseller-lists.png", full_page=True)

        # ... and shares it from their own shop
        reseller.goto(f"{base}/{reseller_shop.slug}/p/{tin.pk}/")
        assert "¥138.00" in reseller.content()
        with reseller.expect_navigation():
            reseller.click("a.share-pill")
        short_url = reseller.input_value("#share-url")
        assert re.fullmatch(rf"{re.escape(base)}/s/[a-z2-9]{{10}}", short_url)

        # A consumer opens the link and buys
        consumer = phone_page()
        consumer.goto(short_url)
        assert consumer.url == f"{base}/{reseller_shop.slug}/p/{tin.pk}/"
        assert "授权经销商" in consumer.content()
        consumer.screenshot(path=screenshots / "channel-4-product.png", full_page=True)
        with consumer.expect_navigation():
            consumer.click("button[name=buy_now]")
        guest_checkout(consumer)
        assert "销售方" in consumer.content() and "芳芳的小店" in consumer.content()
        consumer.screenshot(path=screenshots / "channel-5-order.png", full_page=True)
        order = Order.objects.get()
        assert (order.shop, order.sold_by, order.total_minor) == (shop, reseller_shop, 13800)

        # The brand confirms the transfer, ships and completes the order
        brand.goto(f"{base}/dashboard/{shop.slug}/orders/{order.pk}/")
        with brand.expect_navigation():
            brand.click(f"form[action$='/orders/{order.pk}/confirm-payment/'] button")
        brand.fill("input[name=carrier]", "顺丰速运")
        brand.fill("input[name=tracking_number]", "SF1402837465")
        with brand.expect_navigation():
            brand.click(f"form[action$='/orders/{order.pk}/ship/'] button[type=submit]")
        with brand.expect_navigation():
            brand.click(f"form[action$='/orders/{order.pk}/complete/'] button")
        assert Order.objects.get().status == OrderStatus.COMPLETED

        # The return window passes (the test moves the sweep's clock 8 days on)
        reseller.goto(f"{base}/dashboard/{reseller_shop.slug}/resale/")
        assert "¥20.70" in reseller.inner_text("[data-test=earned]")
        assert "¥0.00" in reseller.inner_text("[data-test=payable]")
        assert commissions_release_due(now=timezone.now() + timedelta(days=8)) == 1
        reseller.reload()
        assert "¥20.70" in reseller.inner_text("[data-test=payable]")
        with reseller.expect_navigation():
            reseller.click("form[action$='/payout/'] button[type=submit]")
        reseller.screenshot(path=screenshots / "channel-6-reseller-earnings.png", full_page=True)
        payout = Payout.objects.get()
        assert (payout.amount_minor, payout.state) == (2070, "requested")

        # The brand pays it and records the transfer's reference
        brand.goto(f"{base}/dashboard/{shop.slug}/channel/")
        brand.fill(f"#ref-{payout.pk}", "微信转账 4200001234")
        with brand.expect_navigation():
            brand.click(f"form[action$='/payouts/{payout.pk}/paid/'] button[type=submit]")
        reseller.reload()
        assert "¥20.70" in reseller.inner_text(".hero__foot")
        assert "已打款" in reseller.content()

        # Anyone can check the reseller: by phone, then the certificate, offline with the key
        consumer.goto(f"{base}/verify/?q=13611112222")
        with consumer.expect_navigation():
            consumer.click("a.verify-hit")
        assert consumer.get_attribute("[data-status]", "data-status") == "valid"
        consumer.screenshot(path=screenshots / "channel-7-certificate.png", full_page=True)
        code = consumer.url.rstrip("/").rsplit("/", 1)[-1]
        document = consumer.request.get(f"{base}/verify/{code}.json").body()
        key = consumer.request.get(f"{base}/verify/platform-key.pem").body()
        verified = certificate_verify(document, key)
        assert verified.payload["reseller"]["shop"] == reseller_shop.slug
        for page in (brand, reseller, consumer):
            page.context.close()

    commission = Commission.objects.get()
    assert (commission.state, commission.seller_minor) == ("payable", 2070)
    assert Payout.objects.get().reference == "微信转账 4200001234"
