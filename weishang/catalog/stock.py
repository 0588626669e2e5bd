"""Stock moves: the only code that changes ``Variant.stock``.

A reservation is a conditional update (``stock = stock - n WHERE stock >= n``), taken variant by
variant in primary-key order so two checkouts that share variants never deadlock. On PostgreSQL
the second of two concurrent updates waits for the first and re-checks the condition; on SQLite
the IMMEDIATE transaction serialises writers. Either way the check constraint
``variant_stock_not_negative`` is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import F

from .models import Variant


class OutOfStock(Exception):
    def __init__(self, variant_id: int) -> None:
        super().__init__(f"variant {variant_id} has too little stock")
        self.variant_id = variant_id


def _merged(quantities: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for variant_id, quantity in quantities:
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return merged


def stock_reserve(*, quantities: Mapping[int, int] | Iterable[tuple[int, int]]) -> None:
    """Take stock for every (variant, quantity), all or none. Call inside the order's transaction."""
    items = quantities.items() if isinstance(quantities, Mapping) else quantities
    assert transaction.get_connection().in_atomic_block, "reserve stock inside a transaction"
    for variant_id, quantity in sorted(_merged(items).items()):
        taken = Variant.objects.filter(pk=variant_id, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if not taken:
            raise OutOfStock(variant_id)


def stock_release(*, quantities: Mapping[int, int] | Iterable[tuple[int, int]]) -> None:
    """Put stock back (a cancelled, expired or refunded order). Variants since deleted are skipped."""
    items = quantities.items() if isinstance(quantities, Mapping) else quantities
    for variant_id, quantity in sorted(_merged(items).items()):
        if quantity > 0:
            Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantity)
