"""Background work for orders, run by the worker (``weishang serve`` starts it)."""

from __future__ import annotations

from django_tasks import task

from weishang.channel.commissions import commissions_release_due

from .notifications import order_email_seller
from .services import order_expire, orders_expire_due


@task()
def order_expire_unpaid(order_id: int) -> bool:
    return order_expire(order_id=order_id)


@task()
def orders_expire_sweep() -> int:
    """The periodic sweep: unpaid orders past their window, and channel commissions whose
    return window after delivery has passed (they become payable)."""
    return orders_expire_due() + commissions_release_due()


@task()
def order_notify_seller(order_id: int) -> None:
    order_email_seller(order_id=order_id)
