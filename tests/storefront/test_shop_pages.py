from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_photo, make_product, make_shop
from weishang.catalog.models import Product, Variant
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


def test_shop_home_lists_published_products_in_the_sellers_order(shop: Shop) -> None:
    second = make_product(shop=shop, name="枣花蜂蜜", position=2, price_minor=5800)
    first = make_product(shop=shop, name="红枣夹核桃", position=1, price_minor=2600, variants=2)
    make_product(shop=shop, name="还没上架", position=0, is_published=False)
    make_product(name="别家的东西")  # another shop's product

    response = Client().get(f"/{shop.slug}/")

    assert response.status_code == 200
    assert [p.pk for p in response.context["products"]] == [first.pk, second.pk]
    html = response.content.decode()
    assert "还没上架" not in html and "别家的东西" not in html
    assert f'href="/{shop.slug}/p/{first.pk}/"' in html
    assert '<p class="product-card-price price">¥26.00 <small>起</small></p>' in html
    assert '<p class="product-card-price price">¥58.00</p>' in html  # one price: no "and up"
    assert "¥52.00" not in html
    assert "lijia-zao" in html and 'href="tel:13800138000"' in html


def test_shop_story_is_escaped_and_keeps_its_line_breaks() -> None:
    shop = make_shop(story='第一行\n<img src=x onerror="alert(1)">')

    html = Client().get(f"/{shop.slug}/").content.decode()

    assert "第一行<br>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<img src=x" not in html


def test_a_product_without_stock_shows_a_sold_out_badge(shop: Shop) -> None:
    make_product(shop=shop, name="卖完了", stock=0)

    html = Client().get(f"/{shop.slug}/").content.decode()

    assert 'class="product-card is-sold-out"' in html
    assert html.count('class="badge-sold-out"') == 1


def test_product_cards_show_the_first_photo_in_card_size(shop: Shop, product: Product) -> None:
    first = make_photo(product=product)
    make_photo(product=product, color=(10, 10, 10))

    html = Client().get(f"/{shop.slug}/").content.decode()

    assert f'src="{first.card.url}"' in html


def test_a_shop_with_nothing_on_sale_says_so(shop: Shop) -> None:
    html = Client().get(f"/{shop.slug}/").content.decode()

    assert "还没有上架商品" in html


def test_an_unknown_shop_is_a_friendly_404() -> None:
    response = Client().get("/no-such-shop/")

    assert response.status_code == 404
    assert "找不到这家店" in response.content.decode()


def test_product_page_offers_every_variant_and_preselects_the_first_in_stock(
    shop: Shop, product: Product
) -> None:
    small, large = product.variants.all()
    Variant.objects.filter(pk=small.pk).update(stock=0)

    response = Client().get(f"/{shop.slug}/p/{product.pk}/")

    assert response.status_code == 200
    assert response.context["chosen"] == large
    html = response.content.decode()
    assert f'value="{small.pk}" data-price="¥38.00"' in html
    assert f'value="{large.pk}" data-price="¥76.00"' in html
    assert 'class="price" data-variant-price>¥76.00<' in html


def test_product_page_shows_every_photo_large(shop: Shop, product: Product) -> None:
    photos = [make_photo(product=product), make_photo(product=product)]

    html = Client().get(f"/{shop.slug}/p/{product.pk}/").content.decode()

    assert [html.count(f'src="{p.large.url}"') for p in photos] == [1, 1]
    assert "<span data-gallery-index>1</span> / 2" in html


def test_a_description_can_never_run_script(shop: Shop) -> None:
    product = make_product(shop=shop, description="好吃\n<script>alert('pwned')</script>\n\n第二段")

    html = Client().get(f"/{shop.slug}/p/{product.pk}/").content.decode()

    assert "<script>alert" not in html
    assert (
        "<p>好吃<br>&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;</p>\n\n<p>第二段</p>"
        in html
    )


def test_an_unpublished_or_foreign_product_is_404_inside_the_shop(shop: Shop) -> None:
    hidden = make_product(shop=shop, is_published=False)
    foreign = make_product()

    responses = [Client().get(f"/{shop.slug}/p/{p.pk}/") for p in (hidden, foreign)]

    assert [r.status_code for r in responses] == [404, 404]
    assert "这件商品已下架" in responses[0].content.decode()


def test_landing_page_links_to_shops_with_products_on_sale() -> None:
    with_products = [make_shop(name=f"店{i}") for i in range(7)]
    for s in with_products:
        make_product(shop=s)
    make_shop(name="空店")

    response = Client().get("/")

    assert response.status_code == 200
    assert [s.pk for s in response.context["shops"]] == [s.pk for s in with_products[:6]]
    html = response.content.decode()
    assert 'href="/accounts/signup/"' in html
    assert "空店" not in html


def test_cached_fragments_show_a_change_at_once(shop: Shop, product: Product) -> None:
    client = Client()
    client.get(f"/{shop.slug}/")
    client.get(f"/{shop.slug}/p/{product.pk}/")  # both pages' fragments are now cached

    Variant.objects.filter(product=product).update(stock=0)
    Product.objects.filter(pk=product.pk).update(name="清涧狗头枣（新）")
    home = client.get(f"/{shop.slug}/").content.decode()
    page = client.get(f"/{shop.slug}/p/{product.pk}/").content.decode()

    assert "清涧狗头枣（新）" in home and 'class="badge-sold-out"' in home
    assert "清涧狗头枣（新）" in page and 'name="buy_now" value="1" disabled' in page


def test_a_product_without_variants_is_not_on_the_shop_home(shop: Shop) -> None:
    make_product(shop=shop, name="没有规格", variants=0)

    response = Client().get(f"/{shop.slug}/")

    assert response.context["products"] == []


def test_link_previews_may_ask_with_head(shop: Shop, product: Product) -> None:
    client = Client()

    statuses = [client.head(url).status_code for url in ("/", f"/{shop.slug}/")]

    assert statuses == [200, 200]
