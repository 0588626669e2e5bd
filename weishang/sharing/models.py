"""Share links and the visits they bring.

A share link belongs to the person who shares it (the shop's seller today; a reseller the shop
admits, with the channel), and points at a shop or one of its products. Its code is random, never sequential, so nobody can
walk the links of others. A visit stores no address and no user agent: only when, and a keyed hash
of a random cookie the visitor's browser holds (``sharing.visitors``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weishang.catalog.models import Product
from weishang.shops.models import Shop

# Read off a poster or typed from a screenshot: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10  # 31**10: about 2**49 codes


def new_share_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ShareLink(models.Model):
    code = models.CharField(max_length=16, unique=True, default=new_share_code, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="share_links")
    # A link to a product that is later deleted opens the shop instead (and stays a product link).
    is_product = models.BooleanField(default=False)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="share_links"
    )
    # What the link is called in the statistics (the product's name when it was shared).
    label = models.CharField(max_length=80)
    # The words sent with the link (Web Share, copy, the poster); neutral by default.
    text = models.CharField(_("share text"), max_length=140, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live link per sharer and target; a withdrawn one makes way for a new code.
            models.UniqueConstraint(
                fields=["owner", "product"],
                condition=Q(product__isnull=False, revoked_at__isnull=True),
                name="share_link_per_owner_product",
            ),
            models.UniqueConstraint(
                fields=["owner", "shop"],
                condition=Q(is_product=False, revoked_at__isnull=True),
                name="share_link_per_owner_shop",
            ),
            models.CheckConstraint(
                condition=Q(is_product=True) | Q(product__isnull=True),
                name="share_link_shop_has_no_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class ShareVisit(models.Model):
    """Someone opened a share link (preview bots and crawlers are never recorded)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    at = models.DateTimeField(db_index=True)
    # HMAC of the visitor's random cookie: the same browser twice is one visitor, and nothing
    # here leads back to a person or an address.
    visitor_key = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["visitor_key", "at"])]
