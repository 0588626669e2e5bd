from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from weishang.core.money import currency_symbol as symbol_of
from weishang.core.money import format_money, to_decimal
from weishang.core.phones import format_phone

from ..labels import ACTION_LABELS, EVENT_LABELS, PAYMENT_LABELS, STATUS_LABELS, STATUS_TONES

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    return format_money(minor or 0, currency)


@register.filter
def amount(minor: int | None, currency: str) -> str:
    """Minor units as a plain amount to type back ("12.50"), no currency sign."""
    return str(to_decimal(minor or 0, currency))


@register.filter
def percent(rate: Any) -> str:
    """A share (0.15) as a percentage ("15%", "12.5%")."""
    return f"{Decimal(rate) * 100:.2f}".rstrip("0").rstrip(".") + "%"


@register.filter
def status_label(status: str) -> Any:
    return STATUS_LABELS.get(status, status)  # type: ignore[call-overload]


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "grey")  # type: ignore[call-overload]


@register.filter
def event_label(action: str) -> Any:
    return EVENT_LABELS.get(action, action)


@register.filter
def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)


@register.filter
def payment_label(method: str) -> Any:
    return PAYMENT_LABELS.get(method, method)


@register.simple_tag
def price_range(product: Any, currency: str) -> str:
    prices = sorted(v.price_minor for v in product.variants.all())
    if not prices:
        return "—"
    if prices[0] == prices[-1]:
        return format_money(prices[0], currency)
    return f"{format_money(prices[0], currency)}–{format_money(prices[-1], currency)}"


@register.simple_tag
def total_stock(product: Any) -> int:
    return sum(v.stock for v in product.variants.all())


@register.simple_tag
def first_photo(product: Any) -> Any:
    photos = list(product.images.all())
    return photos[0] if photos else None


@register.inclusion_tag("dashboard/_icon.html")
def icon(name: str, size: int = 24) -> dict[str, Any]:
    return {"name": name, "size": size}


@register.filter
def currency_symbol(currency: str) -> str:
    return symbol_of(currency)


@register.filter
def phone_display(e164: str) -> str:
    return format_phone(e164)
