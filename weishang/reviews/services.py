"""Writing reviews and replies. Only the buyer of a delivered (completed) order reviews, once per
order line; photos go through the same checks and re-encoding as product photos; the seller of
the shop may reply once. Nothing here edits or deletes a review."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import IO, TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.core.errors import UserError
from weishang.core.images import image_open_checked, renditions
from weishang.core.text import has_hidden_characters, masked_name
from weishang.orders.choices import OrderStatus

from .models import Review, ReviewPhoto

if TYPE_CHECKING:
    from weishang.accounts.models import User
    from weishang.orders.models import Order, OrderLine

MAX_PHOTOS = 3
TEXT_MAX = Review._meta.get_field("text").max_length or 500
PHOTO_SIZES = {"large": (1200, False), "thumb": (160, True)}


class ReviewErrorCode(Enum):
    NOT_DELIVERED = "not_delivered"
    ALREADY_REVIEWED = "already_reviewed"
    BAD_RATING = "bad_rating"
    BAD_TEXT = "bad_text"
    TOO_MANY_PHOTOS = "too_many_photos"
    NOT_YOUR_SHOP = "not_your_shop"
    ALREADY_REPLIED = "already_replied"


class ReviewError(UserError):
    pass


def reviewable_lines(order: Order) -> list[OrderLine]:
    """The order's lines its buyer may still review (none until the order is delivered)."""
    if order.status != OrderStatus.COMPLETED:
        return []
    return [line for line in order.lines.all() if not hasattr(line, "review")]


def _text_check(text: str) -> str:
    text = text.strip()
    if len(text) > TEXT_MAX or has_hidden_characters(text, lines=True):
        raise ReviewError(
            ReviewErrorCode.BAD_TEXT,
            _("Write at most %(max)d characters, without invisible characters.")
            % {"max": TEXT_MAX},
        )
    return text


def review_create(
    *,
    order: Order,
    line: OrderLine,
    rating: int,
    text: str = "",
    photos: Sequence[IO[bytes]] = (),
) -> Review:
    """The buyer's review of one line of their delivered order."""
    if line.order_id != order.pk or order.status != OrderStatus.COMPLETED:
        raise ReviewError(
            ReviewErrorCode.NOT_DELIVERED,
            _("You can review what you bought once the order has been delivered."),
        )
    if not 1 <= rating <= 5:
        raise ReviewError(ReviewErrorCode.BAD_RATING, _("Choose from one to five stars."))
    text = _text_check(text)
    if len(photos) > MAX_PHOTOS:
        raise ReviewError(
            ReviewErrorCode.TOO_MANY_PHOTOS,
            _("Add at most %(max)d photos.") % {"max": MAX_PHOTOS},
        )
    # Every photo is checked and re-encoded before anything is written.
    prepared = [
        {r.name: r for r in renditions(image_open_checked(p), sizes=PHOTO_SIZES)} for p in photos
    ]
    try:
        with transaction.atomic():
            review = Review.objects.create(
                line=line,
                shop_id=order.shop_id,
                product_id=line.variant.product_id if line.variant else None,
                rating=rating,
                text=text,
                author=masked_name(order.buyer_name),
            )
            for position, files in enumerate(prepared):
                photo = ReviewPhoto(review=review, position=position)
                for name, rendition in files.items():
                    getattr(photo, name).save(rendition.content.name, rendition.content, save=False)
                photo.save()
    except IntegrityError:
        raise ReviewError(
            ReviewErrorCode.ALREADY_REVIEWED, _("You have already reviewed this item.")
        ) from None
    return review


def review_reply(*, review: Review, actor: User, text: str) -> Review:
    """The shop's one public answer to a review."""
    if review.shop.owner_id != actor.pk:
        raise ReviewError(ReviewErrorCode.NOT_YOUR_SHOP, _("Only the shop can reply."))
    text = _text_check(text)
    if not text:
        raise ReviewError(ReviewErrorCode.BAD_TEXT, _("Write your reply."))
    replied = Review.objects.filter(pk=review.pk, replied_at__isnull=True).update(
        reply=text, replied_at=timezone.now()
    )
    if not replied:
        raise ReviewError(
            ReviewErrorCode.ALREADY_REPLIED, _("This review already has the shop's reply.")
        )
    review.refresh_from_db(fields=["reply", "replied_at"])
    return review
