"""Words and colours the seller app uses for statuses, actions and events.

The error messages at the bottom repeat, word for word, messages raised by the services this app
calls (orders, payments, photos): naming them here puts them in this app's translation catalogue,
so a seller reads them in their language wherever they are raised.
"""

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

BORROWED_MESSAGES = [
    # weishang.orders
    _("This order is %(status)s; it cannot be changed that way."),
    _("Enter the carrier and the tracking number."),
    # weishang.payments
    _("Only a paid, open or completed order can be refunded."),
    _("Choose how many of each item to refund, up to what is left."),
    _("Choose at least one item to refund."),
    # weishang.shops.services
    _("Use 3–40 lowercase letters, digits or hyphens, starting and ending with a letter or digit."),
    _("“%(slug)s” is reserved for the platform. Please choose another address."),
    _("The address “%(slug)s” is already taken. Please choose another."),
    _("Choose a currency from the list."),
    # weishang.catalog.services
    _("Add at least one variant with a price and stock."),
    _("A product can have at most %(max)d variants."),
    _("The price must be more than zero."),
    _("Stock cannot be less than zero."),
    _("A product can have at most %(max)d photos."),
    # weishang.core.images
    _("The photo is larger than 10 MB."),
    _("Please upload a JPEG, PNG or WebP photo."),
    _("The photo has too many pixels."),
    _("That file is not a photo we can read."),
    # weishang.core
    _("Something went wrong"),
    _("Go back"),
    _("Too many attempts. Please wait a minute and try again."),
    # weishang.orders.models (status names in messages)
    _("Awaiting payment"),
    _("To ship"),
    _("Shipped"),
    _("Completed"),
    _("Cancelled"),
    _("Expired"),
    _("Refunded"),
]
