"""What must happen after an order moves, queued in the transaction that moves it.

The database task backend writes a task as a row, so a follow-up queued here commits or rolls
back with the change itself: a crash right after the commit cannot lose it, and a change that
fails queues nothing. (Commission accrual and reversal, and webhooks, join this table.)
"""

from __future__ import annotations

from .models import Order


def followups_enqueue(order: Order, action: str) -> None:
    from .tasks import order_expire_unpaid, order_notify_seller

    if action == "place":
        order_notify_seller.enqueue(order.pk)
        if order.expires_at is not None:
            order_expire_unpaid.using(run_after=order.expires_at).enqueue(order.pk)
