"""The channel audits itself with the same engine as any export: an honest channel is
`compliant` under CN, US and EU, and a brand that tries to turn its channel into a pyramid is
refused at every step, so its audit stays compliant too."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.channel.helpers import buy_from, deliver, make_brand, make_reseller, pay, window_passes
from weishang.channel.models import ChannelOffer, Commission
from weishang.channel.self_audit import channel_audit, channel_export
from weishang.channel.services import ChannelError, offer_set
from weishang.payments.services import refund_create

pytestmark = pytest.mark.django_db


def season(brand, resellers, customers: int = 10):  # type: ignore[no-untyped-def]
    """Each reseller sells to ``customers`` distinct consumers; one order in ten is refunded."""
    orders = []
    for r in resellers:
        for n in range(customers):
            order = buy_from(r, brand, phone=f"+8613{r.pk:03d}{n:06d}")
            pay(order)
            deliver(order)
            orders.append(order)
    for order in orders[::10]:
        refund_create(shop=order.shop, order_id=order.pk, actor=brand.owner)
    window_passes()
    return orders


def test_the_export_follows_the_audit_contract(tmp_path: Path) -> None:
    brand = make_brand()
    sponsor = make_reseller(brand)
    seller = make_reseller(brand, sponsor=sponsor)
    season(brand, [seller], customers=3)
    own = buy_from(seller, brand, phone=seller.user.phone)  # a participant's purchase
    pay(own)
    folder = channel_export(brand.channel, tmp_path / "export")
    members = list(csv.DictReader((folder / "members.csv").open(encoding="utf-8")))
    assert {m["member_id"]: m["sponsor_id"] for m in members} == {
        f"M{sponsor.pk}": "",
        f"M{seller.pk}": f"M{sponsor.pk}",
    }
    tx = list(csv.DictReader((folder / "transactions.csv").open(encoding="utf-8")))
    assert [t["kind"] for t in tx].count("sale") == 4 and [t["kind"] for t in tx].count(
        "refund"
    ) == 1
    assert next(t for t in tx if t["txn_id"] == f"O{own.pk}")["buyer_id"] == f"M{seller.pk}"
    assert all(t["seller_collects"] == "false" for t in tx)
    assert not any("+86" in t["buyer_id"] for t in tx)  # no phone number leaves the platform
    rewards = list(csv.DictReader((folder / "rewards.csv").open(encoding="utf-8")))
    assert {r["basis"] for r in rewards} == {"own_sales"}
    assert sum(Decimal(r["amount"]) for r in rewards) == Decimal("40.00")  # 2 of 3 sales kept


def test_an_honest_channel_audits_compliant_under_cn_us_and_eu() -> None:
    brand = make_brand()
    first = make_reseller(brand)
    resellers = [first, *(make_reseller(brand, sponsor=first) for _ in range(4))]
    season(brand, resellers)
    result, html = channel_audit(brand.channel)
    for code in ("CN", "US", "EU"):
        assert result.jurisdictions[code].verdict == "compliant", result.jurisdictions[code]
    assert "<html" in html and "compliant" in html


def test_a_brand_cannot_turn_its_channel_into_a_pyramid() -> None:
    brand = make_brand("CN")
    first = make_reseller(brand)
    recruits = [make_reseller(brand, sponsor=first) for _ in range(3)]
    with translation.override("en"):
        # team pay under CN
        with pytest.raises(ChannelError, match="only the seller of a sale is paid"):
            offer_set(
                channel=brand.channel, actor=brand.owner, product=brand.product,
                price_min_minor=10000, price_max_minor=20000, seller_rate="0.10",
                override_rate="0.10",
            )  # fmt: skip
        # pay above the cap
        with pytest.raises(ChannelError, match="at most 30"):
            offer_set(
                channel=brand.channel, actor=brand.owner, product=brand.product,
                price_min_minor=10000, price_max_minor=20000, seller_rate="0.45",
            )  # fmt: skip
        # a third level: the services have no such argument
        with pytest.raises(TypeError):
            offer_set(  # type: ignore[call-arg]
                channel=brand.channel, actor=brand.owner, product=brand.product,
                price_min_minor=10000, price_max_minor=20000, seller_rate="0.10",
                level3_rate="0.05",
            )  # fmt: skip
    # ... nor the database: above the cap, or a sale paying its own seller as sponsor
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelOffer.objects.filter(pk=brand.offer.pk).update(seller_rate=Decimal("0.31"))
    order = buy_from(recruits[0], brand)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commission.objects.filter(order=order).update(sponsor=recruits[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Commission.objects.filter(order=order).update(seller_full_minor=order.total_minor)
    # and the resellers' own purchases ("stocking up") pay nothing
    for r in recruits:
        own = buy_from(r, brand, phone=r.user.phone, quantity=5)
        pay(own)
    season(brand, [first, *recruits])
    result, _html = channel_audit(brand.channel)
    assert {code: result.jurisdictions[code].verdict for code in ("CN", "US", "EU")} == {
        "CN": "compliant", "US": "compliant", "EU": "compliant"
    }  # fmt: skip
    assert result.indicators["team_pay_share"] == 0
