"""The two cookies behind attribution, and who referred an order (see ``sharing.services``).

``weishang_visitor`` is a random id, HttpOnly, kept for the attribution window; only its keyed
hash is ever stored. ``weishang_arrival`` names the share link and when it was opened, signed, for
a day; the landing page's script or the checkout turns it into a visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from weishang.sharing.services import arrival_read, visit_record
from weishang.sharing.visitors import is_bot

if TYPE_CHECKING:
    from weishang.orders.models import Order

VISITOR_COOKIE = "weishang_visitor"
ARRIVAL_COOKIE = "weishang_arrival"


def visitor_token(request: HttpRequest) -> str:
    """The browser's random visitor id, if it holds a well-formed one."""
    token = request.COOKIES.get(VISITOR_COOKIE, "")
    plain = token.replace("-", "").replace("_", "")
    return token if 16 <= len(token) <= 64 and plain.isascii() and plain.isalnum() else ""


def arrival_confirm(request: HttpRequest) -> bool:
    """Record the visit a pending arrival cookie names (the page was really shown)."""
    arrival = arrival_read(request.COOKIES.get(ARRIVAL_COOKIE, ""))
    token = visitor_token(request)
    if arrival is None or not token or is_bot(request):
        return False
    return visit_record(arrival=arrival, visitor_token=token) is not None


def referrer_name(order: Order) -> str:
    """Who referred the order, as the buyer may see it: the sharer's display name (never an
    address or a phone); "" when nobody did or the buyer removed the binding."""
    link = order.share_link
    if link is None or order.share_removed_at is not None:
        return ""
    # Only the shop's seller holds links (sharing.services.may_share): their name, else the shop's
    return link.owner.display_name or order.shop.name
