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
