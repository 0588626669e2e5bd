from __future__ import annotations

import pytest

from tests.factories import make_order, make_user, make_variant
from weishang.orders.errors import OrderError, OrderErrorCode
from weishang.orders.models import Order, OrderStatus
from weishang.orders.services import order_place, order_ship
from weishang.payments.models import Refund
from weishang.payments.services import payment_confirm, refund_create

pytestmark = pytest.mark.django_db


def two_line_order() -> tuple[Order, int, int]:
    tea = make_variant(stock=10, price_minor=1000)
    shop = tea.product.shop
    jujube = make_variant(shop=shop, stock=10, price_minor=2500)
    order = order_place(
        shop=shop,
        quantities={tea.pk: 2, jujube.pk: 1},
        buyer_name="李华",
        buyer_phone="+8613900139000",
        shipping_address="北京市朝阳区 1 号",
        payment_method="manual_transfer",
        checkout_key="two-lines",
    )
    payment_confirm(shop=shop, order_id=order.pk, actor=shop.owner)
    return order, tea.pk, jujube.pk


def stocks(*variant_ids: int) -> list[int]:
    from weishang.catalog.models import Variant

    return [Variant.objects.get(pk=pk).stock for pk in variant_ids]


def test_two_partial_refunds_that_add_up_to_everything_close_the_order() -> None:
    order, tea, jujube = two_line_order()
    seller = order.shop.owner
    order_ship(
        shop=order.shop, order_id=order.pk, actor=seller, carrier="EMS", tracking_number="E1"
    )
    tea_line, jujube_line = order.lines.order_by("variant_id")

    first = refund_create(
        shop=order.shop, order_id=order.pk, actor=seller, quantities={tea_line.pk: 1}, restock=False
    )
    second = refund_create(
        shop=order.shop,
        order_id=order.pk,
        actor=seller,
        quantities={tea_line.pk: 1, jujube_line.pk: 1},
        restock=True,
    )

    order.refresh_from_db()
    assert (first.amount_minor, second.amount_minor) == (1000, 3500)
    assert (order.status, order.refunded_minor) == (OrderStatus.REFUNDED, 4500)
    assert stocks(tea, jujube) == [9, 10]  # one tea never came back; the rest did
    assert list(order.events.values_list("action", flat=True)) == [
        "place",
        "confirm_payment",
        "ship",
        "partial_refund",
        "refund",
    ]


def test_refunding_more_than_is_left_is_refused_and_writes_nothing() -> None:
    order, tea, _jujube = two_line_order()
    tea_line = order.lines.get(variant_id=tea)

    with pytest.raises(OrderError) as error:
        refund_create(
            shop=order.shop, order_id=order.pk, actor=order.shop.owner, quantities={tea_line.pk: 3}
        )

    assert error.value.code == OrderErrorCode.BAD_REFUND
    assert Refund.objects.count() == 0
    order.refresh_from_db()
    assert order.refunded_minor == 0


def test_another_shop_cannot_refund_an_order() -> None:
    order, _tea, _jujube = two_line_order()
    other = make_order().shop

    with pytest.raises(Order.DoesNotExist):
        refund_create(shop=other, order_id=order.pk, actor=make_user())

    assert Refund.objects.count() == 0
