"""One write path: every change of an order's state or money goes through ``order_change``, and
what must follow a change is queued in the change's own transaction."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests import server
from tests.factories import make_order, make_variant
from weishang.orders import followups
from weishang.orders.errors import OrderError
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.orders.services import order_place
from weishang.orders.tasks import orders_expire_sweep
from weishang.payments.services import payment_confirm, refund_create

ROOT = Path(__file__).resolve().parents[2]
WRITES = {"status", "refunded_minor", "refunded_quantity", "paid_at", "closed_at"}


def _writes_outside_lifecycle() -> list[str]:
    """Assignments to an order's state or money fields, and events created, anywhere but the
    lifecycle module (the ``Order(...)`` that starts a new order is not a change). The demo is
    left out: it makes its history through the services, then moves that history's clock back."""
    found = []
    for path in (ROOT / "weishang").rglob("*.py"):
        skipped = {"migrations", "audit", "demo"}
        if skipped & set(path.parts) or path.name == "lifecycle.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and leaf.attr in WRITES:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "OrderEvent":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} uses OrderEvent")
            if isinstance(node, ast.keyword) and node.arg in WRITES - {"status"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.arg}=")
    return found


def test_nothing_but_the_lifecycle_writes_an_orders_state_or_money() -> None:
    assert _writes_outside_lifecycle() == []


@pytest.mark.django_db
def test_a_refund_is_recorded_with_its_amount_and_currency_on_the_event_and_the_refund() -> None:
    variant = make_variant(stock=5, price_minor=1250)
    order = make_order(variant=variant, quantity=3)
    payment_confirm(shop=order.shop, order_id=order.pk, actor=order.shop.owner)
    line = order.lines.get()

    refund = refund_create(
        shop=order.shop, order_id=order.pk, actor=order.shop.owner, quantities={line.pk: 1}
    )

    assert (refund.amount.minor, refund.amount.currency) == (1250, "CNY")
    event = order.events.last()
    assert event is not None
    assert (event.action, event.amount_minor) == ("partial_refund", 1250)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_SHIPMENT and order.refunded.minor == 1250
    line.refresh_from_db()
    assert line.currency == "CNY" and line.refunded_quantity == 1


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_that_cannot_be_queued_leaves_no_order_and_no_stock_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variant = make_variant(stock=2)

    def broken(order: Order, action: str) -> None:
        raise RuntimeError("the task table is gone")

    monkeypatch.setattr("weishang.orders.lifecycle.followups_enqueue", broken)
    with pytest.raises(RuntimeError):
        order_place(
            shop=variant.product.shop,
            quantities={variant.pk: 1},
            buyer_name="王",
            buyer_phone="+8613800138000",
            shipping_address="杭州",
            payment_method=PaymentMethod.MANUAL_TRANSFER,
            checkout_key="k-broken",
        )
    variant.refresh_from_db()
    assert Order.objects.count() == 0 and variant.stock == 2
    assert followups  # the module that owns the table


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_right_after_the_commit_still_gets_its_follow_ups_run(
    settings: object, tmp_path: Path
) -> None:
    settings.TASKS = DATABASE_TASKS  # type: ignore[attr-defined]
    variant = make_variant(stock=3)
    # Another process places an order on the same database and is killed (SIGKILL) the moment
    # the order is committed: nothing of it runs after the commit.
    script = textwrap.dedent(
        f"""
        import os, signal, django
        django.setup()
        from weishang.orders.services import order_place
        order = order_place(
            shop=__import__("weishang.shops.models", fromlist=["Shop"]).Shop.objects.get(
                pk={variant.product.shop_id}),
            quantities={{{variant.pk}: 1}}, buyer_name="王", buyer_phone="+8613800138000",
            shipping_address="杭州", payment_method="manual_transfer", checkout_key="k-killed")
        print(order.pk, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="weishang.settings",
        DATABASE_URL=server.test_database_url(),
        WEISHANG_DATA_DIR=str(tmp_path),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    env.pop("WEISHANG_SQLITE_TEST_NAME", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == -9, done.stderr[-2000:]
    order = Order.objects.get(pk=int(done.stdout.split()[0]))

    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == {
        "weishang.orders.tasks.order_notify_seller",
        "weishang.orders.tasks.order_expire_unpaid",
    }
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1 and order.reference in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_the_sweep_releases_an_order_whose_own_expiry_task_was_lost(settings: object) -> None:
    settings.TASKS = DATABASE_TASKS  # type: ignore[attr-defined]
    variant = make_variant(stock=4)
    order = make_order(variant=variant, quantity=3)
    DBTaskResult.objects.all().delete()  # the expiry task (and the mail) are lost
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    orders_expire_sweep.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED and variant.stock == 4


@pytest.mark.django_db
def test_a_change_that_is_refused_writes_nothing() -> None:
    order = make_order()
    with pytest.raises(OrderError), transaction.atomic():
        refund_create(shop=order.shop, order_id=order.pk, actor=order.shop.owner)
    assert order.events.count() == 1
