"""What a buyer reads on the order page: a headline for the status and the steps behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from weishang.orders.models import Order, OrderStatus, PaymentMethod

CLOSED = {OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED}


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime | None
    done: bool
    current: bool


def order_headline(order: Order) -> tuple[str, str]:
    """(title, explanation) for the order's status, written for the buyer."""
    cod = order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    match order.status:
        case OrderStatus.AWAITING_PAYMENT:
            return _("Waiting for your transfer"), _(
                "Scan the seller's code, pay the exact amount and write the reference in the"
                " transfer note. The seller confirms it by hand."
            )
        case OrderStatus.AWAITING_SHIPMENT if cod:
            return _("Order placed"), _("The seller is packing your order. Pay when it arrives.")
        case OrderStatus.AWAITING_SHIPMENT:
            return _("Payment received"), _("The seller is packing your order.")
        case OrderStatus.SHIPPED:
            return _("On its way"), _("Your parcel has left the seller.")
        case OrderStatus.COMPLETED:
            return _("Completed"), _("Thank you for your order!")
        case OrderStatus.CANCELLED:
            return _("Cancelled"), _("This order was cancelled. Nothing more will happen with it.")
        case OrderStatus.EXPIRED:
            return _("Expired"), _(
                "No payment arrived in time, so the order was closed. Nothing was charged."
            )
        case OrderStatus.REFUNDED:
            return _("Refunded"), _("The seller has refunded this order.")
    return order.get_status_display(), ""


def order_steps(order: Order) -> list[Step]:
    """The path an order takes, marked up to where this one is."""
    cod = order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    path: list[tuple[str, datetime | None]] = [(pgettext("order step", "Placed"), order.created_at)]
    if not cod:
        path.append((pgettext("order step", "Paid"), order.paid_at))
    path += [
        (pgettext("order step", "Shipped"), order.shipped_at),
        (pgettext("order step", "Received"), order.completed_at),
    ]
    done = [at is not None for _label, at in path]
    # the first step not yet done is where the order stands (none when it is closed or finished)
    current = -1 if order.status in CLOSED else next((i for i, d in enumerate(done) if not d), -1)
    return [
        Step(label=label, at=at, done=done[i], current=i == current)
        for i, (label, at) in enumerate(path)
    ]


def minutes_left(order: Order) -> int | None:
    """Whole minutes (rounded up) before an unpaid order expires; None when it cannot expire."""
    if order.status != OrderStatus.AWAITING_PAYMENT or order.expires_at is None:
        return None
    seconds = (order.expires_at - timezone.now()).total_seconds()
    return max(0, -int(-seconds // 60))
