"""Fifty buyers, five in stock, one production server: exactly five orders, never an oversell."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.factories import make_shop, make_variant
from tests.http_client import Browser, Response, hidden_input
from tests.server import production_server
from weishang.catalog.models import Variant
from weishang.orders.models import Order

BUYERS = 50
IN_STOCK = 5


def buyer_ready_to_pay(base: str, variant: Variant, n: int) -> tuple[Browser, dict[str, str | int]]:
    """A buyer who opened the product page, put one in the cart and filled in the checkout."""
    shop = variant.product.shop
    buyer = Browser(base)
    assert buyer.get(f"/{shop.slug}/p/{variant.product_id}/").status == 200
    assert buyer.post(f"/{shop.slug}/cart/add/", {"variant": variant.pk, "quantity": 1}).status in (
        200,
        302,
    )
    checkout = buyer.get(f"/{shop.slug}/checkout/")
    assert checkout.status == 200, checkout.text[:500]
    form: dict[str, str | int] = {
        "name": f"Buyer {n}",
        "phone": f"+86139{n:08d}",
        "address": "Hangzhou, Longjing Road 1",
        "payment_method": "cash_on_delivery",
        "checkout_key": hidden_input(checkout.text, "checkout_key"),
        "prices_seen": hidden_input(checkout.text, "prices_seen"),
    }
    return buyer, form


@pytest.mark.live_server_process
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_buyers_get_exactly_the_five_in_stock(tmp_path: Path) -> None:
    # Given a variant with 5 in stock, served by the production server (2 processes)
    variant = make_variant(shop=make_shop(accepts_cash_on_delivery=True), stock=IN_STOCK)
    with production_server(tmp_path) as base:
        shop = variant.product.shop
        with ThreadPoolExecutor(max_workers=10) as pool:
            buyers = list(pool.map(lambda n: buyer_ready_to_pay(base, variant, n), range(BUYERS)))

        # When all fifty press "pay" at the same moment
        start = threading.Barrier(BUYERS)

        def pay(buyer_and_form: tuple[Browser, dict[str, str | int]]) -> Response:
            buyer, form = buyer_and_form
            start.wait()
            return buyer.post(f"/{shop.slug}/checkout/", form)

        with ThreadPoolExecutor(max_workers=BUYERS) as pool:
            answers = list(pool.map(pay, buyers))

    # Then five got an order, the rest a clear "sold out", and the stock is exactly 0
    placed = [a for a in answers if a.status == 302 and a.location.startswith("/o/")]
    sold_out = [a for a in answers if a.status == 409 and "Sold out" in a.text]
    assert (len(placed), len(sold_out)) == (IN_STOCK, BUYERS - IN_STOCK), sorted(
        {a.status for a in answers}
    )
    assert Order.objects.filter(shop=shop).count() == IN_STOCK
    variant.refresh_from_db()
    assert variant.stock == 0
    assert len({a.location for a in placed}) == IN_STOCK
