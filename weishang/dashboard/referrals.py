"""What each share link brought a shop, per link and per day (the seller's sharing page and its
CSV export).

- visits: confirmed arrivals through the link (``sharing``: preview bots never count);
  visitors: distinct browsers among them;
- orders: orders attributed to the link when they were placed, not cancelled or expired, and
  whose buyer did not remove the referral;
- revenue: those orders' totals less what was refunded, in the shop's currency;
- conversion: orders per visitor.

Days are calendar days in the site's time zone; a day is counted by the visit's time for visits
and by the order's time for orders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from weishang.orders.choices import OrderStatus
from weishang.orders.models import Order
from weishang.sharing.models import ShareLink, ShareVisit

if TYPE_CHECKING:
    from weishang.shops.models import Shop

NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.EXPIRED)


@dataclass
class Figures:
    visits: int = 0
    visitors: int = 0
    orders: int = 0
    revenue_minor: int = 0

    @property
    def conversion(self) -> float | None:
        """Orders per visitor, as a percentage; None before anyone visited."""
        return 100.0 * self.orders / self.visitors if self.visitors else None


@dataclass
class LinkFigures:
    link: ShareLink
    total: Figures = field(default_factory=Figures)
    days: dict[date, Figures] = field(default_factory=lambda: defaultdict(Figures))


@dataclass
class ShareStats:
    first_day: date
    last_day: date
    links: list[LinkFigures]
    total: Figures
    days: list[tuple[date, Figures]]  # every day of the period, oldest first

    @property
    def busiest(self) -> int:
        return max((max(f.visits, f.orders) for _d, f in self.days), default=0)


def share_stats(shop: Shop, *, days: int = 30, today: date | None = None) -> ShareStats:
    """The shop's share links over the last ``days`` days, ending today (six queries)."""
    tz = timezone.get_current_timezone()
    last_day = today or timezone.localdate()
    first_day = last_day - timedelta(days=days - 1)
    start = datetime.combine(first_day, time.min, tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)

    links = {
        link.pk: LinkFigures(link)
        for link in ShareLink.objects.filter(shop=shop).select_related("owner", "product")
    }
    visits = ShareVisit.objects.filter(link__shop=shop, at__gte=start, at__lt=end)
    for row in (
        visits.annotate(day=TruncDate("at", tzinfo=tz))
        .values("link_id", "day")
        .annotate(visits=Count("id"), visitors=Count("visitor_key", distinct=True))
    ):
        day_figures = links[row["link_id"]].days[row["day"]]
        day_figures.visits, day_figures.visitors = row["visits"], row["visitors"]
    for link_row in visits.values("link_id").annotate(
        visits=Count("id"), visitors=Count("visitor_key", distinct=True)
    ):
        total = links[link_row["link_id"]].total
        total.visits, total.visitors = link_row["visits"], link_row["visitors"]

    orders = (
        Order.objects.filter(
            shop=shop,
            share_link__isnull=False,
            share_removed_at__isnull=True,
            created_at__gte=start,
            created_at__lt=end,
        )
        .exclude(status__in=NOT_SALES)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("share_link_id", "day")
        .annotate(orders=Count("id"), revenue=Sum(F("total_minor") - F("refunded_minor")))
    )
    for order_row in orders:
        entry = links[order_row["share_link_id"]]
        revenue = order_row["revenue"] or 0
        entry.days[order_row["day"]].orders = order_row["orders"]
        entry.days[order_row["day"]].revenue_minor = revenue
        entry.total.orders += order_row["orders"]
        entry.total.revenue_minor += revenue

    # Visitors over the whole period are distinct over the period, not a sum of days.
    overall = Figures(
        visits=sum(e.total.visits for e in links.values()),
        visitors=visits.values("visitor_key").distinct().count(),
        orders=sum(e.total.orders for e in links.values()),
        revenue_minor=sum(e.total.revenue_minor for e in links.values()),
    )
    # A day's visitors are distinct over the day: one person through two links is one visitor.
    totals: dict[date, Figures] = defaultdict(Figures)
    for day_row in (
        visits.annotate(day=TruncDate("at", tzinfo=tz))
        .values("day")
        .annotate(visits=Count("id"), visitors=Count("visitor_key", distinct=True))
    ):
        totals[day_row["day"]].visits = day_row["visits"]
        totals[day_row["day"]].visitors = day_row["visitors"]
    for entry in links.values():
        for day, one in entry.days.items():
            totals[day].orders += one.orders
            totals[day].revenue_minor += one.revenue_minor
    by_day = [(d, totals[d]) for d in (first_day + timedelta(days=n) for n in range(days))]
    ordered = sorted(
        links.values(),
        key=lambda e: (-e.total.orders, -e.total.visits, -e.link.created_at.timestamp()),
    )
    return ShareStats(first_day, last_day, ordered, overall, by_day)
