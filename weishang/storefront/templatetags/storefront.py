"""Template helpers for the storefront: money in the shop's currency, and media URLs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.core.files.storage import default_storage

from weishang.core.images import WEBP_WIDTHS, webp_name
from weishang.core.links import absolute_url
from weishang.core.money import format_money
from weishang.core.phones import format_phone

register = template.Library()


@register.filter
def percent(rate: object) -> str:
    """A share (0.15) as a percentage ("15%", "12.5%")."""
    return f"{Decimal(str(rate)) * 100:.2f}".rstrip("0").rstrip(".") + "%"


@register.filter
def share(value: float | None) -> str:
    """A fraction (0.6) as a whole percentage ("60%"); "–" for none."""
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def money(minor: int | None, currency: str) -> str:
    """``{{ variant.price_minor|money:shop.currency }}`` → ``¥28.00``."""
    if minor is None:
        return ""
    return format_money(int(minor), currency)


@register.filter
def media_url(name: str | None) -> str:
    """The URL of a stored file named by an annotated path (``card``/``thumb`` subqueries)."""
    return default_storage.url(name) if name else ""


@register.filter
def phone_display(e164: str) -> str:
    return format_phone(e164)


@register.simple_tag(takes_context=True)
def absolute(context: dict[str, Any], path: str) -> str:
    """An absolute URL for ``path``, as link previews need (``core.links.absolute_url``)."""
    return absolute_url(context.get("request"), path)


@register.filter
def webp_srcset(name: str | None, size: str) -> str:
    """``srcset`` for a stored photo's WebP copies (``core.images.WEBP_WIDTHS``), e.g.
    ``{{ image.large.name|webp_srcset:"large" }}``."""
    if not name:
        return ""
    return ", ".join(
        f"{default_storage.url(webp_name(name, width))} {width}w" for width in WEBP_WIDTHS[size]
    )
