"""Order services: placing an order and moving it through its lifecycle.

``order_place`` is the one path by which stock leaves a shop: it validates the cart against the
shop's published variants, reserves stock (``catalog.stock``), and writes the order, its lines
and its first event in one transaction. The same ``checkout_key`` always yields the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.accounts.models import User
from weishang.catalog.models import Variant
from weishang.catalog.stock import OutOfStock, stock_release, stock_reserve
from weishang.shops.models import Shop

from .errors import OrderError, OrderErrorCode
from .lifecycle import GOODS_WITH_SELLER, order_transition
from .locks import order_for_update
from .models import Customer, Order, OrderEvent, OrderLine, OrderStatus, PaymentMethod

MAX_LINE_QUANTITY = 99
MAX_LINES = 50


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
) -> Order:
    """Place a guest's order. Raises ``OrderError`` (nothing written) when it cannot be placed."""
    existing = Order.objects.filter(checkout_key=checkout_key).first()
    if existing is not None:
        return existing  # a double tap or a retry of the same checkout
    _check_payment_method(shop, payment_method)
    wanted = {int(v): int(q) for v, q in quantities.items() if int(q) != 0}
    if not wanted:
        raise OrderError(OrderErrorCode.EMPTY_CART, _("Your cart is empty."))
    if len(wanted) > MAX_LINES or any(not 0 < q <= MAX_LINE_QUANTITY for q in wanted.values()):
        raise OrderError(
            OrderErrorCode.BAD_QUANTITY,
            _("Each item's quantity must be between 1 and %(max)d.") % {"max": MAX_LINE_QUANTITY},
        )
    try:
        with transaction.atomic():
            variants = {
                v.pk: v
                for v in Variant.objects.filter(
                    pk__in=wanted, product__shop=shop, product__is_published=True
                ).select_related("product")
            }
            missing = set(wanted) - set(variants)
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
            cod = payment_method == PaymentMethod.CASH_ON_DELIVERY
            now = timezone.now()
            order = Order.objects.create(
                shop=shop,
                customer=customer,
                checkout_key=checkout_key,
                status=OrderStatus.AWAITING_SHIPMENT if cod else OrderStatus.AWAITING_PAYMENT,
                payment_method=payment_method,
                currency=shop.currency,
                buyer_name=buyer_name,
                buyer_phone=buyer_phone,
                shipping_address=shipping_address,
                buyer_note=buyer_note,
                total_minor=sum(variants[v].price_minor * q for v, q in wanted.items()),
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
                    quantity=q,
                )
                for v, q in sorted(wanted.items())
            )
            OrderEvent.objects.create(order=order, action="place", to_status=order.status)
            transaction.on_commit(lambda: _after_place(order))
    except IntegrityError:
        # A concurrent submit of the same checkout won the race; its order is the order.
        existing = Order.objects.filter(checkout_key=checkout_key).first()
        if existing is None:
            raise
        return existing
    return order


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


def _after_place(order: Order) -> None:
    from .tasks import order_expire_unpaid, order_notify_seller

    order_notify_seller.enqueue(order.pk)
    if order.expires_at is not None:
        order_expire_unpaid.using(run_after=order.expires_at).enqueue(order.pk)


def order_lines_release_stock(order: Order) -> None:
    """Put back every unit still out on this order (whatever was not refunded with a restock)."""
    stock_release(
        quantities=[
            (line.variant_id, line.quantity - line.refunded_quantity)
            for line in order.lines.all()
            if line.variant_id is not None
        ]
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
        order_transition(
            order, action="ship", actor=actor, note=f"{order.carrier} {order.tracking_number}"
        )
    return order


def order_complete(*, shop: Shop, order_id: int, actor: User) -> Order:
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order_transition(order, action="complete", actor=actor)
    return order


def order_cancel(*, shop: Shop, order_id: int, actor: User, reason: str = "") -> Order:
    """Cancel an unpaid order; its stock goes back on the shelf."""
    with transaction.atomic():
        order = order_for_update(shop_id=shop.pk).get(pk=order_id)
        order_transition(order, action="cancel", actor=actor, note=reason[:300])
        order_lines_release_stock(order)
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
        assert order.status in GOODS_WITH_SELLER
        order_transition(order, action="expire", actor=None)
        order_lines_release_stock(order)
    return True


def orders_expire_due(*, limit: int = 500) -> int:
    """Expire every order whose payment window has passed (the worker's sweep)."""
    due = Order.objects.filter(
        status=OrderStatus.AWAITING_PAYMENT, expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return sum(order_expire(order_id=pk) for pk in list(due))
