"""A shared link unfurls: Open Graph and Twitter card tags with absolute URLs, a canonical URL,
the price, an icon, and a manifest so a buyer can put the shop on a phone's home screen."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import make_photo
from weishang.catalog.models import Product
from weishang.shops.models import Shop

# The user agents of the preview bots that fetch a shared link.
PREVIEW_BOTS = {
    "WeChat": "Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64",
    "Facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitter": "Twitterbot/1.0",
    "Telegram": "TelegramBot (like TwitterBot)",
    "WhatsApp": "WhatsApp/2.23.20.0 A",
    "Slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
}


def tags(html: str) -> dict[str, str]:
    found = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', html))
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    if canonical:
        found["canonical"] = canonical.group(1)
    return found


@pytest.mark.parametrize("bot", PREVIEW_BOTS)
def test_every_preview_bot_gets_a_product_card_with_absolute_urls_and_the_price(
    product: Product, bot: str
) -> None:
    make_photo(product=product)
    url = f"/{product.shop.slug}/p/{product.pk}/"

    page = Client(HTTP_USER_AGENT=PREVIEW_BOTS[bot]).get(url)

    assert page.status_code == 200
    card = tags(page.content.decode())
    assert card["og:type"] == "product" and card["og:title"] == "清涧狗头枣"
    assert card["og:url"] == card["canonical"] == f"http://testserver{url}"
    assert card["og:image"].startswith("http://testserver/media/products/card/")
    assert (card["og:image:width"], card["og:image:height"]) == ("600", "600")
    assert (card["product:price:amount"], card["product:price:currency"]) == ("38.00", "CNY")
    assert card["og:site_name"] == "李家枣园" and card["twitter:card"] == "summary"
    assert card["twitter:image"] == card["og:image"]


def test_the_shop_home_card_uses_the_logo_and_site_url_when_set(
    shop: Shop, settings: object
) -> None:
    settings.SITE_URL = "https://shop.example.com"  # type: ignore[attr-defined]
    shop.logo = "shops/logos/x.jpg"  # type: ignore[assignment]
    shop.save()

    card = tags(Client().get(f"/{shop.slug}/").content.decode())

    assert card["og:url"] == "https://shop.example.com/jujube-farm/"
    assert card["og:image"] == "https://shop.example.com/media/shops/logos/x.jpg"
    assert card["og:description"].startswith("三十年的枣园")


def test_a_product_without_photos_or_logo_has_no_image_tag_but_still_a_card(
    product: Product,
) -> None:
    card = tags(Client().get(f"/{product.shop.slug}/p/{product.pk}/").content.decode())
    assert "og:image" not in card and card["og:title"] == "清涧狗头枣"


def test_the_page_cache_never_serves_one_hosts_links_to_another(
    product: Product, settings: object
) -> None:
    settings.STOREFRONT_PAGE_CACHE_SECONDS = 60  # type: ignore[attr-defined]
    cache.clear()
    url = f"/{product.shop.slug}/p/{product.pk}/"
    first = tags(Client(HTTP_HOST="localhost").get(url).content.decode())
    second = tags(Client(HTTP_HOST="127.0.0.1").get(url).content.decode())
    assert first["og:url"].startswith("http://localhost/")
    assert second["og:url"].startswith("http://127.0.0.1/")


def test_each_shop_has_a_manifest_for_the_home_screen_and_the_site_an_icon(shop: Shop) -> None:
    client = Client()
    home = client.get(f"/{shop.slug}/").content.decode()
    assert f'<link rel="manifest" href="/{shop.slug}/manifest.webmanifest">' in home
    assert 'rel="icon"' in home and 'rel="apple-touch-icon"' in home

    answer = client.get(f"/{shop.slug}/manifest.webmanifest")
    manifest = json.loads(answer.content)
    assert answer["Content-Type"] == "application/manifest+json"
    assert manifest["name"] == "李家枣园" and manifest["start_url"] == "/jujube-farm/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}

    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("favicon-48.png")
    assert client.get("/no-such-shop/manifest.webmanifest").status_code == 404
