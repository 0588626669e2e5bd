"""Seller pages speak Chinese by default, including the errors raised by other apps' services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import make_order
from weishang.accounts.models import User
from weishang.shops.models import Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_zh(seller: User) -> Client:
    client = Client()  # no Accept-Language: the default, zh-hans
    client.force_login(seller)
    return client


def test_price_and_photo_errors_read_in_chinese(shop: Shop, client_zh: Client) -> None:
    response = client_zh.post(
        reverse("dashboard:product_new", args=[shop.slug]),
        {
            "name": "红枣",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-name": "250 g",
            "variants-0-price": "12.345",
            "variants-0-stock": "1",
        },
    )
    photo = client_zh.post(
        reverse("dashboard:product_new", args=[shop.slug]),
        {
            "name": "红枣",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-name": "250 g",
            "variants-0-price": "12",
            "variants-0-stock": "1",
            "photos": [SimpleUploadedFile("x.jpg", b"not a photo")],
        },
    )

    assert "CNY 价格最多 2 位小数。" in response.content.decode()
    assert "这个文件不是可识别的照片。" in photo.content.decode()  # raised by core.images


def test_a_refused_order_action_reads_in_chinese(shop: Shop, client_zh: Client) -> None:
    order = make_order(shop=shop)

    response = client_zh.post(
        reverse("dashboard:order_complete", args=[shop.slug, order.pk]), follow=True
    )

    page = response.content.decode()
    assert "“待付款”" in page and "不能这样" in page  # raised by orders.lifecycle


def test_the_home_page_in_chinese(shop: Shop, client_zh: Client) -> None:
    page = client_zh.get(reverse("dashboard:shop_home", args=[shop.slug])).content.decode()

    assert "今日成交额" in page and "还没有订单" in page and "复制店铺链接" in page
