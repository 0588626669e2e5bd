from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import make_order, make_shop, make_variant
from weishang.catalog.models import Variant
from weishang.orders.errors import OrderError, OrderErrorCode
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.orders.services import order_place
from weishang.payments.services import payment_confirm

pytestmark = pytest.mark.django_db


def place(
    variant: Variant, quantity: int, *, key: str = "k1", method: str = PaymentMethod.MANUAL_TRANSFER
) -> Order:
    return order_place(
        shop=variant.product.shop,
        quantities={variant.pk: quantity},
        buyer_name="李华",
        buyer_phone="+8613900139000",
        shipping_address="北京市朝阳区 1 号",
        payment_method=method,
        checkout_key=key,
    )


def test_placing_an_order_reserves_stock_and_totals_the_lines() -> None:
    variant = make_variant(stock=5, price_minor=3650)

    order = place(variant, 2)

    variant.refresh_from_db()
    assert variant.stock == 3
    assert order.total_minor == 7300
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.expires_at is not None
    assert [(line.quantity, line.unit_price_minor) for line in order.lines.all()] == [(2, 3650)]
    assert list(order.events.values_list("action", "to_status")) == [("place", "awaiting_payment")]


def test_cash_on_delivery_orders_wait_for_shipment_and_never_expire() -> None:
    order = make_order(payment_method=PaymentMethod.CASH_ON_DELIVERY)

    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert order.expires_at is None and order.paid_at is None


def test_the_same_checkout_submitted_twice_is_one_order() -> None:
    variant = make_variant(stock=5)

    first = place(variant, 1, key="same")
    second = place(variant, 1, key="same")

    assert first.pk == second.pk
    assert Order.objects.count() == 1
    variant.refresh_from_db()
    assert variant.stock == 4


def test_ordering_more_than_the_stock_is_sold_out_and_writes_nothing() -> None:
    variant = make_variant(stock=2)

    with pytest.raises(OrderError) as err:
        place(variant, 3)

    assert err.value.code == OrderErrorCode.SOLD_OUT
    variant.refresh_from_db()
    assert variant.stock == 2
    assert Order.objects.count() == 0


def test_a_variant_from_another_shop_cannot_be_ordered() -> None:
    variant = make_variant()
    other_shop = make_shop()

    with pytest.raises(OrderError) as err:
        order_place(
            shop=other_shop,
            quantities={variant.pk: 1},
            buyer_name="李华",
            buyer_phone="+8613900139000",
            shipping_address="北京",
            payment_method=PaymentMethod.CASH_ON_DELIVERY,
            checkout_key="x",
        )

    assert err.value.code == OrderErrorCode.UNAVAILABLE
    assert Order.objects.count() == 0


def _place(
    variant: Variant,
    quantity: int,
    *,
    key: str,
    phone: str = "+8613800138000",
    address: str = "杭州",
    **buyer: str,
) -> Order:
    """A guest's transfer order; ``buyer`` overrides the name, note or client address."""
    return order_place(
        shop=variant.product.shop,
        quantities={variant.pk: quantity},
        buyer_phone=phone,
        shipping_address=address,
        payment_method=PaymentMethod.MANUAL_TRANSFER,
        checkout_key=key,
        **{"buyer_name": "王", **buyer},
    )


def test_unpaid_orders_cannot_keep_a_variants_whole_stock(settings: object) -> None:
    variant = make_variant(stock=1000)
    settings.ORDER_UNPAID_MAX_UNITS = 30  # type: ignore[attr-defined]

    with pytest.raises(OrderError) as one_order:
        _place(variant, 31, phone="+8613800000001", address="杭州 龙井路 1 号", key="k1")
    assert one_order.value.code == OrderErrorCode.HOLD_LIMIT

    # One phone: 30 + 30 waiting would pass 50; the second order is refused
    _place(variant, 30, phone="+8613800000002", address="杭州 龙井路 2 号", key="k2")
    with translation.override("en"), pytest.raises(OrderError) as same_phone:
        _place(variant, 30, phone="+8613800000002", address="杭州 龙井路 3 号", key="k3")
    assert same_phone.value.code == OrderErrorCode.HOLD_LIMIT
    assert "You already have 30 items waiting for payment" in same_phone.value.message

    # One address however it is typed: 100 at most across phones
    for n in range(3):
        _place(variant, 30, phone=f"+861380000010{n}", address="上海市 徐汇区 1号", key=f"a{n}")
    with pytest.raises(OrderError) as same_address:
        _place(variant, 30, phone="+8613800000199", address="上海市徐汇区1号", key="a9")
    assert same_address.value.code == OrderErrorCode.HOLD_LIMIT
    variant.refresh_from_db()
    assert variant.stock == 1000 - 30 - 90


def test_a_paid_order_no_longer_counts_against_the_buyers_holds() -> None:
    variant = make_variant(stock=200)
    first = _place(variant, 40, phone="+8613800000003", address="A", key="p1")
    payment_confirm(shop=first.shop, order_id=first.pk, actor=first.shop.owner)

    second = _place(variant, 40, phone="+8613800000003", address="A", key="p2")

    assert second.pk != first.pk


@pytest.mark.parametrize(
    ("details", "check"),
    [
        ({"buyer_name": " "}, "recipient"),
        ({"buyer_name": "王" * 61}, "recipient"),
        ({"address": ""}, "address"),
        ({"address": "路" * 301}, "address"),
        ({"buyer_note": "x" * 301}, "note"),
    ],
)
def test_the_service_refuses_buyer_details_a_form_would_have_refused(
    details: dict[str, str], check: str
) -> None:
    variant = make_variant(stock=3)
    with translation.override("en"), pytest.raises(OrderError) as refused:
        _place(variant, 1, key="k-details", **details)
    assert refused.value.code == OrderErrorCode.BAD_DETAILS
    assert check in refused.value.message
    assert Order.objects.count() == 0


def test_one_client_network_cannot_hold_more_than_its_share_whatever_phones_it_uses(
    settings: object,
) -> None:
    settings.ORDER_UNPAID_MAX_UNITS_PER_CLIENT = 60  # type: ignore[attr-defined]
    variant = make_variant(stock=500)
    for n in range(2):  # one /24, two phones, two addresses
        _place(
            variant,
            30,
            key=f"net-{n}",
            phone=f"+861380000020{n}",
            address=f"杭州 {n} 号",
            client_ip=f"203.0.113.{10 + n}",
        )
    with pytest.raises(OrderError) as refused:
        _place(
            variant,
            1,
            key="net-9",
            phone="+8613800000299",
            address="杭州 9 号",
            client_ip="203.0.113.99",
        )
    assert refused.value.code == OrderErrorCode.HOLD_LIMIT
    other_network = _place(
        variant,
        1,
        key="net-8",
        phone="+8613800000298",
        address="杭州 8 号",
        client_ip="198.51.100.7",
    )
    assert "203.0.113" not in other_network.client_key and len(other_network.client_key) == 32


@pytest.mark.parametrize("name", ["王\u202e小明", "王\x07", "\x1b[31m王"])
def test_invisible_and_control_characters_are_refused_in_the_buyers_details(name: str) -> None:
    variant = make_variant(stock=3)
    with pytest.raises(OrderError) as refused:
        _place(variant, 1, key="k-hidden", buyer_name=name)
    assert refused.value.code == OrderErrorCode.BAD_DETAILS
