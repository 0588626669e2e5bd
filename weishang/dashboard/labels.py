"""Words and colours the seller app uses for statuses, actions and events."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weishang.orders.choices import OrderStatus as S

# The order the status chips appear in, the work a seller has to do first.
STATUS_ORDER = [
    S.AWAITING_SHIPMENT,
    S.AWAITING_PAYMENT,
    S.SHIPPED,
    S.COMPLETED,
    S.REFUNDED,
    S.CANCELLED,
    S.EXPIRED,
]

STATUS_LABELS = {
    S.AWAITING_PAYMENT: pgettext_lazy("order status", "Awaiting payment"),
    S.AWAITING_SHIPMENT: pgettext_lazy("order status", "To ship"),
    S.SHIPPED: pgettext_lazy("order status", "Shipped"),
    S.COMPLETED: pgettext_lazy("order status", "Completed"),
    S.CANCELLED: pgettext_lazy("order status", "Cancelled"),
    S.EXPIRED: pgettext_lazy("order status", "Expired"),
    S.REFUNDED: pgettext_lazy("order status", "Refunded"),
}

# A CSS modifier per status: dashboard.css gives each its colour.
STATUS_TONES = {
    S.AWAITING_PAYMENT: "amber",
    S.AWAITING_SHIPMENT: "red",
    S.SHIPPED: "blue",
    S.COMPLETED: "green",
    S.CANCELLED: "grey",
    S.EXPIRED: "grey",
    S.REFUNDED: "purple",
}

ACTION_LABELS = {
    "confirm_payment": _("Confirm payment received"),
    "ship": _("Ship"),
    "complete": _("Mark as completed"),
    "cancel": _("Cancel order"),
    "refund": _("Refund"),
}

EVENT_LABELS = {
    "place": _("Order placed"),
    "confirm_payment": _("Payment confirmed"),
    "ship": _("Shipped"),
    "complete": _("Completed"),
    "cancel": _("Cancelled"),
    "expire": _("Expired unpaid; stock released"),
    "refund": _("Refunded in full"),
    "partial_refund": _("Partly refunded"),
}

PAYMENT_LABELS = {
    "manual_transfer": _("Transfer by QR code"),
    "cash_on_delivery": _("Cash on delivery"),
}
