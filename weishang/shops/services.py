"""Shop services: open a shop and change its settings.

A shop's address (slug) is its public link, so it is checked here, once, for both paths:
lowercased, well-formed, not one of the platform's own addresses, and not taken by another shop.
Photos (logo, payment QR) are re-encoded before the transaction opens, so a rejected image
leaves nothing written.
"""

from __future__ import annotations

from enum import Enum
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from weishang.accounts.models import User
from weishang.core.errors import UserError
from weishang.core.images import ImageRejected, logo_rendition, qr_rendition
from weishang.core.money import CURRENCIES

from .models import RESERVED_SLUGS, Shop, slug_validator


class ShopErrorCode(Enum):
    SLUG_INVALID = "invalid_slug"
    SLUG_RESERVED = "slug_reserved"
    SLUG_TAKEN = "slug_taken"
    UNKNOWN_CURRENCY = "unknown_currency"
    CURRENCY_LOCKED = "currency_locked"


class ShopError(UserError):
    pass


class ShopPhotoRejected(ImageRejected):
    """A rejected logo or payment QR code, saying which of the two it was."""

    def __init__(self, field: str, rejected: ImageRejected) -> None:
        super().__init__(rejected.code, rejected.message)
        self.field = field


# The fields a seller edits in the shop wizard and in settings, besides the two photos.
EDITABLE_FIELDS = (
    "name",
    "slug",
    "story",
    "wechat_id",
    "phone",
    "currency",
    "accepts_cash_on_delivery",
    "notify_email",
)


def shop_slug_check(slug: str, *, exclude_shop_id: int | None = None) -> str:
    """The cleaned address, or ``ShopError`` saying why a shop cannot have it."""
    slug = (slug or "").strip().lower()
    try:
        slug_validator(slug)
    except ValidationError:
        raise ShopError(
            ShopErrorCode.SLUG_INVALID,
            _(
                "Use 3–40 lowercase letters, digits or hyphens, starting and ending with a "
                "letter or digit."
            ),
        ) from None
    if slug in RESERVED_SLUGS:
        raise ShopError(
            ShopErrorCode.SLUG_RESERVED,
            _("“%(slug)s” is reserved for the platform. Please choose another address.")
            % {"slug": slug},
        )
    taken = Shop.objects.filter(slug__iexact=slug)
    if exclude_shop_id is not None:
        taken = taken.exclude(pk=exclude_shop_id)
    if taken.exists():
        raise ShopError(
            ShopErrorCode.SLUG_TAKEN,
            _("The address “%(slug)s” is already taken. Please choose another.") % {"slug": slug},
        )
    return slug


def _check_currency(currency: str) -> None:
    if currency not in CURRENCIES:
        raise ShopError(ShopErrorCode.UNKNOWN_CURRENCY, _("Choose a currency from the list."))


def _photos(
    logo: IO[bytes] | None, payment_qr: IO[bytes] | None
) -> tuple[ContentFile | None, ContentFile | None]:
    # Re-encode (and so validate) both before anything is written: a rejected photo stops here.
    try:
        logo_file = logo_rendition(logo) if logo is not None else None
    except ImageRejected as exc:
        raise ShopPhotoRejected("logo", exc) from None
    try:
        qr_file = qr_rendition(payment_qr) if payment_qr is not None else None
    except ImageRejected as exc:
        raise ShopPhotoRejected("payment_qr", exc) from None
    return logo_file, qr_file


def _shop_save(shop: Shop, logo_file: ContentFile | None, qr_file: ContentFile | None) -> None:
    """Store the shop and its cleaned photos together, or nothing."""
    try:
        with transaction.atomic():
            if logo_file is not None:
                shop.logo.save(logo_file.name or "logo.jpg", logo_file, save=False)
            if qr_file is not None:
                shop.payment_qr.save(qr_file.name or "qr.png", qr_file, save=False)
            shop.save()
    except IntegrityError:
        # Another seller took the address between the check and the write.
        raise ShopError(
            ShopErrorCode.SLUG_TAKEN,
            _("The address “%(slug)s” is already taken. Please choose another.")
            % {"slug": shop.slug},
        ) from None


def shop_create(
    *,
    owner: User,
    name: str,
    slug: str,
    story: str = "",
    wechat_id: str = "",
    phone: str = "",
    currency: str = "CNY",
    accepts_cash_on_delivery: bool = True,
    notify_email: str = "",
    logo: IO[bytes] | None = None,
    payment_qr: IO[bytes] | None = None,
) -> Shop:
    """Open a shop for ``owner``. Raises ``ShopError`` or ``ShopPhotoRejected``; nothing is
    written then."""
    slug = shop_slug_check(slug)
    _check_currency(currency)
    logo_file, qr_file = _photos(logo, payment_qr)
    shop = Shop(
        owner=owner,
        name=name.strip(),
        slug=slug,
        story=story.strip(),
        wechat_id=wechat_id.strip(),
        phone=phone,
        currency=currency,
        accepts_cash_on_delivery=accepts_cash_on_delivery,
        notify_email=notify_email.strip(),
    )
    _shop_save(shop, logo_file, qr_file)
    return shop


def shop_currency_changeable(shop: Shop) -> bool:
    """A shop's currency may change only while nothing has been priced or sold in it."""
    return not (shop.products.exists() or shop.orders.exists())


def shop_update(
    *,
    shop: Shop,
    logo: IO[bytes] | None = None,
    payment_qr: IO[bytes] | None = None,
    remove_logo: bool = False,
    remove_payment_qr: bool = False,
    **fields: str | bool,
) -> Shop:
    """Change a shop's settings (any of ``EDITABLE_FIELDS``) and photos, all or nothing."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"shop_update() got unexpected fields {sorted(unknown)}")
    if "slug" in fields:
        fields["slug"] = shop_slug_check(str(fields["slug"]), exclude_shop_id=shop.pk)
    if "currency" in fields:
        _check_currency(str(fields["currency"]))
    logo_file, qr_file = _photos(logo, payment_qr)
    try:
        # One transaction under the shop's row lock: the currency check and the save cannot be
        # split by a product priced in between (catalog.services takes the same lock).
        with transaction.atomic():
            Shop.objects.select_for_update().filter(pk=shop.pk).first()
            if fields.get("currency", shop.currency) != shop.currency and not (
                shop_currency_changeable(shop)
            ):
                raise ShopError(
                    ShopErrorCode.CURRENCY_LOCKED,
                    _(
                        "This shop already has prices or orders in %(currency)s, so its currency"
                        " can no longer change: a price of 12.50 would turn into another amount."
                        " Open a new shop to sell in another currency."
                    )
                    % {"currency": shop.currency},
                )
            for name, value in fields.items():
                setattr(shop, name, value.strip() if isinstance(value, str) else value)
            if remove_logo:
                shop.logo = ""  # type: ignore[assignment]
            if remove_payment_qr:
                shop.payment_qr = ""  # type: ignore[assignment]
            _shop_save(shop, logo_file, qr_file)
    except ShopError:
        shop.refresh_from_db()  # the caller's object shows what is stored, not the refused edit
        raise
    return shop
