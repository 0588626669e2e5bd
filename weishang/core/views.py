from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils._os import safe_join
from django.utils.translation import gettext as _


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "message": _("Too many attempts. Please wait a few minutes and try again."),
            "code": "rate_limited",
        },
        status=429,
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# Every stored upload is a re-encoding made by the image pipeline, under a random name that is
# never reused: its type comes from this table, never from the file, and it is cached for a year.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def media(request: HttpRequest, path: str) -> FileResponse:
    """An uploaded photo, served by the application server with headers that pin its type."""
    content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    if content_type is None:
        raise Http404
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
        handle = full.open("rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
