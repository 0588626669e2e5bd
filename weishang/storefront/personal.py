"""The visitor's own parts of a cached page: the cart badge and the shop's bottom bar (the cart
button and the link to the buyer's latest order).

The shop home and the product page mark these parts in their HTML
(``<!--personal:<name>:<args>-->…<!--/personal-->``). ``pagecache`` keeps the page a fresh visitor
gets and, for a visitor with a cart or an order, renders only these parts again from their
signed-cookie session (no query) and puts them in place of the fresh visitor's: the rest of the
page is the same for everyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string

from .cart import cart_count, orders_recent

PERSONAL = re.compile(rb"<!--personal:([a-z]+):([^>]{0,120})-->.*?<!--/personal-->", re.S)


def _badge(request: HttpRequest | None, args: list[str]) -> str:
    count = cart_count(request, shop_id=int(args[0])) if request else 0
    return render_to_string("storefront/includes/cart_badge.html", {"cart_count": count})


def _shop_bar(request: HttpRequest | None, args: list[str]) -> str:
    shop_id, slug, has_products = int(args[0]), args[1], args[2] == "1"
    context = {
        "shop": {"slug": slug},
        "has_products": has_products,
        "cart_count": cart_count(request, shop_id=shop_id) if request else 0,
        "recent_orders": orders_recent(request, shop_id=shop_id) if request else [],
    }
    return render_to_string("storefront/includes/shop_bar.html", context)


PARTS: dict[str, Callable[[HttpRequest | None, list[str]], str]] = {
    "badge": _badge,
    "shopbar": _shop_bar,
}


def personalise(body: bytes, request: HttpRequest | None) -> bytes:
    """``body`` with each marked part rendered for this visitor; for ``None``, as a fresh
    visitor (no cart, no orders) sees it."""

    def part(match: re.Match[bytes]) -> bytes:
        name, args = match.group(1).decode(), match.group(2).decode().split(":")
        render = PARTS.get(name)
        if render is None:
            return match.group(0)
        opening = match.group(0)[: match.group(0).index(b"-->") + 3]
        return opening + render(request, args).encode() + b"<!--/personal-->"

    return PERSONAL.sub(part, body)
