"""The order lifecycle: one table of what may follow what, and one function that moves an order.

    awaiting_payment ──confirm_payment──▶ awaiting_shipment ──ship──▶ shipped ──complete──▶ completed
          │  └──expire──▶ expired              │ (cash on delivery starts here, unpaid)
          └──cancel──▶ cancelled ◀──cancel─────┘ (only while unpaid)
    awaiting_shipment (paid), shipped, completed ──refund (in full)──▶ refunded

Every move is checked against the table and recorded as an ``OrderEvent`` with who did it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.accounts.models import User

from .errors import OrderError, OrderErrorCode
from .models import Order, OrderEvent
from .models import OrderStatus as S

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "confirm_payment": (frozenset({S.AWAITING_PAYMENT}), S.AWAITING_SHIPMENT),
    "ship": (frozenset({S.AWAITING_SHIPMENT}), S.SHIPPED),
    "complete": (frozenset({S.SHIPPED}), S.COMPLETED),
    "cancel": (frozenset({S.AWAITING_PAYMENT, S.AWAITING_SHIPMENT}), S.CANCELLED),
    "expire": (frozenset({S.AWAITING_PAYMENT}), S.EXPIRED),
    "refund": (frozenset({S.AWAITING_SHIPMENT, S.SHIPPED, S.COMPLETED}), S.REFUNDED),
}

# Statuses in which the goods are still with the seller: cancelling or refunding puts them back.
GOODS_WITH_SELLER = frozenset({S.AWAITING_PAYMENT, S.AWAITING_SHIPMENT})
OPEN_STATUSES = frozenset({S.AWAITING_PAYMENT, S.AWAITING_SHIPMENT, S.SHIPPED})


def allowed_actions(order: Order) -> list[str]:
    """What a seller may do with this order now, in the order the buttons show."""
    actions = [name for name, (sources, _to) in TRANSITIONS.items() if order.status in sources]
    if order.is_paid and "cancel" in actions:
        actions.remove("cancel")  # a paid order is refunded, not cancelled
    if not order.is_paid and "refund" in actions:
        actions.remove("refund")
    if "expire" in actions:
        actions.remove("expire")  # the system's move, not the seller's
    return actions


def order_transition(
    order: Order, *, action: str, actor: User | None, note: str = "", to_status: str | None = None
) -> OrderEvent:
    """Move a locked order by ``action``; the caller holds the transaction and the row lock."""
    sources, target = TRANSITIONS[action]
    if order.status not in sources or (action == "cancel" and order.is_paid):
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            _("This order is %(status)s; it cannot be changed that way.")
            % {"status": order.get_status_display()},
        )
    from_status = order.status
    order.status = to_status or target
    now = timezone.now()
    stamp = {"confirm_payment": "paid_at", "ship": "shipped_at", "complete": "completed_at"}
    if action in stamp:
        setattr(order, stamp[action], now)
    if action in {"cancel", "expire", "refund"}:
        order.closed_at = now
    if action == "complete" and order.paid_at is None:
        order.paid_at = now  # cash on delivery: the money arrived with the goods
    order.save()
    return OrderEvent.objects.create(
        order=order,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=order.status,
        note=note,
    )
