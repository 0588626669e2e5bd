"""A brand's channel under the charter: commission capped at 30% (or the policy's stricter cap),
no override under CN and only for the direct sponsor elsewhere, free to join once, the sponsor
recorded and nothing else; the database refuses what the services would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.factories import make_product, make_shop, make_user
from weishang.channel.models import ChannelOffer, Membership, MembershipStatus
from weishang.channel.policy import CHARTER_MAX_TOTAL_RATE, policies
from weishang.channel.services import (
    ChannelError,
    channel_open,
    is_participant,
    member_approve,
    member_join,
    member_leave,
    offer_set,
)

pytestmark = pytest.mark.django_db


def brand(policy: str = "CN", **kwargs: object):  # type: ignore[no-untyped-def]
    shop = make_shop()
    channel = channel_open(shop=shop, actor=shop.owner, policy=policy, **kwargs)  # type: ignore[arg-type]
    return shop, channel, make_product(shop=shop, price_minor=12800)


def test_every_policy_cites_its_sources_and_none_exceeds_the_charter() -> None:
    assert set(policies()) == {"CN", "US", "EU"}
    for policy in policies().values():
        assert policy.sources and policy.max_total_rate <= CHARTER_MAX_TOTAL_RATE
    assert not policies()["CN"].team_pay and policies()["CN"].max_override_rate == 0


@pytest.mark.parametrize("rate", ["-0.01", "0.31", "1.5", "abc", "NaN", "Infinity", "0.12345"])
def test_a_commission_outside_0_to_30_percent_is_refused(rate: str) -> None:
    shop, channel, product = brand()
    with pytest.raises(ChannelError):
        offer_set(
            channel=channel, actor=shop.owner, product=product,
            price_min_minor=12800, price_max_minor=12800, seller_rate=rate,
        )  # fmt: skip
    assert not ChannelOffer.objects.exists()


def test_under_cn_only_the_seller_is_paid() -> None:
    shop, channel, product = brand("CN")
    with translation.override("en"), pytest.raises(ChannelError, match="only the seller"):
        offer_set(
            channel=channel, actor=shop.owner, product=product,
            price_min_minor=12800, price_max_minor=12800, seller_rate="0.15", override_rate="0.03",
        )  # fmt: skip
    offer = offer_set(
        channel=channel, actor=shop.owner, product=product,
        price_min_minor=12800, price_max_minor=15800, seller_rate="0.30",
    )  # fmt: skip
    assert offer.seller_rate == Decimal("0.3000") and offer.override_rate == 0


def test_under_us_the_direct_sponsor_may_have_an_override_within_the_cap() -> None:
    shop, channel, product = brand("US")
    offer = offer_set(
        channel=channel, actor=shop.owner, product=product,
        price_min_minor=12800, price_max_minor=12800, seller_rate="0.20", override_rate="0.05",
    )  # fmt: skip
    assert offer.override_rate == Decimal("0.0500")
    with pytest.raises(ChannelError):  # 0.25 + 0.10 > 0.30
        offer_set(
            channel=channel, actor=shop.owner, product=product,
            price_min_minor=12800, price_max_minor=12800, seller_rate="0.25", override_rate="0.10",
        )  # fmt: skip


def test_the_database_refuses_more_than_30_percent_whatever_the_code_says() -> None:
    _shop, channel, product = brand("US")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelOffer.objects.create(
            channel=channel, product=product, price_min_minor=100, price_max_minor=100,
            seller_rate=Decimal("0.25"), override_rate=Decimal("0.06"),
        )  # fmt: skip


def test_a_third_paid_level_or_a_recruitment_reward_has_nowhere_to_be_written() -> None:
    rates = {f.name for f in ChannelOffer._meta.get_fields() if "rate" in f.name}
    assert rates == {"seller_rate", "override_rate"}
    fields = {f.name for f in Membership._meta.get_fields()}
    assert not {n for n in fields if any(w in n for w in ("fee", "bonus", "reward", "rank"))}


def test_bad_price_bands_and_other_shops_products_are_refused() -> None:
    shop, channel, product = brand()
    for low, high in ((0, 100), (200, 100), (-5, 10)):
        with pytest.raises(ChannelError):
            offer_set(
                channel=channel, actor=shop.owner, product=product,
                price_min_minor=low, price_max_minor=high, seller_rate="0.1",
            )  # fmt: skip
    with pytest.raises(ChannelError):
        offer_set(
            channel=channel, actor=shop.owner, product=make_product(shop=make_shop()),
            price_min_minor=100, price_max_minor=100, seller_rate="0.1",
        )  # fmt: skip
    with pytest.raises(ChannelError):  # a reseller cannot change a brand's offer
        offer_set(
            channel=channel, actor=make_user(), product=product,
            price_min_minor=100, price_max_minor=100, seller_rate="0.1",
        )  # fmt: skip


def test_joining_is_free_once_and_records_the_sponsor_only() -> None:
    shop, channel, _product = brand()
    first = member_join(channel=channel, user=make_user())
    second = member_join(channel=channel, user=make_user(), sponsor=first)
    assert second.sponsor == first and second.status == MembershipStatus.ACTIVE
    with pytest.raises(ChannelError):
        member_join(channel=channel, user=second.user)
    with pytest.raises(ChannelError):
        member_join(channel=channel, user=shop.owner)
    _shop2, other, _p = brand()
    with pytest.raises(ChannelError):  # an invitation from another channel
        member_join(channel=other, user=make_user(), sponsor=first)
    assert Membership.objects.count() == 2


def test_a_brand_may_ask_to_approve_resellers() -> None:
    shop, channel, _product = brand(requires_approval=True)
    pending = member_join(channel=channel, user=make_user())
    assert pending.status == MembershipStatus.PENDING
    with pytest.raises(ChannelError):
        member_join(channel=channel, user=make_user(), sponsor=pending)  # not active yet
    with pytest.raises(ChannelError):
        member_approve(membership=pending, actor=make_user())
    assert member_approve(membership=pending, actor=shop.owner).status == MembershipStatus.ACTIVE


def test_leaving_and_removal_end_a_membership() -> None:
    shop, channel, _product = brand()
    leaver = member_join(channel=channel, user=make_user())
    removed = member_join(channel=channel, user=make_user())
    assert member_leave(membership=leaver, actor=leaver.user).status == MembershipStatus.LEFT
    with pytest.raises(ChannelError):  # another reseller cannot remove anyone
        member_leave(membership=removed, actor=leaver.user)
    assert member_leave(membership=removed, actor=shop.owner).status == MembershipStatus.REMOVED
    assert removed.ended_at is not None


def test_participants_are_found_by_account_and_by_phone_not_by_a_label() -> None:
    shop, channel, _product = brand()
    reseller = member_join(channel=channel, user=make_user(phone="+8613911112222"))
    stranger = make_user()
    assert is_participant(channel=channel, user_id=reseller.user_id)
    assert is_participant(channel=channel, user_id=shop.owner_id)
    assert is_participant(channel=channel, phone="+8613911112222")  # a guest order, same phone
    assert not is_participant(channel=channel, user_id=stranger.pk, phone="+8613800000000")
    member_leave(membership=reseller, actor=reseller.user)
    assert is_participant(channel=channel, phone="+8613911112222")  # having joined is enough
    shop.phone = "138 0013 8000"  # the brand's own number, as its seller typed it
    shop.save()
    assert is_participant(channel=channel, phone="+8613800138000")
