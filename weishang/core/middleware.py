from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .errors import UserError

logger = logging.getLogger(__name__)


class UserErrorMiddleware:
    """A ``UserError`` that escapes a view is the user's mistake: show it, with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            # The database went away mid-request (a restart, a dropped connection). Whatever
            # the request wrote was rolled back or committed whole; a retry is safe (a checkout
            # is idempotent by its key), so say "try again", not "error".
            logger.warning(
                "database unavailable: %s %s: %s", request.method, request.path, exception
            )
            response = _refuse(
                request,
                503,
                "database_unavailable",
                _("We could not finish that just now. Please try again in a moment."),
            )
            response["Retry-After"] = "5"
            return response
        if isinstance(exception, UserError):
            return _refuse(request, exception.status, exception.code.value, exception.message)
        return None


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    response = TemplateResponse(
        request, "core/error.html", {"message": message, "code": code}, status=status
    )
    return response.render()


class RequestLimitsMiddleware:
    """Bound what a request may cost before anything parses it, and refuse what no page takes.

    Sits after authentication (a session is a signed cookie: knowing the user costs no query) and
    before every view and the CSRF check, which are the first to read a body. A body larger than
    its kind may be is refused from its declared length, unread; a body without a length is read
    as empty by Django, so none gets through unbounded. Bodies with files may be larger only where
    pages ask for files: a signed-in user's on the seller's pages and the console, a buyer's on
    their order's review.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return _refuse(request, 400, "nul_character", _("That address is not valid."))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(request, 400, "bad_length", _("That request is not valid."))
        if length <= 0:
            return None
        charset = request.content_params.get("charset") if request.content_params else None
        if charset:
            # Every page is UTF-8, so every form a browser sends from it is too; another charset
            # is a hand-made request (and some, like utf-16 or base64, break Django's parsing).
            try:
                name = codecs.lookup(charset).name
            except LookupError:
                name = ""
            if name not in {"utf-8", "ascii"}:
                return _refuse(
                    request, 415, "unknown_charset", _("That request's text encoding is unknown.")
                )
        limit = settings.REQUEST_FORM_MAX_BYTES  # elsewhere a form, with or without files
        if request.content_type == "multipart/form-data":
            if request.user.is_authenticated and request.path.startswith(_UPLOAD_PAGES):
                limit = settings.REQUEST_UPLOAD_MAX_BYTES  # a seller's photos, logo, QR code
            elif _REVIEW_PATH.match(request.path):
                limit = settings.REQUEST_REVIEW_MAX_BYTES  # a buyer's review photos
        if length > limit:
            return _refuse(
                request,
                413,
                "too_large",
                _("That is more than this page accepts (at most %(size)s).")
                % {"size": filesizeformat(limit)},
            )
        # Forms refuse NUL characters themselves; this covers the values views read directly.
        urlencoded = request.content_type == "application/x-www-form-urlencoded"
        if urlencoded and any("\x00" in k or "\x00" in v for k, v in _items(request.POST)):
            return _refuse(request, 400, "nul_character", _("That form is not valid."))
        return None


# Where files are sent: the seller's pages and the operators' console (signed in), and a
# review on the buyer's order page. Everywhere else a body is bounded like any form's.
_UPLOAD_PAGES = ("/dashboard/", "/admin/")
_REVIEW_PATH = re.compile(r"^/o/[\w-]{1,32}/review/$")


def _items(data: QueryDict) -> list[tuple[str, str]]:
    return [(key, value) for key, values in data.lists() for value in values]


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy of ``settings.CONTENT_SECURITY_POLICY`` on every response that
    does not set its own (an uploaded photo does). The policy uses no nonces, so its header is
    built once, at start-up: django-csp rebuilt it for every response, 0.12 ms each, a tenth of
    what a cached shop page costs to serve."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.header)
        return response


class CompressTextMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH mitigation) for text only: pages, CSV, JSON, SVG. Photos are
    compressed already; static files come pre-compressed from WhiteNoise, which answers them
    before this middleware."""

    TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "image/svg+xml")

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith(self.TEXT_TYPES):
            return response
        return super().process_response(request, response)
