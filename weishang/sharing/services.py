"""Share links: make one, word it, revoke it; record who arrived through one; and find the link an
order came from.

How a visit is counted (docs/architecture.md, "Sharing"):

1. ``/s/<code>`` answers with a redirect to the shop or product. A known preview bot or crawler
   (``visitors.is_bot``) gets the plain redirect; anyone else also gets two cookies: a random
   visitor id (kept for the attribution window) and a signed "arrival" naming the link and time.
   Nothing is written, so the redirect costs a lookup and a signature.
2. The page the browser lands on is the shared, cached page. If the arrival cookie is there, the
   page's script confirms it (``POST /s/arrived``), which records the visit. A fetcher that reads
   HTML for a preview never runs the script, so it never counts, whatever its user agent.
3. Placing an order confirms a pending arrival too (a buyer without JavaScript still counts), and
   then looks for the visitor's latest visit to this shop within the window: last click wins.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from weishang.channel.services import resale_terms
from weishang.core.errors import UserError
from weishang.core.text import has_hidden_characters
from weishang.shops.models import Shop

from .induced import induced_sharing_found
from .models import ShareLink, ShareVisit

if TYPE_CHECKING:
    from weishang.accounts.models import User
    from weishang.catalog.models import Product

_ARRIVAL_SALT = "weishang.sharing.arrival"
# An arrival not confirmed within a day is forgotten (the page was never shown).
ARRIVAL_MAX_AGE = timedelta(days=1)


class SharingErrorCode(Enum):
    TEXT_INDUCES_SHARING = "text_induces_sharing"
    TEXT_TOO_LONG = "text_too_long"
    TEXT_HIDDEN_CHARACTERS = "text_hidden_characters"
    NOT_YOURS = "not_yours"


class SharingError(UserError):
    pass


TEXT_MAX = ShareLink._meta.get_field("text").max_length or 140


def share_text_check(text: str) -> None:
    """Share copy is neutral: no reward, nothing unlocked, no pressure (charter rule 10)."""
    if len(text) > TEXT_MAX:
        raise SharingError(
            SharingErrorCode.TEXT_TOO_LONG,
            _("Keep the share text to %(max)d characters.") % {"max": TEXT_MAX},
        )
    found = induced_sharing_found(text)
    if found is not None:
        raise SharingError(
            SharingErrorCode.TEXT_INDUCES_SHARING,
            _(
                "Share text may not offer a reward, unlock anything or press people to share "
                "(weishang's charter, rule 10: no induced sharing). Say what you sell instead."
            ),
        )
    if has_hidden_characters(text, lines=False):
        raise SharingError(
            SharingErrorCode.TEXT_HIDDEN_CHARACTERS,
            _("Please remove the invisible or control characters from the text."),
        )


def share_text_default(*, shop_name: str, product_name: str | None = None) -> str:
    """The neutral words sent with a link until the sharer writes their own."""
    if product_name is not None:
        return _("%(product)s, from %(shop)s") % {"product": product_name, "shop": shop_name}
    return _("%(shop)s: have a look at what we sell") % {"shop": shop_name}


def may_share(user: User, shop: Shop) -> bool:
    """Who may hold a short link of a shop, and so be named to its buyers as their referrer: the
    shop's seller (a reseller shares the brand products their own shop lists). Anyone else
    shares the page's plain address."""
    return bool(user.is_authenticated and user.pk == shop.owner_id)


def share_link_for(*, owner: User, shop: Shop, product: Product | None = None) -> ShareLink:
    """The owner's live link to this shop or product, made on first use (one per owner and
    target; after a withdrawal, a new one with a new code). A product is the shop's own, or one
    it resells from a channel."""
    if (
        product is not None
        and product.shop_id != shop.pk
        and resale_terms(seller_shop=shop, product_ids={product.pk}) is None
    ):
        raise ValueError("the product is not the shop's, nor listed by it")
    if not may_share(owner, shop):
        raise SharingError(SharingErrorCode.NOT_YOURS, _("Only the shop's seller shares links."))
    target = {"product": product} if product is not None else {"is_product": False}
    link, _created = ShareLink.objects.get_or_create(  # a race is settled by the constraints
        owner=owner,
        shop=shop,
        revoked_at__isnull=True,
        **target,
        defaults={
            "product": product,
            "is_product": product is not None,
            "label": (product.name if product is not None else shop.name)[:80],
        },
    )
    return link


def share_text_set(*, link: ShareLink, actor: User, text: str) -> ShareLink:
    if link.owner_id != actor.pk:
        raise SharingError(SharingErrorCode.NOT_YOURS, _("Only the link's owner can word it."))
    text = " ".join(text.split())
    share_text_check(text)
    link.text = text
    link.save(update_fields=["text"])
    return link


def share_link_revoke(*, link: ShareLink, actor: User) -> None:
    """A revoked link opens a friendly page and brings no new attribution; its past stays."""
    if link.owner_id != actor.pk and link.shop.owner_id != actor.pk:
        raise SharingError(SharingErrorCode.NOT_YOURS, _("Only the link's owner can revoke it."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        cache.delete(_target_key(link.code))


@dataclass(frozen=True)
class ShareTarget:
    """Where a live short link leads: what ``/s/<code>`` needs, and nothing more."""

    code: str
    shop_slug: str
    product_id: int | None


_TARGET_SQL = (
    f"SELECT l.code, s.slug, l.product_id FROM {ShareLink._meta.db_table} l"
    f" JOIN {Shop._meta.db_table} s ON s.id = l.shop_id"
    " WHERE l.code = %s AND l.revoked_at IS NULL"
)


def share_target(code: str) -> ShareTarget | None:
    """The target of a live link by its code (one indexed query, plain SQL: the short link is on
    the hot path, and compiling the ORM's query cost more than running it)."""
    code = _code_clean(code)
    if not code:
        return None
    key = _target_key(code)
    cached = cache.get(key)
    if cached is not None:
        return ShareTarget(*cached) if cached else None
    with connection.cursor() as cursor:
        cursor.execute(_TARGET_SQL, [code])
        row = cursor.fetchone()
    # Kept as briefly as a fresh visitor's page (a burst of opens costs one query); withdrawing
    # a link clears it, so a withdrawn link stops at once (within that time in other processes
    # when the cache is not shared).
    cache.set(key, tuple(row) if row else (), settings.STOREFRONT_PAGE_CACHE_SECONDS)
    return ShareTarget(*row) if row else None


def _target_key(code: str) -> str:
    return f"share:target:{code}"


def _code_clean(code: str) -> str:
    """A code as typed or pasted (any case, with what a chat app adds after a link: a space, a
    full stop, a bracket), in its stored form; "" for what cannot be a code."""
    code = code.strip().rstrip(".,;:!?)]}>'\"。，；：！？）」』》").lower()
    return code if 4 <= len(code) <= 16 and code.isascii() and code.isalnum() else ""


def share_link_by_code(code: str) -> ShareLink | None:
    """A live link by its code; None for an unknown, malformed or revoked code."""
    code = _code_clean(code)
    if not code:
        return None
    return ShareLink.objects.filter(code=code, revoked_at__isnull=True).first()


# --- arrivals and visits --------------------------------------------------------------------


def visitor_key(visitor_token: str) -> str:
    """The stored form of a visitor's random cookie: a keyed hash, 128 bits, hex."""
    secret = settings.SECRET_KEY.encode()
    digest = hmac.new(secret, b"visitor:" + visitor_token.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def arrival_sign(code: str, visitor_token: str) -> str:
    """The arrival cookie: the link's code and the visitor it was issued to (a prefix of their
    key, never the id itself), signed with the time."""
    value = f"{code}.{visitor_key(visitor_token)[:16]}"
    return signing.TimestampSigner(salt=_ARRIVAL_SALT).sign(value)


@dataclass(frozen=True)
class Arrival:
    code: str
    at: datetime
    visitor: str  # the first 16 characters of the visitor's key


def arrival_read(value: str) -> Arrival | None:
    """The arrival a cookie names, if its signature holds and it is less than a day old."""
    if not value or len(value) > 100:
        return None
    signer = signing.TimestampSigner(salt=_ARRIVAL_SALT)
    try:
        signed = signer.unsign(value, max_age=ARRIVAL_MAX_AGE)
    except signing.BadSignature:
        return None
    code, _dot, visitor = signed.partition(".")
    stamp = value.rsplit(signer.sep, 2)[1]  # "<code>.<visitor>:<timestamp>:<signature>"
    at = datetime.fromtimestamp(signing.b62_decode(stamp), tz=UTC)
    return Arrival(code=code, at=at, visitor=visitor)


def visit_record(*, arrival: Arrival, visitor_token: str) -> ShareVisit | None:
    """Record a confirmed arrival as a visit: only by the visitor it was issued to, and once
    (the same arrival twice is one visit)."""
    if not visitor_token:
        return None
    key = visitor_key(visitor_token)
    if not hmac.compare_digest(key[:16], arrival.visitor):
        return None  # another visitor id than the one the link gave: a made-up one
    link = ShareLink.objects.filter(code=arrival.code).only("pk").first()
    if link is None:
        return None
    existing = ShareVisit.objects.filter(link=link, visitor_key=key, at=arrival.at).first()
    if existing is not None:
        return existing
    return ShareVisit.objects.create(link=link, visitor_key=key, at=arrival.at)


def attribution_window() -> timedelta:
    return timedelta(days=settings.SHARE_ATTRIBUTION_DAYS)


def attribution_find(*, shop_id: int, visitor_token: str, at: datetime) -> ShareVisit | None:
    """The visitor's last visit through a live link of this shop within the window before ``at``
    (last click wins), or None."""
    if not visitor_token:
        return None
    return (
        ShareVisit.objects.filter(
            visitor_key=visitor_key(visitor_token),
            at__gt=at - attribution_window(),
            at__lte=at,
            link__shop_id=shop_id,
            link__revoked_at__isnull=True,
        )
        .select_related("link")
        .order_by("-at", "-pk")
        .first()
    )
