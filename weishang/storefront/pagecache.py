"""A two-second page cache for the first visit of a shared link.

When a link is shared to a group, hundreds of phones open the same shop page within seconds,
and nearly all of them are fresh visitors: no cart, no order in this shop yet. For exactly those
visitors the rendered page is the same, except for the CSRF token in its forms, so the shop home
and the product page are kept for ``STOREFRONT_PAGE_CACHE_SECONDS`` (2 s) per path and language,
with the token cut out; each visitor gets the cached page with a fresh token of their own.

A visitor with a cart or an order gets the same cached page with their own parts (the cart badge,
the link to their order) rendered again from their cookie (``personal.py``); what is kept is
always the fresh visitor's page (a buyer's rendering has their parts rendered as nobody's first). An htmx request, and anything but a 200, always get a freshly
rendered page. A stale page can show a price or a stock count for at most the
cache's lifetime; it can never sell what is not there, because checkout reads and reserves stock
in its own transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from .cart import visitor_has_shop_state
from .personal import personalise

_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_HOLE = b"\x00csrf\x00"

View = Callable[..., HttpResponse]


def page_cached(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.STOREFRONT_PAGE_CACHE_SECONDS
        if not seconds or request.method != "GET" or getattr(request, "htmx", False):
            return view(request, *args, **kwargs)
        personal = visitor_has_shop_state(request)
        # The host is part of the key: a page carries absolute URLs (its link preview).
        key = f"page:{get_language()}:{request.get_host()}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                body = _TOKEN.sub(rb"\1" + _HOLE + rb"\2", response.content)
                # What is kept is a fresh visitor's page: a buyer's own parts are rendered again
                # as nobody's (no cart, no orders) before it is stored.
                if personal:
                    body = personalise(body, None)
                cache.set(key, (body, response["Content-Type"]), seconds)
            return response
        body, content_type = cached
        if personal:
            body = personalise(body, request)
        token = get_token(request).encode()  # also sets the visitor's CSRF cookie
        response = HttpResponse(body.replace(_HOLE, token), content_type=content_type)
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
        return response

    return wrapped
