from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from weishang.demo.marks import payment_qr_card, shop_logo
from weishang.demo.photos import SHOTS, photo_cached, product_photo


@pytest.mark.parametrize("good", ["junzao", "laodoufu", "anji-tejia"])
def test_a_product_photo_is_a_textured_rgb_square(good: str) -> None:
    image = product_photo(good, 0, size=160)

    assert image.mode == "RGB"
    assert image.size == (160, 160)
    pixels = np.asarray(image, dtype=np.float32)
    assert pixels.std() > 12  # a photo, not a flat colour
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "JPEG"


def test_every_product_has_two_or_three_different_shots() -> None:
    for good, shots in SHOTS.items():
        assert 2 <= len(shots) <= 3, good
    first, second = (np.asarray(product_photo("junzao", i, size=96), np.float32) for i in (0, 1))
    assert np.abs(first - second).mean() > 10


def test_painting_is_deterministic() -> None:
    assert (
        product_photo("huizao", 1, size=96).tobytes()
        == product_photo("huizao", 1, size=96).tobytes()
    )


def test_a_painted_photo_is_cached_by_version(tmp_path) -> None:
    data = photo_cached("zaopian", 0, tmp_path, size=96)

    (cached,) = tmp_path.rglob("*.jpg")
    assert cached.read_bytes() == data
    assert photo_cached("zaopian", 0, tmp_path, size=96) == data


def test_the_logo_and_the_demo_qr_card_are_images() -> None:
    logo = shop_logo("枣", (0.7, 0.1, 0.1), size=200)
    card = payment_qr_card("zaoyuan", "老王家若羌枣园", "wechat", width=300)

    assert logo.size == (200, 200)
    assert np.asarray(logo, np.float32).std() > 12
    assert card.mode == "RGB"
    assert card.size[1] > card.size[0]
