"""Load benchmark: requests per second and latency of the shop home and a product page.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16]

Starts the production server (granian, 2 workers) over a fresh PostgreSQL database holding the
demo shops, then runs wrk (Debian's package) from 127.0.0.1 against a trivial view (the ceiling:
the same server and middleware, no template, no query), the shop home and a product page — as a
fresh visitor opening a shared link (served by the two-second page cache) and as a visitor with a
cart (always rendered: queries and templates); the short-link redirect, and the product page for
a visitor who came through it; the product page gzipped. Each run is bounded by --seconds.
Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from harness import demo_server

from tests.http_client import Browser

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str, *, seconds: int, connections: int, cookie: str = "", gzip: bool = False
) -> dict[str, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    headers += ["-H", "Accept-Encoding: gzip"] if gzip else []
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


def short_link(base: str, database_url: str, shop: str, product_path: str) -> tuple[str, str]:
    """The shop owner's short link to the product, and the cookies of a visitor who came through
    it (a visitor id and a pending arrival: not session state, so the cached page)."""
    product_id = int(product_path.rstrip("/").rsplit("/", 1)[1])
    make = (
        "import django; django.setup()\n"
        "from weishang.catalog.models import Product\n"
        "from weishang.sharing.services import share_link_for\n"
        f"product = Product.objects.select_related('shop__owner').get(pk={product_id})\n"
        "print(share_link_for(owner=product.shop.owner, shop=product.shop, product=product).code)"
    )
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            WEISHANG_DATA_DIR=data_dir,
            DJANGO_SETTINGS_MODULE="weishang.settings",
        )
        code = subprocess.run(
            [sys.executable, "-c", make], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
    visitor = Browser(base)
    visitor.opener.addheaders = [("User-Agent", "Mozilla/5.0 (iPhone) Mobile/15E148")]
    visitor.get(f"/s/{code}")
    return f"/s/{code}", "; ".join(f"{c.name}={c.value}" for c in visitor.jar)


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
    with demo_server("weishang_bench_load") as (base, database_url):
        product = first_product_path(base, args.shop)
        with_cart = cart_cookie(base, args.shop, product)
        link, arrived = short_link(base, database_url, args.shop, product)
        pages = {
            "trivial view (ceiling)": ("/healthz", "", False),
            "shop home": (f"/{args.shop}/", "", False),
            "product page": (product, "", False),
            "product page, gzip": (product, "", True),
            "short link (the redirect)": (link, "", False),
            "product page, visitor from a short link": (product, arrived, False),
            "shop home, visitor with a cart": (f"/{args.shop}/", with_cart, False),
            "product page, visitor with a cart": (product, with_cart, False),
            "a product photo (core.views.media)": (first_photo_path(base, args.shop), "", False),
        }
        rows = []
        for label, (path, cookie, gzip) in pages.items():
            run = {"seconds": 2, "connections": args.connections, "cookie": cookie, "gzip": gzip}
            wrk(base + path, **run)  # type: ignore[arg-type]  # warm up
            result = wrk(base + path, **{**run, "seconds": args.seconds})  # type: ignore[arg-type]
            rows.append((label, path, result))
            print(
                f"{label:<24} {result['rps']:8.0f} req/s  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms",
                file=sys.stderr,
            )
    print(
        f"\n{args.connections} connections, {args.seconds} s each, granian 2 workers, PostgreSQL\n"
    )
    ceiling = rows[0][2]
    print("| page | path | requests/s | of the ceiling | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, path, r in rows:
        share = 100 * r["rps"] / ceiling["rps"]
        print(
            f"| {label} | `{path}` | {r['rps']:.0f} | {share:.0f}% | {r['p50']:.1f} | {r['p99']:.1f} | {r['non2xx']:.0f} |"
        )
    redirect = next(r for label, _p, r in rows if label.startswith("short link"))
    print(f"\nThe short-link redirect adds {redirect['p50'] - ceiling['p50']:.2f} ms at p50.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
