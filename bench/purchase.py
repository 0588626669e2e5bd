"""One complete guest purchase, every HTTP step, against the production server.

    .venv/bin/python bench/purchase.py [--purchases 200]

Over a fresh PostgreSQL database with the demo shops, served by ``weishang serve`` (granian, 2
workers), one buyer after another: open the shop, open a product, add to cart, open the checkout,
place the order (cash on delivery), open the order page. Prints the median, p90 and p99 of the
whole purchase and the median of each step. The checkout rate limit is off for the run (one IP
places every order).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time

import psycopg
from harness import demo_server

from tests.http_client import Browser, hidden_input

STEPS = ["shop home", "product page", "add to cart", "checkout page", "place order", "order page"]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def purchase(base: str, shop: str, product_path: str, variant_id: str, n: int) -> list[float]:
    buyer = Browser(base)
    timings = []

    def step(call, expect: int):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status == expect, (response.status, response.text[:300])
        return response

    step(lambda: buyer.get(f"/{shop}/"), 200)
    step(lambda: buyer.get(product_path), 200)
    step(lambda: buyer.post(f"/{shop}/cart/add/", {"variant": variant_id, "quantity": 1}), 302)
    checkout = step(lambda: buyer.get(f"/{shop}/checkout/"), 200)
    form = {
        "name": "Bench Buyer",
        "phone": f"+86139{n:08d}",
        # One address per buyer: unpaid orders may hold only so much per address.
        "address": f"Hangzhou, Longjing Road {n}",
        "payment_method": "cash_on_delivery",
        "checkout_key": hidden_input(checkout.text, "checkout_key"),
        "prices_seen": hidden_input(checkout.text, "prices_seen"),
    }
    placed = step(lambda: buyer.post(f"/{shop}/checkout/", form), 302)
    step(lambda: buyer.get(placed.location), 200)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--purchases", type=int, default=200)
    parser.add_argument("--shop", default="doufufang")
    args = parser.parse_args()
    with demo_server("weishang_bench_purchase") as (base, database_url):
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE catalog_variant SET stock = 1000000")
            conn.execute("UPDATE shops_shop SET accepts_cash_on_delivery = true")
        home = Browser(base).get(f"/{args.shop}/").text
        product_path = re.search(rf'href="(/{args.shop}/p/\d+/)"', home).group(1)  # type: ignore[union-attr]
        variant_id = re.search(
            r'name="variant" value="(\d+)"', Browser(base).get(product_path).text
        ).group(1)  # type: ignore[union-attr]
        for n in range(10):  # warm up
            purchase(base, args.shop, product_path, variant_id, n)
        runs = [
            purchase(base, args.shop, product_path, variant_id, 1000 + n)
            for n in range(args.purchases)
        ]
    totals = [sum(run) for run in runs]
    print(
        f"\n{args.purchases} complete guest purchases, one after another, granian 2 workers, PostgreSQL\n"
    )
    print("| | median ms | p90 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    print(
        f"| whole purchase ({len(STEPS)} requests) | {statistics.median(totals):.1f} | {percentile(totals, 90):.1f} | {percentile(totals, 99):.1f} |"
    )
    for i, name in enumerate(STEPS):
        column = [run[i] for run in runs]
        print(
            f"| {name} | {statistics.median(column):.1f} | {percentile(column, 90):.1f} | {percentile(column, 99):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
