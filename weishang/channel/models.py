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
from django.db.models.lookups import GreaterThanOrEqual

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
            # The charter's rule 5, whatever a policy file or a hand-written UPDATE says. Rates
            # have four decimals, so "below 0.30005" is exactly "at most 0.30", also where the
            # database adds in floating point (SQLite: 0.2 + 0.1 > 0.3 there).
            models.CheckConstraint(
                condition=Q(seller_rate__lt=Decimal("0.30005") - F("override_rate")),
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
        indexes = [models.Index(fields=["channel", "ended_at"])]
        constraints = [
            models.UniqueConstraint(fields=["channel", "user"], name="one_membership_per_channel"),
            models.CheckConstraint(condition=~Q(sponsor=F("id")), name="no_self_sponsor"),
        ]


class Listing(models.Model):
    """A reseller's shop lists an offer at a consumer price inside the offer's band. The brand's
    product, stock and shipping stay the brand's: the reseller holds no stock (rule 6)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="listings")
    offer = models.ForeignKey(ChannelOffer, on_delete=models.CASCADE, related_name="listings")
    price_minor = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "offer"], name="one_listing_per_offer"),
            models.CheckConstraint(condition=Q(price_minor__gt=0), name="listing_price_positive"),
        ]


class CommissionState(models.TextChoices):
    PENDING = "pending", "pending"  # placed, not paid: nothing in the ledger yet
    HELD = "held", "held"  # paid: inside the return window
    PAYABLE = "payable", "payable"  # released after the window
    VOID = "void", "void"  # never paid (cancelled or expired)


class Commission(models.Model):
    """What one channel order pays, a projection of its ledger entries: the seller of record and,
    where the policy allows, their direct sponsor. There is no column for anyone else (rule 4).

    ``*_full_minor`` are the amounts on the whole order as placed; the current amounts are those
    times what is left after refunds, so a refund claws back exactly its share and a full refund
    leaves nothing. A participant's order (``participant``) pays no one (rule 3)."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="commission"
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="commissions")
    seller = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="sales")
    sponsor = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="override_sales"
    )
    currency = models.CharField(max_length=3)
    participant = models.BooleanField(default=False)
    base_minor = models.BigIntegerField()  # the consumer price of the order as placed
    seller_full_minor = models.BigIntegerField(default=0)
    override_full_minor = models.BigIntegerField(default=0)
    fee_full_minor = models.BigIntegerField(default=0)
    seller_minor = models.BigIntegerField(default=0)  # now, after refunds
    override_minor = models.BigIntegerField(default=0)
    fee_minor = models.BigIntegerField(default=0)
    sale_refunded_minor = models.BigIntegerField(default=0)
    state = models.CharField(max_length=10, choices=CommissionState.choices)
    sale_paid_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    release_after = models.DateTimeField(null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "release_after"])]
        constraints = [
            # the charter's cap, on every sale whatever the offer said when it was placed
            models.CheckConstraint(
                condition=Q(seller_full_minor__gte=0) & Q(override_full_minor__gte=0),
                name="commission_not_negative",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(
                    F("base_minor") * 30,
                    (F("seller_full_minor") + F("override_full_minor")) * 100,
                ),
                name="commission_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(participant=False)
                | (Q(seller_full_minor=0) & Q(override_full_minor=0)),
                name="participant_sale_pays_no_one",
            ),
            models.CheckConstraint(condition=~Q(sponsor=F("seller")), name="sponsor_not_seller"),
        ]


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", "requested"
    PAID = "paid", "paid"
    CANCELLED = "cancelled", "cancelled"  # its amount went back to the payable balance


class Payout(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="payouts")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=PayoutStatus.choices)
    reference = models.CharField(max_length=80, blank=True)  # the transfer's reference
    requested_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payout_positive"),
        ]


class EarningsYear(models.Model):
    """A reseller's net commission (as seller and as sponsor) on sales paid in a calendar year,
    kept beside the ledger in the same transaction as each entry that changes it, so the public
    earnings disclosure of a channel with 100,000 resellers reads one row each. A test derives it
    from the ledger again and finds it equal."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="years")
    # The membership's channel, kept here so a year of a channel reads one index range.
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    earned_minor = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["channel", "year"])]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year"], name="one_row_per_year")
        ]


class Certificate(models.Model):
    """A reseller's authorization, signed by the platform's Ed25519 key over ``payload`` (the
    canonical JSON of brand, reseller, channel, code and validity)."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="certificates"
    )
    code = models.CharField(max_length=16, unique=True)
    payload = models.TextField()
    signature = models.CharField(max_length=100)  # base64url, no padding
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_certificate",
            )
        ]
