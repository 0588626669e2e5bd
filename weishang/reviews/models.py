"""Reviews: written only by the buyer of a delivered order, one per order line, with optional
photos; the seller may reply once and can never edit or delete a review."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from weishang.catalog.models import Product
from weishang.orders.models import OrderLine
from weishang.shops.models import Shop


class Review(models.Model):
    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="reviews")
    # The product as it was bought; a product deleted later keeps its reviews out of sight.
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500, blank=True)
    # Shown as the buyer's name with its middle masked ("王*明"), copied when written.
    author = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reply = models.CharField(max_length=500, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"
            )
        ]


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    large = models.ImageField(upload_to="reviews/large/")
    thumb = models.ImageField(upload_to="reviews/thumb/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
