from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import default_task_backend

from tests.factories import make_order, make_variant
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.orders.services import order_expire, orders_expire_due
from weishang.orders.tasks import order_expire_unpaid, order_notify_seller

pytestmark = pytest.mark.django_db


def backdate(order: Order, minutes: int) -> None:
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=minutes))


def test_an_unpaid_order_expires_after_its_window_and_releases_its_stock() -> None:
    variant = make_variant(stock=3)
    order = make_order(variant=variant, quantity=2)
    backdate(order, 1)

    assert order_expire(order_id=order.pk) is True

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert variant.stock == 3
    assert order.events.last().action == "expire"  # type: ignore[union-attr]


def test_an_order_inside_its_window_or_already_paid_does_not_expire() -> None:
    fresh = make_order()
    cod = make_order(payment_method=PaymentMethod.CASH_ON_DELIVERY)

    assert order_expire(order_id=fresh.pk) is False
    assert order_expire(order_id=cod.pk) is False
    assert orders_expire_due() == 0


def test_the_window_is_configurable(settings: object) -> None:
    settings.ORDER_PAYMENT_WINDOW_MINUTES = 5  # type: ignore[attr-defined]

    order = make_order()

    assert order.expires_at is not None
    assert timedelta(minutes=4) < order.expires_at - timezone.now() <= timedelta(minutes=5)


@pytest.mark.django_db(transaction=True)
def test_placing_an_order_enqueues_the_seller_mail_and_the_expiry() -> None:
    default_task_backend.clear()  # type: ignore[attr-defined]
    order = make_order()

    results = default_task_backend.results  # type: ignore[attr-defined]
    enqueued = {(r.task.name, r.args[0]) for r in results}
    assert enqueued == {(order_notify_seller.name, order.pk), (order_expire_unpaid.name, order.pk)}
    expiry = next(r for r in results if r.task.name == order_expire_unpaid.name)
    assert expiry.task.run_after == order.expires_at


@pytest.mark.django_db(transaction=True)
def test_the_worker_expires_due_orders_and_mails_the_seller(settings: object) -> None:
    # Given the real database task backend and an order whose window has passed
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    variant = make_variant(stock=2)
    order = make_order(variant=variant, quantity=2)
    backdate(order, 1)
    order_expire_unpaid.using(run_after=timezone.now() - timedelta(seconds=1)).enqueue(order.pk)

    # When the worker runs what is due
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    # Then the order expired, its stock came back, and the seller got the new-order mail
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert variant.stock == 2
    assert [m.to for m in mail.outbox] == [[order.shop.owner.email]]
    assert order.reference in mail.outbox[0].subject
