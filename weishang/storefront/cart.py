"""The guest cart: ``{variant_id: quantity}`` per shop, kept in the (signed-cookie) session.

Nothing about a cart is stored in the database until ``order_place`` turns it into an order, so a
buyer browsing a shop costs no write and no session query. The session only holds ids and
quantities; prices, names and stock are always read fresh from the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from weishang.catalog.models import Variant
from weishang.orders.services import MAX_LINE_QUANTITY, MAX_LINES
from weishang.shops.models import Shop

from .selectors import cart_variants

_CART_PREFIX, _ORDERS_PREFIX, _SUPPLIER_PREFIX = "cart:", "orders:", "supplier:"


def _session_key(shop_id: int) -> str:
    return f"{_CART_PREFIX}{shop_id}"


def cart_get(request: HttpRequest, *, shop_id: int) -> dict[int, int]:
    """The shop's cart as ``{variant_id: quantity}``; anything malformed is dropped."""
    raw = request.session.get(_session_key(shop_id))
    if not isinstance(raw, dict):
        return {}
    cart: dict[int, int] = {}
    for key, value in raw.items():
        try:
            variant_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            continue
        if variant_id > 0 and 0 < quantity <= MAX_LINE_QUANTITY:
            cart[variant_id] = quantity
    return cart


def cart_save(request: HttpRequest, *, shop_id: int, cart: dict[int, int]) -> None:
    key = _session_key(shop_id)
    if cart:
        # JSON keys are strings; the cookie stays small (ids and counts only).
        request.session[key] = {str(v): q for v, q in list(cart.items())[:MAX_LINES]}
    else:
        # An empty cart ships from nowhere: what supplier_remember noted goes with it.
        for gone in (key, f"{_SUPPLIER_PREFIX}{shop_id}"):
            request.session.pop(gone, None)


def supplier_remember(request: HttpRequest, *, shop_id: int, supplier_id: int) -> None:
    """Which shop ships this shop's cart (another one when the shop resells a brand's products)."""
    key = f"{_SUPPLIER_PREFIX}{shop_id}"
    if supplier_id != shop_id:
        request.session[key] = supplier_id
    elif key in request.session:
        del request.session[key]


def supplier_remembered(request: HttpRequest, *, shop_id: int) -> int | None:
    value = request.session.get(f"{_SUPPLIER_PREFIX}{shop_id}")
    return value if isinstance(value, int) and value > 0 else None


def cart_count(request: HttpRequest, *, shop_id: int) -> int:
    """Units in the cart, for the badge; read from the cookie, no query."""
    return sum(cart_get(request, shop_id=shop_id).values())


def cart_set_quantity(
    request: HttpRequest, *, shop_id: int, variant_id: int, quantity: int
) -> dict[int, int]:
    """Set one line (0 removes it); quantities are clamped to what an order may hold."""
    cart = cart_get(request, shop_id=shop_id)
    quantity = max(0, min(quantity, MAX_LINE_QUANTITY))
    if quantity:
        if variant_id not in cart and len(cart) >= MAX_LINES:
            return cart
        cart[variant_id] = quantity
    else:
        cart.pop(variant_id, None)
    cart_save(request, shop_id=shop_id, cart=cart)
    return cart


@dataclass(frozen=True)
class CartLine:
    variant: Variant
    quantity: int

    @property
    def total_minor(self) -> int:
        return self.variant.price_minor * self.quantity

    @property
    def short(self) -> bool:
        return self.quantity > self.variant.stock


@dataclass(frozen=True)
class CartContents:
    lines: list[CartLine]
    dropped: int  # lines removed because their variant is no longer for sale
    # Who ships it and takes the payment: the shop itself, or the brand whose products it
    # resells (a cart holds one or the other, never both).
    supplier: Shop | None = None

    @property
    def total_minor(self) -> int:
        return sum(line.total_minor for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not any(line.short for line in self.lines)


def cart_load(request: HttpRequest, shop: Shop) -> CartContents:
    """The cart with fresh prices and stock; variants no longer on sale are dropped from it."""
    cart = cart_get(request, shop_id=shop.pk)
    variants = cart_variants(shop, list(cart))
    lines = [CartLine(variants[v], q) for v, q in cart.items() if v in variants]
    dropped = len(cart) - len(lines)
    if dropped:
        cart_save(request, shop_id=shop.pk, cart={v: q for v, q in cart.items() if v in variants})
    supplier = next((getattr(line.variant, "supplier", None) for line in lines), None)
    return CartContents(lines=lines, dropped=dropped, supplier=supplier or shop)


# The buyer's recent orders with a shop, so the same phone can find its order pages again
# without an account. Only the unguessable order link and the reference are kept.
MAX_REMEMBERED_ORDERS = 3


def _orders_key(shop_id: int) -> str:
    return f"{_ORDERS_PREFIX}{shop_id}"


def visitor_has_shop_state(request: HttpRequest) -> bool:
    """Whether this visitor has a cart or a remembered order in any shop (their pages differ)."""
    prefixes = (_CART_PREFIX, _ORDERS_PREFIX)
    return any(key.startswith(prefixes) for key in request.session.keys())  # noqa: SIM118


def orders_remember(request: HttpRequest, *, shop_id: int, token: str, reference: str) -> None:
    recent = [o for o in orders_recent(request, shop_id=shop_id) if o["token"] != token]
    entry = {"token": token, "reference": reference}
    request.session[_orders_key(shop_id)] = [entry, *recent][:MAX_REMEMBERED_ORDERS]


def orders_recent(request: HttpRequest, *, shop_id: int) -> list[dict[str, str]]:
    """Newest first; each ``{"token": ..., "reference": ...}``."""
    raw = request.session.get(_orders_key(shop_id))
    if not isinstance(raw, list):
        return []
    return [
        {"token": str(o["token"]), "reference": str(o["reference"])}
        for o in raw
        if isinstance(o, dict) and "token" in o and "reference" in o
    ][:MAX_REMEMBERED_ORDERS]
