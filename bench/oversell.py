"""The oversell test, repeated: 50 buyers press "pay" at once for a variant with 5 in stock.

    .venv/bin/python bench/oversell.py [--rounds 20] [--buyers 50] [--stock 5]

Against the production server (granian, 2 workers) over PostgreSQL. Each round resets the
variant's stock, prepares every buyer (product page, cart, checkout page), releases them together
and checks: exactly --stock orders, every other buyer told "sold out", stock 0 in the database.
Exits non-zero on the first round that oversells or undersells.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
from harness import demo_server

from tests.http_client import Browser, Response, hidden_input


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--stock", type=int, default=5)
    parser.add_argument("--shop", default="chayuan")
    args = parser.parse_args()
    failures = 0
    with demo_server("weishang_bench_oversell") as (base, database_url):
        conn = psycopg.connect(database_url, autocommit=True)
        conn.execute("UPDATE shops_shop SET accepts_cash_on_delivery = true")
        home = Browser(base).get(f"/{args.shop}/").text
        product_path = re.search(rf'href="(/{args.shop}/p/\d+/)"', home).group(1)  # type: ignore[union-attr]
        variant_id = int(
            re.search(r'name="variant" value="(\d+)"', Browser(base).get(product_path).text).group(
                1
            )
        )  # type: ignore[union-attr]

        def ready(n: int) -> tuple[Browser, dict[str, str | int]]:
            buyer = Browser(base)
            buyer.get(product_path)  # the shared link: also hands out the CSRF cookie
            buyer.post(f"/{args.shop}/cart/add/", {"variant": variant_id, "quantity": 1})
            checkout = buyer.get(f"/{args.shop}/checkout/")
            return buyer, {
                "name": f"Buyer {n}", "phone": f"+86137{n:08d}", "address": "Hangzhou",
                "payment_method": "cash_on_delivery", "checkout_key": hidden_input(checkout.text, "checkout_key"),
                "prices_seen": hidden_input(checkout.text, "prices_seen"),
            }  # fmt: skip

        for round_no in range(1, args.rounds + 1):
            conn.execute(
                "UPDATE catalog_variant SET stock = %s WHERE id = %s", (args.buyers, variant_id)
            )
            with ThreadPoolExecutor(max_workers=10) as pool:
                buyers = list(
                    pool.map(ready, range(round_no * 1000, round_no * 1000 + args.buyers))
                )
            conn.execute(
                "UPDATE catalog_variant SET stock = %s WHERE id = %s", (args.stock, variant_id)
            )
            before = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0]  # type: ignore[index]
            gate = threading.Barrier(args.buyers)

            def pay(
                item: tuple[Browser, dict[str, str | int]], gate: threading.Barrier = gate
            ) -> Response:
                gate.wait()
                return item[0].post(f"/{args.shop}/checkout/", item[1])

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.buyers) as pool:
                answers = list(pool.map(pay, buyers))
            elapsed = time.perf_counter() - started
            placed = sum(1 for a in answers if a.status == 302)
            sold_out = sum(1 for a in answers if a.status == 409)
            stock = conn.execute(
                "SELECT stock FROM catalog_variant WHERE id = %s", (variant_id,)
            ).fetchone()[0]  # type: ignore[index]
            orders = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0] - before  # type: ignore[index]
            ok = (
                placed == orders == args.stock
                and sold_out == args.buyers - args.stock
                and stock == 0
            )
            failures += not ok
            print(
                f"round {round_no:2}: {placed} placed, {sold_out} sold out, {orders} new orders, stock {stock}, {elapsed * 1000:.0f} ms  {'ok' if ok else 'FAILED'}"
            )
    print(
        f"\n{args.rounds} rounds of {args.buyers} concurrent buyers for {args.stock} in stock: {failures} failed"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
