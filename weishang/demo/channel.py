"""The demo's channel: the tea garden recruits resellers, and they sell a season of its tea.

Everything goes through the platform's services (opening the channel, offering, joining,
listing, placing and paying orders, shipping, refunds, payouts), so the ledger and the
commissions are what the platform itself writes. Then the clock is moved back, as for the shops'
own orders: the season spreads over the past weeks, and the sweep releases every commission
whose return window has passed.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from weishang.accounts.models import User
from weishang.catalog.models import Product, Variant
from weishang.channel.commissions import commissions_release_due
from weishang.channel.models import Commission, Membership
from weishang.channel.payouts import payout_mark_paid, payout_request, statement
from weishang.channel.services import channel_open, listing_set, member_join, offer_set
from weishang.core.images import logo_rendition
from weishang.orders.models import Order, OrderEvent, PaymentMethod
from weishang.orders.services import order_complete, order_place, order_ship
from weishang.payments.services import payment_confirm, refund_create
from weishang.shops.models import Shop

from .content import BUYERS
from .marks import QUIET_TASKS, png_buffer, shop_logo

# (display name, e-mail, shop slug, shop name, seal, invited by (index), listed prices)
RESELLERS = (
    ("王芳", "wangfang@example.com", "fangfang", "芳芳的好物小店", "芳", None),
    ("陈静", "chenjing@example.com", "jingjing-tea", "静静喝茶", "静", 0),
    ("刘伟", "liuwei@example.com", "liuwei-haowu", "伟哥好物", "伟", 0),
    ("赵丽", "zhaoli@example.com", "lili-life", "丽丽生活馆", "丽", None),
    ("孙强", "sunqiang@example.com", "qiang-shop", "强子的小铺", "强", 3),
    ("周敏", "zhoumin@example.com", "minmin", "敏敏家", "敏", None),
)
RESELLER_PASSWORD = "resell-honestly-7"
OFFERS = (  # product name, lowest and highest consumer price, the seller's commission
    ("安吉红茶", 6800, 7800, "0.15"),
    ("明前白茶礼盒", 26800, 29800, "0.12"),
)


def channel_seed(brand: Shop) -> dict[str, str]:
    """Open the tea garden's channel with six resellers and a season of sales; return the login
    of the first reseller, for the demo to print."""
    rng = random.Random("weishang-demo-channel")
    owner = brand.owner
    channel = channel_open(shop=brand, actor=owner, policy="CN")
    offers = []
    for name, low, high, rate in OFFERS:
        product = Product.objects.get(shop=brand, name=name)
        offers.append(
            offer_set(
                channel=channel,
                actor=owner,
                product=product,
                price_min_minor=low,
                price_max_minor=high,
                seller_rate=rate,
            )
        )
    memberships: list[Membership] = []
    for i, (person, email, slug, shop_name, seal, invited_by) in enumerate(RESELLERS):
        user = User.objects.create_user(
            email=email, password=RESELLER_PASSWORD, display_name=person,
            phone=f"+86136{5800000 + i:08d}",
        )  # fmt: skip
        shop = Shop(owner=user, name=shop_name, slug=slug, currency=brand.currency)
        shop.story = f"{person}的小店：只卖自己喝过、用过的好东西。"
        logo = logo_rendition(png_buffer(shop_logo(seal, (0.55, 0.3 + 0.05 * i, 0.25), seed=i)))
        shop.logo.save(logo.name or "logo.jpg", logo, save=False)
        shop.save()
        sponsor = memberships[invited_by] if invited_by is not None else None
        membership = member_join(channel=channel, user=user, sponsor=sponsor)
        for offer in offers:
            price = rng.choice((offer.price_min_minor, offer.price_max_minor))
            listing_set(membership=membership, actor=user, offer=offer, price_minor=price)
        memberships.append(membership)
    with override_settings(TASKS=QUIET_TASKS):
        _season(brand, memberships, rng)
    return {
        "shop": f"{RESELLERS[0][3]} ({brand.name} 的经销商)",
        "slug": RESELLERS[0][2],
        "login": RESELLERS[0][1],
        "password": RESELLER_PASSWORD,
    }


def _season(brand: Shop, memberships: list[Membership], rng: random.Random) -> None:
    now = timezone.now()
    # The season stays inside this calendar year, so the year's disclosure shows all of it.
    days = min(56, max(1, timezone.localtime(now).timetuple().tm_yday - 1))
    # The garden packed more of what its resellers sell before the season began.
    Variant.objects.filter(product__shop=brand, product__name__in=[o[0] for o in OFFERS]).update(
        stock=F("stock") + 200
    )
    variants = {
        p.pk: p.variants.get()
        for p in Product.objects.filter(shop=brand, name__in=[o[0] for o in OFFERS])
    }
    n = 0
    for m_index, membership in enumerate(memberships):
        shop = membership.user.shops.get()
        customers = 10 + rng.randint(0, 6) if m_index != 5 else 0  # one reseller sold nothing
        for c in range(customers):
            n += 1
            name, _phone, address = BUYERS[(n + c) % len(BUYERS)]
            phone = f"+86137{10000000 + n:08d}"
            product_id = rng.choice(list(variants))
            order = order_place(
                shop=shop,
                quantities={variants[product_id].pk: rng.choice((1, 1, 2))},
                buyer_name=name, buyer_phone=phone, shipping_address=address,
                payment_method=PaymentMethod.MANUAL_TRANSFER,
                checkout_key=f"demo-channel-{n}",
            )  # fmt: skip
            payment_confirm(shop=brand, order_id=order.pk, actor=brand.owner)
            placed = now - timedelta(days=rng.randint(0, days), hours=rng.randint(0, 12))
            delivered = None
            if placed < now - timedelta(days=4):
                order_ship(
                    shop=brand, order_id=order.pk, actor=brand.owner,
                    carrier="顺丰速运", tracking_number=f"SF{1400000000 + n}",
                )  # fmt: skip
                order_complete(shop=brand, order_id=order.pk, actor=brand.owner)
                delivered = placed + timedelta(days=3)
            if rng.random() < 0.08:
                refund_create(shop=brand, order_id=order.pk, actor=brand.owner, reason="买家退货")
            _backdate(order, placed, delivered)
    # A reseller's own purchase: the brand ships it, and it pays no commission.
    own = memberships[0]
    order = order_place(
        shop=own.user.shops.get(), quantities={next(iter(variants.values())).pk: 2},
        buyer_name=own.user.display_name, buyer_phone=own.user.phone or "",
        shipping_address=BUYERS[0][2], payment_method=PaymentMethod.MANUAL_TRANSFER,
        checkout_key="demo-channel-own", buyer=own.user,
    )  # fmt: skip
    payment_confirm(shop=brand, order_id=order.pk, actor=brand.owner)
    _backdate(order, now - timedelta(days=2), None)
    commissions_release_due()
    # Two resellers asked for their payable commission; the brand paid the first.
    first = payout_request(
        membership=memberships[1], actor=memberships[1].user,
        amount=statement(memberships[1]).payable,
    )  # fmt: skip
    payout_mark_paid(payout=first, actor=brand.owner, reference="微信转账 4200001234")
    payable = statement(memberships[0]).payable
    if payable > 0:
        payout_request(membership=memberships[0], actor=memberships[0].user, amount=payable)


def _backdate(order: Order, placed, delivered) -> None:  # type: ignore[no-untyped-def]
    paid = placed + timedelta(minutes=20)
    Order.objects.filter(pk=order.pk).update(
        created_at=placed,
        paid_at=paid,
        shipped_at=placed + timedelta(days=1) if delivered else None,
        completed_at=delivered,
        seen_by_seller=True,
    )
    OrderEvent.objects.filter(order=order).update(at=placed)
    Commission.objects.filter(order=order).update(
        sale_paid_at=paid,
        delivered_at=delivered,
        release_after=delivered + timedelta(days=7) if delivered else None,
    )
