"""A seller can never see or change another shop's things: every such page is a 404."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    make_order,
    make_product,
    make_review,
    make_shop,
    make_upload,
    make_user,
)
from weishang.catalog.models import Product, ProductImage, Variant
from weishang.catalog.services import product_image_add
from weishang.channel.models import (
    Certificate,
    Channel,
    ChannelOffer,
    Listing,
    Membership,
    Payout,
)
from weishang.channel.services import channel_open, member_join, offer_set
from weishang.orders.models import Customer, Order, OrderEvent
from weishang.payments.models import Refund
from weishang.reviews.models import Review
from weishang.sharing.models import ShareLink
from weishang.sharing.services import share_link_for
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db

OBJECT_KWARGS = {
    "product_id", "photo_id", "order_id", "customer_id", "link_id", "review_id",
    "membership_id", "payout_id", "offer_id",
}  # fmt: skip


def dashboard_url_names() -> list[str]:
    """Every named pattern in the ``dashboard`` namespace, found by walking the URLconf."""
    names: list[str] = []

    def walk(patterns: list, namespace: str | None) -> None:  # type: ignore[type-arg]
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "dashboard" and p.name:
                names.append(p.name)

    walk(get_resolver().url_patterns, None)
    return sorted(set(names))


def reverse_kwargs_of(name: str) -> set[str]:
    """The URL parameters a dashboard page takes (its shop, and which objects)."""
    _prefix, dashboard = get_resolver().namespace_dict["dashboard"]
    return {
        param
        for possibility in dashboard.reverse_dict.getlist(name)
        for _bits, params in possibility[0]
        for param in params
    }


SHOP_PAGES = [n for n in dashboard_url_names() if "shop_slug" in reverse_kwargs_of(n)]
OBJECT_PAGES = [n for n in SHOP_PAGES if reverse_kwargs_of(n) & OBJECT_KWARGS]


def test_the_walk_covers_every_page_that_takes_an_object_id() -> None:
    assert OBJECT_PAGES == [
        "channel_member_approve",
        "channel_member_remove",
        "channel_offer_withdraw",
        "channel_payout_cancel",
        "channel_payout_paid",
        "customer_detail",
        "order_cancel",
        "order_complete",
        "order_confirm_payment",
        "order_detail",
        "order_refund",
        "order_ship",
        "photo_add",
        "photo_delete",
        "photo_move",
        "product_delete",
        "product_edit",
        "product_move",
        "resale_leave",
        "resale_list",
        "resale_payout",
        "review_reply",
        "sharing_revoke",
    ]


def snapshot() -> list[tuple]:  # type: ignore[type-arg]
    rows: list[tuple] = []  # type: ignore[type-arg]
    models: list[type[Model]] = [
        Shop,
        Product,
        Variant,
        ProductImage,
        Order,
        OrderEvent,
        Customer,
        Refund,
        ShareLink,
        Review,
        Channel,
        ChannelOffer,
        Membership,
        Listing,
        Payout,
        Certificate,
    ]
    for model in models:
        rows.extend(model.objects.order_by("pk").values_list())
    return rows


@pytest.fixture
def victim() -> dict[str, int | str]:
    shop = make_shop(slug="victim-shop")
    product = make_product(shop=shop, variants=2)
    photo = product_image_add(product=product, upload=make_upload())
    order = make_order(variant=product.variants.first())
    channel = channel_open(shop=shop, actor=shop.owner)
    offer = offer_set(
        channel=channel, actor=shop.owner, product=make_product(shop=shop, price_minor=1000),
        price_min_minor=1000, price_max_minor=1000, seller_rate="0.2",
    )  # fmt: skip
    reseller = make_user(email="victim-reseller@example.com")
    make_shop(owner=reseller, slug="victim-reseller")
    membership = member_join(channel=channel, user=reseller)
    payout = Payout.objects.create(
        membership=membership, amount_minor=1000, currency="CNY", state="requested"
    )
    return {
        "membership_id": membership.pk,
        "payout_id": payout.pk,
        "offer_id": offer.pk,
        "shop_slug": shop.slug,
        "product_id": product.pk,
        "photo_id": photo.pk,
        "order_id": order.pk,
        "customer_id": order.customer_id,
        "link_id": share_link_for(owner=shop.owner, shop=shop).pk,
        "review_id": make_review(order).pk,
    }


@pytest.fixture
def intruder() -> tuple[Client, Shop]:
    user = make_user(email="intruder@example.com")
    own_shop = make_shop(owner=user, slug="intruder-shop")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client, own_shop


POST_DATA = {
    "direction": "1",
    "carrier": "顺丰速运",
    "tracking_number": "SF1",
    "everything": "on",
    "restock": "on",
    "name": "Hacked",
    "variants-TOTAL_FORMS": "1",
    "variants-INITIAL_FORMS": "0",
    "variants-0-name": "x",
    "variants-0-price": "1",
    "variants-0-stock": "1",
    "reference": "stolen",
    "amount": "10",
    "o1-price": "10",
    "policy": "US",
    "product": "1",
    "price_min": "1",
    "price_max": "1",
    "seller_rate": "30",
}


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_another_shops_objects_are_not_found_through_the_intruders_own_shop(
    name: str, victim: dict[str, int | str], intruder: tuple[Client, Shop]
) -> None:
    client, own_shop = intruder
    kwargs = {k: v for k, v in victim.items() if k in reverse_kwargs_of(name)}
    url = reverse(f"dashboard:{name}", kwargs={**kwargs, "shop_slug": own_shop.slug})
    before = snapshot()

    got, posted = client.get(url), client.post(url, POST_DATA)

    assert (got.status_code, posted.status_code) in {(404, 404), (405, 404)}
    assert snapshot() == before


@pytest.mark.parametrize("name", SHOP_PAGES)
def test_every_page_of_another_sellers_shop_is_not_found(
    name: str, victim: dict[str, int | str], intruder: tuple[Client, Shop]
) -> None:
    client, _own = intruder
    kwargs = {k: v for k, v in victim.items() if k in reverse_kwargs_of(name)}
    url = reverse(f"dashboard:{name}", kwargs=kwargs)
    before = snapshot()

    got, posted = client.get(url), client.post(url, POST_DATA)

    assert got.status_code == 404
    assert posted.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", SHOP_PAGES)
def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(
    name: str, victim: dict[str, int | str]
) -> None:
    kwargs = {k: v for k, v in victim.items() if k in reverse_kwargs_of(name)}
    url = reverse(f"dashboard:{name}", kwargs=kwargs)
    before = snapshot()

    response = Client().post(url, POST_DATA)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert snapshot() == before


def test_the_walk_covers_every_page_of_a_shop() -> None:
    assert len(SHOP_PAGES) == 40
    assert {"home", "shop_new"}.isdisjoint(SHOP_PAGES)  # the two pages that belong to no shop


def test_the_customers_list_shows_only_this_shops_customers(
    victim: dict[str, int | str], intruder: tuple[Client, Shop]
) -> None:
    client, own_shop = intruder
    make_order(shop=own_shop, phone="+8613911112222")

    page = client.get(reverse("dashboard:customer_list", args=[own_shop.slug])).content.decode()

    assert "139 1111 2222" in page
    assert "138 0013 8000" not in page  # the victim's buyer
