from __future__ import annotations

import pytest

from tests.factories import make_order, make_shop, make_variant
from weishang.catalog.models import Variant
from weishang.orders.errors import OrderError, OrderErrorCode
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.orders.services import order_place

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
