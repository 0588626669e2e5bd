from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weishang.core.money import CURRENCY_CHOICES, Money
from weishang.shops.models import Shop


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=80)
    subtitle = models.CharField(_("one line under the name"), max_length=120, blank=True)
    # Plain text; templates escape it and render line breaks. No HTML is ever stored.
    description = models.TextField(_("description"), max_length=5000, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["shop", "is_published", "position"])]

    def __str__(self) -> str:
        return self.name


class ProductImage(models.Model):
    """One photo, stored only as the re-encoded, metadata-free sizes the pages use."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    large = models.ImageField(upload_to="products/large/")  # gallery, 1200 px on the long side
    card = models.ImageField(upload_to="products/card/")  # product cards, 600 px square
    thumb = models.ImageField(upload_to="products/thumb/")  # cart, dashboard, 160 px square
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Variant(models.Model):
    """A thing a buyer can put in the cart: "250 g", "500 g gift box"."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("variant"), max_length=60)
    price_minor = models.BigIntegerField(_("price"))
    # The currency the price is in: the shop's when the variant was priced. A shop's currency
    # cannot change once it has priced anything (shops.services), so the two always agree.
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    stock = models.IntegerField(_("stock"), default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # The last line of defence against overselling: no code path can store less than 0.
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative"),
            models.CheckConstraint(condition=Q(price_minor__gt=0), name="variant_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} · {self.name}" if self.name else self.product.name

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)
