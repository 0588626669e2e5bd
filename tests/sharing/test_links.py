"""Short links: one per sharer and target, random codes, a friendly page for a dead one, the
share panel with its QR code and poster, and share copy held to the charter's rule 10."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from tests.factories import PASSWORD, make_photo, make_user
from weishang.accounts.models import User
from weishang.catalog.models import Product
from weishang.catalog.services import product_delete
from weishang.core import fonts
from weishang.core.qr import qr_image
from weishang.sharing import pictures
from weishang.sharing.induced import fold, induced_patterns, induced_sharing_found
from weishang.sharing.models import CODE_ALPHABET, CODE_LENGTH, ShareLink
from weishang.sharing.services import (
    SharingError,
    share_link_by_code,
    share_link_for,
    share_link_revoke,
    share_text_check,
    share_text_set,
)
from weishang.shops.models import Shop


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_the_seller_has_one_live_link_per_target_with_a_random_code(
    seller: User, shop: Shop, product: Product
) -> None:
    mine = share_link_for(owner=seller, shop=shop, product=product)
    assert share_link_for(owner=seller, shop=shop, product=product) == mine
    shop_link = share_link_for(owner=seller, shop=shop)
    share_link_revoke(link=shop_link, actor=seller)
    renewed = share_link_for(owner=seller, shop=shop)  # a withdrawn link makes way for a new code
    assert len({mine.pk, shop_link.pk, renewed.pk}) == 3
    codes = [mine.code, shop_link.code, renewed.code]
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    # Not sequential: consecutive links share no common prefix worth walking
    assert len({c[:3] for c in codes}) == 3


def test_only_the_shops_seller_holds_its_links(shop: Shop, product: Product) -> None:
    """Whoever holds a link is named to buyers as their referrer: not any account."""
    stranger = make_user()
    with pytest.raises(SharingError):
        share_link_for(owner=stranger, shop=shop, product=product)
    page = signed_in(stranger).get(f"/{shop.slug}/p/{product.pk}/share/").content.decode()
    assert f'value="http://testserver/{shop.slug}/p/{product.pk}/"' in page
    assert not ShareLink.objects.exists()


def test_unknown_malformed_and_revoked_codes_get_a_friendly_page(
    seller: User, shop: Shop, visitor: Client
) -> None:
    link = share_link_for(owner=seller, shop=shop)
    share_link_revoke(link=link, actor=seller)
    for code in (link.code, "zzzzzzzzzz", "x" * 300, "a%20b", "%E6%9E%A3", "abc.def"):
        page = visitor.get(f"/s/{code}")
        assert page.status_code == 404, code
        assert "这个链接已失效" in page.content.decode()
    assert share_link_by_code(link.code) is None


def test_the_short_link_opens_the_product_and_a_deleted_product_opens_the_shop(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    link = share_link_for(owner=seller, shop=shop, product=product)
    response = visitor.get(f"/s/{link.code}")
    assert response.status_code == 302
    assert response["Location"] == f"/{shop.slug}/p/{product.pk}/"
    assert response["Cache-Control"] == "private, no-store"
    assert visitor.get(f"/s/{link.code.upper()}").status_code == 302  # read off a poster
    product_delete(product=product)
    assert visitor.get(f"/s/{link.code}")["Location"] == f"/{shop.slug}/"


def test_the_share_panel_gives_a_signed_in_sharer_their_own_link(
    seller: User, shop: Shop, product: Product
) -> None:
    page = signed_in(seller).get(f"/{shop.slug}/p/{product.pk}/share/")
    assert page.status_code == 200
    link = ShareLink.objects.get(owner=seller, product=product)
    html = page.content.decode()
    assert f'value="http://testserver/s/{link.code}"' in html
    assert f"share/poster.png?s={link.code}" in html and f"share/qr.svg?s={link.code}" in html
    assert "data-share-native" in html and "data-share-copy" in html


def test_a_visitor_shares_the_plain_address(shop: Shop, product: Product, visitor: Client) -> None:
    page = visitor.get(f"/{shop.slug}/p/{product.pk}/share/")
    assert page.status_code == 200
    assert f'value="http://testserver/{shop.slug}/p/{product.pk}/"' in page.content.decode()
    assert not ShareLink.objects.exists()
    assert visitor.get(f"/{shop.slug}/share/").status_code == 200
    assert visitor.get(f"/{shop.slug}/p/999999/share/").status_code == 404


def test_qr_codes_and_the_poster_are_real_pictures_of_the_right_shape(
    seller: User, shop: Shop, product: Product, visitor: Client
) -> None:
    make_photo(product=product)
    link = share_link_for(owner=seller, shop=shop, product=product)
    base = f"/{shop.slug}/p/{product.pk}/share"
    svg = visitor.get(f"{base}/qr.svg?s={link.code}")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    png = visitor.get(f"{base}/qr.png?s={link.code}")
    assert Image.open(io.BytesIO(png.content)).size == (512, 512)
    poster = visitor.get(f"{base}/poster.png?s={link.code}")
    assert poster["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(poster.content)).size == pictures.POSTER_SIZE
    assert visitor.get(f"{base}/qr.gif").status_code == 404
    # Another shop's code, or a made-up one, gives the page's own address, never an error
    assert visitor.get(f"{base}/qr.svg?s=nope").status_code == 200
    assert visitor.get(f"/{shop.slug}/share/poster.png").status_code == 200


def test_the_poster_encodes_the_short_link() -> None:
    url = "http://testserver/s/abcdefghjk"
    qr = qr_image(url, 220)
    assert qr.size == (220, 220)
    # The same picture as the poster's corner: the QR code is pasted unchanged
    content = pictures.PosterContent(
        url=url, title="清涧狗头枣", shop_name="李家枣园", price="¥38.00"
    )
    poster = Image.open(io.BytesIO(pictures.poster_png(content))).convert("RGB")
    width, height = pictures.POSTER_SIZE
    corner = poster.crop((width - 44 - 220, height - 220 - 44, width - 44, height - 44))
    assert corner.tobytes() == qr.tobytes()


def test_without_a_cjk_font_the_poster_leaves_out_what_it_cannot_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda size: None)
    chinese = pictures.PosterContent(url="http://x/s/a", title="清涧狗头枣", shop_name="李家枣园")
    latin = pictures.PosterContent(url="http://x/s/a", title="Dates", shop_name="Li Farm")
    blank = pictures.PosterContent(url="http://x/s/a", title="", shop_name="")
    as_image = [Image.open(io.BytesIO(pictures.poster_png(c))) for c in (chinese, latin, blank)]
    assert as_image[0].tobytes() == as_image[2].tobytes()  # no boxes where the names were
    assert as_image[1].tobytes() != as_image[2].tobytes()  # Latin text is still set


@pytest.mark.parametrize("pattern", induced_patterns(), ids=lambda p: p.examples[0])
def test_every_induced_sharing_pattern_catches_its_examples_and_names_its_source(pattern) -> None:  # type: ignore[no-untyped-def]
    for example in pattern.examples:
        assert pattern.match.search(fold(example)), example
    assert "charter rule 10" in pattern.source


@pytest.mark.parametrize(
    "text",
    [
        "转发集赞送好礼",
        "转 发·集 赞，满30个赞送一盒",
        "分享解锁隐藏价格",
        "分享到朋友圈可领优惠券",
        "转发到3个群即可领取",
        "不转不是中国人",
        "邀请好友助力免费拿",
        "SHARE TO UNLOCK the price",
        "Share this with 5 friends to win a free box!",
        "Ｓｈａｒｅ ｔｏ ｕｎｌｏｃｋ",  # full width
        "Shаre to unlock",  # a Cyrillic а
        "ѕhare to unlock",  # a Cyrillic ѕ
        "转发集👍送礼",
        "分.享.领.红.包",
        "分\u200b享\u200d领红包",
        "轉發集讚",
        "分享有礼",
        "转发有奖",
        "转给三位好友就送一盒",
        "朋友圈转发截图找客服返现",
        "Sharing this post unlocks the full recipe",
    ],
)
def test_coercive_share_copy_is_refused_citing_rule_10(text: str) -> None:
    with translation.override("en"), pytest.raises(SharingError, match="rule 10"):
        share_text_check(text)


@pytest.mark.parametrize(
    "text",
    [
        "陕北清涧的狗头枣，今年新摘，欢迎尝尝",
        "自家种的枣，顺丰包邮",
        "分享一下我家的新枣",
        "转发给需要的朋友",
        "买二送一，送礼佳品",
        "Fresh dates from our farm, shipped in two days",
        "Please share if you like it",
        "Our robot-free farm",
        "送给朋友的好礼物，欢迎分享给喜欢的人",
        "买一送一，礼盒装",
        "分享我们家三代种枣的故事",
        "好友推荐的店，放心买",
        "Unlock the flavour of real dates",
        "Share the taste with your family",
        "",
    ],
)
def test_neutral_share_copy_passes(text: str) -> None:
    assert induced_sharing_found(text) is None
    share_text_check(text)


def test_control_characters_are_refused_in_share_copy() -> None:
    with pytest.raises(SharingError):
        share_text_check("新枣到货\x07\x1b")


def test_the_sharer_words_their_link_and_coercive_words_are_refused_on_the_page(
    seller: User, shop: Shop, product: Product
) -> None:
    client = signed_in(seller)
    url = f"/{shop.slug}/p/{product.pk}/share/"
    with translation.override("en"):
        refused = client.post(url, {"text": "分享领红包，快来"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "rule 10" in refused.content.decode()
    link = ShareLink.objects.get(owner=seller, product=product)
    assert link.text == ""
    saved = client.post(url, {"text": "  今年新摘的枣，\n欢迎尝尝 "})
    assert saved.status_code == 302
    link.refresh_from_db()
    assert link.text == "今年新摘的枣， 欢迎尝尝"
    assert re.search(r"share/poster.png\?s=\w+&amp;v=\w+", client.get(url).content.decode())


def test_only_the_owner_words_or_withdraws_a_link(seller: User, shop: Shop) -> None:
    link = share_link_for(owner=seller, shop=shop)
    with pytest.raises(SharingError):
        share_text_set(link=link, actor=make_user(), text="hello")
    with pytest.raises(SharingError):
        share_link_revoke(link=link, actor=make_user())


def test_the_panel_of_a_seller_whose_link_was_withdrawn_offers_a_new_one(
    seller: User, shop: Shop
) -> None:
    old = share_link_for(owner=seller, shop=shop)
    share_link_revoke(link=old, actor=seller)
    page = signed_in(seller).get(f"/{shop.slug}/share/").content.decode()
    new = ShareLink.objects.get(revoked_at__isnull=True)
    assert new.code != old.code and f"/s/{new.code}" in page and f"/s/{old.code}" not in page


def test_a_withdrawn_link_stops_at_once_though_targets_are_cached(
    seller: User, shop: Shop, visitor: Client, settings: object, django_assert_num_queries: Any
) -> None:
    settings.STOREFRONT_PAGE_CACHE_SECONDS = 2  # type: ignore[attr-defined]
    link = share_link_for(owner=seller, shop=shop)
    assert visitor.get(f"/s/{link.code}").status_code == 302
    with django_assert_num_queries(0):  # a burst of opens costs one query
        assert visitor.get(f"/s/{link.code}").status_code == 302
    share_link_revoke(link=link, actor=seller)
    assert visitor.get(f"/s/{link.code}").status_code == 404


def test_emoji_and_scripts_no_font_here_sets_are_left_off_the_poster() -> None:
    plain = pictures.PosterContent(url="http://x/s/a", title="新枣到货", shop_name="李家枣园")
    fancy = pictures.PosterContent(
        url="http://x/s/a", title="新枣🍎到货\x07 مرحبا 𠀀", shop_name="李家枣园"
    )
    as_image = [Image.open(io.BytesIO(pictures.poster_png(c))) for c in (plain, fancy)]
    assert as_image[0].tobytes() == as_image[1].tobytes()


def test_new_posters_are_bounded_per_client_and_cached_ones_are_not(
    seller: User, shop: Shop, product: Product, visitor: Client, settings: Any
) -> None:
    settings.SHARE_POSTER_RATE_PER_ADDRESS = "2/d"  # a day's window: a test never straddles two
    base = f"/{shop.slug}/p/{product.pk}/share/poster.png"
    assert visitor.get(base).status_code == 200
    assert visitor.get(base + "?v=1").status_code == 200  # the same poster: from the cache
    assert visitor.get(f"/{shop.slug}/share/poster.png").status_code == 200
    refused = visitor.get(base, HTTP_HOST="127.0.0.1:1234")  # another poster (another address)
    assert refused.status_code == 429
    assert visitor.get(base).status_code == 200


@pytest.mark.parametrize("tail", ["/", "%20", "%E3%80%82", ")", "%EF%BC%89", ".", "!"])
def test_a_link_with_what_a_chat_app_adds_still_opens(
    seller: User, shop: Shop, visitor: Client, tail: str
) -> None:
    link = share_link_for(owner=seller, shop=shop)
    assert visitor.get(f"/s/{link.code}{tail}").status_code == 302


def test_an_unknown_address_gets_a_friendly_page(visitor: Client, settings: Any) -> None:
    settings.DEBUG = False
    page = visitor.get("/no-such-shop/with/a/path/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404
    assert "There is nothing at this address" in page.content.decode()
