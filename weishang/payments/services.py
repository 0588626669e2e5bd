"""Payments: a seller confirms a manual transfer arrived, or gives money back.

Manual transfer means the buyer pays the seller's own collection QR code; the platform never
touches the money, so "payment" here is the seller's confirmation, recorded with who and when.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from weishang.accounts.models import User
from weishang.orders.lifecycle import RefundUnits, order_change
from weishang.orders.locks import order_for_update
from weishang.orders.models import Order
from weishang.shops.models import Shop

from .models import Refund, RefundLine


def payment_confirm(*, shop: Shop, order_id: int, actor: User) -> Order:
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order_change(order, "confirm_payment", actor=actor)
    return order


def refund_create(
    *,
    shop: Shop,
    order_id: int,
    actor: User,
    quantities: Mapping[int, int] | None = None,
    restock: bool = True,
    reason: str = "",
) -> Refund:
    """Refund a paid order in full (``quantities=None``) or some units of some lines.

    Goods that never left the seller always go back into stock; after shipping they go back only
    when ``restock`` says the buyer returned them. Refunding every remaining unit closes the order
    as ``refunded``. The order, its lines and the stock change through ``order_change``; this
    keeps the record of the refund.
    """
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        if quantities is None:
            quantities = {
                line.pk: line.quantity - line.refunded_quantity for line in order.lines.all()
            }
        units = RefundUnits({int(pk): int(q) for pk, q in quantities.items()}, restock=restock)
        event = order_change(order, "refund", actor=actor, note=reason, refund=units)
        refund = Refund.objects.create(
            order=order,
            amount_minor=event.amount_minor,
            currency=order.currency,
            reason=reason[:300],
            created_by=actor,
        )
        restocked = units.restocks(event.from_status)
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, order_line_id=pk, quantity=q, restocked=restocked)
            for pk, q in sorted(units.wanted.items())
        )
    return refund
