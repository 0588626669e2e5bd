"""Attribution: a visit through a short link is recorded only when a browser shows the page (never
for a preview bot), without costing a fresh visitor the page cache; an order placed within the
window is attributed to the last link clicked, once, when it is placed; the buyer may remove the
binding, and the seller's statistics honour that."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import make_user
from tests.http_client import hidden_input
from tests.storefront.test_previews import PREVIEW_BOTS, tags
from weishang.accounts.models import User
from weishang.catalog.models import Product
from weishang.dashboard.referrals import share_stats
from weishang.orders.lifecycle import order_change
from weishang.orders.models import Order, OrderStatus, PaymentMethod
from weishang.sharing.models import ShareLink, ShareVisit
from weishang.sharing.services import share_link_for, share_link_revoke
from weishang.shops.models import Shop

from .conftest import BROWSER
from .test_links import signed_in

BUYER = {
    "name": "王小明",
    "phone": "138 0013 8000",
    "address": "浙江省杭州市西湖区龙井路 1 号",
    "note": "",
    "payment_method": PaymentMethod.MANUAL_TRANSFER.value,
}


def arrive(client: Client, link: ShareLink, *, confirm: bool = True) -> None:
    """Open a short link as a browser does: follow the redirect and, as the page's script does,
    confirm the arrival."""
    page = client.get(f"/s/{link.code}", follow=True)
    assert page.status_code == 200
    if confirm:
        assert client.post("/s/arrived").status_code == 204


def buy(client: Client, product: Product) -> Order:
    variant = product.variants.first()
    assert variant is not None
    client.post(f"/{product.shop.slug}/cart/add/", {"variant": variant.pk, "quantity": 1})
    html = client.get(f"/{product.shop.slug}/checkout/").content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', html)
    assert key is not None
    response = client.post(
        f"/{product.shop.slug}/checkout/",
        {**BUYER, "checkout_key": key.group(1), "prices_seen": hidden_input(html, "prices_seen")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get(checkout_key=key.group(1))


def test_a_visit_is_recorded_once_with_no_address_and_the_page_cache_still_serves(
    seller: User,
    shop: Shop,
    product: Product,
    visitor: Client,
    django_assert_num_queries: Any,
    settings: Any,
) -> None:
    settings.STOREFRONT_PAGE_CACHE_SECONDS = 2
    link = share_link_for(owner=seller, shop=shop, product=product)
    Client(HTTP_USER_AGENT=BROWSER).get(f"/{shop.slug}/p/{product.pk}/")  # fills the page cache
    response = visitor.get(f"/s/{link.code}")
    assert set(response.cookies) == {"weishang_visitor", "weishang_arrival"}
    assert response.cookies["weishang_visitor"]["httponly"]
    assert not ShareVisit.objects.exists()  # the redirect writes nothing
    with django_assert_num_queries(0):  # the fresh visitor's cached page
        assert visitor.get(response["Location"]).status_code == 200
    assert visitor.post("/s/arrived").status_code == 204
    assert visitor.post("/s/arrived").status_code == 204  # the cookie is gone: nothing more
    (visit,) = ShareVisit.objects.all()
    assert visit.link == link and len(visit.visitor_key) == 32
    assert visitor.cookies["weishang_visitor"].value not in visit.visitor_key
    stored = {f.name for f in ShareVisit._meta.get_fields()}
    assert stored == {"id", "link", "at", "visitor_key"}  # no address, no user agent


@pytest.mark.parametrize("bot", PREVIEW_BOTS)
def test_preview_bots_get_the_card_and_are_never_counted(
    seller: User, shop: Shop, product: Product, bot: str
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    fetcher = Client(HTTP_USER_AGENT=PREVIEW_BOTS[bot])
    page = fetcher.get(f"/s/{link.code}", follow=True)
    assert page.status_code == 200
    card = tags(page.content.decode())
    assert card["og:title"] == "清涧狗头枣" and card["og:url"].endswith(f"/p/{product.pk}/")
    # A fetcher reads the HTML and never runs the page's script, so nothing is confirmed.
    assert not ShareVisit.objects.exists()
    if bot != "WeChat":  # WeChat's fetcher sends the app's own user agent, as its readers do
        assert "weishang_arrival" not in fetcher.cookies


def test_known_bots_get_no_cookies_and_a_confirmation_from_one_is_ignored(
    seller: User, shop: Shop
) -> None:
    link = share_link_for(owner=seller, shop=shop)
    for agent in ("Twitterbot/1.0", "Googlebot/2.1 (+http://www.google.com/bot.html)", ""):
        response = Client(HTTP_USER_AGENT=agent).get(f"/s/{link.code}")
        assert response.status_code == 302 and not response.cookies, agent
    assert Client(HTTP_USER_AGENT=BROWSER).head(f"/s/{link.code}").cookies == {}
    browser = Client(HTTP_USER_AGENT=BROWSER)
    browser.get(f"/s/{link.code}")
    browser.post("/s/arrived", HTTP_USER_AGENT="facebookexternalhit/1.1")
    assert not ShareVisit.objects.exists()


def test_an_order_within_the_window_is_attributed_when_placed(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link)
    order = buy(visitor, product)
    assert order.share_link == link
    assert order.share_visited_at == ShareVisit.objects.get().at
    # Computed once: revoking the link later does not undo a placed order's attribution
    share_link_revoke(link=link, actor=seller)
    order.refresh_from_db()
    assert order.share_link == link


@pytest.mark.parametrize(
    ("age", "attributed"),
    [
        (timedelta(days=7) - timedelta(seconds=5), True),
        (timedelta(days=7), False),
        (timedelta(days=7, seconds=5), False),
    ],
)
def test_the_window_edges(
    seller: User,
    shop: Shop,
    product: Product,
    visitor: Client,
    age: timedelta,
    attributed: bool,
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link)
    ShareVisit.objects.update(at=timezone.now() - age)
    order = buy(visitor, product)
    assert (order.share_link_id == link.pk) is attributed


def test_the_window_is_configurable(
    seller: User, shop: Shop, product: Product, visitor: Client, settings: object
) -> None:
    settings.SHARE_ATTRIBUTION_DAYS = 30  # type: ignore[attr-defined]
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link)
    ShareVisit.objects.update(at=timezone.now() - timedelta(days=20))
    assert buy(visitor, product).share_link == link


def test_two_competing_links_the_last_click_wins(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    first = share_link_for(owner=seller, shop=shop, product=product)
    second = share_link_for(owner=seller, shop=shop)
    arrive(visitor, first)
    ShareVisit.objects.update(at=timezone.now() - timedelta(hours=1))
    arrive(visitor, second)
    assert buy(visitor, product).share_link == second
    arrive(visitor, first)
    assert buy(visitor, product).share_link == first
    # one person through two links today is one visitor of the day, not two
    assert share_stats(shop).days[-1][1].visitors == 1


def test_a_visitor_who_arrives_twice_is_two_visits_one_visitor_one_order(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link)
    ShareVisit.objects.update(at=timezone.now() - timedelta(minutes=5))
    arrive(visitor, link)
    buy(visitor, product)
    (entry,) = share_stats(shop).links
    assert (entry.total.visits, entry.total.visitors, entry.total.orders) == (2, 1, 1)
    assert entry.total.conversion == 100.0


def test_a_buyer_without_javascript_is_counted_when_ordering(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link, confirm=False)
    assert not ShareVisit.objects.exists()
    order = buy(visitor, product)
    assert order.share_link == link and ShareVisit.objects.count() == 1


def test_a_revoked_link_brings_no_new_attribution(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link)
    share_link_revoke(link=link, actor=seller)
    assert buy(visitor, product).share_link is None


def test_a_visit_to_another_shop_is_not_this_shops_referral(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    from tests.factories import make_product, make_shop

    elsewhere = make_product(shop=make_shop(owner=seller))
    arrive(visitor, share_link_for(owner=seller, shop=elsewhere.shop, product=elsewhere))
    assert buy(visitor, product).share_link is None


def test_the_buyer_sees_who_referred_them_and_removes_it_and_statistics_honour_that(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    seller.display_name = "阿芳"
    seller.save()
    link = share_link_for(owner=seller, shop=shop, product=product)
    arrive(visitor, link)
    order = buy(visitor, product)
    page = visitor.get(f"/o/{order.token}/").content.decode()
    assert "阿芳" in page and seller.email not in page
    assert share_stats(shop).total.orders == 1

    assert visitor.post(f"/o/{order.token}/referral/remove/").status_code == 302
    order.refresh_from_db()
    assert order.share_removed_at is not None and order.share_link == link
    page = visitor.get(f"/o/{order.token}/").content.decode()
    assert "阿芳" not in page
    stats = share_stats(shop)
    assert stats.total.orders == 0 and stats.total.revenue_minor == 0
    assert stats.total.visits == 1  # the visit happened; the order is no longer theirs
    csv_text = signed_in(seller).get(f"/dashboard/{shop.slug}/sharing.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert [r["orders"] for r in rows] == ["0"]


def test_the_sellers_statistics_per_link_and_day_and_the_csv(
    seller: User, shop: Shop, product: Product
) -> None:
    links = [
        share_link_for(owner=seller, shop=shop, product=product),
        share_link_for(owner=seller, shop=shop),
    ]
    for i in range(3):
        browser = Client(HTTP_USER_AGENT=BROWSER)
        arrive(browser, links[i % 2])
        if i < 2:
            buy(browser, product)
    order = Order.objects.filter(share_link=links[0]).get()
    order_change(order, "cancel", actor=None)  # a cancelled order is not a sale
    stats = share_stats(shop)
    figures = {e.link.pk: e.total for e in stats.links}
    assert (figures[links[0].pk].visits, figures[links[0].pk].orders) == (2, 0)
    assert (figures[links[1].pk].visits, figures[links[1].pk].orders) == (1, 1)
    assert figures[links[1].pk].revenue_minor == 3800
    assert stats.days[-1][1].visits == 3 and len(stats.days) == 30

    client = signed_in(seller)
    page = client.get(f"/dashboard/{shop.slug}/sharing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert links[0].code in html and "chart__bars" in html
    # today's row in the day-by-day table: 3 visits, 1 order, 38.00
    assert re.search(
        r'<tr><th scope="row">[\d-]+</th><td class="num">3</td><td class="num">1</td>', html
    )
    export = client.get(f"/dashboard/{shop.slug}/sharing.csv")
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert {(r["link"], r["visits"], r["orders"], r["revenue"]) for r in rows} == {
        (links[0].code, "2", "0", "0.00"),
        (links[1].code, "1", "1", "38.00"),
    }
    # Another seller cannot see or withdraw this shop's links
    stranger = signed_in(make_user())
    assert stranger.get(f"/dashboard/{shop.slug}/sharing/").status_code in (403, 404)
    assert stranger.post(f"/dashboard/{shop.slug}/sharing/{links[0].pk}/revoke/").status_code in (
        403,
        404,
    )
    client.post(f"/dashboard/{shop.slug}/sharing/{links[0].pk}/revoke/")
    assert ShareLink.objects.get(pk=links[0].pk).revoked_at is not None
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_one_address_confirming_visits_in_bulk_is_not_counted(
    seller: User, shop: Shop, settings: Any
) -> None:
    settings.SHARE_VISIT_RATE_PER_ADDRESS = "3/d"  # a day's window: a test never straddles two
    link = share_link_for(owner=seller, shop=shop)
    for _ in range(6):  # a script that drops its cookies and comes back
        arrive(Client(HTTP_USER_AGENT=BROWSER), link)
    assert ShareVisit.objects.count() == 3


def test_an_arrival_replayed_with_made_up_visitor_ids_or_from_another_site_counts_nothing(
    seller: User, shop: Shop
) -> None:
    link = share_link_for(owner=seller, shop=shop)
    browser = Client(HTTP_USER_AGENT=BROWSER)
    browser.get(f"/s/{link.code}")
    arrival = browser.cookies["weishang_arrival"].value
    for n in range(5):
        forger = Client(HTTP_USER_AGENT=BROWSER)
        forger.cookies["weishang_arrival"] = arrival
        forger.cookies["weishang_visitor"] = f"madeupvisitor{n:08d}"
        assert forger.post("/s/arrived").status_code == 204
    assert not ShareVisit.objects.exists()
    browser.post("/s/arrived", HTTP_SEC_FETCH_SITE="cross-site")
    assert not ShareVisit.objects.exists()
    browser.post("/s/arrived", HTTP_SEC_FETCH_SITE="same-origin")
    assert ShareVisit.objects.count() == 1
