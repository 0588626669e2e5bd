"""Row locks for orders, in one place. A seller action locks the order row before it moves it."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Order


def order_for_update(*, shop_id: int | None = None) -> QuerySet[Order]:
    qs = Order.objects.select_for_update()
    return qs.filter(shop_id=shop_id) if shop_id is not None else qs
