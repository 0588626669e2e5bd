"""Load benchmark: requests per second and latency of the shop home and a product page.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16]

Starts the production server (granian, 2 workers) over a fresh PostgreSQL database holding the
demo shops, then runs wrk (Debian's package) from 127.0.0.1 against a trivial view (the ceiling:
the same server and middleware, no template, no query), the shop home and a product page — as a
fresh visitor opening a shared link (served by the two-second page cache) and as a visitor with a
cart (always rendered: queries and templates). Each run is bounded by --seconds. Prints a
Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import urllib.request

from harness import demo_server

from tests.http_client import Browser

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, seconds: int, connections: int, cookie: str = "") -> dict[str, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "5s", *headers, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50": latency("50"),
        "p99": latency("99"),
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }


def first_product_path(base: str, shop: str) -> str:
    html = urllib.request.urlopen(f"{base}/{shop}/").read().decode()
    match = re.search(rf'href="(/{shop}/p/\d+/)"', html)
    if not match:
        raise SystemExit("no product link found on the shop home")
    return match.group(1)


def first_photo_path(base: str, shop: str) -> str:
    html = urllib.request.urlopen(f"{base}/{shop}/").read().decode()
    match = re.search(r'src="(/media/[^"]+\.jpg)"', html)
    if not match:
        raise SystemExit("no photo found on the shop home")
    return match.group(1)


def cart_cookie(base: str, shop: str, product_path: str) -> str:
    """The cookies of a visitor with something in the cart: their pages are always rendered."""
    buyer = Browser(base)
    page = buyer.get(product_path).text
    variant = re.search(r'name="variant" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    buyer.post(f"/{shop}/cart/add/", {"variant": variant, "quantity": 1})
    return "; ".join(f"{c.name}={c.value}" for c in buyer.jar)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--shop", default="chayuan")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    with demo_server("weishang_bench_load") as (base, _db):
        product = first_product_path(base, args.shop)
        with_cart = cart_cookie(base, args.shop, product)
        pages = {
            "trivial view (ceiling)": ("/healthz", ""),
            "shop home": (f"/{args.shop}/", ""),
            "product page": (product, ""),
            "shop home, visitor with a cart": (f"/{args.shop}/", with_cart),
            "product page, visitor with a cart": (product, with_cart),
            "a product photo (core.views.media)": (first_photo_path(base, args.shop), ""),
        }
        rows = []
        for label, (path, cookie) in pages.items():
            wrk(base + path, seconds=2, connections=args.connections, cookie=cookie)  # warm up
            result = wrk(
                base + path, seconds=args.seconds, connections=args.connections, cookie=cookie
            )
            rows.append((label, path, result))
            print(
                f"{label:<24} {result['rps']:8.0f} req/s  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms",
                file=sys.stderr,
            )
    print(
        f"\n{args.connections} connections, {args.seconds} s each, granian 2 workers, PostgreSQL\n"
    )
    print("| page | path | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---:|---:|---:|---:|")
    for label, path, r in rows:
        print(
            f"| {label} | `{path}` | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['non2xx']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
