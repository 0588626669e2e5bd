"""An order's statuses and ways of paying: values that views, forms and labels may name
without reaching for the models (see the import contracts in .importlinter)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    AWAITING_SHIPMENT = "awaiting_shipment", _("To ship")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class PaymentMethod(models.TextChoices):
    MANUAL_TRANSFER = "manual_transfer", _("Transfer by QR code")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
