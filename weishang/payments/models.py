from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from weishang.core.money import CURRENCY_CHOICES, Money
from weishang.orders.models import Order, OrderLine


class Refund(models.Model):
    """Money given back on an order: the whole order or some of its lines."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)  # the order's
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive")
        ]

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    restocked = models.BooleanField(default=False)  # the goods came back and were put on sale again

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="refund_line_quantity_positive"
            )
        ]
