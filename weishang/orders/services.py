"""Order services: placing an order and moving it through its lifecycle.

``order_place`` is the one path by which stock leaves a shop: it validates the cart against the
shop's published variants, reserves stock (``catalog.stock``), and writes the order, its lines
and its first event in one transaction. The same ``checkout_key`` always yields the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.accounts.models import User
from weishang.catalog.models import Variant
from weishang.catalog.stock import OutOfStock, stock_reserve
from weishang.channel.services import resale_terms
from weishang.core.clientip import client_network_key
from weishang.core.money import zero
from weishang.core.phones import normalize_phone
from weishang.core.text import has_hidden_characters
from weishang.sharing.services import attribution_find
from weishang.shops.models import Shop

from .errors import OrderError, OrderErrorCode
from .lifecycle import NEW, order_change
from .locks import order_for_update
from .models import Customer, Order, OrderLine, OrderStatus, PaymentMethod

MAX_LINE_QUANTITY = 99
MAX_LINES = 50
# A buyer's details are the order's columns: their limits are the columns' own.
BUYER_NAME_MAX = Order._meta.get_field("buyer_name").max_length or 60
ADDRESS_MAX = Order._meta.get_field("shipping_address").max_length or 300
NOTE_MAX = Order._meta.get_field("buyer_note").max_length or 300


def buyer_phone_check(text: str) -> str:
    """The buyer's mobile number in E.164 (``+8613800138000``), however it was typed."""
    phone = normalize_phone(text)
    if phone is None:
        raise OrderError(
            OrderErrorCode.BAD_DETAILS,
            _("Enter a valid mobile number, for example 138 0013 8000."),
        )
    return phone


def buyer_details_check(*, name: str, phone: str, address: str, note: str = "") -> None:
    """Who receives the order and where; raises ``OrderError`` saying what is missing."""
    if any(
        has_hidden_characters(text, lines=lines)
        for text, lines in ((name, False), (address, True), (note, True))
    ):
        raise OrderError(
            OrderErrorCode.BAD_DETAILS,
            _("Please remove the invisible or control characters from your details."),
        )
    if not name.strip() or len(name) > BUYER_NAME_MAX:
        raise OrderError(
            OrderErrorCode.BAD_DETAILS,
            _("Enter the recipient's name (at most %(max)d characters).") % {"max": BUYER_NAME_MAX},
        )
    if not address.strip() or len(address) > ADDRESS_MAX:
        raise OrderError(
            OrderErrorCode.BAD_DETAILS,
            _("Enter the delivery address (at most %(max)d characters).") % {"max": ADDRESS_MAX},
        )
    if len(note) > NOTE_MAX:
        raise OrderError(
            OrderErrorCode.BAD_DETAILS,
            _("The note can have at most %(max)d characters.") % {"max": NOTE_MAX},
        )
    if buyer_phone_check(phone) != phone:
        raise ValueError("order_place takes the phone in E.164: clean it with buyer_phone_check")


def order_place(
    *,
    shop: Shop,
    quantities: Mapping[int, int],
    buyer_name: str,
    buyer_phone: str,
    shipping_address: str,
    payment_method: str,
    checkout_key: str,
    buyer_note: str = "",
    client_ip: str = "",
    visitor: str = "",
    buyer: User | None = None,
    prices_seen: str | None = None,
) -> Order:
    """Place a guest's order. Raises ``OrderError`` (nothing written) when it cannot be placed.
    ``client_ip`` (from ``core.clientip.client_ip``) is kept only as a keyed hash of its
    network, to bound what one network's unpaid orders may hold. ``visitor`` is the browser's
    random visitor id (sharing): the order is attributed to the share link it last came through
    within the attribution window. ``buyer`` is the signed-in account, if any.

    ``shop`` is the shop the buyer is in. When the cart holds products the shop resells from a
    channel (``channel.services.resale_terms``), the order is the channel's: its supplier, the
    brand, is the order's ``shop`` (it ships, and its payment details apply), ``shop`` becomes its
    seller of record (``sold_by``), and each unit is sold at the reseller's listed price.

    ``prices_seen`` is ``prices_fingerprint`` of the lines the buyer was shown: when a price (or
    the cart) changed since, the order is refused (nothing written), never charged at a price
    they did not see."""
    existing = Order.objects.filter(checkout_key=checkout_key).first()
    if existing is not None:
        return existing  # a double tap or a retry of the same checkout
    buyer_details_check(
        name=buyer_name, phone=buyer_phone, address=shipping_address, note=buyer_note
    )
    wanted = {int(v): int(q) for v, q in quantities.items() if int(q) != 0}
    if not wanted:
        raise OrderError(OrderErrorCode.EMPTY_CART, _("Your cart is empty."))
    if len(wanted) > MAX_LINES or any(not 0 < q <= MAX_LINE_QUANTITY for q in wanted.values()):
        raise OrderError(
            OrderErrorCode.BAD_QUANTITY,
            _("Each item's quantity must be between 1 and %(max)d.") % {"max": MAX_LINE_QUANTITY},
        )
    address = address_key(shipping_address)
    client = client_network_key(client_ip)
    try:
        with transaction.atomic():
            variants = {
                v.pk: v
                for v in Variant.objects.filter(
                    pk__in=wanted, product__is_published=True
                ).select_related("product")
            }
            seller = shop
            resale = None
            if any(v.product.shop_id != shop.pk for v in variants.values()):
                resale = resale_terms(
                    seller_shop=shop,
                    product_ids={v.product_id for v in variants.values()},
                    check_one_price=True,
                )
                if resale is None:  # not (or no longer) listed here, or from two suppliers
                    raise OrderError(
                        OrderErrorCode.UNAVAILABLE,
                        _("An item in your cart is no longer for sale."),
                        variant_id=min(wanted),
                    )
                else:
                    shop = resale.supplier
                    for v in variants.values():
                        v.price_minor = resale.prices[v.product_id]
            _check_payment_method(shop, payment_method)
            # A price in another currency than the shop's cannot be sold at the shop's.
            missing = set(wanted) - {
                pk for pk, v in variants.items() if v.currency == shop.currency
            }
            if missing:
                raise OrderError(
                    OrderErrorCode.UNAVAILABLE,
                    _("An item in your cart is no longer for sale."),
                    variant_id=min(missing),
                )
            try:
                stock_reserve(quantities=wanted)
            except OutOfStock as exc:
                variant = variants[exc.variant_id]
                raise OrderError(
                    OrderErrorCode.SOLD_OUT,
                    _("Sold out: %(item)s. Only %(left)d left.")
                    % {"item": str(variant), "left": _stock_left(exc.variant_id)},
                    variant_id=exc.variant_id,
                ) from None
            customer, _created = Customer.objects.update_or_create(
                shop=shop,
                phone=buyer_phone,
                defaults={"name": buyer_name, "address": shipping_address},
            )
            # After the customer row: two checkouts of one phone queue on it (PostgreSQL), so
            # they cannot both pass the check below.
            _check_unpaid_holds(shop, buyer_phone, address, client, sum(wanted.values()))
            cod = payment_method == PaymentMethod.CASH_ON_DELIVERY
            now = timezone.now()
            visit = attribution_find(shop_id=seller.pk, visitor_token=visitor, at=now)
            total = sum((variants[v].price * q for v, q in wanted.items()), zero(shop.currency))
            seen = prices_fingerprint((v, q, variants[v].price_minor) for v, q in wanted.items())
            if prices_seen is not None and seen != prices_seen:
                raise OrderError(
                    OrderErrorCode.PRICE_CHANGED,
                    _(
                        "A price changed while you were checking out: the total is now "
                        "%(total)s. Please check it and place the order again."
                    )
                    % {"total": total},
                )
            order = Order.objects.create(
                shop=shop,
                customer=customer,
                checkout_key=checkout_key,
                status=NEW,
                payment_method=payment_method,
                currency=shop.currency,
                buyer_name=buyer_name,
                buyer_phone=buyer_phone,
                shipping_address=shipping_address,
                address_key=address,
                client_key=client,
                buyer_note=buyer_note,
                total_minor=total.minor,
                share_link_id=visit.link_id if visit else None,
                share_visited_at=visit.at if visit else None,
                sold_by=seller if resale else None,
                reseller=resale.membership if resale else None,
                placed_by=buyer if buyer is not None and buyer.is_authenticated else None,
                expires_at=None
                if cod
                else now + timedelta(minutes=settings.ORDER_PAYMENT_WINDOW_MINUTES),
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order,
                    variant=variants[v],
                    product_name=variants[v].product.name,
                    variant_name=variants[v].name,
                    unit_price_minor=variants[v].price_minor,
                    currency=variants[v].currency,
                    quantity=q,
                )
                for v, q in sorted(wanted.items())
            )
            order_change(order, "place", actor=None)
    except IntegrityError:
        # A concurrent submit of the same checkout won the race; its order is the order.
        existing = Order.objects.filter(checkout_key=checkout_key).first()
        if existing is None:
            raise
        return existing
    return order


def prices_fingerprint(lines: Iterable[tuple[int, int, int]]) -> str:
    """What a checkout page showed, as a short digest of its lines' (variant id, quantity, unit
    price): the page carries it, and ``order_place`` refuses an order whose lines differ."""
    text = ";".join(f"{v}:{q}:{p}" for v, q, p in sorted(lines))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def address_key(address: str) -> str:
    """An address as a key: case, spaces and punctuation dropped (杭州市 西湖区, 杭州市西湖区)."""
    return "".join(ch for ch in address.casefold() if ch.isalnum())[:300]


UNPAID = Q(order__paid_at__isnull=True) & Q(
    order__status__in=[OrderStatus.AWAITING_PAYMENT, OrderStatus.AWAITING_SHIPMENT]
)


def _units_held(shop: Shop, **who: tuple[str, str]) -> dict[str, int]:
    """Units that this shop's unpaid, unshipped orders keep off the shelf, for each
    ``name=(order field, value)`` asked, in one query: ``{name: units}``."""
    units = F("quantity") - F("refunded_quantity")
    sums = OrderLine.objects.filter(UNPAID, order__shop=shop).aggregate(
        **{
            name: Sum(units, filter=Q(**{f"order__{field}": value}))
            for name, (field, value) in who.items()
        }
    )
    return {name: int(total or 0) for name, total in sums.items()}


def _check_unpaid_holds(shop: Shop, phone: str, address: str, client: str, units: int) -> None:
    """An unpaid order keeps its stock from everyone else: bound how much one order, one buyer's
    phone, one delivery address and one client network may keep at a time
    (ORDER_UNPAID_MAX_UNITS_*)."""
    per_order = settings.ORDER_UNPAID_MAX_UNITS
    if units > per_order:
        raise OrderError(
            OrderErrorCode.HOLD_LIMIT,
            _(
                "An order waiting for payment can hold at most %(max)d items. Please order"
                " fewer, or ask the seller."
            )
            % {"max": per_order},
        )
    who = {"buyer": ("buyer_phone", phone), "address": ("address_key", address)}
    if client:
        who["client"] = ("client_key", client)
    held = _units_held(shop, **who)
    caps = {
        "buyer": (
            settings.ORDER_UNPAID_MAX_UNITS_PER_BUYER,
            _(
                "You already have %(held)d items waiting for payment at this shop. Pay for or"
                " cancel those orders first: at most %(max)d items may wait at a time."
            ),
        ),
        "address": (
            settings.ORDER_UNPAID_MAX_UNITS_PER_ADDRESS,
            _(
                "This delivery address already has %(held)d items waiting for payment at this"
                " shop: at most %(max)d items may wait at a time for one address."
            ),
        ),
        "client": (
            settings.ORDER_UNPAID_MAX_UNITS_PER_CLIENT,
            _(
                "Too many items are waiting for payment from your network at this shop right"
                " now. Please pay for open orders first, or try again later."
            ),
        ),
    }
    for name, units_held in held.items():
        most, message = caps[name]
        if units_held + units > most:
            raise OrderError(OrderErrorCode.HOLD_LIMIT, message % {"held": units_held, "max": most})


def _stock_left(variant_id: int) -> int:
    return Variant.objects.filter(pk=variant_id).values_list("stock", flat=True).first() or 0


def _check_payment_method(shop: Shop, payment_method: str) -> None:
    available = {
        PaymentMethod.MANUAL_TRANSFER: shop.accepts_manual_transfer,
        PaymentMethod.CASH_ON_DELIVERY: shop.accepts_cash_on_delivery,
    }
    if not available.get(payment_method):  # type: ignore[call-overload]
        raise OrderError(
            OrderErrorCode.PAYMENT_METHOD_UNAVAILABLE,
            _("This shop does not take that way of paying. Please choose another."),
        )


def order_ship(
    *, shop: Shop, order_id: int, actor: User, carrier: str, tracking_number: str
) -> Order:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise OrderError(
            OrderErrorCode.MISSING_TRACKING, _("Enter the carrier and the tracking number.")
        )
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order.carrier, order.tracking_number = carrier[:40], tracking_number[:40]
        order_change(order, "ship", actor=actor, note=f"{order.carrier} {order.tracking_number}")
    return order


def order_complete(*, shop: Shop, order_id: int, actor: User) -> Order:
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order_change(order, "complete", actor=actor)
    return order


def order_cancel(*, shop: Shop, order_id: int, actor: User, reason: str = "") -> Order:
    """Cancel an unpaid order; its stock goes back on the shelf."""
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order_change(order, "cancel", actor=actor, note=reason)
    return order


def order_expire(*, order_id: int) -> bool:
    """Expire an order still unpaid after its window; True when it did."""
    with transaction.atomic():
        order = order_for_update().filter(pk=order_id).first()
        if (
            order is None
            or order.status != OrderStatus.AWAITING_PAYMENT
            or order.expires_at is None
            or order.expires_at > timezone.now()
        ):
            return False
        order_change(order, "expire", actor=None)
    return True


def orders_expire_due(*, limit: int = 500) -> int:
    """Expire every order whose payment window has passed (the worker's sweep)."""
    due = Order.objects.filter(
        status=OrderStatus.AWAITING_PAYMENT, expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return sum(order_expire(order_id=pk) for pk in list(due))


def order_mark_seen(*, order: Order) -> None:
    """The seller opened the order: it no longer counts as new (not a change of state)."""
    Order.objects.filter(pk=order.pk, seen_by_seller=False).update(seen_by_seller=True)
    order.seen_by_seller = True


def order_referral_remove(*, order: Order) -> bool:
    """The buyer removes the order's binding to the share link that referred it. From then on
    the order counts for nobody's link (the sharing statistics and their export). A channel
    order's seller of record is the reseller whose shop sold it, named on the order page, and
    stays so. False when there was nothing to remove."""
    removed = Order.objects.filter(
        pk=order.pk, share_link__isnull=False, share_removed_at__isnull=True
    ).update(share_removed_at=timezone.now())
    order.refresh_from_db(fields=["share_removed_at"])
    return bool(removed)
