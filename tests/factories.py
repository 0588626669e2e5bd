"""Plain factory functions for tests: explicit keyword arguments, sensible defaults, real rows."""

from __future__ import annotations

import io
import itertools
from typing import Any

from PIL import Image

from weishang.accounts.models import User
from weishang.catalog.models import Product, ProductImage, Variant
from weishang.catalog.services import product_image_add
from weishang.orders.models import Order, PaymentMethod
from weishang.orders.services import order_place
from weishang.shops.models import Shop

_seq = itertools.count(1)

PASSWORD = "correct horse battery"


def make_user(
    *, email: str | None = None, phone: str | None = None, password: str = PASSWORD
) -> User:
    n = next(_seq)
    if email is None and phone is None:
        email = f"seller{n}@example.com"
    return User.objects.create_user(
        email=email, phone=phone, password=password, display_name=f"Seller {n}"
    )


def make_shop(*, owner: User | None = None, slug: str | None = None, **fields: Any) -> Shop:
    n = next(_seq)
    fields.setdefault("name", f"Shop {n}")
    fields.setdefault("payment_qr", "shops/payment-qr/test.png")
    return Shop.objects.create(owner=owner or make_user(), slug=slug or f"shop-{n}", **fields)


def make_product(
    *,
    shop: Shop | None = None,
    name: str | None = None,
    variants: int = 1,
    price_minor: int = 2800,
    stock: int = 10,
    **fields: Any,
) -> Product:
    product = Product.objects.create(
        shop=shop or make_shop(), name=name or f"Product {next(_seq)}", **fields
    )
    for i in range(variants):
        Variant.objects.create(
            product=product,
            currency=product.shop.currency,
            name=f"{250 * (i + 1)} g",
            price_minor=price_minor * (i + 1),
            stock=stock,
            position=i,
        )
    return product


def make_variant(*, shop: Shop | None = None, stock: int = 10, price_minor: int = 2800) -> Variant:
    return make_product(shop=shop, stock=stock, price_minor=price_minor).variants.get()


def make_order(
    *,
    shop: Shop | None = None,
    variant: Variant | None = None,
    quantity: int = 1,
    payment_method: str = PaymentMethod.MANUAL_TRANSFER,
    phone: str = "+8613800138000",
) -> Order:
    variant = variant or make_variant(shop=shop)
    return order_place(
        shop=variant.product.shop,
        quantities={variant.pk: quantity},
        buyer_name="王小明",
        buyer_phone=phone,
        shipping_address="浙江省杭州市西湖区龙井路 1 号",
        payment_method=payment_method,
        checkout_key=f"checkout-{next(_seq)}",
    )


def make_photo(*, product: Product, color: tuple[int, int, int] = (200, 80, 50)) -> ProductImage:
    """A product photo stored through the real pipeline, from a tiny generated JPEG."""
    upload = io.BytesIO()
    Image.new("RGB", (24, 24), color).save(upload, "JPEG")
    return product_image_add(product=product, upload=upload)


# --- Seller-side helpers (dashboard, accounts, catalog tests) ---------------------------------


def make_photo_bytes(
    *, fmt: str = "JPEG", size: tuple[int, int] = (800, 600), gps: bool = False
) -> bytes:
    """A real image; with ``gps`` a JPEG carrying a camera make and a GPS position in its EXIF."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 120, 60))
    buffer = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 9.0, 0.0)}  # GPS IFD
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def make_upload(*, name: str = "photo.jpg", content: bytes | None = None, gps: bool = False) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        name, content if content is not None else make_photo_bytes(gps=gps), "image/jpeg"
    )


def make_review(order: Order, *, rating: int = 5, text: str = "好吃") -> Any:
    """A review of the order's first line, after walking the order to delivered."""
    from weishang.orders.lifecycle import order_change
    from weishang.reviews.services import review_create

    if order.status == "awaiting_payment":
        order_change(order, "confirm_payment", actor=None)
    if order.status == "awaiting_shipment":
        order_change(order, "ship", actor=None)
    if order.status == "shipped":
        order_change(order, "complete", actor=None)
    return review_create(order=order, line=order.lines.first(), rating=rating, text=text)
