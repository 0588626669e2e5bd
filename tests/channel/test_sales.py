"""A channel sale from order to payout: the reseller's shop sells, the brand ships, the commission
is held, released after the return window, clawed back by a refund, paid out; each step a
balanced ledger entry, and nothing paid on a participant's purchase or to anyone above the
direct sponsor."""

from __future__ import annotations

import pytest
from django.db.models import Sum
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
from tests.factories import make_product, make_user
from weishang.channel.commissions import member_account
from weishang.channel.models import Commission, CommissionState, EarningsYear, Payout
from weishang.channel.payouts import payout_mark_paid, payout_request, statement
from weishang.channel.services import ChannelError, listing_set, member_join
from weishang.ledger.models import JournalEntry, Posting
from weishang.ledger.services import balance
from weishang.orders.errors import OrderError
from weishang.orders.models import OrderStatus, PaymentMethod
from weishang.payments.services import refund_create

pytestmark = pytest.mark.django_db


def ledger_is_sound() -> None:
    """Every entry balances and all balances sum to zero, per currency."""
    for entry in JournalEntry.objects.all():
        assert sum(p.amount_minor for p in entry.postings.all()) == 0
    assert (Posting.objects.aggregate(total=Sum("amount_minor"))["total"] or 0) == 0


def test_a_channel_order_is_the_brands_to_ship_sold_by_the_reseller_at_their_price() -> None:
    brand = make_brand()
    reseller = make_reseller(brand, price_minor=12800)
    order = buy_from(reseller, brand, quantity=2)
    assert order.shop == brand.shop and order.sold_by == reseller.user.shops.get()
    assert order.reseller == reseller and order.total_minor == 2 * 12800
    assert order.lines.get().unit_price_minor == 12800
    commission = Commission.objects.get(order=order)
    assert commission.state == CommissionState.PENDING and commission.seller_full_minor == 5120
    assert not JournalEntry.objects.exists()  # nothing moves before the buyer pays


def test_paid_held_delivered_released_then_payable() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand)
    pay(order)
    assert statement(reseller).held == 2000 and statement(reseller).payable == 0
    assert balance(f"channel:{brand.channel.pk}:brand:cash") == PRICE
    assert window_passes() == 0  # not delivered: the window has not started
    deliver(order)
    assert window_passes() == 1
    s = statement(reseller)
    assert (s.held, s.payable, s.earned) == (0, 2000, 2000)
    ledger_is_sound()


def test_a_refund_before_release_claws_back_its_share_and_a_full_refund_leaves_nothing() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand, quantity=4)
    pay(order)
    line = order.lines.get()
    refund_create(shop=order.shop, order_id=order.pk, actor=brand.owner, quantities={line.pk: 1})
    assert statement(reseller).held == 6000  # three of four units left: 3 x 20% of ¥100
    refund_create(shop=order.shop, order_id=order.pk, actor=brand.owner)
    assert statement(reseller).earned == 0
    deliver_refused = Commission.objects.get(order=order)
    assert deliver_refused.seller_minor == 0
    ledger_is_sound()


def test_a_refund_after_release_is_clawed_back_from_payable_and_a_negative_balance_is_carried() -> (
    None
):
    brand = make_brand()
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand)
    pay(order)
    deliver(order)
    window_passes()
    payout = payout_request(membership=reseller, actor=reseller.user, amount="20")
    payout_mark_paid(payout=payout, actor=brand.owner, reference="WX-20261206-1")
    refund_create(shop=order.shop, order_id=order.pk, actor=brand.owner)
    s = statement(reseller)
    assert (s.payable, s.paid, s.earned) == (-2000, 2000, 0)  # owes the ¥20 already paid out
    with pytest.raises(ChannelError):
        payout_request(membership=reseller, actor=reseller.user, amount="10")
    ledger_is_sound()


@pytest.mark.parametrize("who", ["the reseller's phone", "another reseller's account", "brand"])
def test_a_participants_purchase_earns_no_commission(who: str) -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    other = make_reseller(brand)
    if who == "the reseller's phone":
        order = buy_from(reseller, brand, phone=reseller.user.phone)
    elif who == "another reseller's account":
        order = buy_from(reseller, brand, buyer=other.user)
    else:
        brand.shop.phone = "+8613600000001"
        brand.shop.save()
        order = buy_from(reseller, brand, phone="+8613600000001")
    pay(order)
    deliver(order)
    window_passes()
    commission = Commission.objects.get(order=order)
    assert commission.participant and commission.seller_full_minor == 0
    assert statement(reseller).earned == 0
    # the sale itself is still in the ledger: the brand was paid
    assert balance(f"channel:{brand.channel.pk}:brand:cash") == PRICE
    ledger_is_sound()


def test_under_cn_the_sponsor_earns_nothing_on_their_recruits_sales() -> None:
    brand = make_brand("CN")
    sponsor = make_reseller(brand)
    recruit = make_reseller(brand, sponsor=sponsor)
    order = buy_from(recruit, brand)
    pay(order)
    assert statement(sponsor).earned == 0 and statement(recruit).earned == 2000


def test_under_us_the_direct_sponsor_has_an_override_and_nobody_above_them_anything() -> None:
    brand = make_brand("US", seller_rate="0.20", override_rate="0.05")
    top = make_reseller(brand)
    sponsor = make_reseller(brand, sponsor=top)
    seller = make_reseller(brand, sponsor=sponsor)
    order = buy_from(seller, brand)
    pay(order)
    assert statement(seller).earned == 2000
    assert statement(sponsor).earned == 500
    assert statement(top).earned == 0  # no third level: there is no column for it
    assert {c.sponsor_id for c in Commission.objects.all()} == {sponsor.pk}
    ledger_is_sound()


def test_recruiting_earns_nothing() -> None:
    brand = make_brand("US", seller_rate="0.20", override_rate="0.05")
    sponsor = make_reseller(brand)
    for _ in range(20):
        make_reseller(brand, sponsor=sponsor)
    assert not JournalEntry.objects.exists() and statement(sponsor).earned == 0


def test_cash_on_delivery_is_paid_and_held_when_it_is_delivered() -> None:
    brand = make_brand()
    brand.shop.accepts_cash_on_delivery = True
    brand.shop.save()
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    assert order.status == OrderStatus.AWAITING_SHIPMENT and statement(reseller).earned == 0
    deliver(order)
    assert statement(reseller).held == 2000
    window_passes()
    assert statement(reseller).payable == 2000


def test_an_unpaid_order_that_is_cancelled_pays_nothing() -> None:
    from weishang.orders.services import order_cancel

    brand = make_brand()
    reseller = make_reseller(brand)
    order = buy_from(reseller, brand)
    order_cancel(shop=order.shop, order_id=order.pk, actor=brand.owner)
    assert Commission.objects.get(order=order).state == CommissionState.VOID
    assert not JournalEntry.objects.exists()


def test_payouts_are_bounded_by_the_payable_balance_and_the_minimum() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    for _ in range(3):
        order = buy_from(reseller, brand)
        pay(order)
        deliver(order)
    window_passes()
    with translation.override("en"):
        with pytest.raises(ChannelError, match="at most your payable balance"):
            payout_request(membership=reseller, actor=reseller.user, amount="60.01")
        with pytest.raises(ChannelError, match="at least"):
            payout_request(membership=reseller, actor=reseller.user, amount="9.99")
        with pytest.raises(ChannelError):
            payout_request(membership=reseller, actor=brand.owner, amount="10")
    payout = payout_request(membership=reseller, actor=reseller.user, amount="50")
    s = statement(reseller)
    assert (s.payable, s.requested, s.paid) == (1000, 5000, 0)
    with pytest.raises(ChannelError):
        payout_mark_paid(payout=payout, actor=reseller.user, reference="self")
    payout_mark_paid(payout=payout, actor=brand.owner, reference="ICBC 0042")
    with pytest.raises(ChannelError):
        payout_mark_paid(payout=payout, actor=brand.owner, reference="again")
    s = statement(reseller)
    assert (s.payable, s.requested, s.paid, s.earned) == (1000, 0, 5000, 6000)
    assert Payout.objects.get().reference == "ICBC 0042"
    ledger_is_sound()


def test_a_listing_price_outside_the_band_is_refused() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    with translation.override("en"), pytest.raises(ChannelError, match="Choose a price from"):
        listing_set(
            membership=reseller, actor=reseller.user, offer=brand.offer, price_minor=PRICE * 2 + 1
        )


def test_a_product_the_reseller_does_not_list_cannot_be_bought_in_their_shop() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    unlisted = make_product(shop=brand.shop, price_minor=PRICE)
    from weishang.orders.services import order_place

    with pytest.raises(OrderError):
        order_place(
            shop=reseller.user.shops.get(),
            quantities={unlisted.variants.get().pk: 1},
            buyer_name="王小明",
            buyer_phone="+8613700000001",
            shipping_address="浙江省杭州市西湖区龙井路 1 号",
            payment_method=PaymentMethod.MANUAL_TRANSFER,
            checkout_key="unlisted",
        )


def test_a_reseller_who_left_sells_no_more() -> None:
    from weishang.channel.services import member_leave

    brand = make_brand()
    reseller = make_reseller(brand)
    member_leave(membership=reseller, actor=reseller.user)
    with pytest.raises(OrderError):
        buy_from(reseller, brand)


def test_the_yearly_earnings_kept_beside_the_ledger_equal_what_the_ledger_says() -> None:
    brand = make_brand("US", seller_rate="0.20", override_rate="0.05")
    sponsor = make_reseller(brand)
    seller = make_reseller(brand, sponsor=sponsor)
    orders = [buy_from(seller, brand, quantity=q) for q in (1, 2, 3)]
    for order in orders:
        pay(order)
    refund_create(shop=orders[1].shop, order_id=orders[1].pk, actor=brand.owner)
    line = orders[2].lines.get()
    refund_create(
        shop=orders[2].shop, order_id=orders[2].pk, actor=brand.owner, quantities={line.pk: 1}
    )
    for membership in (sponsor, seller):
        kept = EarningsYear.objects.filter(membership=membership).aggregate(t=Sum("earned_minor"))
        assert kept["t"] == statement(membership).earned


def test_joining_twice_is_refused() -> None:
    brand = make_brand()
    user = make_user()
    member_join(channel=brand.channel, user=user)
    with pytest.raises(ChannelError):
        member_join(channel=brand.channel, user=user)


def test_the_accounts_a_sale_posts_to_are_only_the_seller_and_the_direct_sponsor() -> None:
    brand = make_brand("EU", seller_rate="0.15", override_rate="0.05")
    top = make_reseller(brand)
    sponsor = make_reseller(brand, sponsor=top)
    seller = make_reseller(brand, sponsor=sponsor)
    pay(buy_from(seller, brand))
    member_keys = set(
        Posting.objects.filter(account__key__contains=":member:").values_list(
            "account__key", flat=True
        )
    )
    ch = brand.channel.pk
    assert member_keys == {
        member_account(ch, seller.pk, "held"),
        member_account(ch, sponsor.pk, "held"),
    }


def test_the_earnings_disclosure_counts_every_reseller_and_updates_with_refunds() -> None:
    from weishang.channel.disclosure import disclosure

    brand = make_brand()
    sellers = [make_reseller(brand) for _ in range(10)]
    orders = []
    for i, seller in enumerate(sellers[:4]):  # six of ten earn nothing
        for _ in range(i + 1):
            order = buy_from(seller, brand)
            pay(order)
            orders.append(order)
    from django.utils import timezone

    year = timezone.localtime().year
    d = disclosure(brand.channel, year)
    assert (d.resellers, d.earned_nothing) == (10, 6)
    assert d.total == 2000 * (1 + 2 + 3 + 4) and d.median == 0 and d.upper_quartile == 3500
    assert d.top_tenth_share == pytest.approx(8000 / 20000)  # the top one of ten: four sales
    assert sum(b.resellers for b in d.brackets) == 10 and d.brackets[0].resellers == 6
    refund_create(shop=orders[0].shop, order_id=orders[0].pk, actor=brand.owner)
    d = disclosure(brand.channel, year)
    assert d.earned_nothing == 7 and d.total == 18000
    assert disclosure(brand.channel, year - 1).resellers == 0
