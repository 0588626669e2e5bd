from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from weishang.catalog.models import Product, ProductImage
from weishang.demo.channel import RESELLERS
from weishang.demo.content import SHOPS
from weishang.demo.photos import SHOTS
from weishang.demo.seed import HISTORY, PARTIAL_REFUND, demo_seed
from weishang.orders.models import Order, OrderStatus
from weishang.payments.models import Refund
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db

SMALL = {"photo_size": 96, "cache": False}


def test_demo_seed_creates_three_shops_with_published_photographed_products() -> None:
    logins = demo_seed(**SMALL)

    assert [login["slug"] for login in logins] == ["zaoyuan", "doufufang", "chayuan", "fangfang"]
    brands = Shop.objects.filter(slug__in=[spec.slug for spec in SHOPS])
    assert brands.count() == 3 and Shop.objects.count() == 3 + len(RESELLERS)
    for shop in brands:
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

    own = Order.objects.filter(reseller__isnull=True)  # the channel's season is tested below
    for shop in Shop.objects.filter(slug__in=[spec.slug for spec in SHOPS]):
        statuses = set(own.filter(shop=shop).values_list("status", flat=True))
        assert statuses == set(OrderStatus.values), shop.slug
        partial = Order.objects.filter(
            shop=shop, status=OrderStatus.COMPLETED, refunded_minor__gt=0
        )
        assert partial.exists(), shop.slug
    assert Refund.objects.filter(order__in=own).count() == 6  # one full and one partial per shop

    now = timezone.now()
    oldest = own.order_by("created_at").first()
    assert oldest is not None
    assert 12 <= (now - oldest.created_at).days <= 14
    today = timezone.localtime(now).date()
    todays = [o for o in own if timezone.localtime(o.created_at).date() == today]
    assert len(todays) >= 3 * 3
    assert all(o.created_at <= now for o in Order.objects.all())
    shipped = Order.objects.filter(status=OrderStatus.SHIPPED)
    assert all(o.carrier and o.tracking_number and o.shipped_at for o in shipped)
    for order in Order.objects.prefetch_related("events"):
        steps = [event.at for event in order.events.order_by("id")]
        assert steps == sorted(steps), order.reference  # the history happened in order
        assert steps[0] == order.created_at


def test_the_printed_logins_authenticate() -> None:
    logins = demo_seed(**SMALL)

    for login in logins:
        user = authenticate(username=login["login"], password=login["password"])
        assert user is not None
        assert user.shops.get().slug == login["slug"]
        validate_password(login["password"], user)  # raises if Django would refuse it


def test_demo_seed_writes_the_same_counts_every_time_and_a_compliant_channel() -> None:
    demo_seed(**SMALL)
    _the_demo_channel_has_a_season_of_sales_and_audits_compliant_everywhere()

    expected_orders = len(SHOPS) * len(HISTORY)
    assert Product.objects.count() == sum(len(s.products) for s in SHOPS) == 17
    assert ProductImage.objects.count() == sum(
        len(SHOTS[p.good]) for s in SHOPS for p in s.products
    )
    own = Order.objects.filter(reseller__isnull=True)
    assert own.count() == expected_orders
    by_status = Counter(own.values_list("status", flat=True))
    planned = Counter(
        OrderStatus.COMPLETED if outcome == PARTIAL_REFUND else outcome
        for _days, outcome, _cod in HISTORY
    )
    assert by_status == Counter({status: n * len(SHOPS) for status, n in planned.items()})


def _the_demo_channel_has_a_season_of_sales_and_audits_compliant_everywhere() -> None:
    from weishang.channel.disclosure import disclosure
    from weishang.channel.models import Channel, Payout
    from weishang.channel.payouts import statement
    from weishang.channel.self_audit import channel_audit

    channel = Channel.objects.get(shop__slug="chayuan")
    members = list(channel.members.all())
    assert len(members) == len(RESELLERS)
    assert sum(1 for m in members if m.sponsor_id) == 3
    assert Order.objects.filter(reseller__isnull=False).count() > 60
    assert any(statement(m).payable > 0 for m in members)
    assert set(Payout.objects.values_list("state", flat=True)) == {"paid", "requested"}
    figures = disclosure(channel, timezone.localtime().year)
    assert figures.resellers == len(RESELLERS) and figures.earned_nothing >= 1
    result, _html = channel_audit(channel)
    verdicts = {code: result.jurisdictions[code].verdict for code in ("CN", "US", "EU")}
    assert verdicts == {"CN": "compliant", "US": "compliant", "EU": "compliant"}
