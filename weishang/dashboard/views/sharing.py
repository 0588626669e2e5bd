"""The seller's sharing page: what each share link brought, a 30-day chart, a CSV export."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from weishang.core.money import to_decimal
from weishang.sharing.services import share_link_revoke

from ..access import seller_shop_view
from ..referrals import share_stats
from ..selectors import shop_share_link

if TYPE_CHECKING:
    from weishang.shops.models import Shop

CHART_DAYS = 30


@seller_shop_view
def sharing(request: HttpRequest, shop: Shop) -> HttpResponse:
    stats = share_stats(shop, days=CHART_DAYS)
    top = stats.busiest or 1
    bars = [
        {
            "day": day,
            "visits": figures.visits,
            "orders": figures.orders,
            "visits_height": round(100 * figures.visits / top, 1),
            "orders_height": round(100 * figures.orders / top, 1),
        }
        for day, figures in stats.days
    ]
    return render(
        request,
        "dashboard/sharing.html",
        {
            "shop": shop,
            "tab": "home",
            "stats": stats,
            "bars": bars,
            "chart_days": CHART_DAYS,
            # newest first, only the days something happened
            "active_days": [(d, f) for d, f in reversed(stats.days) if f.visits or f.orders],
        },
    )


@seller_shop_view
def sharing_csv(request: HttpRequest, shop: Shop) -> HttpResponse:
    """One row per link and day with any activity; UTF-8 with a BOM so Excel reads Chinese."""
    stats = share_stats(shop, days=CHART_DAYS)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{shop.slug}-sharing-{stats.first_day}-{stats.last_day}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        ["date", "link", "shared", "sharer", "visits", "visitors", "orders", "revenue", "currency"]
    )
    for entry in stats.links:
        for day in sorted(entry.days):
            figures = entry.days[day]
            writer.writerow(
                [
                    day.isoformat(),
                    entry.link.code,
                    _csv_text(entry.link.label),
                    _csv_text(entry.link.owner.display_name),
                    figures.visits,
                    figures.visitors,
                    figures.orders,
                    to_decimal(figures.revenue_minor, shop.currency),
                    shop.currency,
                ]
            )
    return response


def _csv_text(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@seller_shop_view
@require_POST
def sharing_revoke(request: HttpRequest, shop: Shop, link_id: int) -> HttpResponse:
    link = shop_share_link(shop=shop, link_id=link_id)
    share_link_revoke(link=link, actor=request.user)  # type: ignore[arg-type]
    return redirect("dashboard:sharing", shop_slug=shop.slug)
