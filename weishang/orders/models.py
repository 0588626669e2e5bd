from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weishang.catalog.models import Variant
from weishang.core.money import CURRENCY_CHOICES, Money, format_money
from weishang.shops.models import Shop

from .choices import OrderStatus, PaymentMethod

# Payment references are read aloud and typed into a transfer note: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_order_token() -> str:
    return secrets.token_urlsafe(18)  # 144 bits: the order page's link is its only key


def new_order_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Customer(models.Model):
    """A buyer of one shop, known by phone number; no account needed."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20)
    address = models.CharField(_("address"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "phone"], name="customer_phone_per_shop")
        ]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    token = models.CharField(max_length=32, unique=True, default=new_order_token, editable=False)
    reference = models.CharField(
        max_length=12, unique=True, default=new_order_reference, editable=False
    )
    # One checkout page → at most one order, however often it is submitted.
    checkout_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, db_index=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    # Snapshot of who and where, as the buyer typed it for this order.
    buyer_name = models.CharField(_("name"), max_length=60)
    buyer_phone = models.CharField(_("phone"), max_length=20)
    shipping_address = models.CharField(_("address"), max_length=300)
    # The address reduced to what identifies it (orders.services.address_key), so the units that
    # unpaid orders hold can be counted per delivery address however it was typed.
    address_key = models.CharField(max_length=300, blank=True, db_index=True)
    # The client's network as a keyed hash (core.clientip.client_network_key), never an address.
    client_key = models.CharField(max_length=32, blank=True, db_index=True)
    buyer_note = models.CharField(_("note to the seller"), max_length=300, blank=True)
    total_minor = models.BigIntegerField()
    refunded_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # cancelled, expired or refunded
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    seen_by_seller = models.BooleanField(default=False)
    # Attribution (sharing.services.attribution_find), computed once when the order is placed:
    # the share link whose visit came last within the window, and when that visit was. A buyer
    # may remove the binding; a removed one counts for nobody.
    share_link = models.ForeignKey(
        "sharing.ShareLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    share_visited_at = models.DateTimeField(null=True, blank=True)
    share_removed_at = models.DateTimeField(null=True, blank=True)
    # A channel sale: the reseller whose shop sold it (the seller of record) and their
    # membership; ``shop`` is then the supplier, the brand that ships it (dropship).
    sold_by = models.ForeignKey(
        Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="resold_orders"
    )
    reseller = models.ForeignKey(
        "channel.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    # The buyer's account when they were signed in (a participant's purchase earns nothing).
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(total_minor__gt=0), name="order_total_positive"),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0) & Q(refunded_minor__lte=models.F("total_minor")),
                name="order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_minor, self.currency)

    @property
    def total_display(self) -> str:
        return self.money(self.total_minor)

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, related_name="order_lines"
    )
    product_name = models.CharField(max_length=80)
    variant_name = models.CharField(max_length=60)
    unit_price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)  # as it was sold
    quantity = models.PositiveIntegerField()
    refunded_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=models.F("quantity")),
                name="order_line_refund_within_quantity",
            ),
        ]

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_minor, self.currency)

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def line_total_minor(self) -> int:
        return self.line_total.minor


class OrderEvent(models.Model):
    """One step of an order's life: who did it (null: the buyer or the system) and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    # The money the step moved (a refund's amount), in the order's currency; 0 for most steps.
    amount_minor = models.BigIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.action}"
