from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_product, make_shop, make_variant
from weishang.catalog.models import Product, Variant
from weishang.shops.models import Shop

from .conftest import cart_add

pytestmark = pytest.mark.django_db


def cart_of(client: Client, shop: Shop) -> dict[str, int]:
    return dict(client.session.get(f"cart:{shop.pk}", {}))


def test_adding_without_javascript_puts_the_variant_in_the_cart_and_shows_it(
    shop: Shop, product: Product
) -> None:
    client = Client()
    small = product.variants.first()
    assert small is not None

    response = cart_add(client, shop, small.pk, 2)

    assert response.status_code == 302
    assert response["Location"] == f"/{shop.slug}/cart/"
    assert cart_of(client, shop) == {str(small.pk): 2}
    page = client.get(f"/{shop.slug}/cart/")
    assert page.context["cart"].total_minor == 7600
    assert "¥76.00" in page.content.decode()


def test_adding_with_htmx_answers_the_cart_badge_and_a_message(
    shop: Shop, product: Product
) -> None:
    client = Client()
    small, large = product.variants.all()
    cart_add(client, shop, small.pk, 1)

    response = cart_add(client, shop, large.pk, 2, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span id="cart-badge" class="cart-badge">3</span>' in html
    assert 'hx-swap-oob="true">已加入购物车</div>' in html


def test_buy_now_goes_straight_to_checkout(shop: Shop, product: Product) -> None:
    client = Client()
    variant_id = product.variants.values_list("pk", flat=True)[0]

    plain = client.post(f"/{shop.slug}/cart/add/", {"variant": variant_id, "buy_now": "1"})
    htmx = client.post(
        f"/{shop.slug}/cart/add/",
        {"variant": variant_id, "buy_now": "1"},
        HTTP_HX_REQUEST="true",
    )

    assert (plain.status_code, plain["Location"]) == (302, f"/{shop.slug}/checkout/")
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, f"/{shop.slug}/checkout/")
    assert cart_of(client, shop) == {str(variant_id): 2}


def test_the_cart_never_holds_more_than_the_stock(shop: Shop) -> None:
    client = Client()
    variant = make_variant(shop=shop, stock=3)

    cart_add(client, shop, variant.pk, 2)
    response = cart_add(client, shop, variant.pk, 5, HTTP_HX_REQUEST="true")

    assert cart_of(client, shop) == {str(variant.pk): 3}
    assert "仅剩 3 件：购物车里现在是 3 件。" in response.content.decode()


def test_a_sold_out_or_foreign_variant_cannot_be_added(shop: Shop) -> None:
    client = Client()
    sold_out = make_variant(shop=shop, stock=0)
    foreign = make_variant()
    hidden = make_product(shop=shop, is_published=False).variants.get()

    responses = [cart_add(client, shop, v.pk) for v in (sold_out, foreign, hidden)]

    assert [r.status_code for r in responses] == [409, 409, 409]
    assert "已售罄" in responses[0].content.decode()
    assert "请选择一个在售的规格。" in responses[1].content.decode()
    assert cart_of(client, shop) == {}


def test_changing_and_removing_a_line(shop: Shop, product: Product) -> None:
    client = Client()
    small, large = product.variants.all()
    cart_add(client, shop, small.pk, 1)
    cart_add(client, shop, large.pk, 1)

    changed = client.post(
        f"/{shop.slug}/cart/update/",
        {"variant": small.pk, "quantity": 3},
        HTTP_HX_REQUEST="true",
    )
    removed = client.post(f"/{shop.slug}/cart/update/", {"variant": large.pk, "quantity": 0})

    assert changed.status_code == 200
    partial = changed.content.decode()
    assert partial.lstrip().startswith('<div id="cart-body">')
    assert '<span class="price">¥190.00</span>' in partial  # 3 × ¥38.00 + 1 × ¥76.00
    assert (removed.status_code, removed["Location"]) == (302, f"/{shop.slug}/cart/")
    assert cart_of(client, shop) == {str(small.pk): 3}


def test_a_bad_quantity_is_refused(shop: Shop, product: Product) -> None:
    client = Client()

    response = client.post(f"/{shop.slug}/cart/update/", {"variant": "x", "quantity": "-2"})

    assert response.status_code == 400
    assert "数量不正确。" in response.content.decode()


def test_items_no_longer_for_sale_are_taken_out_with_a_note(shop: Shop, product: Product) -> None:
    client = Client()
    small, large = product.variants.all()
    cart_add(client, shop, small.pk, 1)
    cart_add(client, shop, large.pk, 1)
    Variant.objects.filter(pk=large.pk).delete()

    page = client.get(f"/{shop.slug}/cart/")

    assert [line.variant.pk for line in page.context["cart"].lines] == [small.pk]
    assert "1 件商品已停售，已从购物车移除。" in page.content.decode()
    assert cart_of(client, shop) == {str(small.pk): 1}


def test_a_line_with_more_than_is_left_blocks_checkout_until_lowered(
    shop: Shop, product: Product
) -> None:
    client = Client()
    small = product.variants.first()
    assert small is not None
    cart_add(client, shop, small.pk, 4)
    Variant.objects.filter(pk=small.pk).update(stock=2)

    page = client.get(f"/{shop.slug}/cart/")

    assert page.context["cart"].can_check_out is False
    assert "仅剩 2 件，请减少数量。" in page.content.decode()


def test_each_shop_has_its_own_cart(shop: Shop, product: Product) -> None:
    client = Client()
    other = make_shop()
    theirs = make_variant(shop=other)
    ours = product.variants.values_list("pk", flat=True)[0]

    cart_add(client, shop, ours)
    cart_add(client, other, theirs.pk)

    assert cart_of(client, shop) == {str(ours): 1}
    assert cart_of(client, other) == {str(theirs.pk): 1}


def test_an_empty_cart_invites_to_browse(shop: Shop) -> None:
    html = Client().get(f"/{shop.slug}/cart/").content.decode()

    assert "购物车还是空的" in html
    assert f'href="/{shop.slug}/"' in html
