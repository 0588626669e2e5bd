from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from weishang.accounts.models import User
from weishang.catalog.models import Product, ProductImage
from weishang.demo.content import SHOPS
from weishang.demo.seed import demo_seed
from weishang.orders.models import Customer, Order, OrderStatus
from weishang.payments.models import Refund
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db

SMALL = {"photo_size": 96, "cache": False}


def test_demo_seed_creates_three_shops_with_published_photographed_products() -> None:
    logins = demo_seed(**SMALL)

    assert [login["slug"] for login in logins] == ["zaoyuan", "doufufang", "chayuan"]
    assert Shop.objects.count() == 3
    for shop in Shop.objects.all():
        assert shop.story and shop.logo and shop.payment_qr
        products = Product.objects.filter(shop=shop, is_published=True)
        assert 5 <= products.count() <= 8
        for product in products:
            assert 1 <= product.variants.count() <= 3
            assert product.images.exists()
    for photo in ProductImage.objects.all():
        assert photo.large and photo.card and photo.thumb
    assert Shop.objects.filter(accepts_cash_on_delivery=True).exists()
    assert Shop.objects.filter(accepts_cash_on_delivery=False).exists()


def test_demo_orders_cover_every_status_over_two_weeks_and_today() -> None:
    demo_seed(**SMALL)

    for shop in Shop.objects.all():
        statuses = set(Order.objects.filter(shop=shop).values_list("status", flat=True))
        assert statuses == set(OrderStatus.values), shop.slug
        partial = Order.objects.filter(
            shop=shop, status=OrderStatus.COMPLETED, refunded_minor__gt=0
        )
        assert partial.exists(), shop.slug
    assert Refund.objects.count() == 6  # one full and one partial per shop

    now = timezone.now()
    oldest = Order.objects.order_by("created_at").first()
    assert oldest is not None
    assert 12 <= (now - oldest.created_at).days <= 14
    today = timezone.localtime(now).date()
    todays = [o for o in Order.objects.all() if timezone.localtime(o.created_at).date() == today]
    assert len(todays) >= 3 * 3
    assert all(o.created_at <= now for o in Order.objects.all())
    shipped = Order.objects.filter(status=OrderStatus.SHIPPED)
    assert all(o.carrier and o.tracking_number and o.shipped_at for o in shipped)


def test_the_printed_logins_authenticate() -> None:
    logins = demo_seed(**SMALL)

    for login in logins:
        user = authenticate(username=login["login"], password=login["password"])
        assert user is not None
        assert user.shops.get().slug == login["slug"]
        validate_password(login["password"], user)  # raises if Django would refuse it


def test_demo_seed_is_deterministic_in_counts() -> None:
    def counts() -> dict[str, int]:
        return {
            "products": Product.objects.count(),
            "photos": ProductImage.objects.count(),
            "orders": Order.objects.count(),
            **{s: Order.objects.filter(status=s).count() for s in OrderStatus.values},
        }

    demo_seed(**SMALL)
    first = counts()
    Refund.objects.all().delete()
    Order.objects.all().delete()
    Customer.objects.all().delete()
    Shop.objects.all().delete()
    User.objects.all().delete()
    demo_seed(**SMALL)

    assert counts() == first
    assert first["products"] == sum(len(s.products) for s in SHOPS)
