"""Money carries its currency, is never a float, and a typed amount costs nothing to refuse."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_product, make_shop
from weishang.core.money import CURRENCIES, CurrencyMismatch, Money, MoneyError, exponent
from weishang.shops.services import ShopError, ShopErrorCode, shop_update


def test_amounts_in_one_currency_add_and_compare_and_two_currencies_never_do() -> None:
    a, b = Money(1250, "CNY"), Money(50, "CNY")
    assert a + b == Money(1300, "CNY") and a - b == Money(1200, "CNY") and a * 3 == 3 * a
    assert b < a and sum([a, b], Money(0, "CNY")) == Money(1300, "CNY")
    with pytest.raises(CurrencyMismatch):
        _ = a + Money(1250, "JPY")
    with pytest.raises(CurrencyMismatch):
        _ = a < Money(1, "USD")
    with pytest.raises(TypeError):
        Money(12.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _ = a * 1.5  # type: ignore[operator]
    with pytest.raises(MoneyError):
        Money(1, "XYZ")


def test_a_share_is_rounded_half_up_from_a_decimal_rate_only() -> None:
    assert Money(1005, "CNY").share(Decimal("0.1")) == Money(101, "CNY")  # 100.5 → 101
    assert Money(999, "JPY").share(Decimal("0.3")) == Money(300, "JPY")  # 299.7 → 300
    with pytest.raises(TypeError):
        Money(1000, "CNY").share(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "money", "shown"),
    [
        ("zh-hans", Money(1250, "CNY"), "¥12.50"),
        ("zh-hans", Money(1250, "JPY"), "JP¥1,250"),
        ("en", Money(1250, "CNY"), "CN¥12.50"),
        ("en", Money(1250, "JPY"), "¥1,250"),
        ("en", Money(-300, "USD"), "-$3.00"),
        ("zh-hans", Money(128000, "HKD"), "HK$1,280.00"),
    ],
)
def test_amounts_are_shown_by_babel_in_the_readers_language(
    language: str, money: Money, shown: str
) -> None:
    with translation.override(language):
        assert str(money) == shown


@pytest.mark.parametrize("typed", ["9e999990", "1e999999", "-1e-999999", "NaN", "Infinity",
                                   "0x10", "1_000", "12.5.0", "1" * 30, "¥", "", " "])  # fmt: skip
def test_anything_but_a_plain_number_is_refused_at_once(typed: str) -> None:
    started = time.perf_counter()
    with pytest.raises(MoneyError):
        Money.parse(typed, "CNY")
    assert time.perf_counter() - started < 0.01


def test_typed_amounts_parse_exactly_and_decimals_follow_the_currency() -> None:
    assert Money.parse("12.5", "CNY") == Money(1250, "CNY")
    assert Money.parse("1,280.00", "CNY") == Money(128000, "CNY")
    assert Money.parse("1280", "JPY") == Money(1280, "JPY")
    with pytest.raises(MoneyError) as refused:
        Money.parse("12.5", "JPY")
    assert refused.value.code == "too_many_decimals"
    assert (exponent("JPY"), exponent("CNY")) == (0, 2)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12), currency=st.sampled_from(CURRENCIES)
)
def test_an_amount_read_back_from_its_decimal_text_is_the_same_amount(
    minor: int, currency: str
) -> None:
    money = Money(minor, currency)
    assert Money.parse(str(money.amount), currency) == money
    assert money.amount == Decimal(minor) / (10 ** exponent(currency))


@pytest.mark.django_db
def test_a_shop_with_prices_cannot_switch_currency_and_its_prices_keep_their_value() -> None:
    shop = make_shop(slug="jujube-farm")
    product = make_product(shop=shop, price_minor=1250)

    with pytest.raises(ShopError) as refused:
        shop_update(shop=shop, currency="JPY")

    assert refused.value.code == ShopErrorCode.CURRENCY_LOCKED
    shop.refresh_from_db()
    assert shop.currency == "CNY"
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get(f"/{shop.slug}/p/{product.pk}/").content.decode()
    assert "¥12.50" in page and "1,250" not in page


@pytest.mark.django_db
def test_the_settings_page_shows_the_currency_fixed_and_a_post_cannot_change_it() -> None:
    shop = make_shop(slug="tea-hill")
    make_product(shop=shop)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(shop.owner)
    url = f"/dashboard/{shop.slug}/settings/"
    page = client.get(url).content.decode()
    assert "Fixed: this shop already has prices or orders in this currency." in page
    client.post(url, {"name": shop.name, "slug": shop.slug, "currency": "JPY"})
    shop.refresh_from_db()
    assert shop.currency == "CNY"


@pytest.mark.django_db
def test_a_shop_with_nothing_priced_yet_may_change_its_currency() -> None:
    shop = make_shop()
    shop_update(shop=shop, currency="JPY")
    shop.refresh_from_db()
    assert shop.currency == "JPY"
