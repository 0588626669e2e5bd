"""The operators' console (Django's admin): every model visible and searchable by staff, nothing
of an order's state or money editable by a form, and its actions going through the services."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import make_order, make_photo, make_product, make_review, make_user
from weishang.accounts.models import User
from weishang.channel.services import channel_open, member_join, offer_set
from weishang.ledger.services import entry_post
from weishang.orders.models import Order, OrderStatus
from weishang.payments.services import payment_confirm
from weishang.sharing.services import share_link_for

pytestmark = pytest.mark.django_db

OUR_APPS = (
    "accounts", "shops", "catalog", "orders", "payments",
    "sharing", "reviews", "channel", "ledger",
)  # fmt: skip


@pytest.fixture
def staff() -> Client:
    operator = User.objects.create_superuser(email="ops@example.com", password="x" * 12)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    return client


def test_every_model_is_in_the_console_and_every_list_answers_a_search(staff: Client) -> None:
    order = make_order()
    make_photo(product=make_product(shop=order.shop))
    payment_confirm(shop=order.shop, order_id=order.pk, actor=order.shop.owner)
    # a row in every new table, so that each detail page is read too
    shop = order.shop
    share_link_for(owner=shop.owner, shop=shop)
    make_review(make_order(shop=shop, phone="+8613912340000"))
    channel = channel_open(shop=shop, actor=shop.owner)
    offer_set(
        channel=channel, actor=shop.owner, product=order.lines.get().variant.product,
        price_min_minor=2800, price_max_minor=2800, seller_rate="0.1",
    )  # fmt: skip
    member_join(channel=channel, user=make_user())
    entry_post(kind="t", currency="CNY", postings={"a": 1, "b": -1})
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert staff.get(url).status_code == 200, url
            assert staff.get(url, {"q": order.reference}).status_code == 200, url
            first = model.objects.first()
            if first is not None:
                detail = reverse(
                    f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                    args=[first.pk],
                )
                assert staff.get(detail).status_code == 200, detail


def test_searching_orders_by_reference_or_phone_finds_them(staff: Client) -> None:
    order = make_order(phone="+8613912345678")
    make_order()
    url = reverse("admin:orders_order_changelist")
    for query in (order.reference, "13912345678"):
        page = staff.get(url, {"q": query}).content.decode()
        assert order.reference in page and "1 result" in page


def test_no_form_in_the_console_changes_an_orders_state_or_money(staff: Client) -> None:
    order = make_order()
    url = reverse("admin:orders_order_change", args=[order.pk])
    answer = staff.post(url, {"status": OrderStatus.REFUNDED, "total_minor": 1})
    assert answer.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.total_minor == 2800
    for name in (
        "orders_order_add",
        "catalog_variant_add",
        "payments_refund_add",
        "channel_channeloffer_add",
        "channel_membership_add",
        "ledger_journalentry_add",
        "ledger_posting_add",
    ):
        assert staff.get(reverse(f"admin:{name}")).status_code == 403, name


def test_console_actions_go_through_the_services_and_are_recorded_with_the_operator(
    staff: Client,
) -> None:
    unpaid, other = make_order(), make_order()
    url = reverse("admin:orders_order_changelist")

    staff.post(url, {"action": "confirm_payment", "_selected_action": [unpaid.pk]})
    answer = staff.post(url, {"action": "complete", "_selected_action": [other.pk]}, follow=True)

    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.AWAITING_SHIPMENT
    event = unpaid.events.last()
    assert event is not None and event.actor is not None and event.actor.is_staff
    # An unpaid transfer order cannot be completed: the service says so, nothing changes
    assert Order.objects.get(pk=other.pk).status == OrderStatus.AWAITING_PAYMENT
    assert "cannot be changed that way" in answer.content.decode()

    staff.post(url, {"action": "refund_in_full", "_selected_action": [unpaid.pk]})
    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.REFUNDED and unpaid.refunds.get().amount.minor == 2800


def test_sellers_are_sent_to_the_throttled_login_not_into_the_console() -> None:
    seller = Client()
    seller.force_login(make_user())
    assert seller.get("/admin/", follow=True).status_code == 403
    assert seller.post("/admin/login/", {"username": "ops@example.com"}).status_code == 403
    anonymous = Client().get("/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0].startswith("/accounts/login/")


def test_an_operator_audits_any_channel(staff: Client) -> None:
    from tests.channel.helpers import buy_from, make_brand, make_reseller, pay

    brand = make_brand()
    pay(buy_from(make_reseller(brand), brand))
    listing = staff.get("/admin/channel/channel/").content.decode()
    assert f"/admin/channel/channel/{brand.channel.pk}/audit/" in listing
    report = staff.get(f"/admin/channel/channel/{brand.channel.pk}/audit/")
    assert report.status_code == 200 and b"<html" in report.content
    assert staff.get("/admin/channel/channel/999999/audit/").status_code == 404
    seller = Client()
    seller.force_login(brand.owner)
    assert seller.get(f"/admin/channel/channel/{brand.channel.pk}/audit/").status_code in (302, 403)
