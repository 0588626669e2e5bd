"""The one write path for an order's state and money: a table of moves and ``order_change``.

    (new) ──place──▶ awaiting_payment ──confirm_payment──▶ awaiting_shipment ──ship──▶ shipped
      └──place (cash on delivery)──────────────────────────▶ │ (unpaid until completed)  │
    awaiting_payment ──expire──▶ expired                       │                  complete ▼
    awaiting_payment, awaiting_shipment (unpaid) ──cancel──▶ cancelled               completed
    awaiting_shipment, shipped, completed (paid) ──refund──▶ refunded (every unit given back)
                                                 ──partial_refund──▶ (same status, some units)

Every change of an order's status or money goes through ``order_change``: it checks the move
against ``MOVES``, applies what the move does to the order, its lines and the stock, records an
``OrderEvent`` (who, when, from, to, amount), and queues what must follow (``followups``) in the
same transaction, so a crash after the commit cannot lose the seller's mail or the expiry; a
channel sale's commission moves in the ledger in that transaction too. The
callers (``orders.services``, ``payments.services``) lock the order row and hold the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.accounts.models import User
from weishang.catalog.stock import stock_release
from weishang.channel.commissions import Sale, SaleLine, sale_moved, sale_placed

from .errors import OrderError, OrderErrorCode
from .followups import followups_enqueue
from .models import Order, OrderEvent, OrderLine, PaymentMethod
from .models import OrderStatus as S

NEW = ""  # an order being placed: its row exists, its first move has not happened yet


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the status stays (a refund of some units)
    paid: bool | None = None  # the order must be paid (True), unpaid (False), or either (None)
    by_seller: bool = True  # offered as a button on the seller's order page
    stamp: str = ""  # the time field the move sets
    closes: bool = False  # sets closed_at
    release_stock: bool = False  # every unit still out goes back on the shelf
    # Cash on delivery: where the order goes instead (it skips the payment step) ...
    cash_on_delivery_target: str | None = None
    # ... and the move at which its money arrives (sets paid_at if still unset).
    settles_cash_on_delivery: bool = False


MOVES: dict[str, Move] = {
    "place": Move(
        frozenset({NEW}),
        S.AWAITING_PAYMENT,
        by_seller=False,
        cash_on_delivery_target=S.AWAITING_SHIPMENT,
    ),
    "confirm_payment": Move(
        frozenset({S.AWAITING_PAYMENT}), S.AWAITING_SHIPMENT, paid=False, stamp="paid_at"
    ),
    "ship": Move(frozenset({S.AWAITING_SHIPMENT}), S.SHIPPED, stamp="shipped_at"),
    "complete": Move(
        frozenset({S.SHIPPED}), S.COMPLETED, stamp="completed_at", settles_cash_on_delivery=True
    ),
    "cancel": Move(
        frozenset({S.AWAITING_PAYMENT, S.AWAITING_SHIPMENT}),
        S.CANCELLED,
        paid=False,
        closes=True,
        release_stock=True,
    ),
    "expire": Move(
        frozenset({S.AWAITING_PAYMENT}),
        S.EXPIRED,
        paid=False,
        by_seller=False,
        closes=True,
        release_stock=True,
    ),
    "refund": Move(
        frozenset({S.AWAITING_SHIPMENT, S.SHIPPED, S.COMPLETED}), S.REFUNDED, paid=True, closes=True
    ),
    "partial_refund": Move(
        frozenset({S.AWAITING_SHIPMENT, S.SHIPPED, S.COMPLETED}), None, paid=True, by_seller=False
    ),
}

# Statuses in which the goods are still with the seller: a refund then always restocks them.
GOODS_WITH_SELLER = frozenset({S.AWAITING_PAYMENT, S.AWAITING_SHIPMENT})


@dataclass(frozen=True)
class RefundUnits:
    """Which units of which lines a refund gives back, and whether they return to stock."""

    quantities: Mapping[int, int]  # order line id → units
    restock: bool = True

    @property
    def wanted(self) -> dict[int, int]:
        """The lines that give back any units (a zero is no line)."""
        return {pk: q for pk, q in self.quantities.items() if q != 0}

    def restocks(self, from_status: str) -> bool:
        """Goods that never left the seller always go back; returned goods when ``restock``."""
        return self.restock or from_status in GOODS_WITH_SELLER


def _allowed(order: Order, name: str) -> bool:
    move = MOVES[name]
    return order.status in move.sources and (move.paid is None or move.paid == order.is_paid)


def allowed_actions(order: Order) -> list[str]:
    """What a seller may do with this order now, in the order the buttons show."""
    return [name for name, move in MOVES.items() if move.by_seller and _allowed(order, name)]


def order_change(
    order: Order,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    refund: RefundUnits | None = None,
) -> OrderEvent:
    """Move a locked order by ``action``; the caller holds the transaction and the row lock.

    ``refund`` says which units a ``refund`` gives back; when units remain after it, the move
    recorded is ``partial_refund``; the event carries the amount given back. Raises
    ``OrderError`` (nothing written) when the move is not allowed now.
    """
    lines: list[OrderLine] = []
    if action == "refund":
        if refund is None:
            raise ValueError("a refund needs the units it gives back")
        if not _allowed(order, "refund"):
            raise OrderError(
                OrderErrorCode.BAD_REFUND,
                _("Only a paid, open or completed order can be refunded."),
            )
        lines = list(order.lines.all())
        _check_refund(order, lines, refund)
        remaining = {line.pk: line.quantity - line.refunded_quantity for line in lines}
        if any(remaining[pk] != refund.quantities.get(pk, 0) for pk in remaining):
            action = "partial_refund"
    if not _allowed(order, action):
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            _("This order is %(status)s; it cannot be changed that way.")
            % {"status": order.get_status_display() or _("being placed")},
        )
    move = MOVES[action]
    from_status = order.status
    now = timezone.now()
    cod = order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    if move.target is not None:
        order.status = (cod and move.cash_on_delivery_target) or move.target
    if move.stamp:
        setattr(order, move.stamp, now)
    amount = 0
    if action == "confirm_payment":
        amount = order.total_minor  # the buyer's money arrived
    if cod and move.settles_cash_on_delivery and order.paid_at is None:
        order.paid_at = now
        amount = order.total_minor
    if move.closes:
        order.closed_at = now
    if refund is not None and action in {"refund", "partial_refund"}:
        amount = _apply_refund(order, lines, refund, from_status=from_status)
    if move.release_stock:
        _release_outstanding(order)
    order.save()
    event = OrderEvent.objects.create(
        order=order,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=order.status,
        amount_minor=amount,
        note=note[:300],
    )
    if order.reseller_id is not None:
        _channel_follow(order, action)
    followups_enqueue(order, action)
    return event


def _channel_follow(order: Order, action: str) -> None:
    """A channel sale's commission follows the order in the same transaction (the ledger)."""
    sale = Sale(
        order_id=order.pk,
        reseller_id=order.reseller_id,  # type: ignore[arg-type]
        currency=order.currency,
        total_minor=order.total_minor,
        refunded_minor=order.refunded_minor,
        buyer_user_id=order.placed_by_id,
        buyer_phone=order.buyer_phone,
        paid_at=order.paid_at,
        completed_at=order.completed_at,
    )
    if action == "place":  # nothing is paid yet, whatever the way of paying
        lines = order.lines.values_list("variant__product_id", "unit_price_minor", "quantity")
        sale_placed(
            replace(sale, lines=tuple(SaleLine(p, price * q) for p, price, q in lines if p))
        )
    else:
        sale_moved(sale, action)


def _check_refund(order: Order, lines: list[OrderLine], refund: RefundUnits) -> None:
    by_id = {line.pk: line for line in lines}
    wanted = refund.wanted
    if not wanted:
        raise OrderError(OrderErrorCode.BAD_REFUND, _("Choose at least one item to refund."))
    for pk, quantity in wanted.items():
        line = by_id.get(pk)
        if line is None or quantity < 0 or quantity > line.quantity - line.refunded_quantity:
            raise OrderError(
                OrderErrorCode.BAD_REFUND,
                _("Choose how many of each item to refund, up to what is left."),
            )


def _apply_refund(
    order: Order, lines: list[OrderLine], refund: RefundUnits, *, from_status: str
) -> int:
    by_id = {line.pk: line for line in lines}
    wanted = refund.wanted
    amount = sum(by_id[pk].unit_price_minor * q for pk, q in wanted.items())
    amount = min(amount, order.total_minor - order.refunded_minor)
    for pk, quantity in sorted(wanted.items()):
        by_id[pk].refunded_quantity += quantity
        by_id[pk].save(update_fields=["refunded_quantity"])
    if refund.restocks(from_status):
        stock_release(
            quantities=[
                (variant_id, q)
                for pk, q in wanted.items()
                if (variant_id := by_id[pk].variant_id) is not None
            ]
        )
    order.refunded_minor += amount
    return amount


def _release_outstanding(order: Order) -> None:
    """Put back every unit still out on this order (whatever a refund did not restock)."""
    stock_release(
        quantities=[
            (line.variant_id, line.quantity - line.refunded_quantity)
            for line in order.lines.all()
            if line.variant_id is not None
        ]
    )


def refund_check(order: Order, quantities: Mapping[int, int]) -> None:
    """Would refunding ``quantities`` (order line id → units) be allowed now? The refund form asks
    before it submits; ``order_change`` asks again under the row lock."""
    _check_refund(order, list(order.lines.all()), RefundUnits(quantities))
