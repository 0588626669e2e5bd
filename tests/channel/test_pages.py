"""The channel through its pages: a consumer buys a brand's product in a reseller's shop, the
brand runs the channel from its dashboard, the reseller lists, earns and asks for payouts without
ever seeing a buyer's full phone or address; the public channel page, the earnings disclosure,
the certificate pages; and the bad inputs the issue names."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from tests.channel.helpers import (
    PRICE,
    buy_from,
    deliver,
    make_brand,
    make_reseller,
    pay,
    window_passes,
)
from tests.factories import make_product, make_shop, make_user
from weishang.channel.certificates import certificate_current
from weishang.channel.models import ChannelOffer, Listing, Membership, Payout
from weishang.channel.services import listing_set, member_leave
from weishang.orders.models import Order
from weishang.storefront.selectors import shop_products

pytestmark = pytest.mark.django_db
BUYER = {
    "name": "王小明",
    "phone": "138 0013 8000",
    "address": "浙江省杭州市西湖区龙井路 1 号",
    "note": "",
    "payment_method": "manual_transfer",
}


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def checkout(client: Client, slug: str, **changes: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/{slug}/checkout/")
    assert page.status_code == 200, page.content[:300]
    key = re.search(r'name="checkout_key" value="([^"]+)"', page.content.decode())
    assert key is not None
    seen = re.search(r'name="prices_seen" value="([^"]+)"', page.content.decode())
    assert seen is not None
    form = {**BUYER, "checkout_key": key.group(1), "prices_seen": seen.group(1), **changes}
    return client.post(f"/{slug}/checkout/", form)


def test_a_consumer_buys_the_brands_product_in_the_resellers_shop() -> None:
    brand = make_brand()
    reseller = make_reseller(brand, price_minor=12800)
    shop = reseller.user.shops.get()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    home = client.get(f"/{shop.slug}/").content.decode()
    assert brand.product.name in home and "from 茶园" in home and "¥128.00" in home
    page = client.get(f"/{shop.slug}/p/{brand.product.pk}/").content.decode()
    assert "¥128.00" in page and "an authorized reseller of 茶园" in page
    code = certificate_current(reseller).code  # type: ignore[union-attr]
    assert code in page

    variant = brand.product.variants.get()
    added = client.post(f"/{shop.slug}/cart/add/", {"variant": variant.pk, "quantity": 2})
    assert added.status_code == 302
    placed = checkout(client, shop.slug)
    order = Order.objects.get()
    assert placed["Location"] == f"/o/{order.token}/"
    assert (order.shop, order.sold_by, order.reseller) == (brand.shop, shop, reseller)
    assert order.total_minor == 2 * 12800
    assert f"supplier:{shop.pk}" not in client.session  # the emptied cart ships from nowhere
    order_page = client.get(placed["Location"]).content.decode()
    assert "sold you this as an authorized reseller of 茶园" in order_page and code in order_page


def test_one_cart_ships_from_one_place() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    own = make_product(shop=shop, price_minor=500)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(f"/{shop.slug}/cart/add/", {"variant": own.variants.get().pk})
    refused = client.post(f"/{shop.slug}/cart/add/", {"variant": brand.product.variants.get().pk})
    assert refused.status_code == 409 and "ship from elsewhere" in refused.content.decode()


def test_an_unlisted_or_left_product_is_not_for_sale_in_the_resellers_shop() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    other = make_product(shop=brand.shop, price_minor=PRICE)
    client = Client()
    assert client.get(f"/{shop.slug}/p/{other.pk}/").status_code == 404
    member_leave(membership=reseller, actor=reseller.user)
    assert client.get(f"/{shop.slug}/p/{brand.product.pk}/").status_code == 404
    assert brand.product.name not in client.get(f"/{shop.slug}/").content.decode()


def test_the_shop_home_query_and_the_channel_rule_agree_on_what_is_resold() -> None:
    """``storefront.selectors`` lists resold products in raw SQL; ``channel.services`` decides
    in the ORM. Every way a listing stops being on sale is seen the same by both."""
    from weishang.channel.services import resold_products

    brand = make_brand()
    kept, left, out_of_band = (make_reseller(brand) for _ in range(3))
    member_leave(membership=left, actor=left.user)
    Listing.objects.filter(membership=out_of_band).update(price_minor=PRICE * 3)
    for membership in (kept, left, out_of_band):
        shop = membership.user.shops.get()
        via_sql = {p.pk for p in shop_products(shop) if p.resold}  # type: ignore[attr-defined]
        assert via_sql == set(resold_products(shop)), membership
    assert {p.pk for p in shop_products(kept.user.shops.get())} == {brand.product.pk}
    brand.channel.is_open = False
    brand.channel.save()
    assert not [p for p in shop_products(kept.user.shops.get()) if p.resold]  # type: ignore[attr-defined]
    assert resold_products(kept.user.shops.get()) == {}


def test_the_brand_runs_its_channel_from_the_dashboard() -> None:
    shop = make_shop(name="茶园")
    product = make_product(shop=shop, price_minor=PRICE)
    brand = signed_in(shop.owner)
    assert brand.get(f"/dashboard/{shop.slug}/channel/").status_code == 200
    opened = brand.post(f"/dashboard/{shop.slug}/channel/settings/", {"policy": "CN"})
    assert opened.status_code == 302
    offer = {"product": product.pk, "price_min": "100", "price_max": "120", "seller_rate": "15"}
    assert brand.post(f"/dashboard/{shop.slug}/channel/offers/", offer).status_code == 302
    saved = ChannelOffer.objects.get()
    assert (saved.price_min_minor, saved.price_max_minor, str(saved.seller_rate)) == (
        10000, 12000, "0.1500"
    )  # fmt: skip
    # what the charter forbids comes back as a message, with nothing saved
    for bad, message in (
        ({"seller_rate": "31"}, "less than or equal to 30"),
        ({"seller_rate": "10", "override_rate": "5"}, "only the seller of a sale is paid"),
        ({"price_min": "130"}, "lowest consumer price"),
        ({"level3_rate": "2"}, "no third level"),
        ({"recruit_bonus": "5"}, "no reward for recruiting"),
    ):
        answer = brand.post(f"/dashboard/{shop.slug}/channel/offers/", {**offer, **bad})
        assert answer.status_code == 400 and message in answer.content.decode(), bad
    assert ChannelOffer.objects.get().seller_rate == saved.seller_rate


def test_the_brand_approves_removes_and_pays_out_and_sees_only_its_own_resellers() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    other_brand = make_brand()
    stranger = make_reseller(other_brand)
    client = signed_in(brand.owner)
    page = client.get(f"/dashboard/{brand.shop.slug}/channel/").content.decode()
    assert reseller.user.display_name in page and stranger.user.display_name not in page
    # another brand's reseller, through this brand's dashboard: not found
    url = f"/dashboard/{brand.shop.slug}/channel/members/{stranger.pk}/remove/"
    assert client.post(url).status_code == 404
    assert Membership.objects.get(pk=stranger.pk).status == "active"

    order = buy_from(reseller, brand)
    pay(order)
    deliver(order)
    window_passes()
    from weishang.channel.payouts import payout_request

    payout = payout_request(membership=reseller, actor=reseller.user, amount="20")
    paid = client.post(
        f"/dashboard/{brand.shop.slug}/channel/payouts/{payout.pk}/paid/", {"reference": "WX-1"}
    )
    assert paid.status_code == 302 and Payout.objects.get().state == "paid"
    assert (
        client.post(
            f"/dashboard/{brand.shop.slug}/channel/members/{reseller.pk}/remove/"
        ).status_code
        == 302
    )
    assert Membership.objects.get(pk=reseller.pk).status == "removed"


def test_the_reseller_sees_their_sales_but_never_the_buyers_phone_or_address() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand, phone="+8613812345678")
    pay(order)
    shop = reseller.user.shops.get()
    page = signed_in(reseller.user).get(f"/dashboard/{shop.slug}/resale/").content.decode()
    assert order.reference in page and "¥20.00" in page
    assert "138****5678" in page and "13812345678" not in page and "138 1234 5678" not in page
    assert "浙江省杭州市…" in page and "龙井路" not in page
    assert "王*明" in page


def test_the_reseller_lists_requests_a_payout_and_cannot_change_the_brands_product() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    client = signed_in(reseller.user)
    base = f"/dashboard/{shop.slug}/resale/{reseller.pk}"
    key = f"o{brand.offer.pk}-price"
    client.post(f"{base}/offers/{brand.offer.pk}/", {key: "150"})
    assert Listing.objects.get().price_minor == 15000
    outside = client.post(f"{base}/offers/{brand.offer.pk}/", {key: "250"}, follow=True)
    assert "Choose a price from" in outside.content.decode()
    assert Listing.objects.get().price_minor == 15000
    too_much = client.post(f"{base}/payout/", {"amount": "¥10"}, follow=True)
    assert "at most your payable balance" in too_much.content.decode()
    assert not Payout.objects.exists()
    # the brand's product is not the reseller's to edit
    edit = client.post(f"/dashboard/{shop.slug}/products/{brand.product.pk}/", {"name": "Hacked"})
    assert edit.status_code == 404
    brand.product.refresh_from_db()
    assert brand.product.name != "Hacked"


def test_joining_from_an_invitation_records_the_sponsor_and_joining_twice_is_refused() -> None:
    brand = make_brand()
    sponsor = make_reseller(brand)
    from weishang.channel.selectors import invite_token

    newcomer = make_user()
    make_shop(owner=newcomer)
    client = signed_in(newcomer)
    link = f"/{brand.shop.slug}/channel/?by={invite_token(sponsor)}"
    page = client.get(link).content.decode()
    assert "invited you" in page and "Free to join" in page
    joined = client.post(f"/{brand.shop.slug}/channel/join/", {"by": invite_token(sponsor)})
    assert joined.status_code == 302
    assert Membership.objects.get(user=newcomer).sponsor == sponsor
    again = client.post(f"/{brand.shop.slug}/channel/join/", {}, follow=True)
    assert "already joined" in again.content.decode()
    forged = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/{brand.shop.slug}/channel/?by=1.forged")
    assert forged.status_code == 200 and "invited you" not in forged.content.decode()


def test_the_public_earnings_disclosure_and_the_certificate_pages() -> None:
    brand = make_brand()
    resellers = [make_reseller(brand) for _ in range(4)]
    pay(buy_from(resellers[0], brand))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/{brand.shop.slug}/channel/earnings/").content.decode()
    assert 'data-test="resellers">4<' in page and 'data-test="nothing">75%<' in page

    cert = certificate_current(resellers[1])
    assert cert is not None
    found = client.get("/verify/", {"q": resellers[1].user.phone}).content.decode()
    assert cert.code in found and "authorized" in found
    assert 'data-status="valid"' in client.get(f"/verify/{cert.code}/").content.decode()
    picture = client.get(f"/verify/{cert.code}.png")
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert client.get(f"/verify/{cert.code}.json").status_code == 200
    assert b"BEGIN PUBLIC KEY" in client.get("/verify/platform-key.pem").content
    member_leave(membership=resellers[1], actor=brand.owner)
    assert 'data-status="revoked"' in client.get(f"/verify/{cert.code}/").content.decode()
    assert client.get("/verify/NOSUCHCODE/").status_code == 404
    assert client.get("/verify/" + "X" * 40 + "/").status_code == 404


def test_the_brand_sees_its_channels_audit() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    for n in range(3):
        order = buy_from(reseller, brand, phone=f"+86137000000{n:02d}")
        pay(order)
    client = signed_in(brand.owner)
    page = client.get(f"/dashboard/{brand.shop.slug}/channel/audit/").content.decode()
    assert 'data-verdict="CN"' in page and 'data-verdict="US"' in page
    report = client.get(f"/dashboard/{brand.shop.slug}/channel/audit/report/")
    assert report.status_code == 200 and b"<html" in report.content


def test_a_reseller_shares_a_resold_product_with_their_own_link() -> None:
    from weishang.sharing.services import share_link_for

    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    link = share_link_for(owner=reseller.user, shop=shop, product=brand.product)
    opened = Client().get(f"/s/{link.code}")
    assert opened["Location"] == f"/{shop.slug}/p/{brand.product.pk}/"
    with pytest.raises(ValueError):
        share_link_for(owner=reseller.user, shop=shop, product=make_product(shop=brand.shop))


def test_listing_needs_an_active_membership_and_a_shop_in_the_same_currency() -> None:
    from weishang.channel.services import ChannelError, member_join

    brand = make_brand()
    no_shop = make_user()
    membership = member_join(channel=brand.channel, user=no_shop)
    with pytest.raises(ChannelError):
        listing_set(membership=membership, actor=no_shop, offer=brand.offer, price_minor=PRICE)
    dollars = make_user()
    make_shop(owner=dollars, currency="USD")
    membership = member_join(channel=brand.channel, user=dollars)
    with pytest.raises(ChannelError):
        listing_set(membership=membership, actor=dollars, offer=brand.offer, price_minor=PRICE)


def test_a_newcomer_signs_up_from_the_channel_page_and_comes_back_to_join() -> None:
    brand = make_brand()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/{brand.shop.slug}/channel/").content.decode()
    signup = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', page)
    assert signup is not None
    form = client.get(html.unescape(signup.group(1))).content.decode()
    assert f'name="next" value="/{brand.shop.slug}/channel/"' in form
    done = client.post(
        "/accounts/signup/",
        {
            "login": "newcomer@example.com",
            "display_name": "新人",
            "password": "a-long-enough-password-1",
            "next": f"/{brand.shop.slug}/channel/",
        },
    )
    assert done.status_code == 302 and done["Location"] == f"/{brand.shop.slug}/channel/"
    joined = client.post(f"/{brand.shop.slug}/channel/join/")
    assert joined["Location"] == "/dashboard/shop/new/"  # open a shop, where the products go
    assert Membership.objects.filter(user__email="newcomer@example.com").exists()
    assert client.post("/accounts/signup/", {"next": "https://evil.example/"}).status_code == 200
