from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_order, make_shop, make_user, make_variant
from weishang.accounts.models import User
from weishang.orders.models import Order, PaymentMethod
from weishang.orders.services import order_cancel
from weishang.payments.services import payment_confirm, refund_create
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def test_the_home_page_counts_todays_orders_and_sales_after_refunds(
    shop: Shop, seller: User, client_en: Client
) -> None:
    # Given, today: one unpaid transfer (not a sale yet), one cash-on-delivery order (a sale),
    # one paid order partly refunded, one cancelled order; and a paid order from yesterday.
    variant = make_variant(shop=shop, stock=50, price_minor=2800)
    make_order(variant=variant, quantity=1)  # ¥28 awaiting payment
    make_order(variant=variant, quantity=2, payment_method=PaymentMethod.CASH_ON_DELIVERY)  # ¥56
    paid = make_order(variant=variant, quantity=3)  # ¥84
    payment_confirm(shop=shop, order_id=paid.pk, actor=seller)
    refund_create(shop=shop, order_id=paid.pk, actor=seller, quantities={paid.lines.get().pk: 1})
    cancelled = make_order(variant=variant, quantity=1)
    order_cancel(shop=shop, order_id=cancelled.pk, actor=seller)
    yesterday = make_order(variant=variant, quantity=5)
    payment_confirm(shop=shop, order_id=yesterday.pk, actor=seller)
    Order.objects.filter(pk=yesterday.pk).update(
        created_at=timezone.now() - timedelta(days=1, hours=1)
    )

    response = client_en.get(reverse("dashboard:shop_home", args=[shop.slug]))

    today = response.context["today"]
    assert today.orders == 3  # unpaid, cash on delivery, paid; not the cancelled one
    assert today.revenue_minor == 5600 + 8400 - 2800
    page = response.content.decode()
    assert 'data-test="revenue">CN¥112.00<' in page
    assert 'data-test="orders-today">3<' in page
    assert dict(response.context["status_counts"]) == {
        "awaiting_shipment": 3,
        "awaiting_payment": 1,
        "shipped": 0,
        "completed": 0,
        "refunded": 0,
        "cancelled": 1,
        "expired": 0,
    }
    assert response.context["new_orders"] == 5
    assert "5 new orders you have not opened yet" in page.replace("<b>", "").replace("</b>", "")


def test_status_counts_link_to_the_filtered_order_list(shop: Shop, client_en: Client) -> None:
    make_order(shop=shop)

    page = client_en.get(reverse("dashboard:shop_home", args=[shop.slug])).content.decode()

    assert f'href="/dashboard/{shop.slug}/orders/?status=awaiting_payment"' in page


def test_a_new_shop_home_says_there_are_no_orders_and_offers_the_link(
    shop: Shop, client_en: Client
) -> None:
    response = client_en.get(reverse("dashboard:shop_home", args=[shop.slug]))

    page = response.content.decode()
    assert response.context["today"].orders == 0 and response.context["new_orders"] == 0
    assert "No orders yet" in page
    assert 'data-copy="http://testserver/li-jujubes/"' in page


def test_the_home_page_does_not_count_other_shops_orders(shop: Shop, client_en: Client) -> None:
    make_order(shop=make_shop())

    response = client_en.get(reverse("dashboard:shop_home", args=[shop.slug]))

    assert response.context["today"].orders == 0 and response.context["new_orders"] == 0


def test_dashboard_sends_a_seller_without_a_shop_to_the_wizard(db: None) -> None:
    client = Client()
    client.force_login(make_user())

    response = client.get(reverse("dashboard:home"))

    assert response["Location"] == reverse("dashboard:shop_new")


def test_a_seller_with_several_shops_chooses_one_and_it_is_remembered(seller: User) -> None:
    make_shop(owner=seller, slug="tofu", name="Tofu workshop")
    make_shop(owner=seller, slug="tea", name="Tea garden")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(seller)

    choice = client.get(reverse("dashboard:home"))
    client.get(reverse("dashboard:shop_home", args=["tofu"]))
    remembered = client.get(reverse("dashboard:home"))

    assert choice.status_code == 200
    assert [s.slug for s in choice.context["shops"]] == ["tea", "tofu"]
    assert remembered["Location"] == reverse("dashboard:shop_home", args=["tofu"])


def test_the_badge_counts_only_unseen_orders_of_this_shop(shop: Shop, client_en: Client) -> None:
    make_order(shop=shop)
    make_order(shop=shop)
    make_order(shop=make_shop())

    response = client_en.get(reverse("dashboard:badge", args=[shop.slug]))

    assert response.json() == {"new_orders": 2}


def test_the_home_page_takes_a_fixed_number_of_queries(
    shop: Shop, client_en: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(8):
        make_order(shop=shop)

    with django_assert_max_num_queries(12):
        client_en.get(reverse("dashboard:shop_home", args=[shop.slug]))
