"""A brand with a channel and resellers, for the channel's tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from tests.factories import make_product, make_shop, make_user
from weishang.accounts.models import User
from weishang.catalog.models import Product
from weishang.channel.commissions import commissions_release_due
from weishang.channel.models import Channel, ChannelOffer, Membership
from weishang.channel.services import channel_open, listing_set, member_join, offer_set
from weishang.orders.models import Order, PaymentMethod
from weishang.orders.services import order_complete, order_place, order_ship
from weishang.payments.services import payment_confirm
from weishang.shops.models import Shop

_seq = itertools.count(1)
PRICE = 10000  # ¥100.00, the consumer price every listing here uses


@dataclass
class Brand:
    shop: Shop
    channel: Channel
    product: Product
    offer: ChannelOffer

    @property
    def owner(self) -> User:
        return self.shop.owner


def make_brand(
    policy: str = "CN", seller_rate: str = "0.20", override_rate: str = "0", stock: int = 1000
) -> Brand:
    shop = make_shop(name="茶园")
    channel = channel_open(shop=shop, actor=shop.owner, policy=policy)
    product = make_product(shop=shop, price_minor=PRICE, stock=stock)
    offer = offer_set(
        channel=channel,
        actor=shop.owner,
        product=product,
        price_min_minor=PRICE,
        price_max_minor=PRICE * 2,
        seller_rate=seller_rate,
        override_rate=override_rate,
    )
    return Brand(shop, channel, product, offer)


def make_reseller(
    brand: Brand, *, sponsor: Membership | None = None, price_minor: int = PRICE
) -> Membership:
    n = next(_seq)
    user = make_user(phone=f"+86139{n:08d}")
    make_shop(owner=user, name=f"Reseller {n}")
    membership = member_join(channel=brand.channel, user=user, sponsor=sponsor)
    listing_set(membership=membership, actor=user, offer=brand.offer, price_minor=price_minor)
    return membership


def buy_from(
    membership: Membership,
    brand: Brand,
    *,
    quantity: int = 1,
    phone: str | None = None,
    buyer: User | None = None,
    payment_method: str = PaymentMethod.MANUAL_TRANSFER,
) -> Order:
    """A consumer buys the brand's product in the reseller's shop."""
    shop = membership.user.shops.get()
    variant = brand.product.variants.get()
    return order_place(
        shop=shop,
        quantities={variant.pk: quantity},
        buyer_name="王小明",
        buyer_phone=phone or f"+86137{next(_seq):08d}",
        shipping_address="浙江省杭州市西湖区龙井路 1 号",
        payment_method=payment_method,
        checkout_key=f"channel-{next(_seq)}",
        buyer=buyer,
    )


def pay(order: Order) -> None:
    payment_confirm(shop=order.shop, order_id=order.pk, actor=order.shop.owner)


def deliver(order: Order) -> None:
    order_ship(
        shop=order.shop,
        order_id=order.pk,
        actor=order.shop.owner,
        carrier="顺丰",
        tracking_number="SF1",
    )
    order_complete(shop=order.shop, order_id=order.pk, actor=order.shop.owner)


def window_passes() -> int:
    """Run the release sweep as if the return window had just passed for every delivery."""
    return commissions_release_due(now=timezone.now() + timedelta(days=8))
