from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import make_shop, make_variant
from tests.http_client import hidden_input
from weishang.catalog.models import Product, Variant
from weishang.orders.models import Customer, Order, OrderStatus, PaymentMethod
from weishang.orders.services import prices_fingerprint
from weishang.shops.models import Shop

from .conftest import cart_add

pytestmark = pytest.mark.django_db

BUYER = {
    "name": "王小明",
    "phone": "138 0013 8000",
    "address": "浙江省杭州市西湖区龙井路 1 号",
    "note": "请周末送",
    "payment_method": PaymentMethod.MANUAL_TRANSFER.value,
}


# What each checkout page showed (its hidden prices_seen), by the key it issued.
_SEEN: dict[str, str] = {}


def checkout_key(client: Client, shop: Shop) -> str:
    """The key the checkout page issues, as a browser would read it from the form (the page's
    prices_seen is kept for ``submit``)."""
    html = client.get(f"/{shop.slug}/checkout/").content.decode()
    match = re.search(r'name="checkout_key" value="([^"]+)"', html)
    assert match is not None
    _SEEN[match.group(1)] = hidden_input(html, "prices_seen")
    return match.group(1)


def submit(client: Client, shop: Shop, key: str, **changes: Any) -> Any:
    """Place the order as the page with ``key`` would; a made-up key sends what the checkout
    page shows now (nothing, for an empty cart)."""
    seen = _SEEN.get(key)
    if seen is None:
        page = client.get(f"/{shop.slug}/checkout/")
        seen = (
            hidden_input(page.content.decode(), "prices_seen")
            if page.status_code == 200
            else prices_fingerprint([])
        )
    form = {**BUYER, "checkout_key": key, "prices_seen": seen, **changes}
    return client.post(f"/{shop.slug}/checkout/", form)


def test_a_guest_checks_out_and_lands_on_the_order_page(shop: Shop, product: Product) -> None:
    client = Client()
    small, large = product.variants.all()
    cart_add(client, shop, small.pk, 2)
    cart_add(client, shop, large.pk, 1)

    response = submit(client, shop, checkout_key(client, shop))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/{order.token}/"
    assert order.total_minor == 2 * 3800 + 7600
    assert (order.buyer_name, order.buyer_phone, order.buyer_note) == (
        "王小明",
        "+8613800138000",
        "请周末送",
    )
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert list(Variant.objects.order_by("pk").values_list("stock", flat=True)) == [3, 4]
    assert client.session.get(f"cart:{shop.pk}") is None  # the cart is emptied


def test_a_double_tap_or_retry_places_one_order(shop: Shop, product: Product) -> None:
    client = Client()
    cart_add(client, shop, product.variants.values_list("pk", flat=True)[0], 1)
    key = checkout_key(client, shop)

    first = submit(client, shop, key)
    second = submit(client, shop, key)  # the cart is already empty by now

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/o/{Order.objects.get().token}/"
    assert Variant.objects.order_by("pk").values_list("stock", flat=True)[0] == 4


def test_the_checkout_page_issues_a_new_key_each_time(shop: Shop, product: Product) -> None:
    client = Client()
    cart_add(client, shop, product.variants.values_list("pk", flat=True)[0], 1)

    keys = {checkout_key(client, shop) for _ in range(3)}

    assert len(keys) == 3 and all(len(k) == 32 for k in keys)


def test_an_empty_cart_cannot_reach_checkout(shop: Shop) -> None:
    response = Client().get(f"/{shop.slug}/checkout/")

    assert (response.status_code, response["Location"]) == (302, f"/{shop.slug}/cart/")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "请填写有效的手机号，例如 138 0013 8000。"),
        ({"name": "   "}, "name", "这个字段是必填项。"),
        ({"address": "路" * 301}, "address", "确保该变量包含不超过 300 字符 (目前字符数 301)。"),
        ({"payment_method": "bitcoin"}, "payment_method", "本店不支持这种付款方式，请换一种。"),
    ],
)
def test_bad_details_are_refused_in_the_buyers_language_and_nothing_is_written(
    shop: Shop, product: Product, changes: dict[str, str], field: str, message: str
) -> None:
    client = Client()
    cart_add(client, shop, product.variants.values_list("pk", flat=True)[0], 1)

    response = submit(client, shop, checkout_key(client, shop), **changes)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert (Order.objects.count(), Customer.objects.count()) == (0, 0)
    assert Variant.objects.order_by("pk").values_list("stock", flat=True)[0] == 5


def test_manual_transfer_is_offered_only_with_a_payment_qr(product: Product) -> None:
    shop = make_shop(payment_qr="", accepts_cash_on_delivery=True)
    variant = make_variant(shop=shop)
    client = Client()
    cart_add(client, shop, variant.pk, 1)

    page = client.get(f"/{shop.slug}/checkout/")
    refused = submit(client, shop, checkout_key(client, shop))

    assert page.context["payment_choices"] == [("cash_on_delivery", "货到付款")]
    assert 'value="manual_transfer"' not in page.content.decode()
    assert refused.status_code == 400
    assert Order.objects.count() == 0


def test_cash_on_delivery_is_offered_only_when_the_shop_accepts_it(product: Product) -> None:
    shop = make_shop(accepts_cash_on_delivery=False)
    client = Client()
    cart_add(client, shop, make_variant(shop=shop).pk, 1)

    page = client.get(f"/{shop.slug}/checkout/")

    assert page.context["payment_choices"] == [("manual_transfer", "扫码转账")]


def test_sold_out_at_checkout_shows_the_message_with_the_cart(shop: Shop, product: Product) -> None:
    client = Client()
    small = product.variants.first()
    assert small is not None
    cart_add(client, shop, small.pk, 3)
    key = checkout_key(client, shop)
    Variant.objects.filter(pk=small.pk).update(stock=1)  # someone else bought first

    response = submit(client, shop, key)

    assert response.status_code == 409
    assert response.context["error"].code.value == "sold_out"
    html = response.content.decode()
    assert str(response.context["error"].message) in html
    assert "清涧狗头枣" in html  # the cart is on the page
    assert f'value="{key}"' in html  # a retry uses the same key
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=small.pk).stock == 1


def test_an_order_error_never_becomes_a_500(shop: Shop) -> None:
    client = Client()

    response = submit(client, shop, "k" * 32)  # nothing in the cart

    assert response.status_code == 409
    assert response.context["error"].code.value == "empty_cart"


def test_one_phone_is_limited_but_many_buyers_behind_one_address_are_not(
    shop: Shop, product: Product
) -> None:
    client = Client()  # every request comes from one address, as behind a carrier's NAT

    same_phone = [
        submit(client, shop, f"key-{i:02d}-aaaaaaaaaaaaaaaa").status_code for i in range(7)
    ]
    other_phones = [
        submit(client, shop, f"key-{i:02d}-bbbbbbbbbbbbbbbb", phone=f"1390013{i:04d}").status_code
        for i in range(20)
    ]

    assert same_phone == [409] * 6 + [429]  # an empty cart is a 409; the 7th try is refused
    assert 429 not in other_phones


def test_the_address_rate_is_configurable(shop: Shop, product: Product, settings: Any) -> None:
    settings.CHECKOUT_RATE_PER_ADDRESS = "3/d"  # a day's window: a test never straddles two
    client = Client()

    statuses = [
        submit(client, shop, f"key-{i:02d}-cccccccccccccccc", phone=f"1390013{i:04d}").status_code
        for i in range(4)
    ]

    assert statuses == [409, 409, 409, 429]


def test_checkout_requires_the_csrf_token(shop: Shop, product: Product) -> None:
    client = Client(enforce_csrf_checks=True)
    cart_add_response = client.post(
        f"/{shop.slug}/cart/add/", {"variant": product.variants.values_list("pk", flat=True)[0]}
    )

    response = submit(client, shop, "k" * 32)

    assert (cart_add_response.status_code, response.status_code) == (403, 403)
    assert Order.objects.count() == 0


def test_the_shop_home_links_back_to_the_buyers_latest_order(shop: Shop, product: Product) -> None:
    client = Client()
    cart_add(client, shop, product.variants.values_list("pk", flat=True)[0], 1)
    submit(client, shop, checkout_key(client, shop))
    order = Order.objects.get()

    mine = client.get(f"/{shop.slug}/").content.decode()
    someone_elses = Client().get(f"/{shop.slug}/").content.decode()

    assert f'<a class="fab-orders" href="/o/{order.token}/">' in mine
    assert f"我的订单 <b>{order.reference}</b>" in mine
    assert "fab-orders" not in someone_elses
