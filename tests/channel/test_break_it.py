"""What an independent break-it check found, each held by a test: an offer at exactly the cap,
a policy switched under an offer, a sponsor who left before the payment, a reseller buying with
their shop's phone, payouts a later refund made too large, a price changed during checkout, a
listing gone mid-checkout, extra fields on the offer form, leaving and joining again."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from tests.channel.helpers import (
    PRICE,
    buy_from,
    deliver,
    make_brand,
    make_reseller,
    pay,
    window_passes,
)
from tests.factories import make_user
from weishang.channel.models import ChannelOffer, Commission, Membership, Payout
from weishang.channel.payouts import payout_cancel, payout_mark_paid, payout_request, statement
from weishang.channel.services import (
    ChannelError,
    channel_open,
    member_join,
    member_leave,
    offer_set,
)
from weishang.orders.models import Order
from weishang.payments.services import refund_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("seller", "override"), [("0.20", "0.10"), ("0.2997", "0.0003")])
def test_an_offer_at_exactly_the_cap_is_saved(seller: str, override: str) -> None:
    brand = make_brand("US")
    offer = offer_set(
        channel=brand.channel, actor=brand.owner, product=brand.product,
        price_min_minor=PRICE, price_max_minor=PRICE, seller_rate=seller, override_rate=override,
    )  # fmt: skip
    offer.refresh_from_db()
    assert offer.seller_rate + offer.override_rate == Decimal("0.30")
    with pytest.raises(ChannelError):
        offer_set(
            channel=brand.channel, actor=brand.owner, product=brand.product,
            price_min_minor=PRICE, price_max_minor=PRICE, seller_rate="0.2001",
            override_rate="0.10",
        )  # fmt: skip


def test_a_policy_without_team_pay_is_refused_while_an_offer_pays_an_override() -> None:
    brand = make_brand("US", seller_rate="0.15", override_rate="0.10")
    with translation.override("en"), pytest.raises(ChannelError, match="Lower their rates"):
        channel_open(shop=brand.shop, actor=brand.owner, policy="CN")
    ChannelOffer.objects.filter(pk=brand.offer.pk).update(override_rate=0)
    assert channel_open(shop=brand.shop, actor=brand.owner, policy="CN").policy == "CN"


def test_an_override_is_paid_only_if_allowed_and_the_sponsor_active_when_the_money_arrives() -> (
    None
):
    brand = make_brand("US", seller_rate="0.15", override_rate="0.10")
    sponsor = make_reseller(brand)
    seller = make_reseller(brand, sponsor=sponsor)
    switched, left = buy_from(seller, brand), buy_from(seller, brand)
    assert Commission.objects.get(order=switched).override_full_minor == 1000
    # The brand takes the override away and switches to CN before the first order is paid
    ChannelOffer.objects.filter(pk=brand.offer.pk).update(override_rate=0)
    channel_open(shop=brand.shop, actor=brand.owner, policy="CN")
    pay(switched)
    assert statement(sponsor).earned == 0 and statement(seller).earned == 1500
    # Back to US; the sponsor leaves before the second order is paid
    channel_open(shop=brand.shop, actor=brand.owner, policy="US")
    member_leave(membership=sponsor, actor=sponsor.user)
    pay(left)
    assert statement(sponsor).earned == 0
    assert Commission.objects.get(order=left).sponsor_id is None


def test_a_reseller_buying_with_their_shops_phone_is_a_participant() -> None:
    brand = make_brand()
    user = make_user(email="no-phone@example.com")
    from tests.factories import make_shop
    from weishang.channel.services import listing_set

    make_shop(owner=user, phone="+8613700001111")
    membership = member_join(channel=brand.channel, user=user)
    listing_set(membership=membership, actor=user, offer=brand.offer, price_minor=PRICE)
    order = buy_from(membership, brand, phone="+8613700001111")
    pay(order)
    assert Commission.objects.get(order=order).participant
    assert statement(membership).earned == 0


def test_a_payout_a_later_refund_made_too_large_cannot_be_paid_and_is_cancelled() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    orders = [buy_from(reseller, brand) for _ in range(2)]
    for order in orders:
        pay(order)
        deliver(order)
    window_passes()
    payout = payout_request(membership=reseller, actor=reseller.user, amount="40")
    refund_create(shop=orders[0].shop, order_id=orders[0].pk, actor=brand.owner)
    assert statement(reseller).payable == -2000
    with translation.override("en"), pytest.raises(ChannelError, match="Cancel the request"):
        payout_mark_paid(payout=payout, actor=brand.owner, reference="WX-1")
    with pytest.raises(ChannelError):
        payout_cancel(payout=payout, actor=make_user())  # a stranger
    payout_cancel(payout=payout, actor=brand.owner)
    s = statement(reseller)
    assert (s.payable, s.requested, s.earned) == (2000, 0, 2000)
    assert Payout.objects.get().state == "cancelled"
    again = payout_request(membership=reseller, actor=reseller.user, amount="20")
    payout_mark_paid(payout=again, actor=brand.owner, reference="WX-2")
    assert statement(reseller).paid == 2000


def _checkout(client: Client, slug: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/{slug}/checkout/").content.decode()
    form = {
        name: value
        for name, value in re.findall(r'name="(checkout_key|prices_seen)" value="([^"]*)"', page)
    }
    return {
        **form,
        "name": "王小明",
        "phone": "138 0013 8000",
        "address": "浙江省杭州市西湖区龙井路 1 号",
        "payment_method": "manual_transfer",
    }


def test_a_price_changed_during_checkout_is_never_charged_unseen() -> None:
    from weishang.channel.services import listing_set

    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(f"/{shop.slug}/cart/add/", {"variant": brand.product.variants.get().pk})
    form = _checkout(client, shop.slug)
    listing_set(
        membership=reseller, actor=reseller.user, offer=brand.offer, price_minor=PRICE + 500
    )
    refused = client.post(f"/{shop.slug}/checkout/", form)
    assert refused.status_code == 409 and "A price changed" in refused.content.decode()
    assert "¥105.00" in refused.content.decode() and not Order.objects.exists()
    again = re.search(r'name="prices_seen" value="([0-9a-f]+)"', refused.content.decode())
    assert again is not None and again.group(1) != form["prices_seen"]
    for tampered in ("", "-1", "abc", "0" * 24, "x" * 500):
        answer = client.post(f"/{shop.slug}/checkout/", {**form, "prices_seen": tampered})
        assert answer.status_code in (400, 409) and not Order.objects.exists(), tampered
    missing = {k: v for k, v in form.items() if k != "prices_seen"}
    assert client.post(f"/{shop.slug}/checkout/", missing).status_code == 400
    placed = client.post(f"/{shop.slug}/checkout/", {**form, "prices_seen": again.group(1)})
    assert placed.status_code == 302 and Order.objects.get().total_minor == PRICE + 500


def test_two_prices_that_change_by_as_much_are_still_a_change() -> None:
    """The check is per line, not only the total: +1 on one line and -1 on another is refused."""
    from tests.factories import make_product, make_shop

    shop = make_shop()
    a, b = (make_product(shop=shop, price_minor=p) for p in (7700, 2600))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for product in (a, b):
        client.post(f"/{shop.slug}/cart/add/", {"variant": product.variants.get().pk})
    form = _checkout(client, shop.slug)
    a.variants.update(price_minor=7800)
    b.variants.update(price_minor=2500)
    refused = client.post(f"/{shop.slug}/checkout/", form)
    assert refused.status_code == 409 and not Order.objects.exists()


def test_a_listing_gone_mid_checkout_says_so() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(f"/{shop.slug}/cart/add/", {"variant": brand.product.variants.get().pk})
    form = _checkout(client, shop.slug)
    ChannelOffer.objects.filter(pk=brand.offer.pk).update(
        price_min_minor=PRICE * 2, price_max_minor=PRICE * 2
    )
    refused = client.post(f"/{shop.slug}/checkout/", form)
    assert refused.status_code == 409
    assert "no longer for sale" in refused.content.decode() and not Order.objects.exists()


@pytest.mark.parametrize("field", ["Upline_Pct", "commission2", "anything"])
def test_the_offer_form_refuses_any_field_it_does_not_have(field: str) -> None:
    brand = make_brand()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(brand.owner)
    offer = {"product": brand.product.pk, "price_min": "100", "price_max": "120"}
    answer = client.post(
        f"/dashboard/{brand.shop.slug}/channel/offers/", {**offer, "seller_rate": "25", field: "5"}
    )
    assert answer.status_code == 400 and field in answer.content.decode()
    assert ChannelOffer.objects.get().seller_rate == brand.offer.seller_rate


def test_who_left_may_join_again_and_who_was_removed_may_not() -> None:
    brand = make_brand()
    left = make_reseller(brand)
    removed = make_reseller(brand)
    member_leave(membership=left, actor=left.user)
    member_leave(membership=removed, actor=brand.owner)
    again = member_join(channel=brand.channel, user=left.user)
    assert again.pk == left.pk and again.status == "active" and again.ended_at is None
    assert again.certificates.filter(revoked_at__isnull=True).count() == 1
    with pytest.raises(ChannelError):
        member_join(channel=brand.channel, user=removed.user)
    assert Membership.objects.get(pk=removed.pk).status == "removed"


def test_a_sponsor_sees_the_sales_that_pay_them_an_override() -> None:
    from weishang.channel.selectors import resale_orders

    brand = make_brand("US", seller_rate="0.15", override_rate="0.05")
    sponsor = make_reseller(brand)
    seller = make_reseller(brand, sponsor=sponsor)
    order = buy_from(seller, brand)
    pay(order)
    (row,) = resale_orders(sponsor)
    assert row.as_sponsor and row.reference == order.reference and row.commission.endswith("5.00")
    refund_create(shop=order.shop, order_id=order.pk, actor=brand.owner)
    (row,) = resale_orders(seller)
    assert row.state == "refunded" and row.commission.endswith("0.00")


def test_an_offered_product_given_an_option_at_another_price_is_off_sale_until_equal() -> None:
    from weishang.catalog.models import Variant
    from weishang.channel.services import offer_withdraw, resold_products

    brand = make_brand()
    reseller = make_reseller(brand)
    shop = reseller.user.shops.get()
    dear = Variant.objects.create(
        product=brand.product, name="5 kg", price_minor=98000, currency="CNY", stock=5
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(f"/{shop.slug}/p/{brand.product.pk}/").status_code == 404
    assert resold_products(shop) == {}
    added = client.post(f"/{shop.slug}/cart/add/", {"variant": dear.pk})
    assert added.status_code == 409 and not Order.objects.exists()
    dear.price_minor = brand.product.variants.exclude(pk=dear.pk).get().price_minor
    dear.save()
    assert client.get(f"/{shop.slug}/p/{brand.product.pk}/").status_code == 200
    offer_withdraw(offer=brand.offer, actor=brand.owner)
    assert client.get(f"/{shop.slug}/p/{brand.product.pk}/").status_code == 404


def test_a_purchase_with_the_phone_of_any_shop_of_the_brands_owner_pays_no_one() -> None:
    from tests.factories import make_shop

    brand = make_brand()
    make_shop(owner=brand.owner, phone="+8613800005555")
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand, phone="+8613800005555")
    pay(order)
    assert Commission.objects.get(order=order).participant


def test_the_brand_can_bar_someone_who_left_from_joining_again() -> None:
    brand = make_brand()
    left = make_reseller(brand)
    member_leave(membership=left, actor=left.user)
    member_leave(membership=left, actor=brand.owner)
    assert Membership.objects.get(pk=left.pk).status == "removed"
    with pytest.raises(ChannelError):
        member_join(channel=brand.channel, user=left.user)


def test_an_override_above_its_own_cap_says_so() -> None:
    brand = make_brand("US")
    with translation.override("en"), pytest.raises(ChannelError, match="override is at most 10%"):
        offer_set(
            channel=brand.channel, actor=brand.owner, product=brand.product,
            price_min_minor=PRICE, price_max_minor=PRICE, seller_rate="0.15",
            override_rate="0.15",
        )  # fmt: skip
