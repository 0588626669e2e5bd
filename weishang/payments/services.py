"""Payments: a seller confirms a manual transfer arrived, or gives money back.

Manual transfer means the buyer pays the seller's own collection QR code; the platform never
touches the money, so "payment" here is the seller's confirmation, recorded with who and when.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from weishang.accounts.models import User
from weishang.catalog.stock import stock_release
from weishang.orders.errors import OrderError, OrderErrorCode
from weishang.orders.lifecycle import GOODS_WITH_SELLER, order_transition
from weishang.orders.locks import order_for_update
from weishang.orders.models import Order, OrderEvent
from weishang.shops.models import Shop

from .models import Refund, RefundLine


def payment_confirm(*, shop: Shop, order_id: int, actor: User) -> Order:
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order_transition(order, action="confirm_payment", actor=actor)
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
    as ``refunded``.
    """
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        if not order.is_paid or order.status not in {"awaiting_shipment", "shipped", "completed"}:
            raise OrderError(
                OrderErrorCode.BAD_REFUND,
                _("Only a paid, open or completed order can be refunded."),
            )
        lines = {line.pk: line for line in order.lines.all()}
        if quantities is None:
            quantities = {pk: line.quantity - line.refunded_quantity for pk, line in lines.items()}
        wanted = {int(pk): int(q) for pk, q in quantities.items() if int(q) != 0}
        for pk, quantity in wanted.items():
            line = lines.get(pk)
            if line is None or quantity < 0 or quantity > line.quantity - line.refunded_quantity:
                raise OrderError(
                    OrderErrorCode.BAD_REFUND,
                    _("Choose how many of each item to refund, up to what is left."),
                )
        if not wanted:
            raise OrderError(OrderErrorCode.BAD_REFUND, _("Choose at least one item to refund."))
        put_back = restock or order.status in GOODS_WITH_SELLER
        amount = sum(lines[pk].unit_price_minor * q for pk, q in wanted.items())
        amount = min(amount, order.total_minor - order.refunded_minor)
        refund = Refund.objects.create(
            order=order, amount_minor=amount, reason=reason[:300], created_by=actor
        )
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, order_line=lines[pk], quantity=q, restocked=put_back)
            for pk, q in sorted(wanted.items())
        )
        for pk, q in wanted.items():
            lines[pk].refunded_quantity += q
            lines[pk].save(update_fields=["refunded_quantity"])
        if put_back:
            stock_release(
                quantities=[
                    (variant_id, q)
                    for pk, q in wanted.items()
                    if (variant_id := lines[pk].variant_id) is not None
                ]
            )
        order.refunded_minor += amount
        note = order.money(amount) + (f" · {reason[:200]}" if reason else "")
        if all(line.refunded_quantity == line.quantity for line in lines.values()):
            order_transition(order, action="refund", actor=actor, note=note)
        else:
            order.save(update_fields=["refunded_minor"])
            OrderEvent.objects.create(
                order=order,
                actor=actor,
                action="partial_refund",
                from_status=order.status,
                to_status=order.status,
                note=note,
            )
    return refund
