from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_order, make_product, make_variant
from weishang.accounts.models import User
from weishang.catalog.models import Variant
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.payments.models import Refund
from weishang.payments.services import payment_confirm
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def url(name: str, order: Order) -> str:
    return reverse(f"dashboard:{name}", args=[order.shop.slug, order.pk])


def events(order: Order) -> list[tuple[str, str, int | None]]:
    return list(order.events.values_list("action", "to_status", "actor_id"))


def stock(variant: Variant) -> int:
    variant.refresh_from_db()
    return variant.stock


def paid_order(shop: Shop, seller: User, *, quantity: int = 2, stock: int = 10) -> Order:
    order = make_order(
        variant=make_variant(shop=shop, stock=stock, price_minor=3650), quantity=quantity
    )
    return payment_confirm(shop=shop, order_id=order.pk, actor=seller)


def test_confirming_payment_moves_the_order_to_ship_and_records_the_seller(
    shop: Shop, seller: User, client_en: Client
) -> None:
    order = make_order(shop=shop)

    response = client_en.post(url("order_confirm_payment", order), follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert order.paid_at is not None
    assert events(order) == [
        ("place", "awaiting_payment", None),
        ("confirm_payment", "awaiting_shipment", seller.pk),
    ]
    assert "Payment confirmed. The order is ready to ship." in response.content.decode()


def test_shipping_records_carrier_and_tracking_number(
    shop: Shop, seller: User, client_en: Client
) -> None:
    order = paid_order(shop, seller)

    client_en.post(url("order_ship", order), {"carrier": "顺丰速运", "tracking_number": "SF123"})

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "顺丰速运", "SF123")
    assert order.events.last().note == "顺丰速运 SF123"  # type: ignore[union-attr]
    assert events(order)[-1] == ("ship", "shipped", seller.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"carrier": "", "tracking_number": "SF1"}, "Enter the carrier."),
        ({"carrier": "EMS", "tracking_number": ""}, "Enter the tracking number."),
        ({"carrier": "EMS", "tracking_number": "9" * 41}, "at most 40 characters"),
    ],
)
def test_shipping_without_a_carrier_or_tracking_number_changes_nothing(
    shop: Shop, seller: User, client_en: Client, data: dict[str, str], message: str
) -> None:
    order = paid_order(shop, seller)

    response = client_en.post(url("order_ship", order), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("awaiting_shipment", "", "")


def test_completing_a_shipped_order(shop: Shop, seller: User, client_en: Client) -> None:
    order = paid_order(shop, seller)
    client_en.post(url("order_ship", order), {"carrier": "EMS", "tracking_number": "E1"})

    client_en.post(url("order_complete", order))

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.completed_at is not None
    assert events(order)[-1] == ("complete", "completed", seller.pk)


def test_completing_a_cash_on_delivery_order_records_the_payment(
    shop: Shop, seller: User, client_en: Client
) -> None:
    order = make_order(shop=shop, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    client_en.post(url("order_ship", order), {"carrier": "EMS", "tracking_number": "E1"})

    client_en.post(url("order_complete", order))

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.paid_at is not None


def test_cancelling_an_unpaid_order_puts_its_stock_back(
    shop: Shop, seller: User, client_en: Client
) -> None:
    variant = make_variant(shop=shop, stock=5)
    order = make_order(variant=variant, quantity=3)
    assert stock(variant) == 2

    response = client_en.post(url("order_cancel", order), {"reason": "buyer asked"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.closed_at is not None
    assert stock(variant) == 5
    assert events(order)[-1] == ("cancel", "cancelled", seller.pk)
    assert order.events.last().note == "buyer asked"  # type: ignore[union-attr]
    assert "Order cancelled. Its items are back in stock." in response.content.decode()


def test_an_action_the_lifecycle_forbids_is_a_message_not_a_500(
    shop: Shop, seller: User, client_en: Client
) -> None:
    order = paid_order(shop, seller)  # paid: it is refunded, never cancelled

    response = client_en.post(url("order_cancel", order), follow=True)

    assert response.status_code == 200
    assert "This order is To ship; it cannot be changed that way." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert len(events(order)) == 2


def test_completing_an_unshipped_order_is_refused_with_a_message(
    shop: Shop, client_en: Client
) -> None:
    order = make_order(shop=shop)

    response = client_en.post(url("order_complete", order), follow=True)

    assert (
        "This order is Awaiting payment; it cannot be changed that way."
        in response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_a_full_refund_after_the_goods_came_back_restocks_and_closes_the_order(
    shop: Shop, seller: User, client_en: Client
) -> None:
    order = paid_order(shop, seller, quantity=2, stock=10)
    variant = order.lines.get().variant
    client_en.post(url("order_ship", order), {"carrier": "EMS", "tracking_number": "E1"})

    response = client_en.post(
        url("order_refund", order),
        {"everything": "on", "restock": "on", "reason": "broken"},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_minor == 7300
    assert stock(variant) == 10  # type: ignore[arg-type]
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.created_by_id, refund.reason) == (7300, seller.pk, "broken")
    assert list(refund.lines.values_list("quantity", "restocked")) == [(2, True)]
    assert events(order)[-1] == ("refund", "refunded", seller.pk)
    assert "Refunded CN¥73.00." in response.content.decode()


def test_refunding_one_line_of_a_shipped_order_without_the_goods_back_keeps_stock_as_is(
    shop: Shop, seller: User, client_en: Client
) -> None:
    tea, jujube = (
        make_variant(shop=shop, stock=10, price_minor=1000),
        make_variant(shop=shop, stock=10, price_minor=2500),
    )
    from weishang.orders.services import order_place

    order = order_place(
        shop=shop,
        quantities={tea.pk: 2, jujube.pk: 1},
        buyer_name="王",
        buyer_phone="+8613800138000",
        shipping_address="杭州",
        payment_method=PaymentMethod.MANUAL_TRANSFER,
        checkout_key="two-lines",
    )
    payment_confirm(shop=shop, order_id=order.pk, actor=seller)
    client_en.post(url("order_ship", order), {"carrier": "EMS", "tracking_number": "E1"})
    tea_line = order.lines.get(variant=tea)
    jujube_line = order.lines.get(variant=jujube)

    client_en.post(
        url("order_refund", order), {f"line_{tea_line.pk}": "1", f"line_{jujube_line.pk}": "0"}
    )

    order.refresh_from_db()
    tea_line.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.refunded_minor == 1000
    assert tea_line.refunded_quantity == 1
    assert (stock(tea), stock(jujube)) == (8, 9)
    assert events(order)[-1] == ("partial_refund", "shipped", seller.pk)


def test_refunding_a_paid_order_before_shipping_always_restocks(
    shop: Shop, seller: User, client_en: Client
) -> None:
    order = paid_order(shop, seller, quantity=2, stock=10)
    variant = order.lines.get().variant

    client_en.post(url("order_refund", order), {"everything": "on"})  # no "goods came back" tick

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert stock(variant) == 10  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one item to refund."),
        ({"line": "3"}, "Choose how many of each item to refund, up to what is left."),
        ({"line": "-1"}, "Choose how many of each item to refund, up to what is left."),
        ({"line": "abc"}, "Enter a whole number."),
    ],
)
def test_a_refund_form_with_nothing_sensible_chosen_writes_nothing(
    shop: Shop, seller: User, client_en: Client, data: dict[str, str], message: str
) -> None:
    order = paid_order(shop, seller, quantity=2)
    line = order.lines.get()
    post = {f"line_{line.pk}": data["line"]} if "line" in data else {}

    response = client_en.post(url("order_refund", order), post)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Refund.objects.count() == 0
    order.refresh_from_db()
    assert (order.status, order.refunded_minor) == ("awaiting_shipment", 0)


def test_an_unpaid_order_cannot_be_refunded(shop: Shop, client_en: Client) -> None:
    order = make_order(shop=shop)

    response = client_en.post(url("order_refund", order), {"everything": "on"}, follow=True)

    assert "Only a paid, open or completed order can be refunded." in response.content.decode()
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("setup", "shown", "hidden"),
    [
        (
            "unpaid",
            ["order_confirm_payment", "order_cancel"],
            ["order_ship", "order_refund", "order_complete"],
        ),
        (
            "paid",
            ["order_ship", "order_refund"],
            ["order_confirm_payment", "order_cancel", "order_complete"],
        ),
        ("cod", ["order_ship", "order_cancel"], ["order_confirm_payment", "order_refund"]),
    ],
)
def test_the_order_page_shows_only_the_actions_the_lifecycle_allows(
    shop: Shop, seller: User, client_en: Client, setup: str, shown: list[str], hidden: list[str]
) -> None:
    order = {
        "unpaid": lambda: make_order(shop=shop),
        "paid": lambda: paid_order(shop, seller),
        "cod": lambda: make_order(shop=shop, payment_method=PaymentMethod.CASH_ON_DELIVERY),
    }[setup]()

    page = client_en.get(url("order_detail", order)).content.decode()

    for name in shown:
        assert f'action="{url(name, order)}"' in page or f'href="{url(name, order)}"' in page
    for name in hidden:
        assert url(name, order) not in page


def test_the_order_page_shows_lines_buyer_note_and_the_timeline_with_who(
    shop: Shop, seller: User, client_en: Client
) -> None:
    product = make_product(shop=shop, name="Dried jujubes", price_minor=3650)
    order = make_order(variant=product.variants.get(), quantity=2)
    payment_confirm(shop=shop, order_id=order.pk, actor=seller)

    page = client_en.get(url("order_detail", order)).content.decode()

    assert "Dried jujubes" in page and "250 g" in page and "¥73.00" in page
    assert (
        "王小明" in page
        and "tel:+8613800138000" in page
        and "138 0013 8000" in page
        and "龙井路 1 号" in page
    )
    assert "Transfer by QR code" in page
    assert "Order placed" in page and "Payment confirmed" in page and seller.display_name in page


def test_opening_an_order_marks_it_seen(shop: Shop, client_en: Client) -> None:
    order = make_order(shop=shop)
    make_order(shop=shop)
    badge = reverse("dashboard:badge", args=[shop.slug])
    assert client_en.get(badge).json() == {"new_orders": 2}

    client_en.get(url("order_detail", order))

    order.refresh_from_db()
    assert order.seen_by_seller is True
    assert client_en.get(badge).json() == {"new_orders": 1}


def test_the_order_list_filters_by_status(shop: Shop, seller: User, client_en: Client) -> None:
    unpaid = make_order(shop=shop)
    paid = paid_order(shop, seller)
    base = reverse("dashboard:order_list", args=[shop.slug])

    to_ship = client_en.get(base + "?status=awaiting_shipment").content.decode()
    everything = client_en.get(base).content.decode()
    nonsense = client_en.get(base + "?status=nonsense")

    assert url("order_detail", paid) in to_ship and url("order_detail", unpaid) not in to_ship
    assert url("order_detail", paid) in everything and url("order_detail", unpaid) in everything
    assert nonsense.status_code == 200 and url("order_detail", unpaid) in nonsense.content.decode()


def test_an_empty_order_list_invites_the_seller_to_share_the_shop(
    shop: Shop, client_en: Client
) -> None:
    page = client_en.get(reverse("dashboard:order_list", args=[shop.slug])).content.decode()

    assert "No orders yet" in page
    assert 'data-copy="http://testserver/li-jujubes/"' in page


def test_order_actions_need_the_csrf_token(shop: Shop, seller: User) -> None:
    order = make_order(shop=shop)
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)

    response = client.post(url("order_confirm_payment", order))

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
