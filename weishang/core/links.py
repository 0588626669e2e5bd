"""Absolute URLs for what leaves the site: link previews, share links, QR codes, posters."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """``path`` under ``SITE_URL`` when it is set, else on the host this request came to (one of
    ``ALLOWED_HOSTS``); a URL that is absolute already is returned as it is."""
    if not path or path.startswith(("http://", "https://")):
        return path
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path
