from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.server import production_server


@pytest.mark.live_server_process
@pytest.mark.django_db(transaction=True)
def test_weishang_serve_answers_and_serves_uploaded_files(tmp_path: Path) -> None:
    media = Path(settings.MEDIA_ROOT) / "products"
    media.mkdir(parents=True)
    (media / "a.jpg").write_bytes(b"jpeg bytes")

    with production_server(tmp_path) as base:
        with urllib.request.urlopen(base + "/healthz") as response:
            assert response.read() == b"ok"
        with urllib.request.urlopen(base + "/media/products/a.jpg") as response:
            assert response.read() == b"jpeg bytes"
            assert response.headers["Content-Type"] == "image/jpeg"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "immutable" in response.headers["Cache-Control"]
        for missing in ("/media/products/b.jpg", "/media/../secret_key", "/media/products/a.html"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + missing)
            assert refused.value.code == 404


@pytest.mark.live_server_process
@pytest.mark.django_db(transaction=True)
def test_pages_and_static_files_are_compressed_and_hashed_static_is_cached_a_year(
    tmp_path: Path,
) -> None:
    import gzip
    import re

    from tests.factories import make_product, make_shop

    product = make_product(shop=make_shop())
    gzip_please = {"Accept-Encoding": "gzip", "User-Agent": "Mozilla/5.0"}
    with production_server(tmp_path) as base:
        page = urllib.request.Request(
            f"{base}/{product.shop.slug}/p/{product.pk}/", headers=gzip_please
        )
        with urllib.request.urlopen(page) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            html = gzip.decompress(response.read()).decode()
        styles = re.search(r'href="(/static/storefront/storefront\.[0-9a-f]{12}\.css)"', html)
        assert styles is not None, "static file names carry their hash"
        static = urllib.request.Request(base + styles.group(1), headers=gzip_please)
        with urllib.request.urlopen(static) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert "max-age=315360000" in response.headers["Cache-Control"]
            assert "immutable" in response.headers["Cache-Control"]
            assert b".share-pill" in gzip.decompress(response.read())
        plain = urllib.request.Request(base + styles.group(1), headers={"User-Agent": "x"})
        with urllib.request.urlopen(plain) as response:
            assert "Content-Encoding" not in response.headers
