"""A brand's channel: the products it offers resellers, at what consumer price and commission,
and who joined (with the sponsor who invited them, and nothing else about it).

What the charter forbids has no field to be written in: a sale pays the seller (``seller_rate``)
and, where the policy allows team pay, the seller's direct sponsor (``override_rate``); there is
no rate for anyone further up, no joining fee, no required purchase, nothing counted from
recruits. The database refuses a commission above the charter's 30% cap.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from weishang.catalog.models import Product
from weishang.shops.models import Shop

from .policy import POLICY_CHOICES


class Channel(models.Model):
    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="channel")
    policy = models.CharField(max_length=2, choices=POLICY_CHOICES, default="CN")
    requires_approval = models.BooleanField(default=False)
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ChannelOffer(models.Model):
    """A product resellers may sell: a consumer price (fixed, or a band the reseller chooses in)
    and what a sale pays, as shares of the consumer price."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="channel_offers")
    price_min_minor = models.BigIntegerField()
    price_max_minor = models.BigIntegerField()
    seller_rate = models.DecimalField(max_digits=5, decimal_places=4)
    override_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "product"], name="offer_per_product"),
            models.CheckConstraint(
                condition=Q(price_min_minor__gt=0) & Q(price_max_minor__gte=F("price_min_minor")),
                name="offer_price_band",
            ),
            models.CheckConstraint(
                condition=Q(seller_rate__gte=0) & Q(override_rate__gte=0),
                name="offer_rates_not_negative",
            ),
            # The charter's rule 5, whatever a policy file or a hand-written UPDATE says.
            models.CheckConstraint(
                condition=Q(seller_rate__lte=Decimal("0.30") - F("override_rate")),
                name="offer_total_rate_at_most_30_percent",
            ),
        ]


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ACTIVE = "active", "active"
    LEFT = "left", "left"
    REMOVED = "removed", "removed"


class Membership(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    # Who invited them: recorded, never paid for (the charter's rule 2).
    sponsor = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="invited"
    )
    status = models.CharField(max_length=10, choices=MembershipStatus.choices)
    joined_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "user"], name="one_membership_per_channel"),
            models.CheckConstraint(condition=~Q(sponsor=F("id")), name="no_self_sponsor"),
        ]
