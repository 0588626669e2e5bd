from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import make_order, make_photo, make_shop, make_user, make_variant
from weishang.orders.models import Order, PaymentMethod
from weishang.orders.services import order_cancel, order_ship
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def test_a_transfer_order_shows_the_qr_the_exact_amount_the_reference_and_time_left(
    shop: Shop,
) -> None:
    order = make_order(variant=make_variant(shop=shop, price_minor=3650), quantity=2)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() + timedelta(minutes=29.5))

    response = Client().get(f"/o/{order.token}/")

    assert response.status_code == 200
    assert response.context["minutes_left"] == 30
    html = response.content.decode()
    assert "等待您付款" in html
    assert f'src="{shop.payment_qr.url}"' in html
    assert '<p class="price pay-amount">¥73.00</p>' in html
    assert f'<span class="reference">{order.reference}</span>' in html
    assert "请在 30 分钟内付款" in html


def test_an_order_page_shows_the_steps_done_so_far(shop: Shop) -> None:
    order = make_order(shop=shop)

    steps = Client().get(f"/o/{order.token}/").context["steps"]

    assert [(s.label, s.done, s.current) for s in steps] == [
        ("下单", True, False),
        ("付款", False, True),
        ("发货", False, False),
        ("收货", False, False),
    ]


def test_a_shipped_order_shows_the_carrier_and_tracking_number(shop: Shop) -> None:
    order = make_order(shop=shop, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    order_ship(
        shop=shop, order_id=order.pk, actor=shop.owner, carrier="顺丰", tracking_number="SF1234567"
    )

    response = Client().get(f"/o/{order.token}/")

    html = response.content.decode()
    assert "已发货" in html
    assert "顺丰" in html and '<dd class="tracking">SF1234567</dd>' in html
    assert 'class="qr"' not in html  # nothing left to pay by transfer
    assert [s.label for s in response.context["steps"]] == ["下单", "发货", "收货"]


def test_a_cancelled_order_says_so_and_asks_for_nothing(shop: Shop) -> None:
    order = make_order(shop=shop)
    order_cancel(shop=shop, order_id=order.pk, actor=make_user())

    response = Client().get(f"/o/{order.token}/")

    html = response.content.decode()
    assert "已取消" in html and 'class="order-hero is-closed"' in html
    assert response.context["minutes_left"] is None
    assert 'class="reference"' not in html


def test_the_order_page_speaks_english_to_an_english_browser(shop: Shop) -> None:
    order = make_order(variant=make_variant(shop=shop, price_minor=3650))

    html = Client().get(f"/o/{order.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in html
    assert "Waiting for your transfer" in html
    assert "Write this reference in the transfer note" in html
    assert "¥36.50" in html


def test_order_lines_show_their_product_photo(shop: Shop) -> None:
    variant = make_variant(shop=shop)
    photo = make_photo(product=variant.product)
    order = make_order(variant=variant)

    html = Client().get(f"/o/{order.token}/").content.decode()

    assert f'src="{photo.thumb.url}"' in html


def test_an_unknown_order_link_is_404() -> None:
    make_order(shop=make_shop())

    responses = [Client().get(f"/o/{t}/") for t in ("nope", "x" * 200)]

    assert [r.status_code for r in responses] == [404, 404]
    assert "找不到这笔订单" in responses[0].content.decode()


def test_an_order_past_its_payment_time_says_it_is_about_to_close(shop: Shop) -> None:
    order = make_order(shop=shop)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=5))

    response = Client().get(f"/o/{order.token}/")

    assert response.context["minutes_left"] == 0
    html = response.content.decode()
    assert "付款时间已到，订单即将关闭。" in html
    assert "data-expires-at" not in html  # no countdown, so no reload loop
