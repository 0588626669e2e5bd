from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from weishang.core.errors import UserError
from weishang.core.images import (
    WEBP_WIDTHS,
    Rendition,
    image_open_checked,
    renditions,
    webp_name,
)
from weishang.core.money import MAX_PRICE_MINOR, Money
from weishang.shops.models import Shop

from .models import Product, ProductImage, Variant


@dataclass(frozen=True)
class PreparedPhoto:
    """A checked upload, re-encoded in memory and ready to store. Preparing is the slow,
    CPU-bound part, so it happens before any transaction: on SQLite a transaction holds the
    database's one write lock, and checkouts would queue behind a photo being re-encoded."""

    files: dict[str, Rendition]


def photo_prepare(*, upload: IO[bytes], size: int | None = None) -> PreparedPhoto:
    image = image_open_checked(upload, size=size)
    return PreparedPhoto({r.name: r for r in renditions(image)})


def _photo_store(*, product: Product, photo: PreparedPhoto) -> ProductImage:
    last = product.images.aggregate(m=Max("position"))["m"]
    image = ProductImage(
        product=product,
        width=photo.files["large"].width,
        height=photo.files["large"].height,
        position=0 if last is None else last + 1,
    )
    for name, rendition in photo.files.items():
        stored = getattr(image, name)
        stored.save(rendition.content.name, rendition.content, save=False)
        for width, data in rendition.webp.items():
            stored.storage.save(webp_name(stored.name, width), ContentFile(data))
    image.save()
    return image


def product_image_add(
    *, product: Product, upload: IO[bytes], size: int | None = None
) -> ProductImage:
    """Validate an uploaded photo and store its clean sizes as the product's last photo."""
    photo = photo_prepare(upload=upload, size=size)
    with transaction.atomic():
        return _photo_store(product=product, photo=photo)


# --- Products and their variants -------------------------------------------------------------
# A product and its variants are written together, in one transaction, with any photos that came
# with the form: a rejected photo leaves no product behind, and no product is ever stored without
# something to buy.


class CatalogErrorCode(Enum):
    NO_VARIANTS = "no_variants"
    BAD_PRICE = "bad_price"
    BAD_STOCK = "bad_stock"
    TOO_MANY_VARIANTS = "too_many_variants"
    TOO_MANY_PHOTOS = "too_many_photos"


class CatalogError(UserError):
    pass


MAX_VARIANTS = 20
MAX_PHOTOS = 9
MAX_STOCK = 1_000_000
# Text limits are the columns' own (catalog.models), named here for the forms' maxlength.
PRODUCT_NAME_MAX = Product._meta.get_field("name").max_length
PRODUCT_SUBTITLE_MAX = Product._meta.get_field("subtitle").max_length
PRODUCT_DESCRIPTION_MAX = Product._meta.get_field("description").max_length
VARIANT_NAME_MAX = Variant._meta.get_field("name").max_length


@dataclass(frozen=True)
class VariantInput:
    """One variant as the seller typed it. ``id`` is None for a new one; ``stock`` None keeps the
    stock as it is (so an edit does not overwrite what orders reserved meanwhile)."""

    name: str
    price_minor: int
    stock: int | None
    id: int | None = None


# Each check below is the one place its rule and its message live; the seller's forms call the
# same functions, so a form and the service can never disagree.


def variant_count_check(count: int) -> None:
    if count < 1:
        raise CatalogError(
            CatalogErrorCode.NO_VARIANTS, _("Add at least one variant with a price and stock.")
        )
    if count > MAX_VARIANTS:
        raise CatalogError(
            CatalogErrorCode.TOO_MANY_VARIANTS,
            _("A product can have at most %(max)d variants.") % {"max": MAX_VARIANTS},
        )


def price_check(price: Money) -> None:
    if price.minor <= 0:
        raise CatalogError(CatalogErrorCode.BAD_PRICE, _("The price must be more than zero."))
    if price.minor > MAX_PRICE_MINOR:
        raise CatalogError(
            CatalogErrorCode.BAD_PRICE,
            _("That price is too high: at most %(max)s.")
            % {"max": Money(MAX_PRICE_MINOR, price.currency)},
        )


def stock_check(stock: int) -> None:
    if stock < 0:
        raise CatalogError(CatalogErrorCode.BAD_STOCK, _("Stock cannot be less than zero."))
    if stock > MAX_STOCK:
        raise CatalogError(
            CatalogErrorCode.BAD_STOCK,
            _("Stock can be at most %(max)s.") % {"max": f"{MAX_STOCK:,}"},
        )


def photo_count_check(existing: int, adding: int) -> None:
    if existing + adding > MAX_PHOTOS:
        raise CatalogError(
            CatalogErrorCode.TOO_MANY_PHOTOS,
            _("A product can have at most %(max)d photos.") % {"max": MAX_PHOTOS},
        )


def _check_variants(variants: Sequence[VariantInput], currency: str) -> None:
    variant_count_check(len(variants))
    for variant in variants:
        price_check(Money(variant.price_minor, currency))
        if variant.stock is not None:
            stock_check(variant.stock)


def _check_photo_count(product: Product | None, adding: int) -> None:
    photo_count_check(product.images.count() if product is not None and product.pk else 0, adding)


def product_create(
    *,
    shop: Shop,
    name: str,
    variants: Sequence[VariantInput],
    subtitle: str = "",
    description: str = "",
    is_published: bool = True,
    photos: Sequence[IO[bytes]] = (),
) -> Product:
    """A new product, last on the shop page. Raises ``CatalogError`` or ``ImageRejected``;
    nothing is written then."""
    _check_variants(variants, shop.currency)
    _check_photo_count(None, len(photos))
    prepared = [photo_prepare(upload=upload) for upload in photos]
    with transaction.atomic():
        # The shop's row lock orders this against a change of its currency (shops.services).
        currency = (
            Shop.objects.select_for_update().values_list("currency", flat=True).get(pk=shop.pk)
        )
        last = shop.products.aggregate(m=Max("position"))["m"]
        product = Product.objects.create(
            shop=shop,
            name=name.strip(),
            subtitle=subtitle.strip(),
            description=description.strip(),
            is_published=is_published,
            position=0 if last is None else last + 1,
        )
        Variant.objects.bulk_create(
            Variant(
                product=product,
                name=v.name.strip(),
                price_minor=v.price_minor,
                currency=currency,
                stock=v.stock or 0,
                position=i,
            )
            for i, v in enumerate(variants)
        )
        for photo in prepared:
            _photo_store(product=product, photo=photo)
    return product


def product_update(
    *,
    product: Product,
    name: str,
    variants: Sequence[VariantInput],
    subtitle: str = "",
    description: str = "",
    is_published: bool = True,
    photos: Sequence[IO[bytes]] = (),
) -> Product:
    """Change a product and replace its variant list: variants with an id are updated, new ones
    created, the ones left out deleted (past orders keep their own copy of name and price)."""
    _check_variants(variants, product.shop.currency)
    _check_photo_count(product, len(photos))
    prepared = [photo_prepare(upload=upload) for upload in photos]
    with transaction.atomic():
        existing = {v.pk: v for v in Variant.objects.select_for_update().filter(product=product)}
        if any(v.id is not None and v.id not in existing for v in variants):
            raise Variant.DoesNotExist("a variant of another product")
        product.name = name.strip()
        product.subtitle = subtitle.strip()
        product.description = description.strip()
        product.is_published = is_published
        product.save()
        kept = {v.id for v in variants if v.id is not None}
        Variant.objects.filter(product=product).exclude(pk__in=kept).delete()
        for position, v in enumerate(variants):
            if v.id is None:
                Variant.objects.create(
                    product=product,
                    name=v.name.strip(),
                    price_minor=v.price_minor,
                    currency=product.shop.currency,
                    stock=v.stock or 0,
                    position=position,
                )
                continue
            variant = existing[v.id]
            variant.name, variant.price_minor, variant.position = (
                v.name.strip(),
                v.price_minor,
                position,
            )
            update = ["name", "price_minor", "position"]
            if v.stock is not None:
                variant.stock = v.stock
                update.append("stock")
            variant.save(update_fields=update)
        for photo in prepared:
            _photo_store(product=product, photo=photo)
    return product


def product_publish(*, product: Product, published: bool) -> Product:
    """Put a product on sale or take it off (the operators' console uses this)."""
    Product.objects.filter(pk=product.pk).update(is_published=published)
    product.is_published = published
    return product


def product_delete(*, product: Product) -> None:
    """Remove a product; orders that sold it keep their lines (name and price are copied)."""
    with transaction.atomic():
        for photo in product.images.all():
            _photo_files_delete(photo)
        product.delete()


def _swap_with_neighbour(items: list[Any], index: int, direction: int) -> bool:
    target = index + direction
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    return True


def product_move(*, product: Product, direction: int) -> bool:
    """Move a product one place up (-1) or down (+1) on the shop page; False at either end."""
    if direction not in (-1, 1):
        raise ValueError("direction is -1 or 1")
    with transaction.atomic():
        products = list(Product.objects.select_for_update().filter(shop_id=product.shop_id))
        index = next(i for i, p in enumerate(products) if p.pk == product.pk)
        return _swap_with_neighbour(products, index, direction)


def product_image_move(*, photo: ProductImage, direction: int) -> bool:
    """Move a photo one place earlier (-1) or later (+1); the first photo is the cover."""
    if direction not in (-1, 1):
        raise ValueError("direction is -1 or 1")
    with transaction.atomic():
        photos = list(ProductImage.objects.select_for_update().filter(product_id=photo.product_id))
        index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
        return _swap_with_neighbour(photos, index, direction)


def _photo_files_delete(photo: ProductImage) -> None:
    files = [(name, getattr(photo, name)) for name in ("large", "card", "thumb")]

    def delete_files() -> None:
        for name, file in files:
            if file.name:
                file.storage.delete(file.name)
                for width in WEBP_WIDTHS.get(name, ()):
                    file.storage.delete(webp_name(file.name, width))

    # Files go once the row is gone for good; a rolled-back delete keeps its files.
    transaction.on_commit(delete_files)


def product_image_delete(*, photo: ProductImage) -> None:
    with transaction.atomic():
        _photo_files_delete(photo)
        photo.delete()


def product_images_add(*, product: Product, uploads: Sequence[IO[bytes]]) -> list[ProductImage]:
    """Add several photos, all or none: a rejected third photo takes the first two back out."""
    _check_photo_count(product, len(uploads))
    prepared = [photo_prepare(upload=upload) for upload in uploads]
    with transaction.atomic():
        return [_photo_store(product=product, photo=photo) for photo in prepared]
