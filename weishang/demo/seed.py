"""Fill an empty database with the three demo shops, their photos and two weeks of orders.

Every order goes through the real services (``order_place``, ``payment_confirm``,
``order_ship``, ``order_complete``, ``order_cancel``, ``order_expire``, ``refund_create``), so
stock, events and refunds are exactly what the platform itself would have written. Only the
clock is moved afterwards: timestamps are set back with ``.update()`` so the history spreads
over the past two weeks, with a few orders from today for the dashboard.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from weishang.accounts.models import User
from weishang.catalog.models import Product, Variant
from weishang.catalog.services import product_image_add
from weishang.core.images import logo_rendition, qr_rendition
from weishang.orders.models import Customer, Order, OrderEvent, OrderStatus, PaymentMethod
from weishang.orders.services import (
    order_cancel,
    order_complete,
    order_expire,
    order_place,
    order_ship,
)
from weishang.payments.models import Refund
from weishang.payments.services import payment_confirm, refund_create
from weishang.reviews.models import Review
from weishang.reviews.services import review_create, review_reply
from weishang.shops.models import Shop

from .channel import channel_seed
from .content import BUYERS, CARRIERS, LOCAL_BUYERS, NOTES, SHOPS, ShopSpec
from .marks import QUIET_TASKS, payment_qr_card, png_buffer, shop_logo
from .photos import PHOTO_SIZE, SHOTS, PhotoSource, photos_painting

PARTIAL_REFUND = "partial_refund"  # a completed order with one item refunded

# (days ago, what became of the order, paid cash on delivery?). Today's orders come last.
HISTORY: tuple[tuple[int, str, bool], ...] = (
    (13, OrderStatus.COMPLETED, False),
    (12, OrderStatus.COMPLETED, True),
    (11, PARTIAL_REFUND, False),
    (10, OrderStatus.COMPLETED, False),
    (9, OrderStatus.REFUNDED, False),
    (8, OrderStatus.COMPLETED, True),
    (7, OrderStatus.CANCELLED, False),
    (6, OrderStatus.COMPLETED, False),
    (5, OrderStatus.EXPIRED, False),
    (4, OrderStatus.SHIPPED, False),
    (3, OrderStatus.SHIPPED, True),
    (2, OrderStatus.AWAITING_SHIPMENT, False),
    (1, OrderStatus.AWAITING_SHIPMENT, False),
    (0, OrderStatus.AWAITING_SHIPMENT, False),
    (0, OrderStatus.AWAITING_SHIPMENT, True),
    (0, OrderStatus.AWAITING_PAYMENT, False),
)


def demo_seed(
    *, photo_size: int = PHOTO_SIZE, photo_cache: Path | None = None, cache: bool = True
) -> list[dict[str, str]]:
    """Create the demo shops; return one login per shop for the command to print."""
    if cache and photo_cache is None:
        photo_cache = Path(settings.DATA_DIR) / "demo-photos"
    shots = [(p.good, i) for s in SHOPS for p in s.products for i in range(len(SHOTS[p.good]))]
    # Painting runs on every core while this process writes the shops, then products wait for
    # their photos one by one.
    with photos_painting(shots, size=photo_size, cache_dir=photo_cache if cache else None) as photo:
        shops = [shop_create(spec, photo) for spec in SHOPS]
    logins = []
    for n, (spec, shop) in enumerate(zip(SHOPS, shops, strict=True)):
        reviews_create(shop, orders_create(shop, spec, seed=n), seed=n)
        logins.append(
            {"shop": shop.name, "slug": shop.slug, "login": spec.login, "password": spec.password}
        )
    tea_garden = next(shop for shop in shops if shop.slug == "chayuan")
    logins.append(channel_seed(tea_garden))
    return logins


# --- Shops and products -----------------------------------------------------------------------


@transaction.atomic
def shop_create(spec: ShopSpec, photo: PhotoSource) -> Shop:
    owner = User.objects.create_user(
        email=spec.email, phone=spec.phone, password=spec.password, display_name=spec.owner
    )
    shop = Shop(
        owner=owner,
        name=spec.name,
        slug=spec.slug,
        story=spec.story,
        wechat_id=spec.wechat_id,
        phone=spec.contact_phone,
        currency="CNY",
        accepts_cash_on_delivery=spec.cash_on_delivery,
    )
    logo = logo_rendition(png_buffer(shop_logo(spec.seal, spec.seal_color, seed=len(spec.slug))))
    shop.logo.save(logo.name or "logo.jpg", logo, save=False)
    qr = qr_rendition(png_buffer(payment_qr_card(spec.slug, spec.name, spec.qr_provider)))
    shop.payment_qr.save(qr.name or "qr.png", qr, save=False)
    shop.save()
    for position, product_spec in enumerate(spec.products):
        product = Product.objects.create(
            shop=shop,
            name=product_spec.name,
            subtitle=product_spec.subtitle,
            description=product_spec.description,
            position=position,
        )
        Variant.objects.bulk_create(
            Variant(
                product=product,
                name=name,
                price_minor=price,
                currency=product.shop.currency,
                stock=stock,
                position=i,
            )
            for i, (name, price, stock) in enumerate(product_spec.variants)
        )
        for shot in range(len(SHOTS[product_spec.good])):
            data = photo(product_spec.good, shot)
            product_image_add(product=product, upload=io.BytesIO(data), size=len(data))
    return shop


# --- Orders -----------------------------------------------------------------------------------


@dataclass
class _Clock:
    """When each step of one order happened, to write back after the services ran."""

    placed: datetime
    steps: dict[str, datetime]


def orders_create(shop: Shop, spec: ShopSpec, *, seed: int) -> list[Order]:
    rng = random.Random(f"weishang-demo-{spec.slug}-{seed}")
    now = timezone.localtime()
    variants = list(
        Variant.objects.filter(product__shop=shop).select_related("product").order_by("id")
    )
    buyers = LOCAL_BUYERS if spec.cash_on_delivery else BUYERS
    orders = []
    for n, (days_ago, outcome, cod) in enumerate(HISTORY):
        cod = cod and shop.accepts_cash_on_delivery
        if days_ago:
            placed = (now - timedelta(days=days_ago)).replace(
                hour=rng.randint(8, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59)
            )
        else:
            # Today's unpaid order is minutes old, so it is still waiting when the demo opens.
            minutes = (
                rng.randint(3, 9)
                if outcome == OrderStatus.AWAITING_PAYMENT
                else rng.randint(40, 70) * (len(HISTORY) - n)
            )
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            placed = max(now - timedelta(minutes=minutes), midnight + timedelta(minutes=n))
        name, phone, address = buyers[n % len(buyers)]
        picked = rng.sample(variants, k=2 if rng.random() < 0.4 or outcome == PARTIAL_REFUND else 1)
        quantities = {v.pk: rng.choice((1, 1, 2, 3)) for v in picked}
        if outcome == PARTIAL_REFUND:
            quantities[picked[0].pk] = 2
        clock = _Clock(placed, {"place": placed})
        if days_ago:
            with override_settings(TASKS=QUIET_TASKS):
                order = _order_live(
                    shop, outcome, cod, quantities, (name, phone, address), n, rng, clock
                )
        else:
            order = _order_live(
                shop, outcome, cod, quantities, (name, phone, address), n, rng, clock
            )
        _backdate(order, clock, seen=days_ago > 0)
        orders.append(order)
    # The shop opened well before its first order.
    Shop.objects.filter(pk=shop.pk).update(
        created_at=now - timedelta(days=max(days for days, _o, _c in HISTORY) + 300 + 90 * seed)
    )
    for customer in Customer.objects.filter(shop=shop):
        first = customer.orders.order_by("created_at").values_list("created_at", flat=True)[:1]
        Customer.objects.filter(pk=customer.pk).update(created_at=first[0])
    return orders


REVIEW_WORDS = (
    (5, "收到了，包装很用心，味道和描述的一样。"),
    (5, "第二次买了，家里人都说好。"),
    (4, "品质不错，就是快递慢了一天。"),
    (5, ""),
    (4, "比超市买的新鲜，下次还来。"),
)


def reviews_create(shop: Shop, orders: list[Order], *, seed: int) -> None:
    """Reviews from most delivered orders, as their buyers would write them (through the same
    service), a day or two after delivery; the seller answers the first."""
    rng = random.Random(f"weishang-demo-reviews-{shop.slug}-{seed}")
    written = []
    for order in orders:
        if order.status != OrderStatus.COMPLETED or order.completed_at is None:
            continue
        for line in order.lines.all():
            if rng.random() < 0.25:
                continue
            rating, text = rng.choice(REVIEW_WORDS)
            review = review_create(order=order, line=line, rating=rating, text=text)
            at = order.completed_at + timedelta(hours=rng.randint(6, 48))
            Review.objects.filter(pk=review.pk).update(created_at=at)
            written.append(review)
    if written:
        review_reply(review=written[0], actor=shop.owner, text="谢谢您的支持，欢迎常来！")


def _order_live(
    shop: Shop,
    outcome: str,
    cod: bool,
    quantities: dict[int, int],
    buyer: tuple[str, str, str],
    n: int,
    rng: random.Random,
    clock: _Clock,
) -> Order:
    """Place one order and take it, through the services, to ``outcome``."""
    owner = shop.owner
    name, phone, address = buyer
    order = order_place(
        shop=shop,
        quantities=quantities,
        buyer_name=name,
        buyer_phone=phone,
        shipping_address=address,
        payment_method=PaymentMethod.CASH_ON_DELIVERY if cod else PaymentMethod.MANUAL_TRANSFER,
        checkout_key=f"demo-{shop.slug}-{n}",
        buyer_note=NOTES[n % len(NOTES)],
    )
    t = clock.placed
    step = clock.steps
    if outcome == OrderStatus.EXPIRED:
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        order_expire(order_id=order.pk)
        step["expire"] = t + timedelta(minutes=settings.ORDER_PAYMENT_WINDOW_MINUTES)
    elif outcome == OrderStatus.CANCELLED:
        order_cancel(shop=shop, order_id=order.pk, actor=owner, reason="买家说地址写错了，重新下单")
        step["cancel"] = t + timedelta(minutes=rng.randint(20, 90))
    elif outcome != OrderStatus.AWAITING_PAYMENT:
        if not cod:
            payment_confirm(shop=shop, order_id=order.pk, actor=owner)
            step["confirm_payment"] = t + timedelta(minutes=rng.randint(6, 40))
        if outcome == OrderStatus.REFUNDED:
            refund_create(
                shop=shop, order_id=order.pk, actor=owner, reason="买家临时不要了，没发货"
            )
            step["refund"] = t + timedelta(hours=rng.randint(2, 8))
        elif outcome != OrderStatus.AWAITING_SHIPMENT:
            carrier, tracking = _tracking(shop, rng, t)
            order_ship(
                shop=shop, order_id=order.pk, actor=owner, carrier=carrier, tracking_number=tracking
            )
            step["ship"] = t + timedelta(hours=rng.randint(10, 26))
            if outcome in {OrderStatus.COMPLETED, PARTIAL_REFUND}:
                order_complete(shop=shop, order_id=order.pk, actor=owner)
                step["complete"] = step["ship"] + timedelta(days=rng.randint(2, 4))
            if outcome == PARTIAL_REFUND:
                line = order.lines.order_by("id").first()
                assert line is not None
                refund_create(
                    shop=shop, order_id=order.pk, actor=owner, quantities={line.pk: 1},
                    restock=False, reason="有一袋路上压破了，退这一袋的钱",
                )  # fmt: skip
                step["partial_refund"] = step["complete"] + timedelta(hours=rng.randint(1, 20))
    order.refresh_from_db()
    return order


def _tracking(shop: Shop, rng: random.Random, t: datetime) -> tuple[str, str]:
    if shop.accepts_cash_on_delivery:
        return "同城配送", f"{shop.slug[:2].upper()}{t:%m%d}-{rng.randint(1, 40):02d}"
    carrier, prefix = rng.choice(CARRIERS)
    return carrier, prefix + "".join(str(rng.randint(0, 9)) for _ in range(12))


def _backdate(order: Order, clock: _Clock, *, seen: bool) -> None:
    # Near midnight a step planned minutes after the order could land in the future: cap it.
    now = timezone.now()
    s = {action: min(at, now) for action, at in clock.steps.items()}
    paid = s.get("confirm_payment") or (s.get("complete") if order.paid_at else None)
    Order.objects.filter(pk=order.pk).update(
        created_at=s["place"],
        expires_at=None
        if order.expires_at is None
        else s["place"] + timedelta(minutes=settings.ORDER_PAYMENT_WINDOW_MINUTES),
        paid_at=paid if order.paid_at else None,
        shipped_at=s.get("ship") if order.shipped_at else None,
        completed_at=s.get("complete") if order.completed_at else None,
        closed_at=(s.get("cancel") or s.get("expire") or s.get("refund"))
        if order.closed_at
        else None,
        seen_by_seller=seen,
    )
    for event in OrderEvent.objects.filter(order=order):
        at = s.get(event.action)
        if at is not None:
            OrderEvent.objects.filter(pk=event.pk).update(at=at)
    for refund in Refund.objects.filter(order=order):
        at = s.get("partial_refund") or s.get("refund")
        if at is not None:
            Refund.objects.filter(pk=refund.pk).update(created_at=at)
