"""A channel purchase against a direct one, every HTTP step, against the production server.

    .venv/bin/python bench/channel_purchase.py [--purchases 200]

Over a fresh PostgreSQL database with the demo (its tea garden has a channel), served by
``weishang serve`` (granian, 2 workers): the same product bought directly in the tea garden's
shop and through a reseller's shop (fangfang), alternating one purchase of each so that both see
the same machine. Each purchase is the six requests of ``bench/purchase.py``: shop home, product
page, add to cart, checkout page, place order, order page. The channel purchase also resolves the
reseller's listing on every page, writes the order's commission, and shows the certificate.
Prints the median, p90 and p99 of each, and the ratio of the medians (the target: within 1.5x).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys

import psycopg
from harness import demo_server
from purchase import STEPS, percentile, purchase

from tests.http_client import Browser

BRAND, RESELLER, PRODUCT = "chayuan", "fangfang", "安吉红茶"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--purchases", type=int, default=200)
    args = parser.parse_args()
    with demo_server("weishang_bench_channel") as (base, database_url):
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE catalog_variant SET stock = 1000000")
            conn.execute("UPDATE shops_shop SET accepts_cash_on_delivery = true")
            product_id, variant_id = conn.execute(
                "SELECT p.id, v.id FROM catalog_product p JOIN catalog_variant v"
                " ON v.product_id = p.id WHERE p.name = %s",
                [PRODUCT],
            ).fetchone()  # type: ignore[misc]
        for shop in (BRAND, RESELLER):
            page = Browser(base).get(f"/{shop}/p/{product_id}/").text
            assert re.search(f'name="variant" value="{variant_id}"', page), shop
        ways = {
            "direct": (BRAND, f"/{BRAND}/p/{product_id}/"),
            "channel": (RESELLER, f"/{RESELLER}/p/{product_id}/"),
        }
        for n in range(10):  # warm up
            for shop, path in ways.values():
                purchase(base, shop, path, str(variant_id), n)
        runs: dict[str, list[list[float]]] = {name: [] for name in ways}
        for n in range(args.purchases):
            for k, (name, (shop, path)) in enumerate(ways.items()):
                runs[name].append(purchase(base, shop, path, str(variant_id), 10000 * (k + 1) + n))
    print(
        f"\n{args.purchases} direct and {args.purchases} channel purchases of the same product,"
        " alternating, granian 2 workers, PostgreSQL\n"
    )
    print("| | direct median ms | channel median ms | channel p90 ms | channel p99 ms |")
    print("|---|---:|---:|---:|---:|")
    totals = {name: [sum(run) for run in found] for name, found in runs.items()}
    d, c = statistics.median(totals["direct"]), statistics.median(totals["channel"])
    print(
        f"| whole purchase ({len(STEPS)} requests) | {d:.1f} | {c:.1f} |"
        f" {percentile(totals['channel'], 90):.1f} | {percentile(totals['channel'], 99):.1f} |"
    )
    for i, name in enumerate(STEPS):
        direct = statistics.median(run[i] for run in runs["direct"])
        column = [run[i] for run in runs["channel"]]
        print(
            f"| {name} | {direct:.1f} | {statistics.median(column):.1f} |"
            f" {percentile(column, 90):.1f} | {percentile(column, 99):.1f} |"
        )
    print(f"\nchannel / direct, medians of the whole purchase: {c / d:.2f}x (target: at most 1.5x)")
    return 0 if c <= 1.5 * d else 1


if __name__ == "__main__":
    sys.exit(main())
