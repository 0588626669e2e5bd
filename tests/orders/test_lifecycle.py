from __future__ import annotations

import pytest

from tests.factories import make_order, make_variant
from weishang.orders.errors import OrderError, OrderErrorCode
from weishang.orders.lifecycle import allowed_actions
from weishang.orders.models import OrderStatus, PaymentMethod
from weishang.orders.services import order_cancel, order_complete, order_ship
from weishang.payments.services import payment_confirm, refund_create

pytestmark = pytest.mark.django_db


def test_a_transfer_order_goes_from_payment_to_completion_with_every_step_recorded() -> None:
    order = make_order()
    shop, seller = order.shop, order.shop.owner

    payment_confirm(shop=shop, order_id=order.pk, actor=seller)
    order_ship(
        shop=shop, order_id=order.pk, actor=seller, carrier="顺丰", tracking_number="SF1234567890"
    )
    order_complete(shop=shop, order_id=order.pk, actor=seller)

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert (order.carrier, order.tracking_number) == ("顺丰", "SF1234567890")
    assert order.paid_at and order.shipped_at and order.completed_at
    steps = list(order.events.values_list("action", "from_status", "to_status", "actor"))
    assert steps == [
        ("place", "", "awaiting_payment", None),
        ("confirm_payment", "awaiting_payment", "awaiting_shipment", seller.pk),
        ("ship", "awaiting_shipment", "shipped", seller.pk),
        ("complete", "shipped", "completed", seller.pk),
    ]


def test_an_unpaid_order_cannot_be_shipped_and_nothing_changes() -> None:
    order = make_order()

    with pytest.raises(OrderError) as err:
        order_ship(
            shop=order.shop,
            order_id=order.pk,
            actor=order.shop.owner,
            carrier="EMS",
            tracking_number="1",
        )

    assert err.value.code == OrderErrorCode.INVALID_TRANSITION
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.carrier == "" and order.events.count() == 1


def test_shipping_needs_a_carrier_and_a_tracking_number() -> None:
    order = make_order(payment_method=PaymentMethod.CASH_ON_DELIVERY)

    with pytest.raises(OrderError) as err:
        order_ship(
            shop=order.shop,
            order_id=order.pk,
            actor=order.shop.owner,
            carrier=" ",
            tracking_number="",
        )

    assert err.value.code == OrderErrorCode.MISSING_TRACKING


def test_cancelling_puts_the_stock_back() -> None:
    variant = make_variant(stock=5)
    order = make_order(variant=variant, quantity=3)

    order_cancel(shop=order.shop, order_id=order.pk, actor=order.shop.owner, reason="buyer asked")

    variant.refresh_from_db()
    order.refresh_from_db()
    assert variant.stock == 5
    assert order.status == OrderStatus.CANCELLED and order.closed_at is not None


def test_a_paid_order_is_refunded_not_cancelled() -> None:
    order = make_order()
    payment_confirm(shop=order.shop, order_id=order.pk, actor=order.shop.owner)
    order.refresh_from_db()

    assert allowed_actions(order) == ["ship", "refund"]
    with pytest.raises(OrderError):
        order_cancel(shop=order.shop, order_id=order.pk, actor=order.shop.owner)


def test_cash_on_delivery_is_paid_when_completed() -> None:
    order = make_order(payment_method=PaymentMethod.CASH_ON_DELIVERY)
    shop, seller = order.shop, order.shop.owner

    assert allowed_actions(order) == ["ship", "cancel"]
    order_ship(shop=shop, order_id=order.pk, actor=seller, carrier="EMS", tracking_number="E1")
    order_complete(shop=shop, order_id=order.pk, actor=seller)

    order.refresh_from_db()
    assert order.paid_at == order.completed_at


def test_a_partial_refund_after_shipping_restocks_only_returned_goods() -> None:
    variant = make_variant(stock=10, price_minor=5000)
    order = make_order(variant=variant, quantity=4)
    shop, seller = order.shop, order.shop.owner
    payment_confirm(shop=shop, order_id=order.pk, actor=seller)
    order_ship(shop=shop, order_id=order.pk, actor=seller, carrier="EMS", tracking_number="E1")
    line = order.lines.get()

    refund_create(
        shop=shop, order_id=order.pk, actor=seller, quantities={line.pk: 1}, restock=False
    )
    refund_create(shop=shop, order_id=order.pk, actor=seller, quantities={line.pk: 1}, restock=True)

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.refunded_minor == 10000
    assert variant.stock == 7  # 10 - 4 + 1 returned
    refund_create(shop=shop, order_id=order.pk, actor=seller, restock=False)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_minor == 20000


def test_a_refund_of_more_than_was_bought_is_refused_and_writes_nothing() -> None:
    order = make_order(quantity=2)
    payment_confirm(shop=order.shop, order_id=order.pk, actor=order.shop.owner)
    line = order.lines.get()

    with pytest.raises(OrderError) as err:
        refund_create(
            shop=order.shop, order_id=order.pk, actor=order.shop.owner, quantities={line.pk: 3}
        )

    assert err.value.code == OrderErrorCode.BAD_REFUND
    order.refresh_from_db()
    assert order.refunded_minor == 0 and order.refunds.count() == 0


def test_a_seller_cannot_move_another_shops_order() -> None:
    order = make_order()
    other = make_order()

    with pytest.raises(type(order).DoesNotExist):
        payment_confirm(shop=other.shop, order_id=order.pk, actor=other.shop.owner)
