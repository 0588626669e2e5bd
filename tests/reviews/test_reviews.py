"""Reviews only from buyers of delivered orders, one per line, photos checked like product
photos, the seller replies once and never edits; the product page shows real sales, the share of
repeat buyers and the latest reviews; the shop page says how long it has existed."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests.factories import (
    PASSWORD,
    make_order,
    make_photo_bytes,
    make_product,
    make_review,
    make_shop,
    make_user,
)
from weishang.core.images import ImageRejected
from weishang.core.text import masked_name
from weishang.orders.lifecycle import order_change
from weishang.orders.models import Order
from weishang.reviews.models import Review, ReviewPhoto
from weishang.reviews.services import ReviewError, review_create, review_reply
from weishang.storefront.selectors import product_trust

pytestmark = pytest.mark.django_db


def delivered(order: Order) -> Order:
    for action in ("confirm_payment", "ship", "complete"):
        order_change(order, action, actor=None)
    return order


def test_a_review_needs_a_delivered_order_and_is_one_per_line() -> None:
    order = make_order()
    line = order.lines.get()
    with translation.override("en"), pytest.raises(ReviewError, match="delivered"):
        review_create(order=order, line=line, rating=5)
    delivered(order)
    review = review_create(order=order, line=line, rating=4, text="  很甜 ")
    assert (review.rating, review.text, review.author) == (4, "很甜", "王*明")
    assert review.product_id == line.variant.product_id
    with pytest.raises(ReviewError):
        review_create(order=order, line=line, rating=5)
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("rating", "text"), [(0, ""), (6, ""), (5, "x" * 501), (5, "好\u202e评"), (5, "\x00")]
)
def test_bad_reviews_are_refused(rating: int, text: str) -> None:
    order = delivered(make_order())
    with pytest.raises(ReviewError):
        review_create(order=order, line=order.lines.get(), rating=rating, text=text)
    assert not Review.objects.exists()


def test_another_orders_line_cannot_be_reviewed() -> None:
    mine, theirs = delivered(make_order()), delivered(make_order())
    with pytest.raises(ReviewError):
        review_create(order=mine, line=theirs.lines.get(), rating=5)


def test_photos_are_checked_and_re_encoded_and_at_most_three() -> None:
    order = delivered(make_order())
    line = order.lines.get()
    with pytest.raises(ReviewError):
        review_create(
            order=order,
            line=line,
            rating=5,
            photos=[io.BytesIO(make_photo_bytes()) for _ in range(4)],
        )
    with translation.override("en"), pytest.raises(ImageRejected, match="photo"):
        review_create(order=order, line=line, rating=5, photos=[io.BytesIO(b"<svg></svg>")])
    assert not Review.objects.exists()
    review = review_create(
        order=order, line=line, rating=5, photos=[io.BytesIO(make_photo_bytes(gps=True))]
    )
    (photo,) = review.photos.all()
    assert photo.thumb.name.endswith(".jpg") and b"PhoneMaker" not in photo.large.read()


def test_the_buyer_reviews_on_the_order_page_with_a_photo_as_a_guest() -> None:
    order = delivered(make_order())
    client = Client()
    page = client.get(f"/o/{order.token}/").content.decode()
    assert 'name="rating"' in page and 'enctype="multipart/form-data"' in page
    upload = io.BytesIO(make_photo_bytes())
    upload.name = "photo.jpg"
    response = client.post(
        f"/o/{order.token}/review/",
        {"line": order.lines.get().pk, "rating": 5, "text": "枣很甜", "photos": [upload]},
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.text == "枣很甜" and ReviewPhoto.objects.filter(review=review).count() == 1
    again = client.post(
        f"/o/{order.token}/review/",
        {"line": order.lines.get().pk, "rating": 5},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 400
    assert "You have already reviewed this item." in again.content.decode()
    # A guest may send files only there
    shop = order.shop
    refused = client.post(f"/{shop.slug}/checkout/", {"photos": [io.BytesIO(b"x" * 10)]})
    assert refused.status_code in (400, 403, 413)


def test_an_unfinished_order_has_no_review_form() -> None:
    order = make_order()
    assert 'name="rating"' not in Client().get(f"/o/{order.token}/").content.decode()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/o/{order.token}/review/", {"line": order.lines.get().pk, "rating": 5}
    )
    assert response.status_code == 400 and not Review.objects.exists()
    assert "once the order has been delivered" in response.content.decode()


def test_the_seller_replies_once_and_only_the_seller() -> None:
    review = make_review(make_order())
    with pytest.raises(ReviewError):
        review_reply(review=review, actor=make_user(), text="谢谢")
    owner = review.shop.owner
    review_reply(review=review, actor=owner, text="谢谢支持")
    with pytest.raises(ReviewError):
        review_reply(review=review, actor=owner, text="改一下")
    review.refresh_from_db()
    assert review.reply == "谢谢支持"

    client = Client()
    client.login(email=owner.email, password=PASSWORD)
    page = client.get(f"/dashboard/{review.shop.slug}/reviews/").content.decode()
    assert "谢谢支持" in page and "reply-" not in page  # no form once replied


def test_the_seller_replies_from_the_dashboard() -> None:
    review = make_review(make_order())
    client = Client()
    client.login(email=review.shop.owner.email, password=PASSWORD)
    url = f"/dashboard/{review.shop.slug}/reviews/{review.pk}/reply/"
    assert client.post(url, {"reply": ""}).status_code == 400
    assert client.post(url, {"reply": "谢谢"}).status_code == 302
    assert Review.objects.get().reply == "谢谢"


def test_the_product_page_shows_real_sales_repeat_buyers_and_the_latest_reviews() -> None:
    shop = make_shop()
    product = make_product(shop=shop, price_minor=3800, stock=100)
    variant = product.variants.get()
    phones = ["+8613800000001", "+8613800000002", "+8613800000003"]
    for phone in [*phones, phones[0]]:  # the first buyer comes back
        delivered(make_order(variant=variant, phone=phone, quantity=2))
    make_order(variant=variant, phone="+8613800000009")  # unpaid: not a sale
    cancelled = make_order(variant=variant, phone="+8613800000008")
    order_change(cancelled, "cancel", actor=None)
    for order in Order.objects.filter(status="completed")[:2]:
        make_review(order, rating=4, text="不错")

    trust = product_trust(product.pk)
    assert (trust.units_sold, trust.buyers, trust.repeat_buyers) == (8, 3, 1)
    assert trust.repeat_share == 33
    assert (trust.review_count, trust.rating) == (2, 4.0)

    cache.clear()
    page = Client().get(f"/{shop.slug}/p/{product.pk}/").content.decode()
    assert "不错" in page and "王*明" in page
    assert "8 件" in page or "8 units" in page


def test_the_shop_home_says_how_long_it_has_existed_and_what_it_delivered() -> None:
    order = delivered(make_order())
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/{order.shop.slug}/").content.decode()
    assert "Open since" in page and "1 order delivered" in page


@pytest.mark.parametrize(
    ("name", "masked"), [("王小明", "王*明"), ("李四", "李*"), ("Alexander", "A***r"), ("X", "X*")]
)
def test_names_are_masked(name: str, masked: str) -> None:
    assert masked_name(name) == masked
